# timeout: 600
# A guest hypervisor on 2 vCPUs: the secondary comes up through PSCI (smc
# from vEL2), both CPUs run at EL2 and the guest's KVM initialises. Its
# kernel asks for nested virtualization (kvm-arm.mode=nested) and gets it:
# by default nestbox passes FEAT_NV2 on (32-hide-nv2 is the opposite).
rc=0
NESTBOX_CHECK_FDS=1 nestbox --nested --vcpus 2 --kernel /guest/Image \
	--initrd /guest/initrd.cpio --mem 512 \
	--cmdline "console=ttyS0 quiet panic=-1 kvm-arm.mode=nested nb.dmesg nb.boottimer=0x40000000" \
	</dev/null >/tmp/smp.out 2>/tmp/smp.err || rc=$?
cat /tmp/smp.out /tmp/smp.err
[ "$rc" = 0 ]
grep -q 'NESTBOX-GUEST-OK cpus=2 ' /tmp/smp.out
grep -q 'CPU: All CPU(s) started at EL2' /tmp/smp.out
grep -q 'kvm \[1\]: VHE+NV2 mode initialized successfully' /tmp/smp.out
grep -q '^Guest-boot-time' /tmp/smp.err
