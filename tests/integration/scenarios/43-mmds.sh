# timeout: 300
# MMDS on real KVM: a config file's mmds-config (V2) puts the MMDS on eth0,
# --metadata fills the data store; the guest (guest-mmds.sh) gets a session
# token, reads values (IMDS and JSON), is refused without the token, and
# sees the host's PATCH /mmds while it runs.
tunctl -t tapm0 >/dev/null
ip link set tapm0 up
cat >/tmp/mmds-data.json <<'JSON'
{"latest": {"meta-data": {"ami-id": "ami-12345678", "gen": "1", "n": {"x": "y"}}}}
JSON
cat >/tmp/mmds.json <<'JSON'
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-mmds.sh" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "network-interfaces": [ { "iface_id": "eth0", "host_dev_name": "tapm0" } ],
  "mmds-config": { "version": "V2", "network_interfaces": ["eth0"] } }
JSON
nestbox --config-file /tmp/mmds.json --api-sock /tmp/mmds.sock --metadata /tmp/mmds-data.json \
	</dev/null >/tmp/mmds.out 2>/tmp/mmds.err &
pid=$!
set +x
i=0
while ! grep -q NESTBOX-MMDS-READY /tmp/mmds.out && kill -0 $pid 2>/dev/null && [ $i -lt 1000 ]; do
	sleep 0.2
	i=$((i + 1))
done
set -x
grep -q NESTBOX-MMDS-READY /tmp/mmds.out || { cat /tmp/mmds.out /tmp/mmds.err; false; }
nb-curl /tmp/mmds.sock GET /mmds | grep -q '"ami-id":"ami-12345678"'
nb-curl /tmp/mmds.sock GET /vm/config | grep -q '"mmds-config":{"version":"V2","network_interfaces":\["eth0"\],"ipv4_address":"169.254.169.254","imds_compat":false}'
nb-curl /tmp/mmds.sock PATCH /mmds '{"latest": {"meta-data": {"gen": "2"}}}'
rc=0
wait $pid || rc=$?
cat /tmp/mmds.out /tmp/mmds.err
[ "$rc" = 0 ]
# What reached the tap from the guest (none of the MMDS's frames; IPv6
# neighbour discovery may).
rx=$(cat /sys/class/net/tapm0/statistics/rx_packets)
tunctl -d tapm0 >/dev/null
tr -d '\r' </tmp/mmds.out >/tmp/mmds.txt
grep -q "NESTBOX-MMDS-TOKEN 64" /tmp/mmds.txt
grep -q "NESTBOX-MMDS-AMI ami-12345678" /tmp/mmds.txt
grep -q "NESTBOX-MMDS-NOTOKEN HTTP/1.1 401 Unauthorized" /tmp/mmds.txt
grep -q "NESTBOX-MMDS-KEYS ami-id gen n/" /tmp/mmds.txt
grep -q 'NESTBOX-MMDS-JSON {"x":"y"}' /tmp/mmds.txt
grep -q "NESTBOX-MMDS-MISSING HTTP/1.1 404 Not Found" /tmp/mmds.txt
grep -q "NESTBOX-MMDS-GEN 2" /tmp/mmds.txt
echo "tap rx_packets $rx"
# A --metadata file that is not JSON: one line, exit status 1.
echo '{"a":' >/tmp/bad-md.json
rc=0
nestbox --no-api --config-file /tmp/mmds.json --metadata /tmp/bad-md.json </dev/null >/tmp/out 2>/tmp/err || rc=$?
cat /tmp/err
[ "$rc" = 1 ]
[ "$(wc -l </tmp/err)" = 1 ]
grep -q '^nestbox: --metadata /tmp/bad-md.json: JSON syntax error' /tmp/err
