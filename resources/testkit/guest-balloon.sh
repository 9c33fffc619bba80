#!/bin/busybox sh
# Run inside a test guest by guest-init (nb.run=/guest-balloon.sh) for the
# 46-balloon scenario (balloon of 64 MiB, no deflate_on_oom: the guest's
# MemTotal shrinks by what the balloon holds). The balloon inflated at boot;
# unloading the driver deflates it all (MemTotal back up), the guest then
# dirties most of its memory and frees it again, waits while the host
# measures nestbox's RSS, loads the driver again and waits until the
# balloon holds its 64 MiB again: the host measures the RSS it got back.
memtotal() { awk '/^MemTotal/ { print $2 }' /proc/meminfo; }
memfree() { awk '/^MemFree/ { print $2 }' /proc/meminfo; }
wait_total() { # until MemTotal <= $1 kB, at most 120 s
	i=0
	while [ "$(memtotal)" -gt "$1" ] && [ $i -lt 600 ]; do
		sleep 0.2
		i=$((i + 1))
	done
}
boot=$(memtotal)
rmmod virtio_balloon || echo "NESTBOX-BALLOON-RMMOD-FAILED"
full=$(memtotal)
echo "NESTBOX-BALLOON-DEFLATED boot_kb=$boot full_kb=$full"
# Dirty all but 24 MiB of the free memory (the pages fault back in), free it.
mkdir -p /fill && mount -t tmpfs -o size=100% tmpfs /fill
mib=$(($(memfree) / 1024 - 24))
dd if=/dev/zero of=/fill/f bs=1M count=$mib 2>/dev/null
echo "NESTBOX-BALLOON-TOUCHED mib=$mib free_kb=$(memfree)"
rm /fill/f && umount /fill
sleep 6 # the host measures nestbox's RSS now
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
t0=$(ms)
insmod /lib/modules/virtio_balloon.ko
wait_total $((full - 64 * 1024))
t1=$(ms)
sleep 1
echo "NESTBOX-BALLOON-INFLATED total_kb=$(memtotal) free_kb=$(memfree) ms=$((t1 - t0))"
sleep 6 # and again
