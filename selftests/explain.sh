#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "lyncedge explain" says what real packets get: for a random configuration
# (a few hundred overlapping IPv4 and IPv6 prefixes in the four sets) and
# for every row and over a thousand random flows, the verdict explain gives
# is compared with what a real packet of the flow meets on the way through
# the gateway in enforce mode (allowed or not edge traffic: it arrives;
# denied: it does not), with an independent model of the table
# (tools/flows.py) and with the counters.
#
#   sender            gateway (nf_lyncedge, enforce,          receiver
#   eth0 ------------ s   forwarding, rp_filter off)   r ---- eth0
#                     10.99.0.1/30            10.99.1.1/30    10.99.1.2/30
#                                             fe80::1         fe80::2
#
# The sender writes each flow's first packet (TCP SYN or UDP datagram, its
# source address spoofed) straight to the gateway's MAC with a packet
# socket. The gateway routes everything (default routes, IPv4 and IPv6) to
# the receiver, whose packet socket records what comes out; its own stack
# then drops the packets (foreign destinations, no routes back). Every flow
# is new to conntrack, and none is the reverse of another.
#
# Deterministic given the seed: LYNCEDGE_SEED=N (or SEED=N) reproduces a
# run, the seed is printed first; LYNCEDGE_SAMPLE=N (or SAMPLE=N) sets the
# number of random flows, default 1000. (selftests/qemu/run.sh passes only
# LYNCEDGE_* variables into the VM.) Needs python3 for tools/flows.py, which
# makes the configuration, the flows and the packets.

source "$(dirname "$0")/lib.sh"

SEED=${LYNCEDGE_SEED:-${SEED:-$(((RANDOM << 15 | RANDOM) % 1000000))}}
SAMPLE=${LYNCEDGE_SAMPLE:-${SAMPLE:-1000}}
FLOWS_PY=$SELFTESTS_DIR/tools/flows.py

MAC_GW_S=02:00:00:00:01:01
MAC_SND=02:00:00:00:01:02
MAC_GW_R=02:00:00:00:02:01
MAC_RCV=02:00:00:00:02:02

ROW_DESC=("" "partners -> edge tcp/5061" "edge -> partners tcp/5061"
	  "clients -> edge tcp/443" "edge -> messenger tcp/50000-59999"
	  "edge -> messenger udp/3478" "messenger -> edge udp/3478")

# Results, per flow in FLOWS order.
F_NAME=() F_FAM=() F_KEY=() F_PKT=() F_MODEL=() F_EXPLAIN=() F_ARRIVED=()
declare -A F_INDEX=()		# flow name (rows only) -> index

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

topo_explain() {
	SND=le-xs-$RUN_ID
	GW=le-xg-$RUN_ID
	RCV=le-xr-$RUN_ID
	NS=([gw]=$GW [sender]=$SND [receiver]=$RCV)
	ALL_NS+=("$SND" "$GW" "$RCV")
	ip -b - <<-EOF || return 1
		netns add $SND
		netns add $GW
		netns add $RCV
		link add name s netns $GW address $MAC_GW_S type veth peer name eth0 netns $SND address $MAC_SND
		link add name r netns $GW address $MAC_GW_R type veth peer name eth0 netns $RCV address $MAC_RCV
	EOF
	ip -n "$SND" -b - <<-EOF || return 1
		link set lo up
		link set eth0 addrgenmode none
		link set eth0 up
	EOF
	ip -n "$RCV" -b - <<-EOF || return 1
		link set lo up
		link set eth0 addrgenmode none
		link set eth0 up
		addr add 10.99.1.2/30 dev eth0
		addr add fe80::2/64 dev eth0 nodad
	EOF
	ip -n "$GW" -b - <<-EOF || return 1
		link set lo up
		link set s addrgenmode none
		link set r addrgenmode none
		link set s up
		link set r up
		addr add 10.99.0.1/30 dev s
		addr add 10.99.1.1/30 dev r
		addr add fe80::1/64 dev s nodad
		addr add fe80::1/64 dev r nodad
		neigh add 10.99.1.2 lladdr $MAC_RCV dev r nud permanent
		neigh add fe80::2 lladdr $MAC_RCV dev r nud permanent
		route add default via 10.99.1.2 dev r
		route add default via fe80::2 dev r
	EOF
	in_ns "$GW" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.s.rp_filter=0 >/dev/null
}

# Load the generated configuration with "lyncedge add", one call per set.
declare -A WANT_SIZE=()
load_config() {
	local set prefix s
	local -A list=()

	while read -r set prefix; do
		list[$set]+=" $prefix"
		WANT_SIZE[$set]=$((${WANT_SIZE[$set]:-0} + 1))
	done < "$TMPD/config"
	for s in edge partners clients messenger; do
		# shellcheck disable=SC2086
		le add "$s" ${list[$s]} || return 1
	done
	le mode enforce
}

