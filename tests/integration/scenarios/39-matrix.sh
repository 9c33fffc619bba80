# timeout: 1200
# The boot matrix's CI subset (bench/matrix runs every cell, with the same
# matrix.inc): a 52-bit IPA (FEAT_LPA2, 4 KiB pages) for a plain guest and
# for a guest hypervisor that launches an L2 microVM inside, a 2-vCPU plain
# guest at 48 bits, and the refusals of RAM beyond the IPA size, each one
# line before anything runs.
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
