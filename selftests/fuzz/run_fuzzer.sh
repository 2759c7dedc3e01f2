#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_fuzzer.sh FUZZER CORPUS SECONDS MAX_LEN [LIBFUZZER_FLAG...]
#
# Runs a libFuzzer binary for SECONDS, in one process, from the seeds in
# the directory CORPUS, and prints one line: inputs run, their rate, the
# coverage reached. The corpus grows while fuzzing: it is a copy in a
# temporary directory, so the tree is not written. On a crash, leak,
# sanitizer report or failed check the exit status is 1 and that directory
# is kept, with the log and the input at fault (crash-*, leak-*, ...:
# FUZZER FILE replays it).
set -uo pipefail

if [ $# -lt 4 ]; then
	echo "usage: $0 FUZZER CORPUS SECONDS MAX_LEN [LIBFUZZER_FLAG...]" >&2
	exit 2
fi
fuzzer=$1 corpus=$2 seconds=$3 max_len=$4
shift 4
name=$(basename "$fuzzer")

dir=$(mktemp -d "/tmp/lyncedge-$name.XXXXXX") || exit 1
mkdir "$dir/corpus" && cp "$corpus"/* "$dir/corpus/" || exit 1
if "$fuzzer" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
	-print_final_stats=1 -artifact_prefix="$dir/" "$@" \
	"$dir/corpus" >"$dir/log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$dir/log" | tail -1)
	echo "$name: $runs inputs in ${seconds}s ($rate/s), ${cov:-cov: ?}," \
	     "$(find "$dir/corpus" -type f | wc -l) in the corpus, no crash"
	rm -rf "$dir"
else
	tail -n 40 "$dir/log"
	echo "$name: FAILED, log and reproducer in $dir" >&2
	exit 1
fi
