#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Operations: save and restore of whole configurations (100,000 prefixes
# included), bad files refused with FILE:LINE and nothing changed, kernel
# refusals inside a transaction, restore --set and add/del -f, atomicity of
# a restore under a stream of new flows, nf_log logging with its rate
# limit, the JSON output (-j), and a restore killed half-way.

# The cases run through run_case (SC2317); "A && B || fail" fails when
# either check does, as meant (SC2015).
# shellcheck disable=SC2317,SC2015
source "$(dirname "$0")/lib.sh"

PARAMS=/sys/module/nf_lyncedge/parameters
PARAM_DEFAULTS="max_prefixes=1000000 log_rate=10 log_burst=20"
NF_LOG_ALL_NETNS=/proc/sys/net/netfilter/nf_log_all_netns
OLD_LOG_ALL_NETNS=

# Whatever a case changed outside its namespaces is put back, even when
# the script dies half-way.
ops_cleanup() {
	local kv
	for kv in $PARAM_DEFAULTS; do
		[ -w "$PARAMS/${kv%%=*}" ] && echo "${kv#*=}" > "$PARAMS/${kv%%=*}"
	done
	[ -n "$OLD_LOG_ALL_NETNS" ] && echo "$OLD_LOG_ALL_NETNS" > "$NF_LOG_ALL_NETNS"
	cleanup
}

# Microseconds since the epoch, without starting a process.
now_us() { echo "${EPOCHREALTIME/./}"; }

# seconds_of US: "S.mmm".
seconds_of() { printf '%d.%03d' $(($1 / 1000000)) $(($1 / 1000 % 1000)); }

# ---- files ----

# The sample configuration of lib.sh in the exact "lyncedge save" form.
write_sample() {	# FILE [MODE] [LOG]
	cat > "$1" <<-EOF
	# lyncedge configuration: lyncedge save, restore with lyncedge restore
	mode ${2:-enforce}
	log ${3:-off}
	edge 203.0.113.10
	edge 2001:db8:e::10
	partners 198.51.100.0/24
	partners 2001:db8:1::/64
	clients 192.0.2.0/24
	clients 2001:db8:2::/64
	messenger 198.18.0.0/24
	messenger 2001:db8:3::/64
	EOF
}

# 100,000 distinct, non-overlapping prefixes over the four sets, written
# exactly as "lyncedge save" prints them (kernel order: per set IPv4 then
# IPv6, ascending; hosts without /32 or /128), so save must reproduce the
# file byte for byte. Per set (IPv4, IPv6): edge 5000+5000 hosts, partners
# 40000 /24 + 20000 /48, clients 10000 /24 + 10000 /64, messenger 5000 /28
# + 5000 /64.
BIG_COUNTS="edge=5000/5000 partners=40000/20000 clients=10000/10000 messenger=5000/5000"
write_big() {		# FILE
	awk 'BEGIN {
		print "# lyncedge configuration: lyncedge save, restore with lyncedge restore"
		print "mode enforce"
		print "log off"
		for (i = 0; i < 5000; i++) printf "edge 100.64.%d.%d\n", int(i / 256), i % 256
		for (i = 1; i <= 5000; i++) printf "edge 2001:db8:e::%x\n", i
		for (i = 0; i < 40000; i++) printf "partners 10.%d.%d.0/24\n", int(i / 256), i % 256
		for (i = 4096; i < 24096; i++) printf "partners 2001:db8:%x::/48\n", i
		for (i = 0; i < 10000; i++) printf "clients 11.%d.%d.0/24\n", int(i / 256), i % 256
		for (i = 1; i <= 10000; i++) printf "clients 2001:db8:2:%x::/64\n", i
		for (i = 0; i < 5000; i++)
			printf "messenger 12.%d.%d.%d/28\n", int(i / 4096), int(i / 16) % 256, (i % 16) * 16
		for (i = 1; i <= 5000; i++) printf "messenger 2001:db8:3:%x::/64\n", i
	}' > "$1"
}

# Configurations A and B of the atomicity case, ~20,000 prefixes each, in
# file order (the prefixes flows depend on come last). Flow F (messenger
# -> edge 203.0.113.10 / 2001:db8:e::10, udp/3478) is row 6 in both. Flow
# G (stranger -> the second edge address 203.0.113.11 / 2001:db8:e::11,
# udp/3478) is no-rule in both: in A the second address is an edge address
# and the stranger no messenger; in B the stranger is an edge address and
# a messenger, and the second address nothing. A mix of A's edge set and
# B's messenger set would allow G by row 6.
write_ab() {		# FILE-A FILE-B
	awk -v a="$1" -v b="$2" 'BEGIN {
		print "mode enforce" > a
		print "edge 203.0.113.10\nedge 2001:db8:e::10\nedge 203.0.113.11\nedge 2001:db8:e::11" > a
		for (i = 0; i < 10000; i++) printf "partners 10.%d.%d.0/24\n", int(i / 256), i % 256 > a
		for (i = 0; i < 5000; i++)
			printf "messenger 12.%d.%d.%d/28\n", int(i / 4096), int(i / 16) % 256, (i % 16) * 16 > a
		for (i = 1; i <= 5000; i++) printf "messenger 2001:db8:5:%x::/64\n", i > a
		print "messenger 198.18.0.0/24\nmessenger 2001:db8:3::/64" > a

		print "mode enforce" > b
		print "edge 203.0.113.10\nedge 2001:db8:e::10\nedge 198.19.0.50\nedge 2001:db8:4::50" > b
		for (i = 0; i < 10000; i++) printf "clients 11.%d.%d.0/24\n", int(i / 256), i % 256 > b
		for (i = 0; i < 5000; i++)
			printf "messenger 13.%d.%d.%d/28\n", int(i / 4096), int(i / 16) % 256, (i % 16) * 16 > b
		for (i = 1; i <= 5000; i++) printf "messenger 2001:db8:6:%x::/64\n", i > b
		print "messenger 198.19.0.50\nmessenger 2001:db8:4::50" > b
		print "messenger 198.18.0.0/24\nmessenger 2001:db8:3::/64" > b
	}'
}

