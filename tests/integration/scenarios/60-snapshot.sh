# timeout: 900
# Snapshots on real KVM through the API (Firecracker's routes): a microVM
# with a drive and the entropy device counts a tick a second; it is paused,
# snapshotted, resumed. Two fresh nestbox processes load the same snapshot
# at once (a sandbox pool from one image): one resumes at load and counts on
# from where the snapshot was (not from 0), reads its drive (first read
# after the restore: intact), the guest powers off and nestbox exits 0; the
# other loads paused, stays silent, then counts on when resumed. The
# original, with track_dirty_pages, then takes a Diff snapshot two ticks
# later; laid over the Full memory file (nestbox-rebase-snap) it loads and
# counts on from there. Bad loads and creates are refused with a
# fault_message.
. /scenarios/snap.inc
expect() { # WANT SOCK ARGS...: the answer contains WANT
	want=$1
	shift
	out=$(nb-curl "$@" || true)
	echo "$out"
	case "$out" in *"$want"*) ;; *) echo "expected: $want"; return 1 ;; esac
}

dd if=/dev/urandom of=/tmp/snap-data.img bs=1M count=2 2>/dev/null
disk=$(sha256sum </tmp/snap-data.img | cut -d' ' -f1)
cat >/tmp/snap.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-tick.sh nb.ticks=14" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256, "track_dirty_pages": true },
  "drives": [ { "drive_id": "data", "path_on_host": "/tmp/snap-data.img",
      "is_root_device": false, "is_read_only": true } ],
  "entropy": {} }
JSON
rm -f /tmp/snap.state /tmp/snap.mem
nestbox --config-file /tmp/snap.json --api-sock /tmp/snap-a.sock </dev/null >/tmp/snap-a.out 2>/tmp/snap-a.err &
a=$!
wait_sock /tmp/snap-a.sock
wait_tick /tmp/snap-a.out 3 $a
expect '400 {"fault_message":"snapshot/create: the microVM must be paused first' /tmp/snap-a.sock PUT /snapshot/create '{"snapshot_path": "/tmp/snap.state", "mem_file_path": "/tmp/snap.mem"}'
nb-curl /tmp/snap-a.sock PATCH /vm '{"state": "Paused"}'
at=$(tick /tmp/snap-a.out)
nb-curl /tmp/snap-a.sock PUT /snapshot/create '{"snapshot_type": "Full", "snapshot_path": "/tmp/snap.state", "mem_file_path": "/tmp/snap.mem"}'
ls -ls /tmp/snap.state /tmp/snap.mem
# The memory file is sparse: only what the guest touched is written.
[ "$(stat -c %s /tmp/snap.mem)" = $((256 * 1024 * 1024)) ]
# The original goes on.
nb-curl /tmp/snap-a.sock PATCH /vm '{"state": "Resumed"}'
wait_tick /tmp/snap-a.out $((at + 2)) $a
# A Diff snapshot: only the pages changed since the Full one, the rest holes.
nb-curl /tmp/snap-a.sock PATCH /vm '{"state": "Paused"}'
at2=$(tick /tmp/snap-a.out)
nb-curl /tmp/snap-a.sock PUT /snapshot/create '{"snapshot_type": "Diff", "snapshot_path": "/tmp/snap-d.state", "mem_file_path": "/tmp/snap-d.mem"}'
ls -ls /tmp/snap-d.mem
[ "$(stat -c %s /tmp/snap-d.mem)" = $((256 * 1024 * 1024)) ]
[ "$(du -k /tmp/snap-d.mem | cut -f1)" -lt "$(du -k /tmp/snap.mem | cut -f1)" ]
kill -9 $a
wait $a || true

