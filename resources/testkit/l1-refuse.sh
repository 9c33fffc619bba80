# Run by a guest hypervisor's init (nb.run=/l1-refuse.sh) when it must not
# be able to run guest hypervisors itself: its KVM says so, and nestbox
# refuses --nested with one line, before building anything.
echo "L1: $(nestbox host-check | grep -E '^(plain|nested)')"
nestbox host-check | grep KVM_CAP_ARM_EL2
rc=0
nestbox --nested --kernel /guest/Image --initrd /guest/initrd.cpio --mem 256 \
	</dev/null >/tmp/refuse.out 2>/tmp/refuse.err || rc=$?
echo "L1-REFUSED rc=$rc lines=$(wc -l </tmp/refuse.err): $(cat /tmp/refuse.err)"
