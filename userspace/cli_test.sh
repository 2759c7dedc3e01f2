#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the CLI's argument handling; prints TAP. Needs no module:
# bad input must exit 2 with one line on stderr and send nothing (checked
# with strace when it works), and with the module absent valid commands
# must exit 1 with the "not loaded" line (skipped when the family exists).
#
# With FAKE_GENL_SO (built from fake_genl.c), the netlink side is tested too
# against that stand-in for the module: exact "show" and "save" layouts, the
# JSON documents, ACKs, extack messages and cookies, the request sequence of
# transactions (restore, add/del -f, big loads), dump restarts, progress.
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
# stdin is $stdin, or /dev/null: no test may wait on the terminal.
run() {
	: >"$tmp/trace"
	if [ $have_strace = 1 ]; then
		strace -f -qq -e trace=socket -o "$tmp/trace" \
			"$LYNCEDGE" "$@" <"${stdin:-/dev/null}" >"$tmp/out" 2>"$tmp/err"
	else
		"$LYNCEDGE" "$@" <"${stdin:-/dev/null}" >"$tmp/out" 2>"$tmp/err"
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
expect="lyncedge: add: missing argument (usage: lyncedge add SET {PREFIX...|-f FILE})"
usage_case add
usage_case add edge
usage_case del partners
expect="lyncedge: add: unknown set 'bogus' (expected edge, partners, clients, messenger, access, webconf or av)"
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
expect="lyncedge: flush: unknown set 'bogus' (expected edge, partners, clients, messenger, access, webconf or av, or all)"
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

# profile, profiles: names are checked before anything is sent
expect="lyncedge: profile: missing argument (usage: lyncedge profile {enable|disable} PROFILE...)"
usage_case profile
expect="lyncedge: profile: missing argument (usage: lyncedge profile {enable|disable} PROFILE...)"
usage_case profile enable
expect="lyncedge: profile: unknown action 'on' (expected enable or disable)"
usage_case profile on remote-users
expect="lyncedge: profile enable: unknown profile 'remote_users' (expected pic, base, remote-users, federation, xmpp or ocs2007)"
usage_case profile enable remote_users
expect="lyncedge: profile enable: unknown profile 'bogus' (expected pic, base, remote-users, federation, xmpp or ocs2007)"
usage_case profile enable base bogus xmpp
expect="lyncedge: profile disable: unknown profile 'XMPP' (expected pic, base, remote-users, federation, xmpp or ocs2007)"
usage_case profile disable XMPP
expect="lyncedge: profile disable: pic is always on"
usage_case profile disable pic
expect="lyncedge: profile disable: pic is always on"
usage_case profile disable xmpp pic
usage_case profile enable "$(printf 'base\nlyncedge: forged line')"
expect="lyncedge: profiles: too many arguments (usage: lyncedge profiles)"
usage_case profiles pic
expect="lyncedge: add: unknown set 'any' (expected edge, partners, clients, messenger, access, webconf or av)"
usage_case add any 10.0.0.0/8
expect="lyncedge: add av: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)"
usage_case add av 10.0.0.1/8

run help
cond=0
for c in show mode log profiles "profile {enable|disable} PROFILE\.\.\." add \
	 del flush test list reset-counters explain save "restore \[FILE|-\]" \
	 "restore --set SET FILE|-" help; do
	grep -q "^  $c\( \|$\)" "$tmp/out" || cond=1
done
ok $cond "help lists every command, restore's two forms too"
awk 'length > 80 { bad = 1 } END { exit bad }' "$tmp/out"
ok $? "help fits in 80 columns"

# Input files of the new commands. Line numbers matter: messages name them.
printf '# edge addresses\n203.0.113.10\n\n  2001:db8:e::10\t# v6\n' \
	>"$tmp/good.list"
: >"$tmp/empty"
printf '10.0.0.0/8\n# comment\n\n\t10.0.0.1/8  \n' >"$tmp/bad.list"
printf 'partners 198.51.100.0/24\n' >"$tmp/conf-line.list"
cat >"$tmp/site.conf" <<'CONF'
# site configuration
mode monitor	# comment after a directive
log on

edge 203.0.113.10
	edge   2001:db8:e::10  
messenger 2001:db8:4::/48
partners 198.51.100.0/24
partners 198.51.100.0/24
partners 2001:db8:1::/64
profile remote-users
av 203.0.113.12
CONF
printf 'mode enforce\npartner 198.51.100.0/24\n' >"$tmp/bad.conf"
printf 'log on\nedge 203.0.113.10\nlog off\n' >"$tmp/twice.conf"
printf 'mode enforce\nprofile xmpp\nprofile base\nprofile xmpp\n' \
	>"$tmp/twice-profile.conf"
printf 'profile remote_users\n' >"$tmp/bad-profile.conf"
missing=$tmp/nonexistent

# -j/--json and -n/--netns: before the command only, in any order
expect="lyncedge: no command given (try: lyncedge help)"
usage_case -j
expect="lyncedge: no command given (try: lyncedge help)"
usage_case --json
expect="lyncedge: -n: missing network namespace"
usage_case -n
expect="lyncedge: --netns: missing network namespace"
usage_case -j --netns
expect="lyncedge: -n: invalid network namespace ''"
usage_case -n '' show
expect="lyncedge: -n: invalid network namespace '..'"
usage_case -n .. show
expect="lyncedge: no command given (try: lyncedge help)"
usage_case -n gw1
expect="lyncedge: unknown option '-x' (try: lyncedge help)"
usage_case -n gw1 -x show
expect="lyncedge: show: too many arguments (usage: lyncedge show)"
usage_case show -n gw1
# The command's arguments are checked before the namespace is entered.
expect="lyncedge: mode: missing argument (usage: lyncedge mode {off|monitor|enforce})"
usage_case -n lyncedge-test-no-such-ns mode
run -n lyncedge-test-no-such-ns -j show
[ $rc = 1 ] && [ ! -s "$tmp/out" ] && ! grep -q NETLINK "$tmp/trace" &&
	[ "$(cat "$tmp/err")" = "lyncedge: cannot open network namespace 'lyncedge-test-no-such-ns': No such file or directory" ]
ok $? "-n NAME of no namespace: exit 1, one line, nothing sent"
run -n /etc/hostname show
[ $rc = 1 ] && [ ! -s "$tmp/out" ] && ! grep -q NETLINK "$tmp/trace" &&
	[ "$(cat "$tmp/err")" = "lyncedge: cannot enter network namespace '/etc/hostname': not a network namespace" ]
ok $? "-n PATH of a file that is no namespace: exit 1, one line, nothing sent"
run -n lyncedge-test-no-such-ns help
[ $rc = 0 ] && grep -q '^Usage: lyncedge' "$tmp/out"
ok $? "-n NAME help: the usage, no namespace needed"
expect="lyncedge: unknown option '--json=1' (try: lyncedge help)"
usage_case --json=1 show
usage_case -J show
expect="lyncedge: show: too many arguments (usage: lyncedge show)"
usage_case show -j
expect="lyncedge: show: too many arguments (usage: lyncedge show)"
usage_case show --json
expect="lyncedge: list: too many arguments (usage: lyncedge list SET)"
usage_case list -j partners
expect="lyncedge: save: too many arguments (usage: lyncedge save)"
usage_case save -j
expect="lyncedge: explain: unknown protocol '-j' (expected tcp or udp)"
usage_case explain -j tcp 198.51.100.20 203.0.113.10 5061
expect="lyncedge: unknown command 'bogus' (try: lyncedge help)"
usage_case -j bogus

# log
expect="lyncedge: log: missing argument (usage: lyncedge log {on|off})"
usage_case log
expect="lyncedge: log: expected on or off, not 'maybe'"
usage_case log maybe
usage_case log ON
usage_case log 1
usage_case log ""
expect="lyncedge: log: too many arguments (usage: lyncedge log {on|off})"
usage_case log on off

# explain
expect="lyncedge: explain: missing argument (usage: lyncedge explain {tcp|udp} SRC [SPORT] DST DPORT)"
usage_case explain tcp 198.51.100.20 203.0.113.10
expect="lyncedge: explain: too many arguments (usage: lyncedge explain {tcp|udp} SRC [SPORT] DST DPORT)"
usage_case explain tcp 198.51.100.20 1 203.0.113.10 5061 6
expect="lyncedge: explain: unknown protocol 'TCP' (expected tcp or udp)"
usage_case explain TCP 198.51.100.20 203.0.113.10 5061
expect="lyncedge: explain: 203.0.113.0/24: expected a single address, not a prefix"
usage_case explain tcp 198.51.100.20 203.0.113.0/24 5061
expect="lyncedge: explain: source and destination are of different families"
usage_case explain udp 198.51.100.20 2001:db8:e::10 3478
expect="lyncedge: explain: bad destination port '65536' (0 to 65535)"
usage_case explain tcp 198.51.100.20 203.0.113.10 65536
expect="lyncedge: explain: bad destination port '05061' (0 to 65535)"
usage_case explain tcp 198.51.100.20 203.0.113.10 05061
expect="lyncedge: explain: bad source port '-1' (0 to 65535)"
usage_case explain tcp 198.51.100.20 -1 203.0.113.10 5061
usage_case explain tcp 198.51.100.20 "" 203.0.113.10 5061
usage_case explain "$(printf 'tcp\nlyncedge: forged line')" 198.51.100.20 203.0.113.10 5061
usage_case explain tcp 198.51.100.20 "$(printf '1\nlyncedge: forged line')" 203.0.113.10 5061
usage_case explain tcp 198.51.100.20 203.0.113.10 "$(printf '1\nlyncedge: forged line')"

# save, reset-counters take nothing
expect="lyncedge: save: too many arguments (usage: lyncedge save)"
usage_case save edge
expect="lyncedge: reset-counters: too many arguments (usage: lyncedge reset-counters)"
usage_case reset-counters all

# add/del -f
expect="lyncedge: add edge: -f takes one file (usage: lyncedge add SET -f FILE|-)"
usage_case add edge -f
expect="lyncedge: add edge: -f takes one file (usage: lyncedge add SET -f FILE|-)"
usage_case add edge -f "$tmp/good.list" "$tmp/good.list"
expect="lyncedge: del partners: -f takes one file (usage: lyncedge del SET -f FILE|-)"
usage_case del partners -f
expect="lyncedge: add: unknown set 'bogus' (expected edge, partners, clients, messenger, access, webconf or av)"
usage_case add bogus -f "$tmp/good.list"
expect="lyncedge: add edge: -f: not an IPv4 or IPv6 prefix"
usage_case add edge 203.0.113.10 -f "$tmp/good.list"
expect="lyncedge: add edge: cannot open $missing: No such file or directory"
usage_case add edge -f "$missing"
expect="lyncedge: del clients: cannot open $missing: No such file or directory"
usage_case del clients -f "$missing"
expect="lyncedge: add edge: $tmp/bad.list:4: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)"
usage_case add edge -f "$tmp/bad.list"
expect="lyncedge: del edge: <stdin>:4: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)"
stdin=$tmp/bad.list usage_case del edge -f -
expect="lyncedge: add partners: $tmp/conf-line.list:1: one prefix a line"
usage_case add partners -f "$tmp/conf-line.list"
expect="lyncedge: add edge: $tmp:1: read error: Is a directory"
usage_case add edge -f "$tmp"

# restore [FILE|-], restore --set SET FILE|-
expect="lyncedge: restore: too many arguments (usage: lyncedge restore [FILE|-])"
usage_case restore "$tmp/site.conf" "$tmp/site.conf"
expect="lyncedge: restore: unknown option '-x'"
usage_case restore -x
expect="lyncedge: restore: unknown option '--sets'"
usage_case restore --sets
usage_case restore "$(printf -- '-x\nlyncedge: forged line')"
expect="lyncedge: restore: usage: lyncedge restore --set SET FILE|-"
usage_case restore --set
expect="lyncedge: restore: usage: lyncedge restore --set SET FILE|-"
usage_case restore --set edge
expect="lyncedge: restore: usage: lyncedge restore --set SET FILE|-"
usage_case restore --set edge "$tmp/good.list" "$tmp/good.list"
expect="lyncedge: restore --set: unknown set 'bogus' (expected edge, partners, clients, messenger, access, webconf or av)"
usage_case restore --set bogus "$tmp/good.list"
expect="lyncedge: restore --set: unknown set 'all' (expected edge, partners, clients, messenger, access, webconf or av)"
usage_case restore --set all "$tmp/good.list"
expect="lyncedge: restore: cannot open $missing: No such file or directory"
usage_case restore "$missing"
expect="lyncedge: restore --set edge: cannot open $missing: No such file or directory"
usage_case restore --set edge "$missing"
expect="lyncedge: restore: $tmp/bad.conf:2: unknown directive 'partner' (expected mode, log, profile, edge, partners, clients, messenger, access, webconf or av); nothing was changed"
usage_case restore "$tmp/bad.conf"
expect="lyncedge: restore: <stdin>:2: unknown directive 'partner' (expected mode, log, profile, edge, partners, clients, messenger, access, webconf or av); nothing was changed"
stdin=$tmp/bad.conf usage_case restore
expect="lyncedge: restore: <stdin>:2: unknown directive 'partner' (expected mode, log, profile, edge, partners, clients, messenger, access, webconf or av); nothing was changed"
stdin=$tmp/bad.conf usage_case restore -
expect="lyncedge: restore: $tmp/twice.conf:3: log given twice (first on line 1); nothing was changed"
usage_case restore "$tmp/twice.conf"
expect="lyncedge: restore: $tmp/twice-profile.conf:4: profile xmpp given twice (first on line 2); nothing was changed"
usage_case restore "$tmp/twice-profile.conf"
expect="lyncedge: restore: $tmp/bad-profile.conf:1: profile: unknown profile 'remote_users' (expected pic, base, remote-users, federation, xmpp or ocs2007); nothing was changed"
usage_case restore "$tmp/bad-profile.conf"
expect="lyncedge: restore --set: unknown set 'any' (expected edge, partners, clients, messenger, access, webconf or av)"
usage_case restore --set any "$tmp/good.list"
expect="lyncedge: restore --set clients: $tmp/conf-line.list:1: one prefix a line; nothing was changed"
usage_case restore --set clients "$tmp/conf-line.list"
expect="lyncedge: restore --set edge: <stdin>:4: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?); nothing was changed"
stdin=$tmp/bad.list usage_case restore --set edge -

# An empty -f file is nothing to do: no socket at all.
run add edge -f "$tmp/empty"
[ $rc = 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] &&
	! grep -q NETLINK "$tmp/trace"
ok $? "lyncedge add edge -f EMPTY: exit 0, nothing sent"

# Everything parses, then the family lookup fails.
run show
if [ $rc = 1 ] && [ "$(cat "$tmp/err")" = "$NOT_LOADED" ]; then
	for args in "show" "mode enforce" "mode off" "add edge 203.0.113.10" \
		    "add partners 198.51.100.0/24 2001:db8::/32 0.0.0.0/0 ::/0" \
		    "del clients ::/0" "flush all" "flush messenger" \
		    "test edge 203.0.113.10" "test edge 2001:db8::1/128" \
		    "list partners" "log on" "log off" "reset-counters" \
		    "profiles" "-j profiles" "profile enable remote-users xmpp" \
		    "profile disable base" "add av 203.0.113.12" "flush webconf" \
		    "test access 203.0.113.11" "list webconf" \
		    "explain tcp 198.51.100.20 203.0.113.10 5061" "save" "-j save" \
		    "add edge -f $tmp/good.list" "del edge -f $tmp/good.list" \
		    "restore $tmp/site.conf" "restore $tmp/empty" "restore" \
		    "restore --set edge $tmp/good.list" \
		    "restore --set clients $tmp/empty"; do
		# shellcheck disable=SC2086
		run $args
		[ $rc = 1 ] && [ "$(cat "$tmp/err")" = "$NOT_LOADED" ] &&
			[ ! -s "$tmp/out" ]
		ok $? "lyncedge ${args//$tmp\//}: exit 1, \"not loaded\""
	done
	stdin=$tmp/site.conf run restore -
	[ $rc = 1 ] && [ "$(cat "$tmp/err")" = "$NOT_LOADED" ]
	ok $? "lyncedge restore - <site.conf: exit 1, \"not loaded\""

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

# frun ARGS...: run against the fake module, stdin from $stdin or
# /dev/null; the requests it saw in $tmp/log, one a line (see fake_genl.c)
frun() {
	: >"$tmp/log"
	LD_PRELOAD=$FAKE FAKE_LOG=$tmp/log "$LYNCEDGE" "$@" \
		<"${stdin:-/dev/null}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# fcase EXIT STDOUT STDERR DESCRIPTION: check the last frun
fcase() {
	[ $rc = "$1" ] && [ "$(cat "$tmp/out")" = "$2" ] &&
		[ "$(cat "$tmp/err")" = "$3" ]
	ok $? "$4"
}

# lcase LOG DESCRIPTION: the requests of the last frun, without nest_len
lcase() {
	local cond=0

	[ "$(sed 's/ nest_len=[0-9]*//' "$tmp/log")" = "$1" ] || cond=1
	if [ $cond != 0 ]; then
		sed 's/^/# requests: /' "$tmp/log"
		: >"$tmp/out"
		: >"$tmp/err"
	fi
	ok $cond "$2"
}

if command -v python3 >/dev/null && python3 -c 'import json' 2>/dev/null; then
	have_python=1
else
	have_python=0
fi

# jcase DESCRIPTION [PYTHON_CHECK]: stdout is one line, a JSON document that
# python3 -m json.tool accepts; PYTHON_CHECK, a Python expression of d (the
# document; json, os and sys are imported), must hold.
jcase() {
	local cond=0

	if [ $have_python = 0 ]; then
		skip "$1" "python3 not found"
		return
	fi
	[ "$(wc -l <"$tmp/out")" = 1 ] || cond=1
	# their complaints go with the command's stderr, shown on failure
	python3 -m json.tool "$tmp/out" >/dev/null 2>>"$tmp/err" || cond=1
	if [ -n "$2" ]; then
		python3 -c 'import json, os, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$tmp/out" "$2" \
			2>>"$tmp/err" || cond=1
	fi
	ok $cond "$1"
}

if [ -n "$FAKE" ]; then
	export FAKE_SCENARIO='' FAKE_MODE='' FAKE_COOKIE='' FAKE_INTR='' \
		FAKE_PROFILES=''
	rows_header="    row    service   proto  port         match        from       to                packets            bytes"
	pic_rows="  profile pic
    1      SIP/MTLS  tcp    5061         dport        partners   access                  3              180
    2      SIP/MTLS  tcp    5061         dport        access     partners                0                0
    3      SIP/TLS   tcp    443          dport        clients    access                  0                0
    4      RTP       tcp    50000-59999  dport|sport  av         messenger               0                0
    5      STUN      udp    3478         dport        av         messenger               0                0
    6      STUN      udp    3478         dport        messenger  av                      0                0"
	show_head="mode: enforce
log: off
profiles: pic
sets:
  edge           2 prefixes (1 IPv4, 1 IPv6)
  partners       4 prefixes (2 IPv4, 2 IPv6)
  clients        2 prefixes (1 IPv4, 1 IPv6)
  messenger      2 prefixes (1 IPv4, 1 IPv6)
  access         0 prefixes (0 IPv4, 0 IPv6)
  webconf        0 prefixes (0 IPv4, 0 IPv6)
  av             1 prefix (1 IPv4, 0 IPv6)
rules:
$rows_header"
	show_tail="denied (dropped in enforce mode, only counted in monitor mode):
  no-rule        packets 0 bytes 0
  invalid        packets 0 bytes 0
  malformed      packets 0 bytes 0
accepted by conntrack state (established, related): packets 0 bytes 0"
	show_layout="$show_head
$pic_rows
$show_tail"
	frun show
	fcase 0 "$show_layout" "" "fake: show prints the exact layout, pic's rows only"
	lcase "GET_CONFIG" "fake: show sends GET_CONFIG only"
	FAKE_SCENARIO=logon frun show
	fcase 0 "${show_layout/log: off/log: on}" "" \
		"fake: show prints \"log: on\" after the mode"
	FAKE_MODE=1 frun show
	fcase 0 "${show_layout/mode: enforce/mode: monitor}" "" \
		"fake: show prints the mode the kernel reports"
	FAKE_PROFILES=ocs2007,pic,remote-users frun show
	fcase 0 "${show_head/profiles: pic/profiles: pic remote-users ocs2007}
$pic_rows
  profile remote-users
    E5     SIP/TLS   tcp    443          dport        any        access                  7              420
    E8     PSOM/TLS  tcp    443          dport        any        webconf                 0                0
    E9     RTP       tcp    50000-59999  dport|sport  av         any                     0                0
    E13    STUN      udp    3478         dport        av         any                     0                0
    E14    STUN      udp    3478         dport        any        av                      0                0
    E15    TURN/TCP  tcp    443          dport        any        av                      0                0
    E16    TURN/TCP  tcp    443          dport        av         any                     0                0
  profile ocs2007
    E10    RTP       udp    50000-59999  dport|sport  av         any                     0                0
    E11    RTP       tcp    50000-59999  dport        any        av                      0                0
    E12    RTP       udp    50000-59999  dport        any        av                      0                0
$show_tail" "" \
		"fake: show groups the rows of every enabled profile, in uapi order, any for Microsoft's Any"
	FAKE_PROFILES=pic,7 frun show
	[ $rc = 0 ] && grep -qx 'profiles: pic 7' "$tmp/out"
	ok $? "fake: show prints a profile unknown to the CLI as a number"

	profiles_out=$(cat <<'PROFILES'
pic (on): public IM connectivity with partners, clients and Messenger (Skype); always on
  row    service   proto  port         match        from       to         table
  1      SIP/MTLS  tcp    5061         dport        partners   access     Port summary - Public IM connectivity (JJ618376)
  2      SIP/MTLS  tcp    5061         dport        access     partners   Port summary - Public IM connectivity (JJ618376)
  3      SIP/TLS   tcp    443          dport        clients    access     Port summary - Public IM connectivity (JJ618376)
  4      RTP       tcp    50000-59999  dport|sport  av         messenger  Port summary - Public IM connectivity (JJ618376)
  5      STUN      udp    3478         dport        av         messenger  Port summary - Public IM connectivity (JJ618376)
  6      STUN      udp    3478         dport        messenger  av         Port summary - Public IM connectivity (JJ618376)

base (off): the Access Edge's own certificate revocation (HTTP) and DNS lookups
  row    service   proto  port         match        from       to         table
  E2     HTTP/CRL  tcp    80           dport        access     any        Port summary - Single consolidated edge (Gg425891)
  E3     DNS       tcp    53           dport        access     any        Port summary - Single consolidated edge (Gg425891)
  E4     DNS       udp    53           dport        access     any        Port summary - Single consolidated edge (Gg425891)

remote-users (on): remote users from anywhere: SIP, web conferencing, A/V media and relay
  row    service   proto  port         match        from       to         table
  E5     SIP/TLS   tcp    443          dport        any        access     Port summary - Single consolidated edge (Gg425891)
  E8     PSOM/TLS  tcp    443          dport        any        webconf    Port summary - Single consolidated edge (Gg425891)
  E9     RTP       tcp    50000-59999  dport|sport  av         any        Port summary - Single consolidated edge (Gg425891)
  E13    STUN      udp    3478         dport        av         any        Port summary - Single consolidated edge (Gg425891)
  E14    STUN      udp    3478         dport        any        av         Port summary - Single consolidated edge (Gg425891)
  E15    TURN/TCP  tcp    443          dport        any        av         Port summary - Single consolidated edge (Gg425891)
  E16    TURN/TCP  tcp    443          dport        av         any        Port summary - Single consolidated edge (Gg425891)

federation (off): SIP federation with any partner, both ways
  row    service   proto  port         match        from       to         table
  E6     SIP/MTLS  tcp    5061         dport        any        access     Port summary - Single consolidated edge (Gg425891)
  E7/F1  SIP/MTLS  tcp    5061         dport        access     any        Port summary - Single consolidated edge (Gg425891), SIP federation F1

xmpp (off): XMPP federation, both ways
  row    service   proto  port         match        from       to         table
  E1/X1  XMPP      tcp    5269         dport        any        access     Port summary - XMPP federation
  X2     XMPP      tcp    5269         dport        access     any        Port summary - XMPP federation

ocs2007 (off): A/V federation with OCS 2007 partners over the media port range
  row    service   proto  port         match        from       to         table
  E10    RTP       udp    50000-59999  dport|sport  av         any        Port summary - Single consolidated edge (Gg425891)
  E11    RTP       tcp    50000-59999  dport        any        av         Port summary - Single consolidated edge (Gg425891)
  E12    RTP       udp    50000-59999  dport        any        av         Port summary - Single consolidated edge (Gg425891)
PROFILES
)
	FAKE_PROFILES=pic,remote-users frun profiles
	fcase 0 "$profiles_out" "" \
		"fake: profiles: every profile, on or off, its purpose, its rows and their table"
	lcase "GET_CONFIG" "fake: profiles sends GET_CONFIG only"
	FAKE_PROFILES=pic,remote-users frun -j profiles
	jcase "fake: -j profiles: every profile with its rows, on or off" \
		'[p["name"] for p in d["profiles"]] == ["pic", "base", "remote-users", "federation", "xmpp", "ocs2007"] and
[p["enabled"] for p in d["profiles"]] == [True, False, True, False, False, False] and
d["profiles"][0]["always_on"] is True and d["profiles"][1]["always_on"] is False and
sum(len(p["rows"]) for p in d["profiles"]) == 23 and
d["profiles"][0]["rows"][3] == {"index": 4, "profile": "pic", "label": "4",
 "service": "RTP", "proto": "tcp", "port_min": 50000, "port_max": 59999,
 "port_match": "dport-or-sport", "src": "av", "dst": "messenger",
 "cite": "Port summary - Public IM connectivity (JJ618376)"} and
d["profiles"][3]["rows"][1]["label"] == "E7/F1" and
d["profiles"][3]["rows"][1]["dst"] == "any" and
all(p["description"] for p in d["profiles"])'

	frun mode monitor
	fcase 0 "" "" "fake: mode monitor"
	lcase "CONFIGURE mode=monitor" "fake: mode sends CONFIGURE with the mode only, no TXN"
	frun -j mode enforce
	fcase 0 "" "" "fake: -j mode enforce prints nothing"
	lcase "CONFIGURE mode=enforce" "fake: -j does not change what mode sends"
	FAKE_SCENARIO=warn frun mode enforce
	fcase 0 "" "lyncedge: warning: mode unchanged" \
		"fake: an ACK with a message is printed as a warning"
	frun log on
	fcase 0 "" "" "fake: log on"
	lcase "CONFIGURE log=on" "fake: log on sends CONFIGURE with LYNCEDGE_A_LOG=1 only"
	frun log off
	fcase 0 "" "" "fake: log off"
	lcase "CONFIGURE log=off" "fake: log off sends CONFIGURE with LYNCEDGE_A_LOG=0 only"
	FAKE_SCENARIO=eperm frun log on
	fcase 1 "" "lyncedge: log: Operation not permitted (CAP_NET_ADMIN needed)" \
		"fake: log refused"

	frun profile enable remote-users
	fcase 0 "" "" "fake: profile enable remote-users"
	lcase "CONFIGURE enable=remote-users" \
		"fake: profile enable sends PROFILES_ENABLE only: no read-modify-write"
	frun profile enable xmpp base federation xmpp
	lcase "CONFIGURE enable=base,federation,xmpp" \
		"fake: profile enable of several: one CONFIGURE, one mask"
	frun profile enable pic ocs2007
	lcase "CONFIGURE enable=pic,ocs2007" "fake: profile enable pic is allowed (it is on anyway)"
	frun profile disable remote-users ocs2007
	fcase 0 "" "" "fake: profile disable"
	lcase "CONFIGURE disable=remote-users,ocs2007" \
		"fake: profile disable sends PROFILES_DISABLE only"
	frun profile disable pic
	[ $rc = 2 ] && [ ! -s "$tmp/log" ]
	ok $? "fake: profile disable pic sends nothing"
	frun profile enable remote-users nonsense
	[ $rc = 2 ] && [ ! -s "$tmp/log" ]
	ok $? "fake: profile enable with an unknown name sends nothing, not even the good ones"
	FAKE_SCENARIO=eperm frun profile enable xmpp
	fcase 1 "" "lyncedge: profile enable: Operation not permitted (CAP_NET_ADMIN needed)" \
		"fake: profile enable refused"

	frun flush all
	fcase 0 "" "" "fake: flush all"
	lcase "FLUSH_SET" "fake: flush all sends no set"
	frun flush clients
	lcase "FLUSH_SET set=clients" "fake: flush clients sends LYNCEDGE_A_SET=2"
	frun flush av
	lcase "FLUSH_SET set=av" "fake: flush av sends LYNCEDGE_A_SET=6"
	frun reset-counters
	fcase 0 "" "" "fake: reset-counters"
	lcase "RESET_COUNTERS" "fake: reset-counters sends RESET_COUNTERS only"
	for set in access webconf av; do
		frun add $set 203.0.113.11 2001:db8:e::11
		fcase 0 "" "" "fake: add $set"
		lcase "ADD_PREFIXES set=$set prefixes=2" "fake: add $set sends its id"
	done
	frun del webconf 203.0.113.11
	lcase "DEL_PREFIXES set=webconf prefixes=1" "fake: del webconf"

	frun test edge 203.0.113.10
	fcase 0 "203.0.113.10 is in edge" "" "fake: test, member: exit 0"
	lcase "TEST_ADDRESS set=edge address=203.0.113.10" \
		"fake: test sends ADDR4 without LEN"
	frun test edge 203.0.113.11/32
	fcase 1 "203.0.113.11 is not in edge" "" "fake: test, not a member: exit 1"
	frun test av 203.0.113.12
	fcase 0 "203.0.113.12 is in av" "" "fake: test av, member"
	frun test access 203.0.113.10
	fcase 1 "203.0.113.10 is not in access" "" \
		"fake: test of an empty role set: not a member (it stands for edge in the rows only)"
	frun test messenger 2001:DB8:0::1
	fcase 1 "2001:db8::1 is not in messenger" "" \
		"fake: test prints the canonical IPv6 address"
	lcase "TEST_ADDRESS set=messenger address=2001:db8::1" \
		"fake: test sends ADDR6 without LEN"
	FAKE_SCENARIO=nomember frun test edge 203.0.113.10
	fcase 1 "" "lyncedge: test edge: the kernel's reply has no member flag (Protocol error)" \
		"fake: a reply without MEMBER is an error"

	listing="192.0.2.7
198.51.100.0/24
2001:db8::/32
2001:db8::1"
	frun list partners
	fcase 0 "$listing" "" "fake: list prints one prefix a line, /32 and /128 bare"
	lcase "GET_PREFIXES set=partners attempt=1" "fake: list dumps the set"
	FAKE_INTR=2 frun list partners
	fcase 0 "$listing" "" "fake: list restarts an interrupted dump and drops its prefixes"
	[ "$(grep -c '^GET_PREFIXES set=partners attempt=' "$tmp/log")" = 3 ]
	ok $? "fake: two interrupted dumps, three attempts"
	FAKE_INTR=1000 frun list partners
	fcase 1 "" "lyncedge: list partners: the dump raced with updates 11 times in a row (Resource temporarily unavailable)" \
		"fake: a dump interrupted every time gives up"
	FAKE_SCENARIO=badprefix frun list partners
	fcase 1 "" "lyncedge: list partners: malformed reply from the kernel (Protocol error)" \
		"fake: a prefix with host bits in a reply is refused"
	frun list webconf
	fcase 0 "" "" "fake: list of an empty set prints nothing"
	lcase "GET_PREFIXES set=webconf attempt=1" "fake: list webconf dumps set 5"
	frun list clients
	fcase 0 "0.0.0.0/0
::/0" "" "fake: list prints /0 with its length"
	frun -j list partners
	fcase 0 '{"set":"partners","prefixes":["192.0.2.7","198.51.100.0/24","2001:db8::/32","2001:db8::1"]}' "" \
		"fake: -j list prints the exact document"
	jcase "fake: -j list is JSON that json.tool reads" \
		'd["set"] == "partners" and len(d["prefixes"]) == 4'
	frun -j list access
	fcase 0 '{"set":"access","prefixes":[]}' "" \
		"fake: -j list of an empty set: an empty array"
	jcase "fake: -j list of an empty set is JSON" 'd["prefixes"] == []'
	frun --json list edge
	fcase 0 '{"set":"edge","prefixes":["203.0.113.10","2001:db8:e::10"]}' "" \
		"fake: --json is -j"
	# Entering a namespace, even one's own, takes CAP_SYS_ADMIN.
	if [ "$(id -u)" = 0 ]; then
		frun -n /proc/self/ns/net --json list edge
		fcase 0 '{"set":"edge","prefixes":["203.0.113.10","2001:db8:e::10"]}' "" \
			"fake: -n PATH before or after -j, the same request"
	else
		skip "fake: -n PATH before or after -j, the same request" "not root"
	fi

	FAKE_PROFILES=pic,remote-users frun -j show
	[ $rc = 0 ] && [ ! -s "$tmp/err" ]
	ok $? "fake: -j show exits 0, nothing on stderr"
	jcase "fake: -j show is JSON: mode, log, profiles, 7 sets, 23 rows, 3 deny, established" \
		'd["mode"] == "enforce" and d["log"] is False and
d["profiles"] == ["pic", "remote-users"] and
[s["name"] for s in d["sets"]] == ["edge", "partners", "clients", "messenger", "access", "webconf", "av"] and
d["sets"][0]["prefixes4"] == 1 and d["sets"][0]["prefixes6"] == 1 and
d["sets"][4] == {"name": "access", "prefixes4": 0, "prefixes6": 0, "bytes": 0} and
len(d["rules"]) == 23 and
d["rules"][0] == {"index": 1, "profile": "pic", "label": "1",
 "service": "SIP/MTLS", "proto": "tcp", "port_min": 5061, "port_max": 5061,
 "port_match": "dport", "src": "partners", "dst": "access",
 "enabled": True, "packets": 3, "bytes": 180} and
d["rules"][3]["port_match"] == "dport-or-sport" and d["rules"][5]["proto"] == "udp" and
[r["label"] for r in d["rules"] if r["enabled"]] == ["1", "2", "3", "4", "5", "6", "E5", "E8", "E9", "E13", "E14", "E15", "E16"] and
[r["index"] for r in d["rules"]] == list(range(1, 24)) and
d["rules"][9]["src"] == "any" and d["rules"][9]["packets"] == 7 and
[x["reason"] for x in d["deny"]] == ["no-rule", "invalid", "malformed"] and
d["established"] == {"packets": 0, "bytes": 0}'
	FAKE_SCENARIO=logon FAKE_MODE=0 frun -j show
	jcase "fake: -j show: log on is true, mode off, pic only" \
		'd["log"] is True and d["mode"] == "off" and d["profiles"] == ["pic"]'
	FAKE_MODE=7 FAKE_PROFILES=pic,9 frun -j show
	jcase "fake: -j show: a mode or profile unknown to the CLI is a number" \
		'd["mode"] == 7 and d["profiles"] == ["pic", 9]'

	if [ -w /dev/full ]; then
		for args in "save" "-j save" "-j show" "-j list partners" \
			    "profiles" "-j profiles" \
			    "-j explain tcp 198.51.100.20 203.0.113.10 5061"; do
			# shellcheck disable=SC2086
			LD_PRELOAD=$FAKE "$LYNCEDGE" $args </dev/null >/dev/full \
				2>"$tmp/err"
			rc=$?
			: >"$tmp/out"
			[ $rc = 1 ] && [ "$(cat "$tmp/err")" = \
				"lyncedge: cannot write the output: No space left on device" ]
			ok $? "fake: lyncedge $args >/dev/full: exit 1, said once"
		done
	fi

	# explain: the fake judges with the module's own rows (fake_genl.c's
	# example: edge 203.0.113.10, av 203.0.113.12, access empty)
	frun explain tcp 198.51.100.20 203.0.113.10 5061
	fcase 0 "tcp 198.51.100.20 -> 203.0.113.10:5061: allowed by row 1 of profile pic (SIP/MTLS tcp 5061 partners -> access), by destination port 5061" "" \
		"fake: explain, allowed: the row, its profile, the port that matched"
	lcase "EXPLAIN proto=tcp src=198.51.100.20 dst=203.0.113.10 dport=5061" \
		"fake: explain sends no SPORT when none is given, addresses without LEN"
	frun explain tcp 203.0.113.12 50123 192.0.2.130 80
	fcase 0 "tcp 203.0.113.12:50123 -> 192.0.2.130:80: allowed by row 4 of profile pic (RTP tcp 50000-59999 av -> messenger), by source port 50123" "" \
		"fake: explain, allowed by the source port"
	frun explain tcp 203.0.113.10 50123 192.0.2.130 80
	fcase 1 "tcp 203.0.113.10:50123 -> 192.0.2.130:80: denied (no-rule); enforce mode drops it" "" \
		"fake: explain: an edge address that is not av does not open A/V rows"
	FAKE_PROFILES=pic,remote-users frun explain udp 203.0.113.12 3478 198.18.0.7 3478
	fcase 0 "udp 203.0.113.12:3478 -> 198.18.0.7:3478: allowed by row E13 of profile remote-users (STUN udp 3478 av -> any), by destination port 3478" "" \
		"fake: explain, allowed by a row of another profile, to any address"
	frun explain udp 203.0.113.12 3478 198.18.0.7 3478
	fcase 1 "udp 203.0.113.12:3478 -> 198.18.0.7:3478: denied (no-rule); enforce mode drops it" "" \
		"fake: explain: the same flow, remote-users off: denied"
	frun explain udp 2001:db8::20 40000 2001:db8:e::10 3478
	fcase 1 "udp [2001:db8::20]:40000 -> [2001:db8:e::10]:3478: denied (no-rule); enforce mode drops it" "" \
		"fake: explain, denied: exit 1, IPv6 endpoints in brackets"
	lcase "EXPLAIN proto=udp src=2001:db8::20 sport=40000 dst=2001:db8:e::10 dport=3478" \
		"fake: explain sends SPORT when given"
	FAKE_MODE=1 frun explain tcp 203.0.113.10 192.0.2.1 80
	fcase 1 "tcp 203.0.113.10 -> 192.0.2.1:80: denied (no-rule); monitor mode counts it and lets it pass" "" \
		"fake: explain, denied in monitor mode"
	frun explain tcp 192.0.2.1 192.0.2.2 5061
	fcase 0 "tcp 192.0.2.1 -> 192.0.2.2:5061: not edge traffic, passes untouched" "" \
		"fake: explain, not edge: exit 0"
	frun -j explain tcp 198.51.100.20 203.0.113.10 5061
	fcase 0 '{"mode":"enforce","proto":"tcp","src":"198.51.100.20","sport":null,"dst":"203.0.113.10","dport":5061,"verdict":"allow","profile":"pic","row":"1","matched":"dport","rule":{"index":1,"profile":"pic","label":"1","service":"SIP/MTLS","proto":"tcp","port_min":5061,"port_max":5061,"port_match":"dport","src":"partners","dst":"access"}}' "" \
		"fake: -j explain, allowed: profile, row, matched, the rule without counters"
	jcase "fake: -j explain, allowed, is JSON" \
		'd["verdict"] == "allow" and d["sport"] is None and d["rule"]["index"] == 1 and "packets" not in d["rule"] and "reason" not in d'
	frun -j explain tcp 203.0.113.12 50123 192.0.2.130 80
	jcase "fake: -j explain, allowed by the source port: matched sport" \
		'd["profile"] == "pic" and d["row"] == "4" and d["matched"] == "sport" and d["rule"]["port_match"] == "dport-or-sport"'
	frun -j explain udp 198.51.100.20 1234 203.0.113.10 3478
	fcase 1 '{"mode":"enforce","proto":"udp","src":"198.51.100.20","sport":1234,"dst":"203.0.113.10","dport":3478,"verdict":"deny","reason":"no-rule"}' "" \
		"fake: -j explain, denied: exit 1, a reason, no rule"
	jcase "fake: -j explain, denied, is JSON" \
		'd["verdict"] == "deny" and d["reason"] == "no-rule" and d["sport"] == 1234 and "rule" not in d and "profile" not in d'
	frun -j explain tcp 2001:db8::1 2001:db8::2 443
	fcase 0 '{"mode":"enforce","proto":"tcp","src":"2001:db8::1","sport":null,"dst":"2001:db8::2","dport":443,"verdict":"not-edge"}' "" \
		"fake: -j explain, not edge"
	jcase "fake: -j explain, not edge, is JSON" 'd["verdict"] == "not-edge"'
	FAKE_SCENARIO=norule frun explain tcp 198.51.100.20 203.0.113.10 5061
	fcase 1 "" "lyncedge: explain: the kernel's reply has no row or matched port (Protocol error)" \
		"fake: an allow reply without its row is an error"

	# save: the header, mode, log, profiles, then the sets in order
	saved_sets="edge 203.0.113.10
edge 2001:db8:e::10
partners 192.0.2.7
partners 198.51.100.0/24
partners 2001:db8::/32
partners 2001:db8::1
clients 0.0.0.0/0
clients ::/0
messenger 192.0.2.128/25
messenger 2001:db8:4::/48
av 203.0.113.12"
	saved="# lyncedge configuration: lyncedge save, restore with lyncedge restore
mode enforce
log off
$saved_sets"
	frun save
	fcase 0 "$saved" "" "fake: save prints the exact configuration, pic only: no profile line"
	lcase "GET_CONFIG
GET_PREFIXES set=edge attempt=1
GET_PREFIXES set=partners attempt=2
GET_PREFIXES set=clients attempt=3
GET_PREFIXES set=messenger attempt=4
GET_PREFIXES set=access attempt=5
GET_PREFIXES set=webconf attempt=6
GET_PREFIXES set=av attempt=7
GET_CONFIG" \
		"fake: save reads the config, dumps the seven sets in order, reads the config again"
	cp "$tmp/out" "$tmp/saved.conf"
	FAKE_PROFILES=xmpp,pic,remote-users frun save
	fcase 0 "# lyncedge configuration: lyncedge save, restore with lyncedge restore
mode enforce
log off
profile remote-users
profile xmpp
$saved_sets" "" "fake: save prints a profile line for each enabled profile but pic, before the sets"
	cp "$tmp/out" "$tmp/saved-profiles.conf"
	FAKE_CHANGES=2 frun save
	[ $rc = 0 ] && [ "$(cat "$tmp/out")" = "$saved" ] &&
		[ "$(grep -c '^GET_CONFIG' "$tmp/log")" = 4 ] &&
		[ "$(grep -c '^GET_PREFIXES' "$tmp/log")" = 14 ]
	ok $? "fake: save reads again while the generation moves under it (3 reads, 2 passes)"
	FAKE_CHANGES=100 frun save
	fcase 1 "" "lyncedge: save: the configuration kept changing while it was read (10 attempts)" \
		"fake: save gives up on a configuration that never holds still, prints nothing"
	FAKE_SCENARIO=logon FAKE_MODE=1 frun save
	[ $rc = 0 ] && [ "$(sed -n 2,3p "$tmp/out")" = "mode monitor
log on" ]
	ok $? "fake: save prints the mode and log the kernel reports"
	FAKE_SCENARIO=badprefix frun save
	fcase 1 "" "lyncedge: save: partners: malformed reply from the kernel (Protocol error)" \
		"fake: save names the set whose dump failed, prints nothing"
	FAKE_MODE=7 frun save
	fcase 1 "" "lyncedge: save: the kernel reports mode 7, unknown to this lyncedge" \
		"fake: save with a mode unknown to the CLI: exit 1, prints nothing"
	FAKE_MODE=7 frun -j save
	fcase 1 "" "lyncedge: save: the kernel reports mode 7, unknown to this lyncedge" \
		"fake: -j save with a mode unknown to the CLI: exit 1, prints nothing"
	FAKE_PROFILES=pic,9 frun save
	fcase 1 "" "lyncedge: save: the kernel reports profile 9, unknown to this lyncedge" \
		"fake: save with a profile unknown to the CLI: exit 1, prints nothing"
	FAKE_SCENARIO=eperm frun save
	fcase 1 "" "lyncedge: save: Operation not permitted (CAP_NET_ADMIN needed)" \
		"fake: save refused"
	frun -j save
	fcase 0 '{"mode":"enforce","log":false,"profiles":["pic"],"sets":{"edge":["203.0.113.10","2001:db8:e::10"],"partners":["192.0.2.7","198.51.100.0/24","2001:db8::/32","2001:db8::1"],"clients":["0.0.0.0/0","::/0"],"messenger":["192.0.2.128/25","2001:db8:4::/48"],"access":[],"webconf":[],"av":["203.0.113.12"]}}' "" \
		"fake: -j save prints the exact document"
	FAKE_PROFILES=pic,remote-users,xmpp frun -j save
	SAVED=$tmp/saved-profiles.conf jcase "fake: -j save is JSON that says what save says, pic listed" \
		'd["profiles"] == ["pic", "remote-users", "xmpp"] and
"\n".join(["# lyncedge configuration: lyncedge save, restore with lyncedge restore",
 "mode " + d["mode"], "log " + ("on" if d["log"] else "off")] +
 ["profile " + p for p in d["profiles"] if p != "pic"] +
 [s + " " + p for s in ["edge", "partners", "clients", "messenger", "access", "webconf", "av"] for p in d["sets"][s]]) + "\n" == open(os.environ["SAVED"]).read()'

	# restore: begin, flush all, each set's additions, one CONFIGURE, commit
	frun restore "$tmp/site.conf"
	fcase 0 "" "" "fake: restore FILE: exit 0, silent"
	site_log="TXN_BEGIN
FLUSH_SET txn
ADD_PREFIXES txn set=edge prefixes=2
ADD_PREFIXES txn set=partners prefixes=3
ADD_PREFIXES txn set=messenger prefixes=1
ADD_PREFIXES txn set=av prefixes=1
CONFIGURE txn mode=monitor log=on profiles=pic,remote-users
TXN_COMMIT staged=6 prefixes=7"
	lcase "$site_log" \
		"fake: restore: one transaction, all flushed, sets in order, duplicates sent, one CONFIGURE with mode, log and every profile, commit"
	stdin=$tmp/site.conf frun restore
	lcase "$site_log" "fake: restore without FILE reads stdin"
	stdin=$tmp/site.conf frun restore -
	lcase "$site_log" "fake: restore - reads stdin"
	frun restore "$tmp/empty"
	fcase 0 "" "" "fake: restore of an empty file"
	lcase "TXN_BEGIN
FLUSH_SET txn
CONFIGURE txn profiles=pic
TXN_COMMIT staged=2 prefixes=0" \
		"fake: an empty file empties every set, leaves pic only, and mode and log alone"
	stdin=$tmp/saved.conf frun restore
	lcase "TXN_BEGIN
FLUSH_SET txn
ADD_PREFIXES txn set=edge prefixes=2
ADD_PREFIXES txn set=partners prefixes=4
ADD_PREFIXES txn set=clients prefixes=2
ADD_PREFIXES txn set=messenger prefixes=2
ADD_PREFIXES txn set=av prefixes=1
CONFIGURE txn mode=enforce log=off profiles=pic
TXN_COMMIT staged=7 prefixes=11" \
		"fake: save | restore sends back what save printed"
	stdin=$tmp/saved-profiles.conf frun restore
	lcase "TXN_BEGIN
FLUSH_SET txn
ADD_PREFIXES txn set=edge prefixes=2
ADD_PREFIXES txn set=partners prefixes=4
ADD_PREFIXES txn set=clients prefixes=2
ADD_PREFIXES txn set=messenger prefixes=2
ADD_PREFIXES txn set=av prefixes=1
CONFIGURE txn mode=enforce log=off profiles=pic,remote-users,xmpp
TXN_COMMIT staged=7 prefixes=11" \
		"fake: save | restore with profiles: the whole set of profiles, in the transaction"
	FAKE_PROFILES=pic,remote-users,xmpp frun save
	[ $rc = 0 ] && cmp -s "$tmp/out" "$tmp/saved-profiles.conf"
	ok $? "fake: save, restore, save: the same bytes, profiles included"
	{
		echo "mode off"
		for ((i = 0; i < 2500; i++)); do
			echo "clients 10.$((i >> 8 & 255)).$((i & 255)).0/24"
		done
		echo "edge 203.0.113.10"
	} >"$tmp/big.conf"
	frun restore "$tmp/big.conf"
	fcase 0 "" "" "fake: restore of 2501 prefixes, no progress (not a tty, small)"
	lcase "TXN_BEGIN
FLUSH_SET txn
ADD_PREFIXES txn set=edge prefixes=1
ADD_PREFIXES txn set=clients prefixes=1000
ADD_PREFIXES txn set=clients prefixes=1000
ADD_PREFIXES txn set=clients prefixes=500
CONFIGURE txn mode=off profiles=pic
TXN_COMMIT staged=6 prefixes=2501" \
		"fake: restore cuts a big set into staged batches of 1000, no log line no log attribute"
	FAKE_SCENARIO=failbatch3 frun restore "$tmp/big.conf"
	fcase 1 "" "lyncedge: restore: Invalid argument; nothing was changed" \
		"fake: restore, a staged batch refused: exit 1, nothing was changed"
	lcase "TXN_BEGIN
FLUSH_SET txn
ADD_PREFIXES txn set=edge prefixes=1
ADD_PREFIXES txn set=clients prefixes=1000
ADD_PREFIXES txn set=clients prefixes=1000 -> EINVAL" \
		"fake: restore stops at the refused batch and never commits"
	FAKE_SCENARIO=eperm frun restore "$tmp/site.conf"
	fcase 1 "" "lyncedge: restore: Operation not permitted (CAP_NET_ADMIN needed); nothing was changed" \
		"fake: restore refused at TXN_BEGIN"
	lcase "TXN_BEGIN -> EPERM" "fake: nothing after a refused TXN_BEGIN"
	FAKE_SCENARIO=nobegin frun restore "$tmp/site.conf"
	fcase 1 "" "lyncedge: restore: this socket has no open transaction (No such file or directory); nothing was changed" \
		"fake: a TXN request without a transaction fails with ENOENT"
	lcase "TXN_BEGIN
FLUSH_SET txn -> ENOENT" "fake: and nothing is sent after it"

	# restore --set: begin, flush that set, its additions, commit
	frun restore --set partners "$tmp/good.list"
	fcase 0 "" "" "fake: restore --set partners FILE"
	lcase "TXN_BEGIN
FLUSH_SET txn set=partners
ADD_PREFIXES txn set=partners prefixes=2
TXN_COMMIT staged=2 prefixes=2" "fake: restore --set: flush that set and add, one transaction, profiles left alone"
	stdin=$tmp/good.list frun restore --set messenger -
	lcase "TXN_BEGIN
FLUSH_SET txn set=messenger
ADD_PREFIXES txn set=messenger prefixes=2
TXN_COMMIT staged=2 prefixes=2" "fake: restore --set SET - reads stdin"
	frun restore --set av "$tmp/good.list"
	lcase "TXN_BEGIN
FLUSH_SET txn set=av
ADD_PREFIXES txn set=av prefixes=2
TXN_COMMIT staged=2 prefixes=2" "fake: restore --set av"
	frun restore --set edge "$tmp/empty"
	lcase "TXN_BEGIN
FLUSH_SET txn set=edge
TXN_COMMIT staged=1 prefixes=0" "fake: restore --set with an empty file empties the set"
	frun restore --set edge "$tmp/bad.list"
	[ $rc = 2 ] && [ ! -s "$tmp/log" ]
	ok $? "fake: restore --set with a bad line sends nothing"
	frun restore "$tmp/bad.conf"
	[ $rc = 2 ] && [ ! -s "$tmp/log" ]
	ok $? "fake: restore with a bad line sends nothing"
	frun restore "$tmp/bad-profile.conf"
	[ $rc = 2 ] && [ ! -s "$tmp/log" ]
	ok $? "fake: restore with an unknown profile sends nothing"

	# A refused commit: the cookie names the staged prefix, file and line.
	FAKE_SCENARIO=commitnoent FAKE_COOKIE=1,0,2 frun restore "$tmp/site.conf"
	fcase 1 "" "lyncedge: restore: $tmp/site.conf:10: partners 2001:db8:1::/64: prefix is not in the set (No such file or directory); nothing was changed" \
		"fake: a refused commit names FILE:LINE, set and prefix from the cookie"
	lcase "${site_log/%TXN_COMMIT staged=6 prefixes=7/TXN_COMMIT staged=6 prefixes=7 -> ENOENT}" \
		"fake: the whole transaction was sent, the commit refused"
	FAKE_SCENARIO=commitinval FAKE_COOKIE=0,0,1 stdin=$tmp/site.conf frun restore
	fcase 1 "" "lyncedge: restore: <stdin>:6: edge 2001:db8:e::10: invalid prefix (Invalid argument); nothing was changed" \
		"fake: a refused commit of stdin names <stdin>:LINE"
	FAKE_SCENARIO=commitnospc FAKE_COOKIE=3,1,5 frun restore "$tmp/site.conf"
	fcase 1 "" "lyncedge: restore: messenger: the set would exceed its size limit (module parameter max_prefixes) (No space left on device); nothing was changed" \
		"fake: ENOSPC at commit names the set only"
	FAKE_SCENARIO=commitnoent FAKE_COOKIE=1,0,3 frun restore "$tmp/site.conf"
	fcase 1 "" "lyncedge: restore: partners: prefix is not in the set (No such file or directory); nothing was changed" \
		"fake: a cookie index past what was staged names the set only"
	FAKE_SCENARIO=commitnoent FAKE_COOKIE=1,1,0 frun restore "$tmp/site.conf"
	fcase 1 "" "lyncedge: restore: partners: prefix is not in the set (No such file or directory); nothing was changed" \
		"fake: a cookie naming deletions restore did not stage names the set only"
	FAKE_SCENARIO=commitnoent FAKE_COOKIE=9,0,0 frun restore "$tmp/site.conf"
	fcase 1 "" "lyncedge: restore: prefix is not in the set (No such file or directory); nothing was changed" \
		"fake: a cookie naming an unknown set is ignored"
	for cookie in none short; do
		FAKE_SCENARIO=commitnoent FAKE_COOKIE=$cookie frun restore "$tmp/site.conf"
		fcase 1 "" "lyncedge: restore: prefix is not in the set (No such file or directory); nothing was changed" \
			"fake: a refused commit with cookie $cookie: the message only"
	done
	FAKE_SCENARIO=commitnoent FAKE_COOKIE=1,0,1 frun restore --set partners "$tmp/good.list"
	fcase 1 "" "lyncedge: restore --set partners: $tmp/good.list:4: partners 2001:db8:e::10: prefix is not in the set (No such file or directory); nothing was changed" \
		"fake: restore --set, refused commit: FILE:LINE of the prefix-list file"

	# add/del -f: one transaction, whatever the size
	frun add edge -f "$tmp/good.list"
	fcase 0 "" "" "fake: add -f FILE"
	lcase "TXN_BEGIN
ADD_PREFIXES txn set=edge prefixes=2
TXN_COMMIT staged=1 prefixes=2" "fake: add -f of 2 prefixes is one transaction"
	stdin=$tmp/good.list frun del clients -f -
	fcase 0 "" "" "fake: del -f -"
	lcase "TXN_BEGIN
DEL_PREFIXES txn set=clients prefixes=2
TXN_COMMIT staged=1 prefixes=2" "fake: del -f - reads stdin, one transaction"
	frun add edge -f "$tmp/empty"
	fcase 0 "" "" "fake: add -f of an empty file"
	[ ! -s "$tmp/log" ]
	ok $? "fake: add -f of an empty file sends nothing"
	frun add edge -f "$tmp/bad.list"
	fcase 2 "" "lyncedge: add edge: $tmp/bad.list:4: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)" \
		"fake: add -f, a bad line: exit 2, FILE:LINE"
	[ ! -s "$tmp/log" ]
	ok $? "fake: add -f with a bad line sends nothing"
	stdin=$tmp/bad.list frun add edge -f -
	[ $rc = 2 ] && [ ! -s "$tmp/log" ] &&
		[ "$(cat "$tmp/err")" = "lyncedge: add edge: <stdin>:4: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)" ]
	ok $? "fake: add -f - with a bad line: <stdin>:LINE, nothing sent"
	FAKE_SCENARIO=commitnoent FAKE_COOKIE=0,1,1 frun del edge -f "$tmp/good.list"
	fcase 1 "" "lyncedge: del edge: $tmp/good.list:4: edge 2001:db8:e::10: prefix is not in the set (No such file or directory); nothing was changed" \
		"fake: del -f, refused commit: FILE:LINE, set, prefix"
	FAKE_SCENARIO=commitnoent FAKE_COOKIE=0,0,0 frun del edge -f "$tmp/good.list"
	fcase 1 "" "lyncedge: del edge: edge: prefix is not in the set (No such file or directory); nothing was changed" \
		"fake: del -f, a cookie naming additions del did not stage: the set"
	FAKE_SCENARIO=stagenospc frun add edge -f "$tmp/good.list"
	fcase 1 "" "lyncedge: add edge: the transaction stages more prefixes for the set than its size limit (module parameter max_prefixes) (No space left on device); nothing was changed" \
		"fake: a staged batch refused with a message"
	lcase "TXN_BEGIN
ADD_PREFIXES txn set=edge prefixes=2 -> ENOSPC" "fake: no commit after a refused batch"

	FAKE_SCENARIO=eperm frun show
	fcase 1 "" "lyncedge: show: Operation not permitted (CAP_NET_ADMIN needed)" \
		"fake: EPERM names CAP_NET_ADMIN"
	FAKE_SCENARIO=nofamily frun show
	fcase 1 "" "$NOT_LOADED" "fake: no family, not loaded"
	FAKE_SCENARIO=delnoent frun del partners 198.51.100.0/24 10.0.0.0/8 2001:db8::/64
	fcase 1 "" "lyncedge: del partners: 2001:db8::/64: prefix is not in the set (No such file or directory)" \
		"fake: the rejected prefix, the extack message and strerror"
	lcase "DEL_PREFIXES set=partners prefixes=3 -> ENOENT" \
		"fake: a small del is one message, no transaction"
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
	fcase 0 "" "" "fake: add of 100000 prefixes: exit 0, no progress when stderr is no tty"
	[ "$(sed -n 1p "$tmp/log")" = TXN_BEGIN ] &&
		[ "$(grep -c '^ADD_PREFIXES txn set=edge prefixes=1000 ' "$tmp/log")" = 100 ] &&
		[ "$(sed -n 102p "$tmp/log")" = "TXN_COMMIT staged=100 prefixes=100000" ] &&
		[ "$(wc -l <"$tmp/log")" = 102 ]
	ok $? "fake: 100000 prefixes go as one transaction of 100 messages of 1000"
	max=$(sed -n 's/.*nest_len=//p' "$tmp/log" | sort -n | tail -1)
	[ "${max:-99999}" -le 60000 ]
	ok $? "fake: the biggest LYNCEDGE_A_PREFIXES nest is $max bytes"
	: >"$tmp/log"
	(ulimit -s 65536 2>/dev/null
	 FAKE_SCENARIO=failbatch3 LD_PRELOAD=$FAKE FAKE_LOG=$tmp/log \
		"$LYNCEDGE" add edge "${many[@]}") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	fcase 1 "" "lyncedge: add edge: Invalid argument; nothing was changed" \
		"fake: a failed batch of a big add: nothing was applied"
	lcase "TXN_BEGIN
ADD_PREFIXES txn set=edge prefixes=1000
ADD_PREFIXES txn set=edge prefixes=1000
ADD_PREFIXES txn set=edge prefixes=1000 -> EINVAL" \
		"fake: the big add stops at the refused batch, never commits"
	(ulimit -s 65536 2>/dev/null
	 FAKE_SCENARIO=commitinval FAKE_COOKIE=0,0,54321 LD_PRELOAD=$FAKE \
		"$LYNCEDGE" add edge "${many[@]}") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	fcase 1 "" "lyncedge: add edge: edge ${many[54321]}: invalid prefix (Invalid argument); nothing was changed" \
		"fake: a refused commit of a command-line load names the prefix, no line"
	mapfile -t v6 < <(for ((i = 0; i < 2500; i++)); do
		printf 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:%x\n' $i
	done)
	frun del messenger "${v6[@]}"
	fcase 0 "" "" "fake: del of 2500 IPv6 prefixes"
	lcase "TXN_BEGIN
DEL_PREFIXES txn set=messenger prefixes=1000
DEL_PREFIXES txn set=messenger prefixes=1000
DEL_PREFIXES txn set=messenger prefixes=500
TXN_COMMIT staged=3 prefixes=2500" "fake: 2500 IPv6 prefixes go as 1000, 1000, 500 in one transaction"
	frun add messenger "${v6[@]:0:1000}"
	lcase "ADD_PREFIXES set=messenger prefixes=1000" \
		"fake: 1000 prefixes on the command line: one message, no transaction"
	frun add messenger "${v6[@]:0:1001}"
	lcase "TXN_BEGIN
ADD_PREFIXES txn set=messenger prefixes=1000
ADD_PREFIXES txn set=messenger prefixes=1
TXN_COMMIT staged=2 prefixes=1001" "fake: 1001 prefixes: a transaction"

	# Progress: on a terminal only, and only for loads over 10000.
	for n in 10000 10001; do
		for ((i = 0; i < n; i++)); do
			echo "10.$((i >> 8 & 255)).$((i & 255)).0/24"
		done >"$tmp/load$n.list"
	done
	frun add edge -f "$tmp/load10001.list"
	fcase 0 "" "" "fake: add -f of 10001 prefixes, stderr no tty: no progress"
	if script -qec true /dev/null >/dev/null 2>&1 </dev/null; then
		# the tty's \r and \r\n become line ends
		LD_PRELOAD=$FAKE script -qec \
			"'$LYNCEDGE' add edge -f '$tmp/load10001.list' >'$tmp/out'" \
			/dev/null </dev/null 2>&1 | tr '\r' '\n' | sed '/^$/d' >"$tmp/err"
		rc=${PIPESTATUS[0]}
		[ "$rc" = 0 ] && [ ! -s "$tmp/out" ] && [ "$(cat "$tmp/err")" = \
			"lyncedge: add edge: 10000/10001 prefixes
lyncedge: add edge: 10001/10001 prefixes staged" ]
		ok $? "fake: add -f of 10001 prefixes on a tty shows N/M progress on stderr"
		LD_PRELOAD=$FAKE script -qec \
			"'$LYNCEDGE' add edge -f '$tmp/load10000.list' >'$tmp/out'" \
			/dev/null </dev/null >"$tmp/err" 2>&1
		rc=$?
		[ $rc = 0 ] && [ ! -s "$tmp/err" ]
		ok $? "fake: add -f of 10000 prefixes on a tty: no progress"
	else
		skip "progress on a tty" "script(1) cannot open a pty here"
		skip "no progress on a tty for 10000" "script(1) cannot open a pty here"
	fi
	unset FAKE_SCENARIO FAKE_MODE FAKE_COOKIE FAKE_INTR FAKE_PROFILES
fi

echo "1..$tests"
[ $failures = 0 ]
