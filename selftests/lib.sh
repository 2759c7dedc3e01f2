#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - shared code of the nf_lyncedge selftests; source it.
#
# Topology: a gateway namespace (gw) runs nf_lyncedge and routes between five
# hosts, each in its own namespace on its own veth pair to gw ("eth0" on the
# host's side, the host's role on gw's side; link-local fe80::2 and fe80::1).
# Every host's default routes point at gw. Namespace names get a per-run
# suffix (le-gw-XXXXXX, le-edge-XXXXXX, ...).
#
#                                     +-------------+
#   edge       203.0.113.10/24   eth0 |             | .1
#              2001:db8:e::10/64 -----| edge        | ::1
#                                     |             |
#   partner    198.51.100.20/24  eth0 |             | .1
#              2001:db8:1::20/64 -----| partner     | ::1
#                                     |     gw      |
#   client     192.0.2.30/24     eth0 |             | .1
#              2001:db8:2::30/64 -----| client      | ::1
#                                     | nf_lyncedge |
#   messenger  198.18.0.40/24    eth0 | forwarding  | .1
#              2001:db8:3::40/64 -----| messenger   | ::1
#                                     |             |
#   stranger   198.19.0.50/24    eth0 |             | .1
#              2001:db8:4::50/64 -----| stranger    | ::1
#                                     +-------------+
#
# config_sample puts in gw's sets (the stranger is in none):
#   edge      203.0.113.10, 2001:db8:e::10
#   partners  198.51.100.0/24, 2001:db8:1::/64
#   clients   192.0.2.0/24, 2001:db8:2::/64
#   messenger 198.18.0.0/24, 2001:db8:3::/64
#
# Every host runs a "probe listen" server (TCP echo; UDP echo of '?'
# datagrams, silent sink for others) on the ports in LISTEN_SPECS, and logs
# each connection or datagram to $TMPD/NAMESPACE.log (see log_count).
#
# Results are TAP 13 in kselftest style: a test script defines cases with
# run_case, each made of assertions (expect_probe, expect_counters, ...);
# tap_finish prints the plan and exits 0 (pass), 1 (a case failed) or 4
# (everything skipped).

set -u

SELFTESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SELFTESTS_DIR/.." && pwd)

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

# Probe timeouts: short for flows expected to be dropped (below the 1 s
# initial SYN retransmission, so a dropped connect sends one SYN), generous
# for flows expected to pass (TCG is slow). Every expected drop is also
# asserted on a deny counter, so no result hangs on timing alone.
DROP_MS=${DROP_MS:-600}
PASS_MS=${PASS_MS:-8000}

# How many times slower than on Debian's kernels the guest runs (run.sh
# sets it: 6 on the debug kernel). Waits for something that does come,
# only later on a slow kernel, scale by it; waits that prove an absence
# do not.
SLOWDOWN=${LYNCEDGE_VM_SLOWDOWN:-1}
[[ $SLOWDOWN =~ ^[1-9][0-9]*$ ]] || SLOWDOWN=1

HOSTS="edge partner client messenger stranger"
declare -A A4=([edge]=203.0.113.10 [partner]=198.51.100.20 [client]=192.0.2.30
	       [messenger]=198.18.0.40 [stranger]=198.19.0.50)
declare -A A6=([edge]=2001:db8:e::10 [partner]=2001:db8:1::20 [client]=2001:db8:2::30
	       [messenger]=2001:db8:3::40 [stranger]=2001:db8:4::50)
declare -A GW4=([edge]=203.0.113.1 [partner]=198.51.100.1 [client]=192.0.2.1
		[messenger]=198.18.0.1 [stranger]=198.19.0.1)
declare -A GW6=([edge]=2001:db8:e::1 [partner]=2001:db8:1::1 [client]=2001:db8:2::1
		[messenger]=2001:db8:3::1 [stranger]=2001:db8:4::1)
