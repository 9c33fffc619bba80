# timeout: 11400
# bench/matrix inside the emulated host: one guest per cell of
#   mode (plain, vhe: a guest hypervisor, e2h0: one without VHE)
#   x vCPUs (1, 2) x ipa_bits (40, 48, 52) x RAM (128, 1024 MiB),
# plus refusal cells (RAM beyond the IPA size; inside a guest hypervisor, a
# 52-bit IPA and el2_e2h0, which its KVM lacks), each booted from a config
# file (matrix.inc, which bench/matrix copies from tests/integration/
# scenarios). nb.cells=ID,ID (e.g. plain-1-40-128) runs only those cells.
. /scenarios/matrix.inc
set +x # the trace of the polling loops on the console would slow the guests
cells=$(sed -n 's/.*nb.cells=\([^ ]*\).*/\1/p' /proc/cmdline)
cell_limit=$(sed -n 's/.*nb.cell_timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "MATRIX-HOST|$(nestbox host-check | sed -nE 's/^  (KVM_CAP_ARM_EL2(_E2H0)?|max IPA size) +(.*)/\1=\3/p' | tr '\n' ' ')"

cell() {
	case ",$cells," in ,,) ;; *",$1-$2-$3-$4,"*) ;; *) return 0 ;; esac
	matrix_cell "$@"
}

# Refusals of what a host lacks (52-bit IPA, non-VHE guest hypervisors),
# inside a guest hypervisor: its cell ID for nb.cells is l1-refusals.
case ",$cells," in ,,|*,l1-refusals,*) matrix_l1_refusals ;; esac
# Refusals: RAM beyond the IPA size.
cell plain 1 32 3072
cell vhe 1 33 8192
for mode in plain vhe e2h0; do
	for v in 1 2; do
		for ipa in 40 48 52; do
			for mib in 128 1024; do
				cell $mode $v $ipa $mib
			done
		done
	done
done
echo "MATRIX-DONE"
