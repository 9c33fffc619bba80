# timeout: 3000
# opt-in: a guest hypervisor inside a guest hypervisor takes many minutes to boot under the emulated host
# Recursive nesting: L1 (vEL2, kernel with kvm-arm.mode=nested) gets FEAT_NV2
# from nestbox, so its KVM offers EL2 guests; inside it the same nestbox
# launches L2 as a guest hypervisor, which boots at EL2 and brings up its own
# KVM. (An L3 microVM inside L2 is not attempted: see the README.)
. /scenarios/live.inc
rc=0
run_live /tmp/rec.out env NESTBOX_CHECK_FDS=1 nestbox --nested --kernel /guest/Image --initrd /guest/initrd-l1.cpio \
	--mem 1024 \
	--cmdline "console=ttyS0 quiet panic=-1 kvm-arm.mode=nested nb.dmesg nb.boottimer=0x40000000 nb.run=/l1-nest.sh" || rc=$?
[ "$rc" = 0 ]
grep -q '^nested guests: supported' /tmp/rec.out
[ "$(grep -c 'CPU: All CPU(s) started at EL2' /tmp/rec.out)" = 2 ]
grep -q 'kvm \[1\]: VHE+NV2 mode initialized successfully' /tmp/rec.out
grep -q 'kvm \[1\]: VHE mode initialized successfully' /tmp/rec.out
grep -q '^L2-EXIT rc=0' /tmp/rec.out
