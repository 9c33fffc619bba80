# timeout: 900
# The jailer, at both levels: a guest hypervisor (nested: true) boots through
# nestbox-jailer with seccomp on, from a kernel, initrd and config file
# placed in the jail beforehand. While it runs, its nestbox is seen from
# outside: uid/gid 1000 with no groups and no capabilities, every thread
# filtered (Seccomp: 2), in the cgroup v2 group nestbox/j47 with pids.max
# and memory.max, its root the jail. Inside it, l1-jail.sh launches an L2
# microVM through the same jailer (uid/gid 1000, cgroup v2 limits, seccomp)
# and reports the same from L1's side. L2's nestbox exits 0, L1 powers off,
# the top nestbox exits 0, and the jail keeps the files placed in it. A bad
# --id is one line, exit 1, and nothing is built.
cg=/sys/fs/cgroup
grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none $cg
jail=/srv/jailer/nestbox/j47/root
rm -rf /srv/jailer
mkdir -p $jail
ln /guest/Image /guest/initrd-l1.cpio $jail/
cat >$jail/vm.json <<'JSON'
{ "boot-source": { "kernel_image_path": "/Image", "initrd_path": "/initrd-l1.cpio",
    "boot_args": "console=ttyS0 quiet panic=-1 nb.dmesg nb.boottimer=0x40000000 nb.run=/l1-jail.sh" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 1024, "nested": true } }
JSON
nestbox-jailer --id j47 --exec-file /bin/nestbox --uid 1000 --gid 1000 --cgroup-version 2 \
	--cgroup pids.max=32 --cgroup memory.max=1610612736 \
	-- --config-file /vm.json --api-sock /api.sock </dev/null >/tmp/j47.out 2>/tmp/j47.err &
pid=$!
# (running: not yet exited, not a zombie waiting for "wait")
alive() { grep -qs '^State:[[:space:]]*[^Z]' /proc/$1/status; }
set +x
i=0
while [ $i -lt 300 ] && ! grep -q '^Guest-boot-time' /tmp/j47.err; do
	alive $pid || break
	sleep 1
	i=$((i + 1))
done
set -x
st=/proc/$pid/status
grep -E '^(Name|Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' $st
grep -q '^Name:[[:space:]]*nestbox$' $st
grep -q '^Uid:[[:space:]]*1000[[:space:]]*1000[[:space:]]*1000[[:space:]]*1000$' $st
grep -q '^Gid:[[:space:]]*1000[[:space:]]*1000[[:space:]]*1000[[:space:]]*1000$' $st
grep -q '^Groups:[[:space:]]*$' $st
grep -q '^CapEff:[[:space:]]*0000000000000000$' $st
grep -q '^CapPrm:[[:space:]]*0000000000000000$' $st
grep -q '^CapBnd:[[:space:]]*0000000000000000$' $st
grep -q '^NoNewPrivs:[[:space:]]*1$' $st
for t in /proc/$pid/task/*; do
	echo "$(cat $t/comm) $(sed -n 's/^Seccomp:[[:space:]]*//p' $t/status)"
done | sort >/tmp/j47.threads
cat /tmp/j47.threads
printf 'nb_api 2\nnb_vcpu0 2\nnestbox 2\n' | cmp - /tmp/j47.threads
grep -qx '0::/nestbox/j47' /proc/$pid/cgroup
grep -qx "$pid" $cg/nestbox/j47/cgroup.procs
[ "$(cat $cg/nestbox/j47/pids.max)" = 32 ]
[ "$(cat $cg/nestbox/j47/memory.max)" = 1610612736 ]
# Its root is the jail (the same files), not the host's, in its own mount namespace.
[ "$(stat -c %i /proc/$pid/root/vm.json)" = "$(stat -c %i $jail/vm.json)" ]
[ -S /proc/$pid/root/api.sock ]
[ ! -e /proc/$pid/root/bin ]
[ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
# (a bounded wait, so that a stuck run still shows its console)
set +x
while [ $i -lt 780 ] && alive $pid; do
	sleep 1
	i=$((i + 1))
done
set -x
if alive $pid; then kill $pid; fi
rc=0
wait $pid || rc=$?
cat /tmp/j47.out /tmp/j47.err
[ "$rc" = 0 ]
grep -q 'started at EL2' /tmp/j47.out
[ "$(grep -c 'NESTBOX-GUEST-OK' /tmp/j47.out)" = 2 ]
grep -q '^L2-JAIL Uid:1000 Gid:1000 CapEff:0000000000000000 Seccomp:2 filtered=2/2 cgroup=0::/nestbox/l2 pids.max=32 memory.max=402653184 root=jail' /tmp/j47.out
grep -q '^L2-EXIT rc=0' /tmp/j47.out
if grep -q 'SECCOMP' /tmp/j47.out; then exit 1; fi
[ -s $jail/Image ]
[ -s $jail/initrd-l1.cpio ]
[ -s $jail/vm.json ]
[ -x $jail/nestbox ]
[ "$(stat -c %u:%g $jail/dev/kvm)" = 1000:1000 ]
rm -rf /srv/jailer
rmdir $cg/nestbox/j47 $cg/nestbox

# A bad id: one line, exit 1, nothing built.
rc=0
nestbox-jailer --id ../escape --exec-file /bin/nestbox --uid 1000 --gid 1000 >/tmp/j47b.out 2>&1 || rc=$?
cat /tmp/j47b.out
[ "$rc" = 1 ]
[ "$(wc -l </tmp/j47b.out)" = 1 ]
grep -q '^nestbox-jailer: .*--id' /tmp/j47b.out
[ ! -e /srv/jailer/nestbox ]
