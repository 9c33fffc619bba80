# nb.run script (50-api, 60-snapshot): a tick a second with the guest's
# uptime (a pause shows as a gap), nb.ticks=N of them (default 12), then the
# guest powers off. A restored snapshot goes on counting where it was.
# Then the first drive's checksum, read through its (maybe restored) queue.
n=$(sed -n 's/.*nb\.ticks=\([0-9]*\).*/\1/p' /proc/cmdline)
i=0
while [ $i -lt "${n:-12}" ]; do
	echo "NESTBOX-TICK $i $(cut -d' ' -f1 /proc/uptime)"
	sleep 1
	i=$((i + 1))
done
[ -b /dev/vda ] && echo "NESTBOX-DISK $(sha256sum </dev/vda | cut -d' ' -f1)"
