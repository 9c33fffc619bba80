# timeout: 600
# Snapshot memory served on demand by a page-fault handler (Firecracker's
# Uffd backend): a ticking microVM with a drive is paused, snapshotted and
# killed; nb-uffd-handler listens with the memory file; a fresh nestbox
# whose handler socket does not exist answers a 400 naming it and starts
# nothing; then a load with backend_type Uffd resumes: the guest counts on
# from the snapshot's tick, reads its drive intact, powers off, nestbox
# exits 0, and the handler, having served the pages, exits when nestbox is
# gone.
. /scenarios/snap.inc

dd if=/dev/urandom of=/tmp/uffd-data.img bs=1M count=1 2>/dev/null
disk=$(sha256sum </tmp/uffd-data.img | cut -d' ' -f1)
cat >/tmp/uffd.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-tick.sh nb.ticks=8" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "drives": [ { "drive_id": "data", "path_on_host": "/tmp/uffd-data.img",
      "is_root_device": false, "is_read_only": true } ] }
JSON
nestbox --config-file /tmp/uffd.json --api-sock /tmp/uffd-a.sock </dev/null >/tmp/uffd-a.out 2>/tmp/uffd-a.err &
a=$!
wait_sock /tmp/uffd-a.sock
wait_tick /tmp/uffd-a.out 2 $a
nb-curl /tmp/uffd-a.sock PATCH /vm '{"state": "Paused"}'
at=$(tick /tmp/uffd-a.out)
nb-curl /tmp/uffd-a.sock PUT /snapshot/create '{"snapshot_type": "Full", "snapshot_path": "/tmp/uffd.state", "mem_file_path": "/tmp/uffd.mem"}'
kill -9 $a
wait $a || true

nb-uffd-handler /tmp/uffd-h.sock /tmp/uffd.mem 2>/tmp/uffd-h.err &
h=$!
nestbox --api-sock /tmp/uffd-b.sock </dev/null >/tmp/uffd-b.out 2>/tmp/uffd-b.err &
b=$!
wait_sock /tmp/uffd-b.sock
# No handler at backend_path: a 400 naming it, nothing started.
out=$(nb-curl /tmp/uffd-b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/uffd.state", "mem_backend": {"backend_type": "Uffd", "backend_path": "/tmp/uffd-none.sock"}}' || true)
echo "$out"
[ "$out" = '400 {"fault_message":"mem_backend.backend_path /tmp/uffd-none.sock: no page-fault handler there: No such file or directory"}' ]
nb-curl /tmp/uffd-b.sock GET / | grep -q '"state":"Not started"'
i=0
while [ ! -S /tmp/uffd-h.sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S /tmp/uffd-h.sock ]
nb-curl /tmp/uffd-b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/uffd.state", "mem_backend": {"backend_type": "Uffd", "backend_path": "/tmp/uffd-h.sock"}, "resume_vm": true}'
rc=0
wait $b || rc=$?
cat /tmp/uffd-b.out /tmp/uffd-b.err
[ "$rc" = 0 ]
[ "$(first_tick /tmp/uffd-b.out)" -ge "$at" ]
[ "$(first_tick /tmp/uffd-b.out)" -le $((at + 1)) ]
[ "$(tick /tmp/uffd-b.out)" = 7 ]
grep -q NESTBOX-POWEROFF /tmp/uffd-b.out
grep -q "NESTBOX-DISK $disk" /tmp/uffd-b.out
# The handler served the guest's pages and ended with nestbox.
rc=0
wait $h || rc=$?
cat /tmp/uffd-h.err
[ "$rc" = 0 ]
[ "$(sed -n 's/^nb-uffd-handler: \([0-9]*\) copied.*/\1/p' /tmp/uffd-h.err)" -gt 0 ]
rm -f /tmp/uffd.mem /tmp/uffd.state /tmp/uffd-data.img
