#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# core_instructions.sh [--csv] CORE_BENCH [SIZE...]: instructions per
# lookup, lyncedge's set vs the linear scan, counted by callgrind inside the
# lookup function only (--toggle-collect), so set building and address
# generation do not count and the figures repeat exactly whatever else the
# machine is doing. Sizes default to 10..100,000 prefixes (10 and 1000 with
# BENCH_SMOKE=1). --csv prints "prefixes,impl,instr_per_lookup" rows
# instead of the table.
#
# Environment: LOOKUPS (default 20000, smoke 2000) lookups per lyncedge
# figure; the linear scan does fewer at large sizes (about 2e7 prefix
# checks, at least 100 lookups): its cost per lookup hardly varies.
set -euo pipefail

csv=0
if [ "${1:-}" = --csv ]; then
	csv=1
	shift
fi
[ $# -ge 1 ] || { echo "usage: core_instructions.sh [--csv] CORE_BENCH [SIZE...]" >&2; exit 2; }
bench=$1
shift
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	lookups=${LOOKUPS:-2000}
	sizes=${*:-10 1000}
else
	lookups=${LOOKUPS:-20000}
	sizes=${*:-10 100 1000 10000 100000}
fi
command -v valgrind >/dev/null || { echo "valgrind missing (apt-get install valgrind)" >&2; exit 4; }

# instructions FN ARGS...: Ir collected inside FN (and what it calls) for
# one run of the bench. FN may be a pattern: the compiler may have renamed
# a static function (linear_contains.constprop.0).
instructions() {
	local fn=$1 out ir
	shift
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect="$fn" "$bench" "$@" 2>/dev/null >/dev/null
	ir=$(callgrind_annotate "$out" 2>/dev/null |
	     awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	rm -f "$out"
	if [ -z "$ir" ] || [ "$ir" -eq 0 ]; then
		echo "core_instructions: nothing counted in $fn" >&2
		exit 1
	fi
	echo "$ir"
}

if [ "$csv" = 1 ]; then
	echo "prefixes,impl,instr_per_lookup"
else
	printf '%10s %16s %16s\n' prefixes "lyncedge instr" "linear instr"
fi
for n in $sizes; do
	slow_lookups=$((20000000 / n))
	[ "$slow_lookups" -gt "$lookups" ] && slow_lookups=$lookups
	[ "$slow_lookups" -lt 100 ] && slow_lookups=100
	fast=$(instructions 'set_contains*' --only "$n" "$lookups")
	slow=$(instructions 'linear_contains*' --only "$n" "$slow_lookups" --linear)
	awk -v n="$n" -v f="$fast" -v fl="$lookups" -v s="$slow" -v sl="$slow_lookups" -v csv="$csv" '
		BEGIN {
			if (csv)
				printf "%d,lyncedge,%.1f\n%d,linear,%.1f\n", n, f / fl, n, s / sl
			else
				printf "%10d %16.1f %16.1f\n", n, f / fl, s / sl
		}'
done
