# Run by a guest hypervisor's init (nb.run=/l1-matrix.sh; its kernel has
# kvm-arm.mode=nested): the boot matrix's cells that need what this host's
# KVM does not offer. KVM caps a guest hypervisor's PARange at 48 bits, so
# no 52-bit IPA here, and offers no non-VHE guest hypervisors
# (KVM_CAP_ARM_EL2_E2H0 is 0). nestbox must refuse each with one line before
# it builds anything. matrix_cell (from the integration kit's matrix.inc,
# copied into this initramfs) prints one MATRIX line per cell, its mode
# written MODE@L1.
. /matrix.inc
cell_at=@L1
matrix_cell plain 1 52 128
matrix_cell vhe 1 52 128
matrix_cell e2h0 1 40 128
