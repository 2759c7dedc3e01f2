#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lyncedge CLI against the module: bad input is refused with exit 2 and
# one line on stderr, refused operations (absent prefix, no CAP_NET_ADMIN)
# exit 1, and neither changes anything; test/list/show report the
# configuration exactly.

source "$(dirname "$0")/lib.sh"

# CLI_STATE caches the last config_state (lib.sh) seen, so a case need not
# read it before as well as after; whatever changes the configuration
# outside expect_cli/expect_unprivileged resets it (a stale cache could
# only make a case fail, never pass).
CLI_STATE=

# expect_cli WANT_STATUS ARGS...: run the CLI in gw; the exit status must be
# WANT_STATUS, and on failure stderr must hold exactly one line and the
# configuration must be as it was.
expect_cli() {
	local want=$1 rc before after lines
	shift
	before=${CLI_STATE:-$(config_state)}
	le "$@" > "$TMPD/out" 2> "$TMPD/err"
	rc=$?
	after=$(config_state)
	CLI_STATE=$after
	[ "$rc" -eq "$want" ] || fail "lyncedge $*: exit $rc, want $want"
	if [ "$want" -ne 0 ]; then
		lines=$(grep -c '' "$TMPD/err")
		[ "$lines" -eq 1 ] && [ -s "$TMPD/err" ] ||
			fail "lyncedge $*: $lines lines on stderr, want 1: $(head -c 300 "$TMPD/err")"
		[ "$before" = "$after" ] || {
			fail "lyncedge $*: the configuration changed"
			diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
		}
	fi
	return 0
}

# expect_unprivileged ARGS...: as nobody, without capabilities: refused
# with EPERM (exit 1, one line that says so), nothing changed.
expect_unprivileged() {
	local rc before after
	before=${CLI_STATE:-$(config_state)}
	in_ns "$GW" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$LYNCEDGE" "$@" > "$TMPD/out" 2> "$TMPD/err"
	rc=$?
	after=$(config_state)
	CLI_STATE=$after
	[ "$rc" -eq 1 ] || fail "unprivileged lyncedge $*: exit $rc, want 1"
	[ "$(grep -c '' "$TMPD/err")" -eq 1 ] ||
		fail "unprivileged lyncedge $*: want one line on stderr: $(head -c 300 "$TMPD/err")"
	grep -qiE 'permit|EPERM|CAP_NET_ADMIN' "$TMPD/err" ||
		fail "unprivileged lyncedge $*: the message does not mention the permission: $(cat "$TMPD/err")"
	[ -s "$TMPD/out" ] && fail "unprivileged lyncedge $*: printed: $(head -c 200 "$TMPD/out")"
	[ "$before" = "$after" ] || fail "unprivileged lyncedge $*: the configuration changed"
	return 0
}

expect_test() {		# WANT SET ADDR
	local rc
	le test "$2" "$3" >/dev/null
	rc=$?
	[ "$rc" -eq "$1" ] || fail "lyncedge test $2 $3: exit $rc, want $1"
	return 0
}

# The lines in any order, each as often as given. Counted in bash: two
# sorts per call were a quarter of this area's processes.
expect_list() {		# SET EXPECTED-LINES...
	local set=$1 got line bad=0
	local -A n=()
	shift
	got=$(le list "$set")
	for line; do n[$line]=$((${n[$line]:-0} + 1)); done
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		n[$line]=$((${n[$line]:-0} - 1))
	done <<<"$got"
	for line in "${!n[@]}"; do
		[ "${n[$line]}" = 0 ] || bad=1
	done
	[ $bad = 0 ] || fail "lyncedge list $set: got [${got//$'\n'/ }], want [$*]"
}

list_sample() {
	expect_list edge 203.0.113.10 2001:db8:e::10
	expect_list partners 198.51.100.0/24 2001:db8:1::/64
	expect_list clients 192.0.2.0/24 2001:db8:2::/64
	expect_list messenger 198.18.0.0/24 2001:db8:3::/64
}

test_members() {
	expect_test 0 edge 203.0.113.10
	expect_test 0 edge 2001:db8:e::10
	expect_test 1 edge 203.0.113.11
	expect_test 1 edge 2001:db8:e::11
	expect_test 0 partners 198.51.100.77
	expect_test 0 partners 2001:db8:1::abcd
	expect_test 1 partners 198.51.101.1
	expect_test 1 clients 198.51.100.77
	expect_test 0 messenger 198.18.0.255
	expect_test 1 messenger 198.19.0.50
}

