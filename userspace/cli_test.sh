#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the CLI's argument handling; prints TAP. Needs no module:
# bad input must exit 2 with one line on stderr and send nothing (checked
# with strace when it works), and with the module absent valid commands
# must exit 1 with the "not loaded" line (skipped when the family exists).
#
# With FAKE_GENL_SO (built from fake_genl.c), the netlink side is tested too
# against that stand-in for the module: exact "show" layout, ACKs, extack
# messages, batching of big loads, dump restarts.
#
# usage: cli_test.sh [PATH_TO_LYNCEDGE [FAKE_GENL_SO]]

LYNCEDGE=${1:-./lyncedge}
FAKE=${2:-}
VERSION_H=$(dirname "$0")/../module/version.h
NOT_LOADED="lyncedge: the nf_lyncedge module is not loaded (try: modprobe nf_lyncedge)"

tests=0
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {	# ok COND DESCRIPTION
	tests=$((tests + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tests - $2"
	else
		failures=$((failures + 1))
		echo "not ok $tests - $2"
		sed 's/^/# stdout: /' "$tmp/out"
		sed 's/^/# stderr: /' "$tmp/err"
	fi
}

skip() {
	tests=$((tests + 1))
	echo "ok $tests - $1 # SKIP $2"
}

# run ARGS...: sets $rc; output in $tmp/out, $tmp/err, syscalls in $tmp/trace
if strace -f -o /dev/null true 2>/dev/null; then
	have_strace=1
else
	have_strace=0
fi
run() {
	: >"$tmp/trace"
	if [ $have_strace = 1 ]; then
		strace -f -qq -e trace=socket -o "$tmp/trace" \
			"$LYNCEDGE" "$@" >"$tmp/out" 2>"$tmp/err"
	else
		"$LYNCEDGE" "$@" >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
}

# A usage error: exit 2, nothing on stdout, one "lyncedge: " line on stderr,
# no netlink socket; $expect, when set, is the exact line.
usage_case() {
	local desc="lyncedge $*" cond=0 line

	desc=${desc//$'\n'/\\n}

	run "$@"
	line=$(cat "$tmp/err")
	[ $rc = 2 ] || cond=1
	[ -s "$tmp/out" ] && cond=1
	[ "$(wc -l <"$tmp/err")" = 1 ] || cond=1
	case "$line" in lyncedge:\ *) ;; *) cond=1 ;; esac
	if [ -n "$expect" ] && [ "$line" != "$expect" ]; then
		cond=1
	fi
	grep -q NETLINK "$tmp/trace" && cond=1
	ok $cond "${desc:0:100}: exit 2, one line${expect:+ (exact)}, nothing sent"
	expect=
}

expect=
version=$(sed -n 's/^#define LYNCEDGE_VERSION "\(.*\)"$/\1/p' "$VERSION_H")
run --version
[ $rc = 0 ] && [ "$(cat "$tmp/out")" = "lyncedge $version" ]
ok $? "--version prints \"lyncedge $version\""
for h in -h --help help; do
	run $h
	[ $rc = 0 ] && grep -q '^Usage: lyncedge' "$tmp/out" && [ ! -s "$tmp/err" ]
	ok $? "$h prints the usage on stdout and exits 0"
done
if [ -w /dev/full ]; then
	"$LYNCEDGE" --help >/dev/full 2>"$tmp/err"
	rc=$?
	: >"$tmp/out"
	[ $rc = 1 ] && grep -q 'cannot write the output' "$tmp/err"
	ok $? "a write error on stdout exits 1"
fi

expect="lyncedge: no command given (try: lyncedge help)"
usage_case
expect="lyncedge: unknown command 'bogus' (try: lyncedge help)"
usage_case bogus
expect="lyncedge: unknown option '-x' (try: lyncedge help)"
usage_case -x
usage_case --verbose show
expect="lyncedge: mode: missing argument (usage: lyncedge mode {off|monitor|enforce})"
usage_case mode
expect="lyncedge: mode: unknown mode 'on' (expected off, monitor or enforce)"
usage_case mode on
usage_case mode Enforce
expect="lyncedge: mode: too many arguments (usage: lyncedge mode {off|monitor|enforce})"
usage_case mode enforce monitor
expect="lyncedge: show: too many arguments (usage: lyncedge show)"
usage_case show edge
expect="lyncedge: add: missing argument (usage: lyncedge add SET PREFIX...)"
usage_case add
usage_case add edge
usage_case del partners
expect="lyncedge: add: unknown set 'bogus' (expected edge, partners, clients or messenger)"
usage_case add bogus 10.0.0.0/8
expect="lyncedge: add edge: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)"
usage_case add edge 10.0.0.1/8
expect="lyncedge: del partners: 198.51.100.1/24: host bits set (did you mean 198.51.100.0/24?)"
usage_case del partners 198.51.100.1/24
expect="lyncedge: add edge: 1.2.3.4/: missing prefix length after '/'"
usage_case add edge 10.0.0.0/8 2001:db8::/32 1.2.3.4/
expect="lyncedge: add clients: 2001:db8::/129: prefix length 129 is out of range for IPv6 (0..128)"
usage_case add clients 2001:db8::/129
usage_case add edge "1.2.3.4/ 8"
usage_case add edge 1.2.3.4/08
usage_case add edge 1.2.3.4/-1
usage_case add edge ""
expect="lyncedge: add edge: fe80::1%eth0: scoped addresses (%zone) are not supported"
usage_case add edge fe80::1%eth0
usage_case add messenger ::ffff:192.0.2.1
usage_case add edge "$(printf '1.2.3.4\nlyncedge: forged line')"
usage_case add edge "$(head -c 5000 /dev/zero | tr '\0' 1)"
expect="lyncedge: flush: unknown set 'bogus' (expected edge, partners, clients or messenger, or all)"
usage_case flush bogus
usage_case flush
usage_case flush edge clients
usage_case test edge
usage_case test edge 1.2.3.4 5.6.7.8
usage_case test bogus 1.2.3.4
expect="lyncedge: test edge: 203.0.113.0/24: expected a single address, not a prefix"
usage_case test edge 203.0.113.0/24
usage_case list
usage_case list all
usage_case list edge clients
usage_case help add

# Everything parses, then the family lookup fails.
run show
if [ $rc = 1 ] && [ "$(cat "$tmp/err")" = "$NOT_LOADED" ]; then
	for args in "show" "mode enforce" "mode off" "add edge 203.0.113.10" \
		    "add partners 198.51.100.0/24 2001:db8::/32 0.0.0.0/0 ::/0" \
		    "del clients ::/0" "flush all" "flush messenger" \
		    "test edge 203.0.113.10" "test edge 2001:db8::1/128" \
		    "list partners"; do
		# shellcheck disable=SC2086
		run $args
		[ $rc = 1 ] && [ "$(cat "$tmp/err")" = "$NOT_LOADED" ] &&
			[ ! -s "$tmp/out" ]
		ok $? "lyncedge $args: exit 1, \"not loaded\""
	done

	# 100,000 prefixes parse (the stack limit decides how much argv holds)
	mapfile -t many < <(for ((i = 0; i < 100000; i++)); do
		echo "10.$((i >> 8 & 255)).$((i & 255)).$((i >> 16 & 255))"
	done)
	(ulimit -s 65536 2>/dev/null; "$LYNCEDGE" add edge "${many[@]}") \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] && [ "$(cat "$tmp/err")" = "$NOT_LOADED" ]
	ok $? "add of 100000 prefixes parses them all"
	many[99999]=10.0.0.1/8
	(ulimit -s 65536 2>/dev/null; "$LYNCEDGE" add edge "${many[@]}") \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && grep -q '10.0.0.1/8: host bits set' "$tmp/err"
	ok $? "a bad 100000th prefix is found before anything is sent"
