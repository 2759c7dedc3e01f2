#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh [--kernel 6.1|6.12]: checks run.sh from the host, TAP output.
# Each check boots a VM (~4-8 s with warm caches). The harness checks use
# LYNCEDGE_VM_BUILD=0 so a half-written module cannot fail them; only the
# last one builds the tree, and it is skipped while the module does not
# build.
# shellcheck disable=SC2016 # single-quoted code is meant to expand in the VM

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run="$here/run.sh"
kernel=6.1
[ "${1:-}" = --kernel ] && kernel=${2:?--kernel needs 6.1 or 6.12}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lyncedge-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export LYNCEDGE_VM_TIMEOUT=${LYNCEDGE_VM_TIMEOUT:-300}

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

vm -- bash -c 'set -e
	ip netns add a
	ip netns add b
	ip link add veth0 netns a type veth peer name veth1 netns b
	ip -n a addr add 192.0.2.1/24 dev veth0
	ip -n a link set veth0 up
	ip netns exec a nft add table inet t
	ip netns exec a nft list tables
	python3 -c "print(6 * 7)"'
[ "$rc" = 0 ] && grep -qx "table inet t" "$tmp/out" && grep -qx 42 "$tmp/out"
result "host tools work inside (netns, veth, nft, python3)"

# The real build: make module cli for this kernel, then load the result.
vm LYNCEDGE_VM_BUILD=1 -- sh -c 'modprobe nf_lyncedge && lsmod'
if [ "$rc" = 125 ] && grep -q 'build failed' "$tmp/err"; then
	skip "modprobe nf_lyncedge" "the tree does not build yet"
else
	[ "$rc" = 0 ] && grep -q "^nf_lyncedge " "$tmp/out" && grep -q "^nf_conntrack " "$tmp/out"
	result "modprobe nf_lyncedge loads the module and its dependencies"
fi

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ "$fail" = 0 ]
