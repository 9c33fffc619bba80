# timeout: 1200
# A guest hypervisor without VHE (el2_e2h0): its kernel runs at EL1 with
# its own KVM's hypervisor at vEL2 (nVHE). Under the emulated host this is
# very slow (about 5 minutes, with soft-lockup warnings inside its KVM init),
# not hung: the console is shown as it comes, so a timeout shows how far it
# got. nestbox sets no VM-wide counter offset for it (see vm.c).
. /scenarios/live.inc
rc=0
run_live /tmp/e2h0.out env NESTBOX_CHECK_FDS=1 nestbox --el2-e2h0 --kernel /guest/Image \
	--initrd /guest/initrd.cpio --mem 512 \
	--cmdline "console=ttyS0 quiet panic=-1 nb.dmesg nb.boottimer=0x40000000" || rc=$?
[ "$rc" = 0 ]
grep -q 'NESTBOX-GUEST-OK cpus=1 ' /tmp/e2h0.out
grep -q 'CPU: All CPU(s) started at EL2' /tmp/e2h0.out
grep -q 'kvm \[1\]: Hyp nVHE mode initialized successfully' /tmp/e2h0.out
grep -q '^Guest-boot-time' /tmp/e2h0.out
