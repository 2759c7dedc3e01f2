#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh [--kernel 6.1|6.12|debug]: checks run.sh from the host, TAP
# output. Each check boots a VM (~4-8 s with warm caches, about a minute on
# the debug kernel, whose leak check scans for 40 s). The harness checks use LYNCEDGE_VM_BUILD=0 so a half-written
# module cannot fail them; only the last one builds the tree, and it is
# skipped while the module does not build.
#
# On the debug kernel it also proves each detector: a small module, written
# and built here against the debug kernel's tree, commits one deliberate
# fault per boot (use after free, shift overflow, lock inversion, RCU
# dereference outside a reader, sleep under a spinlock, double list_add, a
# leak while loaded, a leak left by its exit) and run.sh must fail the run
# with the detector's report.
# shellcheck disable=SC2016 # single-quoted code is meant to expand in the VM

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run="$here/run.sh"
kernel=6.1
[ "${1:-}" = --kernel ] && kernel=${2:?--kernel needs 6.1, 6.12 or debug}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lyncedge-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export LYNCEDGE_VM_TIMEOUT=${LYNCEDGE_VM_TIMEOUT:-300}

# 11 on Debian's kernels; on the debug kernel 3 of them and 8 detectors.
ntests=11
n=0 pass=0 fail=0 skip=0
echo "TAP version 13"
echo "1..$ntests"

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
not_ok() {
	n=$((n + 1)); fail=$((fail + 1))
	echo "not ok $n - $1"
	shift
	for f in "$@"; do
		[ -s "$f" ] || continue
		echo "# --- ${f##*/} (run.sh's verdict, then the end):"
		grep -m 10 '^run.sh:' "$f" | sed 's/^/# /'
		tail -n 15 "$f" | sed 's/^/# /'
	done
}

