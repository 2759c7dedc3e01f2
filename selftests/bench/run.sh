#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: "make bench". One run, every figure side by side:
#   1. on the host, the matching core against a linear scan (core.csv),
#      and the verdict per new flow with pic alone and with every profile
#      (verdict.csv, verdict_classes.csv);
#   2. in one VM boot, the forwarding benchmark (forward.sh: no filter,
#      conntrack only, lyncedge, nftables, iptables + ipset, and set
#      sizes from 10 to 100,000) and the control plane (control.sh: load
#      times, one-prefix changes, memory per prefix);
#   3. report.py: the table, results.json, summary.csv and plot.png.
#
# Environment:
#   BENCH_OUT     results folder (default build/bench-results/DATE)
#   BENCH_KERNEL  the VM's kernel series, 6.1 (default) or 6.12
#   BENCH_SMOKE=1 one repetition, small sets: checks that it all still
#                 runs (CI), not figures to quote
#   BENCH_REPS    repetitions (default 7)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
stamp=$(date -u +%Y%m%d-%H%M%S)
out=${BENCH_OUT:-$top/build/bench-results/$stamp}
kernel=${BENCH_KERNEL:-6.1}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
# A reused folder must not lend an old run's figures to this one.
rm -f "$out"/*.csv "$out"/env.txt "$out"/results.json "$out"/plot.*

{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) cores)"
	echo "accel=QEMU TCG, single-threaded, 2 vCPUs"
	echo "smoke=${BENCH_SMOKE:-0}"
	echo "reps=${BENCH_REPS:-$([ "${BENCH_SMOKE:-0}" = 1 ] && echo 1 || echo 7)}"
	echo "command=${BENCH_COMMAND:-make bench}"
} >"$out/env.txt"

echo "bench: results in $out" >&2
make -s cli probe
make -s -C selftests/bench >/dev/null

echo "bench: host micro-benchmark of the matching core" >&2
make -s -C selftests/bench core-csv OUT="$out/core.csv"
echo "bench: host micro-benchmark of the verdict, pic alone and every profile" >&2
make -s -C selftests/bench verdict-csv VERDICT_OUT="$out/verdict.csv" \
	VERDICT_CLASSES_OUT="$out/verdict_classes.csv"

echo "bench: VM ($kernel): forwarding, then control plane" >&2
# The VM writes straight into the results folder (shared at the same path).
export LYNCEDGE_VM_OUTDIR=$out
export LYNCEDGE_VM_TIMEOUT=${LYNCEDGE_VM_TIMEOUT:-3600}
# The VM gets only LYNCEDGE_* from the caller's environment: pass the rest.
vm_env=(BENCH_SMOKE="${BENCH_SMOKE:-0}")
[ -z "${BENCH_REPS:-}" ] || vm_env+=(BENCH_REPS="$BENCH_REPS")
# shellcheck disable=SC2016 # expanded in the VM
selftests/qemu/run.sh --kernel "$kernel" -- env "${vm_env[@]}" bash -c '
		set -e
		echo "vm_kernel=$(uname -r)" >>"$LYNCEDGE_VM_OUTDIR/env.txt"
		selftests/bench/forward.sh "$LYNCEDGE_VM_OUTDIR"
		selftests/bench/control.sh "$LYNCEDGE_VM_OUTDIR"'

python3 selftests/bench/report.py "$out" | tee "$out/table.txt"
exit "${PIPESTATUS[0]}"