declare -A NS=()	# host role -> namespace name; NS[gw] is the gateway
GW=

LISTEN_SPECS="tcp:443 tcp:3478 tcp:5061 tcp:40000 tcp:49999-50000
	      tcp:59999-60000 udp:443 udp:3478 udp:5061 udp:40000"

# The hosts' ephemeral ports: below the A/V range (see topo_create).
EPHEMERAL_PORTS="32768 49999"

RUN_ID=$(mktemp -u XXXXXX)
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/lyncedge-selftest.XXXXXX")
ALL_NS=()
PIDS=()

# ---- TAP ----

TESTS_RUN=0
TESTS_FAILED=0
TESTS_SKIPPED=0
CASE_FAILED=0
TAP_STARTED=0

# The TAP header, once, before the first test point or plan.
tap_start() {
	[ "$TAP_STARTED" -eq 1 ] && return
	TAP_STARTED=1
	echo "TAP version 13"
}

# Diagnostics go to stdout as TAP comments.
diag() { echo "# $*"; }

# Mark the current case failed (it goes on, to report every mismatch).
fail() { diag "$*"; CASE_FAILED=1; }

# run_case DESCRIPTION FUNCTION [ARGS...]: one TAP test point.
run_case() {
	local desc=$1 rc
	shift
	tap_start
	CASE_FAILED=0
	"$@"
	rc=$?
	[ "$rc" -eq 0 ] || [ "$CASE_FAILED" -ne 0 ] || fail "$1 returned $rc"
	TESTS_RUN=$((TESTS_RUN + 1))
	if [ "$CASE_FAILED" -eq 0 ]; then
		echo "ok $TESTS_RUN - $desc"
	else
		TESTS_FAILED=$((TESTS_FAILED + 1))
		echo "not ok $TESTS_RUN - $desc"
	fi
}

skip_case() {
	tap_start
	TESTS_RUN=$((TESTS_RUN + 1))
	TESTS_SKIPPED=$((TESTS_SKIPPED + 1))
	echo "ok $TESTS_RUN - $1 # SKIP $2"
}

tap_finish() {
	tap_start
	echo "1..$TESTS_RUN"
	diag "$((TESTS_RUN - TESTS_FAILED - TESTS_SKIPPED)) passed," \
	     "$TESTS_FAILED failed, $TESTS_SKIPPED skipped"
	[ "$TESTS_FAILED" -eq 0 ] || exit $KSFT_FAIL
	[ "$TESTS_RUN" -gt 0 ] && [ "$TESTS_SKIPPED" -eq "$TESTS_RUN" ] && exit $KSFT_SKIP
	exit $KSFT_PASS
}

# Skip the whole script (before any case ran).
skip_all() {
	tap_start
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

# ---- environment ----

require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
}

require_tool() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || skip_all "$t not installed"
	done
}

# The CLI: $LYNCEDGE, else the one on PATH, else the tree's build.
find_lyncedge() {
	if [ -z "${LYNCEDGE:-}" ]; then
		LYNCEDGE=$(command -v lyncedge || true)
		[ -n "$LYNCEDGE" ] || LYNCEDGE=$REPO_DIR/userspace/lyncedge
	fi
	[ -x "$LYNCEDGE" ] || skip_all "lyncedge CLI not found (make cli)"
}

# The module is loaded only inside the test VM (selftests/qemu/run.sh sets
# LYNCEDGE_VM), never on a development host. LYNCEDGE_FAKE=1 lets
# a developer point $LYNCEDGE at a stand-in and run the scripts anyway.
require_module() {
	[ -n "${LYNCEDGE_FAKE:-}" ] && return 0
	[ -d /sys/module/nf_lyncedge ] && return 0
	if [ -n "${LYNCEDGE_VM:-}${LYNCEDGE_VM_OUTDIR:-}" ]; then
		# In the VM the module must load: that is a failure, not a skip.
		if ! modprobe nf_lyncedge; then
			tap_start
			echo "1..1"
			echo "not ok 1 - modprobe nf_lyncedge"
			exit $KSFT_FAIL
		fi
		return 0
	fi
	skip_all "nf_lyncedge is not loaded (run inside the VM: make vmtest)"
}