add_idempotent() {
	expect_cli 0 add partners 198.51.100.0/24 2001:db8:1::/64
	list_sample
}

# Adding a host address and a covering prefix keeps both; deleting one
# leaves the other (deletion is exact, not "by coverage").
add_del_exact() {
	expect_cli 0 add clients 192.0.2.128/25 192.0.2.5
	expect_list clients 192.0.2.0/24 192.0.2.128/25 192.0.2.5 2001:db8:2::/64
	expect_cli 1 del clients 192.0.2.7
	expect_cli 0 del clients 192.0.2.0/24
	expect_test 0 clients 192.0.2.200
	expect_test 0 clients 192.0.2.5
	expect_test 1 clients 192.0.2.6
	expect_cli 0 del clients 192.0.2.128/25 192.0.2.5
	expect_cli 0 add clients 192.0.2.0/24
	list_sample
}

# One bad prefix among good ones: nothing is added.
add_batch_atomic() {
	expect_cli 2 add partners 10.1.0.0/16 10.2.0.0/33 10.3.0.0/16
	expect_cli 1 del partners 198.51.100.0/24 10.9.0.0/16
	list_sample
}

# show, exactly as documented, in a fresh namespace: pic alone, then with
# a profile on, whose rows follow pic's under a line of their own.
show_format() {
	local ns=le-fmt-$RUN_ID out want got
	ns_create "$ns" || { fail "cannot create $ns"; return; }
	le -n "$ns" add edge 203.0.113.10 2001:db8:e::10 &&
	le -n "$ns" add partners 198.51.100.0/24 &&
	le -n "$ns" add messenger 2001:db8:3::/64 &&
	le -n "$ns" mode enforce || { fail "cannot configure $ns"; return; }
	out=$(le -n "$ns" show)
	want=$(cat <<-'EOF'
	mode: enforce
	log: off
	profiles: pic
	sets:
	  edge           2 prefixes (1 IPv4, 1 IPv6)
	  partners       1 prefix (1 IPv4, 0 IPv6)
	  clients        0 prefixes (0 IPv4, 0 IPv6)
	  messenger      1 prefix (0 IPv4, 1 IPv6)
	  access         0 prefixes (0 IPv4, 0 IPv6)
	  webconf        0 prefixes (0 IPv4, 0 IPv6)
	  av             0 prefixes (0 IPv4, 0 IPv6)
	rules:
	    row    service   proto  port         match        from       to                packets            bytes
	  profile pic
	    1      SIP/MTLS  tcp    5061         dport        partners   access                  0                0
	    2      SIP/MTLS  tcp    5061         dport        access     partners                0                0
	    3      @         tcp    443          dport        clients    access                  0                0
	    4      @         tcp    50000-59999  dport|sport  av         messenger               0                0
	    5      @         udp    3478         dport        av         messenger               0                0
	    6      @         udp    3478         dport        messenger  av                      0                0
	denied (dropped in enforce mode, only counted in monitor mode):
	  no-rule        packets 0 bytes 0
	  invalid        packets 0 bytes 0
	  malformed      packets 0 bytes 0
	accepted by conntrack state (established, related): packets 0 bytes 0
	EOF
	)
	# Service names of rows 3-6 are the module's choice ('@' above):
	# copy them from the output, keeping the column.
	got=$(sed -E 's/^(    [3-6]      )[^ ]+ */\1@         /' <<< "$out")
	want=$(sed -E 's/^(    [3-6]      )@ +/\1@         /' <<< "$want")
	if [ "$got" != "$want" ]; then
		fail "lyncedge show differs from the documented format:"
		diff <(echo "$want") <(echo "$got") | sed 's/^/# /'
	fi

	# Microsoft's labels of remote-users' rows, in its table's order,
	# after pic's.
	le -n "$ns" profile enable remote-users || { fail "profile enable remote-users failed"; return; }
	le_show "$ns" && le_parse
	[ "${CTR[profiles]:-}" = " pic remote-users " ] ||
		fail "show: profiles '${CTR[profiles]:-}', want ' pic remote-users '"
	want="rule1 rule2 rule3 rule4 rule5 rule6 ruleE5 ruleE8 ruleE9 ruleE13 ruleE14 ruleE15 ruleE16"
	want+=" norule invalid malformed state"
	[ "${CTR_KEYS[*]}" = "$want" ] || fail "show: counters '${CTR_KEYS[*]}', want '$want'"
	grep -qx '  profile remote-users' <<< "$LE_SHOW" ||
		fail "show: no line '  profile remote-users'"
}