# Two restores at once from the same files.
nestbox --api-sock /tmp/snap-b.sock </dev/null >/tmp/snap-b.out 2>/tmp/snap-b.err &
b=$!
nestbox --api-sock /tmp/snap-c.sock </dev/null >/tmp/snap-c.out 2>/tmp/snap-c.err &
c=$!
wait_sock /tmp/snap-b.sock
wait_sock /tmp/snap-c.sock
# A corrupted state file and an unknown interface are refused; nothing starts.
cp /tmp/snap.state /tmp/snap-bad.state
printf 'X' | dd of=/tmp/snap-bad.state bs=1 seek=100 conv=notrunc 2>/dev/null
expect '400 {"fault_message":"snapshot_path /tmp/snap-bad.state: not a nestbox snapshot state file (checksum mismatch)"}' /tmp/snap-b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/snap-bad.state", "mem_backend": {"backend_type": "File", "backend_path": "/tmp/snap.mem"}}'
expect '400 {"fault_message":"snapshot/load.network_overrides[0].iface_id: the snapshot has no interface \"eth9\""}' /tmp/snap-b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/snap.state", "mem_backend": {"backend_type": "File", "backend_path": "/tmp/snap.mem"}, "network_overrides": [{"iface_id": "eth9", "host_dev_name": "tap9"}]}'
expect '"state":"Not started"' /tmp/snap-b.sock GET /
nb-curl /tmp/snap-b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/snap.state", "mem_backend": {"backend_type": "File", "backend_path": "/tmp/snap.mem"}, "resume_vm": true}'
nb-curl /tmp/snap-c.sock PUT /snapshot/load '{"snapshot_path": "/tmp/snap.state", "mem_backend": {"backend_type": "File", "backend_path": "/tmp/snap.mem"}, "resume_vm": false}'
expect '"state":"Running"' /tmp/snap-b.sock GET /
expect '"state":"Paused"' /tmp/snap-c.sock GET /
expect '400 {"fault_message":"snapshot/load: the microVM is already started' /tmp/snap-b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/snap.state", "mem_file_path": "/tmp/snap.mem"}'
# B counts on from the snapshot, to the end, and exits 0.
rc=0
wait $b || rc=$?
cat /tmp/snap-b.out /tmp/snap-b.err
[ "$rc" = 0 ]
[ "$(first_tick /tmp/snap-b.out)" -ge "$at" ]
[ "$(first_tick /tmp/snap-b.out)" -le $((at + 1)) ]
[ "$(tick /tmp/snap-b.out)" = 13 ]
grep -q NESTBOX-POWEROFF /tmp/snap-b.out
# The drive, first read after the restore, is intact.
grep -q "NESTBOX-DISK $disk" /tmp/snap-b.out
# C was loaded paused: silent until resumed, then it counts on too.
sleep 2
[ -z "$(tick /tmp/snap-c.out)" ]
nb-curl /tmp/snap-c.sock PATCH /vm '{"state": "Resumed"}'
wait_tick /tmp/snap-c.out $((at + 2)) $c
[ "$(first_tick /tmp/snap-c.out)" -ge "$at" ]
kill -TERM $c
wait $c || true
cat /tmp/snap-c.err

# The Diff laid over the Full memory file (no restore maps it any more)
# loads too and counts on from the Diff's tick.
nestbox-rebase-snap --base-file /tmp/snap.mem --diff-file /tmp/snap-d.mem
nestbox --api-sock /tmp/snap-e.sock </dev/null >/tmp/snap-e.out 2>/tmp/snap-e.err &
e=$!
wait_sock /tmp/snap-e.sock
nb-curl /tmp/snap-e.sock PUT /snapshot/load '{"snapshot_path": "/tmp/snap-d.state", "mem_backend": {"backend_type": "File", "backend_path": "/tmp/snap.mem"}, "resume_vm": true}'
rc=0
wait $e || rc=$?
cat /tmp/snap-e.err
[ "$rc" = 0 ]
[ "$(first_tick /tmp/snap-e.out)" -ge "$at2" ]
[ "$(first_tick /tmp/snap-e.out)" -le $((at2 + 1)) ]
grep -q "NESTBOX-DISK $disk" /tmp/snap-e.out
rm -f /tmp/snap.mem /tmp/snap-d.mem /tmp/snap-data.img
