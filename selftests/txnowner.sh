#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A transaction belongs to the socket that opened it, not to its portid:
# netlink frees a closing socket's portid before the module hears of the
# close, and a socket that binds the same portid in between must neither
# commit the dead socket's transaction nor lose its own to the late
# release. tools/portid_reuse.c holds that window open (see its head); it
# needs a module that registers a netlink notifier and is not loaded, to
# stall the notifier chain, and a commit long enough to work inside.
#
# LYNCEDGE_TXNOWNER_PREFIXES sets the size of that commit.

source "$(dirname "$0")/lib.sh"

PREFIXES=${LYNCEDGE_TXNOWNER_PREFIXES:-1500000}
MAX_PARAM=/sys/module/nf_lyncedge/parameters/max_prefixes
MAX_WAS=
WRITER=

txnowner_cleanup() {
	[ -n "$MAX_WAS" ] && echo "$MAX_WAS" > "$MAX_PARAM"
	[ -n "$WRITER" ] && modprobe -r "$WRITER" 2>/dev/null
	cleanup
}

# A module that calls netlink_register_notifier() at load and is not
# loaded, with its dependencies loaded now, so that loading it is quick.
pick_writer() {
	local m dep

	for m in nfnetlink_log nfnetlink_queue nf_tables; do
		[ -d "/sys/module/$m" ] && continue
		modinfo "$m" >/dev/null 2>&1 || continue
		for dep in $(modinfo -F depends "$m" | tr ',' ' '); do
			modprobe "$dep" || continue 2
		done
		echo "$m"
		return 0
	done
	return 1
}

trap txnowner_cleanup EXIT
require_root
require_module
out=${PROBE_DIR:-$REPO_DIR/build/selftests}
make -s -C "$SELFTESTS_DIR/tools" OUT="$out" "$out/portid_reuse" >&2 ||
	skip_all "cannot build selftests/tools/portid_reuse"
WRITER=$(pick_writer) ||
	skip_all "no unloaded module with a netlink notifier (nfnetlink_log, nfnetlink_queue, nf_tables)"

# Both halves of the big transaction must fit a set.
MAX_WAS=$(cat "$MAX_PARAM")
[ "$MAX_WAS" -ge "$PREFIXES" ] || echo "$PREFIXES" > "$MAX_PARAM"
ns_create "le-txn-$RUN_ID" || skip_all "cannot create a namespace"
diag "$PREFIXES prefixes in the long commit; modprobe $WRITER stalls the notifier chain"
ip netns exec "le-txn-$RUN_ID" "$out/portid_reuse" "$WRITER" "$PREFIXES"