# The host tools, built on first use into build/selftests (make decides
# what is stale): the probe, and table-rows, which prints the module's rows
# from module/table.c for the tests' models of the table.
PROBE=
TABLE_ROWS=
build_tools() {
	local out=${PROBE_DIR:-$REPO_DIR/build/selftests}

	PROBE=$out/probe
	TABLE_ROWS=$out/table-rows
	export TABLE_ROWS
	if ! make -s -q -C "$SELFTESTS_DIR/tools" OUT="$out" "$PROBE" "$TABLE_ROWS" 2>/dev/null; then
		command -v "${CC:-gcc}" >/dev/null || skip_all "no C compiler to build selftests/tools"
		make -s -C "$SELFTESTS_DIR/tools" OUT="$out" "$PROBE" "$TABLE_ROWS" >&2 ||
			skip_all "cannot build selftests/tools (probe, table-rows)"
	fi
}

# Everything a traffic test needs; call once at the top.
lib_init() {
	trap cleanup EXIT
	require_root
	require_tool ip
	find_lyncedge
	require_module
	build_tools
}

cleanup() {
	local pid ns

	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	# Whatever else a test started inside its namespaces.
	for ns in "${ALL_NS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	[ ${#ALL_NS[@]} -eq 0 ] ||
		printf 'netns del %s\n' "${ALL_NS[@]}" | ip -force -b - 2>/dev/null
	rm -rf "$TMPD"
}

# ---- namespaces and topology ----

# ns_create NAME: a fresh namespace with lo up, removed at exit.
ns_create() {
	ip netns add "$1" || return 1
	ALL_NS+=("$1")
	ip -n "$1" link set lo up
}

# in_ns ROLE|NAMESPACE CMD...: run CMD in a host's (or any) namespace. The
# probe enters it (setns) and execs CMD: much cheaper under TCG than
# "ip netns exec" (no shared libraries, no /sys remount, which no test needs).
in_ns() {
	local ns=${NS[$1]:-$1}
	shift
	"$PROBE" -N "$ns" exec "$@"
}

# topo_create [TAG]: build the topology above; NS[] and GW name it. A TAG
# lets a script build several independent ones: topo_save NAME keeps NS[]
# in an array named NAME, topo_use NAME makes it current again. Few "ip"
# processes, each a batch: process start-up dominates under TCG. Link-local
# addresses are set by hand (fe80::1 gw, fe80::2 host) without DAD: while
# a link-local address is tentative the gateway cannot solicit neighbours
# for forwarded packets, and the first IPv6 packets would be lost.
topo_create() {
	local tag=${1:+$1-} h

	NS=([gw]=le-${tag}gw-$RUN_ID)
	GW=${NS[gw]}
	for h in $HOSTS; do
		NS[$h]=le-${tag}$h-$RUN_ID
	done
	for h in gw $HOSTS; do
		ALL_NS+=("${NS[$h]}")
	done
	{
		for h in gw $HOSTS; do
			echo "netns add ${NS[$h]}"
		done
		for h in $HOSTS; do
			echo "link add name $h netns $GW type veth peer name eth0 netns ${NS[$h]}"
		done
	} | ip -b - || return 1
	for h in $HOSTS; do
		ip -n "${NS[$h]}" -b - <<-EOF || return 1
			link set lo up
			link set eth0 addrgenmode none
			link set eth0 up
			addr add fe80::2/64 dev eth0 nodad
			addr add ${A4[$h]}/24 dev eth0
			addr add ${A6[$h]}/64 dev eth0 nodad
			route add default via ${GW4[$h]}
			route add default via ${GW6[$h]}
		EOF
	done
	{
		echo "link set lo up"
		for h in $HOSTS; do
			echo "link set $h addrgenmode none"
			echo "link set $h up"
			echo "addr add fe80::1/64 dev $h nodad"
			echo "addr add ${GW4[$h]}/24 dev $h"
			echo "addr add ${GW6[$h]}/64 dev $h nodad"
		done
	} | ip -n "$GW" -b - || return 1
	in_ns "$GW" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null
	# Rows 4, E9 and E10 also read the source port, in the A/V range
	# 50000-59999, which the kernel's default ephemeral range covers: a
	# host's connect() would then match those rows by chance. Keep the
	# ephemeral ports below it; a test that wants the source-port reading
	# picks its port.
	for h in $HOSTS; do
		in_ns "${NS[$h]}" sysctl -qw net.ipv4.ip_local_port_range="$EPHEMERAL_PORTS" \
			>/dev/null || return 1
	done
}

