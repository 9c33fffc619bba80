# timeout: 900
# The REST API on real KVM, driven with nb-curl (resources/testkit/nb-curl.c):
# a VM configured and started entirely through the socket; bad requests get
# 400 with a fault_message; pre-boot resources are closed after
# InstanceStart; a pause stops the guest (no tick while paused, and its
# clock shows the gap) and a resume lets it run on; GET /vm/config equals
# what the same configuration as a file gives; the guest powers off and
# nestbox exits 0 with nothing left open and its socket removed.
S=/tmp/api.sock
api() { nb-curl $S "$@"; }
# expect STATUS_AND_TEXT METHOD PATH [BODY]: the answer contains it
expect() {
	want=$1
	shift
	out=$(nb-curl $S "$@" || true)
	echo "$out"
	case "$out" in *"$want"*) ;; *) echo "expected: $want"; return 1 ;; esac
}
ticks() { grep -c NESTBOX-TICK /tmp/api.out || true; }
dd if=/dev/urandom of=/tmp/api-data.img bs=1M count=2 2>/dev/null
NESTBOX_CHECK_FDS=1 nestbox --api-sock $S --id api-test </dev/null >/tmp/api.out 2>/tmp/api.err &
pid=$!
i=0
while ! nb-curl $S GET / >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect '200 {"id":"api-test","state":"Not started","vmm_version":' GET /
expect '"app_name":"Nestbox"}' GET /
expect '200 {"firecracker_version":' GET /version
# Configure.
BOOT='{"kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio", "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-tick.sh"}'
api PUT /boot-source "$BOOT"
api PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256}'
api PATCH /machine-config '{"track_dirty_pages": false}'
api PUT /drives/data '{"drive_id": "data", "path_on_host": "/tmp/api-data.img", "is_root_device": false, "is_read_only": true}'
api PUT /entropy '{"rate_limiter": null}'
expect '"mem_size_mib":256' GET /machine-config
# Bad requests: 400 and a fault_message naming the field; nothing changes.
expect '400 {"fault_message":"machine-config.vcpu_count: must be an integer, not \"two\""}' PUT /machine-config '{"vcpu_count": "two", "mem_size_mib": 256}'
expect '400 {"fault_message":"drives.drive_id: \"x\" does not match the path' PUT /drives/data '{"drive_id": "x", "path_on_host": "/x"}'
expect '400 {"fault_message":"request body: JSON syntax error' PUT /boot-source '{"kernel_image_path": '
expect '400 {"fault_message":"Invalid request method and/or path: GET /nothing"}' GET /nothing
expect '400 {"fault_message":"vm: the requested operation is not supported before starting' PATCH /vm '{"state": "Paused"}'
expect '400 {"fault_message":"snapshot/create: the microVM must be paused first' PUT /snapshot/create '{"snapshot_path": "/tmp/x", "mem_file_path": "/tmp/y"}'
raw=$(nb-curl --raw $S 'BREW /pot HTTP/1.1\r\n\r\n')
echo "$raw"
case "$raw" in "HTTP/1.1 400 Bad Request"*'"fault_message":"unsupported HTTP method BREW'*) ;; *) exit 1 ;; esac
api GET /vm/config | sed 's/^200 //' >/tmp/api-config.json
# The logger and the metrics (after that capture: the file run below has neither).
expect '400 {"fault_message":"FlushMetrics: the metrics are not configured (PUT /metrics first)"}' PUT /actions '{"action_type": "FlushMetrics"}'
api PUT /logger '{"log_path": "/tmp/api.log", "level": "info", "show_level": true, "show_log_origin": true}'
expect '400 {"fault_message":"logger: the logger can be configured only once"}' PUT /logger '{"log_path": "/tmp/api.log"}'
api PUT /metrics '{"metrics_path": "/tmp/api-metrics.json"}'
expect '"logger":{"log_path":"/tmp/api.log","level":"Info","show_level":true,"show_log_origin":true,"module":null},"metrics":{"metrics_path":"/tmp/api-metrics.json"}' GET /vm/config
# Start; pre-boot resources are closed now.
api PUT /actions '{"action_type": "InstanceStart"}'
expect '"state":"Running"' GET /
expect '400 {"fault_message":"boot-source: the requested operation is not supported after starting the microVM"}' PUT /boot-source "$BOOT"
expect '400 {"fault_message":"InstanceStart: the requested operation is not supported after starting' PUT /actions '{"action_type": "InstanceStart"}'
set +x
i=0
while [ "$(ticks)" -lt 3 ] && kill -0 $pid 2>/dev/null && [ $i -lt 900 ]; do sleep 0.2; i=$((i + 1)); done
set -x
# Pause: no tick for 5 s; then resume: ticks again.
api PATCH /vm '{"state": "Paused"}'
expect '"state":"Paused"' GET /
n0=$(ticks)
sleep 5
n1=$(ticks)
[ "$n0" = "$n1" ]
api PATCH /vm '{"state": "Resumed"}'
expect '"state":"Running"' GET /
set +x
i=0
while [ "$(ticks)" -lt $((n1 + 2)) ] && kill -0 $pid 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
set -x
[ "$(ticks)" -ge $((n1 + 2)) ]
# FlushMetrics: a JSON line (nestbox's own strict parser takes it as the MMDS's
# contents) whose vCPU exits and API requests moved.
api PUT /actions '{"action_type": "FlushMetrics"}'
m=$(tail -n 1 /tmp/api-metrics.json)
echo "$m" | cut -c 1-300
api PUT /mmds "$m"
echo "$m" | grep -Eq '"vcpu":[{][^}]*"exit_mmio_write":[1-9]'
echo "$m" | grep -Eq '"put_api_requests":[{][^}]*"actions_count":[1-9]'
echo "$m" | grep -Eq '"patch_api_requests":[{][^}]*"vm_count":3,"vm_fails":1,'
# The guest's clock shows the pause: one gap of at least 4 s between ticks.
gap=$(awk '/NESTBOX-TICK/ { t = $3 + 0; if (p && t - p > g) g = t - p; p = t } END { printf "%d", g }' /tmp/api.out)
echo "largest gap between ticks: ${gap}s"
[ "$gap" -ge 4 ]
# The same configuration as a file gives the same GET /vm/config.
cat >/tmp/api-file.json <<JSON
{ "boot-source": $BOOT,
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "drives": [ { "drive_id": "data", "path_on_host": "/tmp/api-data.img", "is_root_device": false, "is_read_only": true } ],
  "entropy": {} }
