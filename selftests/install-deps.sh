#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install-deps.sh: install, as root, the Debian packages that building and
# testing lyncedge need. Idempotent, and quick (one dpkg-query) when all are
# present. Without root it only lists what is missing and fails.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/qemu/kernel.sh
. "$here/qemu/kernel.sh"

packages=(
	# build: module, CLI, static checks (linux-source for checkpatch.pl and
	# the kselftest headers)
	build-essential gcc make pkg-config libmnl-dev sparse linux-source-6.1
	clang llvm libclang-rt-14-dev valgrind shellcheck
	# the man page check, DKMS and the installed system files
	groff-base man-db dkms systemd
	# the benchmark's plot
	gnuplot-nox
	# the VM harness (selftests/qemu): xz and zstd unpack Debian's kernels
	# and modules, busybox-static and cpio make the initramfs
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd util-linux
	# the debug kernel (selftests/qemu/debug-kernel.sh), built from
	# linux-source-6.1: Kconfig's parsers, timeconst, objtool's libelf,
	# the bzImage's compressor
	flex bison bc libelf-dev lz4
	# tools the tests run inside the VM
	iproute2 iputils-ping nftables iptables ipset conntrack socat iperf3
	coturn sip-tester openssl python3 tcpdump procps
	# profiles.sh: a real resolver (dnsmasq-base: the program, no system
	# service started at install) and a CRL fetch over HTTP
	dnsmasq-base curl
	# ha.sh: state sync and VRRP, run by the test in its namespaces; their
	# services are neither started nor enabled here (see below)
	conntrackd keepalived
)
# Packages whose system service must not run on the machine that installs
# them: a daemon of the host's own is no part of a test.
no_service=(conntrackd keepalived)

log() { echo "install-deps: $*" >&2; }

is_root() { [ "$(id -u)" = 0 ]; }

apt_update() {
	log "apt-get update"
	apt-get update -q >&2
}

# resolve: set "missing" to the packages not installed, as the current apt
# lists name them. The headers follow the kernels the VM boots: their ABI
# comes from the image meta packages, and the versioned package is named
# directly because the 6.12 headers meta package would drag in an image.
resolve() {
	local series kver p
	headers=()
	for series in 6.1 6.12; do
		kver=$(kernel_resolve_apt "$series")
		[ -n "$kver" ] || return 1
		headers+=("linux-headers-$kver")
	done
	declare -gA installed=()
	while read -r p status; do
		[ "$status" = ii ] && installed[$p]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' \
		 "${packages[@]}" "${headers[@]}" 2>/dev/null)
	missing=()
	for p in "${packages[@]}" "${headers[@]}"; do
		[ -n "${installed[$p]:-}" ] || missing+=("$p")
	done
}

if resolve && [ ${#missing[@]} -eq 0 ]; then
	log "all $((${#packages[@]} + ${#headers[@]})) packages present"
	exit 0
fi
if ! is_root; then
	log "missing (run as root to install): ${missing[*]:-kernel headers}"
	exit 1
fi

# Something is to be installed: a fresh machine's lists may be stale (an
# older kernel ABI the mirror no longer has), so refresh them first.
apt_update
resolve || { log "cannot resolve the kernel ABIs from the apt lists"; exit 1; }
log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# invoke-rc.d and deb-systemd-invoke ask policy-rc.d whether a maintainer
# script may start a service: 101 forbids it, for this install only (an
# administrator's policy-rc.d is left alone, and it already decides).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	trap 'rm -f "$policy"' EXIT
	printf '#!/bin/sh\n# install-deps.sh: no service starts during its install\nexit 101\n' > "$policy"
	chmod 755 "$policy"
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
# Installing enabled them for the next boot: not on this machine either.
for p in "${no_service[@]}"; do
	case " ${missing[*]} " in
	*" $p "*)
		if command -v systemctl >/dev/null; then
			systemctl disable "$p.service" >/dev/null 2>&1 || true
		fi
		;;
	esac
done
log "done"
