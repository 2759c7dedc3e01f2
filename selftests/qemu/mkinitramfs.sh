#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER: print the path of a cached initramfs for the VM,
# building it first if any input changed. It holds a static busybox, ./init
# and the modules that KVER needs to reach the host root (virtio console and
# PCI, 9p, overlay), decompressed and in load order, since busybox insmod
# resolves no dependencies. The kernel must already be in the cache
# (kernel.sh: kernel_ensure).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/qemu/kernel.sh
. "$here/kernel.sh"

kver=${1:?usage: mkinitramfs.sh KVER}
kdir=$(kernel_dir "$kver")
modroot="$kdir/root"
busybox=${LYNCEDGE_BUSYBOX:-/bin/busybox}
out="$kdir/initramfs.cpio"

# virtio_pci and virtio_console are built in on 6.12 and modules on 6.1;
# modprobe reports built-ins as "builtin NAME" and we skip those.
wanted="virtio_pci virtio_console 9pnet_virtio 9p overlay"

kernel_is_cached "$kver" || { echo "kernel $kver is not in the cache" >&2; exit 1; }

if [ ! -x "$busybox" ] || [[ $(readelf -l "$busybox" 2>&1) == *interpreter* ]]; then
	echo "$busybox is not a static busybox: apt-get install busybox-static" >&2
	exit 1
fi

modules=$(for m in $wanted; do
		modprobe -d "$modroot" -S "$kver" --show-depends "$m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')

stamp=$({
	sha256sum "$busybox" "$here/init" "$here/mkinitramfs.sh"
	echo "$kver"
	for m in $modules; do sha256sum "$m"; done
} | sha256sum)
stamp=${stamp%% *}

if [ -e "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$out"
	exit 0
fi

tmp=$(mktemp -d "$kdir/.initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root"/{bin,dev,proc,sys,lib/modules}
cp "$busybox" "$tmp/root/bin/busybox"
cp "$here/init" "$tmp/root/init"
chmod 755 "$tmp/root/init"
n=10
for m in $modules; do
	name=${m##*/}
	case $name in
	*.ko.xz) xz -dc "$m" >"$tmp/root/lib/modules/$n-${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$m" >"$tmp/root/lib/modules/$n-${name%.zst}" ;;
	*) cp "$m" "$tmp/root/lib/modules/$n-$name" ;;
	esac
	n=$((n + 1))
done
# Uncompressed: under TCG the kernel would spend longer inflating it than
# it takes to read a few MB.
(cd "$tmp/root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$tmp/initramfs.cpio"
mv "$tmp/initramfs.cpio" "$out"
echo "$stamp" >"$out.stamp"
echo "$out"
