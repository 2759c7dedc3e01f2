#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_vm_tests.sh [AREA...]: the nf_lyncedge selftests, inside the test VM
# (selftests/qemu/run.sh -- selftests/run_vm_tests.sh). Loads the module,
# runs every area's script (or the ones named: rows, state, cli, ...) and
# prints their TAP nested kselftest-style ("# " before each line), then a
# summary per area and the final line "N passed, N failed[, N skipped]"
# that counts individual cases (a skip is never a pass). Exit status 0 only
# when no case failed.
#
# Each script also runs on its own (as root in the VM), and honours
# LYNCEDGE (the CLI), DROP_MS and PASS_MS (see lib.sh).

set -u

here=$(cd "$(dirname "$0")" && pwd)
# rmmod last: it unloads and reloads the module (nlfuzz does too, and
# leaves it loaded).
ALL_AREAS="cli rows profiles state modes nat netns peers explain ops ndisc memcg txnowner stress pktfuzz ha nlfuzz rmmod"
timeout_s=$(sed -n 's/^timeout=//p' "$here/settings" 2>/dev/null)
: "${timeout_s:=300}"
# settings holds the limit for Debian's kernels; run.sh sets the factor by
# which the kernel it booted is slower (6 for the debug kernel).
slowdown=${LYNCEDGE_VM_SLOWDOWN:-1}
[[ $slowdown =~ ^[1-9][0-9]*$ ]] || slowdown=1
timeout_s=$((timeout_s * slowdown))

areas=${*:-$ALL_AREAS}
for a in $areas; do
	[ -x "$here/${a%.sh}.sh" ] || { echo "run_vm_tests.sh: no test area '$a' (have: $ALL_AREAS)" >&2; exit 2; }
done

logdir=${LYNCEDGE_VM_OUTDIR:-$(mktemp -d)}/selftest-logs
mkdir -p "$logdir"

if [ -z "${LYNCEDGE_FAKE:-}" ] && [ ! -d /sys/module/nf_lyncedge ]; then
	if ! modprobe nf_lyncedge; then
		echo "modprobe nf_lyncedge failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
fi
# Build the probe once, before the clocks start.
make -s -C "$here/tools" OUT="${PROBE_DIR:-$here/../build/selftests}" >&2 ||
	echo "# cannot build the probe tool; the scripts will skip"

passed=0
failed=0
skipped=0
summary=()
n=0
start_all=$SECONDS

echo "TAP version 13"
echo "1..$(echo "$areas" | wc -w)"
for a in $areas; do
	a=${a%.sh}
	n=$((n + 1))
	log=$logdir/$a.tap
	start=$SECONDS
	echo "# selftests: lyncedge: $a.sh"
	timeout --foreground -k 10 "$timeout_s" "$here/$a.sh" 2>&1 | tee "$log" | sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	secs=$((SECONDS - start))
	p=$(grep -cE '^ok [0-9]+' "$log")
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	p=$((p - s))
	note=
	if [ "$rc" -eq 4 ] && [ $((p + f + s)) -eq 0 ]; then
		s=1	# skipped as a whole
		note=" ($(grep -m1 -oE 'SKIP .*' "$log"))"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && [ "$f" -eq 0 ]; then
		f=1	# died without reporting a failed case
		note=" (exit $rc$([ "$rc" -eq 124 ] && echo ": timeout after ${timeout_s}s"))"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		echo "not ok $n selftests: lyncedge: $a.sh # exit=$rc"
	elif [ "$p" -eq 0 ] && [ "$s" -gt 0 ]; then
		echo "ok $n selftests: lyncedge: $a.sh # SKIP"
	else
		echo "ok $n selftests: lyncedge: $a.sh"
	fi
	summary+=("$(printf '%-8s %4d passed %3d failed %3d skipped %5ds%s' "$a" "$p" "$f" "$s" "$secs" "$note")")
done

echo
echo "per area:"
printf '  %s\n' "${summary[@]}"
echo "total: $((SECONDS - start_all))s (logs: $logdir)"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
