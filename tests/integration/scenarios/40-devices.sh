# timeout: 600
# virtio-mmio devices on real KVM: a data drive (io_uring, Writeback), a
# read-only drive (the synchronous engine) and the entropy device. The guest
# checks the data drive's content by checksum, finds the read-only drive
# refuses writes, reads /dev/hwrng, writes and flushes the data drive; nestbox
# is killed (SIGKILL) right after the flush completes and the host finds the
# write in the file. Then a guest boots with its root file system on an ext4
# drive (is_root_device: nestbox adds root=/dev/vda). Last, PATCH /drives on
# a running guest: a new backing file (the guest sees the new capacity and
# content) and a rate limiter, with nestbox's --log-path and --metrics-path.
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

# PATCH /drives on a running guest, and the logger and metrics flags.
dd if=/dev/zero of=/tmp/old.img bs=1M count=1 2>/dev/null
dd if=/dev/zero of=/tmp/new.img bs=1M count=2 2>/dev/null
printf 'NESTBOX-OLD-FILE' | dd of=/tmp/old.img conv=notrunc 2>/dev/null
printf 'NESTBOX-NEW-FILE' | dd of=/tmp/new.img conv=notrunc 2>/dev/null
S=/tmp/swap.sock
nestbox --api-sock $S --level Debug --log-path /tmp/swap.log --show-level \
	--metrics-path /tmp/swap.metrics </dev/null >/tmp/swap.out 2>/tmp/swap.err &
pid=$!
i=0
while ! nb-curl $S GET / >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
nb-curl $S PUT /boot-source '{"kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio", "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-swap.sh"}'
nb-curl $S PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256}'
nb-curl $S PUT /drives/data '{"drive_id": "data", "path_on_host": "/tmp/old.img", "is_root_device": false, "is_read_only": true}'
nb-curl $S PUT /actions '{"action_type": "InstanceStart"}'
set +x
i=0
while ! grep -q NESTBOX-SWAP-BEFORE /tmp/swap.out && kill -0 $pid 2>/dev/null && [ $i -lt 1500 ]; do
	sleep 0.2
	i=$((i + 1))
done
set -x
patch() {
	out=$(nb-curl $S PATCH /drives/$1 "$2" || true)
	echo "$out"
	case "$out" in "$3"*) ;; *) echo "expected: $3" && return 1 ;; esac
}
patch data '{"drive_id": "data", "path_on_host": "/nonexistent.img"}' '400 {"fault_message":"drives.path_on_host: open /nonexistent.img: No such file or directory"}'
patch nope '{"drive_id": "nope", "path_on_host": "/tmp/new.img"}' '400 {"fault_message":"drives.drive_id: there is no drive \"nope\""}'
patch data '{"drive_id": "data", "is_read_only": false}' '400 {"fault_message":"drives.is_read_only: unknown field'
patch data '{"drive_id": "data", "rate_limiter": {"ops": {"size": "x"}}}' '400 {"fault_message":"drives.rate_limiter.ops.size: must be'
patch data '{"drive_id": "data", "rate_limiter": {"bandwidth": {"size": 1048576, "refill_time": 100}}}' '204'
patch data '{"drive_id": "data", "path_on_host": "/tmp/new.img"}' '204'
nb-curl $S GET /vm/config | grep -q '"path_on_host":"/tmp/new.img"'
rc=0
wait $pid || rc=$?
cat /tmp/swap.out /tmp/swap.err
[ "$rc" = 0 ]
grep -q "NESTBOX-SWAP-BEFORE 2048 NESTBOX-OLD-FILE" /tmp/swap.out
grep -q "NESTBOX-SWAP-AFTER 4096 NESTBOX-NEW-FILE" /tmp/swap.out
# The flags' log and metrics files got their lines.
cat /tmp/swap.log
grep -q ':INFO\] Running nestbox ' /tmp/swap.log
grep -Eq '"block":[{][^}]*"update_count":1' /tmp/swap.metrics
