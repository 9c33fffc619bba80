#!/bin/busybox sh
# Run inside a test guest by guest-init (nb.run=/guest-vsock.sh) for the
# 44-vsock scenario: an echo listener on vsock port 5000 for the host's
# clients, then three connections at once to the host's port 6000 (its
# listener at <uds_path>_6000), 1 MiB each echoed and checked, and one to
# port 6001 where nobody listens. Prints NBV-* lines; the scenario checks them.
nb-vsock listen 5000 >/dev/null &
pids=
for i in 1 2 3; do
	nb-vsock connect 2 6000 1048576 >/tmp/g$i 2>&1 &
	pids="$pids $!"
done
wait $pids
for i in 1 2 3; do sed "s/^/GUEST$i /" /tmp/g$i; done
nb-vsock connect 2 6001 10 | sed 's/^/GUEST-6001 /'
echo "NBV-GUEST-DONE"
