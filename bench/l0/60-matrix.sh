# timeout: 5400
# bench/matrix inside the emulated host: one guest per cell of
#   mode (plain, vhe: a guest hypervisor, e2h0: one without VHE)
#   x vCPUs (1, 2) x ipa_bits (40, 48, 52) x RAM (128, 1024 MiB),
# plus refusal cells (RAM beyond the IPA size), each booted from a config
# file to its init and power-off. One MATRIX line per cell: result (pass,
# refused, fail), seconds to init and in all, and for a guest hypervisor
# what its own KVM says at boot (IPA limit, mode), else the refusal's line
# or the first missing marker. nb.cells=ID,ID (e.g. plain-1-40-128) runs
# only those cells.
. /scenarios/lib.inc
set +x # the trace of the polling loops on the console would slow the guests
cells=$(sed -n 's/.*nb.cells=\([^ ]*\).*/\1/p' /proc/cmdline)
limit=$(sed -n 's/.*nb.cell_timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
limit=${limit:-400}
echo "MATRIX-HOST|$(nestbox host-check | sed -nE 's/^  (KVM_CAP_ARM_EL2(_E2H0)?|max IPA size) +(.*)/\1=\3/p' | tr '\n' ' ')"

# cell MODE VCPUS IPA MIB: boots one guest, prints its MATRIX line.
cell() {
	local id="$1-$2-$3-$4" nested=false e2h0=false args rc=0 t0 tinit= tend pid why kvm killed=
	case ",$cells," in ,,) ;; *",$id,"*) ;; *) return 0 ;; esac
	case $1 in vhe) nested=true ;; e2h0) nested=true e2h0=true ;; esac
	args="console=ttyS0 quiet cma=0 panic=-1 nb.boottimer=0x40000000"
	[ $nested = true ] && args="$args nb.dmesg"
	cat >/tmp/cell.json <<JSON
{ "boot-source": { "kernel_image_path": "/guest/Image", "initrd_path": "/guest/initrd.cpio",
    "boot_args": "$args" },
  "machine-config": { "vcpu_count": $2, "mem_size_mib": $4, "nested": $nested,
    "el2_e2h0": $e2h0, "ipa_bits": $3 } }
JSON
	rm -f /tmp/o /tmp/e
	t0=$(now_ms)
	nestbox --no-api --config-file /tmp/cell.json </dev/null >/tmp/o 2>/tmp/e &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		[ -z "$tinit" ] && grep -q NESTBOX-GUEST-OK /tmp/o && tinit=$(now_ms)
		if [ $(($(now_ms) - t0)) -gt $((limit * 1000)) ]; then
			kill -9 $pid
			killed=1
			break
		fi
		sleep 0.2
	done
	wait $pid || rc=$?
	tend=$(now_ms)
	[ -z "$tinit" ] && grep -q NESTBOX-GUEST-OK /tmp/o && tinit=$tend
	kvm=$(grep -o 'kvm \[[0-9]*\]: .*' /tmp/o | sed 's/kvm \[[0-9]*\]: //' |
		grep -E 'IPA Size Limit|mode initialized|nested|VHE' | tr -d '\r' | tr '\n' ';')
	if [ $rc = 0 ] && grep -q NESTBOX-POWEROFF /tmp/o; then
		echo "MATRIX|$id|pass|$(((tinit - t0) / 100))|$(((tend - t0) / 100))|$kvm"
	elif [ -z "$killed" ] && [ -z "$tinit" ] && ! grep -q . /tmp/o; then
		why=$(grep -v '^$' /tmp/e | head -1 | tr '|' '/')
		echo "MATRIX|$id|refused|-|$(((tend - t0) / 100))|$why"
	else
		why="rc=$rc${killed:+, killed after $limit s}"
		grep -q NESTBOX-GUEST-OK /tmp/o || why="$why, no NESTBOX-GUEST-OK"
		grep -q NESTBOX-POWEROFF /tmp/o || why="$why, no NESTBOX-POWEROFF"
		echo "MATRIX|$id|fail|${tinit:+$(((tinit - t0) / 100))}|$(((tend - t0) / 100))|$why: $(tail -1 /tmp/e | tr '|' '/')"
	fi
}

for mode in plain vhe e2h0; do
	for v in 1 2; do
		for ipa in 40 48 52; do
			for mib in 128 1024; do
				cell $mode $v $ipa $mib
			done
		done
	done
done
# Refusals: RAM beyond the IPA size.
cell plain 1 32 3072
cell vhe 1 33 8192
echo "MATRIX-DONE"
