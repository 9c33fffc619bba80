#!/bin/busybox sh
# Run inside a test guest by guest-init (nb.run=/guest-balloon-api.sh) for
# the API part of 46-balloon: the balloon starts empty (amount_mib 0, no
# deflate_on_oom: MemTotal shrinks by what the balloon holds). The guest
# dirties most of its free memory and frees it, then waits while the host
# PATCHes the target up to 64 MiB (the balloon inflates: the host gets the
# dirtied pages back) and back down to 0 (it deflates), telling each step.
# Then free page hinting: the guest dirties and frees its memory again and
# waits while the host runs a hinting cycle (the driver hints its free
# blocks, the host releases them); the host then sets the target to 4 MiB
# to say it is done.
memtotal() { awk '/^MemTotal/ { print $2 }' /proc/meminfo; }
memfree() { awk '/^MemFree/ { print $2 }' /proc/meminfo; }
# wait_total CMP KB: until MemTotal CMP KB (-le, -ge), at most 240 s.
wait_total() {
	i=0
	while ! [ "$(memtotal)" "$1" "$2" ] && [ $i -lt 1200 ]; do
		sleep 0.2
		i=$((i + 1))
	done
}
# Dirty all but 24 MiB of the free memory, free it: $mib MiB.
touch_free() {
	mkdir -p /fill && mount -t tmpfs -o size=100% tmpfs /fill
	mib=$(($(memfree) / 1024 - 24))
	dd if=/dev/zero of=/fill/f bs=1M count=$mib 2>/dev/null
	rm /fill/f && umount /fill
}
full=$(memtotal)
touch_free
echo "NESTBOX-BALLOON-API-TOUCHED mib=$mib full_kb=$full"
wait_total -le $((full - 64 * 1024))
sleep 3 # a statistics round or two
echo "NESTBOX-BALLOON-API-INFLATED total_kb=$(memtotal) free_kb=$(memfree)"
wait_total -ge "$full"
echo "NESTBOX-BALLOON-API-DEFLATED total_kb=$(memtotal)"
sleep 4 # the host reads the statistics again
touch_free
echo "NESTBOX-BALLOON-API-TOUCHED2 mib=$mib free_kb=$(memfree)"
wait_total -le $((full - 4 * 1024))
echo "NESTBOX-BALLOON-API-HINTED free_kb=$(memfree)"
