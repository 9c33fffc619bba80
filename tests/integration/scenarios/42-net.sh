# timeout: 900
# virtio-net on a tap, on real KVM: the host makes tap0 (169.254.0.1/30),
# a guest takes 169.254.0.2 on eth0 (its MAC from guest_mac), pings the
# host and is pinged, receives 8 MB from the host and sends 8 MB back with
# busybox nc, both checked by sha256sum, with rate limiters set on the
# running interface through the API. Then a missing tap is one clear
# line and exit status 1, before any guest runs.
tunctl -t tap0 >/dev/null
ip addr add 169.254.0.1/30 dev tap0
ip link set tap0 up
head -c 8388608 /dev/urandom >/tmp/h2g
h2g=$(sha256sum </tmp/h2g | cut -d' ' -f1)
cat >/tmp/net.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-net.sh" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "network-interfaces": [ { "iface_id": "eth0", "host_dev_name": "tap0",
      "guest_mac": "06:00:ac:10:00:02" } ] }
JSON
# Guest to host: a listener whose stdin never ends (see guest-net.sh).
sleep 900 | nc -l -p 5001 >/tmp/g2h &
nestbox --config-file /tmp/net.json --api-sock /tmp/net.sock </dev/null >/tmp/net.out 2>/tmp/net.err &
pid=$!
set +x
i=0
while ! grep -q NESTBOX-NET-UP /tmp/net.out && kill -0 $pid 2>/dev/null && [ $i -lt 1500 ]; do
	sleep 0.2
	i=$((i + 1))
done
set -x
ping -c 3 -W 10 169.254.0.2
# The running interface's rate limiters changed through the API (generous:
# the transfers below go through them), shown in GET /vm/config.
nb-curl /tmp/net.sock PATCH /network-interfaces/eth0 '{"iface_id": "eth0", "rx_rate_limiter": {"bandwidth": {"size": 104857600, "refill_time": 100}}, "tx_rate_limiter": {"ops": {"size": 100000, "refill_time": 100}}}'
nb-curl /tmp/net.sock GET /vm/config | grep -q '"rx_rate_limiter":{"bandwidth":{"size":104857600,"one_time_burst":0,"refill_time":100},"ops":null},"tx_rate_limiter":{"bandwidth":null,"ops":{"size":100000,'
out=$(nb-curl /tmp/net.sock PATCH /network-interfaces/eth9 '{"iface_id": "eth9"}' || true)
echo "$out"
[ "$out" = '400 {"fault_message":"network-interfaces.iface_id: there is no interface \"eth9\""}' ]
nc 169.254.0.2 5002 </tmp/h2g
set +x
i=0
while ! grep -q "NESTBOX-NET-SENT\|NESTBOX-POWEROFF" /tmp/net.out && kill -0 $pid 2>/dev/null &&
	[ $i -lt 3000 ]; do
	sleep 0.2
	i=$((i + 1))
done
set -x
rc=0
wait $pid || rc=$?
cat /tmp/net.out /tmp/net.err
[ "$rc" = 0 ]
grep -q "NESTBOX-NET-MAC 06:00:ac:10:00:02" /tmp/net.out
grep -q "NESTBOX-NET-PING-OK" /tmp/net.out
grep -q "NESTBOX-NET-RECV $h2g 8388608 " /tmp/net.out
grep -q "NESTBOX-NET-SENT" /tmp/net.out
g2h=$(sed -n 's/^NESTBOX-NET-OUTSUM \([0-9a-f]*\).*/\1/p' /tmp/net.out | tr -d '\r')
[ -n "$g2h" ]
[ "$(sha256sum </tmp/g2h | cut -d' ' -f1)" = "$g2h" ]
[ "$(wc -c </tmp/g2h)" = 8388608 ]

# A missing tap: one line naming it, exit status 1, nothing left open.
sed 's/"tap0"/"nbnotap0"/' /tmp/net.json >/tmp/notap.json
rc=0
NESTBOX_CHECK_FDS=1 nestbox --config-file /tmp/notap.json </dev/null >/tmp/out 2>/tmp/err || rc=$?
cat /tmp/err
[ "$rc" = 1 ]
[ "$(wc -l </tmp/err)" = 1 ]
grep -q '^.*network-interfaces\[0\].host_dev_name nbnotap0: no such interface' /tmp/err
# A tap another process holds is busy: a first nestbox keeps it open (it
# opens its taps before loading the guest).
sed 's/nb.run=\/guest-net.sh/nb.hold=60/' /tmp/net.json >/tmp/hold.json
nestbox --no-api --config-file /tmp/hold.json </dev/null >/tmp/hold.out 2>&1 &
hold=$!
sleep 3
kill -0 $hold
rc=0
nestbox --no-api --config-file /tmp/net.json </dev/null >/tmp/out 2>/tmp/err || rc=$?
kill $hold
# Deleting a tap still held open crashes busybox tunctl: let the holder go.
wait $hold || true
cat /tmp/err
[ "$rc" = 1 ]
[ "$(wc -l </tmp/err)" = 1 ]
grep -q 'network-interfaces\[0\].host_dev_name tap0: busy' /tmp/err
tunctl -d tap0 >/dev/null
