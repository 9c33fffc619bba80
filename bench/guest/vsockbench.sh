#!/bin/busybox sh
# The guest side of bench/l0/32-vsock.sh (nb.run=/vsockbench.sh): sends
# nb.vmb MiB to the host's port 6000 (a sink listener at <uds_path>_6000),
# timed here (NBV-SEND-OK ... MBps=R), then serves a sink on vsock port 5000
# and an echo on 5001 for the host's measurements (NBV-BENCH-READY).
vmb=$(sed -n 's/.*nb.vmb=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "NBV-G2H-BEGIN"
nb-vsock connect 2 6000 $((${vmb:-16} * 1048576)) send
nb-vsock listen 5000 sink >/dev/null &
nb-vsock listen 5001 >/dev/null &
sleep 1
echo "NBV-BENCH-READY"
