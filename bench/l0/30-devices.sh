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
