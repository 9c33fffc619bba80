# timeout: 900
# bench/api inside the emulated host: process start to API socket ready
# (wall and CPU ms of all of nestbox's threads, nb-curl --startup), ten
# times, and the CPU of a bare exec for comparison; then GET / round trips on one connection for 5 s, while nestbox
# waits for its configuration, and again while a guest runs.
. /scenarios/lib.inc
set +x
for i in 1 2 3 4 5 6 7 8 9 10; do
	echo "BENCH|api|startup|$i|$(nb-curl --startup /tmp/b.sock /bin/nestbox --api-sock /tmp/b.sock)"
done
# For comparison: the CPU of an exec that does nothing, and of nestbox
# --version (exec, C library start-up, the flags).
for i in 1 2 3 4 5; do
	echo "BENCH|api|floor|busybox-true|$(nb-curl --exec-cpu /bin/busybox true)"
	echo "BENCH|api|floor|nestbox-version|$(nb-curl --exec-cpu /bin/nestbox --version)"
done
nestbox --api-sock /tmp/b.sock </dev/null >/tmp/b.out 2>&1 &
pid=$!
while ! nb-curl /tmp/b.sock GET / >/dev/null 2>&1; do sleep 0.1; done
echo "BENCH|api|get|idle|$(nb-curl --bench /tmp/b.sock 5)"
nb-curl /tmp/b.sock PUT /boot-source '{"kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio", "boot_args": "console=ttyS0 quiet panic=-1 nb.hold=60"}'
nb-curl /tmp/b.sock PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256}'
nb-curl /tmp/b.sock PUT /actions '{"action_type": "InstanceStart"}'
wait_for /tmp/b.out NESTBOX-GUEST-OK $pid >/dev/null
echo "BENCH|api|get|running|$(nb-curl --bench /tmp/b.sock 5)"
kill $pid
wait $pid
