#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nft-model.sh - the verdict of nf_lyncedge modelled in nftables, behind a
# CLI that speaks enough of lyncedge's (mode, log, add, del, flush, test,
# list, show, explain, profile, profiles, save, restore) for the traffic
# selftests. It lets a developer check the selftests themselves on a host
# that cannot load the module (never load it there):
#
#   LYNCEDGE_FAKE=1 LYNCEDGE=$PWD/selftests/tools/nft-model.sh selftests/rows.sh
#
# The rows come from the module's own table through table-rows
# ($TABLE_ROWS, which lib.sh exports, else build/selftests/table-rows, built
# here when missing); everything else (how a row reads its ports, the
# role sets that fall back to edge, "any", which addresses make a packet
# the module's business, first match) is modelled here from the README and
# uapi/lyncedge.h. Two implementations of the table agreeing on every case
# is also a check of the tests.
#
# The verdict chain is written again after every change, so that it can
# name, for a role set (access, webconf, av) that is empty, the edge set in
# its place, as the module reads it.
#
# Limits: sets are nft interval sets (overlapping prefixes merge, so
# list/del differ from the module's exact prefixes), there is no
# "malformed" reason (conntrack calls such packets invalid first), explain
# judges by "nft get element" lookups in bash, not in the packet path, and
# the messages, JSON and exit codes are not all the CLI's: cli.sh and
# rmmod.sh need the real module. Needs nft and jq.

set -u
T="inet lyncedge_model"
SETS="edge partners clients messenger access webconf av"
ROLE_SETS="access webconf av"
# The sets whose addresses make a packet the module's business.
EDGE_SIDE="edge access webconf av"
DENY_COUNTERS="norule invalid malformed state"
MODES=(off monitor enforce)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---- the rows, from the module's table ----

# R_* arrays, 1-based: one entry per row of table-rows' output.
R_N=0
R_PROFILE=() R_LABEL=() R_SERVICE=() R_PROTO=() R_MIN=() R_MAX=() R_MATCH=()
R_SRC=() R_DST=()
PROFILES=()		# in the module's order; [0] is pic, always on

load_rows() {
	local rows=${TABLE_ROWS:-$here/../../build/selftests/table-rows}
	local i p label svc proto lo hi match src dst seen=" "

	if [ ! -x "$rows" ]; then
		make -s -C "$here" OUT="$(dirname "$rows")" "$rows" >&2 ||
			{ echo "nft-model: cannot build $rows" >&2; exit 2; }
	fi
	while read -r i p label svc proto lo hi match src dst; do
		R_N=$i
		R_PROFILE[i]=$p R_LABEL[i]=$label R_SERVICE[i]=$svc R_PROTO[i]=$proto
		R_MIN[i]=$lo R_MAX[i]=$hi R_MATCH[i]=$match R_SRC[i]=$src R_DST[i]=$dst
		case $seen in *" $p "*) ;; *) PROFILES+=("$p"); seen+="$p " ;; esac
	done < <("$rows")
	[ "$R_N" -gt 0 ] && [ "${PROFILES[0]:-}" = pic ] ||
		{ echo "nft-model: $rows printed no table starting with pic" >&2; exit 2; }
}

profile_index() {
	local i
	for i in "${!PROFILES[@]}"; do
		[ "${PROFILES[i]}" = "$1" ] && { echo "$i"; return 0; }
	done
	return 1
}

# ---- the table's state in nftables ----

ensure_table() {
	local s i h
	nft list table $T >/dev/null 2>&1 && return
	{
		echo "table $T {"
		for s in $SETS; do
			echo "set ${s}4 { type ipv4_addr; flags interval; auto-merge; }"
			echo "set ${s}6 { type ipv6_addr; flags interval; auto-merge; }"
		done
		# The mode, log and profiles, as marks in sets: the model keeps
		# no state outside the namespace's nftables.
		echo "set mode { type mark; elements = { 0 } }"
		echo "set logging { type mark; elements = { 0 } }"
		echo "set profiles { type mark; elements = { 0 } }"
		for ((i = 1; i <= R_N; i++)); do
			echo "counter r$i { }"
		done
		for s in $DENY_COUNTERS; do
			echo "counter $s { }"
		done
		echo "chain verdict { }"
		for h in forward input output; do
			echo "chain $h { type filter hook $h priority filter; }"
		done
		echo "}"
	} | nft -f - || { echo "nft-model: cannot create the table" >&2; exit 1; }
}

