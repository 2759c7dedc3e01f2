#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Set memory is charged to the memory cgroup of the process that loads it,
# as nftables charges its sets: anyone who owns a user namespace can
# configure a network namespace, and must not pin kernel memory outside
# every limit. A cgroup at its limit gets ENOMEM with a message, and
# nothing changes.
#
# A process in a fresh memory cgroup loads a big IPv6 set; the cgroup's
# memory.current must grow by about what "show -j" reports the set holds.
# Then the cgroup's limit leaves room for the CLI but not for a second
# set of that size: the load fails with "out of memory", the CLI is not
# OOM-killed, and "save" prints the same bytes as before.

source "$(dirname "$0")/lib.sh"

PREFIXES=${LYNCEDGE_MEMCG_PREFIXES:-100000}
CG_ROOT=/sys/fs/cgroup
CG=

setup_cgroup() {
	if [ ! -e "$CG_ROOT/cgroup.controllers" ]; then
		mount -t cgroup2 none "$CG_ROOT" 2>/dev/null || return 1
	fi
	grep -qw memory "$CG_ROOT/cgroup.controllers" || return 1
	echo +memory > "$CG_ROOT/cgroup.subtree_control" 2>/dev/null
	CG=$CG_ROOT/lyncedge-$RUN_ID
	mkdir "$CG" && [ -e "$CG/memory.current" ]
}

# in_cgroup CMD...: CMD in the gateway's namespace, charged to $CG.
in_cgroup() {
	"$PROBE" -N "$GW" exec sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@"
}

# The bytes "show -j" reports for set $1.
set_bytes() {
	le -j show | python3 -c '
import json, sys
print(next(s["bytes"] for s in json.load(sys.stdin)["sets"] if s["name"] == sys.argv[1]))' "$1"
}

charged() {
	local before after bytes delta
	before=$(cat "$CG/memory.current")
	in_cgroup "$LYNCEDGE" restore --set partners "$TMPD/big.txt" ||
		{ fail "loading $PREFIXES prefixes failed"; return; }
	after=$(cat "$CG/memory.current")
	bytes=$(set_bytes partners)
	delta=$((after - before))
	diag "set: $bytes bytes; cgroup charged $delta bytes"
	[ "$bytes" -gt 1000000 ] || fail "the set holds only $bytes bytes"
	# Slab rounding makes the charge a little larger, never much smaller.
	[ $((delta * 10)) -ge $((bytes * 9)) ] ||
		fail "the cgroup was charged $delta bytes for a set of $bytes"
}

limited() {
	local before_save after_save rc err headroom dmesg_at warned
	before_save=$(le save) || { fail "save failed"; return; }
	dmesg_at=$(dmesg | wc -l)
	# Room for the CLI's own memory (its peak, measured by charged), not
	# for the kernel to stage and build a second set as big as the first.
	headroom=$(( $(set_bytes partners) / 2 + CLI_PEAK ))
	echo $(( $(cat "$CG/memory.current") + headroom )) > "$CG/memory.max" ||
		{ fail "cannot set memory.max"; return; }
	err=$(in_cgroup "$LYNCEDGE" restore --set clients "$TMPD/big.txt" 2>&1)
	rc=$?
	echo max > "$CG/memory.max"
	diag "headroom $headroom bytes: exit $rc: $err"
	[ "$rc" -eq 1 ] || fail "exit status $rc, want 1 (refused; 137 would be an OOM kill)"
	[[ $err == *"out of memory"* ]] || fail "no 'out of memory' message: '$err'"
	after_save=$(le save)
	[ "$before_save" = "$after_save" ] || fail "the configuration changed"
	grep -q '^oom_kill 0$' "$CG/memory.events" || fail "the cgroup OOM-killed: $(tr '\n' ' ' < "$CG/memory.events")"
	# A user's limit is no kernel fault: no allocation-failure backtrace.
	warned=$(dmesg | tail -n +$((dmesg_at + 1)) | grep -E 'allocation failure|vmalloc error|Call Trace')
	[ -z "$warned" ] || fail "the kernel logged the failed allocation: $(echo "$warned" | head -2)"
}

lib_init
require_tool python3
setup_cgroup || skip_all "no cgroup v2 memory controller"
GW=le-memcg-gw-$RUN_ID
ns_create "$GW" || skip_all "cannot create a namespace"
python3 -c '
import sys
for i in range(int(sys.argv[1])):
    print("2001:db8:%x:%x::/64" % (i >> 16, i & 0xffff))' "$PREFIXES" > "$TMPD/big.txt"
# The CLI's own peak, outside the cgroup: what it needs besides the kernel.
CLI_PEAK=$(( $(/usr/bin/time -f %M "$LYNCEDGE" -n "$GW" restore --set messenger "$TMPD/big.txt" 2>&1 >/dev/null | tail -1) * 1024 ))
le flush messenger

run_case "a ${PREFIXES}-prefix IPv6 set is charged to the loader's memory cgroup" charged
run_case "a cgroup at its limit gets ENOMEM and a message; nothing changes" limited
rmdir "$CG" 2>/dev/null
tap_finish
