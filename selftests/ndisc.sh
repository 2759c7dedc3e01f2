#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Neighbour discovery is link-local (RFC 4861: hop limit 255, never
# forwarded). The module lets ND through only where it keeps an edge
# address held by the gateway working: sent or received by the gateway
# itself with hop limit 255 (state.sh shows that this still works after
# the neighbour caches are flushed). A "neighbour solicitation" that a host
# in no set sends through the gateway to an edge address is routed traffic
# like any other, and denied as no-rule.
#
# The stranger sends neighbour solicitations for the edge address, to the
# edge address, from a raw ICMPv6 socket (hop limit 64, and 255, which the
# gateway decrements when it forwards); a raw socket on the edge host
# counts the ones that arrive. Mode off first, to show the capture sees
# them when nothing filters.

source "$(dirname "$0")/lib.sh"

# The solicitation, and the counting of what arrives, in python3: a raw
# ICMPv6 socket, whose checksum the kernel fills in.
write_tools() {
	cat > "$TMPD/ns_send.py" <<'PY'
import socket, struct, sys
dst, hops, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
msg = struct.pack("!BBHI", 135, 0, 0, 0) + socket.inet_pton(socket.AF_INET6, dst)
for _ in range(count):
    s.sendto(msg, (dst, 0))
PY
	cat > "$TMPD/ns_count.py" <<'PY'
import select, socket, sys, time
src, secs, ready = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
open(ready, "w").close()
n, end = 0, time.time() + secs
while time.time() < end:
    if select.select([s], [], [], max(0, end - time.time()))[0]:
        data, addr = s.recvfrom(2048)
        if data[0] == 135 and addr[0] == src:
            n += 1
print(n)
PY
}

# sent_arrived HOPS COUNT: how many of COUNT solicitations reach the edge.
sent_arrived() {
	local hops=$1 count=$2 ready=$TMPD/ready.$RANDOM out=$TMPD/count.$RANDOM pid
	in_ns edge python3 "$TMPD/ns_count.py" "${A6[stranger]}" 4 "$ready" > "$out" &
	pid=$!
	wait_until 20 test -e "$ready" || { diag "the counter did not start"; echo -1; return; }
	in_ns stranger python3 "$TMPD/ns_send.py" "${A6[edge]}" "$hops" "$count"
	wait "$pid"
	cat "$out"
}

mode_off_baseline() {
	local got
	le mode off || { fail "cannot turn the module off"; return; }
	got=$(sent_arrived 64 3)
	[ "$got" = 3 ] || fail "mode off: $got of 3 solicitations arrived, want 3 (the test cannot see them)"
}

# routed_denied HOPS
routed_denied() {
	local got before after
	le mode enforce || { fail "cannot enforce"; return; }
	le_show; before=$(deny_packets no-rule)
	got=$(sent_arrived "$1" 3)
	le_show; after=$(deny_packets no-rule)
	[ "$got" = 0 ] || fail "$got of 3 routed solicitations (hop limit $1) reached the edge"
	[ $((after - before)) -ge 3 ] ||
		fail "no-rule moved by $((after - before)), want at least 3"
}

lib_init
require_tool python3
write_tools
topo_create || skip_all "cannot build the topology"
config_sample monitor || skip_all "cannot configure the gateway"

run_case "routed neighbour solicitations reach the edge with the module off" mode_off_baseline
run_case "a routed solicitation, hop limit 64, from a stranger is denied" routed_denied 64
run_case "a routed solicitation sent with hop limit 255 is denied too" routed_denied 255
tap_finish
