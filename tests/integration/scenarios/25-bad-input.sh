# timeout: 120
# Bad input is one clear line and exit status 1, with nothing left behind
# (NESTBOX_CHECK_FDS makes nestbox fail if a descriptor is still open).
export NESTBOX_CHECK_FDS=1
expect_error() { # PATTERN ARGS...: nestbox ARGS fails with one line matching PATTERN
	pat=$1
	shift
	rc=0
	nestbox "$@" </dev/null >/tmp/out 2>/tmp/err || rc=$?
	cat /tmp/err
	[ "$rc" = 1 ]
	[ "$(wc -l </tmp/err)" = 1 ]
	grep -q "$pat" /tmp/err
}
expect_error 'kernel /nonexistent: No such file' --kernel /nonexistent
expect_error 'not an arm64 Image' --kernel /guest/initrd.cpio
expect_error 'kernel /guest/Image: needs' --kernel /guest/Image --mem 32
expect_error 'initrd /nonexistent: No such file' --kernel /guest/Image --initrd /nonexistent
expect_error 'machine-config.vcpu_count' --kernel /guest/Image --vcpus 33
expect_error 'machine-config.mem_size_mib' --kernel /guest/Image --mem 8
expect_error '\-\-vcpus' --kernel /guest/Image --vcpus two
printf '{"boot-source": {"kernel_image_path": "/guest/Image"}, "machine-config": {"vcpu_count": 1, "mem_size_mib": 128, "vcpus": 2}}' >/tmp/bad.json
expect_error 'machine-config.vcpus: unknown field' --config-file /tmp/bad.json
expect_error 'no KVM on this host' --kernel /guest/Image --kvm /dev/nonexistent
# An initrd that does not fit beside the kernel.
dd if=/dev/zero of=/tmp/big.img bs=1M count=200 2>/dev/null
expect_error 'initrd /tmp/big.img: .* does not fit' --kernel /guest/Image --initrd /tmp/big.img --mem 128
