#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of the bash completion (completion/lyncedge): sources it in a clean
# bash and checks COMPREPLY for command lines, as bash would split them.
# Prints TAP; exits 1 on any mismatch.
#
# usage: completion_test.sh

SCRIPT=$(cd "$(dirname "$0")" && pwd)/completion/lyncedge

exec bash --norc --noprofile -s "$SCRIPT" <<'TEST'
SCRIPT=$1
tests=0
failures=0

# shellcheck source=completion/lyncedge
source "$SCRIPT" || { echo "Bail out! cannot source $SCRIPT"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
mkdir confs
touch site.conf partners.txt 'with space.txt' confs/a.conf

# check "WANT" WORD... : complete the last WORD (the word under the
# cursor, maybe empty) of the command line WORD...; WANT is COMPREPLY
# sorted, joined by spaces.
check() {
	local want=$1 got
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_lyncedge lyncedge "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	if ((${#COMPREPLY[@]})); then
		got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | paste -sd ' ')
		# A lone empty word is a candidate too, not "no candidates".
		[ -n "$got" ] || got='<empty word>'
	else
		got=
	fi
	tests=$((tests + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $tests - '$*|'"
	else
		failures=$((failures + 1))
		echo "not ok $tests - '$*|'"
		echo "# want: '$want'"
		echo "#  got: '$got'"
	fi
}

tests=$((tests + 1))
if complete -p lyncedge 2>/dev/null | grep -q -- '-F _lyncedge'; then
	echo "ok $tests - complete -F _lyncedge lyncedge is registered"
else
	failures=$((failures + 1))
	echo "not ok $tests - complete -F _lyncedge lyncedge is registered"
fi

all='add del explain flush help list log mode profile profiles reset-counters restore save show test'
sets='access av clients edge messenger partners webconf'
profiles='base federation ocs2007 pic remote-users xmpp'
files='confs partners.txt site.conf with space.txt'

check "$all" lyncedge ''
check 'reset-counters restore' lyncedge re
check 'save show' lyncedge s
check '--help --json --netns --version -h -j -n' lyncedge -
check '--help --json --netns --version' lyncedge --
# -n's word is a namespace's name, from ip netns (here, two made up).
_lyncedge_netns_names() { printf '%s\n' gw le-ha-gw1; }
check 'gw le-ha-gw1' lyncedge -n ''
check 'le-ha-gw1' lyncedge --netns le
check 'le-ha-gw1' lyncedge -j -n le
check "$all" lyncedge -n gw ''
check "$all" lyncedge -j --netns gw ''
check 'mode' lyncedge -n gw mo
check 'edge' lyncedge -n gw -j add e
check '--json --netns -j -n' lyncedge -n gw -
check '--version' lyncedge --v
check "$all" lyncedge -j ''
check 'list log' lyncedge -j l
check 'profile profiles' lyncedge pro
check 'profile profiles' lyncedge -j pro
check "$all" lyncedge --json ''
check '--json --netns -j -n' lyncedge -j -
check '' lyncedge --version ''
check '' lyncedge -h ''

check "$sets" lyncedge add ''
check 'partners' lyncedge add p
check "$sets" lyncedge del ''
check 'edge' lyncedge -j del e
check '-f' lyncedge add partners -
check '' lyncedge add partners ''
check '' lyncedge add partners 198.51.100.0/24 ''
check "$files" lyncedge add partners -f ''
check 'partners.txt' lyncedge del partners -f pa
check 'confs/a.conf' lyncedge add edge -f confs/
check '' lyncedge add edge -f partners.txt ''

check 'access all av clients edge messenger partners webconf' lyncedge flush ''
check 'access all av' lyncedge flush a
check 'all' lyncedge flush al
check '' lyncedge flush all ''
check "$sets" lyncedge test ''
check 'messenger' lyncedge test m
check '' lyncedge test edge ''
check "$sets" lyncedge -j list ''
check 'clients' lyncedge list c

check 'enforce monitor off' lyncedge mode ''
check 'enforce' lyncedge mode e
check '' lyncedge mode enforce ''
check 'off on' lyncedge log ''
check 'on' lyncedge log on

check 'disable enable' lyncedge profile ''
check 'enable' lyncedge profile en
check "$profiles" lyncedge profile enable ''
check 'remote-users' lyncedge profile enable r
check "$profiles" lyncedge profile enable base ''
check "${profiles/ pic/}" lyncedge profile disable ''
check '' lyncedge profile disable p
check 'ocs2007' lyncedge profile disable xmpp o
check '' lyncedge profile bogus ''
check '' lyncedge profiles ''
check 'access av' lyncedge add a
check 'webconf' lyncedge flush w
check 'av' lyncedge restore --set av

check 'tcp udp' lyncedge explain ''
check 'udp' lyncedge -j explain u
check '' lyncedge explain tcp ''
check '' lyncedge explain tcp 198.51.100.20 ''

check "$files" lyncedge restore ''
check 'site.conf' lyncedge restore si
check 'with space.txt' lyncedge restore wi
check '--set' lyncedge restore -
check "$sets" lyncedge restore --set ''
check 'partners' lyncedge restore --set pa
check "$files" lyncedge restore --set partners ''
check '' lyncedge restore --set partners partners.txt ''
check '' lyncedge restore site.conf ''

check '' lyncedge show ''
check '' lyncedge save ''
check '' lyncedge reset-counters ''
check '' lyncedge help ''
check '' lyncedge bogus ''

echo "1..$tests"
[ "$failures" = 0 ]
TEST
