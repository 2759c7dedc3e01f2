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
	# the VM harness (selftests/qemu): xz and zstd unpack Debian's kernels
	# and modules, busybox-static and cpio make the initramfs
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd util-linux
	# tools the tests run inside the VM
	iproute2 iputils-ping nftables iptables ipset conntrack socat iperf3
	coturn sip-tester openssl python3 tcpdump procps
)

log() { echo "install-deps: $*" >&2; }

is_root() { [ "$(id -u)" = 0 ]; }

apt_update() {
	log "apt-get update"
	apt-get update -q >&2
}

# The headers follow the kernels the VM boots; their ABI comes from the image
# meta packages, and the versioned package is named directly because the 6.12
# headers meta package would drag in a kernel image.
headers=()
for series in 6.1 6.12; do
	kver=$(kernel_resolve_apt "$series")
	if [ -z "$kver" ] && is_root; then
		apt_update
		kver=$(kernel_resolve_apt "$series")
	fi
	[ -n "$kver" ] || { log "cannot resolve the $series kernel ABI (apt lists missing?)"; exit 1; }
	headers+=("linux-headers-$kver")
done
packages+=("${headers[@]}")

declare -A installed=()
while read -r pkg status; do
	[ "$status" = ii ] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null)
missing=()
for p in "${packages[@]}"; do
	[ -n "${installed[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	log "all ${#packages[@]} packages present"
	exit 0
fi
if ! is_root; then
	log "missing (run as root to install): ${missing[*]}"
	exit 1
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
# Stale lists name versions the mirror no longer has: refresh once and retry.
if ! install; then
	apt_update
	install
fi
log "done"
