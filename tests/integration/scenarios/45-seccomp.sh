# timeout: 300
# Seccomp: while a 2-vCPU guest runs, every nestbox thread is filtered
# (Seccomp: 2) and named for its kind (nestbox, nb_api, nb_vcpu0/1); a
# filter set whose vCPU list lacks ioctl kills nestbox with SIGSYS at the
# first KVM_RUN, and the kernel's audit line names the thread and syscall
# 29 (ioctl); a malformed filter file is one line and exit 1.
rm -f /tmp/sc.sock
nestbox --api-sock /tmp/sc.sock --kernel /guest/Image --initrd /guest/initrd.cpio --vcpus 2 \
	--mem 256 --cmdline "console=ttyS0 quiet panic=-1 nb.boottimer=0x40000000 nb.hold=60" \
	</dev/null >/tmp/sc.out 2>/tmp/sc.err &
pid=$!
set +x
i=0
while [ $i -lt 200 ] && ! grep -q '^Guest-boot-time' /tmp/sc.err; do
	kill -0 $pid || { cat /tmp/sc.out /tmp/sc.err; exit 1; }
	sleep 1
	i=$((i + 1))
done
set -x
for t in /proc/$pid/task/*; do
	echo "$(cat $t/comm) $(sed -n 's/^Seccomp:[[:space:]]*//p' $t/status)"
done | sort >/tmp/sc.threads
cat /tmp/sc.threads
kill -TERM $pid
rc=0
wait $pid || rc=$?
[ "$rc" = 143 ]
printf 'nb_api 2\nnb_vcpu0 2\nnb_vcpu1 2\nnestbox 2\n' | cmp - /tmp/sc.threads

# A vCPU list without ioctl: killed at KVM_RUN, with the audit line.
cat >/tmp/sc-novcpu.json <<'JSON'
{ "vmm": { "default_action": "log", "filter": [] },
  "api": { "filter": [] },
  "vcpu": { "filter": [ { "syscall": "rt_sigprocmask" }, { "syscall": "futex" } ] } }
JSON
rc=0
nestbox --no-api --seccomp-filter /tmp/sc-novcpu.json --kernel /guest/Image \
	--initrd /guest/initrd.cpio --mem 256 --cmdline "console=ttyS0 quiet panic=-1" \
	</dev/null >/tmp/sc2.out 2>&1 || rc=$?
[ "$rc" = 159 ]
dmesg | grep 'type=1326' | grep 'comm="nb_vcpu0"' | grep -q ' sig=31 .* syscall=29 '

# Malformed filter files and conflicting flags: one line, exit 1, no VM.
echo '{ "vmm": { "filter": [] }, "api": { "filter": [] }, "vcpu": { "filter": [ { "syscall": "nosuch" } ] } }' >/tmp/sc-bad.json
rc=0
nestbox --no-api --seccomp-filter /tmp/sc-bad.json --kernel /guest/Image >/tmp/sc3.out 2>&1 || rc=$?
cat /tmp/sc3.out
[ "$rc" = 1 ]
[ "$(wc -l </tmp/sc3.out)" = 1 ]
grep -q "^nestbox: seccomp filter /tmp/sc-bad.json: vcpu.filter\[0\]: unknown syscall 'nosuch'" /tmp/sc3.out
rc=0
nestbox --no-api --no-seccomp --seccomp-filter /tmp/sc-bad.json --kernel /guest/Image \
	>/tmp/sc4.out 2>&1 || rc=$?
[ "$rc" = 1 ]
grep -q 'excludes' /tmp/sc4.out
