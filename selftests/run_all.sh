#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test run, as README's test command and CI call it:
#   build checks (W=1 and sparse against 6.1 and 6.12 headers, checkpatch),
#   host unit tests (matching core, CLI parser) under ASan/UBSan,
#   libFuzzer on the CLI's parsers and the matching core (FUZZ_SECONDS each),
#   the QEMU harness self-test,
#   then, two VMs at a time: the VM selftests on each kernel of
#   LYNCEDGE_TEST_KERNELS (default "6.1"; an entry KERNEL:AREA,AREA,...
#   runs only those areas there) and on the debug kernel (KASAN, kmemleak,
#   lockdep, UBSAN; built from linux-source-6.1 when not cached), some
#   areas or (LYNCEDGE_TEST_DEBUG_AREAS=all) the whole suite over two VMs,
#   with the harness self-test that proves its
#   detectors (LYNCEDGE_TEST_DEBUG=0 leaves the debug kernel out), the DKMS
#   install suite on each kernel (or those of LYNCEDGE_TEST_DKMS_KERNELS)
#   and a smoke run of the benchmark.
# Every part reports a count of cases; the run ends with the line
#   N passed, N failed[, N skipped]
# A skip is never counted as a pass.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
kernels=${LYNCEDGE_TEST_KERNELS:-6.1}
debug=${LYNCEDGE_TEST_DEBUG:-1}
# The debug kernel runs the suite about 4 times slower than Debian's 6.1
# (the whole suite: about 81 minutes of VM time, 45 in two VMs side by side),
# and its build and self-test already take over half an hour: by default it
# runs the areas that feed the module hostile input and drive its memory
# and unload paths, in one VM. LYNCEDGE_TEST_DEBUG_AREAS="A B ..." picks others;
# "all" runs every area, split over two VMs.
debug_areas_1=${LYNCEDGE_TEST_DEBUG_AREAS:-"memcg txnowner pktfuzz nlfuzz rmmod"}
debug_areas_2=
if [ "$debug_areas_1" = all ]; then
	# The first half follows the build and the harness self-test in
	# their lane.
	debug_areas_1="stress cli rows ha ops state modes nat"
	debug_areas_2="nlfuzz pktfuzz profiles explain netns peers ndisc memcg txnowner rmmod"
fi
debug_part="vm selftests debug"
[ -n "$debug_areas_2" ] && debug_part="vm selftests debug (1 of 2)"
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
# --- the VM parts -----------------------------------------------------------
# A VM takes one core (TCG runs on one host thread) and the machine has two:
# the VM parts run two at a time, each into a log of its own, and are
# counted at the end in a fixed order. Never three: VMs sharing a core
# slow down the suites' timed cases. The longest lane starts first, now,
# beside the host checks (one core's worth of work): the debug kernel's
# build (about 20 minutes of CPU when not cached; niced, so the checks and
# VMs go first), then its harness self-test and half of its suite. The
# rest takes the other slot, longest first, then whichever slot is free;
# the other half of the debug suite queues behind the longest Debian suite.
vmlogs=$logdir/vm
mkdir -p "$vmlogs"
# A part that never ran must not be read from an earlier run's log.
rm -f "$vmlogs"/*.log "$vmlogs"/*.status

# part NAME COMMAND...: COMMAND into NAME's log, "STATUS SECONDS" beside it;
# returns COMMAND's status.
part() {
	local log=$vmlogs/${1//[^A-Za-z0-9.]/_}.log start rc
	shift
	echo "### started: ${log##*/}"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	echo "$rc $(( $(date +%s) - start ))" >"$log.status"
	echo "### finished: ${log##*/} (status $rc)"
	return "$rc"
}