# Load it; "lyncedge show" then counts every prefix of the file.
config_loaded() {
	local s
	load_config || fail "cannot load the configuration"
	le_show || return 1
	le_parse
	for s in edge partners clients messenger; do
		[ "${CTR[$s]:-}" = "${WANT_SIZE[$s]:-0}" ] ||
			fail "set $s holds '${CTR[$s]:-}' prefixes, want ${WANT_SIZE[$s]:-0}"
	done
	[ "${CTR[mode]:-}" = enforce ] || fail "mode '${CTR[mode]:-}', want enforce"
}

# Read the flows, ask explain about each (one xargs, so one process per
# flow and no shell in between), send them, and collect what arrived.
# Pure bash in the loops: a subshell per flow costs seconds under TCG.
run_flows() {
	local name fam proto src sport dst dport with model line key i
	local s d re pid t0 rc
	local -A verdict_of=() arrived=()

	: > "$TMPD/explain.in"
	i=0
	while read -r name fam proto src sport dst dport with model; do
		if [ "$fam" = 6 ]; then d="[$dst]:$dport"; else d="$dst:$dport"; fi
		if [ "$with" = 0 ]; then
			s=$src
			echo "$proto $src $dst $dport" >> "$TMPD/explain.in"
		else
			if [ "$fam" = 6 ]; then s="[$src]:$sport"; else s="$src:$sport"; fi
			echo "$proto $src $sport $dst $dport" >> "$TMPD/explain.in"
		fi
		F_NAME[i]=$name
		F_FAM[i]=$fam
		F_KEY[i]="$proto $s -> $d"
		F_MODEL[i]=$model
		F_PKT[i]="$proto $src $sport $dst $dport"
		[ "$name" = sample ] || F_INDEX[$name]=$i
		i=$((i + 1))
	done < "$TMPD/flows"

	# From a copy of the CLI: the batch takes a minute or two under TCG,
	# long enough for a rebuild in the shared source tree to tear it.
	cp "$LYNCEDGE" "$TMPD/lyncedge" || return 1
	t0=$(now_ms)
	in_ns "$GW" xargs -L 1 "$TMPD/lyncedge" explain < "$TMPD/explain.in" \
		> "$TMPD/explain.out" 2> "$TMPD/explain.err"
	diag "explain: ${#F_NAME[@]} calls in $((($(now_ms) - t0 + 500) / 1000))s"
	if [ -s "$TMPD/explain.err" ]; then
		diag "explain wrote on stderr:"
		head -n 5 "$TMPD/explain.err" | sed 's/^/#   /'
	fi
	re='^(.+): (allowed by row ([1-6])|denied \(([a-z-]+)\); .*|not edge traffic, passes untouched)$'
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			key=${BASH_REMATCH[1]}
			if [ -n "${BASH_REMATCH[3]}" ]; then
				verdict_of[$key]=allow:${BASH_REMATCH[3]}
			elif [ -n "${BASH_REMATCH[4]}" ]; then
				verdict_of[$key]=deny
				[ "${BASH_REMATCH[4]}" = no-rule ] ||
					verdict_of[$key]=deny:${BASH_REMATCH[4]}
			else
				verdict_of[$key]=not-edge
			fi
		else
			diag "explain: unexpected output '$line'"
		fi
	done < "$TMPD/explain.out"

	rm -f "$TMPD/capture.ready" "$TMPD/capture.out"
	"$PROBE" -N "$RCV" exec python3 "$FLOWS_PY" capture eth0 "$TMPD/capture.out" \
		"$TMPD/capture.ready" 60 2> "$TMPD/capture.err" &
	pid=$!
	PIDS+=("$pid")
	wait_until 30 test -e "$TMPD/capture.ready" || { diag "the receiver did not start"; return 1; }
	counters_mark || return 1
	t0=$(now_ms)
	in_ns "$SND" python3 "$FLOWS_PY" send eth0 "$MAC_GW_S" "$TMPD/flows" ||
		{ diag "the sender failed"; return 1; }
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] || diag "the receiver exited with status $rc"
	diag "packets: ${#F_NAME[@]} sent and captured in $((($(now_ms) - t0 + 500) / 1000))s"
	[ -s "$TMPD/capture.err" ] && head -n 5 "$TMPD/capture.err" | sed 's/^/# receiver: /'

	CAPTURE_END=
	while IFS= read -r line; do
		case $line in
		end\ *) CAPTURE_END=$line ;;
		*) arrived[$line]=$((${arrived[$line]:-0} + 1)) ;;
		esac
	done < "$TMPD/capture.out"
	for i in "${!F_NAME[@]}"; do
		F_EXPLAIN[i]=${verdict_of[${F_KEY[i]}]:-none}
		F_ARRIVED[i]=${arrived[${F_PKT[i]}]:-0}
	done
}

