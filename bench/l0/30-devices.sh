# timeout: 2400
# bench/devices inside the emulated host: a guest with a 128 MiB raw drive
# runs /blkbench.sh (bench/guest/) once per I/O engine and run. For each
# phase, a BENCH line: engine, run, mode, MB/s, IOPS, and the VM's KVM exits
# (all, MMIO exits to userspace) during the phase.
. /scenarios/lib.inc
set +x
runs=$(sed -n 's/.*nb.runs=\([0-9]*\).*/\1/p' /proc/cmdline)
cat /guest/initrd.cpio /scenarios/blkbench.cpio >/tmp/initrd-bench.cpio
dd if=/dev/zero of=/tmp/bench.img bs=1M count=128 2>/dev/null
for i in $(seq "${runs:-1}"); do
	for engine in Async Sync; do
		cat >/tmp/bench.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/tmp/initrd-bench.cpio",
    "boot_args": "console=ttyS0 quiet cma=0 panic=-1 nb.run=/blkbench.sh" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "drives": [ { "drive_id": "bench", "path_on_host": "/tmp/bench.img",
      "is_root_device": false, "is_read_only": false, "io_engine": "$engine" } ] }
JSON
		rm -f /tmp/o /tmp/e
		nestbox --config-file /tmp/bench.json </dev/null >/tmp/o 2>/tmp/e &
		pid=$!
		for m in seqwrite seqread randwrite randread; do
			wait_for /tmp/o "NBB-BEGIN $m" $pid >/dev/null || break
			e0=$(kvm_stat $pid exits)
			u0=$(kvm_stat $pid mmio_exit_user)
			wait_for /tmp/o "NBB-END $m" $pid >/dev/null || break
			e1=$(kvm_stat $pid exits)
			u1=$(kvm_stat $pid mmio_exit_user)
			res=$(sed -n "s/^NBB-RESULT $m //p" /tmp/o | tr -d '\r')
			mib=$(sed -n "s/^NBB-END $m //p" /tmp/o | tr -d '\r')
			set -- $res
			echo "BENCH|dev|$engine|$i|$m|$1|$2|$mib|$((e1 - e0))|$((u1 - u0))"
		done
		wait $pid || echo "BENCH-ERROR nestbox exited $?: $(cat /tmp/e)"
	done
done

# Net: a guest on tap0 (169.254.0.2, the host 169.254.0.1) runs
# /guest-net.sh: it receives NETMB MB from the host with busybox nc, then
# sends as much back, once on nestbox's userspace path and once with
# "vhost": true (the kernel's vhost-net). Per path, direction and run a
# BENCH|net line: run, path (user or vhost), direction, MB/s (10^6 bytes;
# host-to-guest timed by the host, guest-to-host by the guest), MiB, and the
# VM's KVM exits and MMIO exits to userspace during the transfer.
netmb=32
tunctl -t tap0 >/dev/null
ip addr add 169.254.0.1/30 dev tap0
ip link set tap0 up
head -c $((netmb * 1048576)) /dev/urandom >/tmp/h2g
mbps() { awk -v mib="$1" -v ms="$2" 'BEGIN { if (ms < 1) ms = 1; printf "%.1f", mib * 1048.576 / ms }'; }
for i in $(seq "${runs:-1}"); do
	for vhost in false true; do
		# The userspace path without the field: a nestbox before vhost takes it.
		path=user vh=
		[ $vhost = false ] || path=vhost vh=', "vhost": true'
		cat >/tmp/net.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet cma=0 panic=-1 nb.run=/guest-net.sh nb.netmb=$netmb" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "network-interfaces": [ { "iface_id": "eth0", "host_dev_name": "tap0"$vh } ] }
