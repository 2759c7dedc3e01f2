#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packet fuzzing (tools/pktfuzz.c): crafted and mutated frames sent into
# the gateway towards and from the edge address, in enforce mode with
# config_sample's sets (pic only). Every host's interface is captured; a
# host has no address left, so it answers nothing and what it captures is
# exactly what the gateway forwarded to it.
#
# Each class of frames has its expectation below: how many datagrams
# arrive, where, and which counters move, by how much ("sent" = every
# frame the class sent). Where the kernel drops a frame before the
# FORWARD hook, nothing may move and nothing may arrive. What decides,
# for a forwarded packet (module/hooks.c, then conntrack, defrag and the
# IP input path, which run before it):
#   - ip_rcv()/ip6_rcv() drop bad IP headers (IHL, version, header
#     checksum, a length beyond the frame, a bad leading hop-by-hop
#     header) before PREROUTING, and trim a frame to a shorter length;
#     IPv4 options are checked after PREROUTING, before FORWARD;
#   - defrag reassembles before conntrack: lyncedge judges whole
#     datagrams, once; pieces that never complete a datagram, and
#     overlapping ones, never reach it;
#   - a transport header lyncedge cannot read (TCP/UDP ports; an ICMPv6
#     header; an IPv6 header chain that runs out) is malformed, whatever
#     conntrack thought of it;
#   - a readable header that conntrack refuses (bad checksum, TCP data
#     offset or flags, UDP length, an ICMP error about no flow) is invalid;
#   - the rest is judged by the rows; ICMP errors about a live flow pass
#     as RELATED state.
# The mutation classes check, on random frames, that every arrival is
# allowed by a row (or by state) and was counted so.
#
# LYNCEDGE_PKTFUZZ_SEED fixes the seed (printed otherwise);
# LYNCEDGE_PKTFUZZ_N sets the frames per mutation class (default 1000).

source "$(dirname "$0")/lib.sh"

SEED=${LYNCEDGE_PKTFUZZ_SEED:-$(( ($(date +%s) * 1000 + RANDOM) % 1000000000 ))}
MUTANTS=${LYNCEDGE_PKTFUZZ_N:-1000}
PKTFUZZ=

build_pktfuzz() {
	local out=${PROBE_DIR:-$REPO_DIR/build/selftests}

	PKTFUZZ=$out/pktfuzz
	make -s -q -C "$SELFTESTS_DIR/tools" OUT="$out" "$PKTFUZZ" 2>/dev/null ||
		make -s -C "$SELFTESTS_DIR/tools" OUT="$out" "$PKTFUZZ" >&2 ||
		skip_all "cannot build selftests/tools/pktfuzz"
}

# The hosts lose their addresses (no RST, no ICMP error, no neighbour
# discovery from them); the gateway gets permanent neighbour entries for
# the addresses, so it still forwards to the hosts' MACs.
quiet_hosts() {
	local h link mac re='link/ether ([0-9a-f:]+)'

	for h in $HOSTS; do
		link=$(ip -n "${NS[$h]}" -o link show eth0) || return 1
		[[ $link =~ $re ]] || return 1
		mac=${BASH_REMATCH[1]}
		ip -n "${NS[$h]}" addr flush dev eth0 || return 1
		ip -n "$GW" -b - <<-EOF || return 1
			neigh replace ${A4[$h]} lladdr $mac dev $h nud permanent
			neigh replace ${A6[$h]} lladdr $mac dev $h nud permanent
		EOF
	done
}

# What each class must do. Keys: arrived (datagrams that reached a host;
# 0 unless named), at (where: HOST:N,...), norow (arrivals the rows do
# not allow, i.e. ICMP errors passing as state; 0 unless named), and
# counters as le_parse names them (not named: must not move). "sent" as a
# value is the number of frames the class sent.
declare -A WANT=() DESC=()
want() { WANT[$1]=$2; DESC[$1]=$3; }