# ---- helpers ----

# save_to FILE: "lyncedge save" of the gateway into FILE.
save_to() {
	le save > "$1" || { fail "lyncedge save failed"; return 1; }
}

# expect_saved FILE [WHAT]: "lyncedge save" prints exactly FILE.
expect_saved() {
	save_to "$TMPD/saved" || return 1
	cmp -s "$1" "$TMPD/saved" && return 0
	fail "${2:-save} differs from $(basename "$1") ($(diff "$1" "$TMPD/saved" | grep -c '^[<>]') lines):"
	diff "$1" "$TMPD/saved" | head -n 10 | sed 's/^/# /'
	return 1
}

# restore_ok FILE: "lyncedge restore FILE" succeeds.
restore_ok() {
	le restore "$1" 2> "$TMPD/err" && return 0
	fail "lyncedge restore $(basename "$1") failed: $(head -c 300 "$TMPD/err")"
	return 1
}

# expect_refused CONF STATUS PATTERN CMD...: the CLI (in gw) exits STATUS
# with one line on stderr matching the ERE PATTERN, and save still prints
# exactly CONF, the configuration the caller set up before (no save
# before: each one costs a process start under TCG).
expect_refused() {
	local conf=$1 want=$2 pat=$3 rc lines
	shift 3
	le "$@" > "$TMPD/out" 2> "$TMPD/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "lyncedge $*: exit $rc, want $want"
	lines=$(grep -c '' "$TMPD/err")
	[ "$lines" -eq 1 ] || fail "lyncedge $*: $lines lines on stderr, want 1: $(head -c 300 "$TMPD/err")"
	grep -qE -- "$pat" "$TMPD/err" ||
		fail "lyncedge $*: stderr does not match '$pat': $(head -c 300 "$TMPD/err")"
	expect_saved "$conf" "save after the refused command"
	return 0
}

