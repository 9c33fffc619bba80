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
# A guest access KVM cannot decode (an LDP to MMIO has no valid syndrome)
# stops the VM with one line saying so, not "KVM_RUN: Function not implemented".
expect_error 'with an instruction KVM cannot emulate (no valid syndrome' --kernel /guest/nisv.Image
# mmds-config names an interface that does not exist.
printf '{"boot-source": {"kernel_image_path": "/guest/Image"}, "mmds-config": {"network_interfaces": ["eth0"]}}' >/tmp/bad.json
expect_error 'config file /tmp/bad.json: mmds-config.network_interfaces.0.: "eth0" does not correspond to any existing network interface' --config-file /tmp/bad.json
# Drives: a missing file, 2M huge pages with an empty pool.
printf '{"boot-source": {"kernel_image_path": "/guest/Image"}, "drives": [{"drive_id": "rootfs", "path_on_host": "/nonexistent.img", "is_root_device": true, "is_read_only": false}]}' >/tmp/bad.json
expect_error 'drive rootfs: open /nonexistent.img: No such file or directory' --config-file /tmp/bad.json
echo 0 >/proc/sys/vm/nr_hugepages
printf '{"boot-source": {"kernel_image_path": "/guest/Image"}, "machine-config": {"vcpu_count": 1, "mem_size_mib": 128, "huge_pages": "2M"}}' >/tmp/bad.json
expect_error 'machine-config.huge_pages: the hugetlbfs pool has fewer than the 64 free 2 MiB pages' --config-file /tmp/bad.json
# An initrd that does not fit beside the kernel.
dd if=/dev/zero of=/tmp/big.img bs=1M count=200 2>/dev/null
expect_error 'initrd /tmp/big.img: .* does not fit' --kernel /guest/Image --initrd /tmp/big.img --mem 128
# CPU templates: a capability KVM lacks, feature words that contradict what
# nestbox manages, a register the vCPU does not have, an ID register field
# KVM does not let userspace change (ID_AA64MMFR2_EL1.NV).
tmpl() { printf '%s' "$1" >/tmp/tmpl.json; }
tmpl '{"kvm_capabilities": ["60000"]}'
expect_error 'cpu-config.kvm_capabilities: this host.s KVM lacks capability 60000' \
	--kernel /guest/Image --cpu-config /tmp/tmpl.json
# A bitmap's 0s are written too: this one would clear POWER_OFF and PSCI 0.2.
tmpl '{"vcpu_features": [{"index": 0, "bitmap": "0b1100000"}]}'
expect_error 'cpu-config.vcpu_features: clears KVM_ARM_VCPU_POWER_OFF (word 0, bit 0)' \
	--kernel /guest/Image --cpu-config /tmp/tmpl.json
tmpl '{"vcpu_features": [{"index": 0, "bitmap": "0b0xxxxxxx"}]}'
expect_error 'cpu-config.vcpu_features: clears KVM_ARM_VCPU_HAS_EL2 .*machine-config.nested' \
	--nested --kernel /guest/Image --cpu-config /tmp/tmpl.json
tmpl '{"reg_modifiers": [{"addr": "0x603000000013ffff", "bitmap": "0b1"}]}'
expect_error 'cpu-config.reg_modifiers\[0\].addr: 0x603000000013ffff is not a register of this vCPU' \
	--kernel /guest/Image --mem 128 --cpu-config /tmp/tmpl.json
tmpl '{"reg_modifiers": [{"addr": "0x603000000013c03a", "bitmap": "0b0001xxxxxxxxxxxxxxxxxxxxxxxx"}]}'
expect_error 'cpu-config.reg_modifiers\[0\]: bits 0x1000000 of ID_AA64MMFR2_EL1 cannot be changed' \
	--kernel /guest/Image --mem 128 --cpu-config /tmp/tmpl.json
tmpl '{"reg_modifiers": [{"addr": "0x603000000013c03a", "bitmap": "0b0x"}], "cpuid_modifiers": []}'
expect_error 'cpu-config /tmp/tmpl.json: cpuid_modifiers: x86_64 only' \
	--kernel /guest/Image --cpu-config /tmp/tmpl.json