set_marks() {
	nft -j list set $T "$1" | jq -r '.nftables[] | select(.set) | .set.elem // [] | .[]'
}

get_mode() { echo "${MODES[$(set_marks mode)]}"; }
get_log() { [ "$(set_marks logging)" = 1 ] && echo on || echo off; }

# Enabled profiles, as " name name " (pic included).
ENABLED=
read_profiles() {
	local i
	ENABLED=" "
	for i in $(set_marks profiles); do
		ENABLED+="${PROFILES[i]} "
	done
}

set_size() {
	nft -j list set $T "$1" | jq '[.nftables[] | select(.set) | .set.elem // [] | .[]] | length'
}

# The nft set a row endpoint reads in family F: a role set that is empty
# (in both families) stands for edge.
declare -A ROLE_EMPTY=()
read_roles() {
	local s
	for s in $ROLE_SETS; do
		ROLE_EMPTY[$s]=0
		[ "$(($(set_size "${s}4") + $(set_size "${s}6")))" -eq 0 ] && ROLE_EMPTY[$s]=1
	done
}

endpoint_set() {
	local s=$1
	case " $ROLE_SETS " in
	*" $s "*) [ "${ROLE_EMPTY[$s]}" = 1 ] && s=edge ;;
	esac
	echo "$s"
}

# write_chain: the verdict chain for the current mode, profiles and sets.
write_chain() {
	local m v n f a i p ports s d sm dm port h cond
	m=$(get_mode)
	read_profiles
	read_roles
	v="return"
	[ "$m" = enforce ] && v=drop
	{
		echo "flush chain $T verdict"
		for h in forward input output; do
			echo "flush chain $T $h"
			[ "$m" = off ] || echo "add rule $T $h jump verdict"
		done
		for f in 4 6; do
			[ $f = 4 ] && a=ip || a=ip6
			cond=
			for s in $EDGE_SIDE; do
				cond+=" $a saddr != @$s$f $a daddr != @$s$f"
			done
			echo "add rule $T verdict meta nfproto ipv$f$cond return"
		done
		echo "add rule $T verdict icmpv6 type { 133, 134, 135, 136, 137 } return"
		echo "add rule $T verdict ct state established,related counter name state return"
		echo "add rule $T verdict ct state invalid counter name invalid $v"
		for ((i = 1; i <= R_N; i++)); do
			case $ENABLED in *" ${R_PROFILE[i]} "*) ;; *) continue ;; esac
			p=${R_PROTO[i]}
			ports=${R_MIN[i]}
			[ "${R_MIN[i]}" = "${R_MAX[i]}" ] || ports=${R_MIN[i]}-${R_MAX[i]}
			s=$(endpoint_set "${R_SRC[i]}")
			d=$(endpoint_set "${R_DST[i]}")
			for f in 4 6; do
				[ $f = 4 ] && a=ip || a=ip6
				sm="" dm=""
				[ "$s" = any ] || sm=" $a saddr @$s$f"
				[ "$d" = any ] || dm=" $a daddr @$d$f"
				# A row reading either port is two rules on one
				# counter, next to each other: first match stays
				# in row order.
				for port in dport sport; do
					[ $port = sport ] && [ "${R_MATCH[i]}" != "dport|sport" ] && continue
					echo "add rule $T verdict meta nfproto ipv$f meta l4proto $p" \
					     "$p $port $ports$sm$dm counter name r$i return"
				done
			done
		done
		echo "add rule $T verdict counter name norule $v"
	} | nft -f -
}

