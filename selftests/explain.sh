#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "lyncedge explain" says what real packets get, whatever profiles are on:
# for a random configuration (a few hundred overlapping IPv4 and IPv6
# prefixes in every set) and each of the 32 combinations of the five
# optional profiles (pic is always on; the role sets access, webconf and av
# loaded or left empty at random per combination), a share of some
# hundreds of random flows and, with every profile on, each row of every
# profile in both families, the verdict explain gives is compared with
# what a real packet of the flow meets on the way through the gateway in
# enforce mode (allowed or not edge traffic: it arrives; denied: it does
# not), with an independent model of the table (tools/flows.py, which
# reads the rows from the module's table through table-rows) and with the
# counters.
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
# is new to conntrack, and none is the reverse of another. One sender and
# one receiver serve every combination: a combination's configuration is
# restored, explain asked about its flows, its packets sent, and the next
# one waits for its end marker to come out of the gateway.
#
# Deterministic given the seed: LYNCEDGE_SEED=N (or SEED=N) reproduces a
# run, the seed is printed first; LYNCEDGE_SAMPLE=N (or SAMPLE=N) sets the
# number of random flows over all combinations, default 640 (20 each: an
# explain call costs about 0.1 s under TCG).
# (selftests/qemu/run.sh passes only LYNCEDGE_* variables into the VM.)
# Needs python3 for tools/flows.py, which makes the configurations, the
# flows and the packets.

source "$(dirname "$0")/lib.sh"

SEED=${LYNCEDGE_SEED:-${SEED:-$(((RANDOM << 15 | RANDOM) % 1000000))}}
SAMPLE=${LYNCEDGE_SAMPLE:-${SAMPLE:-640}}
FLOWS_PY=$SELFTESTS_DIR/tools/flows.py

MAC_GW_S=02:00:00:00:01:01
MAC_SND=02:00:00:00:01:02
MAC_GW_R=02:00:00:00:02:01
MAC_RCV=02:00:00:00:02:02

# The rows, from the module's table (table-rows): label -> profile, and a
# description; labels in index order.
declare -A ROW_PROFILE=() ROW_DESC=()
ROW_LABELS=()

# Results, per flow in the order of the combinations' flow files.
F_NAME=() F_FAM=() F_KEY=() F_PKT=() F_MODEL=() F_EXPLAIN=() F_ARRIVED=()
F_COMBO=()
declare -A F_INDEX=()		# flow name (rows only) -> index
declare -A F_PROFILE=()		# flow index -> the profile explain named
C_PROFILES=() C_ROLES=()	# per combination, as flows.py wrote them

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

