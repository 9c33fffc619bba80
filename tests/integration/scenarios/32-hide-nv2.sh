# timeout: 600
# machine-config.hide_nv2: the guest hypervisor's kernel asks for nested
# virtualization (kvm-arm.mode=nested) but finds no FEAT_NV2, so its KVM
# offers no EL2 guests; inside it, nestbox --nested is refused with one
# line before anything is built (a host without KVM_CAP_ARM_EL2).
rc=0
NESTBOX_CHECK_FDS=1 nestbox --nested --hide-nv2 --kernel /guest/Image \
	--initrd /guest/initrd-l1.cpio --mem 512 \
	--cmdline "console=ttyS0 quiet panic=-1 kvm-arm.mode=nested nb.dmesg nb.run=/l1-refuse.sh" \
	</dev/null >/tmp/l1.out 2>/tmp/l1.err || rc=$?
cat /tmp/l1.out /tmp/l1.err
[ "$rc" = 0 ]
grep -q 'started at EL2' /tmp/l1.out
grep -q 'kvm \[1\]: VHE mode initialized successfully' /tmp/l1.out
grep -q '^L1: plain microVMs: supported' /tmp/l1.out
grep -q '^nested guests: not offered' /tmp/l1.out
grep -q 'KVM_CAP_ARM_EL2  *no' /tmp/l1.out
grep -q '^L1-REFUSED rc=1 lines=1: nestbox: machine-config.nested: guest hypervisors are not offered' /tmp/l1.out
