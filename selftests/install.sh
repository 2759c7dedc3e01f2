#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installing on a gateway, as README says: DKMS builds the module from the
# source tree against the running kernel's headers and installs it; then
# modprobe loads that copy (not the test build) with its dependencies,
# modinfo describes it, and the installed lyncedge.service's restore
# command loads the example configuration. Everything happens in the VM's
# throw-away overlay, in a VM of its own (run_all.sh runs it beside the
# main suite): it replaces the module under test, and building under TCG
# takes minutes.

source "$(dirname "$0")/lib.sh"

KVER=$(uname -r)
MODDIR=/lib/modules/$KVER
DKMS_KO=$MODDIR/updates/dkms/nf_lyncedge.ko
VERSION=$(sed -n 's/^#define LYNCEDGE_VERSION "\(.*\)"$/\1/p' "$REPO_DIR/module/version.h")
SRC=

# The tree as a user's clone has it: no build output, no git metadata.
copy_tree() {
	SRC=$TMPD/lyncedge-src
	mkdir -p "$SRC"
	tar -C "$REPO_DIR" --exclude=./build --exclude=./.git -cf - . |
		tar -C "$SRC" -xf - || fail "cannot copy the source tree"
}

# The harness put its own build in updates/; a gateway has only DKMS's,
# and DKMS will not install over an identical version.
drop_test_build() {
	modprobe -r nf_lyncedge 2>/dev/null
	[ ! -d /sys/module/nf_lyncedge ] || { fail "cannot unload the test build"; return 1; }
	rm -f "$MODDIR/updates/nf_lyncedge.ko"
	depmod -a "$KVER"
	if modinfo nf_lyncedge >/dev/null 2>&1; then
		fail "a nf_lyncedge module is still installed: $(modinfo -n nf_lyncedge)"
		return 1
	fi
}

# README's step, "make dkms-install", from a copy of the tree. The
# headers package makes /lib/modules/KVER/build on a gateway; the VM's
# module tree comes from the image package alone, so link it here.
dkms_build_install() {
	local out
	drop_test_build || return
	copy_tree
	[ -e "$MODDIR/build" ] || ln -s "/usr/src/linux-headers-$KVER" "$MODDIR/build"
	out=$(make -C "$SRC" dkms-install 2>&1) ||
		{ fail "make dkms-install: $(tail -n 20 <<<"$out")"; return; }
	[ -f "/usr/src/lyncedge-$VERSION/dkms.conf" ] ||
		fail "no sources in /usr/src/lyncedge-$VERSION"
	dkms status lyncedge | grep -q "lyncedge/$VERSION, $KVER, .*: installed" ||
		fail "dkms status after install: $(dkms status lyncedge)"
	[ -e "$DKMS_KO" ] || [ -e "$DKMS_KO.xz" ] ||
		fail "no module in $MODDIR/updates/dkms: $(ls "$MODDIR/updates/dkms" 2>&1)"
}

modprobe_from_dkms() {
	local path deps
	path=$(modinfo -n nf_lyncedge 2>&1)
	case $path in
	"$DKMS_KO"|"$DKMS_KO.xz") ;;
	*) fail "modinfo -n nf_lyncedge: $path, want $DKMS_KO" ;;
	esac
	deps=$(modprobe --show-depends nf_lyncedge 2>&1)
	grep -q '/nf_conntrack\.ko' <<<"$deps" ||
		fail "modprobe --show-depends does not pull in nf_conntrack: $deps"
	modprobe nf_lyncedge || { fail "modprobe nf_lyncedge failed"; return; }
	[ -d /sys/module/nf_conntrack ] || fail "nf_conntrack not loaded with nf_lyncedge"
	[ "$(cat /sys/module/nf_lyncedge/srcversion 2>/dev/null)" = \
	  "$(modinfo -F srcversion "$path")" ] ||
		fail "the loaded module is not the DKMS one (srcversion differs)"
	"$LYNCEDGE" show >/dev/null || fail "lyncedge show fails with the DKMS module"
}

modinfo_fields() {
	local f v cli parm
	for f in description author license version; do
		v=$(modinfo -F "$f" nf_lyncedge)
		[ -n "$v" ] || fail "modinfo: no $f"
	done
	[ "$(modinfo -F license nf_lyncedge)" = GPL ] ||
		fail "modinfo license: $(modinfo -F license nf_lyncedge)"
	[ "$(modinfo -F version nf_lyncedge)" = "$VERSION" ] ||
		fail "modinfo version $(modinfo -F version nf_lyncedge), version.h $VERSION"
	cli=$("$LYNCEDGE" --version)
	[ "$cli" = "lyncedge $VERSION" ] || fail "lyncedge --version: $cli, want $VERSION"
	[ "$(cat /sys/module/nf_lyncedge/version)" = "$VERSION" ] ||
		fail "/sys/module/nf_lyncedge/version: $(cat /sys/module/nf_lyncedge/version)"
	parm=$(modinfo -F parm nf_lyncedge)
	for f in max_prefixes log_rate log_burst; do
		grep -qE "^$f:.{20,}" <<<"$parm" ||
			fail "modinfo parm: $f missing or without help text: $parm"
	done
	grep -q 'nf_conntrack' <<<"$(modinfo -F depends nf_lyncedge)" ||
		fail "modinfo depends: $(modinfo -F depends nf_lyncedge)"
}