# The debug kernel's parts need its build; without it they fail, rather
# than each starting the 20-minute build again. The build's status is
# also what the second half of its suite, in the other lane, waits for.
debug_built=$vmlogs/debug_kernel_build.log.status
not_built() {
	part "$1" sh -c 'echo "not run: the debug kernel did not build"; exit 1'
}
lane_debug() {
	if part "debug kernel build" selftests/qemu/debug-kernel.sh; then
		part "qemu harness self-test debug" selftests/qemu/selftest.sh --kernel debug
		# shellcheck disable=SC2086 # a list of areas
		part "$debug_part" \
			selftests/qemu/run.sh --kernel debug -- selftests/run_vm_tests.sh $debug_areas_1
	else
		not_built "qemu harness self-test debug"
		not_built "$debug_part"
	fi
}
# Queued behind the longest Debian suite, by when the build is long done:
# the wait below only guards the order.
lane_debug_2() {
	local rc
	until [ -e "$debug_built" ]; do sleep 10; done
	read -r rc _ <"$debug_built"
	if [ "$rc" = 0 ]; then
		# shellcheck disable=SC2086 # a list of areas
		part "vm selftests debug (2 of 2)" \
			selftests/qemu/run.sh --kernel debug -- selftests/run_vm_tests.sh $debug_areas_2
	else
		not_built "vm selftests debug (2 of 2)"
	fi
}

# lane COMMAND...: COMMAND in the background once fewer than two lanes run.
# Polled: a lane lasts minutes, and "kill -0" asks about the lanes alone,
# where "wait -n" would also return for run()'s children.
lanes=()
lane() {
	local pid alive
	while :; do
		alive=()
		for pid in "${lanes[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive+=("$pid")
		done
		lanes=("${alive[@]}")
		[ ${#lanes[@]} -lt 2 ] && break
		sleep 5
	done
	"$@" &
	lanes+=($!)
}

[ "$debug" = 1 ] && lane lane_debug

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
# Longest first: the whole suites, the second half of the debug kernel's,
# the partial suites, then DKMS (it builds the module under TCG: minutes
# per kernel), then make bench cut down to one repetition and small sets,
# so that it cannot rot (its figures are not for quoting).
# kernel_of ENTRY, areas_of ENTRY: "6.1:rmmod,memcg" is kernel 6.1, areas
# "rmmod memcg"; "6.12" is kernel 6.12, every area.
kernel_of() { echo "${1%%:*}"; }
areas_of() { [[ $1 == *:* ]] && echo "${1#*:}" | tr ',' ' '; }
# The DKMS install builds the module under TCG, 8 minutes a kernel:
# LYNCEDGE_TEST_DKMS_KERNELS picks the kernels (default: every one above).
dkms_kernels=${LYNCEDGE_TEST_DKMS_KERNELS:-$(for e in $kernels; do kernel_of "$e"; done)}
for e in $kernels; do
	[[ $e == *:* ]] && continue
	lane part "vm selftests $e" selftests/qemu/run.sh --kernel "$e" -- selftests/run_vm_tests.sh
done
[ "$debug" = 1 ] && [ -n "$debug_areas_2" ] && lane lane_debug_2
for e in $kernels; do
	[[ $e == *:* ]] || continue
	# shellcheck disable=SC2046 # a list of areas
	lane part "vm selftests $e" selftests/qemu/run.sh --kernel "$(kernel_of "$e")" -- \
		selftests/run_vm_tests.sh $(areas_of "$e")
done
for k in $dkms_kernels; do
	lane part "vm install (DKMS) $k" selftests/qemu/run.sh --kernel "$k" -- selftests/install.sh
done
lane part "bench smoke (BENCH_SMOKE=1 make bench)" \
	env BENCH_SMOKE=1 BENCH_OUT="$top/build/bench-smoke" BENCH_COMMAND="BENCH_SMOKE=1 make bench" \
	selftests/bench/run.sh
wait

# counted NAME KIND: count a VM part from its log.
counted() {
	local log=$vmlogs/${1//[^A-Za-z0-9.]/_}.log
	RUN_SECS=$(awk '{ print $2 }' "$log.status" 2>/dev/null) run "$1" "$2" replay "$log"
}
for e in $kernels; do
	counted "vm selftests $e" summary
done
if [ "$debug" = 1 ]; then
	# Its own line, so that the build's minutes show apart from the suite's.
	counted "debug kernel build" check
	counted "qemu harness self-test debug" tap
	counted "$debug_part" summary
	[ -n "$debug_areas_2" ] && counted "vm selftests debug (2 of 2)" summary
else
	run "debug kernel (LYNCEDGE_TEST_DEBUG=0)" check sh -c 'echo "skipped: LYNCEDGE_TEST_DEBUG=0"; exit 4'
fi
for k in $dkms_kernels; do
	counted "vm install (DKMS) $k" tap
done
counted "bench smoke (BENCH_SMOKE=1 make bench)" check

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
