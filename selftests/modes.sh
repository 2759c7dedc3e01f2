#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Modes and counters: monitor lets denied flows pass but counts them exactly
# as enforce would; off lets everything pass and counts nothing; counters
# match what was sent (packets, and bytes = L3 length); set changes apply to
# new flows while an established connection survives its prefix's removal.

source "$(dirname "$0")/lib.sh"

SPORT=31000
next_sport() { SPORT=$((SPORT + 1)); }

# udp_burst FAMILY SRC DST PORT COUNT LEN KEY: COUNT datagrams all arrive
# (wait for them in DST's log) and KEY counts COUNT packets of L3 length.
udp_burst() {
	local got pat
	next_sport
	counters_mark
	expect_probe ok "$2" udp-send -n "$5" -l "$6" -s $SPORT "$(addr "$1" "$3")" "$4"
	pat="^udp $(addr "$1" "$2") $SPORT "
	wait_until 5 test "$(log_count "$3" "$pat")" -ge "$5"
	got=$(log_count "$3" "$pat")
	[ "$got" -eq "$5" ] || fail "$3 received $got datagrams, want $5"
	expect_counters "$7=$5" "$7_bytes=$(($5 * ($6 + $(udp_overhead "$1"))))"
}

# udp_burst_dropped FAMILY SRC DST PORT COUNT LEN: enforce drops them all
# and no-rule counts them.
udp_burst_dropped() {
	local got
	next_sport
	counters_mark
	expect_probe ok "$2" udp-send -n "$5" -l "$6" -s $SPORT "$(addr "$1" "$3")" "$4"
	expect_counters "norule=$5" "norule_bytes=$(($5 * ($6 + $(udp_overhead "$1"))))"
	got=$(log_count "$3" "^udp $(addr "$1" "$2") $SPORT ")
	[ "$got" -eq 0 ] || fail "$3 received $got datagrams, want none"
}

# tcp_counted FAMILY SRC DST PORT KEY: connects; KEY counts exactly the SYN
# (60 bytes over IPv4, 80 over IPv6: Linux's SYN carries 20 option bytes).
tcp_counted() {
	counters_mark
	expect_probe ok "$2" tcp-connect -d 100 "$(addr "$1" "$3")" "$4"
	expect_counters "$5=1" "$5_bytes=$([ "$1" = 4 ] && echo 60 || echo 80)"
}

tcp_denied() {		# FAMILY SRC DST PORT
	counters_mark
	expect_probe timeout "$2" tcp-connect "$(addr "$1" "$3")" "$4"
	expect_counters norule=1+
}

invalid_counted() {	# FAMILY
	counters_mark
	expect_probe ok partner tcp-raw -f SF "$(addr "$1" partner)" "$(addr "$1" edge)" 5061
	expect_counters invalid=1
}

# mode_off_quiet FAMILY: with mode off, allowed, denied and invalid traffic
# all pass and no counter moves.
mode_off_quiet() {
	counters_mark
	expect_probe ok stranger tcp-connect -d 100 "$(addr "$1" edge)" 5061
	expect_probe ok partner tcp-connect -d 100 "$(addr "$1" edge)" 5061
	expect_probe ok client udp-request "$(addr "$1" edge)" 3478
	expect_probe ok messenger udp-request "$(addr "$1" edge)" 3478
	expect_probe ok partner tcp-raw -f SF "$(addr "$1" partner)" "$(addr "$1" edge)" 5061
	expect_counters state=0
}

expect_mode_and_sets() {	# MODE
	le_show || return 1
	[ "$(show_mode)" = "$1" ] || fail "mode is '$(show_mode)', want $1"
	local s
	for s in edge partners clients messenger; do
		[ "$(set_size $s)" = 2 ] || fail "set $s has '$(set_size $s)' prefixes, want 2 (sets outlive modes)"
	done
}

set_mode() {		# MODE
	le mode "$1" || fail "lyncedge mode $1 failed"
	expect_mode_and_sets "$1"
}

# ---- set changes ----

# "Anyone": 0.0.0.0/0 and ::/0 in clients admit the stranger on 443.
any_prefix() {		# FAMILY
	local any
	any=$([ "$1" = 4 ] && echo 0.0.0.0/0 || echo ::/0)
	le add clients "$any" || fail "add $any failed"
	counters_mark
	expect_probe ok stranger tcp-connect "$(addr "$1" edge)" 443
	expect_probe ok partner tcp-connect "$(addr "$1" edge)" 443
	expect_counters rule3=2
	le del clients "$any" || fail "del $any failed"
	tcp_denied "$1" stranger edge 443
}

prefix_of() { if [ "$1" = 4 ]; then echo 198.51.100.0/24; else echo 2001:db8:1::/64; fi; }

del_then_add() {	# FAMILY
	le del partners "$(prefix_of "$1")" || fail "del failed"
	tcp_denied "$1" partner edge 5061
	le add partners "$(prefix_of "$1")" || fail "add failed"
	counters_mark
	expect_probe ok partner tcp-connect "$(addr "$1" edge)" 5061
	expect_counters rule1=1
}

stranger_added() {	# FAMILY
	local p
	p=$(addr "$1" stranger)
	le add partners "$p" || fail "add failed"
	counters_mark
	expect_probe ok stranger tcp-connect "$(addr "$1" edge)" 5061
	expect_counters rule1=1
	le del partners "$p" || fail "del failed"
	tcp_denied "$1" stranger edge 5061
}

