#!/bin/busybox sh
# In the benchmark guest (nb.run=/blkbench.sh): each block benchmark phase
# between NBB-BEGIN and NBB-END lines, with a quiet second around each so
# that the host can read the VM's KVM exit counters between phases.
for m in seqwrite seqread randwrite randread; do
	case $m in seq*) mib=64 ;; *) mib=8 ;; esac
	echo "NBB-BEGIN $m"
	sleep 1
	/blkbench /dev/vda $m $mib
	echo "NBB-END $m $mib"
	sleep 1
done