else
	skip "valid commands without the module" "the lyncedge family exists here"
fi

# frun ARGS...: run against the fake module; the requests it saw in $tmp/log
frun() {
	: >"$tmp/log"
	LD_PRELOAD=$FAKE FAKE_LOG=$tmp/log "$LYNCEDGE" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# fcase EXIT STDOUT STDERR DESCRIPTION: check the last frun
fcase() {
	[ $rc = "$1" ] && [ "$(cat "$tmp/out")" = "$2" ] &&
		[ "$(cat "$tmp/err")" = "$3" ]
	ok $? "$4"
}

if [ -n "$FAKE" ]; then
	export FAKE_SCENARIO=
	frun show
	fcase 0 "$(cat <<'EOF'
mode: enforce
sets:
  edge           2 prefixes (1 IPv4, 1 IPv6)
  partners       1 prefix (1 IPv4, 0 IPv6)
  clients        0 prefixes (0 IPv4, 0 IPv6)
  messenger      1 prefix (0 IPv4, 1 IPv6)
rules:
  #  service   proto  dport        from       to                packets            bytes
  1  SIP/MTLS  tcp    5061         partners   edge                    3              180
  2  SIP/MTLS  tcp    5061         edge       partners                0                0
  3  SIP/TLS   tcp    443          clients    edge                    0                0
  4  RTP       tcp    50000-59999  edge       messenger               0                0
  5  STUN      udp    3478         edge       messenger               0                0
  6  STUN      udp    3478         messenger  edge                    0                0
denied (dropped in enforce mode, only counted in monitor mode):
  no-rule        packets 0 bytes 0
  invalid        packets 0 bytes 0
  malformed      packets 0 bytes 0
accepted by conntrack state (established, related): packets 0 bytes 0
EOF
)" "" "fake: show prints the exact layout"

	frun mode monitor
	fcase 0 "" "" "fake: mode monitor"
	[ "$(cat "$tmp/log")" = "mode 1=1" ]
	ok $? "fake: mode sends LYNCEDGE_A_MODE=1 only"
	FAKE_SCENARIO=warn frun mode enforce
	fcase 0 "" "lyncedge: warning: mode unchanged" \
		"fake: an ACK with a message is printed as a warning"
	frun flush all
	[ $rc = 0 ] && [ "$(cat "$tmp/log")" = "flush" ]
	ok $? "fake: flush all sends no set"
	frun flush clients
	[ $rc = 0 ] && [ "$(cat "$tmp/log")" = "flush 2=2" ]
	ok $? "fake: flush clients sends LYNCEDGE_A_SET=2"

	frun test edge 203.0.113.10
	fcase 0 "203.0.113.10 is in edge" "" "fake: test, member: exit 0"
	[ "$(cat "$tmp/log")" = "test 1/4" ]
	ok $? "fake: test sends ADDR4 without LEN"
	frun test edge 203.0.113.11/32
	fcase 1 "203.0.113.11 is not in edge" "" "fake: test, not a member: exit 1"
	frun test messenger 2001:DB8:0::1
	fcase 1 "2001:db8::1 is not in messenger" "" \
		"fake: test prints the canonical IPv6 address"
	[ "$(cat "$tmp/log")" = "test 2/16" ]
	ok $? "fake: test sends ADDR6 without LEN"
	FAKE_SCENARIO=nomember frun test edge 203.0.113.10
	fcase 1 "" "lyncedge: test edge: the kernel's reply has no member flag (Protocol error)" \
		"fake: a reply without MEMBER is an error"

	listing="198.51.100.0/24
