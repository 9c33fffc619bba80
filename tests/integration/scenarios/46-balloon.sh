# timeout: 600
# virtio-balloon on real KVM: a 256 MiB guest with a 64 MiB balloon from the
# config file (deflate_on_oom false: the guest's MemTotal shows the balloon;
# statistics every second). The guest (resources/testkit/guest-balloon.sh)
# deflates the balloon by unloading its driver, dirties its free memory and
# frees it, then loads the driver again: the balloon inflates back to 64 MiB
# and nestbox's resident guest memory (its memfd mapping in smaps) drops.
# Then the config's refusal of a balloon larger than RAM, free page
# reporting (RSS drops with no inflate), and the API with free page hinting.

# guest_rss_kb PID MIB: Rss of the PID's mapping of exactly MIB MiB (guest RAM).
guest_rss_kb() {
	awk -v g=$(($2 * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / { inguest = 0 }
		/^Size:/ { inguest = ($2 == g) }
		/^Rss:/ { if (inguest) rss += $2 }
		END { print rss + 0 }' "/proc/$1/smaps"
}
# wait_line FILE PATTERN PID: until FILE has PATTERN (1 if PID ended first).
wait_line() {
	i=0
	while ! grep -q "$2" "$1"; do
		kill -0 "$3" 2>/dev/null || return 1
		[ $i -lt 1500 ] || return 1
		sleep 0.2
		i=$((i + 1))
	done
}

cat >/tmp/balloon.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-balloon.sh" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "balloon": { "amount_mib": 64, "deflate_on_oom": false, "stats_polling_interval_s": 1,
    "free_page_hinting": false, "free_page_reporting": false } }
JSON
nestbox --config-file /tmp/balloon.json </dev/null >/tmp/bal.out 2>/tmp/bal.err &
pid=$!
set +x
wait_line /tmp/bal.out NESTBOX-BALLOON-TOUCHED $pid && touched=$(guest_rss_kb $pid 256)
wait_line /tmp/bal.out NESTBOX-BALLOON-INFLATED $pid && inflated=$(guest_rss_kb $pid 256)
set -x
wait $pid || true
cat /tmp/bal.out /tmp/bal.err
echo "guest RSS: touched ${touched:-?} kB, inflated ${inflated:-?} kB"
grep -q NESTBOX-POWEROFF /tmp/bal.out
if grep -q NESTBOX-BALLOON-RMMOD-FAILED /tmp/bal.out; then exit 1; fi
full=$(sed -n 's/.*NESTBOX-BALLOON-DEFLATED .*full_kb=\([0-9]*\).*/\1/p' /tmp/bal.out | tr -d '\r')
total=$(sed -n 's/.*NESTBOX-BALLOON-INFLATED total_kb=\([0-9]*\).*/\1/p' /tmp/bal.out | tr -d '\r')
# The guest gave 64 MiB to the balloon (MemTotal); the host got at least
# half of it back (the balloon may also take pages the guest never touched).
[ $((full - total)) -ge 65536 ]
[ $((touched - inflated)) -ge 32768 ]
echo "BALLOON-RSS-RELEASED-KB $((touched - inflated))"

# A refusal, before any guest runs.
sed 's/"amount_mib": 64/"amount_mib": 300/' /tmp/balloon.json >/tmp/big.json
rc=0
nestbox --config-file /tmp/big.json </dev/null >/tmp/big.out 2>&1 || rc=$?
cat /tmp/big.out
[ "$rc" != 0 ]
grep -q "balloon.amount_mib: 300 is more than machine-config.mem_size_mib (256)" /tmp/big.out

# Free page reporting (resources/testkit/guest-balloon-report.sh): an empty
# balloon; the guest dirties its memory and frees it, its driver reports
# the free blocks and nestbox's RSS drops.
sed -e 's/"amount_mib": 64/"amount_mib": 0/' -e 's/"free_page_reporting": false/"free_page_reporting": true/' \
	-e 's/guest-balloon.sh/guest-balloon-report.sh/' /tmp/balloon.json >/tmp/report.json
nestbox --config-file /tmp/report.json </dev/null >/tmp/rep.out 2>/tmp/rep.err &
pid=$!
set +x
wait_line /tmp/rep.out NESTBOX-BALLOON-REPORT-TOUCHED $pid && rtouched=$(guest_rss_kb $pid 256)
wait_line /tmp/rep.out NESTBOX-BALLOON-REPORT-FREED $pid && reported=$(guest_rss_kb $pid 256)
set -x
wait $pid || true
cat /tmp/rep.out /tmp/rep.err
echo "reporting: guest RSS touched ${rtouched:-?} kB, after the frees ${reported:-?} kB"
grep -q NESTBOX-POWEROFF /tmp/rep.out
[ $((rtouched - reported)) -ge 32768 ]
echo "BALLOON-REPORTING-RSS-RELEASED-KB $((rtouched - reported))"

