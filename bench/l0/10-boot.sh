# timeout: 1800
# bench/boot inside the emulated host: a plain microVM (1 vCPU, 128 MiB,
# quiet) booted NB_RUNS times. Prints one BENCH line per run.
. /scenarios/lib.inc
set +x # the trace of the polling loops on the console would slow the guests
runs=$(sed -n 's/.*nb.runs=\([0-9]*\).*/\1/p' /proc/cmdline)
for i in $(seq "${runs:-3}"); do
	rm -f /tmp/o /tmp/e
	t0=$(now_ms)
	nestbox --kernel /guest/Image --initrd /guest/initrd.cpio --vcpus 1 --mem 128 \
		--cmdline "console=ttyS0 quiet cma=0 panic=-1 nb.boottimer=0x40000000 nb.hold=1" \
		</dev/null >/tmp/o 2>/tmp/e &
	pid=$!
	wait_for /tmp/e Guest-boot-time $pid >/dev/null
	rss=$(rss_outside_kb $pid 128)
	exits=$(kvm_stat $pid exits)
	user=$(kvm_stat $pid mmio_exit_user)
	toff=$(wait_for /tmp/o NESTBOX-POWEROFF $pid)
	exits2=$(kvm_stat $pid exits)
	user2=$(kvm_stat $pid mmio_exit_user)
	rc=0
	wait $pid || rc=$?
	tend=$(now_ms)
	boot=$(sed -n 's/^Guest-boot-time = [0-9]* us \([0-9]*\) ms.*/\1/p' /tmp/e)
	echo "BENCH|boot|$i|$boot|$((tend - toff))|$rss|${exits2:-$exits}|${user2:-$user}|$rc|$((tend - t0))"
done
