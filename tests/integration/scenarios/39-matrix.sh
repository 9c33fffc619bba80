# timeout: 1200
# The boot matrix's CI subset (bench/matrix runs every cell, with the same
# matrix.inc): a 52-bit IPA (FEAT_LPA2, 4 KiB pages) for a plain guest and
# for a guest hypervisor that launches an L2 microVM inside, a 2-vCPU plain
# guest at 48 bits, and the refusals, each one line before anything runs: of
# RAM beyond the IPA size, and inside a guest hypervisor (whose KVM has a
# 48-bit IPA limit and no non-VHE guest hypervisors) of a 52-bit IPA and of
# el2_e2h0.
. /scenarios/matrix.inc
set +x # the trace of the polling loops on the console would slow the guests
cell_limit=900
expect() {
	matrix_cell $2 $3 $4 $5
	if [ "$cell_result" != "$1" ]; then
		echo "cell $2-$3-$4-$5: $cell_result, expected $1"
		cat /tmp/o /tmp/e
		return 1
	fi
}
expect pass plain 1 52 1024
expect pass plain 2 48 128
expect refused plain 1 32 3072
grep -q 'ipa_bits' /tmp/e
expect refused vhe 1 33 8192
expect pass vhe 1 52 1024
[ "$cell_l2" = pass ]
matrix_l1_refusals
[ "$cell_result" = refused ] || { cat /tmp/o /tmp/e; exit 1; }
grep -q '^MATRIX|vhe@L1-1-52-128|refused|.*ipa_bits: 52 bits need FEAT_LPA2 on the host (this host.s KVM gives at most 48 bits)' /tmp/l1cells
grep -q '^MATRIX|e2h0@L1-1-40-128|refused|.*machine-config.el2_e2h0: non-VHE guest hypervisors are not offered (KVM_CAP_ARM_EL2_E2H0 is 0)' /tmp/l1cells
