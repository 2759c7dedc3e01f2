#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Destination NAT on the gateway: the Edge Server is published at a public
# address of the gateway (100.64.0.10, 2001:db8:ff::10 on gw's lo) that nft
# translates to the edge host. The module filters at FORWARD, after DNAT,
# so the edge set holds the edge host's own (post-NAT) address. The edge's
# own flows leave with the public address as source (SNAT).

source "$(dirname "$0")/lib.sh"

PUB4=100.64.0.10
PUB6=2001:db8:ff::10
pub() { if [ "$1" = 4 ]; then echo $PUB4; else echo $PUB6; fi; }

nat_setup() {
	ip -n "$GW" addr add $PUB4/32 dev lo &&
	ip -n "$GW" addr add $PUB6/128 dev lo nodad &&
	in_ns "$GW" nft -f - <<-EOF
		table inet lyncedge_selftest_nat {
			chain pre {
				type nat hook prerouting priority dstnat;
				ip daddr $PUB4 dnat ip to ${A4[edge]}
				ip6 daddr $PUB6 dnat ip6 to ${A6[edge]}
			}
			chain post {
				type nat hook postrouting priority srcnat;
				oifname != "edge" ip saddr ${A4[edge]} snat ip to $PUB4
				oifname != "edge" ip6 saddr ${A6[edge]} snat ip6 to $PUB6
			}
		}
	EOF
}

# partner -> public:5061 reaches the edge host's own address, on row 1.
dnat_allowed() {	# FAMILY
	local before
	before=$(log_count edge "^tcp $(addr "$1" partner) [0-9]+ $(addr "$1" edge) 5061$")
	counters_mark
	expect_probe ok partner tcp-connect -d 100 "$(pub "$1")" 5061
	expect_counters rule1=1
	[ "$(log_count edge "^tcp $(addr "$1" partner) [0-9]+ $(addr "$1" edge) 5061$")" -eq $((before + 1)) ] ||
		fail "the edge did not log the connection to its own address"
}

dnat_denied() {		# FAMILY SRC PORT
	counters_mark
	expect_probe timeout "$2" tcp-connect "$(pub "$1")" "$3"
	expect_counters norule=1+
}

dnat_udp() {		# FAMILY: messenger -> public:3478, answered through both NATs
	counters_mark
	expect_probe ok messenger udp-request "$(pub "$1")" 3478
	expect_counters rule6=1 state=1
}

# edge -> partner:5061 leaves as the public address; still row 2 (the
# module sees the packet before SNAT, at FORWARD).
snat_allowed() {	# FAMILY
	local before
	before=$(log_count partner "^tcp $(pub "$1") [0-9]+ $(addr "$1" partner) 5061$")
	counters_mark
	expect_probe ok edge tcp-connect -d 100 "$(addr "$1" partner)" 5061
	expect_counters rule2=1
	[ "$(log_count partner "^tcp $(pub "$1") [0-9]+ $(addr "$1" partner) 5061$")" -eq $((before + 1)) ] ||
		fail "the partner did not see the public address as the source"
}

# With only the public (pre-NAT) address in edge, the translated traffic
# touches no edge address any more: it passes untouched, even the stranger.
pre_nat_set() {		# FAMILY
	counters_mark
	expect_probe ok stranger tcp-connect "$(pub "$1")" 5061
	expect_probe ok stranger tcp-connect "$(pub "$1")" 40000
	expect_counters state=0
}

lib_init
require_tool nft
topo_create || skip_all "cannot build the topology"
nat_setup || skip_all "cannot set up NAT on the gateway (nft nat support?)"
start_listeners || skip_all "cannot start the servers"
config_sample enforce || skip_all "cannot configure lyncedge"

for f in 4 6; do
	v="IPv$f"
	run_case "$v partner -> public address tcp/5061 reaches the edge (DNAT, row 1)" dnat_allowed $f
	run_case "$v partner -> public address tcp/443 stays denied" dnat_denied $f partner 443
	run_case "$v partner -> public address tcp/40000 stays denied" dnat_denied $f partner 40000
	run_case "$v stranger -> public address tcp/5061 stays denied" dnat_denied $f stranger 5061
	run_case "$v messenger -> public address udp/3478 answered (row 6)" dnat_udp $f
	run_case "$v edge -> partner tcp/5061 leaves with the public address (SNAT, row 2)" snat_allowed $f
done

set_pub_edge() {
	le flush edge && le add edge $PUB4 $PUB6 || fail "cannot change the edge set"
	expect_list_edge=$(le list edge | sort)
	[ "$expect_list_edge" = "$(printf '%s\n' $PUB4 $PUB6 | sort)" ] ||
		fail "edge set is [$expect_list_edge]"
}
run_case "edge set replaced by the public addresses" set_pub_edge
for f in 4 6; do
	run_case "IPv$f edge set with the pre-NAT address only: translated flows untouched" pre_nat_set $f
done

tap_finish
