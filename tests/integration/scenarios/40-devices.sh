# timeout: 600
# virtio-mmio devices on real KVM: a data drive (io_uring, Writeback), a
# read-only drive (the synchronous engine) and the entropy device. The guest
# checks the data drive's content by checksum, finds the read-only drive
# refuses writes, reads /dev/hwrng, writes and flushes the data drive; nestbox
# is killed (SIGKILL) right after the flush completes and the host finds the
# write in the file. Then a guest boots with its root file system on an ext4
# drive (is_root_device: nestbox adds root=/dev/vda).
dd if=/dev/urandom of=/tmp/data.img bs=1M count=8 2>/dev/null
dd if=/dev/urandom of=/tmp/ro.img bs=1M count=1 2>/dev/null
sum=$(sha256sum /tmp/data.img | cut -d' ' -f1)
rosum=$(sha256sum /tmp/ro.img | cut -d' ' -f1)
cat >/tmp/devices.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-devices.sh nb.hold=60" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "drives": [
    { "drive_id": "data", "path_on_host": "/tmp/data.img", "is_root_device": false,
      "is_read_only": false, "cache_type": "Writeback", "io_engine": "Async" },
    { "drive_id": "ro", "path_on_host": "/tmp/ro.img", "is_root_device": false,
      "is_read_only": true, "io_engine": "Sync" } ],
  "entropy": { "rate_limiter": null },
  "balloon": null, "vsock": null, "network-interfaces": [], "logger": null, "metrics": null,
  "mmds-config": null, "cpu-config": null }
JSON
nestbox --config-file /tmp/devices.json </dev/null >/tmp/dev.out 2>/tmp/dev.err &
pid=$!
set +x # a traced polling loop on the console slows the guest down
i=0
while ! grep -q NESTBOX-FLUSHED /tmp/dev.out && kill -0 $pid 2>/dev/null && [ $i -lt 1500 ]; do
	sleep 0.2
	i=$((i + 1))
done
set -x
kill -9 $pid 2>/dev/null || true
wait $pid || true
cat /tmp/dev.out /tmp/dev.err
grep -q NESTBOX-FLUSHED /tmp/dev.out
grep -q "NESTBOX-BLK-SUM $sum" /tmp/dev.out
grep -q "NESTBOX-BLK-SIZE 16384 ro=0" /tmp/dev.out
grep -q "NESTBOX-RO-SIZE 2048 ro=1" /tmp/dev.out
grep -q "NESTBOX-RO-REFUSED" /tmp/dev.out
grep -q "NESTBOX-RNG virtio_rng.0 64" /tmp/dev.out
# The flushed write is in the file; the read-only drive is untouched.
[ "$(dd if=/tmp/data.img bs=512 skip=2048 count=1 2>/dev/null | head -c 24)" = NESTBOX-WRITTEN-BY-GUEST ]
[ "$(sha256sum /tmp/ro.img | cut -d' ' -f1)" = "$rosum" ]

# The root file system on a drive.
cp /guest/rootfs.ext4 /tmp/rootfs.ext4
cat >/tmp/rootfs.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "drives": [ { "drive_id": "rootfs", "path_on_host": "/tmp/rootfs.ext4",
      "is_root_device": true, "is_read_only": false } ] }
JSON
rc=0
NESTBOX_CHECK_FDS=1 nestbox --config-file /tmp/rootfs.json </dev/null >/tmp/root.out 2>/tmp/root.err || rc=$?
cat /tmp/root.out /tmp/root.err
[ "$rc" = 0 ]
grep -q "NESTBOX-ROOTFS-OK /dev/vda ext4 rw" /tmp/root.out
# What the guest wrote on its root file system is in the image.
grep -q NESTBOX-ROOTFS-WROTE-THIS /tmp/rootfs.ext4
