# timeout: 900
# The flagship: a guest hypervisor (vEL2, VHE) boots the Debian kernel, its
# KVM comes up, and inside it the same nestbox binary launches an L2 microVM
# that prints its marker and powers off; L2's nestbox exits 0, then L1 powers
# off, then the top nestbox exits 0.
rc=0
NESTBOX_CHECK_FDS=1 nestbox --nested --kernel /guest/Image --initrd /guest/initrd-l1.cpio \
	--mem 1024 --dump-dtb /tmp/l1.dtb --dump-regs /tmp/l1.regs \
	--cmdline "console=ttyS0 quiet panic=-1 nb.dmesg nb.boottimer=0x40000000 nb.run=/l1-run.sh" \
	</dev/null >/tmp/l1.out 2>/tmp/l1.err || rc=$?
cat /tmp/l1.out /tmp/l1.err
[ "$rc" = 0 ]
grep -q 'started at EL2' /tmp/l1.out
grep -q 'kvm \[1\]: VHE mode initialized successfully' /tmp/l1.out
grep -q '^L1: plain microVMs: supported' /tmp/l1.out
[ "$(grep -c 'NESTBOX-GUEST-OK' /tmp/l1.out)" = 2 ]
grep -q '^L2-EXIT rc=0' /tmp/l1.out
grep -q '^Guest-boot-time' /tmp/l1.err
# The register dump at exit shows the guest hypervisor's EL2 state: HCR_EL2
# with a value (not "<absent>"), which the guest hypervisor set (not 0).
grep -q '^vcpu0 HCR_EL2 0x' /tmp/l1.regs
hcr=$(sed -n 's/^vcpu0 HCR_EL2 //p' /tmp/l1.regs)
[ -n "$hcr" ]
[ "$hcr" != 0x0 ]
grep -E '^vcpu0 (VNCR_EL2|SCTLR_EL2|VTTBR_EL2) 0x' /tmp/l1.regs
grep -q '^vcpu0 PC 0x' /tmp/l1.regs
