#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading under load: with live configuration (the gateway in enforce, the
# edge host's own namespace in enforce, a second namespace in monitor) and
# traffic running (iperf3 edge -> messenger on row 4, an allowed and a
# denied UDP flood), "modprobe -r nf_lyncedge" succeeds, the kernel logs no
# warning, traffic goes on (the denied flood now gets through), and a
# reload starts from mode off with empty sets, in every namespace. Run it
# last: it leaves the module loaded but with no configuration.

source "$(dirname "$0")/lib.sh"

IPERF_PORT=50001
FLOOD_N=40000
FLOOD_US=400
FLOODS=()

iperf_listening() {
	in_ns messenger ss -Hltn "sport = :$IPERF_PORT" | grep -q .
}

start_traffic() {
	local pid
	in_ns messenger iperf3 -s -p $IPERF_PORT -D -I "$TMPD/iperf3-server.pid" \
		>/dev/null 2>&1 || { fail "iperf3 server did not start"; return; }
	wait_until 20 iperf_listening || { fail "iperf3 server not listening"; return; }
	PIDS+=("$(cat "$TMPD/iperf3-server.pid")")
	in_ns edge iperf3 -c "${A4[messenger]}" -p $IPERF_PORT -t 12 -b 5M \
		> "$TMPD/iperf3.out" 2>&1 &
	IPERF_PID=$!
	# Not in_ns (a function): $! must be the probe itself.
	"$PROBE" -N "${NS[messenger]}" udp-send -n $FLOOD_N -i $FLOOD_US -l 100 -s 33333 \
		"${A4[edge]}" 3478 2>/dev/null &
	FLOODS+=($!)
	"$PROBE" -N "${NS[stranger]}" udp-send -n $FLOOD_N -i $FLOOD_US -l 100 -s 33334 \
		"${A6[edge]}" 3478 2>/dev/null &
	FLOODS+=($!)
}

counters_moving() {
	le_show && le_parse || return 1
	[ "${CTR[rule4]:-0}" -ge 1 ] && [ "${CTR[rule6]:-0}" -ge 10 ] &&
		[ "${CTR[norule]:-0}" -ge 10 ] && [ "${CTR[state]:-0}" -ge 10 ]
}

traffic_flows() {
	start_traffic
	wait_until 30 counters_moving ||
		fail "counters not moving: $(echo "$LE_SHOW" | grep -E '^  [46] |no-rule|accepted')"
	[ "$(log_count edge "^udp ${A6[stranger]} 33334 ")" -eq 0 ] ||
		fail "the denied flood reached the edge in enforce mode"
}

unload() {
	local rc
	modprobe -r nf_lyncedge 2> "$TMPD/modprobe.err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "modprobe -r: exit $rc: $(cat "$TMPD/modprobe.err")"
	[ ! -d /sys/module/nf_lyncedge ] || fail "the module is still loaded"
}

no_warnings() {
	local t
	t=$(kernel_trouble)
	[ -z "$t" ] || fail "kernel log: $(echo "$t" | head -5)"
}

# After the unload nothing filters: the denied flood reaches the edge, the
# allowed one goes on, and a fresh stranger connection passes.
traffic_continues() {
	local before
	before=$(log_count edge "^udp ${A6[stranger]} 33334 ")
	wait_until 20 test "$(log_count edge "^udp ${A6[stranger]} 33334 ")" -gt "$before" ||
		fail "the formerly denied flood does not reach the edge"
	before=$(log_count edge "^udp ${A4[messenger]} 33333 ")
	wait_until 20 test "$(log_count edge "^udp ${A4[messenger]} 33333 ")" -gt "$before" ||
		fail "the allowed flood stopped"
	expect_probe ok stranger tcp-connect -d 100 "${A4[edge]}" 5061
	kill "${FLOODS[@]}" 2>/dev/null
	wait "${FLOODS[@]}" 2>/dev/null
	return 0
}

iperf_completes() {
	local rc
	wait "$IPERF_PID"
	rc=$?
	[ "$rc" -eq 0 ] || fail "iperf3 client: exit $rc: $(tail -3 "$TMPD/iperf3.out")"
	grep -q 'receiver' "$TMPD/iperf3.out" || fail "iperf3 printed no receiver summary"
}

reload_modprobe() {
	modprobe nf_lyncedge || { fail "modprobe nf_lyncedge failed"; return; }
	expect_pristine "$GW"
	expect_pristine "${NS[edge]}"
	expect_pristine "$OTHER_NS"
}

enforces_again() {
	config_sample enforce || { fail "cannot configure"; return; }
	counters_mark
	expect_probe ok partner tcp-connect "${A4[edge]}" 5061
	expect_probe timeout stranger tcp-connect "${A6[edge]}" 5061
	expect_counters rule1=1 norule=1+
}

# The CLI asks for the genetlink family, which loads the module on demand
# (MODULE_ALIAS_GENL_FAMILY); a second unload with an idle enforce config.
unload_idle_then_autoload() {
	modprobe -r nf_lyncedge || { fail "second modprobe -r failed"; return; }
	[ ! -d /sys/module/nf_lyncedge ] || fail "the module is still loaded"
	expect_pristine "$GW"
	[ -d /sys/module/nf_lyncedge ] || fail "lyncedge show did not load the module"
}

lib_init
[ -n "${LYNCEDGE_FAKE:-}" ] && skip_all "needs the real module"
require_tool iperf3 modprobe ss dmesg
DMESG_START=$(dmesg_lines)
topo_create || skip_all "cannot build the topology"
start_listeners || skip_all "cannot start the servers"
config_sample enforce || skip_all "cannot configure lyncedge"
config_sample -n "${NS[edge]}" enforce || skip_all "cannot configure lyncedge in the edge"
OTHER_NS=le-other-$RUN_ID
ns_create "$OTHER_NS" && config_sample -n "$OTHER_NS" monitor ||
	skip_all "cannot configure lyncedge in a third namespace"

run_case "enforce with traffic: iperf3 on row 4, UDP floods allowed and denied" traffic_flows
run_case "modprobe -r nf_lyncedge succeeds under load" unload
run_case "traffic continues after the unload, unfiltered" traffic_continues
run_case "iperf3 across the unload completes" iperf_completes
run_case "no warning in the kernel log" no_warnings
run_case "reload: mode off, empty sets, zero counters in every namespace" reload_modprobe
run_case "the reloaded module enforces again" enforces_again
run_case "unload with idle config; lyncedge show autoloads a pristine module" \
	unload_idle_then_autoload
run_case "still no warning in the kernel log" no_warnings

tap_finish
