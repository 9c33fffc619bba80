# Run by a guest hypervisor's init (nb.run=/l1-restores.sh) for
# bench/snapshot --nested: the same nestbox boots an L2 microVM that counts
# ticks, snapshots it at its second tick, then restores it nb.restores=N
# times in a row (each a fresh nestbox: start, PUT /snapshot/load with
# resume_vm, until the restored guest's next tick, kill) and prints
# "BENCH-L1|restores|N|total ms|create ms".
n=$(sed -n 's/.*nb\.restores=\([0-9]*\).*/\1/p' /proc/cmdline)
n=${n:-5}
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
tick() { sed -n 's/^NESTBOX-TICK \([0-9]*\) .*/\1/p' "$1" | tail -1; }
# until_tick FILE N PID: FILE shows tick N or later (1 if PID ends first)
until_tick() {
	while [ -z "$(tick "$1")" ] || [ "$(tick "$1")" -lt "$2" ]; do
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
}
wait_sock() { while ! nb-curl "$1" GET / >/dev/null 2>&1; do sleep 0.05; done; }
cat >/tmp/l2.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.run=/guest-tick.sh nb.ticks=100000" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 128 } }
JSON
nestbox --config-file /tmp/l2.json --api-sock /tmp/l2a.sock </dev/null >/tmp/l2a.out 2>&1 &
a=$!
until_tick /tmp/l2a.out 2 $a || { echo "BENCH-L1-ERROR cold boot: $(tail -2 /tmp/l2a.out)"; exit 1; }
nb-curl /tmp/l2a.sock PATCH /vm '{"state": "Paused"}' >/dev/null
at=$(tick /tmp/l2a.out)
c0=$(now_ms)
nb-curl /tmp/l2a.sock PUT /snapshot/create '{"snapshot_path": "/tmp/l2.state", "mem_file_path": "/tmp/l2.mem"}' >/dev/null
c1=$(now_ms)
kill -9 $a
wait $a 2>/dev/null
t0=$(now_ms)
i=0
while [ $i -lt "$n" ]; do
	rm -f /tmp/l2b.sock
	nestbox --api-sock /tmp/l2b.sock </dev/null >/tmp/l2b.out 2>&1 &
	b=$!
	wait_sock /tmp/l2b.sock
	nb-curl /tmp/l2b.sock PUT /snapshot/load '{"snapshot_path": "/tmp/l2.state", "mem_backend": {"backend_type": "File", "backend_path": "/tmp/l2.mem"}, "resume_vm": true}' >/dev/null
	until_tick /tmp/l2b.out $((at + 1)) $b || { echo "BENCH-L1-ERROR restore $i: $(tail -2 /tmp/l2b.out)"; exit 1; }
	kill -9 $b
	wait $b 2>/dev/null
	i=$((i + 1))
done
echo "BENCH-L1|restores|$n|$(($(now_ms) - t0))|$((c1 - c0))"
