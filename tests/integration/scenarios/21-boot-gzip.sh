# timeout: 600
# opt-in: gzip(1) of the 50 MiB test kernel takes about 80 s under the emulated host
# The test kernel gzip'd (Image.gz, decoded by libdeflate straight into
# guest RAM) boots a plain microVM to the test init; nestbox exits 0.
# (The unit tests cover the decoder's refusals; this is the real boot.)
gzip -c /guest/Image >/tmp/Image.gz
rc=0
nestbox --kernel /tmp/Image.gz --initrd /guest/initrd.cpio --vcpus 1 --mem 256 \
	--cmdline "console=ttyS0 quiet panic=-1 nb.boottimer=0x40000000" \
	</dev/null >/tmp/bootgz.out 2>/tmp/bootgz.err || rc=$?
rm -f /tmp/Image.gz
cat /tmp/bootgz.out /tmp/bootgz.err
[ "$rc" = 0 ]
grep -q "NESTBOX-GUEST-OK cpus=1 " /tmp/bootgz.out
grep -q '^Guest-boot-time = [0-9]* us [0-9]* ms' /tmp/bootgz.err