192.0.2.7
2001:db8::/32
2001:db8::1
0.0.0.0/0
::/0"
	frun list partners
	fcase 0 "$listing" "" "fake: list prints one prefix a line, /32 and /128 bare"
	FAKE_INTR=2 frun list partners
	fcase 0 "$listing" "" "fake: list restarts an interrupted dump and drops its prefixes"
	[ "$(grep -c 'dump attempt' "$tmp/log")" = 3 ]
	ok $? "fake: two interrupted dumps, three attempts"
	FAKE_INTR=1000 frun list partners
	fcase 1 "" "lyncedge: list partners: the dump raced with updates 11 times in a row (Resource temporarily unavailable)" \
		"fake: a dump interrupted every time gives up"
	FAKE_SCENARIO=badprefix frun list partners
	fcase 1 "" "lyncedge: list partners: malformed reply from the kernel (Protocol error)" \
		"fake: a prefix with host bits in a reply is refused"

	FAKE_SCENARIO=eperm frun show
	fcase 1 "" "lyncedge: show: Operation not permitted (CAP_NET_ADMIN needed)" \
		"fake: EPERM names CAP_NET_ADMIN"
	FAKE_SCENARIO=nofamily frun show
	fcase 1 "" "$NOT_LOADED" "fake: no family, not loaded"
	FAKE_SCENARIO=delnoent frun del partners 198.51.100.0/24 10.0.0.0/8 2001:db8::/64
	fcase 1 "" "lyncedge: del partners: 2001:db8::/64: prefix is not in the set (No such file or directory)" \
		"fake: the rejected prefix, the extack message and strerror"
	FAKE_SCENARIO=failbatch1 frun add clients 10.0.0.0/8 10.1.0.0/16 2001:db8::/64
	fcase 1 "" "lyncedge: add clients: 2001:db8::/64: Invalid argument" \
		"fake: without a message, the offset names the prefix"

	mapfile -t many < <(for ((i = 0; i < 100000; i++)); do
		if ((i % 2)); then
			printf '2001:db8:%x:%x::/64\n' $((i >> 16)) $((i & 65535))
		else
			echo "10.$((i >> 8 & 255)).$((i & 255)).$((i >> 16 & 255))"
		fi
	done)
	: >"$tmp/log"
	(ulimit -s 65536 2>/dev/null
	 LD_PRELOAD=$FAKE FAKE_LOG=$tmp/log "$LYNCEDGE" add edge "${many[@]}") \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 0 ] && [ "$(grep -c '^add prefixes=1000 ' "$tmp/log")" = 100 ] &&
		[ "$(wc -l <"$tmp/log")" = 100 ]
	ok $? "fake: 100000 prefixes go as 100 messages of 1000"
	max=$(sed -n 's/.*nest_len=//p' "$tmp/log" | sort -n | tail -1)
	[ "${max:-99999}" -le 60000 ]
	ok $? "fake: the biggest LYNCEDGE_A_PREFIXES nest is $max bytes"
	(ulimit -s 65536 2>/dev/null
	 FAKE_SCENARIO=failbatch3 LD_PRELOAD=$FAKE FAKE_LOG=/dev/null \
		"$LYNCEDGE" add edge "${many[@]}") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	fcase 1 "" "lyncedge: add edge: ${many[2002]}: Invalid argument; the first 2000 of 100000 prefixes were applied" \
		"fake: a failed batch says how much was applied"
	mapfile -t v6 < <(for ((i = 0; i < 2500; i++)); do
		printf 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:%x\n' $i
	done)
	frun del messenger "${v6[@]}"
	[ $rc = 0 ] && [ "$(cut -d' ' -f1,2 "$tmp/log" | tr '\n' ' ')" = \
		"del prefixes=1000 del prefixes=1000 del prefixes=500 " ]
	ok $? "fake: 2500 IPv6 prefixes go as 1000, 1000, 500"
	unset FAKE_SCENARIO
fi

echo "1..$tests"
[ $failures = 0 ]
