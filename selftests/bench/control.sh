#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# control.sh OUTDIR: the control-plane benchmark, run as root inside the
# test VM (selftests/qemu/run.sh), in a network namespace of its own.
#
#   load  time to load N prefixes (default 100,000: mixed IPv4/IPv6,
#         non-overlapping, /8../32 and /16../128, gen_prefixes.py) from an
#         empty state, as an administrator would, one command each:
#           lyncedge  lyncedge restore FILE: mode enforce, the edge
#                     addresses, the N prefixes in messenger
#           nft       nft -f FILE: an inet table with the four sets as
#                     named interval sets (one per family), the same N
#                     prefixes, and the six rows as rules
#           ipset     ipset restore: the same sets as hash:net, family
#                     inet and inet6
#   add1  add one prefix to the N-prefix set, one command:
#         lyncedge add messenger P, nft add element, ipset add
#   del1  delete it again: lyncedge del, nft delete element, ipset del
#   memory  kernel memory of a set of N IPv4 prefixes and of one of N IPv6
#         prefixes: as the module reports it (lyncedge -j show, "bytes") and
#         as /proc/meminfo sees it (Slab + VmallocUsed, which cover
#         kvmalloc, around a restore; the median over repetitions)
#
# Each figure is the wall time of the one command (EPOCHREALTIME), with
# the three tools interleaved within every repetition (lyncedge, nft,
# ipset, lyncedge, ...); emptying between loads is not timed. An untimed
# round first loads the kernel modules and warms the caches.
#
# Writes OUTDIR/control.csv (metric,tool,prefixes,rep,seconds) and
# OUTDIR/memory.csv (family,prefixes,bytes,bytes_per_prefix,source), each
# only when complete, and, to explain where lyncedge's time goes,
# OUTDIR/control_diag.csv (control.csv's columns; metric):
#   exec           starting /bin/true: the floor of any one command
#   add1, del1     at 0 prefixes: the same commands on empty sets
#   kernel_add1, kernel_del1, kernel_load
#                  time in the module's set building (lyncedge_set_update,
#                  function_graph tracer) during add1, del1 and load
#   parse_load     the CLI reading and checking the load's file alone
# Progress and a summary (medians) go to stderr.
#
# The nft and ipset sets are named edge4, edge6, partners4, ... messenger6;
# policy.nft and sets.ipset in the work folder are what an administrator
# would write for the same policy (nft -f: sets and rules in one file).
#
# Environment:
#   BENCH_SMOKE=1   one repetition, 1,000 prefixes (10,000 for memory)
#   BENCH_REPS      repetitions (default 7, smoke 1)
#   BENCH_PREFIXES  N for load/add1/del1 (default 100000, smoke 1000)
#   BENCH_MEM_PREFIXES  N for memory (default 100000, smoke 10000)
#
# Exit status: 0 done, 1 a command failed, 4 a tool is missing (skip).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
smoke=${BENCH_SMOKE:-0}
if [ "$smoke" = 1 ]; then
	reps=${BENCH_REPS:-1}
	n=${BENCH_PREFIXES:-1000}
	nmem=${BENCH_MEM_PREFIXES:-10000}
else
	reps=${BENCH_REPS:-7}
	n=${BENCH_PREFIXES:-100000}
	nmem=${BENCH_MEM_PREFIXES:-100000}
fi
table=lyncedge_bench
edge4=203.0.113.10
edge6=2001:db8:e::10

