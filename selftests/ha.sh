#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A highly available lyncedge gateway pair: keepalived (VRRPv3, one sync
# group of the inside and outside virtual addresses, IPv4 and IPv6) and
# conntrackd (FTFW over a link of their own, TCP and UDP), configured from
# the examples in userspace/system/ha/, with their notify hook.
#
#   edge ----------- br-in ---- inside  [gw1] outside ---- br-out --- partner
#   203.0.113.10       |                  | sync            |        client
#   2001:db8:e::10     +------- inside  [gw2] outside ------+        messenger
#
# The bridges sit in a namespace of their own; the hosts' addresses and the
# sets are those of lib.sh, and their default routes point at the virtual
# addresses (.1, ::1). Each gateway has its own addresses besides (.2/::2
# on gw1, .3/::3 on gw2).
#
# tools/haflows.py holds ten flows a family across each failover: SIP over
# TLS partner -> edge:5061 and edge -> partner:5061, client -> edge:443,
# STUN messenger -> edge:3478 and edge -> messenger:3478 (sequence numbers
# both ways), each also as a quiet flow whose responder speaks first after
# the switch. Failovers, in one topology:
#   sync, with conntrackd: keepalived stopped cleanly on gw1 (gw2 takes
#   over), keepalived killed on gw2 (gw1), gw1's outside link down (gw2);
#   control, without conntrackd: keepalived stopped on the primary, once
#   with nf_conntrack_tcp_loose=1 and once with 0.
# Each prints per flow whether it survived, its longest gap and its UDP
# loss, the time from the trigger to the first packet the new primary
# forwards, and the new primary's counters; with sync every flow survives
# on conntrack state alone (no row, no-rule or invalid counts), without
# it the responder-first flows die as no-rule, and with tcp_loose=0 every
# TCP flow as invalid. The configuration is copied with "lyncedge save |
# lyncedge -n gw2 restore", and a drifted copy is caught by
# comparing saves and judges new flows by its own configuration.

source "$(dirname "$0")/lib.sh"

HA_DIR=$REPO_DIR/userspace/system/ha
NOTIFY=$HA_DIR/lyncedge-ha-notify
HAFLOWS=$SELFTESTS_DIR/tools/haflows.py
# VRRPv3 adverts every ADVERT s: a backup takes over 3 adverts (plus skew)
# after the last one; a clean stop hands over at once.
ADVERT=${LYNCEDGE_HA_ADVERT:-0.5}
# Seconds for a new primary to be up, and for the flows to come back,
# times SLOWDOWN (wait_until scales its own): the hook runs conntrackd
# four times, each a second or more on the debug kernel, after the backup
# hook's four at start.
TAKEOVER_S=20
RESUME_S=$((15 * SLOWDOWN))
# How long the control runs wait for flows that are not coming back: past
# the TCP retransmissions of a flow that does survive (a 1-2 s outage
# puts the next one 2-4 s after it; a slower takeover, later).
CONTROL_WAIT_S=$((8 * SLOWDOWN))
NFLOWS=20

declare -A KPID=() CPID=() SYNCIP=([gw1]=10.255.0.1 [gw2]=10.255.0.2)
declare -A HOSTID=([gw1]=2 [gw2]=3)
HAFLOWS_PID=
FAILOVER_MS=()

