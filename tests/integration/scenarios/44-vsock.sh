# timeout: 600
# virtio-vsock, Firecracker's hybrid model, on real KVM. The guest
# (resources/testkit/guest-vsock.sh) serves an echo on vsock port 5000 and
# opens three connections at once to the host's port 6000, which reach a
# Unix listener at /tmp/v.sock_6000: 1 MiB each way per connection, checked
# byte by byte and by CRC; port 6001 has no listener (RST: refused). Then
# four host clients at once connect to /tmp/v.sock with "CONNECT 5000" and
# move 1 MiB each way; a CONNECT to a port the guest does not listen on is
# closed; a client that sends no CONNECT line, or half of one, is closed
# after 2 s. A second nestbox on the same uds_path is refused while the first
# lives; after a SIGKILL the stale socket file is replaced.
rm -f /tmp/v.sock /tmp/v.sock_6000
/guest/nb-vsock uds-listen /tmp/v.sock_6000 >/tmp/l6000 2>&1 &
lpid=$!
cat >/tmp/vsock.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-vsock.sh nb.hold=600" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "vsock": { "guest_cid": 3, "uds_path": "/tmp/v.sock" } }
JSON
nestbox --no-api --config-file /tmp/vsock.json </dev/null >/tmp/vs.out 2>/tmp/vs.err &
pid=$!
set +x # a traced polling loop on the console slows the guest down
i=0
while ! grep -q NBV-GUEST-DONE /tmp/vs.out && kill -0 $pid 2>/dev/null && [ $i -lt 2000 ]; do
	sleep 0.2
	i=$((i + 1))
done
set -x
cat /tmp/vs.out /tmp/vs.err
grep -q NBV-GUEST-DONE /tmp/vs.out
# Guest-initiated: three echoes, checked; no listener: refused.
[ "$(grep -c 'GUEST[123] NBV-ECHO-OK bytes=1048576 ' /tmp/vs.out)" = 3 ]
grep -q 'GUEST-6001 NBV-REFUSED' /tmp/vs.out
# Host-initiated: four clients at once.
pids=
for c in 1 2 3 4; do
	/guest/nb-vsock uds-connect /tmp/v.sock 5000 1048576 >/tmp/h$c 2>&1 &
	pids="$pids $!"
done
wait $pids || true
cat /tmp/h1 /tmp/h2 /tmp/h3 /tmp/h4
[ "$(cat /tmp/h1 /tmp/h2 /tmp/h3 /tmp/h4 | grep -c 'NBV-ECHO-OK bytes=1048576 ')" = 4 ]
# The CRCs agree (same stream both ways, both sides).
[ "$(sed -n 's/.*NBV-ECHO-OK.*sum=\([0-9a-f]*\).*/\1/p' /tmp/vs.out /tmp/h1 /tmp/h2 /tmp/h3 /tmp/h4 | sort -u | wc -l)" = 1 ]
# No listener on the guest's port 5999: the client is closed.
rc=0
/guest/nb-vsock uds-connect /tmp/v.sock 5999 10 >/tmp/h5 2>&1 || rc=$?
cat /tmp/h5
[ "$rc" = 2 ]
grep -q NBV-REFUSED /tmp/h5
# The handshake's deadline: silent and partial clients at once, closed
# after about 2 s (NB_VSOCK_HANDSHAKE_TIMEOUT_MS) while an echo goes on.
/guest/nb-vsock uds-silent /tmp/v.sock >/tmp/s1 2>&1 &
s1=$!
/guest/nb-vsock uds-silent /tmp/v.sock "CONNECT 50" >/tmp/s2 2>&1 &
s2=$!
/guest/nb-vsock uds-connect /tmp/v.sock 5000 4096 | grep -q NBV-ECHO-OK
wait $s1 $s2 || true
cat /tmp/s1 /tmp/s2
for f in /tmp/s1 /tmp/s2; do
	ms=$(sed -n 's/^NBV-CLOSED ms=\([0-9]*\)$/\1/p' $f)
	[ -n "$ms" ] && [ "$ms" -ge 1900 ] && [ "$ms" -lt 10000 ] || exit 1
done
# A live socket at uds_path: a second VM is refused, the first goes on.
rc=0
nestbox --no-api --config-file /tmp/vsock.json </dev/null >/tmp/vs2.out 2>/tmp/vs2.err || rc=$?
cat /tmp/vs2.err
[ "$rc" != 0 ]
grep -q 'vsock.uds_path /tmp/v.sock: a live socket is already there' /tmp/vs2.err
/guest/nb-vsock uds-connect /tmp/v.sock 5000 4096 | grep -q NBV-ECHO-OK
# Killed: the socket file stays, stale; the next VM replaces it.
kill -9 $pid
wait $pid || true
[ -S /tmp/v.sock ]
sed -i 's/nb.hold=600/nb.hold=1/; s/nb.run=[^ ]* //' /tmp/vsock.json
rc=0
nestbox --no-api --config-file /tmp/vsock.json </dev/null >/tmp/vs3.out 2>/tmp/vs3.err || rc=$?
cat /tmp/vs3.err
[ "$rc" = 0 ]
grep -q NESTBOX-POWEROFF /tmp/vs3.out
kill $lpid || true
