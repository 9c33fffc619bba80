# timeout: 300
# A console nobody reads: nestbox's stdout is a fifo that is open for reading
# but never read, and the guest writes far more than the fifo and nestbox's
# console buffer hold (144 KiB, nb.flood, before it writes the boot timer).
# Neither a vCPU nor the VMM thread blocks on it: the guest still writes the
# boot timer (its line on stderr), and SIGTERM stops the VM within seconds
# with the signal's exit status and nestbox's "stopping the VM" line.
rm -f /tmp/stall.fifo /tmp/stall.err
mkfifo /tmp/stall.fifo
# Open read-write: the fifo has a reader (this shell, which never reads), so
# nestbox's open does not wait; nestbox itself does not get this fd.
exec 3<>/tmp/stall.fifo
nestbox --kernel /guest/Image --initrd /guest/initrd.cpio --vcpus 1 --mem 256 \
	--cmdline "console=ttyS0 quiet panic=-1 nb.flood=144 nb.boottimer=0x40000000 nb.hold=600" \
	</dev/null >/tmp/stall.fifo 2>/tmp/stall.err 3<&- &
pid=$!
# Let the guest write its boot log into the stalled console: it reaches init
# (and writes the boot timer) only if its console writes never block.
i=0
while [ $i -lt 200 ] && ! grep -q '^Guest-boot-time' /tmp/stall.err; do
	kill -0 $pid || { cat /tmp/stall.err; exit 1; }
	sleep 1
	i=$((i + 1))
done
sleep 3
kill -0 $pid || { cat /tmp/stall.err; exit 1; }
kill -TERM $pid
# It must be gone within 10 s.
i=0
while kill -0 $pid 2>/dev/null; do
	if [ $i -ge 10 ]; then
		echo "nestbox still runs 10 s after SIGTERM"
		cat /tmp/stall.err
		kill -KILL $pid
		exit 1
	fi
	sleep 1
	i=$((i + 1))
done
rc=0
wait $pid || rc=$?
exec 3<&-
cat /tmp/stall.err
[ "$rc" = 143 ]
grep -q 'Terminated: stopping the VM' /tmp/stall.err
grep -q '^Guest-boot-time = [0-9]* us [0-9]* ms' /tmp/stall.err
rm -f /tmp/stall.fifo