# expect_set_sizes SET=N4/N6...: show reports these per-set counts.
expect_set_sizes() {
	local kv set n4 n6
	le_show || { fail "lyncedge show failed"; return 1; }
	le_parse
	for kv in "$@"; do
		set=${kv%%=*} n4=${kv#*=} n6=${n4#*/} n4=${n4%/*}
		[ "${CTR[${set}_4]:-}" = "$n4" ] && [ "${CTR[${set}_6]:-}" = "$n6" ] &&
			[ "${CTR[$set]:-}" = $((n4 + n6)) ] ||
			fail "show: $set has '${CTR[$set]:-}' prefixes (${CTR[${set}_4]:-} IPv4, ${CTR[${set}_6]:-} IPv6), want $((n4 + n6)) ($n4, $n6)"
	done
}

# expect_show_log on|off: show prints "log: on|off" right after the mode.
expect_show_log() {
	local got
	got=$(le show | sed -n 2p)
	[ "$got" = "log: $1" ] || fail "show: second line '$got', want 'log: $1'"
}

# ---- 1, 2: save and restore ----

restore_big() {
	local t0 t1
	restore_ok "$SAMPLE" || return
	t0=$(now_us)
	le restore "$BIG" 2> "$TMPD/err" ||
		{ fail "restore of 100000 prefixes failed: $(head -c 300 "$TMPD/err")"; return; }
	t1=$(now_us)
	diag "restore of 100000 prefixes: $(seconds_of $((t1 - t0))) s"
	# shellcheck disable=SC2086
	expect_set_sizes $BIG_COUNTS
	le_show && [ "$(show_mode)" = enforce ] || fail "mode '$(show_mode)' after the restore, want enforce"
}

# The big file is in save's own form: save prints it back, and restoring
# what save printed changes nothing.
save_restore_save_big() {
	expect_saved "$BIG" "save of the 100000-prefix configuration" || return
	cp "$TMPD/saved" "$TMPD/save1"
	restore_ok "$TMPD/save1" || return
	expect_saved "$TMPD/save1" "save after restoring save's output"
}

# A hand-written file: comments, blank lines, tabs, duplicates (merged),
# an overlapping prefix (kept), sets in no order. save prints it
# canonically, and save -> restore -> save is the identity.
save_restore_save_small() {
	printf '%s\n' \
		'# site configuration, by hand' \
		'' \
		'	# an indented comment' \
		'messenger 2001:db8:3::/64' \
		'log off   # trailing comment' \
		'   ' \
		'edge 2001:db8:e::10' \
		'partners	2001:db8:1::/64' \
		'edge 203.0.113.10' \
		'clients 192.0.2.128/25' \
		'  edge	203.0.113.10  	# a duplicate, with tabs' \
		'mode monitor' \
		'clients 2001:db8:2::/64' \
		'clients 192.0.2.0/24' \
		'partners 198.51.100.0/24' \
		'messenger 198.18.0.0/24' \
		'partners 198.51.100.0/24' \
		'messenger 2001:db8:3::/64' > "$TMPD/hand.conf"
	cat > "$TMPD/hand.want" <<-'EOF'
	# lyncedge configuration: lyncedge save, restore with lyncedge restore
	mode monitor
	log off
	edge 203.0.113.10
	edge 2001:db8:e::10
	partners 198.51.100.0/24
	partners 2001:db8:1::/64
	clients 192.0.2.0/24
	clients 192.0.2.128/25
	clients 2001:db8:2::/64
	messenger 198.18.0.0/24
	messenger 2001:db8:3::/64
	EOF
	restore_ok "$TMPD/hand.conf" || return
	expect_set_sizes edge=1/1 partners=1/1 clients=2/1 messenger=1/1
	expect_saved "$TMPD/hand.want" "save of the hand-written file" || return
	restore_ok "$TMPD/hand.want" || return
	expect_saved "$TMPD/hand.want" "save after restoring save's output"
}

# ---- 3: bad files ----

# bad_file NAME LINE MESSAGE-ERE CONTENT: a restore of CONTENT (with \n)
# exits 2 naming FILE:LINE and changes nothing.
bad_file() {
	local f=$TMPD/$1.conf
	printf '%b' "$4" > "$f"
	expect_refused "$SAMPLE" 2 "^lyncedge: restore: $f:$2: $3" restore "$f"
}

bad_last_of_100k() {
	local f=$TMPD/big-bad.conf n
	{ cat "$BIG"; echo "clients 192.0.2.0/33"; } > "$f"
	n=$(grep -c '' "$f")
	expect_refused "$SAMPLE" 2 "^lyncedge: restore: $f:$n: .*192\.0\.2\.0/33" restore "$f"
}

# ---- 4: refusals by the kernel ----

# Over max_prefixes: refused when staged (restore) and when committed (add
# -f on top of a set's content); nothing changes either way.
over_max_prefixes() {
	local p=$PARAMS/max_prefixes
	[ -w "$p" ] || { fail "$p is not writable"; return; }
	echo 1000 > "$p"
	{ sed '/^partners/d' "$SAMPLE"
	  awk 'BEGIN { for (i = 0; i < 1001; i++) printf "partners 10.%d.%d.0/24\n", int(i / 256), i % 256 }'
	} > "$TMPD/over.conf"
	expect_refused "$SAMPLE" 1 "max_prefixes" restore "$TMPD/over.conf"
	# 999 more on the 2 partners present: 1001 only once committed.
	awk 'BEGIN { for (i = 0; i < 999; i++) printf "10.%d.%d.0/24\n", int(i / 256), i % 256 }' \
		> "$TMPD/over.list"
	expect_refused "$SAMPLE" 1 "max_prefixes" add partners -f "$TMPD/over.list"
	{ cat "$TMPD/over.list"; echo 10.99.0.0/24; echo 10.99.1.0/24; } > "$TMPD/over1001.list"
	expect_refused "$SAMPLE" 1 "max_prefixes" restore --set partners "$TMPD/over1001.list"
	echo 1000000 > "$p"
}

# del -f with one absent prefix: nothing deleted, FILE:LINE and the prefix named.
del_absent() {
	printf '%s\n' '# the sample partners, and one they do not hold' \
		198.51.100.0/24 10.77.0.0/16 2001:db8:1::/64 > "$TMPD/del.list"
	expect_refused "$SAMPLE" 1 "$TMPD/del.list:3: .*10\.77\.0\.0/16" del partners -f "$TMPD/del.list"
	printf '%s\n' 2001:db8:1::/64 2001:db8:77::/48 |
		le del partners -f - 2> "$TMPD/err"
	[ $? -eq 1 ] && grep -q '<stdin>:2: .*2001:db8:77::/48' "$TMPD/err" ||
		fail "del partners -f - with an absent prefix on line 2: $(head -c 300 "$TMPD/err")"
	expect_saved "$SAMPLE" "save after the refused deletions"
}

# ---- 5: restore --set, add -f, del -f ----

restore_one_set() {
	printf '%s\n' '# new clients' 10.20.0.0/16 2001:db8:20::/48 10.21.0.0/16 > "$TMPD/clients.list"
	restore_ok "$SAMPLE" || return
	le restore --set clients "$TMPD/clients.list" 2> "$TMPD/err" ||
		{ fail "restore --set clients failed: $(head -c 300 "$TMPD/err")"; return; }
	{ sed '/^clients/d; /^messenger/d' "$SAMPLE"
	  printf 'clients %s\n' 10.20.0.0/16 10.21.0.0/16 2001:db8:20::/48
	  grep '^messenger' "$SAMPLE"
	} > "$TMPD/want"
	expect_saved "$TMPD/want" "save after restore --set clients"
	# From stdin, and an empty list empties the set.
	grep '^clients' "$SAMPLE" | cut -d' ' -f2 | le restore --set clients - ||
		fail "restore --set clients - failed"
	expect_saved "$SAMPLE" "save after restore --set clients -"
	le restore --set messenger - < /dev/null || fail "restore --set messenger of nothing failed"
	sed '/^messenger/d' "$SAMPLE" > "$TMPD/want"
	expect_saved "$TMPD/want" "save after emptying messenger" || return
	restore_ok "$SAMPLE"
}

add_del_stdin() {
	local list='# more partners
10.30.0.0/16

2001:db8:30::/48	# a comment
10.31.0.0/16
10.30.0.0/16'
	le add partners -f - <<< "$list" 2> "$TMPD/err" ||
		{ fail "add partners -f - failed: $(head -c 300 "$TMPD/err")"; return; }
	{ sed '/^partners/,$d' "$SAMPLE"
	  printf 'partners %s\n' 10.30.0.0/16 10.31.0.0/16 198.51.100.0/24 \
		2001:db8:1::/64 2001:db8:30::/48
	  sed -n '/^clients/,$p' "$SAMPLE"
	} > "$TMPD/want"
	expect_saved "$TMPD/want" "save after add partners -f -"
	# A bad line on stdin: exit 2, "<stdin>:LINE", nothing changed.
	expect_refused "$TMPD/want" 2 '<stdin>:2: ' del partners -f - <<< $'10.30.0.0/16\n10.31.0.1/16'
	le del partners -f - <<< "$list" 2> "$TMPD/err" ||
		fail "del partners -f - failed: $(head -c 300 "$TMPD/err")"
	expect_saved "$SAMPLE" "save after del partners -f -"
}

# ---- 6: atomicity under traffic ----

FLOWS_MIN_RESTORES=10
FLOW_GAP_US=20000	# between datagrams of one stream

# flows_start NAME HOST DST SPORT: a background stream of new UDP flows to
# DST:3478, one every FLOW_GAP_US, from source ports SPORT.. (4999 at most).
declare -A FLOW_PID=()
flows_start() {
	"$PROBE" -N "${NS[$2]}" udp-flows -n 4999 -l 32 -s "$4" -i "$FLOW_GAP_US" "$3" 3478 \
		> "$TMPD/flows-$1" 2> "$TMPD/flows-$1.err" &
	FLOW_PID[$1]=$!
}

flows_started() {
	local n
	for n in "${!FLOW_PID[@]}"; do
		grep -q '^started$' "$TMPD/flows-$n" || return 1
	done
}

# sent_of NAME: datagrams the stream sent.
sent_of() { sed -n 's/^sent \([0-9]*\)$/\1/p' "$TMPD/flows-$1"; }

# received HOST-ADDR DST-ADDR: datagrams the edge's server logged.
received() { log_count edge "^udp $1 [0-9]+ $2 3478 "; }

# f_arrived N: the edge's server logged N datagrams of F (both families).
f_arrived() {
	[ $(($(received 198.18.0.40 203.0.113.10) + $(received 2001:db8:3::40 2001:db8:e::10))) -ge "$1" ]
}

atomic_under_traffic() {
	local n i cfg rc f4 f6 g4 g6 r_f4 r_f6 r_g4 r_g6 mid_rule6 mid_norule t0 t1 alive=1
	local -A flow_dst=([f4]=203.0.113.10 [f6]=2001:db8:e::10 [g4]=203.0.113.11 [g6]=2001:db8:e::11)

	restore_ok "$CONF_B" || return
	counters_mark "$GW"
	FLOW_PID=()
	flows_start f4 messenger "${flow_dst[f4]}" 20000
	flows_start f6 messenger "${flow_dst[f6]}" 25000
	flows_start g4 stranger "${flow_dst[g4]}" 30000
	flows_start g6 stranger "${flow_dst[g6]}" 35000
	wait_until 20 flows_started || { fail "the streams did not start"; return; }

	# The restores, all while the streams run: the packet counters must
	# move in between (packets were judged during the restores).
	le_show && le_parse
	mid_rule6=${CTR[rule6]:-0} mid_norule=${CTR[norule]:-0}
	t0=$(now_us)
	for ((n = 0; n < FLOWS_MIN_RESTORES; n++)); do
		cfg=$([ $((n % 2)) -eq 0 ] && echo "$CONF_A" || echo "$CONF_B")
		le restore "$cfg" 2> "$TMPD/err" ||
			fail "restore $n ($(basename "$cfg")) failed: $(head -c 200 "$TMPD/err")"
		# Each configuration on its own denies G (and allows F, as
		# the outcome shows): only a mix of the two could let G pass.
		[ "$n" -ge 2 ] ||
		[[ $(le explain udp 198.19.0.50 203.0.113.11 3478) == *"denied (no-rule)"* &&
		   $(le explain udp 2001:db8:4::50 2001:db8:e::11 3478) == *"denied (no-rule)"* ]] ||
			fail "$(basename "$cfg"): G is not denied (no-rule)"
	done
	t1=$(now_us)
	le_show && le_parse
	mid_rule6=$((${CTR[rule6]:-0} - mid_rule6)) mid_norule=$((${CTR[norule]:-0} - mid_norule))
	for i in "${!FLOW_PID[@]}"; do
		kill -0 "${FLOW_PID[$i]}" 2>/dev/null || alive=0
	done
	for i in "${!FLOW_PID[@]}"; do
		kill -TERM "${FLOW_PID[$i]}" 2>/dev/null
		wait "${FLOW_PID[$i]}"
		rc=$?
		[ "$rc" -eq 0 ] || fail "stream $i: probe exit $rc: $(head -c 200 "$TMPD/flows-$i.err")"
	done
	f4=$(sent_of f4) f6=$(sent_of f6) g4=$(sent_of g4) g6=$(sent_of g6)
	diag "$n restores in $(seconds_of $((t1 - t0))) s; new flows sent: F $f4+$f6, G $g4+$g6;" \
	     "judged during the restores: F $mid_rule6, G $mid_norule"
	[ "$alive" -eq 1 ] || fail "a stream ended before the last restore: the test proves nothing"
	[ "$mid_rule6" -ge "$n" ] && [ "$mid_norule" -ge "$n" ] ||
		fail "too few packets judged during the restores (F $mid_rule6, G $mid_norule): no overlap"
	[ -n "$f4" ] && [ -n "$f6" ] && [ -n "$g4" ] && [ -n "$g6" ] ||
		{ fail "a stream did not report what it sent"; return; }

	# Every F packet passed (row 6), every G packet was dropped (no-rule).
	wait_until 10 f_arrived $((f4 + f6))
	r_f4=$(received 198.18.0.40 "${flow_dst[f4]}")
	r_f6=$(received 2001:db8:3::40 "${flow_dst[f6]}")
	r_g4=$(received 198.19.0.50 "${flow_dst[g4]}")
	r_g6=$(received 2001:db8:4::50 "${flow_dst[g6]}")
	[ "$r_f4" -eq "$f4" ] || fail "IPv4 F: $r_f4 of $f4 datagrams arrived"
	[ "$r_f6" -eq "$f6" ] || fail "IPv6 F: $r_f6 of $f6 datagrams arrived"
	[ "$r_g4" -eq 0 ] || fail "IPv4 G: $r_g4 of $g4 datagrams got through"
	[ "$r_g6" -eq 0 ] || fail "IPv6 G: $r_g6 of $g6 datagrams got through"
	expect_counters "rule6=$((f4 + f6))" "norule=$((g4 + g6))"
	restore_ok "$SAMPLE"
}

# ---- 7: logging ----

# The kernel log of nf_log_syslog prints IPv6 addresses in full.
declare -A LOGADDR=([stranger4]=198.19.0.50 [edge4]=203.0.113.10
	[stranger6]=2001:0db8:0004:0000:0000:0000:0000:0050
	[edge6]=2001:0db8:000e:0000:0000:0000:0000:0010)
# Source ports of the logged datagrams, from a base of this run's own: the
# kernel log may hold lines of an earlier run since the boot.
LOG_SPORT=$((41000 + RANDOM % 400 * 50))

# log_lines PREFIX FAMILY SPORT: kernel log lines with PREFIX about the
# stranger's datagrams from SPORT to the edge's udp/3478.
log_lines() {
	dmesg | grep -cE -- "$1.*SRC=${LOGADDR[stranger$2]} DST=${LOGADDR[edge$2]} .*SPT=$3 DPT=3478 " || true
}

# The rate limit's bucket is empty again from this time on (us): lines
# logged at log_rate 10 fill it for log_burst (20) / 10 s at most.
LOG_QUIET_AT=0

# denied_logged MODE PREFIX WANT: 3 datagrams stranger -> edge udp/3478 per
# family (denied: no rule) give WANT kernel log lines each, with PREFIX.
# With WANT 0 the deny counter proves the datagrams were judged.
denied_logged() {
	local f got
	le mode "$1" || { fail "lyncedge mode $1 failed"; return; }
	for f in 4 6; do
		LOG_SPORT=$((LOG_SPORT + 1))
		[ "$3" -ne 0 ] || counters_mark "$GW"
		expect_probe ok stranger udp-send -n 3 -s "$LOG_SPORT" "$(addr "$f" edge)" 3478
		[ "$3" -ne 0 ] || expect_counters norule=3
		[ "$3" -eq 0 ] || LOG_QUIET_AT=$(($(now_us) + 2000000))
		got=$(log_lines "$2" "$f" "$LOG_SPORT")
		[ "$got" -eq "$3" ] || {
			fail "IPv$f $1: $got kernel log lines '$2... SRC=${LOGADDR[stranger$f]} DST=${LOGADDR[edge$f]}' for 3 denied datagrams, want $3"
			dmesg | grep -F "SPT=$LOG_SPORT " | tail -n 3 | sed 's/^/# /'
		}
	done
}

log_on_enforce() {
	restore_ok "$SAMPLE" || return
	le log on || { fail "lyncedge log on failed"; return; }
	expect_show_log on
	denied_logged enforce "lyncedge: drop no-rule " 3
}

log_on_monitor() {
	denied_logged monitor "lyncedge: would-drop no-rule " 3
}

log_off_quiet() {
	le log off || { fail "lyncedge log off failed"; return; }
	expect_show_log off
	denied_logged enforce "lyncedge: " 0
}

# log_burst 5, log_rate 1/s: 50 denied datagrams at once give the burst
# and at most one more line per whole second that passed.
log_rate_limited() {
	local got t0 t1 max wait_us
	le log on && le mode enforce || { fail "cannot turn logging on"; return; }
	wait_us=$((LOG_QUIET_AT - $(now_us)))
	[ "$wait_us" -le 0 ] || sleep "$(seconds_of "$wait_us")"
	echo 5 > "$PARAMS/log_burst" && echo 1 > "$PARAMS/log_rate" ||
		{ fail "cannot set log_burst and log_rate"; return; }
	LOG_SPORT=$((LOG_SPORT + 1))
	counters_mark "$GW"
	t0=$(now_us)
	expect_probe ok stranger udp-send -n 50 -s "$LOG_SPORT" "$(addr 4 edge)" 3478
	t1=$(now_us)
	expect_counters norule=50
	got=$(log_lines "lyncedge: drop no-rule " 4 "$LOG_SPORT")
	max=$((5 + (t1 - t0) / 1000000))
	diag "50 denied datagrams in $(seconds_of $((t1 - t0))) s: $got log lines"
	[ "$got" -ge 5 ] && [ "$got" -le "$max" ] ||
		fail "$got log lines for 50 denied datagrams, want 5..$max"
	echo 20 > "$PARAMS/log_burst"
	echo 10 > "$PARAMS/log_rate"
}

# save prints the log flag; restore sets it, or leaves it when absent.
log_save_restore() {
	le log on || { fail "lyncedge log on failed"; return; }
	write_sample "$TMPD/want" enforce on
	expect_saved "$TMPD/want" "save after log on"
	le log off || fail "lyncedge log off failed"
	restore_ok "$TMPD/want" || return
	expect_show_log on
	grep -v '^log' "$SAMPLE" > "$TMPD/nolog.conf"
	restore_ok "$TMPD/nolog.conf" || return
	expect_show_log on
	restore_ok "$SAMPLE" || return
	expect_show_log off
}

# ---- 8: JSON ----

json_output() {
	local d=$TMPD/json rc
	mkdir -p "$d"
	restore_ok "$SAMPLE" || return
	le reset-counters || fail "reset-counters failed"
	le -j show > "$d/show" || fail "-j show failed"
	le -j list partners > "$d/list" || fail "-j list partners failed"
	le -j save > "$d/save" || fail "-j save failed"
	le -j explain tcp 198.51.100.20 203.0.113.10 5061 > "$d/allow" || fail "-j explain (allow): exit $?"
	le -j explain tcp 2001:db8:1::20 40000 2001:db8:e::10 5061 > "$d/allow6" ||
		fail "-j explain (allow, IPv6, sport): exit $?"
	le -j explain udp 198.19.0.50 203.0.113.10 3478 > "$d/deny"
	rc=$?
	[ "$rc" -eq 1 ] || fail "-j explain (deny): exit $rc, want 1"
	le -j explain udp 198.19.0.50 192.0.2.30 53 > "$d/notedge" || fail "-j explain (not-edge): exit $?"
	# One compact document and a newline each: json.tool reads them as
	# JSON lines, all in one process (python starts slowly under TCG).
	cat "$d"/{show,list,save,allow,allow6,deny,notedge} > "$d/all"
	[ "$(grep -c '' "$d/all")" -eq 7 ] || fail "want 7 one-line documents: $(head -c 300 "$d/all")"
	python3 -m json.tool --json-lines "$d/all" > /dev/null 2> "$TMPD/err" ||
		{ fail "json.tool: $(head -c 300 "$TMPD/err")"; return; }
	python3 - "$d" "$TABLE_ROWS" > "$TMPD/err" 2>&1 <<-'EOF' || { fail "JSON content:"; sed 's/^/# /' "$TMPD/err"; }
	import json, subprocess, sys
	d = sys.argv[1]
	# The module's rows (index, profile, label), from its table.
	table = [tuple(l.split()[:3]) for l in subprocess.run(
	    [sys.argv[2]], check=True, stdout=subprocess.PIPE,
	    universal_newlines=True).stdout.splitlines()]
	def load(n):
	    with open(d + "/" + n) as f:
	        return json.load(f)
	bad = []
	def want(what, got, exp):
	    if got != exp:
	        bad.append("%s: %r, want %r" % (what, got, exp))
	sets = ("edge", "partners", "clients", "messenger", "access", "webconf", "av")
	s = load("show")
	want("show keys", sorted(s), ["deny", "established", "log", "mode", "profiles", "rules", "sets"])
	want("show mode", s["mode"], "enforce")
	want("show log", s["log"], False)
	want("show profiles", s["profiles"], ["pic"])
	want("show sets", [{k: x[k] for k in ("name", "prefixes4", "prefixes6")} for x in s["sets"]],
	     [{"name": n, "prefixes4": int(n in sets[:4]), "prefixes6": int(n in sets[:4])}
	      for n in sets])
	# one IPv4 and one IPv6 prefix: 16 + 56 bytes at least
	want("show set bytes", [isinstance(x["bytes"], int) and x["bytes"] >= 72 for x in s["sets"][:4]],
	     [True] * 4)
	# Every row of every profile, on or off: only pic's are on.
	want("show rules", [(str(r["index"]), r["profile"], r["label"]) for r in s["rules"]], table)
	want("show rules enabled", [r["enabled"] for r in s["rules"]],
	     [r["profile"] == "pic" for r in s["rules"]])
	want("show rules counters", {(r["packets"], r["bytes"]) for r in s["rules"]}, {(0, 0)})
	r = s["rules"][0]
	want("show rule 1", {k: r[k] for k in ("label", "service", "proto", "port_min", "port_max",
	                                       "port_match", "src", "dst")},
	     {"label": "1", "service": "SIP/MTLS", "proto": "tcp", "port_min": 5061,
	      "port_max": 5061, "port_match": "dport", "src": "partners", "dst": "access"})
	r = s["rules"][3]
	want("show rule 4 ports", (r["proto"], r["port_min"], r["port_max"], r["port_match"], r["src"], r["dst"]),
	     ("tcp", 50000, 59999, "dport-or-sport", "av", "messenger"))
	want("show deny", s["deny"], [{"reason": n, "packets": 0, "bytes": 0}
	                              for n in ("no-rule", "invalid", "malformed")])
	want("show established", s["established"], {"packets": 0, "bytes": 0})
	want("list", load("list"), {"set": "partners", "prefixes": ["198.51.100.0/24", "2001:db8:1::/64"]})
	want("save", load("save"), {"mode": "enforce", "log": False, "profiles": ["pic"], "sets": {
	    "edge": ["203.0.113.10", "2001:db8:e::10"],
	    "partners": ["198.51.100.0/24", "2001:db8:1::/64"],
	    "clients": ["192.0.2.0/24", "2001:db8:2::/64"],
	    "messenger": ["198.18.0.0/24", "2001:db8:3::/64"],
	    "access": [], "webconf": [], "av": []}})
	e = load("allow")
	want("explain allow", {k: e.get(k) for k in ("mode", "proto", "src", "sport", "dst", "dport", "verdict",
	                                             "profile", "row", "matched")},
	     {"mode": "enforce", "proto": "tcp", "src": "198.51.100.20", "sport": None,
	      "dst": "203.0.113.10", "dport": 5061, "verdict": "allow",
	      "profile": "pic", "row": "1", "matched": "dport"})
	want("explain allow has sport", "sport" in e, True)
	want("explain allow rule", (e["rule"]["index"], e["rule"]["label"], e["rule"]["service"]),
	     (1, "1", "SIP/MTLS"))
	want("explain allow: no reason", "reason" in e, False)
	e = load("allow6")
	want("explain allow6", (e["src"], e["sport"], e["dst"], e["verdict"], e["rule"]["index"], e["matched"]),
	     ("2001:db8:1::20", 40000, "2001:db8:e::10", "allow", 1, "dport"))
	e = load("deny")
	want("explain deny", (e["proto"], e["verdict"], e["reason"], e["dport"]), ("udp", "deny", "no-rule", 3478))
	want("explain deny: no rule", ("rule" in e, "row" in e, "profile" in e), (False, False, False))
	e = load("notedge")
	want("explain not-edge", e["verdict"], "not-edge")
	want("explain not-edge: no rule or reason", ("rule" in e, "reason" in e), (False, False))
	print("\n".join(bad))
	sys.exit(1 if bad else 0)
	EOF
}

# ---- 9: a restore killed half-way ----

# Run a restore of the big file with a pseudo-terminal as stderr, so that
# it shows its progress, and SIGKILL it at the first "N/M prefixes": it
# has then begun a transaction and staged part of it, but not committed.
KILL_PY='
import os, pty, re, select, subprocess, sys
probe, ns, cli, conf = sys.argv[1:5]
master, slave = pty.openpty()
p = subprocess.Popen([probe, "-N", ns, "exec", cli, "restore", conf],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
seen = b""
while not re.search(rb"[0-9]+/[0-9]+ prefixes", seen):
    if not select.select([master], [], [], 60)[0]:
        break
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
p.kill()
print(p.wait(), seen.decode(errors="replace").replace("\r", " ").strip())
'

killed_restore() {
	local out
	restore_ok "$SAMPLE" || return
	out=$(python3 -c "$KILL_PY" "$PROBE" "$GW" "$LYNCEDGE" "$BIG")
	diag "killed restore: $out"
	[[ $out =~ ^-9\ .*[0-9]+/[0-9]+\ prefixes ]] ||
		fail "the restore was not killed while staging: '$out'"
	expect_saved "$SAMPLE" "save after the killed restore" || return
	restore_ok "$BIG" || return
	# shellcheck disable=SC2086
	expect_set_sizes $BIG_COUNTS
}

lib_init
[ -n "${LYNCEDGE_FAKE:-}" ] && skip_all "needs kernel transactions (the real module)"
require_tool awk cmp dmesg
[ -d "$PARAMS" ] || skip_all "no $PARAMS"
trap ops_cleanup EXIT
topo_create "" || skip_all "cannot build the topology"
# A second edge address (flow G of the atomicity case).
ip -n "${NS[edge]}" -b - <<-EOF || skip_all "cannot add the second edge address"
	addr add 203.0.113.11/24 dev eth0
	addr add 2001:db8:e::11/64 dev eth0 nodad
EOF
start_listeners edge || skip_all "cannot start the server"

SAMPLE=$TMPD/sample.conf
BIG=$TMPD/big.conf
# save while restores flip the gateway between A and B: every save prints
# A's or B's configuration exactly, never a mix of the two.
save_during_restores() {
	local i n_a=0 n_b=0 flipper
	restore_ok "$CONF_A" && save_to "$TMPD/save-a" || return
	restore_ok "$CONF_B" && save_to "$TMPD/save-b" || return
	(
		for ((i = 0; i < 12; i++)); do
			le restore "$CONF_A" && le restore "$CONF_B" || exit 1
		done
	) &
	flipper=$!
	for ((i = 0; i < 8; i++)); do
		save_to "$TMPD/save-$i" || break
		if cmp -s "$TMPD/save-$i" "$TMPD/save-a"; then
			n_a=$((n_a + 1))
		elif cmp -s "$TMPD/save-$i" "$TMPD/save-b"; then
			n_b=$((n_b + 1))
		else
			fail "save $i is neither A nor B ($(wc -l < "$TMPD/save-$i") lines)"
		fi
	done
	kill "$flipper" 2>/dev/null
	wait "$flipper" 2>/dev/null
	diag "8 saves during restores: $n_a of A, $n_b of B"
	restore_ok "$SAMPLE"
}

CONF_A=$TMPD/a.conf
CONF_B=$TMPD/b.conf
write_sample "$SAMPLE"
write_big "$BIG"
write_ab "$CONF_A" "$CONF_B"
[ "$(grep -c '' "$BIG")" -eq 100003 ] || skip_all "cannot write the 100000-prefix file"

run_case "restore of 100000 prefixes (IPv4 and IPv6, four sets): show counts them exactly" restore_big
run_case "save -> restore -> save of 100000 prefixes is byte-for-byte identical" save_restore_save_big
run_case "a hand-written file (comments, blanks, duplicates): save is canonical, save -> restore -> save identical" \
	save_restore_save_small

restore_ok "$SAMPLE" || fail "cannot restore the sample configuration"
run_case "restore: unknown directive: exit 2, FILE:LINE, nothing changed" \
	bad_file unknown 4 "unknown directive 'partner'" \
	'# comment\nmode enforce\nedge 203.0.113.10\npartner 198.51.100.0/24\n'
run_case "restore: prefix with host bits set: exit 2, FILE:LINE, nothing changed" \
	bad_file hostbits 5 "partners: 10\.0\.0\.1/8" \
	'edge 203.0.113.10\n\n# comment\npartners 198.51.100.0/24\npartners 10.0.0.1/8\n'
run_case "restore: IPv6 prefix with host bits set: exit 2, FILE:LINE, nothing changed" \
	bad_file hostbits6 2 "clients: 2001:db8:2::1/64" \
	'edge 2001:db8:e::10\nclients 2001:db8:2::1/64\n'
run_case "restore: two prefixes on a line: exit 2, FILE:LINE, nothing changed" \
	bad_file twoprefixes 3 "edge: one prefix a line" \
	'mode off\nlog on\nedge 203.0.113.10 2001:db8:e::10\n'
run_case "restore: mode given twice: exit 2, FILE:LINE, nothing changed" \
	bad_file modetwice 6 "mode given twice \(first on line 1\)" \
	'mode enforce\nedge 203.0.113.10\n\n\n# mode below\nmode monitor\n'
run_case "restore: a bad last line of a 100000-prefix file: exit 2, FILE:LINE, nothing changed" \
	bad_last_of_100k

run_case "over max_prefixes (staged or committed): exit 1, max_prefixes named, nothing changed" \
	over_max_prefixes
run_case "del -f with one absent prefix: exit 1, FILE:LINE and prefix named, nothing deleted" del_absent

run_case "restore --set replaces one set (file, stdin, empty), the others untouched" restore_one_set
run_case "add -f - and del -f - read stdin; a bad line there names <stdin>:LINE" add_del_stdin

run_case "IPv4+IPv6: $FLOWS_MIN_RESTORES restores A/B (20000 prefixes) under new flows: allowed F loses none, denied G gets none" \
	atomic_under_traffic
run_case "save while restores flip A and B: every save is A or B exactly" save_during_restores

if [ -w "$NF_LOG_ALL_NETNS" ]; then
	OLD_LOG_ALL_NETNS=$(cat "$NF_LOG_ALL_NETNS")
	echo 1 > "$NF_LOG_ALL_NETNS"
	run_case "log on, enforce: every denied datagram logged 'lyncedge: drop no-rule ' with SRC/DST" log_on_enforce
	run_case "log on, monitor: every would-be-denied datagram logged 'lyncedge: would-drop no-rule '" \
		log_on_monitor
	run_case "log off: denied datagrams no longer logged" log_off_quiet
fi
run_case "save prints 'log on'; restore sets the log flag, or leaves it when absent" log_save_restore
if [ -w "$NF_LOG_ALL_NETNS" ]; then
	run_case "log_burst 5, log_rate 1: 50 denied datagrams give 5..5+seconds lines" log_rate_limited
	echo "$OLD_LOG_ALL_NETNS" > "$NF_LOG_ALL_NETNS"
else
	skip_case "logging of denied packets" "$NF_LOG_ALL_NETNS is not writable"
fi

if command -v python3 > /dev/null; then
	run_case "-j show, list, save, explain (allow, deny, not-edge): JSON with the documented keys" json_output
	run_case "a restore killed while staging changes nothing; the next restore works" killed_restore
else
	skip_case "JSON output" "python3 not installed"
	skip_case "a restore killed while staging" "python3 not installed"
fi

tap_finish
