# Run by a guest hypervisor's init (nb.run=/l1-nest.sh) whose kernel has
# kvm-arm.mode=nested: recursive nesting. The same nestbox launches a guest
# hypervisor of its own (L2 at vEL2), whose init launches an L3 microVM
# (l1-run.sh, which prints "L2-EXIT rc=N" for the L3 it ran). L2's
# initramfs is built here from this one's files: the guest initramfs, then a
# second archive with nestbox, the kernel, the guest initramfs and l1-run.sh
# (the kernel unpacks concatenated archives).
#
# While L2 runs, L1's KVM tracepoints show what it does: after 2 minutes
# the events of L2's run (exits, trapped system registers, exceptions L1's
# KVM injected; "L1: L2 first:") before its first exception taken at a
# vector near address 0 (no VBAR_EL2 yet), then every 2 minutes how far it got
# (the exits L1's KVM counted for it) and the most frequent exits of the
# last ones kept: count, exception class, L2's PC and the kernel symbol
# there (L1 and L2 run the same kernel, both with nokaslr, so L1's
# /proc/kallsyms names L2's addresses). An L2 caught looping at an
# exception vector near address 0 is stopped.
echo "L1: $(nestbox host-check | grep -E '^(plain|nested)')"
cd /
{
	cat /guest/initrd.cpio
	find bin/nestbox guest l1-run.sh | cpio -o -H newc 2>/dev/null
} >/tmp/initrd-l2.cpio
echo "L1: L2's initramfs: $(wc -c </tmp/initrd-l2.cpio) bytes"
mount -t debugfs none /sys/kernel/debug 2>/dev/null
t=/sys/kernel/tracing
[ -e $t/trace ] || mount -t tracefs none $t
# The first events are kept (no overwrite) until the first report.
echo 0 >$t/options/overwrite
echo 4096 >$t/buffer_size_kb
for e in kvm_exit kvm_sys_access kvm_inject_nested_exception kvm_nested_eret \
	kvm_forward_sysreg_trap kvm_guest_fault kvm_mmio_emulate; do
	[ ! -e $t/events/kvm/$e/enable ] || echo 1 >$t/events/kvm/$e/enable
done
grep ' [tT] ' /proc/kallsyms | cut -d' ' -f1,3 >/tmp/ksyms
symbols() { # FILE of "COUNT PC REST" lines: REST and PC's symbol, one line each
	awk 'NR == FNR { n++; c[n] = $1; pc[n] = $2; $1 = ""; $2 = ""; r[n] = $0; next }
		{ for (i = 1; i <= n; i++) if ($1 "" <= pc[i] "" && $1 "" > best[i] "") { best[i] = $1; sym[i] = $2 } }
		END { for (i = 1; i <= n; i++) printf "%s x%s%s %s", (i > 1 ? "; " : ""), c[i], r[i], (sym[i] == "" ? pc[i] : sym[i]); print "" }' \
		"$1" /tmp/ksyms
}
first_events() { # the events before L2's first exception at a vector near 0
	grep -v '^#' $t/trace | sed 's/^.*: \(kvm_[a-z_]*: \)/\1/' >/tmp/all
	n=$(grep -n 'PC: 0x0000000000000[0-9a-f][0-9a-f][0-9a-f]' /tmp/all | head -1 | cut -d: -f1)
	echo "L1: L2 first: $(wc -l </tmp/all) events kept; the first at a PC below 0x1000 is number ${n:-none}"
	if [ -n "$n" ]; then
		sed -n "$((n > 30 ? n - 30 : 1)),$((n + 4))p" /tmp/all
	else
		head -40 /tmp/all
	fi >/tmp/first
	sed 's/^/L1: L2 first: /' /tmp/first
	# Their PCs as kernel addresses (with the MMU off, the Image is at
	# 0x80000000, the start of RAM), named from L1's kallsyms.
	text=$(grep ' _text$' /tmp/ksyms | cut -d' ' -f1)
	sed -n 's/.*PC: 0x\([0-9a-f]\{16\}\).*/\1/p' /tmp/first | sort | uniq -c | while read -r c pc; do
		case $pc in 00000000*) v=$(printf '%016x' $((0x$text + 0x$pc - 0x80000000))) ;; *) v=$pc ;; esac
		echo "$c $v at $pc"
	done >/tmp/firstpc
	echo "L1: L2 first PCs: $(symbols /tmp/firstpc)"
	# An exception taken at a vector near 0 means L2 had no VBAR_EL2 yet:
	# it can only go on faulting there, so stop it.
	if [ -n "$n" ]; then
		echo "L1: L2 took an exception before it set VBAR_EL2 and loops at its vector: stopping it"
		kill $l2
	fi
	for e in $t/events/kvm/*/enable; do echo 0 >"$e"; done
	echo 1 >$t/events/kvm/kvm_exit/enable
	echo 1 >$t/options/overwrite
	echo 64 >$t/buffer_size_kb
	echo >$t/trace
}
top_exits() { # the 3 most frequent (EC, PC) in the trace buffer, with symbols
	sed -n 's/.*HSR_EC: \(0x[0-9a-f]*\) (\([A-Za-z0-9_]*\)), PC: 0x\([0-9a-f]*\).*/\3 \2/p' $t/trace |
		sort | uniq -c | sort -rn | head -3 >/tmp/top
	echo >$t/trace
	symbols /tmp/top
}
rc=0
nestbox --nested --kernel /guest/Image --initrd /tmp/initrd-l2.cpio --mem 640 \
	--cmdline "console=ttyS0 quiet nokaslr panic=-1 nb.dmesg nb.boottimer=0x40000000 nb.run=/l1-run.sh" </dev/null &
l2=$!
(
	s=0
	while sleep 120; do
		s=$((s + 120))
		[ $s = 120 ] && first_events
		for d in /sys/kernel/debug/kvm/*-*; do
			[ -e "$d/exits" ] || continue
			echo "L1: L2 at ${s} s: exits=$(cat "$d/exits") mmio_user=$(cat "$d/mmio_exit_user")" \
				"wfi=$(cat "$d/wfi_exit_stat") hvc=$(cat "$d/hvc_exit_stat"); top: $(top_exits)"
		done
	done
) &
progress=$!
wait $l2 || rc=$?
kill $progress
echo "L1: L2 guest hypervisor exited rc=$rc"
