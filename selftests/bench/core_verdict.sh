#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# core_verdict.sh CORE_BENCH OUT [CLASSES_OUT]: the verdict per new flow,
# pic alone against every profile enabled, as CSV files written whole or
# not at all:
#   OUT          prefixes,profiles,rows,ns_per_verdict,ns_median,
#                instr_per_verdict,allowed_share
#                ns from the timed run (core_bench --verdict --csv: the
#                fastest and the median of alternating rounds), instructions
#                from callgrind over the same tuples and sets, counted
#                inside lyncedge_classify() only
#   CLASSES_OUT  prefixes,profiles,class,verdicts,instr_per_verdict: the
#                same count by flow class (one function a class), from the
#                same callgrind runs
# Sizes: 100,000 prefixes in each peer set (1000 with BENCH_SMOKE=1), or
# VERDICT_PREFIXES. Every tuple of the mix is judged once per profile
# choice (16,384 verdicts).
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: core_verdict.sh CORE_BENCH OUT [CLASSES_OUT]" >&2
	exit 2
fi
bench=$1
out=$2
classes_out=${3:-}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	n=${VERDICT_PREFIXES:-1000}
else
	n=${VERDICT_PREFIXES:-100000}
fi
verdicts=16384
command -v valgrind >/dev/null || { echo "valgrind missing (apt-get install valgrind)" >&2; exit 4; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "verdict: timing pic alone and every profile ($n prefixes a peer set)" >&2
"$bench" --verdict --csv "$n" >"$tmp/ns.csv"

echo "verdict: counting instructions (callgrind)" >&2
echo "prefixes,profiles,class,verdicts,instr_per_verdict" >"$tmp/classes.csv"
for p in pic all; do
	"$bench" --only-verdict "$p" "$n" "$verdicts" --classes >"$tmp/count.$p"
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$p" \
		--toggle-collect='classify_class_*' \
		"$bench" --only-verdict "$p" "$n" "$verdicts" >/dev/null 2>&1
	# Inclusive Ir of each classify_class_N, and the whole.
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.$p" 2>/dev/null |
		awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print "total", $1 }
		     /:classify_class_[0-9]+ / {
			fn = $0; sub(/.*:classify_class_/, "", fn); sub(/ .*/, "", fn)
			gsub(",", "", $1); print fn, $1 }' >"$tmp/ir.$p"
	awk -v n="$n" -v p="$p" -v total_verdicts="$verdicts" '
		FNR == NR { ir[$1] = $2; next }
		{
			if (!($1 in ir) && $3 > 0) {
				print "core_verdict: no count for class " $2 > "/dev/stderr"
				exit 1
			}
			if ($3 > 0)
				printf "%d,%s,%s,%d,%.1f\n", n, p, $2, $3, ir[$1] / $3
		}
		END {
			if (!("total" in ir) || ir["total"] == 0) {
				print "core_verdict: nothing counted" > "/dev/stderr"
				exit 1
			}
			printf "%.1f\n", ir["total"] / total_verdicts > "'"$tmp/instr.$p"'"
		}' "$tmp/ir.$p" "$tmp/count.$p" >>"$tmp/classes.csv"
done

# Join the timed rows with the counts, in the timed run's order.
{
	echo "prefixes,profiles,rows,ns_per_verdict,ns_median,instr_per_verdict,allowed_share"
	tail -n +2 "$tmp/ns.csv" | while IFS=, read -r pn p rows ns med share; do
		[ -s "$tmp/instr.$p" ] || { echo "core_verdict: no instructions for $p" >&2; exit 1; }
		echo "$pn,$p,$rows,$ns,$med,$(cat "$tmp/instr.$p"),$share"
	done
} >"$tmp/verdict.csv"
mv "$tmp/verdict.csv" "$out"
[ -z "$classes_out" ] || mv "$tmp/classes.csv" "$classes_out"
cat "$out" >&2
