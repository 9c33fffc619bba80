#!/bin/busybox sh
# Run inside a test guest by guest-init (nb.run=/guest-balloon-report.sh)
# for the free page reporting part of 46-balloon (an empty balloon with
# free_page_reporting): the guest dirties most of its free memory, waits
# while the host measures nestbox's RSS, frees it and waits while its
# driver reports the free blocks (2 s after the frees, in 2 MiB blocks):
# the host measures the RSS it got back without any inflate.
memfree() { awk '/^MemFree/ { print $2 }' /proc/meminfo; }
mkdir -p /fill && mount -t tmpfs -o size=100% tmpfs /fill
mib=$(($(memfree) / 1024 - 24))
dd if=/dev/zero of=/fill/f bs=1M count=$mib 2>/dev/null
echo "NESTBOX-BALLOON-REPORT-TOUCHED mib=$mib"
sleep 3 # the host measures nestbox's RSS now
rm /fill/f && umount /fill
sleep 8
echo "NESTBOX-BALLOON-REPORT-FREED free_kb=$(memfree)"
sleep 3 # the host measures again
