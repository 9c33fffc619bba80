# nb.run script of the 50-api scenario: a tick a second with the guest's
# uptime (a pause shows as a gap), 12 ticks, then the guest powers off.
i=0
while [ $i -lt 12 ]; do
	echo "NESTBOX-TICK $i $(cut -d' ' -f1 /proc/uptime)"
	sleep 1
	i=$((i + 1))
done
