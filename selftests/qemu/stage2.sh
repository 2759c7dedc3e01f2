#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2, PID 1 of the VM once the host root is mounted (see init): finish
# the environment, run the caller's command on the user channels, write its
# exit status to the control share and power off. Its own chatter goes to
# the kernel console (the kernel-log file on the host).

set -u

ctl=/run/lyncedge
repo=${BASH_SOURCE[0]%/selftests/qemu/*}
# The kernel starts init without PATH.
export PATH="$repo/userspace:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

log() { echo "lyncedge-vm: $*" >/dev/console; }

poweroff_now() {
	echo o >/proc/sysrq-trigger
	# sysrq works from a workqueue; PID 1 must not exit meanwhile or the
	# kernel panics ("Attempted to kill init"), which would read as a crash.
	while :; do sleep 60; done
}

# The control share is uncached (cache=none): the write has reached the host
# when it returns.
finish() {
	printf '%s\n' "$1" >"$ctl/status"
	poweroff_now
}

# Fails before the command ran: tell the user (stderr channel when there is
# one) and report the harness status.
fail() {
	log "$*"
	[ -n "${err_dev:-}" ] && echo "lyncedge-vm: $*" >"$err_dev" 2>/dev/null
	finish 125
}

# The user channels: a virtio console when the caller is on a terminal,
# otherwise two virtio-serial ports, so stdout and stderr stay apart and
# the command sees pipes rather than a tty.
if [ -e "$ctl/interactive" ]; then
	in_dev=/dev/hvc0 out_dev=/dev/hvc0 err_dev=/dev/hvc0
	# QEMU leaves output processing on for the host terminal, which then
	# already turns \n into \r\n. hvc resets its settings on the last
	# close, so hold it open.
	exec 3<>/dev/hvc0
	read -r rows cols <"$ctl/ttysize"
	stty -onlcr rows "${rows:-24}" cols "${cols:-80}" <&3 2>/dev/null
else
	in_dev=/dev/null out_dev='' err_dev=''
	for ((i = 0; i < 100; i++)); do
		for p in /sys/class/virtio-ports/*; do
			[ -e "$p/name" ] || continue
			case $(<"$p/name") in
			lyncedge.stdout) out_dev=/dev/${p##*/} ;;
			lyncedge.stderr) err_dev=/dev/${p##*/} ;;
			esac
		done
		[ -n "$out_dev" ] && [ -n "$err_dev" ] && break
		sleep 0.05
	done
	if [ -z "$out_dev" ] || [ -z "$err_dev" ]; then
		fail "virtio-serial ports missing"
	fi
fi

# The debug kernel's leak check (run.sh asks for it): unload nf_lyncedge, so
# that what it failed to free on the way out is unreferenced too (its exit
# waits for its RCU callbacks); wait past the 5 s kmemleak lets new objects
# live unreported and for RCU-deferred frees; scan twice, since an object
# seen unreferenced once may just have had its pointer in a register, and
# kmemleak reports only what both scans found. run.sh reads the report from
# the control share and judges it; a step that fails is written there too.
leak_scan() {
	local km=/sys/kernel/debug/kmemleak err
	log "kmemleak: unloading nf_lyncedge and scanning"
	if [ -e /sys/module/nf_lyncedge/initstate ] &&
	   ! err=$(rmmod nf_lyncedge 2>&1); then
		echo "rmmod nf_lyncedge failed: $err" >"$ctl/kmemleak.error"
		return
	fi
	# kmemleak reads every live object, and after a suite most are the
	# dentries and inodes of the host files 9p has cached: minutes of
	# emulated scanning. A leak is not among what the caches can free.
	echo 3 >/proc/sys/vm/drop_caches
	sleep 6
	if ! err=$({ echo scan >"$km" && echo scan >"$km"; } 2>&1); then
		echo "kmemleak did not scan (disabled? see the kernel log): $err" >"$ctl/kmemleak.error"
		return
	fi
	cat "$km" >"$ctl/kmemleak.txt" 2>"$ctl/kmemleak.error" &&
		rm -f "$ctl/kmemleak.error"
	read -r up _ </proc/uptime
	log "kmemleak: scanned at ${up}s"
}

mapfile -d '' argv <"$ctl/argv" || fail "cannot read the command"
[ "${#argv[@]}" -gt 0 ] || fail "empty command"
IFS= read -r -d '' cwd <"$ctl/cwd"

# Only what the caller chose to pass (and not what the kernel hands to init):
# the VM must not depend on the host session's environment.
for v in $(compgen -e); do
	unset "$v"
done
while IFS= read -r -d '' kv; do
	# shellcheck disable=SC2163 # kv is NAME=VALUE
	export "$kv"
done <"$ctl/env"
export PATH="$repo/userspace:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export HOME=/root USER=root LOGNAME=root SHELL=/bin/bash
export TERM="${TERM:-dumb}"
export LYNCEDGE_VM=1
export LYNCEDGE_VM_OUTDIR
LYNCEDGE_VM_OUTDIR=$(<"$ctl/outdir")

cd "$cwd" 2>/dev/null || fail "working directory $cwd does not exist in the VM"
# Else bash would name this script in its "command not found".
if ! type -- "${argv[0]}" >/dev/null 2>&1 && ! [ -e "${argv[0]}" ]; then
	log "command not found: ${argv[0]}"
	echo "lyncedge-vm: command not found: ${argv[0]}" >"$err_dev"
	finish 127
fi

read -r up _ </proc/uptime
log "running the command at ${up}s"
# A session of its own keeps "kill 0" in a test away from PID 1; on a
# terminal it also makes hvc0 the controlling tty, so ^C and job control work.
if [ -e "$ctl/interactive" ]; then
	setsid --ctty --wait "${argv[@]}" <"$in_dev" >"$out_dev" 2>"$err_dev" 3>&-
else
	setsid --wait "${argv[@]}" <"$in_dev" >"$out_dev" 2>"$err_dev"
fi
rc=$?
read -r up _ </proc/uptime
log "command exited with status $rc at ${up}s"
[ -e "$ctl/kmemleak" ] && leak_scan
finish "$rc"