say() { echo "control: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- files: the same configuration in each tool's form ----

python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3

# write_configs DIR N: DIR/{lyncedge.conf,policy.nft,sets.ipset} with N
# prefixes in messenger, and DIR/spare (prefixes outside the set).
write_configs() {
	local dir=$1 count=$2 fam name ip hook
	mkdir -p "$dir"
	"$python" "$here/gen_prefixes.py" --count "$count" --seed 5 \
		--set messenger --table "$table" --format list \
		--emit "lyncedge=$dir/messenger.lyncedge" \
		--emit "nft=$dir/messenger.nft" \
		--emit "ipset=$dir/messenger.ipset" \
		--spare 2 --spare-file "$dir/spare" >/dev/null

	{
		echo "mode enforce"
		echo "edge $edge4"
		echo "edge $edge6"
		cat "$dir/messenger.lyncedge"
	} >"$dir/lyncedge.conf"

	{
		echo "add table inet $table"
		for name in edge partners clients; do
			echo "add set inet $table ${name}4 { type ipv4_addr; flags interval; }"
			echo "add set inet $table ${name}6 { type ipv6_addr; flags interval; }"
		done
		echo "add element inet $table edge4 { $edge4 }"
		echo "add element inet $table edge6 { $edge6 }"
		cat "$dir/messenger.nft"
		echo "add chain inet $table edge_policy"
		echo "add rule inet $table edge_policy icmpv6 type { nd-router-solicit," \
		     "nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert," \
		     "nd-redirect } accept"
		echo "add rule inet $table edge_policy ct state established,related accept"
		echo "add rule inet $table edge_policy ct state invalid drop"
		for fam in 4 6; do
			ip=ip
			[ "$fam" = 6 ] && ip=ip6
			cat <<-EOF
			add rule inet $table edge_policy tcp dport 5061 $ip saddr @partners$fam $ip daddr @edge$fam accept
			add rule inet $table edge_policy tcp dport 5061 $ip saddr @edge$fam $ip daddr @partners$fam accept
			add rule inet $table edge_policy tcp dport 443 $ip saddr @clients$fam $ip daddr @edge$fam accept
			add rule inet $table edge_policy tcp dport 50000-59999 $ip saddr @edge$fam $ip daddr @messenger$fam accept
			add rule inet $table edge_policy udp dport 3478 $ip saddr @edge$fam $ip daddr @messenger$fam accept
			add rule inet $table edge_policy udp dport 3478 $ip saddr @messenger$fam $ip daddr @edge$fam accept
			EOF
		done
		echo "add rule inet $table edge_policy drop"
		for hook in forward input output; do
			echo "add chain inet $table $hook { type filter hook $hook priority filter; policy accept; }"
			for fam in 4 6; do
				ip=ip
				[ "$fam" = 6 ] && ip=ip6
				echo "add rule inet $table $hook $ip saddr @edge$fam goto edge_policy"
				echo "add rule inet $table $hook $ip daddr @edge$fam goto edge_policy"
			done
		done
	} >"$dir/policy.nft"

	{
		for name in edge partners clients; do
			echo "create ${name}4 hash:net family inet"
			echo "create ${name}6 hash:net family inet6"
		done
		echo "add edge4 $edge4"
		echo "add edge6 $edge6"
		cat "$dir/messenger.ipset"
	} >"$dir/sets.ipset"
}

# ---- the commands measured ----

load_lyncedge() { lyncedge restore "$1/lyncedge.conf"; }
load_nft() { nft -f "$1/policy.nft"; }
load_ipset() { ipset restore -file "$1/sets.ipset"; }

empty_lyncedge() { echo "mode off" | lyncedge restore -; }
empty_nft() { nft flush ruleset; }
empty_ipset() { ipset destroy; }

# The spare prefix used for add1/del1: the IPv4 one (gen_prefixes.py
# writes the IPv4 spares first), so nft and ipset touch one set.
spare_of() { head -n 1 "$1/spare"; }

add1_lyncedge() { lyncedge add messenger "$1"; }
del1_lyncedge() { lyncedge del messenger "$1"; }
add1_nft() { nft add element inet "$table" messenger4 "{ $1 }"; }
del1_nft() { nft delete element inet "$table" messenger4 "{ $1 }"; }
add1_ipset() { ipset add messenger4 "$1"; }
del1_ipset() { ipset del messenger4 "$1"; }

TOOLS="lyncedge nft ipset"

# timed COMMAND...: run it, SECS = its wall time in seconds.
SECS=
timed() {
	local t0 t1 us
	t0=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>"$work/cmd.err" || {
		cat "$work/cmd.err" >&2
		die "failed: $*"
	}
	t1=${EPOCHREALTIME/./}
	us=$((t1 - t0))
	SECS=$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))
}

# median: of the numbers on stdin, one a line.
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

quiet() { "$@" >/dev/null 2>"$work/cmd.err" || { cat "$work/cmd.err" >&2; die "failed: $*"; }; }