read_rows() {
	local p label proto lo hi src dst ports
	while read -r _ p label _ proto lo hi _ src dst; do
		ROW_LABELS+=("$label")
		ROW_PROFILE[$label]=$p
		ports=$lo
		[ "$lo" = "$hi" ] || ports=$lo-$hi
		ROW_DESC[$label]="$src -> $dst $proto/$ports"
	done < <("$TABLE_ROWS")
	[ ${#ROW_LABELS[@]} -gt 0 ]
}

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

# Start the receiver's capture and the sender's server, one Python each for
# the whole run, talked to through FIFOs.
CAP_FD=
SND_FD=
CAP_PID=
start_traffic() {
	local line=

	mkfifo "$TMPD/capture.fifo" "$TMPD/serve.fifo" || return 1
	"$PROBE" -N "$RCV" exec python3 "$FLOWS_PY" capture eth0 "$TMPD/capture.out" \
		> "$TMPD/capture.fifo" 2> "$TMPD/capture.err" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	exec {CAP_FD}< "$TMPD/capture.fifo"
	# The sender on one CPU: its packets reach the gateway in the order it
	# sends them, so a combination's end marker comes out after the last
	# of its packets the gateway lets through, not before.
	"$PROBE" -N "$SND" exec taskset -c 0 python3 "$FLOWS_PY" serve eth0 "$MAC_GW_S" \
		"$TMPD/gen" < "$TMPD/serve.fifo" 2> "$TMPD/serve.err" &
	PIDS+=("$!")
	exec {SND_FD}> "$TMPD/serve.fifo"
	read -r -t 60 -u "$CAP_FD" line
	[ "$line" = ready ] || { diag "the receiver did not start ('$line')"; return 1; }
}

# read_flows K: append combination K's flows to the F_* arrays.
read_flows() {
	local k=$1 name fam proto src sport dst dport with model s d i=${#F_NAME[@]}

	: > "$TMPD/explain.in.$k"
	while read -r name fam proto src sport dst dport with model; do
		if [ "$fam" = 6 ]; then d="[$dst]:$dport"; else d="$dst:$dport"; fi
		if [ "$with" = 0 ]; then
			s=$src
			echo "$proto $src $dst $dport" >> "$TMPD/explain.in.$k"
		else
			if [ "$fam" = 6 ]; then s="[$src]:$sport"; else s="$src:$sport"; fi
			echo "$proto $src $sport $dst $dport" >> "$TMPD/explain.in.$k"
		fi
		F_NAME[i]=$name
		F_FAM[i]=$fam
		F_KEY[i]="$proto $s -> $d"
		F_MODEL[i]=$model
		F_PKT[i]="$proto $src $sport $dst $dport"
		F_COMBO[i]=$k
		[ "$name" = sample ] || F_INDEX[$name]=$i
		i=$((i + 1))
	done < "$TMPD/gen/flows.$k"
}

# explain_flows K FIRST: ask explain about combination K's flows (one xargs,
# so one process per flow and no shell in between), from FIRST on, and
# record its verdicts: allow:LABEL:dport|sport, deny[:REASON], not-edge.
# Pure bash in the loops: a subshell per flow costs seconds under TCG.
explain_flows() {
	local k=$1 first=$2 line key i re
	local -A verdict_of=() profile_of=()

	in_ns "$GW" xargs -L 1 "$TMPD/lyncedge" explain < "$TMPD/explain.in.$k" \
		> "$TMPD/explain.out.$k" 2> "$TMPD/explain.err.$k"
	if [ -s "$TMPD/explain.err.$k" ]; then
		diag "explain wrote on stderr:"
		head -n 5 "$TMPD/explain.err.$k" | sed 's/^/#   /'
	fi
	re='^(.+): (allowed by row ([^ ]+) of profile ([^ ]+) \(.*\), by (source|destination) port [0-9]+|denied \(([a-z-]+)\); .*|not edge traffic, passes untouched)$'
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			key=${BASH_REMATCH[1]}
			if [ -n "${BASH_REMATCH[3]}" ]; then
				verdict_of[$key]=allow:${BASH_REMATCH[3]}:dport
				[ "${BASH_REMATCH[5]}" = source ] &&
					verdict_of[$key]=allow:${BASH_REMATCH[3]}:sport
				profile_of[$key]=${BASH_REMATCH[4]}
			elif [ -n "${BASH_REMATCH[6]}" ]; then
				verdict_of[$key]=deny
				[ "${BASH_REMATCH[6]}" = no-rule ] ||
					verdict_of[$key]=deny:${BASH_REMATCH[6]}
			else
				verdict_of[$key]=not-edge
			fi
		else
			diag "explain: unexpected output '$line'"
		fi
	done < "$TMPD/explain.out.$k"
	for ((i = first; i < ${#F_NAME[@]}; i++)); do
		F_EXPLAIN[i]=${verdict_of[${F_KEY[i]}]:-none}
		F_PROFILE[$i]=${profile_of[${F_KEY[i]}]:-}
	done
}

# run_combo K: restore combination K's configuration and check that show
# reports it; ask explain about its flows; send their packets, wait for
# the end marker, and check that each row counted one packet per flow
# explain allows by it and no-rule one per flow it denies.
run_combo() {
	local k=$1 first=${#F_NAME[@]} line a b i v key want_profiles t0 specs=()
	local -A want_size=() n=()

	read_flows "$k"
	while read -r a b; do
		case $a in
		mode|profile) ;;
		*) want_size[$a]=$((${want_size[$a]:-0} + 1)) ;;
		esac
	done < "$TMPD/gen/config.$k"
	le restore "$TMPD/gen/config.$k" || { fail "lyncedge restore of config.$k failed"; return; }
	t0=$(now_ms)
	explain_flows "$k" "$first"
	EXPLAIN_MS=$((EXPLAIN_MS + $(now_ms) - t0))

	# One show: the configuration restored, and the counters' baseline
	# (explain counts nothing).
	le_show || return
	le_parse
	MARK_NS=$GW
	MARK=()
	for a in "${!CTR[@]}"; do
		MARK[$a]=${CTR[$a]}
	done
	want_profiles=" ${C_PROFILES[k]//,/ } "
	[ "${CTR[profiles]:-}" = "$want_profiles" ] ||
		fail "show: profiles '${CTR[profiles]:-}', want '$want_profiles'"
	[ "${CTR[mode]:-}" = enforce ] || fail "show: mode '${CTR[mode]:-}', want enforce"
	for a in $ALL_SETS; do
		[ "${CTR[$a]:-}" = "${want_size[$a]:-0}" ] ||
			fail "show: set $a holds '${CTR[$a]:-}' prefixes, want ${want_size[$a]:-0}"
	done

	t0=$(now_ms)
	echo "$k" >&"$SND_FD"
	line=
	read -r -t 60 -u "$CAP_FD" line
	SEND_MS=$((SEND_MS + $(now_ms) - t0))
	[ "$line" = "end $k" ] || { fail "end marker $k: receiver said '$line'"; return; }

	for a in "${ROW_LABELS[@]}"; do
		case $want_profiles in *" ${ROW_PROFILE[$a]} "*) n[rule$a]=0 ;; esac
	done
	n[norule]=0
	for ((i = first; i < ${#F_NAME[@]}; i++)); do
		v=${F_EXPLAIN[i]}
		case $v in
		allow:*) key=${v#allow:}; key=rule${key%:*}; n[$key]=$((${n[$key]:-0} + 1)) ;;
		deny) n[norule]=$((n[norule] + 1)) ;;
		esac
	done
	for key in "${!n[@]}"; do
		specs+=("$key=${n[$key]}")
	done
	expect_counters "${specs[@]}"
}

# The receiver saw the last end marker (so the gateway had forwarded
# everything sent before it) and its socket lost nothing.
capture_complete() {
	local seen drops
	read -r _ seen drops <<< "${CAPTURE_END:-end 0 0}"
	[ -n "$CAPTURE_END" ] || fail "the receiver wrote no end line"
	[ "$seen" = 1 ] || fail "the last end marker did not arrive"
	[ "$drops" = 0 ] || fail "the receiver's socket dropped $drops packets"
}

# Stop the sender and the receiver; what arrived, per flow.
finish_traffic() {
	local line i rc
	local -A arrived=()

	echo stop >&"$SND_FD"
	wait "$CAP_PID"
	rc=$?
	[ $rc -eq 0 ] || diag "the receiver exited with status $rc"
	[ -s "$TMPD/capture.err" ] && head -n 5 "$TMPD/capture.err" | sed 's/^/# receiver: /'
	[ -s "$TMPD/serve.err" ] && head -n 5 "$TMPD/serve.err" | sed 's/^/# sender: /'
	CAPTURE_END=
	while IFS= read -r line; do
		case $line in
		end\ *) CAPTURE_END=$line ;;
		*) arrived[$line]=$((${arrived[$line]:-0} + 1)) ;;
		esac
	done < "$TMPD/capture.out"
	for i in "${!F_NAME[@]}"; do
		F_ARRIVED[i]=${arrived[${F_PKT[i]}]:-0}
	done
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

# row_case LABEL FAMILY: with every profile on, the row's flows (by the
# destination port, and by the source port for a row that reads it) are
# allowed by that row by that port and arrive; the same addresses on a
# port no row allows are denied and do not arrive.
row_case() {
	local label=$1 f=$2 name a b reading sfx cases=0
	for reading in dport sport; do
		sfx=
		[ $reading = sport ] && sfx=:sport
		name=row:$label:$f$sfx
		a=${F_INDEX[$name]:-}
		b=${F_INDEX[row:$label:$f:deny$sfx]:-}
		if [ -z "$a" ] || [ -z "$b" ]; then
			[ $reading = sport ] || fail "flows.py wrote no flows for row $label"
			continue
		fi
		cases=$((cases + 1))
		[ "${F_EXPLAIN[a]}" = "allow:$label:$reading" ] ||
			fail "${F_KEY[a]}: explain ${F_EXPLAIN[a]}, want allow:$label:$reading"
		[ "${F_EXPLAIN[b]}" = deny ] || fail "${F_KEY[b]}: explain ${F_EXPLAIN[b]}, want deny"
		agrees "$a" || mismatch "$a"
		agrees "$b" || mismatch "$b"
	done
	[ $cases -gt 0 ]
}

# combo_agrees K: every flow of combination K was judged, its packet did
# what explain said, and explain said what the model says.
combo_agrees() {
	local k=$1 i bad=0
	for i in "${!F_NAME[@]}"; do
		[ "${F_COMBO[i]}" = "$k" ] || continue
		case ${F_EXPLAIN[i]} in
		allow:*|deny|not-edge) ;;
		*) fail "${F_NAME[i]}: ${F_KEY[i]}: explain gave '${F_EXPLAIN[i]}'"
		   continue ;;
		esac
		if ! agrees "$i"; then
			bad=$((bad + 1))
			[ "$bad" -le 10 ] && mismatch "$i"
		elif [ "${F_EXPLAIN[i]}" != "${F_MODEL[i]}" ]; then
			bad=$((bad + 1))
			[ "$bad" -le 10 ] &&
				fail "${F_NAME[i]}: ${F_KEY[i]}: explain ${F_EXPLAIN[i]}, model ${F_MODEL[i]}"
		fi
	done
	[ "$bad" -le 10 ] || fail "... $bad flows disagree in all"
}

# Explain names, for every row it allows a flow by, the profile the
# module's table puts the row in.
profiles_named() {
	local i v label bad=0
	for i in "${!F_NAME[@]}"; do
		v=${F_EXPLAIN[i]}
		case $v in allow:*) ;; *) continue ;; esac
		label=${v#allow:}
		label=${label%:*}
		[ "${F_PROFILE[$i]}" = "${ROW_PROFILE[$label]:-}" ] && continue
		bad=$((bad + 1))
		[ "$bad" -le 10 ] && fail "${F_KEY[i]}: explain names profile" \
			"'${F_PROFILE[$i]}' for row $label, the table '${ROW_PROFILE[$label]:-}'"
	done
	[ "$bad" -le 10 ] || fail "... $bad in all"
}

# The sample is worth something: over all combinations, each verdict at
# least SAMPLE/10 times and SAMPLE/20 times in each family, and rows
# allowing flows by the source port at least SAMPLE/250 times. (Over seeds
# 0-99 the fewest were 138, 55 and 4 for 640 flows.)
sample_spread() {
	local i v k min=$((SAMPLE / 10)) fmin=$((SAMPLE / 20)) smin=$((SAMPLE / 250))
	local -A n=()
	for i in "${!F_NAME[@]}"; do
		[ "${F_NAME[i]}" = sample ] || continue
		v=${F_EXPLAIN[i]%%:*}
		n[$v]=$((${n[$v]:-0} + 1))
		n[$v/${F_FAM[i]}]=$((${n[$v/${F_FAM[i]}]:-0} + 1))
		case ${F_EXPLAIN[i]} in *:sport) n[sport]=$((${n[sport]:-0} + 1)) ;; esac
	done
	diag "sample: allow ${n[allow]:-0} (IPv4 ${n[allow/4]:-0}, IPv6 ${n[allow/6]:-0})," \
	     "deny ${n[deny]:-0} (${n[deny/4]:-0}, ${n[deny/6]:-0})," \
	     "not-edge ${n[not-edge]:-0} (${n[not-edge/4]:-0}, ${n[not-edge/6]:-0});" \
	     "allowed by the source port ${n[sport]:-0}"
	for k in allow deny not-edge; do
		[ "${n[$k]:-0}" -ge "$min" ] || fail "$k: ${n[$k]:-0} times, want at least $min"
		[ "${n[$k/4]:-0}" -ge "$fmin" ] ||
			fail "$k: ${n[$k/4]:-0} times for IPv4, want at least $fmin"
		[ "${n[$k/6]:-0}" -ge "$fmin" ] ||
			fail "$k: ${n[$k/6]:-0} times for IPv6, want at least $fmin"
	done
	[ "${n[sport]:-0}" -ge "$smin" ] ||
		fail "allowed by the source port ${n[sport]:-0} times, want at least $smin"
}

# Keep what reproduces a failed run where the host can see it.
keep_files() {
	local dir
	[ "$TESTS_FAILED" -gt 0 ] && [ -n "${LYNCEDGE_VM_OUTDIR:-}" ] || return 0
	dir=$LYNCEDGE_VM_OUTDIR/explain-seed-$SEED
	mkdir -p "$dir" && cp -r "$TMPD"/gen "$TMPD"/explain.* "$TMPD"/capture.* \
		"$TMPD"/serve.err "$dir"/ 2>/dev/null
	diag "configurations, flows, explain output and capture kept in $dir"
}

lib_init
require_tool python3 xargs taskset
tap_start
diag "seed $SEED, $SAMPLE random flows, kernel $(uname -r); to repeat this run:" \
     "LYNCEDGE_SEED=$SEED LYNCEDGE_SAMPLE=$SAMPLE selftests/qemu/run.sh --" \
     "selftests/run_vm_tests.sh explain"
read_rows || skip_all "table-rows printed no rows"
mkdir "$TMPD/gen"
if ! python3 "$FLOWS_PY" gen "$SEED" "$SAMPLE" "$TMPD/gen"; then
	run_case "tools/flows.py wrote the configurations and flows" false
	tap_finish
fi
while read -r k p r; do
	C_PROFILES[k]=$p
	C_ROLES[k]=$r
done < "$TMPD/gen/combos"
topo_explain || skip_all "cannot build the topology"
# From a copy of the CLI: the batches take a minute or two under TCG,
# long enough for a rebuild in the shared source tree to tear it.
cp "$LYNCEDGE" "$TMPD/lyncedge" || skip_all "cannot copy $LYNCEDGE"
if ! start_traffic; then
	run_case "the sender and the receiver started" false
	tap_finish
fi

EXPLAIN_MS=0
SEND_MS=0
t_all=$(now_ms)
for k in "${!C_PROFILES[@]}"; do
	run_case "profiles ${C_PROFILES[k]}, role sets ${C_ROLES[k]/#-/none}: restored, shown; counters moved as explain predicts" \
		run_combo "$k"
done
finish_traffic
diag "${#C_PROFILES[@]} combinations, ${#F_NAME[@]} flows in $((($(now_ms) - t_all + 500) / 1000))s:" \
     "explain $(((EXPLAIN_MS + 500) / 1000))s, packets $(((SEND_MS + 500) / 1000))s"

run_case "every packet before the last end marker went through, none lost" capture_complete
for k in "${!C_PROFILES[@]}"; do
	run_case "profiles ${C_PROFILES[k]}: explain, real packets and the model agree" \
		combo_agrees "$k"
done
for f in 4 6; do
	for label in "${ROW_LABELS[@]}"; do
		run_case "IPv$f row $label (${ROW_PROFILE[$label]}: ${ROW_DESC[$label]}), every profile on: explain agrees with real packets" \
			row_case "$label" $f
	done
done
run_case "explain names the profile of every row it allows by" profiles_named
run_case "$SAMPLE random flows: every verdict occurs often, in both families" sample_spread
keep_files
tap_finish
