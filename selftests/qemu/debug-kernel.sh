#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: print the KVER of the debug kernel, building it first if
# no build of the current inputs is in the cache. run.sh --kernel debug calls
# it. The kernel comes from Debian's linux-source-6.1 (/usr/src): allnoconfig
# plus three Kconfig fragments,
#   ../config      what the tests need, modules turned into built-ins
#   vm.config      what the VM of run.sh needs
#   debug.config   KASAN, kmemleak, lockdep, RCU and atomic-sleep checks,
#                  UBSAN, list debugging
# and the build stops if an option a fragment asks for is not in the final
# .config (a missing dependency, or an option this source does not have).
#
# Everything is built in but nfnetlink_log (txnowner.sh loads it to stall
# the netlink notifier chain): run.sh pins on nf_lyncedge any kmemleak
# backtrace frame that kallsyms cannot name (code of a module since
# unloaded). A leak of nfnetlink_log's after its unload would be pinned on
# nf_lyncedge too: a false alarm, never a leak missed.
#
# The cache entry $LYNCEDGE_CACHE/kernels/KVER is laid out like a Debian
# kernel's (kernel.sh), so run.sh boots it the same way:
#   vmlinuz                 the bzImage run.sh boots
#   vmlinux.none            tells kernel.sh there is no PVH vmlinux to boot
#                           (see vm.config)
#   root/lib/modules/KVER   modules.builtin*, indexed by depmod; no modules
#   build/                  the configured tree, "make clean"ed: a KDIR for
#                           "make -C build M=..." (make module KDIR=...);
#                           build/vmlinux and System.map, for reading reports
#   build.log, config       the build's output and its final .config
# KVER is 6.1.N-lyncedge-debug-HASH. HASH covers the source package's version,
# the fragments and this script (their comments aside), and the compiler's
# and linker's versions: a change to any of them builds a new kernel beside
# the old ones, which are removed once unused for a day. A build takes about
# 10 minutes of two cores.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/qemu/kernel.sh
. "$here/kernel.sh"

src_pkg=linux-source-6.1
tarball=/usr/src/$src_pkg.tar.xz
fragments=("$here/../config" "$here/vm.config" "$here/debug.config")

die() {
	echo "debug-kernel.sh: $*" >&2
	exit 1
}

version=$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null) || version=
if [ -z "$version" ] || [ ! -r "$tarball" ]; then
	die "$tarball is missing: apt-get install $src_pkg (or selftests/install-deps.sh)"
fi
for t in gcc ld make flex bison bc tar xz lz4; do
	command -v "$t" >/dev/null || die "$t is missing (selftests/install-deps.sh installs the build tools)"
done
# objtool (the ORC unwinder's tables) links against libelf.
[ -e /usr/include/gelf.h ] || die "libelf-dev is missing (selftests/install-deps.sh)"

# What the kernel is made of, without the comments: rewording one must not
# cost a rebuild.
hash=$({
	echo "$src_pkg $version"
	sed -e '/^# CONFIG_/b' -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' \
		"${fragments[@]}" "${BASH_SOURCE[0]}"
	gcc --version | head -n 1
	ld --version | head -n 1
} | sha256sum)
hash=${hash:0:12}
# The release the tree will report; checked against "make kernelrelease".
kver="${version%%-*}-lyncedge-debug-$hash"
kdir=$(kernel_dir "$kver")

if kernel_is_cached "$kver"; then
	touch "$kdir"
	echo "$kver"
	exit 0
fi

mkdir -p "$KERNEL_CACHE"
exec 9>"$KERNEL_CACHE/.debug-build.lock"
# Two runs asking at once: the second waits for the first's build.
flock 9
if kernel_is_cached "$kver"; then
	echo "$kver"
	exit 0
fi

log="$kdir.build.log"
echo "debug-kernel.sh: building $kver from $src_pkg $version (about 10 minutes; log: $log)" >&2
rm -rf "$kdir"
mkdir -p "$kdir/build"
: >"$log"