fresh_namespace() {
	local ns=le-fresh-$RUN_ID
	ns_create "$ns" || { fail "cannot create $ns"; return; }
	expect_pristine "$ns"
}

# -n acts on the namespace it names and on no other: what it set there,
# "ip netns exec" sees, and the gateway's configuration is untouched; the
# path form names the same namespace. The other tests all go through -n.
netns_option() {
	local ns=le-nopt-$RUN_ID before pid
	ns_create "$ns" || { fail "cannot create $ns"; return; }
	before=$(le save) || { fail "save in the gateway"; return; }
	"$LYNCEDGE" -n "$ns" add partners 198.51.100.0/24 &&
		"$LYNCEDGE" --netns "$ns" mode monitor ||
		{ fail "lyncedge -n $ns failed"; return; }
	[ "$(ip netns exec "$ns" "$LYNCEDGE" list partners)" = 198.51.100.0/24 ] ||
		fail "ip netns exec $ns: list partners is not what -n added"
	[ "$(ip netns exec "$ns" "$LYNCEDGE" save)" = "$("$LYNCEDGE" -n "$ns" save)" ] ||
		fail "save differs between ip netns exec and -n"
	[ "$(le save)" = "$before" ] || fail "the gateway's configuration changed"
	ip netns exec "$ns" sleep 30 &
	pid=$!
	# Once ip has entered it: the same namespace file (inode).
	wait_until 10 eval '[ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/$ns")" ]' ||
		fail "ip netns exec did not enter $ns"
	[ "$("$LYNCEDGE" -n "/proc/$pid/ns/net" -j save)" = "$("$LYNCEDGE" -n "$ns" -j save)" ] ||
		fail "-n /proc/PID/ns/net is not the namespace of PID"
	kill "$pid"
	# Its status is the signal's (143), not this case's.
	wait "$pid" 2>/dev/null || :
}

flush_one_then_all() {
	expect_cli 0 flush clients
	expect_list clients
	expect_list partners 198.51.100.0/24 2001:db8:1::/64
	expect_cli 0 flush all
	expect_list edge
	expect_list partners
	expect_list messenger
	config_sample enforce || fail "cannot restore the sample configuration"
	CLI_STATE=
	list_sample
}

# Many prefixes in one command (the CLI splits them over several messages)
# come back complete from list (a multi-part dump) and show.
many_prefixes() {
	local i j want got
	want=$(for i in $(seq 0 19); do for j in $(seq 0 249); do echo "10.$i.$j.0/24"; done; done
	       for i in $(seq 1 1000); do printf '2001:db8:%x::/48\n' $((0x1000 + i)); done)
	# shellcheck disable=SC2046
	expect_cli 0 add partners $want
	le_show && [ "$(set_size partners)" = 6002 ] &&
		[ "$(ctr_get partners_4)" = 5001 ] && [ "$(ctr_get partners_6)" = 1001 ] ||
		fail "show: partners has $(set_size partners) prefixes ($(ctr_get partners_4) IPv4, $(ctr_get partners_6) IPv6), want 6002 (5001, 1001)"
	got=$(le list partners | sort)
	want=$( (echo "$want"; echo 198.51.100.0/24; echo 2001:db8:1::/64) | sort)
	[ "$got" = "$want" ] || fail "list partners: $(diff <(echo "$want") <(echo "$got") | grep -c '^[<>]') lines differ"
	expect_test 0 partners 10.19.249.77
	expect_test 0 partners 2001:db8:13e8::1
	expect_test 1 partners 10.20.0.1
	# shellcheck disable=SC2046
	le del partners $(grep -vE '^(198.51.100.0/24|2001:db8:1::/64)$' <<< "$want") ||
		fail "deleting them failed"
	CLI_STATE=
	list_sample
}

# The module parameter max_prefixes bounds a set: going over is refused
# (exit 1), nothing added.
size_limit() {
	local p=/sys/module/nf_lyncedge/parameters/max_prefixes old
	[ -w "$p" ] || { fail "$p is not writable"; return; }
	old=$(cat "$p")
	echo 4 > "$p"
	expect_cli 0 add partners 10.1.0.0/16
	expect_cli 1 add partners 10.2.0.0/16 10.3.0.0/16
	expect_cli 0 add partners 10.2.0.0/16
	expect_cli 0 add partners 10.2.0.0/16
	echo "$old" > "$p"
	expect_cli 0 del partners 10.1.0.0/16 10.2.0.0/16
	list_sample
}

