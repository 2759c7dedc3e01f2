# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian kernels for the VM: resolve the ABI from the meta packages, fetch the
# image into a cache outside the repo, make sure the matching headers exist,
# and assemble a module root holding Debian's modules plus ours.
#
# Sourced by run.sh and ../install-deps.sh. Functions print results on stdout,
# diagnostics on stderr, and return non-zero on failure; callers decide how to
# die.

# ~ rather than $HOME: CI may run without HOME set.
kernel_home=~
: "${LYNCEDGE_CACHE:=${XDG_CACHE_HOME:-$kernel_home/.cache}/lyncedge}"
KERNEL_CACHE="$LYNCEDGE_CACHE/kernels"

kernel_msg() { printf '%s\n' "$*" >&2; }

# The meta package names the current ABI of a series; nothing else may
# hard-code it, because every Debian point release bumps it.
kernel_meta_pkg() {
	case "$1" in
	6.1) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	*) kernel_msg "unknown kernel series '$1' (known: 6.1, 6.12)"; return 1 ;;
	esac
}

# The package whose vmlinuz and modules we boot. For 6.12 it is the -unsigned
# build: the same kernel without the Secure Boot signatures, which a VM booted
# by QEMU's loader has no use for.
kernel_image_pkg() {
	case "$1" in
	6.1) echo "linux-image-$2" ;;
	6.12) echo "linux-image-$2-unsigned" ;;
	esac
}

# Prints the KVER the apt lists currently point at, or nothing when the lists
# are missing. apt-cache takes ~0.6 s here (no pkgcache.bin), so the answer
# is remembered until the lists change.
kernel_resolve_apt() {
	local meta lists memo kver
	meta=$(kernel_meta_pkg "$1") || return 1
	lists=$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum)
	memo="$KERNEL_CACHE/.resolved-$1"
	if [ -e "$memo" ] && [ "$(head -n 1 "$memo")" = "$lists" ]; then
		sed -n 2p "$memo"
		return 0
	fi
	kver=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([^ ]*-amd64\)\( .*\)\{0,1\}$/\1/p' |
		head -n 1)
	if [ -n "$kver" ] && mkdir -p "$KERNEL_CACHE"; then
		printf '%s\n%s\n' "$lists" "$kver" >"$memo.$$" && mv "$memo.$$" "$memo"
	fi
	echo "$kver"
}

# Newest KVER of a series already in the cache (a complete one only).
# Debian's end in -amd64; the debug kernels (debug-kernel.sh) share the
# cache and their 6.1.N prefix, but are no Debian 6.1.
kernel_resolve_cached() {
	local d
	for d in "$KERNEL_CACHE/$1".*-amd64/.complete; do
		[ -e "$d" ] || continue
		d=${d%/.complete}
		echo "${d##*/}"
	done | sort -V | tail -n 1
}

kernel_dir() { echo "$KERNEL_CACHE/$1"; }

kernel_is_cached() { [ -e "$KERNEL_CACHE/$1/.complete" ]; }

