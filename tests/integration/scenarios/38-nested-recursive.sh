# timeout: 6000
# opt-in: a guest hypervisor inside a guest hypervisor boots for far longer than the whole suite under the emulated host
# Recursive nesting: L1 (vEL2, kernel with kvm-arm.mode=nested) gets FEAT_NV2
# from nestbox, so its KVM offers EL2 guests; inside it the same nestbox
# launches L2 as a guest hypervisor, which boots at EL2, brings up its own
# KVM and launches an L3 microVM with the same nestbox (l1-nest.sh). The
# console shows each level's lines as they come, and what L2 does (from
# L1's KVM tracepoints) every 2 minutes. L1 runs with arm64.nolva: with the
# kernel's 52-bit VA (FEAT_LPA2) tables, the emulated host's KVM cannot
# translate L1's VNCR page for L2 and L2 faults in its first instructions
# (docs/recursive-nesting.md).
. /scenarios/live.inc
# The emulated host's KVM traces what it does with its guests' VNCR page
# faults (data aborts with EC 0x25: the exits, the exceptions it injects
# into L1), printed after the run.
t=/sys/kernel/tracing
[ -e $t/trace ] || mount -t tracefs none $t
echo 'esr_ec == 0x25' >$t/events/kvm/kvm_exit/filter || true
echo 'esr_el2 >= 0x94000000 && esr_el2 < 0x98000000' >$t/events/kvm/kvm_inject_nested_exception/filter || true
echo 1 >$t/events/kvm/kvm_exit/enable || true
echo 1 >$t/events/kvm/kvm_inject_nested_exception/enable || true
rc=0
run_live /tmp/rec.out env NESTBOX_CHECK_FDS=1 nestbox --nested --kernel /guest/Image --initrd /guest/initrd-l1.cpio \
	--mem 1536 \
	--cmdline "console=ttyS0 quiet nokaslr arm64.nolva panic=-1 kvm-arm.mode=nested nb.dmesg nb.boottimer=0x40000000 nb.run=/l1-nest.sh" || rc=$?
set +x
echo "L0: its KVM's VNCR data aborts (EC 0x25): $(grep -vc '^#' $t/trace) events; the first:"
grep -v '^#' $t/trace | head -12 | sed 's/^.*: \(kvm_[a-z_]*: \)/L0: \1/'
set -x
[ "$rc" = 0 ]
grep -q '^nested guests: supported' /tmp/rec.out
[ "$(grep -c 'CPU: All CPU(s) started at EL2' /tmp/rec.out)" = 2 ]
grep -q 'kvm \[1\]: VHE+NV2 mode initialized successfully' /tmp/rec.out
grep -q 'kvm \[1\]: VHE mode initialized successfully' /tmp/rec.out
# L2's init: its KVM offers plain microVMs (host-check's first line, from L1
# and from L2), and the L3 it launched booted (three NESTBOX-GUEST-OK: L1,
# L2, L3) and exited 0.
[ "$(grep -c '^L1: plain microVMs: supported' /tmp/rec.out)" = 2 ]
[ "$(grep -c NESTBOX-GUEST-OK /tmp/rec.out)" = 3 ]
grep -q '^L2-EXIT rc=0' /tmp/rec.out
grep -q '^L1: L2 guest hypervisor exited rc=0' /tmp/rec.out