set_mark() {	# SET VALUE
	printf 'flush set %s %s\nadd element %s %s { %s }\n' "$T" "$1" "$T" "$1" "$2" | nft -f -
}

set_mode() {
	local n
	case $1 in off) n=0 ;; monitor) n=1 ;; enforce) n=2 ;;
	*) echo "lyncedge: mode: unknown mode '$1'" >&2; exit 2 ;; esac
	set_mark mode $n
}

set_log() {
	case $1 in off) set_mark logging 0 ;; on) set_mark logging 1 ;;
	*) echo "lyncedge: log: expected on or off" >&2; exit 2 ;; esac
}

# set_profiles NAME...: exactly these (and pic) enabled.
set_profiles() {
	local p i list=0
	for p in "$@"; do
		i=$(profile_index "$p") || { echo "lyncedge: unknown profile '$p'" >&2; exit 2; }
		list+=", $i"
	done
	set_mark profiles "$list"
}

family() { case $1 in *:*) echo 6 ;; *) echo 4 ;; esac; }

check_set() {
	case " $SETS " in *" $1 "*) return ;; esac
	echo "lyncedge: unknown set '$1'" >&2
	exit 2
}

counter() {
	nft -j list counter $T "$1" |
		jq -r '.nftables[] | select(.counter) | "\(.counter.packets) \(.counter.bytes)"'
}

ports_text() {	# ROW
	if [ "${R_MIN[$1]}" = "${R_MAX[$1]}" ]; then
		echo "${R_MIN[$1]}"
	else
		echo "${R_MIN[$1]}-${R_MAX[$1]}"
	fi
}

# The CLI's row columns.
ROW_FMT='%-6s %-9s %-6s %-12s %-12s %-10s %-10s'

row_cols() {	# ROW
	# shellcheck disable=SC2059
	printf "$ROW_FMT" "${R_LABEL[$1]}" "${R_SERVICE[$1]}" "${R_PROTO[$1]}" \
		"$(ports_text "$1")" "${R_MATCH[$1]}" "${R_SRC[$1]}" "${R_DST[$1]}"
}

show() {
	local s n4 n6 n w i p pk by r
	read_profiles
	echo "mode: $(get_mode)"
	echo "log: $(get_log)"
	echo "profiles:$(for p in "${PROFILES[@]}"; do
		case $ENABLED in *" $p "*) printf ' %s' "$p" ;; esac; done)"
	echo "sets:"
	for s in $SETS; do
		n4=$(set_size "${s}4")
		n6=$(set_size "${s}6")
		n=$((n4 + n6))
		w=prefixes
		[ $n = 1 ] && w=prefix
		printf '  %-10s %5d %s (%d IPv4, %d IPv6)\n' "$s" $n $w "$n4" "$n6"
	done
	echo "rules:"
	# shellcheck disable=SC2059
	printf "    $ROW_FMT %14s %16s\n" row service proto port match from to packets bytes
	for p in "${PROFILES[@]}"; do
		case $ENABLED in *" $p "*) ;; *) continue ;; esac
		echo "  profile $p"
		for ((i = 1; i <= R_N; i++)); do
			[ "${R_PROFILE[i]}" = "$p" ] || continue
			read -r pk by <<< "$(counter "r$i")"
			printf '    %s %14s %16s\n' "$(row_cols $i)" "$pk" "$by"
		done
	done
	echo "denied (dropped in enforce mode, only counted in monitor mode):"
	for r in no-rule invalid malformed; do
		read -r pk by <<< "$(counter "${r//-/}")"
		printf '  %-14s packets %s bytes %s\n' $r "$pk" "$by"
	done
	read -r pk by <<< "$(counter state)"
	echo "accepted by conntrack state (established, related): packets $pk bytes $by"
}

profiles_cmd() {
	local p i on
	read_profiles
	for p in "${PROFILES[@]}"; do
		on=off
		case $ENABLED in *" $p "*) on=on ;; esac
		[ "$p" = "${PROFILES[0]}" ] || echo
		echo "$p ($on)"
		for ((i = 1; i <= R_N; i++)); do
			[ "${R_PROFILE[i]}" = "$p" ] && echo "  $(row_cols $i)"
		done
	done
}

