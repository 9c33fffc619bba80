#!/bin/busybox sh
# Run inside a test guest by guest-init (nb.run=/guest-swap.sh) for the
# 40-devices scenario: /dev/vda is a read-only drive whose backing file the
# host changes with PATCH /drives while the guest runs. The guest prints the
# drive's size and first bytes, waits (60 s at most) for the capacity to
# change (the config-change interrupt), drops its cached copy and reads the
# drive again.
head16() { dd if=/dev/vda bs=16 count=1 2>/dev/null; }
old=$(cat /sys/block/vda/size)
echo "NESTBOX-SWAP-BEFORE $old $(head16)"
i=0
while [ "$(cat /sys/block/vda/size)" = "$old" ] && [ $i -lt 120 ]; do
	sleep 0.5
	i=$((i + 1))
done
blockdev --flushbufs /dev/vda 2>/dev/null
echo 3 >/proc/sys/vm/drop_caches
echo "NESTBOX-SWAP-AFTER $(cat /sys/block/vda/size) $(head16)"
