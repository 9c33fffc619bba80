# timeout: 1500
# nestbox's headline: a snapshot of a guest hypervisor while the microVM
# inside it runs. L1 (vEL2, VHE) launches an L2 microVM with the same
# nestbox; L2 counts a tick a second. L1 is paused and snapshotted (its EL2
# registers, its vGIC with the ICH_*_EL2 state, its memory, which holds L2
# and L1's own stage-2 tables for it), and a fresh nestbox loads the
# snapshot (reading the memory file into RAM: a copy-on-write mapping made
# KVM drop L2's shadow stage 2 on every page L1 first wrote, and the
# restored vCPU spun in the host kernel): L2 counts on from where it was,
# exits 0, L1 reports it and powers off, and the restored nestbox exits 0.
. /scenarios/snap.inc
cat >/tmp/nsnap.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd-l1.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/l1-tick.sh" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 1024, "nested": true } }
JSON
rm -f /tmp/nsnap.state /tmp/nsnap.mem
nestbox --config-file /tmp/nsnap.json --api-sock /tmp/nsnap-a.sock </dev/null >/tmp/nsnap-a.out 2>/tmp/nsnap-a.err &
a=$!
wait_sock /tmp/nsnap-a.sock
wait_tick /tmp/nsnap-a.out 3 $a 6000
cat /tmp/nsnap-a.out
nb-curl /tmp/nsnap-a.sock PATCH /vm '{"state": "Paused"}'
at=$(tick /tmp/nsnap-a.out)
nb-curl /tmp/nsnap-a.sock PUT /snapshot/create '{"snapshot_path": "/tmp/nsnap.state", "mem_file_path": "/tmp/nsnap.mem"}'
kill -9 $a
wait $a || true
ls -ls /tmp/nsnap.state /tmp/nsnap.mem

nestbox --api-sock /tmp/nsnap-b.sock </dev/null >/tmp/nsnap-b.out 2>/tmp/nsnap-b.err &
b=$!
wait_sock /tmp/nsnap-b.sock
nb-curl /tmp/nsnap-b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/nsnap.state", "mem_backend": {"backend_type": "File", "backend_path": "/tmp/nsnap.mem"}, "resume_vm": true}'
# Show the restored guests' console as it comes (a hang shows where it stopped).
tail -f /tmp/nsnap-b.out &
t=$!
rc=0
wait $b || rc=$?
kill $t
cat /tmp/nsnap-b.err
[ "$rc" = 0 ]
[ "$(first_tick /tmp/nsnap-b.out)" -ge "$at" ]
[ "$(first_tick /tmp/nsnap-b.out)" -le $((at + 1)) ]
[ "$(tick /tmp/nsnap-b.out)" = 15 ]
grep -q '^L2-EXIT rc=0' /tmp/nsnap-b.out
rm -f /tmp/nsnap.mem