topo_save() {
	local k
	declare -gA "$1=()"
	for k in "${!NS[@]}"; do
		eval "$1[\$k]=\${NS[\$k]}"
	done
}

topo_use() {
	local k
	local -n saved=$1
	NS=()
	for k in "${!saved[@]}"; do
		NS[$k]=${saved[$k]}
	done
	GW=${NS[gw]}
}

# start_listeners [HOST...]: the probe server on every host (or those named).
start_listeners() {
	local h pid

	# shellcheck disable=SC2048,SC2086
	for h in ${*:-$HOSTS}; do
		# shellcheck disable=SC2086
		pid=$("$PROBE" -N "${NS[$h]}" listen -o "$TMPD/${NS[$h]}.log" $LISTEN_SPECS) ||
			{ diag "cannot start the server on $h"; return 1; }
		PIDS+=("$pid")
	done
}

# ---- lyncedge configuration and counters ----

# le [-n NAMESPACE] ARGS...: the CLI in gw (or NAMESPACE).
le() {
	local ns=$GW
	if [ "${1:-}" = -n ]; then
		ns=${NS[$2]:-$2}
		shift 2
	fi
	"$LYNCEDGE" -n "$ns" "$@"
}

# config_sample [-n NAMESPACE] MODE: add the sample sets above, set MODE.
config_sample() {
	local opt=()
	if [ "${1:-}" = -n ]; then
		opt=(-n "$2")
		shift 2
	fi
	le "${opt[@]}" add edge 203.0.113.10 2001:db8:e::10 &&
	le "${opt[@]}" add partners 198.51.100.0/24 2001:db8:1::/64 &&
	le "${opt[@]}" add clients 192.0.2.0/24 2001:db8:2::/64 &&
	le "${opt[@]}" add messenger 198.18.0.0/24 2001:db8:3::/64 &&
	le "${opt[@]}" mode "$1"
}

# le_show [NAMESPACE]: read "lyncedge show" into LE_SHOW.
LE_SHOW=
le_show() {
	LE_SHOW=$(le -n "${1:-$GW}" show) || { diag "lyncedge show failed"; return 1; }
}

# Every set, in the order show lists them; and the profiles a gateway can
# enable besides pic, which is always on.
ALL_SETS="edge partners clients messenger access webconf av"
OPTIONAL_PROFILES="base remote-users federation xmpp ocs2007"