# vm [ENV=VALUE...] -- COMMAND...: run.sh into $tmp/out, $tmp/err, $rc.
vm() {
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	# TMPDIR: the run directories that failing checks keep go with $tmp.
	env LYNCEDGE_VM_BUILD=0 TMPDIR="$tmp" "${envs[@]}" "$run" --kernel "$kernel" -- "$@" \
		</dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# result NAME: ok when the previous command succeeded.
result() {
	# shellcheck disable=SC2181 # the status of the caller's last command
	if [ $? = 0 ]; then ok "$1"; else not_ok "$1" "$tmp/out" "$tmp/err"; fi
}

# What the suite uses of the host's tools, inside.
HOST_TOOLS='ip netns add a
	ip netns add b
	ip link add veth0 netns a type veth peer name veth1 netns b
	ip -n a addr add 192.0.2.1/24 dev veth0
	ip -n a link set veth0 up
	ip netns exec a nft add table inet t
	ip netns exec a nft list tables
	python3 -c "print(6 * 7)"'
host_tools_ok() { grep -qx "table inet t" "$tmp/out" && grep -qx 42 "$tmp/out"; }

# The debug kernel's checks of a plain boot, read from its last boot.
plain_boot_results() {
	[ "$rc" = 0 ]
	result "exit status 0 comes back"
	[ "$rc" = 0 ] && host_tools_ok
	result "host tools work inside (netns, veth, nft, python3)"
}

# The plumbing does not depend on the kernel, and on the debug kernel every
# boot costs a minute (kmemleak's scans): there, the checks that do, and
# those of a plain boot ride on the module's boot below.
if [ "$kernel" != debug ]; then
	vm -- true
	[ "$rc" = 0 ]
	result "exit status 0 comes back"

	vm -- sh -c 'exit 3'
	[ "$rc" = 3 ]
	result "exit status 3 comes back"

	# One boot for the argument, channel, environment and directory checks.
	args=('a b' "it's" '"q"' '' '$HOME' '*' $'new\nline' '--' "\\")
	mkdir -p "$tmp/shared" "$tmp/work dir"
	printf '<%s>\n' "${args[@]}" >"$tmp/want"
	cd "$tmp/work dir" || exit 1
	vm LYNCEDGE_T='x  "y"' KSFT_T=k NOT_PASSED=1 LYNCEDGE_VM_OUTDIR="$tmp/shared" -- \
		bash -c 'cat; printf "<%s>\n" "$@"
			echo "to stderr" >&2
			printf "%s|" "$PWD" "$LYNCEDGE_T" "$KSFT_T" "${NOT_PASSED-unset}" \
				"$LYNCEDGE_VM" "$LYNCEDGE_VM_OUTDIR" >&2
			echo written >"$LYNCEDGE_VM_OUTDIR/result"' bash "${args[@]}"
	cd - >/dev/null || exit 1
	cmp -s "$tmp/want" "$tmp/out"
	result "arguments arrive intact, stdout comes back alone"
	grep -qx 'to stderr' "$tmp/err"
	result "stderr comes back on stderr"
	grep -qFx "$tmp/work dir|x  \"y\"|k|unset|1|$tmp/shared|" "$tmp/err"
	result "environment, working directory and LYNCEDGE_VM_OUTDIR"
	grep -qx written "$tmp/shared/result"
	result "files written to LYNCEDGE_VM_OUTDIR reach the host"

	vm -- sh -c "echo 'WARNING: CPU: 0 PID: 1 at injected' >/dev/kmsg"
	[ "$rc" = 125 ] && grep -q "WARNING: CPU: 0 PID: 1 at injected" "$tmp/err"
	result "a warning in the kernel log fails the run"

	vm -- sh -c 'echo c >/proc/sysrq-trigger; sleep 60'
	[ "$rc" = 125 ] && grep -q "Kernel panic" "$tmp/err"
	result "a kernel crash ends the VM and is reported"

	start=$SECONDS
	vm LYNCEDGE_VM_TIMEOUT=10 -- sleep 600
	[ "$rc" = 124 ] && [ $((SECONDS - start)) -lt 60 ] && grep -q "timed out" "$tmp/err"
	result "the timeout kills the VM"

	vm -- bash -c "set -e; $HOST_TOOLS"
	[ "$rc" = 0 ] && host_tools_ok
	result "host tools work inside (netns, veth, nft, python3)"
fi


# write_fault_module DIR: the debug kernel's deliberate faults, one per
# value of the parameter "fault". Each is in a function of its own, so that
# the reports name it.
write_fault_module() {
	mkdir -p "$1"
	echo 'obj-m := lyncedge_fault.o' >"$1/Kbuild"
	cat >"$1/lyncedge_fault.c" <<-'EOF'
	// SPDX-License-Identifier: GPL-2.0
	/* Written by selftests/qemu/selftest.sh: one deliberate fault per load. */
	#include <linux/list.h>
	#include <linux/module.h>
	#include <linux/mutex.h>
	#include <linux/rcupdate.h>
	#include <linux/slab.h>
	#include <linux/spinlock.h>
	#include <linux/string.h>

	static char *fault = "";
	module_param(fault, charp, 0444);

	static DEFINE_MUTEX(lyncedge_fault_a);
	static DEFINE_MUTEX(lyncedge_fault_b);
	static DEFINE_SPINLOCK(lyncedge_fault_lock);
	static int __rcu *lyncedge_fault_rcu;
	static void *lyncedge_fault_kept;

	static noinline void lyncedge_fault_kasan(void)
	{
		char *p = kmalloc(32, GFP_KERNEL);

		if (!p)
			return;
		kfree(p);
		OPTIMIZER_HIDE_VAR(p);
		pr_info("lyncedge_fault: read after free: %d\n", READ_ONCE(p[3]));
	}

	static noinline void lyncedge_fault_ubsan(void)
	{
		volatile int shift = 40;

		pr_info("lyncedge_fault: 1 << 40 = %d\n", 1 << shift);
	}

	static noinline void lyncedge_fault_lockdep(void)
	{
		mutex_lock(&lyncedge_fault_a);
		mutex_lock(&lyncedge_fault_b);
		mutex_unlock(&lyncedge_fault_b);
		mutex_unlock(&lyncedge_fault_a);
		mutex_lock(&lyncedge_fault_b);
		mutex_lock(&lyncedge_fault_a);
		mutex_unlock(&lyncedge_fault_a);
		mutex_unlock(&lyncedge_fault_b);
	}

	static noinline void lyncedge_fault_rcu_deref(void)
	{
		pr_info("lyncedge_fault: %p\n", rcu_dereference(lyncedge_fault_rcu));
	}

	static noinline void lyncedge_fault_sleep(void)
	{
		spin_lock(&lyncedge_fault_lock);
		kfree(kmalloc(32, GFP_KERNEL));
		spin_unlock(&lyncedge_fault_lock);
	}

	static noinline void lyncedge_fault_list(void)
	{
		static LIST_HEAD(head);
		static struct list_head entry;

		list_add(&entry, &head);
		list_add(&entry, &head);
	}

	static noinline void lyncedge_fault_leak(void)
	{
		void *p = kmalloc(64, GFP_KERNEL);

		OPTIMIZER_HIDE_VAR(p);
	}

	static noinline void lyncedge_fault_keep(void)
	{
		lyncedge_fault_kept = kmalloc(64, GFP_KERNEL);
	}

	static int __init lyncedge_fault_init(void)
	{
		if (!strcmp(fault, "kasan"))
			lyncedge_fault_kasan();
		else if (!strcmp(fault, "ubsan"))
			lyncedge_fault_ubsan();
		else if (!strcmp(fault, "lockdep"))
			lyncedge_fault_lockdep();
		else if (!strcmp(fault, "rcu"))
			lyncedge_fault_rcu_deref();
		else if (!strcmp(fault, "sleep"))
			lyncedge_fault_sleep();
		else if (!strcmp(fault, "list"))
			lyncedge_fault_list();
		else if (!strcmp(fault, "leak"))
			lyncedge_fault_leak();
		else if (!strcmp(fault, "leak_on_exit"))
			lyncedge_fault_keep();
		else
			return -EINVAL;
		return 0;
	}

	/* Frees nothing: fault=leak_on_exit leaks at rmmod. */
	static void __exit lyncedge_fault_exit(void)
	{
	}

	module_init(lyncedge_fault_init);
	module_exit(lyncedge_fault_exit);
	MODULE_LICENSE("GPL");
	EOF
}

# The real build: make module cli for this kernel, then load the result.
# The debug kernel has nf_conntrack built in, where lsmod does not list it.
if [ "$kernel" = debug ]; then
	vm LYNCEDGE_VM_BUILD=1 -- bash -c "set -e
		modprobe nf_lyncedge && lsmod && ls -d /sys/module/nf_conntrack
		$HOST_TOOLS"
else
	vm LYNCEDGE_VM_BUILD=1 -- sh -c 'modprobe nf_lyncedge && lsmod && ls -d /sys/module/nf_conntrack'
fi
if [ "$rc" = 125 ] && grep -q 'build failed' "$tmp/err"; then
	skip "modprobe nf_lyncedge" "the tree does not build yet"
	if [ "$kernel" = debug ]; then
		vm -- bash -c "set -e; $HOST_TOOLS"
		plain_boot_results
	fi
elif [ "$kernel" = debug ]; then
	plain_boot_results
	[ "$rc" = 0 ] && grep -q "^nf_lyncedge " "$tmp/out" && grep -qx /sys/module/nf_conntrack "$tmp/out"
	result "modprobe nf_lyncedge loads the module, unloads it for the kmemleak scan, no leak"
else
	[ "$rc" = 0 ] && grep -q "^nf_lyncedge " "$tmp/out" && grep -q "^nf_conntrack " "$tmp/out"
	result "modprobe nf_lyncedge loads the module and its dependencies"
fi

if [ "$kernel" = debug ]; then
	# shellcheck source=selftests/qemu/kernel.sh disable=SC1091
	. "$here/kernel.sh"
	fault_ko=
	if kver=$("$here/debug-kernel.sh" 2>"$tmp/fault.log"); then
		write_fault_module "$tmp/fault"
		if make -C "$(kernel_dir "$kver")/build" M="$tmp/fault" modules >>"$tmp/fault.log" 2>&1; then
			fault_ko=$tmp/fault/lyncedge_fault.ko
		fi
	fi
	[ -n "$fault_ko" ] || tail -n 20 "$tmp/fault.log" | sed 's/^/# fault module: /'
	# fault CASE PATTERN NAME [COMMAND]: a boot that loads the module with
	# fault=CASE (then runs COMMAND) must fail, and run.sh's stderr show
	# PATTERN.
	fault() {
		if [ -z "$fault_ko" ]; then
			not_ok "$3 (the fault module did not build)"
			return
		fi
		vm -- sh -c "insmod $fault_ko fault=$1${4:+ && $4}"
		[ "$rc" = 125 ] && grep -qE "$2" "$tmp/err"
		result "$3"
	}
	fault kasan 'BUG: KASAN: .*use-after-free in lyncedge_fault_kasan' \
		"KASAN: a read after kfree() fails the run"
	fault ubsan 'UBSAN: shift-out-of-bounds in .*lyncedge_fault\.c' \
		"UBSAN: a shift by 40 fails the run"
	fault lockdep 'WARNING: possible circular locking dependency detected' \
		"lockdep: two mutexes taken in both orders fail the run"
	fault rcu 'WARNING: suspicious RCU usage' \
		"PROVE_RCU: rcu_dereference() outside a reader fails the run"
	fault sleep 'BUG: sleeping function called from invalid context' \
		"DEBUG_ATOMIC_SLEEP: a GFP_KERNEL allocation under a spinlock fails the run"
	fault list 'list_add double add' \
		"DEBUG_LIST: adding an entry twice fails the run"
	# run.sh prints the module's leaks with their backtraces. While the
	# module is loaded, kallsyms names its frames, except those in its init
	# code (freed once run): bare addresses.
	fault leak '^ +\[<[^>]*>\] (lyncedge_fault_leak\+0x[0-9a-f]+/0x[0-9a-f]+ \[lyncedge_fault\]|0x[0-9a-f]+)$' \
		"kmemleak: an object lost while the module is loaded fails the run"
	# The module is gone when kmemleak scans: its frames are bare addresses.
	fault leak_on_exit '^ +\[<[^>]*>\] 0x[0-9a-f]+$' \
		"kmemleak: an object the module's exit leaves fails the run" \
		"rmmod lyncedge_fault"
fi

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ "$fail" = 0 ]