JSON
		rm -f /tmp/o /tmp/e /tmp/g2h
		sleep 1200 | nc -l -p 5001 >/tmp/g2h &
		nestbox --config-file /tmp/net.json </dev/null >/tmp/o 2>/tmp/e &
		pid=$!
		if ! wait_for /tmp/o NESTBOX-NET-UP $pid >/dev/null; then
			echo "BENCH-ERROR net $path: the guest did not come up: $(cat /tmp/e)"
			continue
		fi
		e0=$(kvm_stat $pid exits)
		u0=$(kvm_stat $pid mmio_exit_user)
		t0=$(now_ms)
		nc 169.254.0.2 5002 </tmp/h2g
		t1=$(now_ms)
		e1=$(kvm_stat $pid exits)
		u1=$(kvm_stat $pid mmio_exit_user)
		echo "BENCH|net|$i|$path|host-to-guest|$(mbps $netmb $((t1 - t0)))|$netmb|$((e1 - e0))|$((u1 - u0))"
		wait_for /tmp/o NESTBOX-NET-TX-BEGIN $pid >/dev/null || true
		e0=$(kvm_stat $pid exits)
		u0=$(kvm_stat $pid mmio_exit_user)
		wait_for /tmp/o NESTBOX-NET-SENT $pid >/dev/null || true
		e1=$(kvm_stat $pid exits)
		u1=$(kvm_stat $pid mmio_exit_user)
		ms=$(sed -n 's/^NESTBOX-NET-SENT //p' /tmp/o | tr -d '\r')
		if [ -n "$ms" ]; then
			echo "BENCH|net|$i|$path|guest-to-host|$(mbps $netmb "$ms")|$netmb|$((e1 - e0))|$((u1 - u0))"
		else
			echo "BENCH-ERROR net $path: guest-to-host failed: $(tail -3 /tmp/o)"
		fi
		wait $pid || echo "BENCH-ERROR nestbox exited $?: $(cat /tmp/e)"
	done
done
tunctl -d tap0 >/dev/null
# The balloon (/guest-balloon.sh, as in scenario 46-balloon): a 256 MiB
# guest deflates its 64 MiB balloon, dirties and frees its free memory, then
# inflates the balloon again. Per run a BENCH|balloon line: run, balloon
# MiB, the guest RAM nestbox holds (its memfd mapping's Rss, kB) before and
# after the inflation, the kB given back, and the ms from loading the
# driver to the guest seeing the balloon full (the guest's clock; MemTotal
# polled every 0.2 s).
guest_rss_kb() {
	awk -v g=$(($2 * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / { inguest = 0 }
		/^Size:/ { inguest = ($2 == g) }
		/^Rss:/ { if (inguest) rss += $2 }
		END { print rss + 0 }' "/proc/$1/smaps"
}
for i in $(seq "${runs:-1}"); do
	cat >/tmp/balloon.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet cma=0 panic=-1 nb.run=/guest-balloon.sh" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "balloon": { "amount_mib": 64, "deflate_on_oom": false } }
JSON
	rm -f /tmp/o /tmp/e
	nestbox --config-file /tmp/balloon.json </dev/null >/tmp/o 2>/tmp/e &
	pid=$!
	if ! wait_for /tmp/o NESTBOX-BALLOON-TOUCHED $pid >/dev/null; then
		echo "BENCH-ERROR balloon: the guest did not get there: $(cat /tmp/e)"
		continue
	fi
	r0=$(guest_rss_kb $pid 256)
	if wait_for /tmp/o NESTBOX-BALLOON-INFLATED $pid >/dev/null; then
		r1=$(guest_rss_kb $pid 256)
		ms=$(sed -n 's/.*NESTBOX-BALLOON-INFLATED .*ms=\([0-9]*\).*/\1/p' /tmp/o | tr -d '\r')
		echo "BENCH|balloon|$i|64|$r0|$r1|$((r0 - r1))|$ms"
	else
		echo "BENCH-ERROR balloon: the balloon did not inflate: $(tail -3 /tmp/o)"
	fi
	wait $pid || echo "BENCH-ERROR nestbox exited $?: $(cat /tmp/e)"
done
