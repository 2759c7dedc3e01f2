#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [--kernel 6.1|6.12|debug] -- COMMAND [ARGS...]
#
# Boots a Debian kernel under QEMU with nf_lyncedge.ko and the lyncedge CLI
# built from this tree, runs COMMAND as root inside and exits with its status.
# The VM's root is the host's root (read-only 9p under a tmpfs overlay), so
# host tools and paths work unchanged, except that /run and /dev are the VM's
# own and writes stay in the VM.
#
# "--kernel debug" boots instead a kernel built from Debian's 6.1 sources
# with KASAN, kmemleak, lockdep, UBSAN and list debugging (debug-kernel.sh
# builds it, once). After COMMAND the VM unloads nf_lyncedge and has kmemleak
# scan; a leak of the module's fails the run.
#
# Exit status: COMMAND's own on a clean run; 124 when LYNCEDGE_VM_TIMEOUT
# expired; 125 when the harness failed (setup, build, the VM died without
# reporting a status, or the kernel log shows a warning/oops/lockdep splat,
# or the debug kernel's kmemleak a leak of nf_lyncedge, even if COMMAND
# succeeded).
#
# Environment:
#   LYNCEDGE_VM_TIMEOUT  seconds before QEMU is killed (default 1800 times
#                        LYNCEDGE_VM_SLOWDOWN)
#   LYNCEDGE_VM_SLOWDOWN  how many times slower than on Debian's kernels the
#                        guest runs (default 1, 6 on the debug kernel); the
#                        default timeout and, inside, run_vm_tests.sh's
#                        per-area timeouts scale by it
#   LYNCEDGE_VM_MEM      guest memory (default 2G)
#   LYNCEDGE_VM_KVM=1    use KVM instead of TCG
#   LYNCEDGE_VM_MTTCG=1  multi-threaded TCG: faster, but QEMU 7.2 then makes
#                        the guest oops at random (see the QEMU section)
#   LYNCEDGE_VM_KLOG     keep the kernel log at this path (default: a temp
#                        file, kept and named only when the run failed)
#   LYNCEDGE_VM_OUTDIR   writable host directory shared at the same path and
#                        passed to COMMAND (default: a fresh temp directory,
#                        removed after a clean run)
#   LYNCEDGE_KO          use this prebuilt .ko instead of "make module"
#   LYNCEDGE_VM_BUILD=0  build nothing; use LYNCEDGE_KO or what build/ holds
#   LYNCEDGE_VM_VERBOSE=1  print the steps and their timings on stderr
#   LYNCEDGE_VM_QEMU_ARGS  extra QEMU arguments, split on spaces (debugging,
#                        e.g. "-s" for gdb)
#   LYNCEDGE_CACHE       cache root (default ~/.cache/lyncedge): kernels,
#                        module roots, initramfs
# Inside, COMMAND sees LYNCEDGE_VM=1, LYNCEDGE_VM_OUTDIR, the caller's
# LYNCEDGE_*, KSFT_* and TERM, and PATH with the repo's userspace/ first. Its
# stdin is /dev/null unless run.sh is on a terminal (then it gets a tty).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=selftests/qemu/kernel.sh
. "$here/kernel.sh"

E_TIMEOUT=124
E_HARNESS=125

usage() {
	sed -n '4,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	echo "see the header of ${BASH_SOURCE[0]} for the environment" >&2
	exit "$E_HARNESS"
}

die() {
	echo "run.sh: $*" >&2
	exit "$E_HARNESS"
}