# Parse "lyncedge show" text into the associative array CTR: mode, log,
# profiles (" pic base ... ", the enabled ones between spaces), for each
# row of an enabled profile rule<LABEL> (rule1..rule6 for pic's, ruleE9,
# ruleE7/F1, ...) and rule<LABEL>_bytes, norule, invalid, malformed (+
# _bytes), state, state_bytes, and per set SET (total), SET_4, SET_6.
# CTR_KEYS lists the packet counters found, rows first, in show's order.
# Pure bash: a process per accessor would cost seconds per case under TCG.
declare -A CTR=()
CTR_KEYS=()
# shellcheck disable=SC2120
le_parse() {
	local line re_rule re_deny re_set re_state
	CTR=()
	CTR_KEYS=()
	# "    LABEL SERVICE PROTO PORT MATCH FROM TO PACKETS BYTES", under
	# the "  profile NAME" line of its profile.
	re_rule='^    ([^ ]+) +[^ ]+ +(tcp|udp) +[0-9-]+ +[^ ]+ +[^ ]+ +[^ ]+ +([0-9]+) +([0-9]+)$'
	re_deny='^  (no-rule|invalid|malformed) +packets ([0-9]+) bytes ([0-9]+)$'
	re_set='^  ([a-z]+) +([0-9]+) prefix(es)? \(([0-9]+) IPv4, ([0-9]+) IPv6\)$'
	re_state='^accepted by conntrack state \(established, related\): packets ([0-9]+) bytes ([0-9]+)$'
	while IFS= read -r line; do
		if [[ $line =~ ^mode:\ (off|monitor|enforce)$ ]]; then
			CTR[mode]=${BASH_REMATCH[1]}
		elif [[ $line =~ ^log:\ (on|off)$ ]]; then
			CTR[log]=${BASH_REMATCH[1]}
		elif [[ $line =~ ^profiles:(.*)$ ]]; then
			CTR[profiles]="${BASH_REMATCH[1]} "
		elif [[ $line =~ $re_rule ]]; then
			CTR[rule${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
			CTR[rule${BASH_REMATCH[1]}_bytes]=${BASH_REMATCH[4]}
			CTR_KEYS+=("rule${BASH_REMATCH[1]}")
		elif [[ $line =~ $re_deny ]]; then
			CTR[${BASH_REMATCH[1]//-/}]=${BASH_REMATCH[2]}
			CTR[${BASH_REMATCH[1]//-/}_bytes]=${BASH_REMATCH[3]}
			CTR_KEYS+=("${BASH_REMATCH[1]//-/}")
		elif [[ $line =~ $re_set ]]; then
			CTR[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
			CTR[${BASH_REMATCH[1]}_4]=${BASH_REMATCH[4]}
			CTR[${BASH_REMATCH[1]}_6]=${BASH_REMATCH[5]}
		elif [[ $line =~ $re_state ]]; then
			CTR[state]=${BASH_REMATCH[1]}
			CTR[state_bytes]=${BASH_REMATCH[2]}
			CTR_KEYS+=(state)
		fi
	done <<< "${1-$LE_SHOW}"
}

# Accessors on LE_SHOW (call le_show first).
ctr_get() { le_parse; echo "${CTR[$1]:-}"; }
show_mode() { ctr_get mode; }
rule_packets() { ctr_get "rule$1"; }
rule_bytes() { ctr_get "rule$1_bytes"; }
deny_packets() { ctr_get "${1//-/}"; }
deny_bytes() { ctr_get "${1//-/}_bytes"; }
state_packets() { ctr_get state; }
state_bytes() { ctr_get state_bytes; }
set_size() { ctr_get "$1"; }

# The packet counters of a pic-only configuration, as show lists them.
COUNTER_KEYS="rule1 rule2 rule3 rule4 rule5 rule6 norule invalid malformed state"

# expect_explain PROTO FAMILY SRC DST PORT WANT [SPORT]: "lyncedge explain"
# in the gateway judges the flow as its real packets are judged. WANT is
# "row LABEL" (the row that allows it), "denied" (no-rule) or "untouched".
expect_explain() {
	local proto=$1 f=$2 src=$3 dst=$4 port=$5 want=$6 sport=() out
	[ $# -ge 7 ] && sport=("$7")
	out=$(le explain "$proto" "$(addr "$f" "$src")" "${sport[@]}" "$(addr "$f" "$dst")" "$port" 2>&1)
	case $want in
	row*) [[ $out == *": allowed by $want of profile "* ]] ;;
	denied) [[ $out == *": denied (no-rule); "* ]] ;;
	untouched) [[ $out == *": not edge traffic, passes untouched" ]] ;;
	esac || fail "explain $proto $src -> $dst:$port: '$out', want $want"
}

# config_state: the whole configuration of the current gateway as the CLI
# reports it (show, then every set's listing), for before/after compares.
config_state() {
	local s
	le show
	for s in $ALL_SETS; do
		echo "== $s"
		le list "$s" | sort
	done
}

# expect_pristine NAMESPACE: what a namespace the module never configured,
# or a freshly loaded module, shows: mode off, log off, only pic enabled,
# every set empty (show and list agree) and every counter at zero, packets
# and bytes.
expect_pristine() {
	local ns=$1 k
	le_show "$ns" || { fail "$ns: lyncedge show failed"; return; }
	le_parse
	[ "${CTR[mode]:-}" = off ] || fail "$ns: mode '${CTR[mode]:-}', want off"
	[ "${CTR[log]:-}" = off ] || fail "$ns: log '${CTR[log]:-}', want off"
	[ "${CTR[profiles]:-}" = " pic " ] ||
		fail "$ns: profiles '${CTR[profiles]:-}', want ' pic '"
	for k in $ALL_SETS; do
		[ "${CTR[$k]:-}" = 0 ] || fail "$ns: set $k has '${CTR[$k]:-}' prefixes, want 0"
		[ -z "$(le -n "$ns" list $k)" ] || fail "$ns: list $k is not empty"
	done
	[ "${CTR_KEYS[*]}" = "$COUNTER_KEYS" ] ||
		fail "$ns: show lists the counters '${CTR_KEYS[*]}', want '$COUNTER_KEYS'"
	for k in $COUNTER_KEYS; do
		[ "${CTR[$k]:-}" = 0 ] && [ "${CTR[${k}_bytes]:-}" = 0 ] ||
			fail "$ns: counter $k is '${CTR[$k]:-}/${CTR[${k}_bytes]:-}', want 0/0"
	done
}

# counters_mark [NAMESPACE]: remember the counters as the baseline of the
# next expect_counters.
MARK_NS=
declare -A MARK=()
counters_mark() {
	local k
	MARK_NS=${1:-$GW}
	le_show "$MARK_NS" || { fail "cannot read counters"; return 1; }
	le_parse
	MARK=()
	for k in "${!CTR[@]}"; do
		MARK[$k]=${CTR[$k]}
	done
}

# counters_delta: after le_show and le_parse, the counters that moved since
# counters_mark, " name +N" each.
counters_delta() {
	local k out=
	# A row that a profile enabled since has no mark: it counted from 0.
	for k in "${CTR_KEYS[@]}"; do
		[ "${CTR[$k]}" = "${MARK[$k]:-0}" ] || out+=" $k +$((CTR[$k] - ${MARK[$k]:-0}))"
	done
	echo "${out:- none}"
}

# expect_counters [KEY=SPEC...]: compare the counters' change since
# counters_mark. KEY is a packet counter as le_parse names it (rule1,
# ruleE9, norule, state, ...) or NAME_bytes; SPEC is N (exactly), N+ (at
# least N) or * (anything). Packet counters not named, those of every row
# show lists (the enabled profiles') included, must not move (bytes follow
# their packets); "state" is free unless named. So a case also proves that
# no other row or reason counted.
expect_counters() {
	local -A spec_of=()
	local arg k spec d

	for arg in "$@"; do
		spec_of[${arg%%=*}]=${arg#*=}
	done
	le_show "$MARK_NS" || { fail "cannot read counters"; return 1; }
	le_parse
	for k in "${CTR_KEYS[@]}"; do
		if [ -z "${spec_of[$k]:-}" ]; then
			spec_of[$k]=0
			[ "$k" = state ] && spec_of[$k]='*'
		fi
		[ "${spec_of[$k]}" = 0 ] && : "${spec_of[${k}_bytes]:=0}"
		: "${spec_of[${k}_bytes]:=*}"
	done
	for k in "${!spec_of[@]}"; do
		spec=${spec_of[$k]}
		if [ -z "${CTR[$k]:-}" ] || [ -z "${MARK[$k]:-}" ]; then
			fail "counter '$k' not found in 'lyncedge show'"
			continue
		fi
		d=$((CTR[$k] - MARK[$k]))
		case $spec in
		'*') ;;
		*+) [ "$d" -ge "${spec%+}" ] || fail "counter $k moved by $d, want at least ${spec%+}" ;;
		*) [ "$d" -eq "$spec" ] || fail "counter $k moved by $d, want $spec" ;;
		esac
	done
}

# ---- traffic ----

# probe_word STATUS: the probe's exit status as a word, in WORD (no
# subshell: a fork costs milliseconds under TCG, and the suite asks often).
WORD=
probe_word() {
	case $1 in
	0) WORD=ok ;;
	3) WORD=timeout ;;
	4) WORD=refused ;;
	5) WORD=unreachable ;;
	6) WORD=eperm ;;
	2) WORD=usage ;;
	*) WORD="error($1)" ;;
	esac
}

