#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The six rows of the Lync public IM connectivity table, in enforce mode on
# the gateway: each row lets its flows start in its direction only, and
# nothing else that touches the Edge Server starts: wrong port, wrong
# protocol, wrong peer set. IPv4 and IPv6.

source "$(dirname "$0")/lib.sh"

SPORT=30000
next_sport() { SPORT=$((SPORT + 1)); }

# tcp_allowed FAMILY SRC DST PORT ROW: connect, data both ways; only ROW
# counts, one packet (the SYN; the rest is established).
tcp_allowed() {
	expect_explain tcp "$1" "$2" "$3" "$4" "row $5"
	counters_mark
	expect_probe ok "$2" tcp-connect -d 100 "$(addr "$1" "$3")" "$4"
	expect_counters "rule$5=1"
}

# tcp_denied FAMILY SRC DST PORT [SPORT]: the SYN is dropped and counted
# as no-rule (a retransmitted SYN may count too).
tcp_denied() {
	local sport=()
	[ $# -ge 5 ] && sport=(-s "$5")
	expect_explain tcp "$1" "$2" "$3" "$4" denied "${@:5}"
	counters_mark
	expect_probe timeout "$2" tcp-connect "${sport[@]}" "$(addr "$1" "$3")" "$4"
	expect_counters norule=1+
}

# udp_allowed FAMILY SRC DST PORT ROW: three one-way datagrams all reach
# DST and all count on ROW (no reply, so the flow stays NEW).
udp_allowed() {
	local len=100 n=3 got
	next_sport
	expect_explain udp "$1" "$2" "$3" "$4" "row $5" $SPORT
	counters_mark
	expect_probe ok "$2" udp-send -n $n -l $len -s $SPORT "$(addr "$1" "$3")" "$4"
	wait_until 5 test "$(log_count "$3" "^udp $(addr "$1" "$2") $SPORT ")" -ge $n
	got=$(log_count "$3" "^udp $(addr "$1" "$2") $SPORT ")
	[ "$got" -eq $n ] || fail "$3 received $got datagrams, want $n"
	expect_counters "rule$5=$n" "rule$5_bytes=$((n * (len + $(udp_overhead "$1"))))"
}

# udp_denied FAMILY SRC DST PORT: one datagram, dropped and counted.
udp_denied() {
	local got
	next_sport
	expect_explain udp "$1" "$2" "$3" "$4" denied $SPORT
	counters_mark
	expect_probe timeout "$2" udp-request -s $SPORT "$(addr "$1" "$3")" "$4"
	got=$(log_count "$3" "^udp $(addr "$1" "$2") $SPORT ")
	[ "$got" -eq 0 ] || fail "$3 received $got datagrams, want none"
	expect_counters norule=1
}

# With IPv4 options (4 bytes) or an IPv6 destination options header (8
# bytes) the transport header moves: the module must find it anyway.
ip_opts_len() { if [ "$1" = 4 ]; then echo 4; else echo 8; fi; }
syn_len() { if [ "$1" = 4 ]; then echo 60; else echo 80; fi; }

tcp_options_allowed() {	# FAMILY
	counters_mark
	expect_probe ok partner tcp-connect -x -d 100 "$(addr "$1" edge)" 5061
	expect_counters rule1=1 "rule1_bytes=$(($(syn_len "$1") + $(ip_opts_len "$1")))"
}

tcp_options_denied() {	# FAMILY SRC PORT
	counters_mark
	expect_probe timeout "$2" tcp-connect -x "$(addr "$1" edge)" "$3"
	expect_counters norule=1+
}

udp_options_allowed() {	# FAMILY
	counters_mark
	expect_probe ok messenger udp-send -x -n 2 -l 100 "$(addr "$1" edge)" 3478
	expect_counters rule6=2 \
		"rule6_bytes=$((2 * (100 + $(udp_overhead "$1") + $(ip_opts_len "$1"))))"
}

udp_options_denied() {	# FAMILY
	counters_mark
	expect_probe timeout partner udp-request -x "$(addr "$1" edge)" 3478
	expect_counters norule=1
}

icmp_denied() {		# FAMILY SRC DST
	counters_mark
	expect_probe timeout "$2" icmp-echo "$(addr "$1" "$3")"
	expect_counters norule=1
}

lib_init
topo_create || skip_all "cannot build the topology"
start_listeners || skip_all "cannot start the servers"
config_sample enforce || skip_all "cannot configure lyncedge"

for f in 4 6; do
	v="IPv$f"
	# Each row in its direction, counted on that row only.
	run_case "$v row 1: partner -> edge tcp/5061 allowed" tcp_allowed $f partner edge 5061 1
	run_case "$v row 2: edge -> partner tcp/5061 allowed" tcp_allowed $f edge partner 5061 2
	run_case "$v row 3: client -> edge tcp/443 allowed" tcp_allowed $f client edge 443 3
	run_case "$v row 4: edge -> messenger tcp/50000 allowed" tcp_allowed $f edge messenger 50000 4
	run_case "$v row 5: edge -> messenger udp/3478 allowed" udp_allowed $f edge messenger 3478 5
	run_case "$v row 6: messenger -> edge udp/3478 allowed" udp_allowed $f messenger edge 3478 6

	# The reverse of the one-way rows (rows 1/2 and 5/6 are each other's
	# reverse, told apart above by which row counts).
	run_case "$v row 3 reversed: edge -> client tcp/443 denied" tcp_denied $f edge client 443
	run_case "$v row 4 reversed: messenger -> edge tcp/50000 denied" tcp_denied $f messenger edge 50000

	# Wrong port.
	run_case "$v partner -> edge tcp/40000 denied" tcp_denied $f partner edge 40000
	run_case "$v partner -> edge tcp/40000 from source port 5061 denied" tcp_denied $f partner edge 40000 5061
	run_case "$v edge -> partner tcp/443 denied" tcp_denied $f edge partner 443
	run_case "$v messenger -> edge udp/5061 denied" udp_denied $f messenger edge 5061

	# Wrong protocol.
	run_case "$v partner -> edge udp/5061 denied" udp_denied $f partner edge 5061
	run_case "$v client -> edge udp/443 denied" udp_denied $f client edge 443
	run_case "$v messenger -> edge tcp/3478 denied" tcp_denied $f messenger edge 3478
	run_case "$v edge -> messenger tcp/3478 denied" tcp_denied $f edge messenger 3478

	# Wrong set.
	run_case "$v client -> edge tcp/5061 denied" tcp_denied $f client edge 5061
	run_case "$v partner -> edge tcp/443 denied" tcp_denied $f partner edge 443
	run_case "$v partner -> edge udp/3478 denied" udp_denied $f partner edge 3478
	run_case "$v edge -> client tcp/5061 denied" tcp_denied $f edge client 5061
	run_case "$v edge -> partner tcp/50000 denied" tcp_denied $f edge partner 50000
	run_case "$v edge -> stranger udp/3478 denied" udp_denied $f edge stranger 3478
	run_case "$v stranger -> edge tcp/5061 denied" tcp_denied $f stranger edge 5061
	run_case "$v stranger -> edge tcp/443 denied" tcp_denied $f stranger edge 443
	run_case "$v stranger -> edge udp/3478 denied" udp_denied $f stranger edge 3478
	run_case "$v edge -> stranger tcp/5061 denied" tcp_denied $f edge stranger 5061

	# Row 4's port range, at its edges.
	run_case "$v edge -> messenger tcp/49999 denied" tcp_denied $f edge messenger 49999
	run_case "$v edge -> messenger tcp/59999 allowed" tcp_allowed $f edge messenger 59999 4
	run_case "$v edge -> messenger tcp/60000 denied" tcp_denied $f edge messenger 60000

	# Not TCP or UDP: no row.
	run_case "$v partner -> edge ICMP echo denied" icmp_denied $f partner edge
	run_case "$v edge -> messenger ICMP echo denied" icmp_denied $f edge messenger

	# IP options / extension headers before the transport header.
	o=$([ $f = 4 ] && echo "IP options" || echo "a destination options header")
	run_case "$v partner -> edge tcp/5061 with $o allowed (row 1)" tcp_options_allowed $f
	run_case "$v stranger -> edge tcp/5061 with $o denied" tcp_options_denied $f stranger 5061
	run_case "$v partner -> edge tcp/443 with $o denied" tcp_options_denied $f partner 443
	run_case "$v messenger -> edge udp/3478 with $o allowed (row 6)" udp_options_allowed $f
	run_case "$v partner -> edge udp/3478 with $o denied" udp_options_denied $f
done

tap_finish