# A check, untimed, that a load put every prefix where it belongs.
check_loaded() {
	local dir=$1 count=$2 got n4 n6
	got=$(lyncedge -j show | jq '.sets[] | select(.name == "messenger") |
		.prefixes4 + .prefixes6')
	[ "$got" = "$count" ] || die "lyncedge holds $got prefixes, not $count"
	n4=$(ipset -t list messenger4 | sed -n 's/^Number of entries: //p')
	n6=$(ipset -t list messenger6 | sed -n 's/^Number of entries: //p')
	[ $((n4 + n6)) = "$count" ] || die "ipset holds $n4 + $n6 prefixes, not $count"
	got=$(nft -j list set inet "$table" messenger4 |
	      jq '[.nftables[] | select(.set) | .set.elem // [] | length] | add')
	[ "$got" = "$(grep -c '\.' "$dir/messenger.lyncedge" || true)" ] ||
		die "nft messenger4 holds $got prefixes"
}

# one_prefix_round CSV COUNT DIR REP: add1 then del1 with each tool.
one_prefix_round() {
	local csv=$1 count=$2 dir=$3 rep=$4 p tool
	p=$(spare_of "$dir")
	for tool in $TOOLS; do
		timed "add1_$tool" "$p"
		echo "add1,$tool,$count,$rep,$SECS" >>"$csv"
		timed "del1_$tool" "$p"
		echo "del1,$tool,$count,$rep,$SECS" >>"$csv"
	done
}

# ---- where lyncedge's time goes ----

# Time the kernel spends building sets (lyncedge_set_update, timed by the
# function_graph tracer, this one function only), for add1, del1 and load
# with the N-prefix set; and the CLI's parsing alone (a restore whose last
# line is bad: the whole file is read and checked, nothing is sent).
# Rows kernel_add1, kernel_del1, kernel_load, parse_load in control_diag.csv.
tracing=/sys/kernel/tracing
trace_on() {
	[ -w "$tracing/current_tracer" ] ||
		mount -t tracefs nodev "$tracing" 2>/dev/null || return 1
	grep -qx 'lyncedge_set_update \[nf_lyncedge\]' \
		"$tracing/available_filter_functions" 2>/dev/null || return 1
	echo lyncedge_set_update >"$tracing/set_ftrace_filter" &&
	echo lyncedge_set_update >"$tracing/set_graph_function" &&
	echo 1 >"$tracing/max_graph_depth" &&
	echo function_graph >"$tracing/current_tracer"
}

trace_off() {
	echo nop >"$tracing/current_tracer"
	echo 0 >"$tracing/max_graph_depth"
	: >"$tracing/set_graph_function"
	: >"$tracing/set_ftrace_filter"
}

# kernel_secs COMMAND...: SECS = time spent in lyncedge_set_update.
kernel_secs() {
	: >"$tracing/trace"
	quiet "$@"
	SECS=$(awk '/lyncedge_set_update/ {
			for (i = 1; i < NF; i++) if ($(i + 1) == "us") s += $i
		} END { printf "%.6f", s / 1e6 }' "$tracing/trace")
}

where_the_time_goes() {
	local dir=$1 diag=$out/control_diag.csv rep p t0 us
	p=$(spare_of "$dir")
	{ cat "$dir/lyncedge.conf"; echo "messenger 10.0.0.1/8"; } >"$dir/bad.conf"
	if trace_on; then
		for rep in $(seq "$reps"); do
			say "kernel time: rep $rep/$reps"
			kernel_secs add1_lyncedge "$p"
			echo "kernel_add1,lyncedge,$n,$rep,$SECS" >>"$diag"
			kernel_secs del1_lyncedge "$p"
			echo "kernel_del1,lyncedge,$n,$rep,$SECS" >>"$diag"
			quiet empty_lyncedge
			kernel_secs load_lyncedge "$dir"
			echo "kernel_load,lyncedge,$n,$rep,$SECS" >>"$diag"
		done
		trace_off
	else
		say "no function_graph tracer: kernel times not measured"
	fi
	for rep in $(seq "$reps"); do
		say "parse time: rep $rep/$reps"
		t0=${EPOCHREALTIME/./}
		if lyncedge restore "$dir/bad.conf" 2>/dev/null; then
			die "a bad line was accepted"
		fi
		us=$((${EPOCHREALTIME/./} - t0))
		printf 'parse_load,lyncedge,%d,%d,%d.%06d\n' "$n" "$rep" \
		       $((us / 1000000)) $((us % 1000000)) >>"$diag"
	done
}

# ---- memory ----

# Slab + VmallocUsed in kB, after freeing what the kernel can: the RCU
# callbacks of the last change, reclaimable slab.
kernel_kb() {
	sleep "$settle"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^(Slab|VmallocUsed):/ { kb += $2 } END { print kb }' /proc/meminfo
}

measure_memory() {
	local fam name conf before after bytes rep deltas mod mem_reps=$reps
	# Three repetitions are plenty: the figures barely move.
	[ "$mem_reps" -gt 3 ] && mem_reps=3
	settle=1
	[ "$smoke" = 1 ] && settle=0.3
	for fam in 4 6; do
		name=ipv$fam
		conf=$work/mem$fam.conf
		"$python" "$here/gen_prefixes.py" --count "$nmem" --seed 6 \
			--family "$fam" --format lyncedge >"$conf"
		deltas=()
		for rep in $(seq "$mem_reps"); do
			say "memory: $name, $nmem prefixes, rep $rep/$mem_reps"
			quiet empty_lyncedge
			before=$(kernel_kb)
			quiet lyncedge restore "$conf"
			after=$(kernel_kb)
			deltas+=($(((after - before) * 1024)))
		done
		mod=$(lyncedge -j show | jq '.sets[] | select(.name == "messenger") | .bytes')
		bytes=$(printf '%s\n' "${deltas[@]}" | median)
		say "memory: $name: module $mod B, meminfo deltas ${deltas[*]}"
		awk -v f="$name" -v n="$nmem" -v m="$mod" -v k="$bytes" 'BEGIN {
			printf "%s,%d,%d,%.2f,module\n", f, n, m, m / n
			printf "%s,%d,%d,%.2f,meminfo\n", f, n, k, k / n }' >>"$mem_csv"
	done
	quiet empty_lyncedge
}

