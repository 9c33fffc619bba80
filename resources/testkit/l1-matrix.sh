# Run by a guest hypervisor's init (nb.run=/l1-matrix.sh; its kernel has
# kvm-arm.mode=nested): the boot matrix's cells that need what this host's
# KVM does not offer. KVM caps a guest hypervisor's PARange at 48 bits, so
# no 52-bit IPA here, and offers no non-VHE guest hypervisors
# (KVM_CAP_ARM_EL2_E2H0 is 0). nestbox must refuse each with one line before
# it builds anything. One line per cell:
#   L1-CELL|ID|RESULT|-|TOTAL|-|WHAT   (TOTAL in tenths of a second)
now() { awk '{ printf "%d", $1 * 10 }' /proc/uptime; }
cell() { # MODE VCPUS IPA MIB
	local nested=false e2h0=false rc=0 t0 why
	case $1 in vhe) nested=true ;; e2h0) nested=true e2h0=true ;; esac
	cat >/tmp/c.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1" },
  "machine-config": { "vcpu_count": $2, "mem_size_mib": $4, "nested": $nested,
    "el2_e2h0": $e2h0, "ipa_bits": $3 } }
JSON
	t0=$(now)
	nestbox --no-api --config-file /tmp/c.json </dev/null >/tmp/c.out 2>/tmp/c.err || rc=$?
	why=$(grep -v '^$' /tmp/c.err | head -1 | tr '|' '/')
	if [ $rc != 0 ] && ! grep -q . /tmp/c.out && [ "$(grep -c . /tmp/c.err)" = 1 ]; then
		echo "L1-CELL|$1@L1-$2-$3-$4|refused|-|$(($(now) - t0))|-|$why"
	else
		echo "L1-CELL|$1@L1-$2-$3-$4|fail|-|$(($(now) - t0))|-|rc=$rc, $(grep -c . /tmp/c.err) error lines, output: $(grep -c . /tmp/c.out) lines: $why"
	fi
}
cell plain 1 52 128
cell vhe 1 52 128
cell e2h0 1 40 128
