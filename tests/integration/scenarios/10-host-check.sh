# timeout: 120
# host-check in the emulated host reports plain and nested support, as text
# and as JSON, and a missing KVM device is one line and exit status 1.
nestbox host-check | tee /tmp/hc.txt
grep -q '^plain microVMs: supported' /tmp/hc.txt
grep -q '^nested guests: supported' /tmp/hc.txt
grep -qE 'KVM_CAP_ARM_EL2 +yes' /tmp/hc.txt
nestbox host-check --json >/tmp/hc.json
grep -q '"cap_arm_el2": true' /tmp/hc.json
grep -q '"kvm_api_version": 12' /tmp/hc.json
rc=0
nestbox host-check --kvm /dev/nonexistent 2>/tmp/err.txt || rc=$?
cat /tmp/err.txt
[ "$rc" = 1 ]
[ "$(wc -l </tmp/err.txt)" = 1 ]
grep -q 'no KVM on this host' /tmp/err.txt
