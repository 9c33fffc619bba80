# timeout: 6600
# bench/nested inside the emulated host: a guest hypervisor (vEL2, VHE,
# 1 vCPU, 1 GiB) that launches an L2 microVM, NB_RUNS times. Prints one
# BENCH|l1 line (L1 to init, exit after L1's power-off, RSS, L1's KVM exits)
# and one BENCH|l2 line (L1 VMM start to L2 init) per run.
. /scenarios/lib.inc
set +x # the trace of the polling loops on the console would slow the guests
runs=$(sed -n 's/.*nb.runs=\([0-9]*\).*/\1/p' /proc/cmdline)
for i in $(seq "${runs:-3}"); do
	rm -f /tmp/o /tmp/e
	echo "BENCH-START|$i"
	t0=$(now_ms)
	nestbox --nested --kernel /guest/Image --initrd /guest/initrd-l1.cpio --vcpus 1 --mem 1024 \
		--cmdline "console=ttyS0 quiet panic=-1 nb.boottimer=0x40000000 nb.run=/l1-run.sh" \
		</dev/null >/tmp/o 2>/tmp/e &
	pid=$!
	wait_for /tmp/e Guest-boot-time $pid >/dev/null
	rss=$(rss_outside_kb $pid 1024)
	# L2's marker is the second NESTBOX-GUEST-OK line.
	while [ "$(grep -c NESTBOX-GUEST-OK /tmp/o)" -lt 2 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.2
	done
	tl2=$(now_ms)
	exits=
	while ! grep -q NESTBOX-POWEROFF /tmp/o && kill -0 $pid 2>/dev/null; do
		exits=$(kvm_stat $pid exits)
		user=$(kvm_stat $pid mmio_exit_user)
		sleep 0.2
	done
	toff=$(now_ms)
	rc=0
	wait $pid || rc=$?
	tend=$(now_ms)
	boot=$(sed -n 's/^Guest-boot-time = [0-9]* us \([0-9]*\) ms.*/\1/p' /tmp/e)
	grep -q 'L2-EXIT rc=0' /tmp/o || rc="$rc/L2-failed"
	echo "BENCH|l1|$i|$boot|$((tend - toff))|$rss|$exits|$user|$rc|$((tend - t0))"
	echo "BENCH|l2|$i|$((tl2 - t0))|-|-|-|-|$rc|-"
done
