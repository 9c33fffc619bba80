#!/bin/busybox sh
# Run inside a test guest by guest-init (nb.run=/guest-net.sh) for the
# 42-net scenario and bench/devices: eth0 is the virtio-net device on the
# host's tap0 (169.254.0.1/30); the guest takes 169.254.0.2. It pings the
# host, receives nb.netmb MB (default 8) from the host on port 5002, then
# sends as much to the host's listener on port 5001, printing checksums
# and how long each took (ms, by the guest's clock).
mb=$(sed -n 's/.*nb\.netmb=\([0-9]*\).*/\1/p' /proc/cmdline)
mb=${mb:-8}
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
ip link set lo up
ip link set eth0 up
ip addr add 169.254.0.2/30 dev eth0
echo "NESTBOX-NET-MAC $(cat /sys/class/net/eth0/address)"
# Host to guest: a listener whose stdin never ends (busybox nc would shut
# its sending half at stdin's EOF, and the sender would stop early).
sleep 600 | nc -l -p 5002 >/tmp/in &
ncpid=$!
ping -c 3 -W 10 169.254.0.1 >/dev/null && echo "NESTBOX-NET-PING-OK"
echo "NESTBOX-NET-UP"
t0=$(ms)
i=0
while kill -0 $ncpid 2>/dev/null && [ $i -lt 3000 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "NESTBOX-NET-RECV $(sha256sum </tmp/in | cut -d' ' -f1) $(wc -c </tmp/in) $(($(ms) - t0))"
rm -f /tmp/in
head -c $((mb * 1048576)) /dev/urandom >/tmp/out
echo "NESTBOX-NET-OUTSUM $(sha256sum </tmp/out | cut -d' ' -f1)"
echo "NESTBOX-NET-TX-BEGIN"
t0=$(ms)
nc 169.254.0.1 5001 </tmp/out && echo "NESTBOX-NET-SENT $(($(ms) - t0))"
cat /sys/class/net/eth0/statistics/rx_dropped /sys/class/net/eth0/statistics/rx_errors |
	tr '\n' ' ' | sed 's/^/NESTBOX-NET-GUEST-DROPS /'
echo