verbose() {
	[ "${LYNCEDGE_VM_VERBOSE:-0}" = 1 ] || return 0
	printf 'run.sh: [%7ss] %s\n' "$(elapsed)" "$*" >&2
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
t0=$(now_ms)
elapsed() { secs $(($(now_ms) - t0)); }

series=6.1
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || usage; series=$2; shift 2 ;;
	--kernel=*) series=${1#*=}; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage
if [ "$series" != debug ] && ! kernel_meta_pkg "$series" >/dev/null; then
	die "--kernel takes 6.1, 6.12 or debug"
fi

# The debug kernel checks every memory access (KASAN) and every lock
# taken (lockdep) and tracks every allocation (kmemleak), and TCG emulates
# each check: the suite's areas take 5-6 times as long as on Debian's 6.1.
# Time limits scale by the factor, which COMMAND gets in its environment.
slowdown=1
[ "$series" = debug ] && slowdown=6
export LYNCEDGE_VM_SLOWDOWN=${LYNCEDGE_VM_SLOWDOWN:-$slowdown}
if ! [[ $LYNCEDGE_VM_SLOWDOWN =~ ^[1-9][0-9]*$ ]]; then
	die "LYNCEDGE_VM_SLOWDOWN must be a positive integer"
fi
timeout=${LYNCEDGE_VM_TIMEOUT:-$((1800 * LYNCEDGE_VM_SLOWDOWN))}
if ! [[ $timeout =~ ^[1-9][0-9]*$ ]]; then
	die "LYNCEDGE_VM_TIMEOUT must be a positive number of seconds"
fi
mem=${LYNCEDGE_VM_MEM:-2G}
cwd=$(pwd -P)
case $cwd in
/run|/run/*|/dev|/dev/*|/proc|/proc/*|/sys|/sys/*)
	die "the working directory $cwd is not shared with the VM" ;;
esac

rundir=$(mktemp -d "${TMPDIR:-/tmp}/lyncedge-vm.XXXXXX")
ctl="$rundir/ctl"
mkdir "$ctl"
klog=${LYNCEDGE_VM_KLOG:-$rundir/kernel.log}
outdir=${LYNCEDGE_VM_OUTDIR:-$rundir/out}
mkdir -p "$outdir" "$(dirname "$klog")"
outdir=$(cd "$outdir" && pwd -P)
: >"$klog"
qemu_pid=
keep=1

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	[ "$keep" = 1 ] || rm -rf "$rundir"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT
trap 'echo "run.sh: terminated" >&2; exit 143' TERM

case $outdir$klog$repo in
*$'\n'*) die "paths with newlines are not supported" ;;
esac

# --- kernel, build, module root, initramfs ---------------------------------

if [ "$series" = debug ]; then
	kver=$("$here/debug-kernel.sh") || die "cannot build the debug kernel"
	# The built tree is the debug kernel's only "headers".
	kbuild=$(kernel_dir "$kver")/build
else
	kver=$(kernel_ensure "$series") || die "no $series kernel available"
	kernel_ensure_headers "$kver" || die "no headers for $kver"
	kbuild=/usr/src/linux-headers-$kver
fi
verbose "kernel $kver"

ko=${LYNCEDGE_KO:-}
if [ "${LYNCEDGE_VM_BUILD:-1}" != 0 ]; then
	targets=(cli)
	[ -n "$ko" ] || targets=(module cli)
	mkdir -p "$repo/build"
	# One build at a time per tree: parallel runs share build/ and userspace/.
	if ! (
		flock 9
		# errexit does not apply inside an "if !": stop by hand.
		for t in "${targets[@]}"; do
			make -C "$repo" "$t" KDIR="$kbuild" || exit
		done
	) 9>"$repo/build/.vm-build.lock" >"$rundir/build.log" 2>&1; then
		tail -n 40 "$rundir/build.log" >&2
		die "build failed (make ${targets[*]} KDIR=$kbuild); full log: $rundir/build.log"
	fi
	verbose "built: ${targets[*]}"
fi
if [ -z "$ko" ] && [ -e "$repo/build/module/$kver/nf_lyncedge.ko" ]; then
	ko="$repo/build/module/$kver/nf_lyncedge.ko"
fi
if [ -n "$ko" ]; then
	[ -r "$ko" ] || die "LYNCEDGE_KO=$ko is not readable"
	ko=$(cd "$(dirname "$ko")" && pwd -P)/${ko##*/}
else
	echo "run.sh: warning: no nf_lyncedge.ko for $kver, the VM has Debian's modules only" >&2
fi

modroot=$(kernel_modroot "$kver" "$ko") || die "cannot assemble the module root"
initrd=$("$here/mkinitramfs.sh" "$kver") || die "cannot build the initramfs"
image=$(kernel_boot_image "$kver") || die "cannot prepare the kernel image"
verbose "module root $modroot"

# --- what the VM reads: stage 1 parameters, command, environment ----------

printf 'modroot=%s\nstage2=%s\noutdir=%s\nrepo=%s\n' \
	"$modroot" "$here/stage2.sh" "$outdir" "$repo" >"$ctl/boot"
printf '%s' "$outdir" >"$ctl/outdir"
printf '%s\0' "$@" >"$ctl/argv"
printf '%s\0' "$cwd" >"$ctl/cwd"
: >"$ctl/env"
while IFS= read -r name; do
	printf '%s=%s\0' "$name" "${!name}" >>"$ctl/env"
done < <(compgen -e | grep -E '^(LYNCEDGE_|KSFT_)|^TERM$' | grep -vx LYNCEDGE_VM_OUTDIR)

