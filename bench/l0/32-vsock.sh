# timeout: 1800
# bench/devices' vsock part, inside the emulated host: a guest (1 vCPU,
# 256 MiB) with a vsock device (Firecracker's hybrid socket at /tmp/bv.sock)
# runs /vsockbench.sh (bench/guest/): it sends VMB MiB to the host's
# <uds_path>_6000 (a sink; timed by the guest), then the host sends VMB MiB
# to the guest's sink on port 5000 through "CONNECT 5000" (timed by the
# host), then opens NCONN connections one after the other to the guest's
# echo on port 5001 (handshake, one byte there and back, close). Per run,
# BENCH|vsock lines: run, mode, figure (MB/s, 10^6 bytes, or microseconds
# per connection), MiB (or connections), and the VM's KVM exits and MMIO
# exits to userspace during the phase ("-" for the guest-timed one).
. /scenarios/lib.inc
set +x
runs=$(sed -n 's/.*nb.runs=\([0-9]*\).*/\1/p' /proc/cmdline)
vmb=16
nconn=50
[ -e /tmp/initrd-bench.cpio ] || cat /guest/initrd.cpio /scenarios/blkbench.cpio >/tmp/initrd-bench.cpio
for i in $(seq "${runs:-1}"); do
	rm -f /tmp/bv.sock /tmp/bv.sock_6000 /tmp/vo /tmp/ve
	/guest/nb-vsock uds-listen /tmp/bv.sock_6000 sink >/dev/null 2>&1 &
	spid=$!
	cat >/tmp/vsock-bench.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/tmp/initrd-bench.cpio",
    "boot_args": "console=ttyS0 quiet cma=0 panic=-1 nb.run=/vsockbench.sh nb.vmb=$vmb nb.hold=1200" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 256 },
  "vsock": { "guest_cid": 3, "uds_path": "/tmp/bv.sock" } }
JSON
	nestbox --config-file /tmp/vsock-bench.json </dev/null >/tmp/vo 2>/tmp/ve &
	pid=$!
	if ! wait_for /tmp/vo NBV-BENCH-READY $pid >/dev/null; then
		echo "BENCH-ERROR vsock: the guest did not get ready: $(tail -3 /tmp/vo) $(cat /tmp/ve)"
		kill $spid
		continue
	fi
	res=$(sed -n 's/.*NBV-SEND-OK bytes=[0-9]* ms=[0-9]* MBps=\([0-9.]*\).*/\1/p' /tmp/vo | tr -d '\r')
	echo "BENCH|vsock|$i|guest-to-host|${res:-0}|$vmb|-|-"
	e0=$(kvm_stat $pid exits)
	u0=$(kvm_stat $pid mmio_exit_user)
	res=$(/guest/nb-vsock uds-connect /tmp/bv.sock 5000 $((vmb * 1048576)) send) || true
	e1=$(kvm_stat $pid exits)
	u1=$(kvm_stat $pid mmio_exit_user)
	mbps=$(echo "$res" | sed -n 's/.*MBps=\([0-9.]*\).*/\1/p')
	[ -n "$mbps" ] || echo "BENCH-ERROR vsock host-to-guest: $res"
	echo "BENCH|vsock|$i|host-to-guest|${mbps:-0}|$vmb|$((e1 - e0))|$((u1 - u0))"
	e0=$(kvm_stat $pid exits)
	u0=$(kvm_stat $pid mmio_exit_user)
	res=$(/guest/nb-vsock uds-conntime /tmp/bv.sock 5001 $nconn) || true
	e1=$(kvm_stat $pid exits)
	u1=$(kvm_stat $pid mmio_exit_user)
	us=$(echo "$res" | sed -n 's/.*us=\([0-9]*\).*/\1/p')
	[ -n "$us" ] || echo "BENCH-ERROR vsock connect: $res"
	echo "BENCH|vsock|$i|connect-us|${us:-0}|$nconn|$((e1 - e0))|$((u1 - u0))"
	kill $pid $spid 2>/dev/null || true
	wait $pid 2>/dev/null || true
done
