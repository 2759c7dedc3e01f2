#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the man page lyncedge.8 (beside this script):
#  - it renders without a single groff warning (groff -ww, for the devices
#    groff-base has, and through man-db's "man --warnings -l" when man is
#    installed);
#  - every command "lyncedge help" lists has an entry (a tag at the start of
#    a line) in its COMMANDS section;
#  - with FAKE_GENL_SO (built from fake_genl.c, which holds the module's
#    matching core), its PROFILES AND ROWS section lists exactly the rows
#    "lyncedge profiles" prints, profile by profile, column by column.
# Exits 0 when all holds, 1 otherwise, printing why; 2 on bad usage.
#
# usage: man_test.sh [PATH_TO_LYNCEDGE [FAKE_GENL_SO]]

LYNCEDGE=${1:-./lyncedge}
FAKE=${2:-}
PAGE=$(dirname "$0")/lyncedge.8
failures=0

fail() {
	echo "man_test: $*" >&2
	failures=$((failures + 1))
}

if [ ! -r "$PAGE" ]; then
	echo "man_test: cannot read $PAGE" >&2
	exit 2
fi
if ! command -v groff >/dev/null; then
	echo "man_test: groff not found (apt-get install groff-base)" >&2
	exit 2
fi
if [ ! -x "$LYNCEDGE" ]; then
	echo "man_test: $LYNCEDGE is not an executable (usage: man_test.sh PATH_TO_LYNCEDGE)" >&2
	exit 2
fi

# 1. No warnings.
for dev in ps utf8 ascii; do
	warnings=$(groff -man -ww -z -T"$dev" "$PAGE" 2>&1)
	[ -z "$warnings" ] ||
		fail "groff -man -ww -T$dev warns:"$'\n'"$warnings"
done
if command -v man >/dev/null; then
	for width in 80 60 120; do
		warnings=$(LC_ALL=C.UTF-8 MANWIDTH=$width \
			   man --warnings -l "$PAGE" 2>&1 >/dev/null)
		[ -z "$warnings" ] ||
			fail "man --warnings -l at width $width warns:"$'\n'"$warnings"
	done
else
	echo "man_test: man not found, only groff checked" >&2
fi

# 2. The commands of "lyncedge help": the first word of each line of its
# "Commands:" block indented by two spaces (a help text on a line of its
# own is indented further).
help=$("$LYNCEDGE" help 2>&1)
status=$?
[ "$status" = 0 ] || fail "'$LYNCEDGE help' exited $status: $help"
commands=$(printf '%s\n' "$help" | awk '
	/^Commands:/ { inside = 1; next }
	inside && /^[^ \t]/ { inside = 0 }
	inside && /^  [a-z][a-z-]*([ \t]|$)/ { print $1 }' | sort -u)
[ -n "$commands" ] ||
	fail "no command list (a \"Commands:\" block) in '$LYNCEDGE help'"

# The COMMANDS section as text: its entries' tags start at the section's
# indent. A long line length keeps each tag on one line.
section=$(groff -man -Tascii -P-cbou -rLL=300n "$PAGE" 2>/dev/null | awk '
	/^COMMANDS$/ { inside = 1; next }
	/^[A-Z]/ { inside = 0 }
	inside')
[ -n "$section" ] || fail "no COMMANDS section in $PAGE"

for cmd in $commands; do
	printf '%s\n' "$section" | grep -qE "^ {7}$cmd( |$)" ||
		fail "command '$cmd' (from lyncedge help) has no entry in the COMMANDS section of $PAGE"
done

# 3. The rows, as "PROFILE LABEL SERVICE PROTO PORT MATCH FROM TO" lines:
# from the core through lyncedge profiles, and from the page, where each
# profile is a subsection holding a table of its rows.
rows_checked=0
if [ -n "$FAKE" ]; then
	core_rows=$(LD_PRELOAD=$FAKE "$LYNCEDGE" profiles | awk '
		/^[a-z0-9-]+ \((on|off)\)/ { profile = $1; next }
		/^  row / { next }
		/^  [^ ]/ { print profile, $1, $2, $3, $4, $5, $6, $7 }')
	page_rows=$(groff -man -Tascii -P-cbou -rLL=300n "$PAGE" 2>/dev/null | awk '
		/^PROFILES AND ROWS$/ { inside = 1; next }
		/^[A-Z]/ { inside = 0 }
		!inside { next }
		/^   [^ ]/ { profile = $1; next }
		/^       row / { next }
		/^       [0-9A-Z][0-9A-Z\/]* / && NF == 7 { print profile, $0 }' |
		awk '{ $1 = $1; print }')
	if [ -z "$core_rows" ]; then
		fail "no rows from '$LYNCEDGE profiles' with $FAKE"
	elif [ "$core_rows" != "$page_rows" ]; then
		fail "PROFILES AND ROWS in $PAGE differs from the module's rows (< module, > page):"$'\n'"$(diff <(printf '%s\n' "$core_rows") <(printf '%s\n' "$page_rows"))"
	fi
	rows_checked=$(printf '%s\n' "$core_rows" | grep -c .)
fi

if [ "$failures" != 0 ]; then
	echo "man_test: FAIL ($failures problem(s))" >&2
	exit 1
fi
echo "man_test: ok ($(printf '%s\n' "$commands" | grep -c .) commands documented, $rows_checked rows checked, no warnings)"
exit 0