# expect_probe WANT HOST PROBE-ARGS...: run the probe in HOST's namespace;
# WANT is ok, timeout, refused, unreachable or eperm ("a|b" for either).
# Adds -t: DROP_MS when a drop is expected, PASS_MS otherwise.
expect_probe() {
	local want=$1 host=$2 cmd=$3 got t
	shift 3
	t=$PASS_MS
	case $want in timeout*) t=$DROP_MS ;; esac
	case $cmd in
	tcp-connect|tcp-session|udp-request|icmp-echo) set -- -t "$t" "$@" ;;
	esac
	"$PROBE" -N "${NS[$host]:-$host}" "$cmd" "$@" > "$TMPD/probe.out" 2> "$TMPD/probe.err"
	probe_word $?
	got=$WORD
	case "|$want|" in
	*"|$got|"*) return 0 ;;
	esac
	fail "$host: probe $cmd $*: $got, want $want $(head -c 200 "$TMPD/probe.err")"
	return 1
}

# log_count HOST PATTERN: lines of HOST's server log matching PATTERN (ERE).
log_count() {
	local n
	n=$(grep -cE -- "$2" "$TMPD/${NS[$1]:-$1}.log" 2>/dev/null)
	echo "${n:-0}"
}

# Address of HOST in family 4 or 6.
addr() { local a; addr_to a "$1" "$2"; echo "$a"; }
# addr_to VAR FAMILY HOST: the same into VAR, without a subshell's fork.
addr_to() { local -n out_=$1; if [ "$2" = 4 ]; then out_=${A4[$3]}; else out_=${A6[$3]}; fi; }

# IP + UDP header bytes for family 4 or 6.
udp_overhead() { if [ "$1" = 4 ]; then echo 28; else echo 48; fi; }

# ---- the kernel log ----

# Lines in the kernel log; a script keeps it in DMESG_START at its start.
dmesg_lines() { dmesg | wc -l; }

# Lines logged since DMESG_START that look like trouble: what
# selftests/qemu/run.sh fails a run on, for a script run outside it, and
# the module's own complaints.
kernel_trouble() {
	dmesg | tail -n +$((DMESG_START + 1)) |
		grep -E 'WARNING:|BUG:|Oops|general protection|refcount_t|UBSAN|KASAN|lockdep|possible .*(deadlock|recursive locking)|suspicious RCU|INFO: task|Call Trace|nf_lyncedge.*(error|fail)'
}

# wait_until SECONDS CMD...: poll CMD until it succeeds, for SECONDS times
# SLOWDOWN at most: every wait here is for something that does come.
wait_until() {
	local deadline=$((SECONDS + $1 * SLOWDOWN))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}