for f in 4 6; do
	want v$f-baseline "arrived=4 at=edge:2,partner:1,messenger:1 rule1=1 rule2=1 rule5=1 rule6=1" \
		"valid SYNs and datagrams both ways arrive, counted by rows 1, 2, 5, 6"
	want v$f-tcp-trunc "malformed=sent" "TCP header cut at 0..19 bytes: malformed"
	want v$f-udp-trunc "malformed=sent" "UDP header cut at 0..7 bytes: malformed"
	want v$f-out-trunc "malformed=sent" "from the edge, TCP and UDP headers cut short: malformed"
	want v$f-len-short "malformed=sent" \
		"IP length shorter than the frame, cutting the TCP header: trimmed, malformed"
	want v$f-len-long "" "IP length beyond the frame: dropped by the stack, nothing counted"
	want v$f-tcp-invalid "invalid=sent" \
		"TCP data offset 0-4/6-15, bad checksum, FIN/SYN+FIN/SYN+RST/RST/no flags: invalid"
	want v$f-tcp-midstream "arrived=1 at=edge:1 rule1=1 norule=1" \
		"an ACK of no connection is a new flow (tcp_loose): row 1 for the partner, no-rule for the stranger"
	want v$f-udp-invalid "invalid=sent" "UDP length below 8 or beyond the datagram, bad checksum: invalid"
	want v$f-proto "norule=sent" "IP protocols 253, 254, 143 both ways: no-rule"
	want v$f-frag-denied "norule=2" "fragmented datagrams of denied flows: reassembled, no-rule once each"
	want v$f-frag-held "" "later fragments alone, a first fragment alone: held by defrag, nothing counted"
	want v$f-frag-overlap "" "overlapping fragments: the queue is dropped, nothing counted"
	want v$f-frag-dup "arrived=1 at=edge:1 rule1=1" \
		"a duplicate first fragment with other ports is dropped; the judged datagram arrives"
	want v$f-icmp-setup "arrived=2 at=edge:1,messenger:1 rule5=1 rule6=1" \
		"the flows the ICMP classes quote (rows 5 and 6)"
	want v$f-icmp-related "arrived=2 at=edge:1,messenger:1 norow=2 state=2" \
		"errors quoting a live flow, each end to the other: RELATED, pass as state"
	want v$f-icmp-thirdparty "arrived=1 at=edge:1 norow=1 state=1" \
		"a stranger's error quoting the edge's live flow: conntrack checks only its destination, RELATED"
	want v$f-icmp-unrelated "invalid=3" \
		"errors quoting no flow, or a live flow but sent to its wrong end: invalid"
done
# IPv4 has no UDP checksum at will; IPv6 requires one (RFC 8200), but
# conntrack does not check that: the rows judge it, and it arrives.
want v4-udp-nocsum "arrived=1 at=edge:1 rule6=1" "UDP without checksum: row 6"
want v6-udp-nocsum "arrived=1 at=edge:1 rule6=1" \
	"UDP checksum 0 (not allowed by RFC 8200, not checked by conntrack): row 6"
want v4-hdr-bad "" "bad header checksum, IHL 0-4 or beyond the length, version 5: dropped by ip_rcv"
want v4-opts-allowed "arrived=3 at=edge:3 rule1=3" "NOPs, a 40-byte unknown option, a timestamp: row 1"
want v4-opts-denied "norule=3" "the same options from a stranger: no-rule"
want v4-opts-bad "" "option lengths 1, past the header, past IHL, timestamp pointer 1: dropped by the stack"
want v6-ext-allowed "arrived=6 at=edge:6 rule1=6" \
	"1, 8, 32 destination options headers, a 64-byte one, hop-by-hop + 16, a later hop-by-hop: row 1"
want v6-ext-denied "norule=2" "long chains on denied flows: no-rule"
want v6-ext-trunc "malformed=3" "a chain that runs past the packet, a TCP header cut after 8 headers: malformed"
# A chain that ends in "no next header" is well formed (not malformed),
# but conntrack finds no protocol in it and leaves it untracked: invalid.
want v6-nonext "invalid=2" "next header 59 (none), directly and after two headers: invalid, by conntrack"
want v6-hbh-bad "" "hop-by-hop with a discard option, 8+ bytes of padding, past the packet: dropped by ip6_rcv"
want v4-frag-allowed "arrived=3 at=edge:3 rule1=1 rule6=2" \
	"fragments in order, reversed, a tiny (8-byte) first fragment: reassembled, one row verdict each"