JSON
NESTBOX_CHECK_FDS=1 nestbox --config-file /tmp/api-file.json --api-sock /tmp/api2.sock </dev/null >/tmp/api2.out 2>&1 &
pid2=$!
i=0
while ! nb-curl /tmp/api2.sock GET / >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
nb-curl /tmp/api2.sock GET /vm/config | sed 's/^200 //' >/tmp/api2-config.json
kill -TERM $pid2
rc2=0
wait $pid2 || rc2=$?
cat /tmp/api-config.json /tmp/api2-config.json
cmp /tmp/api-config.json /tmp/api2-config.json
[ "$rc2" = 143 ]
# The first one powers off by itself: exit 0, nothing left behind.
rc=0
wait $pid || rc=$?
cat /tmp/api.err
tail -3 /tmp/api.out
[ "$rc" = 0 ]
[ ! -e $S ]
[ ! -e /tmp/api2.sock ]
# The last metrics line at exit; the log in Firecracker's format.
[ "$(wc -l </tmp/api-metrics.json)" -ge 2 ]
cat /tmp/api.log
T='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{9} \[api-test:[a-z0-9_]+:INFO:vmm/'
grep -Eq "${T}logger[.]c:[0-9]+\] Running nestbox " /tmp/api.log
grep -Eq "${T}vmm[.]c:[0-9]+\] the microVM is running: 1 vCPUs, 256 MiB$" /tmp/api.log