# session_send: one line over the open session; prints the probe's word.
session_send() {
	local line
	echo "$1" >&"${SESS[1]}"
	read -r -t 20 -u "${SESS[0]}" line || line="no answer from probe"
	echo "$line"
}

established_survives() {	# FAMILY
	local line
	coproc SESS { "$PROBE" -N "${NS[partner]}" tcp-session -t "$PASS_MS" "$(addr "$1" edge)" 5061 2>/dev/null; }
	read -r -t 20 -u "${SESS[0]}" line
	[ "$line" = connected ] || { fail "session: '$line', want connected"; return; }
	[ "$(session_send hello)" = ok ] || fail "no echo before the change"
	le del partners "$(prefix_of "$1")" || fail "del failed"
	counters_mark
	line=$(session_send again)
	[ "$line" = ok ] || fail "echo after the prefix was removed: '$line', want ok"
	expect_counters state=2+
	line=${SESS[1]}
	exec {line}>&-		# EOF on the probe's stdin ends the session
	wait "$SESS_PID"
	le add partners "$(prefix_of "$1")" || fail "add failed"
}

lib_init
topo_create || skip_all "cannot build the topology"
start_listeners || skip_all "cannot start the servers"
config_sample monitor || skip_all "cannot configure lyncedge"

# After the cases above the counters are far from zero: a reset must bring
# every one to zero, packets and bytes, and counting must go on from there.
counters_reset() {
	local k
	le_show && le_parse
	[ "${CTR[rule6]:-0}" -gt 0 ] || { fail "row 6 has counted nothing before the reset"; return; }
	le reset-counters || { fail "lyncedge reset-counters failed"; return; }
	le_show || { fail "lyncedge show failed"; return; }
	le_parse
	for k in $COUNTER_KEYS; do
		[ "${CTR[$k]:-}" = 0 ] && [ "${CTR[${k}_bytes]:-}" = 0 ] ||
			fail "counter $k is '${CTR[$k]:-}/${CTR[${k}_bytes]:-}' after the reset, want 0/0"
	done
	udp_burst 4 messenger edge 3478 3 100 rule6
	le_show && le_parse
	[ "${CTR[rule6]:-}" = 3 ] && [ "${CTR[rule6_bytes]:-}" = 384 ] ||
		fail "row 6 is '${CTR[rule6]:-}/${CTR[rule6_bytes]:-}' after the reset and 3 datagrams, want 3/384"
}

run_case "monitor: mode and sets shown" expect_mode_and_sets monitor
for f in 4 6; do
	v="IPv$f"
	run_case "$v monitor: stranger -> edge tcp/5061 passes, counted as no-rule" \
		tcp_counted $f stranger edge 5061 norule
	run_case "$v monitor: client -> edge tcp/5061 passes, counted as no-rule" \
		tcp_counted $f client edge 5061 norule
	run_case "$v monitor: 5 datagrams stranger -> edge udp/3478 pass, counted as no-rule" \
		udp_burst $f stranger edge 3478 5 100 norule
	run_case "$v monitor: partner -> edge tcp/5061 counted on row 1" \
		tcp_counted $f partner edge 5061 rule1
	run_case "$v monitor: invalid segment counted as invalid" invalid_counted $f
done

run_case "off: mode shown, sets kept" set_mode off
for f in 4 6; do
	run_case "IPv$f off: everything passes, no counter moves" mode_off_quiet $f
done

run_case "enforce: mode shown, sets kept" set_mode enforce
for f in 4 6; do
	v="IPv$f"
	run_case "$v 7 datagrams of 100 bytes messenger -> edge: row 6 counts them exactly" \
		udp_burst $f messenger edge 3478 7 100 rule6
	run_case "$v 5 datagrams of 300 bytes edge -> messenger: row 5 counts them exactly" \
		udp_burst $f edge messenger 3478 5 300 rule5
	run_case "$v 1 datagram of 1 byte messenger -> edge: row 6 counts it exactly" \
		udp_burst $f messenger edge 3478 1 1 rule6
	run_case "$v 4 datagrams of 50 bytes stranger -> edge dropped: no-rule counts them exactly" \
		udp_burst_dropped $f stranger edge 3478 4 50
	run_case "$v partner -> edge tcp/5061: row 1 counts the SYN only" \
		tcp_counted $f partner edge 5061 rule1
	run_case "$v a fragmented 3000-byte datagram messenger -> edge: row 6 counts one packet, reassembled" \
		udp_burst $f messenger edge 3478 1 3000 rule6
	run_case "$v a fragmented 3000-byte datagram stranger -> edge dropped: one packet" \
		udp_burst_dropped $f stranger edge 3478 1 3000
	run_case "$v 0.0.0.0/0 or ::/0 in clients admits anyone on 443" any_prefix $f
	run_case "$v partner prefix deleted: new connection denied; added back: allowed" \
		del_then_add $f
	run_case "$v stranger added to partners: allowed; deleted: denied" stranger_added $f
	run_case "$v established connection survives removal of its prefix" \
		established_survives $f
done
run_case "reset-counters: every counter reads zero, then counts afresh" counters_reset

tap_finish
