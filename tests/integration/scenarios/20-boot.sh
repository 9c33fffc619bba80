# timeout: 600
# A plain microVM boots the Debian arm64 kernel to the test init on 1 and on
# 2 vCPUs: the guest sees its vCPUs and memory, writes the boot timer, powers
# off, and nestbox exits 0 after logging the boot time.
for n in 1 2; do
	rc=0
	NESTBOX_CHECK_FDS=1 nestbox --kernel /guest/Image --initrd /guest/initrd.cpio \
		--vcpus $n --mem 256 --dump-dtb /tmp/boot$n.dtb \
		--cmdline "console=ttyS0 quiet panic=-1 nb.boottimer=0x40000000" \
		</dev/null >/tmp/boot$n.out 2>/tmp/boot$n.err || rc=$?
	cat /tmp/boot$n.out /tmp/boot$n.err
	[ "$rc" = 0 ]
	grep -q "NESTBOX-GUEST-OK cpus=$n " /tmp/boot$n.out
	kb=$(sed -n 's/.*memtotal_kb=\([0-9]*\).*/\1/p' /tmp/boot$n.out)
	# MemTotal is RAM less what the kernel reserves for itself.
	[ "$kb" -gt 200000 ] && [ "$kb" -le 262144 ]
	grep -q '^Guest-boot-time = [0-9]* us [0-9]* ms' /tmp/boot$n.err
	[ -s /tmp/boot$n.dtb ]
done
