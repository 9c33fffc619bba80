# Run by the guest hypervisor's init (nb.run=/l1-tick.sh) for
# 62-snapshot-nested: the same nestbox launches an L2 microVM that counts a
# tick a second (guest-tick.sh), and its exit status is reported.
rc=0
nestbox --kernel /guest/Image --initrd /guest/initrd.cpio --mem 192 \
	--cmdline "console=ttyS0 quiet panic=-1 nb.run=/guest-tick.sh nb.ticks=16" </dev/null || rc=$?
echo "L2-EXIT rc=$rc"