# What "lyncedge save" prints after restoring the example configuration.
expected_example_save() {
	cat <<'EOF'
# lyncedge configuration: lyncedge save, restore with lyncedge restore
mode monitor
log off
edge 203.0.113.10
edge 2001:db8:e::10
partners 198.51.100.0/24
partners 2001:db8:1::/48
clients 192.0.2.0/24
clients 2001:db8:2::/48
messenger 203.0.113.128/25
messenger 2001:db8:3::/48
EOF
}

service_restores_example() {
	local unit=/usr/local/lib/systemd/system/lyncedge.service exec out
	out=$(make -s -C "$SRC" install 2>&1) || { fail "make install: $out"; return; }
	[ -f /etc/lyncedge/lyncedge.conf ] || { fail "no /etc/lyncedge/lyncedge.conf"; return; }
	grep -qx nf_lyncedge /usr/local/lib/modules-load.d/lyncedge.conf 2>/dev/null ||
		fail "modules-load.d entry missing or wrong"
	exec=$(sed -n 's/^ExecStart=//p' "$unit")
	[ "$exec" = "/usr/local/sbin/lyncedge restore /etc/lyncedge/lyncedge.conf" ] ||
		fail "unexpected ExecStart: $exec"
	"$LYNCEDGE" flush all
	# shellcheck disable=SC2086 # ExecStart is a command line
	out=$($exec 2>&1) || { fail "ExecStart ($exec): $out"; return; }
	out=$(/usr/local/sbin/lyncedge save)
	[ "$out" = "$(expected_example_save)" ] ||
		fail "save after the unit's restore:"$'\n'"$(diff <(expected_example_save) <(echo "$out"))"
	"$LYNCEDGE" mode off
	make -s -C "$SRC" uninstall >/dev/null ||
		fail "make uninstall failed"
	if [ -e /usr/local/sbin/lyncedge ] || [ -e "$unit" ]; then
		fail "make uninstall left files behind"
	fi
	[ -f /etc/lyncedge/lyncedge.conf ] || fail "make uninstall removed the configuration"
}

# A kernel outside BUILD_EXCLUSIVE_KERNEL is refused before any build.
dkms_refuses_other_kernels() {
	local out
	out=$(dkms build "lyncedge/$VERSION" -k 5.10.0-99-amd64 2>&1) &&
		{ fail "dkms built for 5.10: $out"; return; }
	grep -q 'BUILD_EXCLUSIVE' <<<"$out" ||
		fail "dkms refused 5.10 without naming BUILD_EXCLUSIVE: $out"
}

dkms_remove() {
	local out
	modprobe -r nf_lyncedge 2>/dev/null
	out=$(make -C "$SRC" dkms-uninstall 2>&1) || { fail "make dkms-uninstall: $out"; return; }
	[ ! -e "/usr/src/lyncedge-$VERSION" ] || fail "make dkms-uninstall left /usr/src/lyncedge-$VERSION"
	dkms status lyncedge | grep -q . && fail "dkms still lists lyncedge: $(dkms status lyncedge)"
	if [ -e "$DKMS_KO" ] || [ -e "$DKMS_KO.xz" ]; then
		fail "dkms remove left $DKMS_KO"
	fi
	modinfo nf_lyncedge >/dev/null 2>&1 && fail "nf_lyncedge still known to modinfo"
	return 0
}

require_root
[ -n "${LYNCEDGE_VM:-}" ] || skip_all "installs into the system: run inside the VM (make vmtest)"
require_tool dkms make depmod modinfo tar
find_lyncedge
[ -n "$VERSION" ] || skip_all "no version in module/version.h"
[ -d "/usr/src/linux-headers-$KVER" ] || skip_all "no headers for $KVER"
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT

run_case "make dkms-install: dkms add, build, install from the source tree ($KVER)" dkms_build_install
run_case "modprobe loads the DKMS module and pulls in nf_conntrack" modprobe_from_dkms
run_case "modinfo: description, author, license, version $VERSION, parameters" modinfo_fields
run_case "make install; lyncedge.service's ExecStart restores the example configuration" \
	service_restores_example
run_case "dkms refuses a kernel outside BUILD_EXCLUSIVE_KERNEL" dkms_refuses_other_kernels
run_case "make dkms-uninstall takes the module and its sources away" dkms_remove
tap_finish
