#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --strict over the kernel code. The script comes from Debian's
# linux-source-6.1 at run time (never copied into the repo) and is cached in
# build/checkpatch. Exit status: 0 only when it reports nothing at all
# (errors, warnings and --strict checks alike).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=${LYNCEDGE_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
dir=$top/build/checkpatch

if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	[ -r "$tarball" ] || { echo "checkpatch.sh: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 4; }
	mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir" --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
fi

cd "$top"
# compat.h exists to compare LINUX_VERSION_CODE; that warning is its purpose.
"$dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore LINUX_VERSION_CODE \
	-f module/*.c module/*.h module/uapi/*.h | tee "$top/build/checkpatch.log"
if grep -qE ": (ERROR|WARNING|CHECK):" "$top/build/checkpatch.log"; then
	exit 1
fi
echo "checkpatch.pl --strict: no errors, warnings or checks in module/"