# The debug kernel's leak check after the command (stage2.sh).
[ "$series" = debug ] && : >"$ctl/kmemleak"

interactive=0
if [ -t 0 ] && [ -t 1 ]; then
	interactive=1
	: >"$ctl/interactive"
	stty size >"$ctl/ttysize" 2>/dev/null || true
fi

# --- QEMU -------------------------------------------------------------------

q() { printf '%s' "${1//,/,,}"; }	# QEMU option values double their commas

# One host thread for both vCPUs: QEMU 7.2's multi-threaded TCG races with
# the kernel's live code patching (static keys flip through int3, e.g. when
# netfilter hooks register) and the guest oopses at random with "Oops: int3".
# Single-threaded TCG still gives the guest two CPUs, costs ~0.5 s per boot.
# The emulated CPU hides ERMS and FSRM: with them the kernel copies and
# clears memory with "rep movsb/stosb", which TCG runs one byte per
# iteration (about 30 ns a byte: a 1 MB memcpy takes 30 ms); without them
# it moves 8 bytes a step, as it would on real hardware at any speed.
tcg_cpu=max,erms=off,fsrm=off
if [ "${LYNCEDGE_VM_KVM:-0}" = 1 ]; then
	accel=(-accel kvm -cpu host)
elif [ "${LYNCEDGE_VM_MTTCG:-0}" = 1 ]; then
	accel=(-accel "tcg,thread=multi" -cpu "$tcg_cpu")
else
	accel=(-accel "tcg,thread=single" -cpu "$tcg_cpu")
fi

# panic_on_warn/oops=panic turn a splat into the end of the VM; -no-reboot
# plus panic=-1 make that end immediate. mitigations=off and tsc=reliable
# only save emulation time: page-table isolation is costly under TCG, and a
# slow emulated TSC would otherwise be "unstable".
cmdline="console=ttyS0 panic_on_warn=1 oops=panic panic=-1 printk.devkmsg=on"
cmdline+=" mitigations=off tsc=reliable no_timer_check 8250.nr_uarts=1 rdinit=/init"

qemu=(qemu-system-x86_64 -nodefaults -nographic -no-user-config -no-reboot
	-machine q35 "${accel[@]}" -smp 2 -m "$mem"
	-kernel "$image" -initrd "$initrd" -append "$cmdline"
	-chardev "file,id=klog,path=$(q "$klog")" -serial chardev:klog
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$(q "$repo"),mount_tag=lyncrepo,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$(q "$ctl"),mount_tag=lyncctl,security_model=none"
	-virtfs "local,path=$(q "$outdir"),mount_tag=lyncout,security_model=none"
	-device virtio-serial-pci)
# shellcheck disable=SC2206 # word splitting wanted: a debugging aid
qemu+=(${LYNCEDGE_VM_QEMU_ARGS:-})
if [ "$interactive" = 1 ]; then
	qemu+=(-chardev "stdio,id=user,signal=on" -device "virtconsole,chardev=user")
else
	# Not "-chardev stdio": its EOF on stdin would close the port and block
	# the guest's writes. FIFOs drained by cat work for any stdout/stderr
	# (terminal, pipe, file opened for append).
	mkfifo "$rundir/stdout" "$rundir/stderr"
	qemu+=(-chardev "file,id=out,path=$(q "$rundir/stdout")"
		-device "virtserialport,chardev=out,name=lyncedge.stdout"
		-chardev "file,id=err,path=$(q "$rundir/stderr")"
		-device "virtserialport,chardev=err,name=lyncedge.stderr")
fi

verbose "booting"
t_boot=$(now_ms)
exec 3<&0
if [ "$interactive" = 1 ]; then
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" <&3 &
	qemu_pid=$!
else
	# QEMU's open of each FIFO waits for its reader.
	cat "$rundir/stdout" &
	out_pid=$!
	cat "$rundir/stderr" >&2 &
	err_pid=$!
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" </dev/null &
	qemu_pid=$!
fi
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
if [ "$interactive" = 0 ]; then
	# If QEMU died before opening the FIFOs, the cats still wait in open():
	# a read-write open never blocks and releases them.
	exec 4<>"$rundir/stdout" 5<>"$rundir/stderr" 4>&- 5>&-
	wait "$out_pid" "$err_pid" || true
fi
vm_time=$(secs $(($(now_ms) - t_boot)))

# --- verdict ----------------------------------------------------------------