# fail STEP: show the end of the log, keep it beside the cache entry, and
# drop the half-built tree.
fail() {
	tail -n 30 "$log" >&2
	rm -rf "$kdir"
	die "$1 failed; full log: $log"
}

tar -xJf "$tarball" -C "$kdir/build" --strip-components=1 >>"$log" 2>&1 ||
	fail "unpacking $tarball"

# The fragments, as allnoconfig reads them (KCONFIG_ALLCONFIG): the tests'
# modules become built-ins, a later fragment's value wins over an earlier
# one's (debug.config keeps one module), and the release names this build.
wanted="$kdir/build/lyncedge.config"
{
	sed 's/^\(CONFIG_[A-Za-z0-9_]*\)=m$/\1=y/' "${fragments[0]}"
	cat "${fragments[@]:1}"
	echo "CONFIG_LOCALVERSION=\"-lyncedge-debug-$hash\""
} | awk '{ opt = $0 }
	/^CONFIG_[A-Za-z0-9_]*=/ { sub(/=.*/, "", opt) }
	/^# CONFIG_[A-Za-z0-9_]* is not set$/ { opt = $2 }
	opt ~ /^CONFIG_/ { if (!(opt in at)) order[n++] = opt; at[opt] = $0; next }
	END { for (i = 0; i < n; i++) print at[order[i]] }' >"$wanted"
make -C "$kdir/build" KCONFIG_ALLCONFIG="$wanted" allnoconfig >>"$log" 2>&1 ||
	fail "make allnoconfig"

# Every option asked for must have its value in the final .config; an
# option "is not set" must be absent or unset.
missing=()
while read -r opt val; do
	got=$(sed -n "s/^$opt=//p" "$kdir/build/.config")
	[ -n "$got" ] || got=n
	[ "$got" = "$val" ] || missing+=("$opt=$val (got $got)")
done < <(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p
		s/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 n/p' "$wanted")
if [ ${#missing[@]} -gt 0 ]; then
	printf '  %s\n' "${missing[@]}" >&2
	rm -rf "$kdir"
	die "these options of ${fragments[*]##*/} are not in the final .config (unknown to $src_pkg $version, or a dependency is off)"
fi

release=$(make -s -C "$kdir/build" kernelrelease 2>>"$log") || fail "make kernelrelease"
[ "$release" = "$kver" ] || { rm -rf "$kdir"; die "the tree reports release '$release', expected '$kver'"; }

start=$SECONDS
nice -n 10 make -C "$kdir/build" -j"$(nproc)" bzImage modules >>"$log" 2>&1 ||
	fail "make bzImage modules"
echo "debug-kernel.sh: built in $((SECONDS - start)) s" >&2
mkdir -p "$kdir/root"
make -C "$kdir/build" INSTALL_MOD_PATH="$kdir/root" modules_install >>"$log" 2>&1 ||
	fail "make modules_install"
[ -e "$kdir/root/lib/modules/$kver/modules.builtin" ] || fail "modules_install (no modules.builtin)"
cp "$kdir/build/arch/x86/boot/bzImage" "$kdir/vmlinuz"
touch "$kdir/vmlinux.none"
cp "$kdir/build/.config" "$kdir/config"
mkdir "$kdir/keep"
mv "$kdir/build/vmlinux" "$kdir/build/System.map" "$kdir/keep/"
# "make clean" keeps what external modules build against and frees the
# objects (most of the tree's growth).
make -C "$kdir/build" clean >>"$log" 2>&1 || fail "make clean"
mv "$kdir/keep/vmlinux" "$kdir/keep/System.map" "$kdir/build/"
rmdir "$kdir/keep"
printf '%s\n%s\n' "$src_pkg" "$version" >"$kdir/package"
mv "$log" "$kdir/build.log"
touch "$kdir/.complete"

# Builds of older inputs go once unused for a day (every use touches the
# current one).
find "$KERNEL_CACHE" -maxdepth 1 -name '*-lyncedge-debug-*' -mtime +1 \
	! -path "$kdir" -exec rm -rf {} + 2>/dev/null || true
echo "$kver"