is_member() {	# SET ADDRESS
	nft get element $T "$1$(family "$2")" "{ $2 }" >/dev/null 2>&1
}

# The edge-side or peer set endpoint E holds address A ("any" holds all).
endpoint_has() {	# ENDPOINT ADDRESS
	[ "$1" = any ] && return 0
	is_member "$(endpoint_set "$1")" "$2"
}

# ADDRESS:PORT as the CLI writes it, IPv6 in brackets.
host_port() {
	if [ "$(family "$1")" = 6 ]; then echo "[$1]:$2"; else echo "$1:$2"; fi
}

# explain PROTO SRC [SPORT] DST DPORT, judged in bash from the same rows
# and sets the chain reads.
explain() {
	local proto=$1 src dst sport=0 dport flow s d i m matched
	if [ $# -eq 5 ]; then
		src=$2 sport=$3 dst=$4 dport=$5
	elif [ $# -eq 4 ]; then
		src=$2 dst=$3 dport=$4
	else
		echo "lyncedge: explain: want {tcp|udp} SRC [SPORT] DST DPORT" >&2
		exit 2
	fi
	s=$src
	[ $# -eq 5 ] && s=$(host_port "$src" "$sport")
	flow="$proto $s -> $(host_port "$dst" "$dport")"
	m=
	for i in $EDGE_SIDE; do
		is_member "$i" "$src" || is_member "$i" "$dst" || continue
		m=edge
		break
	done
	if [ "$m" != edge ]; then
		echo "$flow: not edge traffic, passes untouched"
		return 0
	fi
	read_profiles
	read_roles
	for ((i = 1; i <= R_N; i++)); do
		case $ENABLED in *" ${R_PROFILE[i]} "*) ;; *) continue ;; esac
		[ "${R_PROTO[i]}" = "$proto" ] || continue
		if [ "$dport" -ge "${R_MIN[i]}" ] && [ "$dport" -le "${R_MAX[i]}" ]; then
			matched="by destination port $dport"
		elif [ "${R_MATCH[i]}" = "dport|sport" ] &&
		     [ "$sport" -ge "${R_MIN[i]}" ] && [ "$sport" -le "${R_MAX[i]}" ]; then
			matched="by source port $sport"
		else
			continue
		fi
		endpoint_has "${R_SRC[i]}" "$src" && endpoint_has "${R_DST[i]}" "$dst" || continue
		echo "$flow: allowed by row ${R_LABEL[i]} of profile ${R_PROFILE[i]}" \
		     "(${R_SERVICE[i]} $proto $(ports_text $i) ${R_SRC[i]} -> ${R_DST[i]}), $matched"
		return 0
	done
	case $(get_mode) in
	enforce) m="enforce mode drops it" ;;
	monitor) m="monitor mode counts it and lets it pass" ;;
	*) m="mode off: nothing is filtered" ;;
	esac
	echo "$flow: denied (no-rule); $m"
	return 1
}

list_set() {
	local f
	for f in 4 6; do
		nft -j list set $T "$1$f" | jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] |
			if type == "string" then . elif .prefix then "\(.prefix.addr)/\(.prefix.len)"
			else "\(.range[0])-\(.range[1])" end'
	done
}

save() {
	local p s
	read_profiles
	echo "# lyncedge configuration (nft-model.sh)"
	echo "mode $(get_mode)"
	echo "log $(get_log)"
	for p in "${PROFILES[@]:1}"; do
		case $ENABLED in *" $p "*) echo "profile $p" ;; esac
	done
	for s in $SETS; do
		list_set "$s" | sed "s/^/$s /"
	done
}

