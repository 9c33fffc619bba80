#!/bin/busybox sh
# Run inside a test guest by guest-init (nb.run=/guest-devices.sh) for the
# 40-devices scenario: /dev/vda is a data drive (read-write, Writeback),
# /dev/vdb a read-only drive, /dev/hwrng the entropy device. Prints what it
# finds; the scenario checks it and the drive's file afterwards.
echo "NESTBOX-BLK-SUM $(sha256sum /dev/vda | cut -d' ' -f1)"
echo "NESTBOX-BLK-SIZE $(cat /sys/block/vda/size) ro=$(cat /sys/block/vda/ro)"
echo "NESTBOX-RO-SIZE $(cat /sys/block/vdb/size) ro=$(cat /sys/block/vdb/ro)"
if dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2>/dev/null; then
	echo "NESTBOX-RO-WRITTEN"
else
	echo "NESTBOX-RO-REFUSED"
fi
echo "NESTBOX-RNG $(cat /sys/class/misc/hw_random/rng_current) $(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c)"
# A write the guest flushed (fsync: a FLUSH request) must be in the file
# even when nestbox is killed right after: the scenario kills it on this line.
echo "NESTBOX-WRITTEN-BY-GUEST" | dd of=/dev/vda bs=512 seek=2048 conv=fsync 2>/dev/null &&
	echo "NESTBOX-FLUSHED"
