#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every network namespace has its own mode, sets and counters. Two copies
# of the topology (A and B, same addresses, separate namespaces) run their
# gateways with different configurations; changing one leaves the other as
# it was, a fresh namespace starts off and empty, and deleting a namespace
# in enforce mode does not disturb another.

source "$(dirname "$0")/lib.sh"

fresh_namespace() {
	local ns=le-fresh-$RUN_ID
	ns_create "$ns" || { fail "cannot create $ns"; return; }
	expect_pristine "$ns"
}

modes_shown() {
	topo_use A
	le_show && [ "$(show_mode)" = enforce ] || fail "A: mode '$(show_mode)', want enforce"
	[ "$(set_size partners)" = 2 ] || fail "A: partners has $(set_size partners) prefixes, want 2"
	topo_use B
	le_show && [ "$(show_mode)" = monitor ] || fail "B: mode '$(show_mode)', want monitor"
	[ "$(set_size partners)" = 1 ] || fail "B: partners has $(set_size partners) prefixes, want 1"
}

# in_topo T WANT-PROBE COUNTERS... -- PROBE-ARGS: the probe in topology T;
# T's counters move as COUNTERS say, the other topology's not at all.
in_topo() {
	local t=$1 other want=$2 c=() other_before
	shift 2
	while [ "$1" != -- ]; do c+=("$1"); shift; done
	shift
	[ "$t" = A ] && other=B || other=A
	topo_use $other
	other_before=$(config_state)
	topo_use "$t"
	counters_mark
	expect_probe "$want" "$@"
	expect_counters "${c[@]}"
	topo_use $other
	[ "$(config_state)" = "$other_before" ] || fail "$other's counters or configuration moved"
	topo_use "$t"
}

# Reconfiguring B leaves A's mode, sets and counters as they were.
change_b() {
	local a_before
	topo_use A
	a_before=$(config_state)
	topo_use B
	le flush partners && le add partners 198.19.0.0/24 2001:db8:4::/64 &&
	le del messenger 198.18.0.0/24 && le add edge 192.0.2.99 &&
	le mode enforce || fail "cannot reconfigure B"
	topo_use A
	[ "$(config_state)" = "$a_before" ] || fail "A changed with B"
}

delete_b() {
	topo_use B
	ip netns del "$GW" || { fail "cannot delete B's gateway"; return; }
	topo_use A
	le_show && [ "$(show_mode)" = enforce ] || fail "A: mode '$(show_mode)' after B's deletion"
	counters_mark
	expect_probe ok partner tcp-connect "$(addr 4 edge)" 5061
	expect_probe timeout stranger tcp-connect "$(addr 4 edge)" 5061
	expect_counters rule1=1 norule=1+
}

lib_init
topo_create a || skip_all "cannot build topology A"
start_listeners || skip_all "cannot start the servers"
config_sample enforce || skip_all "cannot configure lyncedge in A"
topo_save A
topo_create b || skip_all "cannot build topology B"
start_listeners || skip_all "cannot start the servers"
config_sample monitor && le del partners 2001:db8:1::/64 ||
	skip_all "cannot configure lyncedge in B"
topo_save B

run_case "a fresh namespace: mode off, empty sets, zero counters" fresh_namespace
run_case "A enforce, B monitor with other sets: each shows its own" modes_shown
for f in 4 6; do
	v="IPv$f"
	e=$(addr $f edge)
	run_case "$v stranger -> edge tcp/5061: denied in A, B untouched" \
		in_topo A timeout norule=1+ -- stranger tcp-connect "$e" 5061
	run_case "$v stranger -> edge tcp/5061: passes in B, counted in B only" \
		in_topo B ok norule=1 -- stranger tcp-connect "$e" 5061
	run_case "$v partner -> edge tcp/5061: row 1 in A" \
		in_topo A ok rule1=1 -- partner tcp-connect "$e" 5061
done
run_case "IPv4 partner -> edge tcp/5061: row 1 in B" \
	in_topo B ok rule1=1 -- partner tcp-connect "$(addr 4 edge)" 5061
run_case "IPv6 partner -> edge tcp/5061: no-rule in B (its prefix deleted in B only)" \
	in_topo B ok norule=1 -- partner tcp-connect "$(addr 6 edge)" 5061

run_case "reconfiguring B (sets, mode enforce) leaves A as it was" change_b
for f in 4 6; do
	v="IPv$f"
	e=$(addr $f edge)
	run_case "$v stranger -> edge tcp/5061: now a partner of B, allowed in B" \
		in_topo B ok rule1=1 -- stranger tcp-connect "$e" 5061
	run_case "$v stranger -> edge tcp/5061: still denied in A" \
		in_topo A timeout norule=1+ -- stranger tcp-connect "$e" 5061
	run_case "$v partner -> edge tcp/5061: denied in B" \
		in_topo B timeout norule=1+ -- partner tcp-connect "$e" 5061
	run_case "$v partner -> edge tcp/5061: still allowed in A" \
		in_topo A ok rule1=1 -- partner tcp-connect "$e" 5061
done
run_case "deleting B's gateway (in enforce) leaves A enforcing" delete_b

tap_finish