want v6-frag-allowed "arrived=4 at=edge:4 rule1=1 rule6=3" \
	"fragments in order, reversed, TCP header alone in the first, after 8 headers: one row verdict each"
want v6-frag-tiny "malformed=1" \
	"a first fragment without the whole TCP header (RFC 8200): not reassembled, malformed"
want v6-atomic-allowed "arrived=2 at=edge:2 rule1=1 rule6=1" "atomic fragments of allowed flows: rows 1 and 6"
want v6-atomic-denied "norule=2" "atomic fragments of denied flows: no-rule"
want v4-icmp-trunc "invalid=2" "an ICMP error quoting no ports, a 4-byte ICMP message: invalid"
# lyncedge reads ICMPv6's 4-byte header (the type, for neighbour
# discovery); conntrack wants 8 bytes of either, as for IPv4.
want v6-icmp-trunc "invalid=2" "an ICMPv6 error quoting no ports, a 4-byte ICMPv6 message: invalid"

CRAFTED="v4-baseline v6-baseline
	v4-tcp-trunc v6-tcp-trunc v4-udp-trunc v6-udp-trunc v4-out-trunc v6-out-trunc
	v4-len-short v6-len-short v4-len-long v6-len-long v4-hdr-bad
	v4-tcp-invalid v6-tcp-invalid v4-tcp-midstream v6-tcp-midstream
	v4-udp-invalid v6-udp-invalid v4-udp-nocsum v6-udp-nocsum
	v4-opts-allowed v4-opts-denied v4-opts-bad
	v6-ext-allowed v6-ext-denied v6-ext-trunc v6-nonext v6-hbh-bad
	v4-proto v6-proto
	v4-frag-allowed v6-frag-allowed v4-frag-denied v6-frag-denied
	v4-frag-held v6-frag-held v4-frag-overlap v6-frag-overlap
	v4-frag-dup v6-frag-dup v6-frag-tiny v6-atomic-allowed v6-atomic-denied
	v4-icmp-setup v6-icmp-setup v4-icmp-related v6-icmp-related
	v4-icmp-thirdparty v6-icmp-thirdparty v4-icmp-unrelated v6-icmp-unrelated
	v4-icmp-trunc v6-icmp-trunc"
MUTATE="v4-mutate-in v6-mutate-in v4-mutate-out v6-mutate-out"

# The tool's lines, by class: "sent N arrived N at ... moved ...".
declare -A GOT=()
PHASE_OK=0