# ---- summary ----

summary() {
	# key value lines, sorted by key then value: medians in one pass.
	awk -F, 'FNR > 1 { print $1 "/" $2 "/" $3, $5 }' "$@" | sort -k1,1 -k2,2g |
	awk 'function flush() {
		if (n)
			printf "control: median %-26s %9.4f s (%d reps)\n", key,
			       (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, n
		n = 0
	}
	$1 != key { flush(); key = $1 }
	{ v[++n] = $2 }
	END { flush() }' >&2
	sed 's/^/control: memory /' "$out/memory.csv" >&2
}

# ---- inside the namespace ----

inner() {
	local dir=$work/load empty=$work/empty rep tool
	rm -f "$out/control.csv" "$out/memory.csv"
	echo "metric,tool,prefixes,rep,seconds" >"$out/control.csv.tmp"
	echo "metric,tool,prefixes,rep,seconds" >"$out/control_diag.csv"
	mem_csv=$out/memory.csv.tmp
	echo "family,prefixes,bytes,bytes_per_prefix,source" >"$mem_csv"

	say "generating $n prefixes"
	write_configs "$dir" "$n"
	write_configs "$empty" 0

	# Untimed: load the modules (ip_set_hash_net, nf_tables' set types,
	# conntrack for enforce) and warm the caches, and check the loads.
	say "warm-up round"
	for tool in $TOOLS; do
		quiet "load_$tool" "$dir"
	done
	check_loaded "$dir" "$n"
	for tool in $TOOLS; do
		quiet "empty_$tool"
	done

	for rep in $(seq "$reps"); do
		say "load $n prefixes: rep $rep/$reps"
		for tool in $TOOLS; do
			quiet "empty_$tool"
			timed "load_$tool" "$dir"
			echo "load,$tool,$n,$rep,$SECS" >>"$out/control.csv.tmp"
		done
	done

	# Every tool now holds the N prefixes.
	for rep in $(seq "$reps"); do
		say "add/del one prefix in $n: rep $rep/$reps"
		one_prefix_round "$out/control.csv.tmp" "$n" "$dir" "$rep"
	done
	where_the_time_goes "$dir"

	# The same commands on empty sets, and bare process start: what a
	# one-prefix change costs whatever the size of the set.
	for tool in $TOOLS; do
		quiet "empty_$tool"
		quiet "load_$tool" "$empty"
	done
	for rep in $(seq "$reps"); do
		say "diagnostics: rep $rep/$reps"
		timed /bin/true
		echo "exec,true,0,$rep,$SECS" >>"$out/control_diag.csv"
		one_prefix_round "$out/control_diag.csv" 0 "$empty" "$rep"
	done
	for tool in $TOOLS; do
		quiet "empty_$tool"
	done

	measure_memory
	# Complete files only: a run that died half-way leaves none.
	mv "$out/control.csv.tmp" "$out/control.csv"
	mv "$mem_csv" "$out/memory.csv"
	summary "$out/control.csv" "$out/control_diag.csv"
}

# ---- outside ----

if [ "${1:-}" = --inner ]; then
	out=$2
	work=$3
	inner
	exit 0
fi

[ $# -eq 1 ] || { echo "usage: control.sh OUTDIR" >&2; exit 2; }
out=$(cd "$1" && pwd)
[ "$(id -u)" -eq 0 ] || { say "needs root: skipped"; exit 4; }
for t in lyncedge nft ipset ip jq "$python"; do
	command -v "$t" >/dev/null || { say "$t not installed: skipped"; exit 4; }
done
[ -d /sys/module/nf_lyncedge ] || modprobe nf_lyncedge || die "modprobe nf_lyncedge failed"

ns=le-bench-ctl-$(mktemp -u XXXXXX)
work=$(mktemp -d "${TMPDIR:-/tmp}/lyncedge-control.XXXXXX")
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
start=${EPOCHREALTIME/./}
say "namespace $ns, $reps reps, $n prefixes ($nmem for memory)"
ip netns exec "$ns" bash "${BASH_SOURCE[0]}" --inner "$out" "$work"
say "done in $(((${EPOCHREALTIME/./} - start) / 1000000)) s"
