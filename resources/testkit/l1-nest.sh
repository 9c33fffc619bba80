# Run by a guest hypervisor's init (nb.run=/l1-nest.sh) whose kernel has
# kvm-arm.mode=nested: the same nestbox launches a guest hypervisor of its
# own (L2 at vEL2, recursive nesting), which boots to its init and powers off.
echo "L1: $(nestbox host-check | grep -E '^(plain|nested)')"
rc=0
nestbox --nested --kernel /guest/Image --initrd /guest/initrd.cpio --mem 256 \
	--cmdline "console=ttyS0 quiet panic=-1 nb.dmesg nb.boottimer=0x40000000" </dev/null || rc=$?
echo "L2-EXIT rc=$rc"
