#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install_layout.sh: on the host, "make install DESTDIR=..." lays out
# exactly the files README promises, with PREFIX honoured, the unit naming
# the installed paths (and passing systemd-analyze verify), an existing
# configuration never overwritten, and "make uninstall" removing all of it
# but the configuration. dkms.conf reads its version from version.h. TAP.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# The files under $1, one a line, sorted, with their modes.
layout() {
	(cd "$1" && find . -type f -printf '%m %P\n' | sort)
}

install_into() {
	make -s -C "$top" install DESTDIR="$1" "${@:2}" >"$tmp/install.out" 2>&1
}

echo "TAP version 13"
make -s -C "$top" cli >/dev/null || { echo "1..0 # SKIP cannot build the CLI"; exit 4; }

dest=$tmp/usr-prefix
install_into "$dest" PREFIX=/usr
ok $? "make install DESTDIR PREFIX=/usr succeeds"
want="644 etc/lyncedge/lyncedge.conf
644 usr/lib/modules-load.d/lyncedge.conf
644 usr/lib/systemd/system/lyncedge.service
644 usr/share/bash-completion/completions/lyncedge
644 usr/share/doc/lyncedge/examples/ha/conntrackd.conf
644 usr/share/doc/lyncedge/examples/ha/keepalived.conf
644 usr/share/man/man8/lyncedge.8
755 usr/sbin/lyncedge
755 usr/share/doc/lyncedge/examples/ha/lyncedge-ha-notify"
got=$(layout "$dest")
[ "$got" = "$want" ]
ok $? "PREFIX=/usr: exactly the nine expected files, with their modes"
[ "$got" = "$want" ] || diff <(echo "$want") <(echo "$got") | sed 's/^/# /'

cmp -s "$dest/usr/sbin/lyncedge" "$top/userspace/lyncedge" &&
	cmp -s "$dest/usr/share/man/man8/lyncedge.8" "$top/userspace/lyncedge.8" &&
	cmp -s "$dest/etc/lyncedge/lyncedge.conf" "$top/userspace/system/lyncedge.conf" &&
	grep -qx nf_lyncedge "$dest/usr/lib/modules-load.d/lyncedge.conf"
ok $? "installed files are the tree's CLI, man page, example configuration, module name"

for f in keepalived.conf conntrackd.conf lyncedge-ha-notify; do
	cmp -s "$dest/usr/share/doc/lyncedge/examples/ha/$f" "$top/userspace/system/ha/$f" || break
done
ok $? "the HA examples (keepalived, conntrackd, notify hook) are the tree's, under the doc directory only"

unit=$dest/usr/lib/systemd/system/lyncedge.service
[ "$(sed -n 's/^ExecStart=//p' "$unit")" = "/usr/sbin/lyncedge restore /etc/lyncedge/lyncedge.conf" ] &&
	! grep -q '@[A-Z]*@' "$unit"
ok $? "the unit's ExecStart names the installed CLI and configuration"

if command -v systemd-analyze >/dev/null; then
	# verify wants the command and the man page where the unit says.
	sed "s|/usr/sbin/lyncedge|$dest/usr/sbin/lyncedge|" "$unit" >"$tmp/lyncedge.service"
	out=$(MANPATH=$dest/usr/share/man systemd-analyze verify "$tmp/lyncedge.service" 2>&1)
	[ -z "$out" ]
	ok $? "systemd-analyze verify lyncedge.service: no complaint"
	[ -z "$out" ] || echo "# ${out//$'\n'/$'\n'# }"
else
	n=$((n + 1))
	echo "ok $n - systemd-analyze verify # SKIP systemd-analyze not installed"
fi

dest2=$tmp/default-prefix
install_into "$dest2"
got=$(layout "$dest2" | awk '{ print $2 }' | sort | tr '\n' ' ')
[ "$got" = "etc/lyncedge/lyncedge.conf usr/local/lib/modules-load.d/lyncedge.conf usr/local/lib/systemd/system/lyncedge.service usr/local/sbin/lyncedge usr/local/share/bash-completion/completions/lyncedge usr/local/share/doc/lyncedge/examples/ha/conntrackd.conf usr/local/share/doc/lyncedge/examples/ha/keepalived.conf usr/local/share/doc/lyncedge/examples/ha/lyncedge-ha-notify usr/local/share/man/man8/lyncedge.8 " ] &&
	grep -qx 'ExecStart=/usr/local/sbin/lyncedge restore /etc/lyncedge/lyncedge.conf' \
		"$dest2/usr/local/lib/systemd/system/lyncedge.service"
ok $? "default PREFIX is /usr/local, the configuration still in /etc"

echo "mode enforce  # the administrator's" >"$dest/etc/lyncedge/lyncedge.conf"
install_into "$dest" PREFIX=/usr &&
	[ "$(cat "$dest/etc/lyncedge/lyncedge.conf")" = "mode enforce  # the administrator's" ] &&
	grep -q keeping "$tmp/install.out"
ok $? "a second make install keeps an existing /etc/lyncedge/lyncedge.conf and says so"

make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1 &&
	[ "$(layout "$dest")" = "644 etc/lyncedge/lyncedge.conf" ]
ok $? "make uninstall removes everything but the configuration"
[ "$(layout "$dest")" = "644 etc/lyncedge/lyncedge.conf" ] || layout "$dest" | sed 's/^/# left: /'

version=$(sed -n 's/^#define LYNCEDGE_VERSION "\(.*\)"$/\1/p' "$top/module/version.h")
# shellcheck disable=SC1091 # dkms.conf is a bash fragment DKMS sources
dkms_version=$(kernel_source_dir=/k dkms_tree=/d bash -c '. "$1"; echo "$PACKAGE_VERSION"' _ "$top/dkms.conf")
cli_version=$("$top/userspace/lyncedge" --version)
[ -n "$version" ] && [ "$dkms_version" = "$version" ] && [ "$cli_version" = "lyncedge $version" ]
ok $? "dkms.conf, version.h and lyncedge --version agree ($version)"

grep -q '^AUTOINSTALL="yes"' "$top/dkms.conf" &&
	bash -c '. "$1"; [[ 6.1.0-56-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
		[[ 6.12.117+deb12-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
		! [[ 5.10.0-30-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]] &&
		! [[ 6.10.1-amd64 =~ $BUILD_EXCLUSIVE_KERNEL ]]' _ "$top/dkms.conf"
ok $? "dkms.conf: AUTOINSTALL, BUILD_EXCLUSIVE_KERNEL takes 6.1 and 6.12 only"

echo "1..$n"
[ "$failed" -eq 0 ]