# The receiver saw the end marker (so the gateway had forwarded everything
# sent before it) and its socket lost nothing.
capture_complete() {
	local seen drops
	read -r _ seen drops <<< "${CAPTURE_END:-end 0 0}"
	[ -n "$CAPTURE_END" ] || fail "the receiver wrote no end line"
	[ "$seen" = 1 ] || fail "the end marker did not arrive"
	[ "$drops" = 0 ] || fail "the receiver's socket dropped $drops packets"
}

# agrees I: does flow I's packet do what explain says? Prints nothing.
agrees() {
	case ${F_EXPLAIN[$1]}:${F_ARRIVED[$1]} in
	allow:*:1|not-edge:1|deny:0) return 0 ;;
	esac
	return 1
}

# Every mismatch of a flow, as one diagnostic line.
mismatch() {
	local i=$1 got
	case ${F_ARRIVED[$i]} in
	0) got="did not arrive" ;;
	1) got="arrived" ;;
	*) got="arrived ${F_ARRIVED[$i]} times" ;;
	esac
	fail "${F_NAME[$i]}: ${F_KEY[$i]}: explain ${F_EXPLAIN[$i]}, the packet $got" \
	     "(model ${F_MODEL[$i]})"
}

# row_case ROW FAMILY: the row's flow is allowed by that row and arrives;
# the same pair on a port no row has is denied and does not arrive.
row_case() {
	local a=${F_INDEX[row$1-$2]:-} b=${F_INDEX[row$1-$2-deny]:-}
	if [ -z "$a" ] || [ -z "$b" ]; then
		fail "flows.py wrote no flows for row $1"
		return
	fi
	[ "${F_EXPLAIN[a]}" = "allow:$1" ] ||
		fail "${F_KEY[a]}: explain ${F_EXPLAIN[a]}, want allow:$1"
	[ "${F_EXPLAIN[b]}" = deny ] || fail "${F_KEY[b]}: explain ${F_EXPLAIN[b]}, want deny"
	agrees "$a" || mismatch "$a"
	agrees "$b" || mismatch "$b"
}

# sample_kind KIND: every sample flow explain judges KIND (allow, deny,
# not-edge) did what explain says.
sample_kind() {
	local i n=0 bad=0
	for i in "${!F_NAME[@]}"; do
		[ "${F_NAME[i]}" = sample ] || continue
		[ "${F_EXPLAIN[i]%%:*}" = "$1" ] || continue
		n=$((n + 1))
		agrees "$i" && continue
		bad=$((bad + 1))
		[ "$bad" -le 20 ] && mismatch "$i"
	done
	[ "$bad" -le 20 ] || fail "... $bad mismatches in all"
	[ "$n" -gt 0 ] || fail "no flow of the sample was judged $1"
	diag "$n flows judged $1, $bad disagree"
}

# Flows explain could not judge at all (no or unreadable output).
sample_unjudged() {
	local i bad=0
	for i in "${!F_NAME[@]}"; do
		case ${F_EXPLAIN[i]} in
		allow:*|deny|not-edge) continue ;;
		esac
		bad=$((bad + 1))
		[ "$bad" -le 20 ] && fail "${F_NAME[i]}: ${F_KEY[i]}: explain gave '${F_EXPLAIN[i]}'"
	done
	[ "$bad" -le 20 ] || fail "... $bad flows in all"
}

# Explain and the model of the table in flows.py agree on every flow.
model_agrees() {
	local i bad=0
	for i in "${!F_NAME[@]}"; do
		[ "${F_EXPLAIN[i]}" = "${F_MODEL[i]}" ] && continue
		bad=$((bad + 1))
		[ "$bad" -le 20 ] &&
			fail "${F_NAME[i]}: ${F_KEY[i]}: explain ${F_EXPLAIN[i]}, model ${F_MODEL[i]}"
	done
	[ "$bad" -le 20 ] || fail "... $bad disagreements in all"
}

