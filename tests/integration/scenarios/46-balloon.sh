# timeout: 600
# virtio-balloon on real KVM: a 256 MiB guest with a 64 MiB balloon from the
# config file (deflate_on_oom false: the guest's MemTotal shows the balloon;
# statistics every second). The guest (resources/testkit/guest-balloon.sh)
# deflates the balloon by unloading its driver, dirties its free memory and
# frees it, then loads the driver again: the balloon inflates back to 64 MiB
# and nestbox's resident guest memory (its memfd mapping in smaps) drops.
# Then the config's refusals: free_page_hinting, a balloon larger than RAM.

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

# Refusals, before any guest runs.
sed 's/"free_page_hinting": false/"free_page_hinting": true/' /tmp/balloon.json >/tmp/hint.json
rc=0
nestbox --config-file /tmp/hint.json </dev/null >/tmp/hint.out 2>&1 || rc=$?
cat /tmp/hint.out
[ "$rc" != 0 ]
grep -q "balloon.free_page_hinting: not supported yet" /tmp/hint.out
sed 's/"amount_mib": 64/"amount_mib": 300/' /tmp/balloon.json >/tmp/big.json
rc=0
nestbox --config-file /tmp/big.json </dev/null >/tmp/big.out 2>&1 || rc=$?
cat /tmp/big.out
[ "$rc" != 0 ]
grep -q "balloon.amount_mib: 300 is more than machine-config.mem_size_mib (256)" /tmp/big.out
