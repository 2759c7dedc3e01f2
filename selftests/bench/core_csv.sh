#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# core_csv.sh CORE_BENCH OUT: the host micro-benchmark as one CSV file,
# "prefixes,impl,ns_per_lookup,instr_per_lookup" (impl lyncedge|linear):
# ns from the timed run (core_bench --csv), instructions from callgrind
# (core_instructions.sh --csv), for the same sets. BENCH_SMOKE=1: sizes
# 10 and 1000, short runs. OUT is written whole or not at all.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: core_csv.sh CORE_BENCH OUT" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench=$1
out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "core: timing lookups (ns)" >&2
"$bench" --csv >"$tmp/ns.csv"
echo "core: counting instructions (callgrind)" >&2
"$here/core_instructions.sh" --csv "$bench" >"$tmp/instr.csv"

# Join on (prefixes, impl), in the order of the timed run.
awk -F, 'FNR == 1 { next }
	NR == FNR { instr[$1 "," $2] = $3; next }
	{
		key = $1 "," $2
		if (!(key in instr)) {
			print "core_csv: no instruction count for " key > "/dev/stderr"
			exit 1
		}
		rows = rows key "," $3 "," instr[key] "\n"
	}
	END { printf "prefixes,impl,ns_per_lookup,instr_per_lookup\n%s", rows }' \
	"$tmp/instr.csv" "$tmp/ns.csv" >"$tmp/core.csv"
mv "$tmp/core.csv" "$out"
cat "$out" >&2