# The serial line ends lines with \r\n. Work on a clean copy: pipelines that
# stop reading early (grep -q, head) would trip pipefail.
log="$rundir/kernel.txt"
tr -d '\r' <"$klog" >"$log"

status=
[ -e "$ctl/status" ] && status=$(<"$ctl/status")
cmd_at=$(sed -n 's/^lyncedge-vm: running the command at \([0-9.]*\)s$/\1/p' "$log")
verbose "VM ran ${vm_time}s, command started at ${cmd_at:-?}s of guest uptime"

# Not a bare "lockdep": the debug kernel says "RCU lockdep checking is
# enabled" at every boot. Its reports start with WARNING: or BUG: (or dump
# a call trace); these two INFO: lines are lockdep's own.
splat='WARNING:|BUG:|Oops|Kernel panic|general protection fault|suspicious RCU usage|rcu.*stall|possible circular locking|INFO: lockdep is turned off|INFO: trying to register non-static key|UBSAN:|KASAN:|Call Trace'
rc=
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "run.sh: timed out after ${timeout}s (LYNCEDGE_VM_TIMEOUT); QEMU killed. Kernel log tail:" >&2
	tail -n 30 "$log" >&2
	rc=$E_TIMEOUT
fi
if first=$(grep -nE -m1 "$splat" "$log"); then
	first=${first%%:*}
	echo "run.sh: the kernel log shows a splat (command status: ${status:-none}); matching lines:" >&2
	grep -E "$splat" "$log" >"$rundir/splat.txt" || true
	sed -n '1,20s/^/  /p' "$rundir/splat.txt" >&2
	echo "run.sh: kernel log from the first one:" >&2
	sed -n "$((first > 5 ? first - 5 : 1)),$((first + 80))p" "$log" >&2
	rc=${rc:-$E_HARNESS}
fi
# kmemleak's report: entries from one "unreferenced object" line to the
# next. An entry is the module's when a frame of its backtrace names it
# (nf_lyncedge, lyncedge_*) or is a bare address: kallsyms names all of the
# kernel's own code, and on the debug kernel nf_lyncedge, unloaded before
# the scan, is the only module but one (debug-kernel.sh; a module's init
# code, freed once it has run, is a bare address too). A frame's "[<...>]" is a hashed address or,
# before the kernel has its random key, "(____ptrval____)". Other entries
# (the kernel's own false positives) are counted, not judged.
if [ -e "$ctl/kmemleak" ] && [ -n "$status" ]; then
	if [ -e "$ctl/kmemleak.error" ]; then
		echo "run.sh: the kmemleak check failed: $(<"$ctl/kmemleak.error")" >&2
		rc=${rc:-$E_HARNESS}
	elif [ ! -e "$ctl/kmemleak.txt" ]; then
		echo "run.sh: the VM reported no kmemleak scan" >&2
		rc=${rc:-$E_HARNESS}
	else
		cp "$ctl/kmemleak.txt" "$rundir/kmemleak.txt"
		read -r leaks others < <(awk -v out="$rundir/leaks.txt" '
			function flush() {
				if (entry != "" && ours) { printf "%s", entry >out; n++ }
				else if (entry != "") m++
				entry = ""; ours = 0
			}
			/^unreferenced object / { flush() }
			{ entry = entry $0 "\n" }
			/^    \[<[^>]*>\] / && (/nf_lyncedge|lyncedge_/ || / 0x[0-9a-f]+$/) { ours = 1 }
			END { flush(); print n + 0, m + 0 }' "$rundir/kmemleak.txt")
		verbose "kmemleak: $leaks leak(s) of the module, $others other unreferenced object(s)"
		if [ "$leaks" -gt 0 ]; then
			echo "run.sh: kmemleak found $leaks leak(s) from module code (nf_lyncedge; command status: ${status}):" >&2
			sed 's/^/  /' "$rundir/leaks.txt" >&2
			echo "run.sh: whole kmemleak report: $rundir/kmemleak.txt" >&2
			rc=${rc:-$E_HARNESS}
		fi
	fi
fi
if [ "$rc" != "$E_TIMEOUT" ] && [ -z "$status" ]; then
	echo "run.sh: the VM ended without reporting an exit status (QEMU status $qemu_rc)" >&2
	if [ -z "$rc" ]; then
		echo "run.sh: kernel log tail:" >&2
		tail -n 40 "$log" >&2
	fi
	rc=$E_HARNESS
fi
rc=${rc:-$status}
if [ "$rc" = 0 ]; then
	keep=0
else
	echo "run.sh: exit status $rc; kernel log: $klog" >&2
fi
exit "$rc"