# restore [FILE|-]: the whole configuration from the file format: sets
# emptied and filled, profiles exactly those named, mode and log when given.
restore() {
	local file=${1:--} line k v mode="" log="" s
	local -a profiles=() cmds=()
	while IFS= read -r line; do
		line=${line%%#*}
		read -r k v <<< "$line"
		[ -n "${k:-}" ] || continue
		case $k in
		mode) mode=$v ;;
		log) log=$v ;;
		profile) profile_index "$v" >/dev/null ||
				{ echo "lyncedge: restore: unknown profile '$v'" >&2; exit 2; }
			 profiles+=("$v") ;;
		*) check_set "$k"
		   cmds+=("add element $T $k$(family "$v") { $v }") ;;
		esac
	done < <(if [ "$file" = - ]; then cat; else cat -- "$file"; fi)
	{
		for s in $SETS; do
			echo "flush set $T ${s}4"
			echo "flush set $T ${s}6"
		done
		printf '%s\n' "${cmds[@]}"
	} | nft -f - || exit 1
	set_profiles "${profiles[@]}"
	[ -z "$mode" ] || set_mode "$mode"
	[ -z "$log" ] || set_log "$log"
}

[ $# -ge 1 ] || { echo "lyncedge: no command given" >&2; exit 2; }
json=0
case $1 in -j|--json) json=1; shift ;; esac
[ $# -ge 1 ] || { echo "lyncedge: no command given" >&2; exit 2; }
[ $json = 0 ] || { echo "nft-model: -j is not modelled" >&2; exit 2; }
load_rows
ensure_table
cmd=$1
shift
case $cmd in
mode)
	[ $# -eq 1 ] || { echo "lyncedge: mode: want one argument" >&2; exit 2; }
	set_mode "$1" ;;
log)
	[ $# -eq 1 ] || { echo "lyncedge: log: want on or off" >&2; exit 2; }
	set_log "$1" ;;
profile)
	[ $# -ge 2 ] || { echo "lyncedge: profile: want enable|disable NAME..." >&2; exit 2; }
	read_profiles
	action=$1
	shift
	want=$ENABLED
	for p in "$@"; do
		profile_index "$p" >/dev/null || { echo "lyncedge: unknown profile '$p'" >&2; exit 2; }
		case $action in
		enable) want+="$p " ;;
		disable) [ "$p" != pic ] || { echo "lyncedge: profile disable: pic is always on" >&2; exit 2; }
			 want=${want// $p / } ;;
		*) echo "lyncedge: profile: unknown action '$action'" >&2; exit 2 ;;
		esac
	done
	# shellcheck disable=SC2086
	set_profiles $want ;;
profiles)
	profiles_cmd
	exit 0 ;;
add|del)
	[ $# -ge 2 ] || { echo "lyncedge: $cmd: missing argument" >&2; exit 2; }
	check_set "$1"
	s=$1
	shift
	for p in "$@"; do
		nft "$([ "$cmd" = add ] && echo add || echo delete) element $T $s$(family "$p") { $p }" || exit 1
	done ;;
flush)
	[ $# -eq 1 ] || { echo "lyncedge: flush: want one argument" >&2; exit 2; }
	[ "$1" = all ] && sets=$SETS || { check_set "$1"; sets=$1; }
	for s in $sets; do
		nft flush set $T "${s}4" && nft flush set $T "${s}6" || exit 1
	done ;;
test)
	[ $# -eq 2 ] || { echo "lyncedge: test: want SET ADDRESS" >&2; exit 2; }
	check_set "$1"
	is_member "$1" "$2"
	exit ;;
list)
	[ $# -eq 1 ] || { echo "lyncedge: list: want SET" >&2; exit 2; }
	check_set "$1"
	list_set "$1"
	exit 0 ;;
show)
	show
	exit 0 ;;
explain)
	explain "$@"
	exit ;;
save)
	save
	exit 0 ;;
restore)
	restore "$@" ;;
reset-counters)
	for ((i = 1; i <= R_N; i++)); do
		nft reset counter $T "r$i" >/dev/null
	done
	for s in $DENY_COUNTERS; do
		nft reset counter $T "$s" >/dev/null
	done
	exit 0 ;;
*)
	echo "lyncedge: unknown command '$cmd'" >&2
	exit 2 ;;
esac
write_chain
