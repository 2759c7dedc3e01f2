#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test run, as README's test command and CI call it:
#   build checks (W=1 and sparse against 6.1 and 6.12 headers, checkpatch),
#   host unit tests (matching core, CLI parser) under ASan/UBSan,
#   libFuzzer on the CLI's parsers and the matching core (FUZZ_SECONDS each),
#   the QEMU harness self-test,
#   the VM selftests on each kernel of LYNCEDGE_TEST_KERNELS (default "6.1"),
#   and beside them, in VMs of their own, the DKMS install suite and a
#   smoke run of the benchmark.
# Every part reports a count of cases; the run ends with the line
#   N passed, N failed[, N skipped]
# A skip is never counted as a pass.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
kernels=${LYNCEDGE_TEST_KERNELS:-6.1}
logdir=$top/build/test-logs
mkdir -p "$logdir"

passed=0
failed=0
skipped=0
summary=()

# Counts in a TAP or kselftest log: leaf "ok"/"not ok" lines at column 0.
tap_counts() {
	local log=$1 p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (SKIP|skip)' "$log" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
	echo "$((p - s)) $f $s"
}

# Counts from a final "N passed, N failed[, N skipped]" line.
summary_counts() {
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	[ -n "$line" ] || return 1
	echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \3/' |
		awk '{ print $1, $2, ($3 == "" ? 0 : $3) }'
}

# run NAME KIND COMMAND...: KIND is "check" (one case: exit status),
# "tap" (count TAP lines) or "summary" (read the final summary line).
run() {
	local name=$1 kind=$2 log start secs rc p f s
	shift 2
	log=$logdir/${name//[^A-Za-z0-9.]/_}.log
	start=$(date +%s)
	echo "### $name: $*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=${RUN_SECS:-$(( $(date +%s) - start ))}
	case $kind in
	check)
		if [ "$rc" -eq 0 ]; then p=1 f=0 s=0
		elif [ "$rc" -eq 4 ]; then p=0 f=0 s=1
		else p=0 f=1 s=0; fi ;;
	tap)
		read -r p f s < <(tap_counts "$log") ;;
	summary)
		if ! read -r p f s < <(summary_counts "$log"); then
			p=0 f=0 s=0
		fi ;;
	esac
	# A part that failed without reporting a failed case still fails.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	summary+=("$(printf '%-34s %4d passed %3d failed %3d skipped %5ds' "$name" "$p" "$f" "$s" "$secs")")
}

# Warnings are errors for the kernel build: any compiler or sparse output
# other than Kbuild's own progress lines fails the check.
build_clean() {
	local kver=$1 out
	out=$(make -s module KDIR="/usr/src/linux-headers-$kver" W=1 C=1 2>&1 >/dev/null |
	      grep -v -e 'Skipping BTF generation' -e '^make\[[0-9]\]: ' ) || true
	if [ -n "$out" ]; then
		echo "$out"
		return 1
	fi
	echo "nf_lyncedge.ko for $kver: no warnings (W=1, sparse)"
}

total_start=$(date +%s)
# shellcheck source=selftests/qemu/kernel.sh
. selftests/qemu/kernel.sh
for k in 6.1 6.12; do
	kver=$(kernel_resolve_apt "$k")
	[ -n "$kver" ] || kver=$(kernel_resolve_cached "$k")
	if [ -z "$kver" ]; then
		run "build $k" check sh -c "echo 'cannot resolve the $k kernel ABI'; exit 1"
	else
		touch module/*.c
		run "build $kver W=1 C=1" check build_clean "$kver"
	fi
done
run "checkpatch --strict module/" check selftests/checkpatch.sh
run "cli build" check make -s cli
run "selftest probe build" check make -s probe
# The install suite builds the module with DKMS inside the VM, under TCG:
# minutes per kernel. It runs in VMs of its own, one after the other, on
# the second core while the rest goes on; its results are read at the end.
install_logs=()
for k in $kernels; do
	install_logs+=("$logdir/vm_install_$k.log")
done
(
	for k in $kernels; do
		log=$logdir/vm_install_$k.log
		start=$(date +%s)
		selftests/qemu/run.sh --kernel "$k" -- selftests/install.sh >"$log" 2>&1
		echo "$? $(( $(date +%s) - start ))" >"$log.status"
	done
	# make bench, cut down to one repetition and small sets, so that it
	# cannot rot; its figures are not for quoting.
	log=$logdir/bench_smoke.log
	start=$(date +%s)
	BENCH_SMOKE=1 BENCH_OUT=$top/build/bench-smoke BENCH_COMMAND="BENCH_SMOKE=1 make bench" \
		selftests/bench/run.sh >"$log" 2>&1
	echo "$? $(( $(date +%s) - start ))" >"$log.status"
) &
install_pid=$!

# replay LOG: print a background part's log, exit with its status.
replay() {
	local rc secs
	cat "$1"
	read -r rc secs <"$1.status" 2>/dev/null || { echo "no status for $1"; return 1; }
	return "$rc"
}

run "install layout (make install DESTDIR)" tap selftests/install_layout.sh
run "unit: matching core" tap make -s -C selftests/unit run
run "unit: cli" tap make -s -C userspace check
# libFuzzer, 30 s a target (FUZZ_SECONDS), one process: a crash, leak,
# sanitizer report or failed check fails the target's line.
fuzz_seconds=${FUZZ_SECONDS:-30}
run "fuzz: config parser" check make -s -C userspace fuzz FUZZERS=conffile FUZZ_SECONDS="$fuzz_seconds"
run "fuzz: prefix parser" check make -s -C userspace fuzz FUZZERS=prefix FUZZ_SECONDS="$fuzz_seconds"
run "fuzz: netlink replies" check make -s -C userspace fuzz FUZZERS=netlink FUZZ_SECONDS="$fuzz_seconds"
run "fuzz: matching core" check make -s -C selftests/fuzz run FUZZ_SECONDS="$fuzz_seconds"
run "man page lyncedge(8)" check userspace/man_test.sh userspace/lyncedge
run "bash completion" tap userspace/completion_test.sh
run "qemu harness self-test" tap selftests/qemu/selftest.sh
for k in $kernels; do
	run "vm selftests $k" summary selftests/qemu/run.sh --kernel "$k" -- selftests/run_vm_tests.sh
done
wait "$install_pid"
for log in "${install_logs[@]}"; do
	k=${log##*_install_}
	k=${k%.log}
	RUN_SECS=$(awk '{ print $2 }' "$log.status" 2>/dev/null) \
		run "vm install (DKMS) $k" tap replay "$log"
done
RUN_SECS=$(awk '{ print $2 }' "$logdir/bench_smoke.log.status" 2>/dev/null) \
	run "bench smoke (BENCH_SMOKE=1 make bench)" check replay "$logdir/bench_smoke.log"

echo
echo "### summary"
printf '%s\n' "${summary[@]}"
echo "total time: $(( $(date +%s) - total_start ))s"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
