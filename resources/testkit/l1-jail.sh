# Run by a guest hypervisor's init (nb.run=/l1-jail.sh): the inner nestbox
# launches an L2 microVM through nestbox-jailer (uid/gid 1000, cgroup v2
# pids.max and memory.max, seccomp on), and one line reports how the jailed
# nestbox looks from outside while L2 runs; then L2's exit status.
mount -t cgroup2 none /sys/fs/cgroup
j=/srv/jailer/nestbox/l2/root
mkdir -p $j
ln /guest/Image /guest/initrd.cpio $j/
cg=/sys/fs/cgroup/nestbox/l2
rc=0
nestbox-jailer --id l2 --exec-file /bin/nestbox --uid 1000 --gid 1000 --cgroup-version 2 \
	--cgroup pids.max=32 --cgroup memory.max=402653184 -- --kernel /Image --initrd /initrd.cpio \
	--mem 256 --cmdline "console=ttyS0 quiet panic=-1 nb.boottimer=0x40000000 nb.hold=10" \
	</dev/null 2>/tmp/l2.err &
pid=$!
alive() { grep -qs '^State:[[:space:]]*[^Z]' /proc/$1/status; }
i=0
while [ $i -lt 300 ] && alive $pid && ! grep -q '^Guest-boot-time' /tmp/l2.err; do
	sleep 1
	i=$((i + 1))
done
root=other
[ "$(stat -c %i /proc/$pid/root/Image)" = "$(stat -c %i $j/Image)" ] && root=jail
s=$(awk '/^(Uid|Gid|CapEff|Seccomp):/ { printf "%s%s ", $1, $2 }' /proc/$pid/status)
s="${s}filtered=$(grep -l '^Seccomp:.2' /proc/$pid/task/*/status | wc -l)/$(ls /proc/$pid/task | wc -l)"
echo "L2-JAIL $s cgroup=$(cat /proc/$pid/cgroup) pids.max=$(cat $cg/pids.max)" \
	"memory.max=$(cat $cg/memory.max) root=$root"
wait $pid || rc=$?
cat /tmp/l2.err
echo "L2-EXIT rc=$rc"