# Through the API with nb-curl: a 256 MiB guest whose balloon starts empty
# (amount_mib 0). Once the guest dirtied and freed its memory
# (resources/testkit/guest-balloon-api.sh), PATCH /balloon raises the target
# to 64 MiB: the guest's MemTotal falls by 64 MiB and nestbox's RSS with it;
# GET /balloon/statistics shows the sizes and the guest's own values;
# statistics cannot be turned off after the start, a new interval is taken;
# PATCH back to 0 deflates it (actual 0, MemTotal back). Free page hinting:
# once the guest dirtied and freed its memory again, PATCH
# /balloon/hinting/start runs a cycle (the guest echoes the id, hints its
# free blocks, sends STOP; acknowledge_on_stop makes it DONE): the status
# shows it and nestbox's RSS drops; a stop answers 204 without a body.
S=/tmp/bal.sock
bapi() { nb-curl $S "$@"; }
# bexpect TEXT METHOD PATH [BODY]: the answer contains TEXT
bexpect() {
	want=$1
	shift
	out=$(nb-curl $S "$@" || true)
	echo "$out"
	case "$out" in *"$want"*) ;; *) echo "expected: $want"; return 1 ;; esac
}
# bapi_fail: what nestbox and the guest said, and the scenario fails.
bapi_fail() {
	cat /tmp/bapi.out /tmp/bapi.err
	exit 1
}
nestbox --api-sock $S </dev/null >/tmp/bapi.out 2>/tmp/bapi.err &
pid=$!
i=0
while ! nb-curl $S GET / >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
bapi PUT /boot-source '{"kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio", "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-balloon-api.sh"}'
bapi PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256}'
bapi PUT /balloon '{"amount_mib": 0, "deflate_on_oom": false, "stats_polling_interval_s": 1, "free_page_hinting": true}'
bexpect '400 {"fault_message":"balloon: the requested operation is not supported before starting' PATCH /balloon '{"amount_mib": 64}'
bexpect '400 {"fault_message":"balloon/hinting: the requested operation is not supported before starting' PATCH /balloon/hinting/start
bapi PUT /actions '{"action_type": "InstanceStart"}'
set +x
wait_line /tmp/bapi.out NESTBOX-BALLOON-API-TOUCHED $pid || bapi_fail
touched=$(guest_rss_kb $pid 256)
set -x
bapi PATCH /balloon '{"amount_mib": 64}' || bapi_fail
bexpect '200 {"amount_mib":64,"deflate_on_oom":false,"stats_polling_interval_s":1,' GET /balloon
set +x
wait_line /tmp/bapi.out NESTBOX-BALLOON-API-INFLATED $pid || bapi_fail
inflated=$(guest_rss_kb $pid 256)
set -x
stats=$(bapi GET /balloon/statistics || true)
echo "$stats"
bexpect '400 {"fault_message":"balloon/statistics.stats_polling_interval_s: statistics cannot be turned off' PATCH /balloon/statistics '{"stats_polling_interval_s": 0}'
bapi PATCH /balloon/statistics '{"stats_polling_interval_s": 2}'
bexpect '400 {"fault_message":"balloon.amount_mib: 257 is more than machine-config.mem_size_mib (256)"}' PATCH /balloon '{"amount_mib": 257}'
bapi PATCH /balloon '{"amount_mib": 0}'
set +x
wait_line /tmp/bapi.out NESTBOX-BALLOON-API-DEFLATED $pid || bapi_fail
set -x
stats2=$(bapi GET /balloon/statistics || true)
echo "$stats2"
set +x
wait_line /tmp/bapi.out NESTBOX-BALLOON-API-TOUCHED2 $pid || bapi_fail
dirty=$(guest_rss_kb $pid 256)
set -x
bexpect '200 {"host_cmd":0}' GET /balloon/hinting/status
bexpect '400 {"fault_message":"balloon/hinting/start.acknowledge_on_stop: must be a boolean"}' PATCH /balloon/hinting/start '{"acknowledge_on_stop": "yes"}'
bapi PATCH /balloon/hinting/start '{"acknowledge_on_stop": true}' || bapi_fail
set +x
i=0
while :; do
	hstat=$(bapi GET /balloon/hinting/status || true)
	case "$hstat" in *'"host_cmd":1,"guest_cmd":0'*) break ;; esac
	[ $i -lt 600 ] || break
	sleep 0.2
	i=$((i + 1))
done
hinted=$(guest_rss_kb $pid 256)
set -x
echo "hinting status after $i polls: $hstat"
bapi PATCH /balloon/hinting/stop || bapi_fail
bexpect '200 {"host_cmd":1,"guest_cmd":0}' GET /balloon/hinting/status
bapi PATCH /balloon '{"amount_mib": 4}' || bapi_fail
set +x
wait_line /tmp/bapi.out NESTBOX-BALLOON-API-HINTED $pid || bapi_fail
set -x
rc=0
wait $pid || rc=$?
cat /tmp/bapi.out /tmp/bapi.err
echo "API balloon: guest RSS touched ${touched:-?} kB, inflated ${inflated:-?} kB"
echo "hinting: guest RSS dirtied ${dirty:-?} kB, hinted ${hinted:-?} kB"
[ "$rc" = 0 ]
case "$stats" in '200 {"target_pages":16384,"actual_pages":16384,"target_mib":64,"actual_mib":64,'*) ;; *) exit 1 ;; esac
case "$stats2" in '200 {"target_pages":0,"actual_pages":0,"target_mib":0,"actual_mib":0,'*) ;; *) exit 1 ;; esac
# The guest's own values: total_memory (bytes) is the MemTotal it printed.
total=$(sed -n 's/.*NESTBOX-BALLOON-API-INFLATED total_kb=\([0-9]*\).*/\1/p' /tmp/bapi.out | tr -d '\r')
stotal=$(echo "$stats" | sed -n 's/.*"total_memory":\([0-9]*\).*/\1/p')
echo "MemTotal ${total} kB, total_memory ${stotal} bytes"
[ -n "$stotal" ] && [ -n "$total" ] || exit 1
[ $((stotal / 1024)) = "$total" ]
case "$stats" in *'"free_memory":'*'"available_memory":'*) ;; *) exit 1 ;; esac
[ $((touched - inflated)) -ge 32768 ]
echo "BALLOON-API-RSS-RELEASED-KB $((touched - inflated))"
case "$hstat" in *'"host_cmd":1,"guest_cmd":0'*) ;; *) exit 1 ;; esac
[ $((dirty - hinted)) -ge 32768 ]
echo "BALLOON-HINTING-RSS-RELEASED-KB $((dirty - hinted))"
