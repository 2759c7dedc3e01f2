#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What conntrack state decides, in enforce mode: replies and ICMP errors of
# allowed flows pass, INVALID packets are denied, traffic that touches no
# edge address is left alone, and IPv6 neighbour discovery keeps working
# when the module runs in the Edge Server's own namespace (where its own
# address is in the edge set and drops at LOCAL_OUT reach the sender).

source "$(dirname "$0")/lib.sh"

# ---- ICMP errors and RSTs of allowed flows (no servers running yet) ----

udp_icmp_error() {	# FAMILY SRC DST ROW
	counters_mark
	expect_probe refused "$2" udp-request "$(addr "$1" "$3")" 3478
	expect_counters "rule$4=1" state=1
}

udp_icmp_error_denied() {	# FAMILY SRC DST
	counters_mark
	expect_probe timeout "$2" udp-request "$(addr "$1" "$3")" 3478
	expect_counters norule=1 state=0
}

tcp_rst() {		# FAMILY
	counters_mark
	expect_probe refused partner tcp-connect "$(addr "$1" edge)" 5061
	expect_counters rule1=1 state=1
}

# ---- replies through conntrack ----

tcp_data() {		# FAMILY SRC DST PORT ROW
	counters_mark
	expect_probe ok "$2" tcp-connect -d 200000 "$(addr "$1" "$3")" "$4"
	expect_counters "rule$5=1" state=10+
}

udp_reply() {		# FAMILY SRC DST ROW
	counters_mark
	expect_probe ok "$2" udp-request -l 64 "$(addr "$1" "$3")" 3478
	expect_counters "rule$4=1" state=1 \
		"state_bytes=$((64 + $(udp_overhead "$1")))"
}

# ---- traffic between non-edge hosts ----

untouched() {		# FAMILY
	local a s
	a=$(addr "$1" partner)
	s=$(addr "$1" stranger)
	expect_explain tcp "$1" partner stranger 5061 untouched
	expect_explain udp "$1" stranger partner 3478 untouched
	counters_mark
	expect_probe ok partner tcp-connect -d 1000 "$s" 5061
	expect_probe ok partner tcp-connect "$s" 40000
	expect_probe ok stranger tcp-connect "$a" 443
	expect_probe ok stranger udp-request "$a" 3478
	expect_probe ok partner udp-request "$s" 40000
	expect_probe ok client tcp-connect "$(addr "$1" messenger)" 50000
	expect_probe ok messenger udp-request "$(addr "$1" client)" 5061
	expect_counters state=0
}

# ---- INVALID ----

# invalid_segment FAMILY FLAGS: a hand-made TCP segment that
# conntrack marks INVALID, partner -> edge:5061 (a port row 1 would allow).
invalid_segment() {
	counters_mark
	expect_probe ok partner tcp-raw -f "$2" "$(addr "$1" partner)" "$(addr "$1" edge)" 5061
	expect_counters invalid=1
}

loose_ack() {		# FAMILY
	in_ns gw sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 >/dev/null ||
		{ fail "cannot set nf_conntrack_tcp_loose"; return; }
	invalid_segment "$1" A
	in_ns gw sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1 >/dev/null
}

# A TCP header cut to 8 bytes: denied as malformed, or as invalid when
# conntrack rejects it first; either way exactly one packet, and dropped.
truncated() {		# FAMILY
	local inv mal
	counters_mark
	expect_probe ok partner tcp-raw -L 8 "$(addr "$1" partner)" "$(addr "$1" edge)" 5061
	le_show && le_parse
	inv=$((CTR[invalid] - MARK[invalid]))
	mal=$((CTR[malformed] - MARK[malformed]))
	[ $((inv + mal)) -eq 1 ] ||
		fail "invalid moved by $inv, malformed by $mal: want one packet in all"
	expect_counters "invalid=$inv" "malformed=$mal"
}

# ---- untracked packets (nft notrack in the gateway's raw table) ----

notrack_on() {
	in_ns "$GW" nft -f - <<-EOF
		table inet lyncedge_selftest_raw {
			chain pre {
				type filter hook prerouting priority raw;
				udp dport 3478 notrack
			}
		}
	EOF
}

notrack_off() {
	in_ns "$GW" nft delete table inet lyncedge_selftest_raw
}

# Untracked packets are judged like new ones, one by one: the row counts
# each datagram, nothing is "invalid" or "established".
untracked_allowed() {	# FAMILY
	counters_mark
	expect_probe ok messenger udp-send -n 3 -l 10 "$(addr "$1" edge)" 3478
	expect_counters rule6=3 state=0
}

untracked_denied() {	# FAMILY
	counters_mark
	expect_probe timeout stranger udp-request "$(addr "$1" edge)" 3478
	expect_counters norule=1 state=0
}

# ---- the module in the edge's own namespace ----

flush_neigh() {
	ip -n "${NS[edge]}" neigh flush dev eth0
	ip -n "$GW" neigh flush dev edge
}