mode_changes() {
	local m
	for m in monitor off enforce; do
		expect_cli 0 mode $m
		le_show && [ "$(show_mode)" = $m ] || fail "mode $m not shown"
	done
}

lib_init
[ -n "${LYNCEDGE_FAKE:-}" ] && skip_all "tests the real CLI and module"
require_tool setpriv
GW=le-gw-$RUN_ID
NS[gw]=$GW
ns_create "$GW" || skip_all "cannot create a namespace"
config_sample enforce || skip_all "cannot configure lyncedge"

# Bad input: exit 2, one line on stderr, nothing changed.
bad=(
	"no command|"
	"unknown command|bogus"
	"unknown option|--bogus"
	"mode: missing argument|mode"
	"mode: unknown mode|mode bogus"
	"mode: too many arguments|mode enforce monitor"
	"add: missing set|add"
	"add: missing prefix|add partners"
	"add: unknown set|add bogus 192.0.2.0/24"
	"add: malformed IPv4 prefix|add partners 300.1.2.0/24"
	"add: malformed address|add partners hello"
	"add: empty length|add partners 192.0.2.0/"
	"add: negative length|add partners 192.0.2.0/-1"
	"add: trailing junk|add partners 192.0.2.0/24x"
	"add: IPv4 length out of range|add partners 192.0.2.0/33"
	"add: IPv6 length out of range|add partners 2001:db8::/129"
	"add: IPv4 host bits set|add partners 192.0.2.1/24"
	"add: IPv6 host bits set|add partners 2001:db8::1/64"
	"del: missing prefix|del partners"
	"del: malformed prefix|del partners 198.51.100.0/xx"
	"del: unknown set|del bogus 198.51.100.0/24"
	"flush: missing argument|flush"
	"flush: unknown set|flush bogus"
	"test: missing address|test edge"
	"test: unknown set|test bogus 203.0.113.10"
	"test: malformed address|test edge 203.0.113"
	"list: missing set|list"
	"list: unknown set|list bogus"
	"show: too many arguments|show all"
	"explain: unknown protocol|explain sctp 198.51.100.20 203.0.113.10 5061"
	"explain: port out of range|explain tcp 198.51.100.20 203.0.113.10 65536"
	"explain: mixed families|explain tcp 198.51.100.20 2001:db8:e::10 5061"
	"explain: missing port|explain tcp 198.51.100.20 203.0.113.10"
)
for b in "${bad[@]}"; do
	# shellcheck disable=SC2086
	run_case "bad input, ${b%%|*}: exit 2, nothing changed" expect_cli 2 ${b#*|}
done

run_case "del of an absent prefix: exit 1, nothing changed" expect_cli 1 del partners 10.99.0.0/16
run_case "del of an address only covered by a prefix: exit 1" expect_cli 1 del partners 198.51.100.20
run_case "del of another set's prefix: exit 1" expect_cli 1 del clients 198.51.100.0/24
run_case "one bad prefix in a batch: nothing added or deleted" add_batch_atomic
run_case "add of a present prefix: exit 0, no duplicate" add_idempotent
run_case "add/del are exact: a host inside a prefix is kept apart" add_del_exact
run_case "list prints the sample configuration (hosts without /32, /128)" list_sample
run_case "test: exit 0 for members, 1 for others" test_members
run_case "6000 prefixes in one add: list and show have them all" many_prefixes
run_case "max_prefixes bounds a set: exceeding it is refused, nothing added" size_limit

for c in "mode off" "add clients 10.0.0.0/8" "del partners 198.51.100.0/24" \
	 "flush all" "show" "list edge" "test edge 203.0.113.10"; do
	# shellcheck disable=SC2086
	run_case "unprivileged '$c': EPERM, exit 1, nothing changed" expect_unprivileged $c
done

run_case "mode: monitor, off, enforce as shown" mode_changes
run_case "flush one set, then all" flush_one_then_all
run_case "a fresh namespace: mode off, empty sets, zero counters" fresh_namespace
run_case "-n NETNS: that namespace only, as ip netns exec; -n /proc/PID/ns/net" netns_option
run_case "show prints the documented format" show_format

tap_finish
