#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nft-model.sh - the verdict of nf_lyncedge modelled in nftables, behind a
# CLI that speaks enough of lyncedge's (mode, add, del, flush, test, list,
# show) for the traffic selftests. It lets a developer check the selftests
# themselves on a host that cannot load the module (never load it there):
#
#   LYNCEDGE_FAKE=1 LYNCEDGE=$PWD/selftests/tools/nft-model.sh selftests/rows.sh
#
# Two implementations of the table agreeing on every case is also a check
# of the tests. Limits: sets are nft interval sets (overlapping prefixes
# merge, so list/del differ from the module's exact prefixes), there is no
# "malformed" reason (conntrack calls such packets invalid first), and the
# messages and exit codes are not the CLI's: cli.sh and rmmod.sh need the
# real module. Needs nft and jq.

set -u
T="inet lyncedge_model"
SETS="edge partners clients messenger"
COUNTERS="r1 r2 r3 r4 r5 r6 norule invalid malformed state"
ROWS="SIP/MTLS tcp 5061 partners edge
SIP/MTLS tcp 5061 edge partners
SIP/TLS tcp 443 clients edge
RTP tcp 50000-59999 edge messenger
STUN udp 3478 edge messenger
STUN udp 3478 messenger edge"
MODES=(off monitor enforce)

# The model's table: sets, counters, the mode (an element of set "mode")
# and the base chains; the verdict chain is written by set_mode.
ensure_table() {
	local s c h
	nft list table $T >/dev/null 2>&1 && return
	{
		echo "table $T {"
		for s in $SETS; do
			echo "set ${s}4 { type ipv4_addr; flags interval; auto-merge; }"
			echo "set ${s}6 { type ipv6_addr; flags interval; auto-merge; }"
		done
		echo "set mode { type mark; elements = { 0 } }"
		for c in $COUNTERS; do
			echo "counter $c { }"
		done
		echo "chain verdict { }"
		for h in forward input output; do
			echo "chain $h { type filter hook $h priority filter; }"
		done
		echo "}"
	} | nft -f -
}

get_mode() {
	local m
	m=$(nft -j list set $T mode | jq -r '.nftables[] | select(.set) | .set.elem[0]')
	echo "${MODES[$m]}"
}

set_mode() {
	local m=$1 n v i=0 name p port src dst f a h
	case $m in off) n=0 ;; monitor) n=1 ;; enforce) n=2 ;;
	*) echo "lyncedge: mode: unknown mode '$m'" >&2; exit 2 ;; esac
	[ "$m" = enforce ] && v=drop || v=return
	{
		echo "flush set $T mode"
		echo "add element $T mode { $n }"
		echo "flush chain $T verdict"
		for h in forward input output; do
			echo "flush chain $T $h"
			[ "$m" = off ] || echo "add rule $T $h jump verdict"
		done
		echo "add rule $T verdict meta nfproto ipv4 ip saddr != @edge4 ip daddr != @edge4 return"
		echo "add rule $T verdict meta nfproto ipv6 ip6 saddr != @edge6 ip6 daddr != @edge6 return"
		echo "add rule $T verdict icmpv6 type { 133, 134, 135, 136, 137 } return"
		echo "add rule $T verdict ct state established,related counter name state return"
		echo "add rule $T verdict ct state invalid counter name invalid $v"
		while read -r name p port src dst; do
			i=$((i + 1))
			for f in 4 6; do
				[ $f = 4 ] && a=ip || a=ip6
				echo "add rule $T verdict meta nfproto ipv$f meta l4proto $p $p dport $port" \
				     "$a saddr @$src$f $a daddr @$dst$f counter name r$i return"
			done
		done <<< "$ROWS"
		echo "add rule $T verdict counter name norule $v"
	} | nft -f -
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

set_size() {
	nft -j list set $T "$1" | jq '[.nftables[] | select(.set) | .set.elem // [] | .[]] | length'
}

show() {
	local s n4 n6 n w i=0 name p port src dst pk by r
	echo "mode: $(get_mode)"
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
	printf '  %-2s %-9s %-6s %-12s %-10s %-10s %14s %16s\n' '#' service proto dport from to packets bytes
	while read -r name p port src dst; do
		i=$((i + 1))
		read -r pk by <<< "$(counter r$i)"
		printf '  %-2s %-9s %-6s %-12s %-10s %-10s %14s %16s\n' $i "$name" "$p" "$port" "$src" "$dst" "$pk" "$by"
	done <<< "$ROWS"
	echo "denied (dropped in enforce mode, only counted in monitor mode):"
	for r in no-rule invalid malformed; do
		read -r pk by <<< "$(counter "${r//-/}")"
		printf '  %-14s packets %s bytes %s\n' $r "$pk" "$by"
	done
	read -r pk by <<< "$(counter state)"
	echo "accepted by conntrack state (established, related): packets $pk bytes $by"
}

[ $# -ge 1 ] || { echo "lyncedge: no command given" >&2; exit 2; }
ensure_table
cmd=$1
shift
case $cmd in
mode)
	[ $# -eq 1 ] || { echo "lyncedge: mode: want one argument" >&2; exit 2; }
	set_mode "$1" ;;
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
	nft get element $T "$1$(family "$2")" "{ $2 }" >/dev/null 2>&1 ;;
list)
	[ $# -eq 1 ] || { echo "lyncedge: list: want SET" >&2; exit 2; }
	check_set "$1"
	for f in 4 6; do
		nft -j list set $T "$1$f" | jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] |
			if type == "string" then . elif .prefix then "\(.prefix.addr)/\(.prefix.len)"
			else "\(.range[0])-\(.range[1])" end'
	done ;;
show)
	show ;;
*)
	echo "lyncedge: unknown command '$cmd'" >&2
	exit 2 ;;
esac