# The sample is worth something: each verdict at least SAMPLE/10 times and
# SAMPLE/20 times in each family, each row at least SAMPLE/50 times. (Over
# seeds 0-299 the fewest were 232, 107 and 35 for 1000 flows.)
sample_spread() {
	local i v k min=$((SAMPLE / 10)) fmin=$((SAMPLE / 20)) rmin=$((SAMPLE / 50))
	local -A n=()
	for i in "${!F_NAME[@]}"; do
		[ "${F_NAME[i]}" = sample ] || continue
		v=${F_EXPLAIN[i]}
		n[${v%%:*}]=$((${n[${v%%:*}]:-0} + 1))
		n[${v%%:*}/${F_FAM[i]}]=$((${n[${v%%:*}/${F_FAM[i]}]:-0} + 1))
		[ "${v%%:*}" = allow ] && n[$v]=$((${n[$v]:-0} + 1))
	done
	diag "sample: allow ${n[allow]:-0} (IPv4 ${n[allow/4]:-0}, IPv6 ${n[allow/6]:-0})," \
	     "deny ${n[deny]:-0} (${n[deny/4]:-0}, ${n[deny/6]:-0})," \
	     "not-edge ${n[not-edge]:-0} (${n[not-edge/4]:-0}, ${n[not-edge/6]:-0});" \
	     "rows 1-6: ${n[allow:1]:-0} ${n[allow:2]:-0} ${n[allow:3]:-0}" \
	     "${n[allow:4]:-0} ${n[allow:5]:-0} ${n[allow:6]:-0}"
	for k in allow deny not-edge; do
		[ "${n[$k]:-0}" -ge "$min" ] || fail "$k: ${n[$k]:-0} times, want at least $min"
		[ "${n[$k/4]:-0}" -ge "$fmin" ] ||
			fail "$k: ${n[$k/4]:-0} times for IPv4, want at least $fmin"
		[ "${n[$k/6]:-0}" -ge "$fmin" ] ||
			fail "$k: ${n[$k/6]:-0} times for IPv6, want at least $fmin"
	done
	for k in 1 2 3 4 5 6; do
		[ "${n[allow:$k]:-0}" -ge "$rmin" ] ||
			fail "row $k: ${n[allow:$k]:-0} times, want at least $rmin"
	done
}

# Each row counted one packet per flow explain allows by it, no-rule one
# per flow it denies; nothing else counted.
counters_agree() {
	local i v r
	local -A n=([norule]=0 [rule1]=0 [rule2]=0 [rule3]=0 [rule4]=0 [rule5]=0 [rule6]=0)
	for i in "${!F_NAME[@]}"; do
		v=${F_EXPLAIN[i]}
		case $v in
		allow:*) r=rule${v#allow:}; n[$r]=$((n[$r] + 1)) ;;
		deny) n[norule]=$((n[norule] + 1)) ;;
		esac
	done
	expect_counters "rule1=${n[rule1]}" "rule2=${n[rule2]}" "rule3=${n[rule3]}" \
		"rule4=${n[rule4]}" "rule5=${n[rule5]}" "rule6=${n[rule6]}" \
		"norule=${n[norule]}"
}

# Keep what reproduces a failed run where the host can see it.
keep_files() {
	local dir
	[ "$TESTS_FAILED" -gt 0 ] && [ -n "${LYNCEDGE_VM_OUTDIR:-}" ] || return 0
	dir=$LYNCEDGE_VM_OUTDIR/explain-seed-$SEED
	mkdir -p "$dir" && cp "$TMPD"/config "$TMPD"/flows "$TMPD"/explain.* \
		"$TMPD"/capture.* "$dir"/ 2>/dev/null
	diag "configuration, flows, explain output and capture kept in $dir"
}

lib_init
require_tool python3 xargs
tap_start
diag "seed $SEED, $SAMPLE random flows, kernel $(uname -r); to repeat this run:" \
     "LYNCEDGE_SEED=$SEED LYNCEDGE_SAMPLE=$SAMPLE selftests/qemu/run.sh --" \
     "selftests/run_vm_tests.sh explain"
if ! python3 "$FLOWS_PY" gen "$SEED" "$SAMPLE" "$TMPD/config" "$TMPD/flows"; then
	run_case "tools/flows.py wrote a configuration and flows" false
	tap_finish
fi
topo_explain || skip_all "cannot build the topology"

run_case "random configuration of $(wc -l < "$TMPD/config") prefixes loaded" config_loaded
if ! run_flows; then
	run_case "flows sent and captured" false
	tap_finish
fi
run_case "every packet before the end marker went through, none lost" capture_complete
for f in 4 6; do
	for r in 1 2 3 4 5 6; do
		run_case "IPv$f row $r (${ROW_DESC[r]}): explain agrees with real packets" \
			row_case $r $f
	done
done
run_case "explain judged every flow" sample_unjudged
run_case "$SAMPLE random flows: the ones explain allows arrive" sample_kind allow
run_case "$SAMPLE random flows: the ones explain denies are dropped" sample_kind deny
run_case "$SAMPLE random flows: the ones explain calls not edge traffic arrive" \
	sample_kind not-edge
run_case "$SAMPLE random flows: every verdict and row occurs often" sample_spread
run_case "explain agrees with the model of the table in tools/flows.py" model_agrees
run_case "the counters moved as explain predicts" counters_agree
keep_files
tap_finish