# run_phase NAME SEED CLASS...: one pktfuzz process for every class.
run_phase() {
	local name=$1 seed=$2 log=$TMPD/pktfuzz-$1.log rc line h
	local hosts=()
	shift 2
	for h in $HOSTS; do
		hosts+=(-H "$h=${NS[$h]}")
	done
	"$PKTFUZZ" -g "$GW" -L "$LYNCEDGE" "${hosts[@]}" -s "$seed" \
		-n "$MUTANTS" "$@" > "$log" 2>&1
	rc=$?
	sed 's/^# //; s/^/# /' "$log"
	PHASE_OK=1
	if [ "$rc" -ne 0 ]; then
		fail "pktfuzz ($name phase) exited $rc: pktfuzz -s $seed $*"
		PHASE_OK=0
	fi
	while read -r line; do
		[[ $line =~ ^class\ ([^ ]+)\ (.*)$ ]] && GOT[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
	done < "$log"
}

# got_field CLASS FIELD: a field of the class's line.
got_field() {
	local -a w
	local i
	read -ra w <<< "${GOT[$1]:-}"
	for ((i = 0; i + 1 < ${#w[@]}; i += 2)); do
		[ "${w[i]}" = "$2" ] && { echo "${w[i + 1]}"; return; }
	done
}

# The counters the class must move, "K=V,..." in the tool's order-free
# form, sorted; "sent" resolved.
want_moved() {
	local c=$1 sent=$2 kv out=()
	for kv in ${WANT[$c]}; do
		case ${kv%%=*} in arrived|at|norow) continue ;; esac
		[ "${kv#*=}" = sent ] && kv=${kv%%=*}=$sent
		out+=("$kv")
	done
	printf '%s\n' "${out[@]}" | sort | paste -sd, -
}

want_field() {
	local kv
	for kv in ${WANT[$1]}; do
		[ "${kv%%=*}" = "$2" ] && { echo "${kv#*=}"; return; }
	done
	echo "$3"
}

# check_class CLASS: its line against its expectation.
check_class() {
	local c=$1 sent arrived at norow moved want

	[ -n "${GOT[$c]:-}" ] || { fail "pktfuzz printed no line for $c"; return; }
	sent=$(got_field "$c" sent)
	[ "$sent" -gt 0 ] || fail "$c sent nothing"
	arrived=$(got_field "$c" arrived)
	want=$(want_field "$c" arrived 0)
	[ "$arrived" = "$want" ] || fail "$c: $arrived datagrams arrived, want $want"
	at=$(got_field "$c" at)
	want=$(want_field "$c" at -)
	[ "$at" = "$want" ] || fail "$c: arrived at '$at', want '$want'"
	norow=$(got_field "$c" norow)
	want=$(want_field "$c" norow 0)
	[ "$norow" = "$want" ] || fail "$c: $norow arrivals no row allows, want $want"
	moved=$(got_field "$c" moved | tr , '\n' | grep -v '^-$' | sort | paste -sd, -)
	want=$(want_moved "$c" "$sent")
	[ "$moved" = "$want" ] || fail "$c: counters moved '${moved:--}', want '${want:--}'"
}

# check_mutants CLASS: no arrival the rows do not allow, every arrival
# counted (the tool's "violations"), and the class did exercise both
# sides: something arrived, something was denied.
check_mutants() {
	local c=$1 v arrived moved

	[ -n "${GOT[$c]:-}" ] || { fail "pktfuzz printed no line for $c"; return; }
	v=$(got_field "$c" violations)
	[ "$v" = 0 ] || fail "$c: $v violations (seed $SEED)"
	arrived=$(got_field "$c" arrived)
	[ "$arrived" -gt 0 ] || fail "$c: no mutant arrived: the class tested nothing"
	moved=$(got_field "$c" moved)
	[[ $moved =~ (malformed|invalid|norule)= ]] ||
		fail "$c: no deny counter moved ('$moved')"
}

# The whole crafted phase, through lib.sh's counters: each counter moved
# by the sum of what the classes expect.
crafted_totals() {
	local -A sum=()
	local c kv k specs=()

	for c in $CRAFTED; do
		for kv in $(want_moved "$c" "$(got_field "$c" sent)" | tr , ' '); do
			k=${kv%%=*}
			sum[$k]=$(( ${sum[$k]:-0} + ${kv#*=} ))
		done
	done
	for k in "${!sum[@]}"; do
		specs+=("$k=${sum[$k]}")
	done
	# state: only what the classes expect, exactly.
	[ -n "${sum[state]:-}" ] || specs+=(state=0)
	expect_counters "${specs[@]}"
}

phase_ran() { [ "$PHASE_OK" -eq 1 ] || fail "the phase did not complete"; }

lib_init
build_pktfuzz
topo_create || skip_all "cannot build the topology"
quiet_hosts || skip_all "cannot take the hosts' addresses"
config_sample enforce || skip_all "cannot configure lyncedge"

diag "seed $SEED (LYNCEDGE_PKTFUZZ_SEED=$SEED reproduces it)"
counters_mark
start=$SECONDS
# shellcheck disable=SC2086
run_phase crafted "$SEED" $CRAFTED
diag "crafted phase: $((SECONDS - start)) s"
run_case "crafted phase: pktfuzz ran every class" phase_ran
for c in $CRAFTED; do
	run_case "$c: ${DESC[$c]}" check_class "$c"
done
run_case "crafted phase: lyncedge show agrees, counter by counter" crafted_totals

# Last: a mutant from the edge whose destination the gateway cannot
# resolve is answered, seconds later, by an ICMP error to the edge that
# lyncedge judges (as state); no exact count may follow it.
start=$SECONDS
# shellcheck disable=SC2086
run_phase mutate "$((SEED + 1))" $MUTATE
diag "mutation phase: $((SECONDS - start)) s"
run_case "mutation phase: pktfuzz ran every class" phase_ran
for c in $MUTATE; do
	run_case "$c: $MUTANTS mutants of allowed packets: whatever arrives, a row allowed and counted" \
		check_mutants "$c"
done
tap_finish