# Unpacks the image package into the cache and runs depmod once over Debian's
# own modules (the .deb ships none of the modules.dep* indexes). Concurrent
# callers each unpack aside and the first rename wins.
kernel_fetch() {
	local kver=$1 pkg=$2 tmp final
	final="$KERNEL_CACHE/$kver"
	mkdir -p "$KERNEL_CACHE" || return 1
	tmp=$(mktemp -d "$KERNEL_CACHE/.fetch.XXXXXX") || return 1
	# apt drops privileges to _apt for the download; let it write here.
	chmod 755 "$tmp"
	kernel_msg "fetching $pkg into $final"
	if ! (cd "$tmp" && apt-get download "$pkg") >"$tmp/apt.log" 2>&1; then
		cat "$tmp/apt.log" >&2
		rm -rf "$tmp"
		return 1
	fi
	# Compressed modules (6.12 ships .ko.xz) would make every later depmod
	# decompress all of them, seconds per changed build; unpack them once.
	# It also lets busybox insmod load them in the initramfs.
	if ! dpkg-deb -x "$tmp"/*.deb "$tmp/root" ||
	   ! mv "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinuz" ||
	   ! find "$tmp/root/lib/modules" -name '*.ko.xz' -print0 |
		xargs -0 -r -P "$(nproc)" -n 64 xz -d ||
	   ! depmod -b "$tmp/root" "$kver"; then
		kernel_msg "unpacking $pkg failed"
		rm -rf "$tmp"
		return 1
	fi
	dpkg-deb -f "$tmp"/*.deb Package Version >"$tmp/package"
	rm -f "$tmp"/*.deb "$tmp/apt.log"
	touch "$tmp/.complete"
	if ! mv -T "$tmp" "$final" 2>/dev/null; then
		rm -rf "$tmp"
		kernel_is_cached "$kver" || return 1
	fi
}

# Picks the KVER of a series and makes sure it is in the cache. Stale or
# missing apt lists must not stop a developer who already has a kernel cached:
# fall back to the newest cached one of the series.
kernel_ensure() {
	local series=$1 kver cached
	kver=$(kernel_resolve_apt "$series") || return 1
	cached=$(kernel_resolve_cached "$series")
	if [ -n "$kver" ] && kernel_is_cached "$kver"; then
		echo "$kver"
		return 0
	fi
	if [ -n "$kver" ] && kernel_fetch "$kver" "$(kernel_image_pkg "$series" "$kver")"; then
		echo "$kver"
		return 0
	fi
	if [ -n "$cached" ]; then
		if [ -n "$kver" ]; then
			kernel_msg "warning: cannot fetch $kver (apt lists outdated?), using cached $cached"
		fi
		echo "$cached"
		return 0
	fi
	if [ -z "$kver" ]; then
		kernel_msg "cannot resolve the $series kernel: 'apt-cache depends $(kernel_meta_pkg "$series")' names no image (run apt-get update)"
	fi
	return 1
}

# Prints the image to boot. The bzImage's real-mode setup and decompressor
# cost ~3 s under TCG; the ELF vmlinux inside it boots directly through its
# PVH entry point. Extracted on first use, since older caches lack it; falls
# back to the bzImage if the payload or the PVH note cannot be found.
kernel_boot_image() {
	local kdir="$KERNEL_CACHE/$1" magic off tmp
	if [ ! -e "$kdir/vmlinux" ] && [ ! -e "$kdir/vmlinux.none" ]; then
		tmp=$(mktemp "$kdir/.vmlinux.XXXXXX") || return 1
		for magic in '\xfd7zXZ\x00:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
			off=$(LC_ALL=C grep -obUaP -m1 "${magic%:*}" "$kdir/vmlinuz" |
				head -n 1 | cut -d: -f1)
			[ -n "$off" ] || continue
			# The payload is followed by other data: the decompressor
			# complains about it, but what it wrote is checked below.
			tail -c +"$((off + 1))" "$kdir/vmlinuz" |
				"${magic#*:}" -dc >"$tmp" 2>/dev/null
			# XEN_ELFNOTE_PHYS32_ENTRY (0x12) is the PVH entry point.
			if readelf -n "$tmp" 2>/dev/null | grep -q 'note type: (0x00000012)'; then
				chmod 644 "$tmp"
				mv "$tmp" "$kdir/vmlinux"
				break
			fi
		done
		if [ ! -e "$kdir/vmlinux" ]; then
			rm -f "$tmp"
			kernel_msg "warning: no PVH vmlinux in $kdir/vmlinuz, booting the bzImage (slower)"
			touch "$kdir/vmlinux.none"
		fi
	fi
	if [ -e "$kdir/vmlinux" ]; then
		echo "$kdir/vmlinux"
	else
		echo "$kdir/vmlinuz"
	fi
}

# The Debian headers Makefile includes absolute /usr/src paths, so a private
# unpack of the headers would not build: they must be installed.
kernel_ensure_headers() {
	local kver=$1
	[ -e "/usr/src/linux-headers-$kver/Makefile" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		kernel_msg "/usr/src/linux-headers-$kver is missing; as root run: apt-get install linux-headers-$kver (or selftests/install-deps.sh)"
		return 1
	fi
	kernel_msg "installing linux-headers-$kver"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"linux-headers-$kver" >&2 || return 1
	[ -e "/usr/src/linux-headers-$kver/Makefile" ]
}

# Prints a module root (ROOT/lib/modules/KVER) with Debian's modules and the
# given .ko under updates/, indexed by depmod. Roots are keyed by the .ko's
# hash so concurrent runs with different builds never share one; Debian's
# module tree is hard-linked, not copied.
kernel_modroot() {
	local kver=$1 ko=$2 base key root tmp
	base="$KERNEL_CACHE/$kver/root/lib/modules/$kver"
	if [ -n "$ko" ]; then
		key=$(sha256sum <"$ko") || return 1
		key=${key:0:16}
	else
		key=debian
	fi
	root="$KERNEL_CACHE/$kver/modroot-$key"
	if [ -e "$root/.complete" ]; then
		touch "$root"
		echo "$root"
		return 0
	fi
	tmp=$(mktemp -d "$KERNEL_CACHE/$kver/.modroot.XXXXXX") || return 1
	chmod 755 "$tmp"
	mkdir -p "$tmp/lib/modules/$kver/updates"
	# The debug kernel has everything built in: no kernel/ to link.
	if [ -d "$base/kernel" ] &&
	   ! cp -al "$base/kernel" "$tmp/lib/modules/$kver/" 2>/dev/null; then
		cp -a "$base/kernel" "$tmp/lib/modules/$kver/" || { rm -rf "$tmp"; return 1; }
	fi
	cp -a "$base"/modules.order "$base"/modules.builtin* "$tmp/lib/modules/$kver/"
	if [ -n "$ko" ]; then
		cp "$ko" "$tmp/lib/modules/$kver/updates/" || { rm -rf "$tmp"; return 1; }
	fi
	depmod -b "$tmp" "$kver" || { rm -rf "$tmp"; return 1; }
	touch "$tmp/.complete"
	if ! mv -T "$tmp" "$root" 2>/dev/null; then
		rm -rf "$tmp"
	fi
	# Old roots only cost disk; drop those unused for a day.
	find "$KERNEL_CACHE/$kver" -maxdepth 1 -name 'modroot-*' -mtime +1 \
		! -path "$root" -exec rm -rf {} + 2>/dev/null
	echo "$root"
}