# LYNCEDGE_HA_LOGS=DIR keeps keepalived's, conntrackd's and the flows'
# logs and configurations there.
ha_cleanup() {
	[ -z "$HAFLOWS_PID" ] || kill "$HAFLOWS_PID" 2>/dev/null
	if [ -n "${LYNCEDGE_HA_LOGS:-}" ]; then
		mkdir -p "$LYNCEDGE_HA_LOGS" &&
			cp "$TMPD"/*.log "$TMPD"/*.out "$TMPD"/*.conf "$TMPD"/*.err \
				"$LYNCEDGE_HA_LOGS"/ 2>/dev/null
	fi
	cleanup
}

# ---- topology ----

ha_topo_create() {
	local h g n

	NS=([sw]=le-ha-sw-$RUN_ID [gw1]=le-ha-gw1-$RUN_ID [gw2]=le-ha-gw2-$RUN_ID)
	for h in edge partner client messenger; do
		NS[$h]=le-ha-$h-$RUN_ID
	done
	for h in "${NS[@]}"; do
		ALL_NS+=("$h")
	done
	{
		for h in "${NS[@]}"; do
			echo "netns add $h"
		done
		for g in gw1 gw2; do
			echo "link add name $g-in netns ${NS[sw]} type veth peer name inside netns ${NS[$g]}"
			echo "link add name $g-out netns ${NS[sw]} type veth peer name outside netns ${NS[$g]}"
		done
		echo "link add name sync netns ${NS[gw1]} type veth peer name sync netns ${NS[gw2]}"
		for h in edge partner client messenger; do
			echo "link add name $h netns ${NS[sw]} type veth peer name eth0 netns ${NS[$h]}"
		done
	} | ip -b - || return 1
	# Snooping off: VRRP's and neighbour discovery's multicast must reach
	# every port whatever the bridge learnt.
	ip -n "${NS[sw]}" -b - <<-EOF || return 1
		link set lo up
		link add br-in type bridge mcast_snooping 0
		link add br-out type bridge mcast_snooping 0
		link set br-in addrgenmode none up
		link set br-out addrgenmode none up
		$(for p in gw1-in gw2-in edge; do
			echo "link set $p addrgenmode none master br-in up"
		done
		for p in gw1-out gw2-out partner client messenger; do
			echo "link set $p addrgenmode none master br-out up"
		done)
	EOF
	for g in gw1 gw2; do
		n=${HOSTID[$g]}
		# Static IPv6 addresses stay on a link that goes down (the
		# outside-link trigger); link-local ones do not, gw_link_up
		# puts them back.
		in_ns "${NS[$g]}" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 \
			net.ipv6.conf.default.keep_addr_on_down=1 >/dev/null || return 1
		ip -n "${NS[$g]}" -b - <<-EOF || return 1
			link set lo up
			link set inside addrgenmode none up
			addr add fe80::$n/64 dev inside nodad
			addr add 203.0.113.$n/24 dev inside
			addr add 2001:db8:e::$n/64 dev inside nodad
			link set outside addrgenmode none up
			addr add fe80::$n/64 dev outside nodad
			addr add 198.51.100.$n/24 dev outside
			addr add 192.0.2.$n/24 dev outside
			addr add 198.18.0.$n/24 dev outside
			addr add 2001:db8:1::$n/64 dev outside nodad
			addr add 2001:db8:2::$n/64 dev outside nodad
			addr add 2001:db8:3::$n/64 dev outside nodad
			link set sync addrgenmode none up
			addr add ${SYNCIP[$g]}/30 dev sync
		EOF
	done
	local -A ll=([edge]=10 [partner]=20 [client]=30 [messenger]=40)
	for h in edge partner client messenger; do
		ip -n "${NS[$h]}" -b - <<-EOF || return 1
			link set lo up
			link set eth0 addrgenmode none up
			addr add fe80::${ll[$h]}/64 dev eth0 nodad
			addr add ${A4[$h]}/24 dev eth0
			addr add ${A6[$h]}/64 dev eth0 nodad
			route add default via ${GW4[$h]}
			route add default via ${GW6[$h]}
		EOF
	done
}

# gw_link_up GW: the outside link back up, with its link-local address.
gw_link_up() {
	ip -n "${NS[$1]}" -b - <<-EOF
		link set outside up
		addr replace fe80::${HOSTID[$1]}/64 dev outside nodad
	EOF
}

# ---- keepalived and conntrackd, from the examples ----

# The examples with the test's paths and timing; gw2 with its own
# priority and sync addresses. Script security would refuse a hook under
# the world-writable /tmp.
write_configs() {
	local g prio
	for g in gw1 gw2; do
		prio=()
		[ $g = gw2 ] && prio=(-e 's/priority 150/priority 100/')
		cat > "$TMPD/notify-$g" <<-EOF
			#!/bin/sh
			# The control runs: a gateway without conntrackd.
			[ -e "$TMPD/nosync" ] && export CONNTRACKD_BIN=/bin/false
			"$NOTIFY" -C "$TMPD/$g-conntrackd.conf" "\$1"
			echo "\$1" > "$TMPD/$g.state"
		EOF
		chmod 755 "$TMPD/notify-$g"
		sed -e "s|/etc/keepalived/lyncedge-ha-notify|$TMPD/notify-$g|" \
		    -e "/enable_script_security/d" \
		    -e "s|advert_int .*|advert_int $ADVERT|" \
		    "${prio[@]}" \
		    "$HA_DIR/keepalived.conf" > "$TMPD/$g-keepalived.conf" || return 1
		sed -e "s|LockFile .*|LockFile $TMPD/$g-conntrackd.lock|" \
		    -e "s|Path /var/run/conntrackd.ctl|Path $TMPD/$g-conntrackd.ctl|" \
		    -e "s|Syslog on|Syslog off|" \
		    -e "s|LogFile off|LogFile $TMPD/$g-conntrackd.log|" \
		    -e "s|IPv4_address 10.255.0.1$|IPv4_address ${SYNCIP[$g]}|" \
		    -e "s|IPv4_Destination_Address 10.255.0.2$|IPv4_Destination_Address ${SYNCIP[$([ $g = gw1 ] && echo gw2 || echo gw1)]}|" \
		    "$HA_DIR/conntrackd.conf" > "$TMPD/$g-conntrackd.conf" || return 1
	done
}

# The daemons are started by the probe, which execs them: $! is theirs.
start_conntrackd() {
	rm -f "$TMPD/$1-conntrackd.lock"
	"$PROBE" -N "${NS[$1]}" exec conntrackd -C "$TMPD/$1-conntrackd.conf" \
		>> "$TMPD/$1-conntrackd.out" 2>&1 &
	CPID[$1]=$!
	PIDS+=($!)
	wait_until 20 ctd "$1" -s || { diag "conntrackd on $1 does not answer"; return 1; }
}

stop_conntrackd() {
	kill "${CPID[$1]}" 2>/dev/null
	wait "${CPID[$1]}" 2>/dev/null
}

ctd() {
	local g=$1
	shift
	in_ns "${NS[$g]}" conntrackd -C "$TMPD/$g-conntrackd.conf" "$@" >/dev/null 2>&1
}

start_keepalived() {
	rm -f "$TMPD/$1.state"
	"$PROBE" -N "${NS[$1]}" exec keepalived -n -l -D -P -f "$TMPD/$1-keepalived.conf" \
		-p "$TMPD/$1-keepalived.pid" -r "$TMPD/$1-vrrp.pid" \
		-c "$TMPD/$1-checkers.pid" >> "$TMPD/$1-keepalived.log" 2>&1 &
	KPID[$1]=$!
	PIDS+=($!)
	# Not a job of ours: bash would report its killing on stderr.
	disown "$!"
}

gone() { ! kill -0 "$1" 2>/dev/null; }

state_is() { [ "$(cat "$TMPD/$1.state" 2>/dev/null)" = "$2" ]; }

# await_state GW STATE: the hook ran for STATE (primary: the commit done
# and forwarding open).
await_state() {
	wait_until "$TAKEOVER_S" state_is "$1" "$2" ||
		{
			fail "$1 not $2 after $((TAKEOVER_S * SLOWDOWN))s (state '$(cat "$TMPD/$1.state" 2>/dev/null)')"
			tail -n 8 "$TMPD/$1-keepalived.log" 2>/dev/null | sed "s/^/$1 keepalived: /" |
				while IFS= read -r line; do diag "$line"; done
			return 1
		}
}

# The flows of this run that GW's conntrackd holds from the other gateway.
synced_flows() {
	in_ns "${NS[$1]}" conntrackd -C "$TMPD/$1-conntrackd.conf" -e 2>/dev/null |
		grep -cE "sport=($FLOW_PORTS) "
}

synced() { [ "$(synced_flows "$1")" -ge "$NFLOWS" ]; }

# await_synced GW: the backup holds every flow before a failover is tried.
await_synced() {
	wait_until 30 synced "$1" ||
		{ fail "$1 holds $(synced_flows "$1") of the $NFLOWS flows in its external cache"; return 1; }
}

vips_on() {
	ip -n "${NS[$1]}" addr show dev inside | grep -q '203.0.113.1/'
}

# ---- the flows ----

# flows_start PORT: haflows.py with initiators' source ports from PORT.
flows_start() {
	flows_stop
	FLOW_PORTS="$(seq -s '|' "$1" $(($1 + NFLOWS - 1)))"
	coproc HAF { exec python3 "$HAFLOWS" -p "$1" "${NS[edge]}" "${NS[partner]}" \
		"${NS[client]}" "${NS[messenger]}" 2>> "$TMPD/haflows.err"; }
	HAFLOWS_PID=$HAF_PID
	flows_expect ready 40
}

flows_cmd() { echo "$1" >&"${HAF[1]}"; }

# flows_expect WORD SECONDS: the next line from haflows.py is WORD.
flows_expect() {
	local line
	if ! read -r -t $(($2 * SLOWDOWN)) line <&"${HAF[0]}"; then
		fail "haflows.py: no '$1' within $2 s $(tail -c 300 "$TMPD/haflows.err")"
		return 1
	fi
	[ "$line" = "$1" ] || { fail "haflows.py: '$line', want '$1'"; return 1; }
}

flows_stop() {
	[ -n "$HAFLOWS_PID" ] || return 0
	flows_cmd quit 2>/dev/null
	# Gone by the deadline, or killed: its ports are the next run's.
	wait_until 10 eval '! kill -0 "$HAFLOWS_PID" 2>/dev/null' ||
		kill "$HAFLOWS_PID" 2>/dev/null
	wait "$HAFLOWS_PID" 2>/dev/null
	HAFLOWS_PID=
}

# ---- a failover ----

# first_forward_start GW: tcpdump on GW's inside link for the first TCP or
# UDP packet GW sends there, which a backup never does: the first packet
# it forwards as the new primary.
first_forward_start() {
	"$PROBE" -N "${NS[$1]}" exec tcpdump -i inside -Q out -n -tt -l -c 1 'tcp or udp' \
		> "$TMPD/first.out" 2> "$TMPD/first.err" &
	TCPDUMP_PID=$!
	wait_until 20 grep -q 'listening on' "$TMPD/first.err" ||
		{ fail "tcpdump did not start"; return 1; }
}

# first_forward_ms T0: milliseconds from T0 (an $EPOCHREALTIME) to that packet.
first_forward_ms() {
	local t
	wait_until 5 test -s "$TMPD/first.out"
	kill "$TCPDUMP_PID" 2>/dev/null
	wait "$TCPDUMP_PID" 2>/dev/null
	t=$(awk 'NR == 1 { print $1 }' "$TMPD/first.out")
	[ -n "$t" ] || { echo none; return; }
	awk -v a="$1" -v b="$t" 'BEGIN { printf "%d\n", (b - a) * 1000 }'
}

# trigger KIND FROM: take FROM down: stop (keepalived stopped cleanly),
# kill (keepalived killed: no priority-0 advert, the addresses stay),
# link (FROM's outside link down).
trigger() {
	local vrrp
	case $1 in
	stop)
		kill "${KPID[$2]}"
		;;
	kill)
		# The parent would respawn its VRRP child: stopped first,
		# then both killed, as a crash or an OOM kill of the unit.
		vrrp=$(cat "$TMPD/$2-vrrp.pid")
		kill -STOP "${KPID[$2]}"
		kill -KILL "$vrrp" "${KPID[$2]}"
		;;
	link)
		ip -n "${NS[$2]}" link set outside down
		;;
	esac
}

# recover KIND GW: GW back as the backup, holding the other's state.
recover() {
	case $1 in
	stop|kill)
		wait_until 20 gone "${KPID[$2]}" ||
			{ fail "keepalived on $2 does not stop"; return 1; }
		# keepalived at start removes the virtual addresses a killed
		# instance left, and runs the backup hook.
		start_keepalived "$2"
		;;
	link)
		gw_link_up "$2"
		;;
	esac
	await_state "$2" backup || return 1
	! vips_on "$2" || fail "$2 still holds the virtual addresses as backup"
}

declare -A RESULT=()

# failover RUN KIND FROM TO: one failover with the flows running; the
# flows' report in RESULT[RUN/FLOW/FAMILY] ("yes GAP LOST SENT").
failover() {
	local run=$1 kind=$2 from=$3 to=$4 t0 line ms name fam

	counters_mark "${NS[$to]}" || return 1
	first_forward_start "$to" || return 1
	flows_cmd hold && flows_expect held 10 || return 1
	flows_cmd mark && flows_expect marked 10 || return 1
	t0=$EPOCHREALTIME
	trigger "$kind" "$from"
	await_state "$to" primary || return 1
	flows_cmd speak && flows_expect spoken 10 || return 1
	flows_cmd "wait $([ "$run" = sync ] && echo $RESUME_S || echo $CONTROL_WAIT_S)"
	while read -r -t $((60 * SLOWDOWN)) line <&"${HAF[0]}"; do
		[ "$line" = "done" ] && break
		[[ $line =~ ^flow\ ([a-z-]+)\ ([46])\ survived=(yes|no)\ gap_ms=([0-9]+)\ lost=([0-9]+)\ sent=([0-9]+)$ ]] ||
			{ fail "haflows.py: '$line'"; return 1; }
		name=${BASH_REMATCH[1]} fam=${BASH_REMATCH[2]}
		RESULT[$run/$kind/$name/$fam]="${BASH_REMATCH[3]} ${BASH_REMATCH[4]} ${BASH_REMATCH[5]} ${BASH_REMATCH[6]}"
	done
	[ "$line" = "done" ] || { fail "haflows.py: no report"; return 1; }
	ms=$(first_forward_ms "$t0")
	FAILOVER_MS+=("$run/$kind $ms")
	# A backup forwards nothing: its first packet is the takeover's.
	[[ $ms == -* ]] && fail "$to forwarded before the trigger: $(head -c 150 "$TMPD/first.out")"
	diag "$run, $kind: $from -> $to, first packet forwarded by $to ${ms} ms after the trigger"
	report_flows "$run/$kind"
	le_show "${NS[$to]}"
	le_parse
	diag "$to counters since the trigger: $(counters_delta)"
}

FLOW_NAMES="sip-in sip-out https stun-in stun-out sip-in-rf sip-out-rf https-rf stun-in-rf stun-out-rf"

report_flows() {
	local name fam r
	for fam in 4 6; do
		for name in $FLOW_NAMES; do
			read -ra r <<< "${RESULT[$1/$name/$fam]:-none 0 0 0}"
			diag "$(printf '  IPv%s %-12s survived %-4s gap %6s ms' "$fam" "$name" "${r[0]}" "${r[1]}")$(
				[[ $name == stun-*[nt] ]] && printf '  UDP lost %d of %d' "${r[2]}" "${r[3]}")"
		done
	done
}

# expect_flows RUN/KIND WANT-FN: every flow's survival as WANT-FN NAME
# FAMILY says (yes or no).
expect_flows() {
	local name fam r want
	for fam in 4 6; do
		for name in $FLOW_NAMES; do
			read -ra r <<< "${RESULT[$1/$name/$fam]:-none}"
			want=$($2 "$name" "$fam")
			[ "${r[0]}" = "$want" ] ||
				fail "$1: IPv$fam $name survived '${r[0]}', want $want"
		done
	done
}

want_all() { echo yes; }
# Without state, tcp_loose=1: a moved flow's next packet from its
# initiator is picked up as new and allowed by its row (the replies
# follow as state); a responder that speaks first is a new flow in the
# wrong direction.
want_loose() { [[ $1 == *-rf ]] && echo no || echo yes; }
# tcp_loose=0: a TCP packet without a handshake is invalid.
want_strict() { [[ $1 == *-rf || $1 != stun* ]] && echo no || echo yes; }

# ---- the cases ----

case_setup() {
	ha_topo_create || { fail "topology"; return 1; }
	config_sample -n "${NS[gw1]}" enforce || { fail "configure gw1"; return 1; }
	# As an administrator copies it.
	le -n "${NS[gw1]}" save | "$LYNCEDGE" -n "${NS[gw2]}" restore ||
		{ fail "lyncedge save | restore into gw2"; return 1; }
	write_configs || { fail "configurations"; return 1; }
}

same_config() {
	local fmt
	for fmt in "" -j; do
		# shellcheck disable=SC2086
		cmp -s <(le -n "${NS[gw1]}" $fmt save) <(le -n "${NS[gw2]}" $fmt save) ||
			{ echo "save${fmt:+ $fmt} differs"; return 1; }
	done
}

case_identity() {
	local why
	why=$(same_config) || fail "gw1 and gw2: $why"
}

case_start() {
	start_conntrackd gw1 && start_conntrackd gw2 || return 1
	start_keepalived gw1
	await_state gw1 primary || return 1
	start_keepalived gw2
	await_state gw2 backup || return 1
	vips_on gw1 || fail "gw1 is primary without the virtual addresses"
	! vips_on gw2 || fail "gw2 is backup with the virtual addresses"
	[ "$(in_ns "${NS[gw2]}" cat /proc/sys/net/ipv4/ip_forward)" = 0 ] ||
		fail "gw2 forwards as backup"
}

# case_sync KIND FROM TO LOOSE: a failover with conntrackd.
case_sync() {
	local kind=$1 from=$2 to=$3 g
	for g in gw1 gw2; do
		in_ns "${NS[$g]}" sysctl -qw net.netfilter.nf_conntrack_tcp_loose="$4" >/dev/null
	done
	await_synced "$to" || return 1
	failover sync "$kind" "$from" "$to" || return 1
	expect_flows "sync/$kind" want_all
	# Carried by the committed state alone: no row saw a new flow, none
	# was denied.
	expect_counters state=1+
	recover "$kind" "$from" || return 1
	# The next failover needs the new primary's state on the backup.
	await_synced "$from"
}

# case_drift: a configuration that drifted on gw2 (the primary now) is
# caught by comparing saves, and gw2 judges new flows by its own.
case_drift() {
	local why pid
	le -n "${NS[gw2]}" del clients 192.0.2.0/24 || { fail "del on gw2"; return 1; }
	if why=$(same_config); then
		fail "a drifted gw2 compares equal"
	else
		diag "drift caught: $why: $(diff <(le -n "${NS[gw1]}" save) \
			<(le -n "${NS[gw2]}" save) | grep '^[<>]' | tr '\n' ' ')"
	fi
	# The flows' server is gone: one on the edge's 443 for these.
	pid=$("$PROBE" -N "${NS[edge]}" listen tcp:443) || { fail "listen on the edge"; return 1; }
	PIDS+=("$pid")
	counters_mark "${NS[gw2]}"
	expect_probe timeout client tcp-connect "${A4[edge]}" 443
	expect_probe ok client tcp-connect "${A6[edge]}" 443
	expect_counters norule=1+ rule3=1+
	le -n "${NS[gw1]}" save | le -n "${NS[gw2]}" restore ||
		{ fail "restore gw2 from gw1"; return 1; }
	why=$(same_config) || fail "after the copy: $why"
	counters_mark "${NS[gw2]}"
	expect_probe ok client tcp-connect "${A4[edge]}" 443
	expect_counters rule3=1+
	kill "$pid"
}

# case_control LOOSE KIND FROM TO: the same flows without conntrackd.
case_control() {
	local loose=$1 kind=$2 from=$3 to=$4 g want reasons
	for g in gw1 gw2; do
		in_ns "${NS[$g]}" sysctl -qw net.netfilter.nf_conntrack_tcp_loose="$loose" >/dev/null
	done
	flows_start "$5" || return 1
	failover "control-loose$loose" "$kind" "$from" "$to" || return 1
	if [ "$loose" = 1 ]; then
		want=want_loose reasons="norule=1+ invalid=*"
	else
		want=want_strict reasons="norule=1+ invalid=1+"
	fi
	expect_flows "control-loose$loose/$kind" $want
	# shellcheck disable=SC2086
	expect_counters $reasons state=* rule1=* rule2=* rule3=* rule5=* rule6=*
	flows_stop
	recover "$kind" "$from"
}

lib_init
trap ha_cleanup EXIT
require_tool keepalived conntrackd python3 tcpdump
modprobe bridge 2>/dev/null
modprobe nf_conntrack_netlink 2>/dev/null
[ -d /sys/module/bridge ] || skip_all "no bridge support in this kernel"

start=$SECONDS
run_case "HA topology, lyncedge on gw1 copied to gw2 with save | restore" case_setup
[ "$TESTS_FAILED" -eq 0 ] || tap_finish
run_case "save and -j save are byte-identical on gw1 and gw2" case_identity
run_case "keepalived: gw1 primary with the addresses, gw2 backup not forwarding" case_start
[ "$TESTS_FAILED" -eq 0 ] || tap_finish

flows_start 41000 || tap_finish
run_case "sync: keepalived stopped on gw1, every flow survives on state (tcp_loose=1)" \
	case_sync stop gw1 gw2 1
run_case "sync: keepalived killed on gw2, every flow survives on state (tcp_loose=0)" \
	case_sync kill gw2 gw1 0
run_case "sync: gw1's outside link down, every flow survives on state (tcp_loose=0)" \
	case_sync link gw1 gw2 0
flows_stop
run_case "a drifted configuration on gw2 is caught and judges new flows" case_drift

touch "$TMPD/nosync"
stop_conntrackd gw1
stop_conntrackd gw2
run_case "control without conntrackd, tcp_loose=1: responder-first flows die as no-rule" \
	case_control 1 stop gw2 gw1 42000
run_case "control without conntrackd, tcp_loose=0: TCP flows die as invalid" \
	case_control 0 stop gw1 gw2 43000

diag "failover time, trigger to the first forwarded packet: ${FAILOVER_MS[*]}"
diag "ha: $((SECONDS - start)) s"
tap_finish
