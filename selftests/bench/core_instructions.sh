#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# core_instructions.sh CORE_BENCH: instructions per lookup, lyncedge's set
# vs the linear scan, counted by callgrind inside the lookup function only
# (--toggle-collect), so set building and address generation do not count
# and the figures repeat exactly whatever else the machine is doing.
set -euo pipefail

bench=$1
lookups=${LOOKUPS:-20000}
command -v valgrind >/dev/null || { echo "valgrind missing (apt-get install valgrind)" >&2; exit 4; }

# instructions FN ARGS...: Ir collected inside FN for one run of the bench.
instructions() {
	local fn=$1 out
	shift
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect="$fn" "$bench" "$@" 2>/dev/null
	callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
	rm -f "$out"
}

printf '%10s %16s %16s\n' prefixes "lyncedge instr" "linear instr"
for n in 10 100 1000 10000 100000; do
	fast=$(instructions lyncedge_set_contains --only "$n" "$lookups")
	# The linear scan is slow under valgrind: fewer lookups, same average.
	slow=$(instructions linear_contains --only "$n" $((lookups / 100 + 1)) --linear)
	awk -v n="$n" -v f="$fast" -v fl="$lookups" -v s="$slow" -v sl=$((lookups / 100 + 1)) \
		'BEGIN { printf "%10d %16.1f %16.1f\n", n, f / fl, s / sl }'
done
