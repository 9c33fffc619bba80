#!/bin/busybox sh
# Run inside a test guest by guest-init (nb.run=/guest-mmds.sh) for the
# 43-mmds scenario: eth0's interface is in mmds-config (V2). The guest
# routes 169.254.169.254 through eth0 (ARP answered by nestbox) and talks
# HTTP to the MMDS with busybox nc: a session token, values with and
# without it, an object's keys, JSON, then waits for the host's PATCH.
ip link set lo up
ip link set eth0 up
ip addr add 169.254.0.2/30 dev eth0
ip route add 169.254.169.254 dev eth0
# One request (printf escapes in $1) on its own connection: the whole answer.
req() { printf "$1" | nc -w 10 169.254.169.254 80; }
get() { req "GET $1 HTTP/1.1\r\nX-metadata-token: $tok\r\n$2\r\n"; }
tok=$(req 'PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: 60\r\n\r\n' | tail -n 1)
echo "NESTBOX-MMDS-TOKEN ${#tok}"
echo "NESTBOX-MMDS-AMI $(get /latest/meta-data/ami-id | tail -n 1)"
echo "NESTBOX-MMDS-NOTOKEN $(req 'GET /latest/meta-data/ami-id HTTP/1.1\r\n\r\n' | head -n 1)"
echo "NESTBOX-MMDS-KEYS $(get /latest/meta-data | tail -n 3 | tr '\n' ' ')"
echo "NESTBOX-MMDS-JSON $(get /latest/meta-data/n 'Accept: application/json\r\n' | tail -n 1)"
echo "NESTBOX-MMDS-MISSING $(get /latest/nothing | head -n 1)"
echo "NESTBOX-MMDS-READY"
i=0
while [ $i -lt 150 ]; do
	g=$(get /latest/meta-data/gen | tail -n 1)
	[ "$g" = 2 ] && break
	sleep 0.2
	i=$((i + 1))
done
echo "NESTBOX-MMDS-GEN $g"
