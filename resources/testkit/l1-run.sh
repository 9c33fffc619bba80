# Run by the guest hypervisor's init (nb.run=/l1-run.sh): the same nestbox
# binary launches an L2 microVM, and its exit status is reported.
echo "L1: $(nestbox host-check | grep -E '^(plain|nested)')"
rc=0
nestbox --kernel /guest/Image --initrd /guest/initrd.cpio --mem 256 \
	--cmdline "console=ttyS0 quiet panic=-1 nb.boottimer=0x40000000" </dev/null || rc=$?
echo "L2-EXIT rc=$rc"
