# timeout: 3000
# bench/snapshot inside the emulated host: for a microVM (1 vCPU, 256 MiB)
# and, with nb.nested, a guest hypervisor (1 GiB) running an L2 microVM: VMM
# start to a running guest by a cold boot (to the guest's init, and to its
# first tick), the snapshot's create time and file sizes, and a restore's
# time in a fresh nestbox (the load call, and load to the next tick). One
# BENCH line per run and kind.
. /scenarios/lib.inc
set +x
runs=$(sed -n 's/.*nb.runs=\([0-9]*\).*/\1/p' /proc/cmdline)
tick() { sed -n 's/^NESTBOX-TICK \([0-9]*\) .*/\1/p' "$1" | tail -1; }
wait_sock() { while ! nb-curl "$1" GET / >/dev/null 2>&1; do sleep 0.05; done; }
# wait_tick FILE N PID: until FILE shows tick N or later; prints the time
wait_tick() {
	while [ -z "$(tick "$1")" ] || [ "$(tick "$1")" -lt "$2" ]; do
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	now_ms
}
one() { # KIND CONFIG_JSON MIB
	kind=$1
	rm -f /tmp/b.state /tmp/b.mem /tmp/a.sock /tmp/b.sock
	echo "$2" >/tmp/b.json
	t0=$(now_ms)
	nestbox --config-file /tmp/b.json --api-sock /tmp/a.sock </dev/null >/tmp/a.out 2>/tmp/a.err &
	a=$!
	t1=$(wait_tick /tmp/a.out 2 $a) || { echo "BENCH-ERROR $kind cold: $(tail -3 /tmp/a.err)"; return; }
	tinit=$(sed -n 's/^Guest-boot-time = [0-9]* us \([0-9]*\) ms.*/\1/p' /tmp/a.err)
	nb-curl /tmp/a.sock PATCH /vm '{"state": "Paused"}' >/dev/null
	at=$(tick /tmp/a.out)
	c0=$(now_ms)
	nb-curl /tmp/a.sock PUT /snapshot/create '{"snapshot_path": "/tmp/b.state", "mem_file_path": "/tmp/b.mem"}' >/dev/null
	c1=$(now_ms)
	kill -9 $a
	wait $a 2>/dev/null || true
	state_kb=$(du -k /tmp/b.state | cut -f1)
	mem_kb=$(du -k /tmp/b.mem | cut -f1)
	nestbox --api-sock /tmp/b.sock </dev/null >/tmp/b.out 2>/tmp/b.err &
	b=$!
	wait_sock /tmp/b.sock
	l0=$(now_ms)
	nb-curl /tmp/b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/b.state", "mem_backend": {"backend_type": "File", "backend_path": "/tmp/b.mem"}, "resume_vm": true}' >/dev/null
	l1=$(now_ms)
	l2=$(wait_tick /tmp/b.out $((at + 1)) $b) || l2=-1
	rss=$(rss_outside_kb $b $3)
	kill -9 $b
	wait $b 2>/dev/null || true
	echo "BENCH|snap|$kind|${tinit:-?}|$((t1 - t0))|$((c1 - c0))|$state_kb|$mem_kb|$((l1 - l0))|$((l2 - l0))|$rss"
}
for i in $(seq "${runs:-1}"); do
	one micro '{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio", "boot_args": "console=ttyS0 quiet panic=-1 nb.boottimer=0x40000000 nb.run=/guest-tick.sh nb.ticks=1000" }, "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 } }' 256
	grep -qw nb.nested /proc/cmdline || continue
	one nested '{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd-l1.cpio", "boot_args": "console=ttyS0 quiet panic=-1 nb.boottimer=0x40000000 nb.run=/l1-tick.sh" }, "machine-config": { "vcpu_count": 1, "mem_size_mib": 1024, "nested": true } }' 1024
	# Inside a guest hypervisor: one L2 snapshot restored 5 times in a row.
	echo '{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd-l1.cpio", "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/l1-restores.sh nb.restores=5" }, "machine-config": { "vcpu_count": 1, "mem_size_mib": 1024, "nested": true } }' >/tmp/r.json
	nestbox --no-api --config-file /tmp/r.json </dev/null >/tmp/r.out 2>&1 || true
	line=$(sed -n 's/^BENCH-L1|restores|//p' /tmp/r.out | tr -d '\r')
	if [ -n "$line" ]; then echo "BENCH|l1restores|$line"; else echo "BENCH-ERROR l1restores: $(grep BENCH-L1-ERROR /tmp/r.out | tail -1)"; fi
done