# local_allowed FAMILY SRC DST PORT ROW: an allowed flow through the edge
# namespace's LOCAL_OUT/LOCAL_IN right after the neighbour caches were
# flushed, so it needs neighbour discovery (IPv6) from the edge address.
local_allowed() {
	flush_neigh
	counters_mark "${NS[edge]}"
	expect_probe ok "$2" tcp-connect -d 100 "$(addr "$1" "$3")" "$4"
	expect_counters "rule$5=1"
	if [ "$1" = 6 ]; then
		ip -n "${NS[edge]}" -6 neigh show dev eth0 | grep -q "^${GW6[edge]} .*lladdr" ||
			fail "edge has no neighbour entry for ${GW6[edge]}"
	fi
}

local_denied_in() {	# FAMILY: stranger -> edge, dropped at the edge's LOCAL_IN
	flush_neigh
	counters_mark "${NS[edge]}"
	expect_probe timeout stranger tcp-connect "$(addr "$1" edge)" 5061
	expect_counters norule=1+
}

# A drop at LOCAL_OUT: a datagram's send() fails with EPERM; TCP's connect()
# does not see the error of its SYN (tcp_connect() ignores it) and times out.
local_denied_out_udp() {	# FAMILY
	flush_neigh
	counters_mark "${NS[edge]}"
	expect_probe eperm edge udp-send -n 2 "$(addr "$1" stranger)" 3478
	expect_counters norule=2
}

local_denied_out_tcp() {	# FAMILY
	flush_neigh
	counters_mark "${NS[edge]}"
	expect_probe timeout edge tcp-connect "$(addr "$1" stranger)" 5061
	expect_counters norule=1+
}

lib_init
topo_create || skip_all "cannot build the topology"
config_sample enforce || skip_all "cannot configure lyncedge"

for f in 4 6; do
	v="IPv$f"
	run_case "$v messenger -> edge udp/3478, no server: ICMP error reaches the sender" \
		udp_icmp_error $f messenger edge 6
	run_case "$v edge -> messenger udp/3478, no server: ICMP error reaches the sender" \
		udp_icmp_error $f edge messenger 5
	run_case "$v stranger -> edge udp/3478, no server: denied, no ICMP error back" \
		udp_icmp_error_denied $f stranger edge
	run_case "$v partner -> edge tcp/5061, no server: the RST reaches the partner" \
		tcp_rst $f
done

start_listeners || skip_all "cannot start the servers"
for f in 4 6; do
	v="IPv$f"
	run_case "$v partner -> edge tcp/5061: data both ways" tcp_data $f partner edge 5061 1
	run_case "$v edge -> partner tcp/5061: data both ways" tcp_data $f edge partner 5061 2
	run_case "$v client -> edge tcp/443: data both ways" tcp_data $f client edge 443 3
	run_case "$v edge -> messenger tcp/50000: data both ways" tcp_data $f edge messenger 50000 4
	run_case "$v messenger -> edge udp/3478: the answer comes back" udp_reply $f messenger edge 6
	run_case "$v edge -> messenger udp/3478: the answer comes back" udp_reply $f edge messenger 5
	run_case "$v traffic between non-edge hosts passes untouched and uncounted" untouched $f
	run_case "$v TCP SYN+FIN to edge: invalid, denied" invalid_segment $f SF
	run_case "$v TCP RST with no connection to edge: invalid, denied" invalid_segment $f R
	run_case "$v TCP ACK with no connection (nf_conntrack_tcp_loose=0): invalid, denied" loose_ack $f
	run_case "$v truncated TCP header to edge: denied" truncated $f
done

if command -v nft >/dev/null && notrack_on; then
	for f in 4 6; do
		run_case "IPv$f untracked messenger -> edge udp/3478: row 6, per packet" untracked_allowed $f
		run_case "IPv$f untracked stranger -> edge udp/3478: no-rule, not invalid" untracked_denied $f
	done
	notrack_off
else
	for f in 4 6; do
		skip_case "IPv$f untracked flows" "nft cannot add a notrack rule"
	done
fi

# The module in the edge host's own namespace, the gateway's switched off.
le mode off
config_sample -n "${NS[edge]}" enforce || skip_all "cannot configure lyncedge in the edge namespace"
for f in 6 4; do
	v="IPv$f"
	run_case "$v local edge: edge -> partner tcp/5061 allowed after neighbour flush" \
		local_allowed $f edge partner 5061 2
	run_case "$v local edge: partner -> edge tcp/5061 allowed after neighbour flush" \
		local_allowed $f partner edge 5061 1
	run_case "$v local edge: stranger -> edge tcp/5061 denied" local_denied_in $f
	run_case "$v local edge: edge -> stranger udp/3478 send fails with EPERM" \
		local_denied_out_udp $f
	run_case "$v local edge: edge -> stranger tcp/5061 connect times out" \
		local_denied_out_tcp $f
done

tap_finish
