# timeout: 600
# A guest hypervisor on 2 vCPUs: the secondary comes up through PSCI (smc
# from vEL2), both CPUs run at EL2 and the guest's KVM initialises.
rc=0
NESTBOX_CHECK_FDS=1 nestbox --nested --vcpus 2 --kernel /guest/Image \
	--initrd /guest/initrd.cpio --mem 512 \
	--cmdline "console=ttyS0 quiet panic=-1 nb.dmesg nb.boottimer=0x40000000" \
	</dev/null >/tmp/smp.out 2>/tmp/smp.err || rc=$?
cat /tmp/smp.out /tmp/smp.err
[ "$rc" = 0 ]
grep -q 'NESTBOX-GUEST-OK cpus=2 ' /tmp/smp.out
grep -q 'CPU: All CPU(s) started at EL2' /tmp/smp.out
grep -q 'kvm \[1\]: VHE mode initialized successfully' /tmp/smp.out
grep -q '^Guest-boot-time' /tmp/smp.err
