#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# forward.sh OUTDIR: the forwarding benchmark, run inside the VM as root
# (selftests/qemu/run.sh). Writes OUTDIR/forwarding.csv:
#
#   scenario,variant,prefixes,rep,pps
#
#   forward  the sample sets of the selftests, a stream the table allows
#            (edge -> messenger, UDP 3478: row 5, ~1000 flows a family by
#            source port); variants nofilter, conntrack, lyncedge, nft,
#            ipset; prefixes 2 (messenger's size)
#   nonedge  the sample sets, the same stream between addresses in no set;
#            variants conntrack, lyncedge; prefixes 0
#   scale    10, 1000, 10000, 100000 prefixes in messenger, mixed
#            IPv4/IPv6, non-overlapping, /8../32 and /16../128
#            (gen_prefixes.py); a stream from edge to a pool of 4096
#            addresses a family (IPv4 in turn, IPv6 at random), 1/16 of
#            them in messenger, so most packets miss; variants conntrack,
#            lyncedge, nft, ipset. Row 5 consults messenger for the
#            destination: pktgen varies IPv6 destinations only, not
#            sources, so the stream goes from edge rather than to it
#            (row 6); the table's work is the same (both rows are tried).
#
# Topology (namespace names get a per-run suffix):
#
#   lefw-snd        lefw-gw                              lefw-rcv
#   snd0 ------ gin 10.99.0.1  [filter]  gout 10.99.1.1 ------ rcv0 10.99.1.2
#                   fd00:99::1                fd00:99:1::1       fd00:99:1::2
#                   pktgen injects here       default routes     tc: drop all
#
# Traffic: pktgen in the gateway's namespace, in "netif_receive" mode: it
# hands each frame to gin's receive path as a NIC driver would, so the
# gateway does all the work of a received packet (IP, conntrack, the
# filter, routing, the transmit to gout) and no sender stack adds its own
# cost. Two pktgen devices on one thread alternate packet by packet (a 1 ns
# "delay" makes the thread pick them in turn): the stream is IPv4 and IPv6
# mixed, one packet each in turn, UDP with offloaded checksums, 80-byte frames. Neighbours are
# static; the receiver drops everything at tc ingress, before its own IP
# stack. UDP flows that see no reply stay in conntrack state NEW, so every
# packet goes through the table's rows, which is the cost measured.
#
# What is counted: the packets pktgen handed to the gateway (its
# pkts-sofar counter) per second, in a fixed window after a warm-up, read
# in parts of which the fastest counts (see measure). netif_receive_skb
# runs the gateway's whole receive and forward path before it returns
# (the transmit to gout queues the packet to the receiver's backlog,
# drained on the same CPU before the next packet), so a packet counted is
# a packet processed; no backlog or queue is in between to fill or drop.
# Each window also reads gout's transmit counter: every variant forwards
# every packet (see below), and a window where they differ by more than 1%
# is reported, since it would no longer measure the same work. pps is
# then 1/(cost of the whole path), and 1e9/pps differences between
# variants are the filter's extra ns per packet (dns), whatever pktgen
# and the receiver cost.
#
# Variants (one at a time; what the others installed is removed, hooks
# included, before the next one runs):
#   nofilter   no rules; nothing holds conntrack, so its hooks are not
#              registered in the gateway's namespace (checked at start:
#              no conntrack entry appears)
#   conntrack  conntrack only: an nft table whose one chain is no base
#              chain (no hook) but holds a "ct state" rule, the least that
#              makes nf_conntrack register its hooks; it stays in place for
#              every variant but nofilter
#   lyncedge   nf_lyncedge, "lyncedge mode enforce" (off between windows)
#   nft        an inet table: named interval sets edge4, edge6, partners4,
#              ... messenger6 (loaded once per set size), and, while
#              measured, a forward base chain sending edge traffic to a
#              chain of its family with the module's order: (ICMPv6
#              neighbour discovery,) ct state established,related accept,
#              invalid drop, the six rows (source match, then destination
#              match, as the table reads), drop
#   ipset      the same with iptables-nft/ip6tables-nft (Debian's default
#              iptables) and ipset hash:net sets; its tables are deleted
#              between windows (iptables-legacy could not unhook them)
# All of them read the same prefixes: one list makes the lyncedge
# configuration, the nft sets and the ipset sets.
#
# In "scale" the filters run in their counting form: lyncedge in monitor
# mode, nft and ipset with the same rules, their drops turned into
# "continue" (nft) or no target (iptables). A dropped packet skips the
# rest of the forward path and leaves its conntrack entry unconfirmed, so
# with drops the figures would mix the filter's cost with what dropping
# saves; counting, every variant forwards every packet and does the same
# lookups. BENCH_SCALE_FORM=enforce measures the dropping form instead.
#
# Before measuring, each configuration is checked on real packets, in the
# dropping form, for each filter: an allowed flow passes, a denied flow
# does not, and passes again once the filter is removed; in scale, a
# prefix of the generated list is matched too. Conntrack is checked off
# for nofilter and on for conntrack.
#
# Rounds: every variant once per round, the order reversed every other
# round (A B C, C B A, ...), so slow drifts of the host (TCG: one host
# thread for both vCPUs, shared with whatever else runs) fall on all
# variants alike; every repetition is a row of the CSV. Progress goes to
# stderr, one line per window.
#
# Environment:
#   BENCH_SMOKE=1     1 repetition, sizes 10 and 1000, short windows
#   BENCH_REPS=N      repetitions (default 7, smoke 1)
#   BENCH_WINDOW=S    measuring window in seconds (default 1.5, smoke 0.5)
#   BENCH_SUBWINDOWS=N  parts of the window, the fastest counts (default
#                     5, smoke 2; 1: the whole window's mean)
#   BENCH_WARMUP=S    time given to each variant before its window
#                     (default 0.4, smoke 0.2)
#   BENCH_SIZES="..." scale sizes (default 10 1000 10000 100000, smoke 10 1000)
#   BENCH_SCALE_FORM  count (default) or enforce, see above
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	reps=${BENCH_REPS:-1}
	window=${BENCH_WINDOW:-0.5}
	warmup=${BENCH_WARMUP:-0.2}
	sizes=${BENCH_SIZES:-10 1000}
	subwins=${BENCH_SUBWINDOWS:-2}
else
	reps=${BENCH_REPS:-7}
	window=${BENCH_WINDOW:-1.5}
	warmup=${BENCH_WARMUP:-0.4}
	sizes=${BENCH_SIZES:-10 1000 10000 100000}
	subwins=${BENCH_SUBWINDOWS:-5}
fi
scale_form=${BENCH_SCALE_FORM:-count}

say() { printf 'forward: [%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { say "$*"; exit 1; }

[ $# -eq 1 ] || { echo "usage: forward.sh OUTDIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root (run it in the VM: selftests/qemu/run.sh)"
case $scale_form in count|enforce) ;; *) die "BENCH_SCALE_FORM: count or enforce" ;; esac
mkdir -p "$1" || die "cannot create $1"
out=$(cd "$1" && pwd)/forwarding.csv

python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
LYNCEDGE=${LYNCEDGE:-$(command -v lyncedge || echo "$repo/userspace/lyncedge")}
for t in ip tc nft ipset iptables-nft-restore ip6tables-nft-restore conntrack \
	 nsenter "$python" "$LYNCEDGE"; do
	command -v "$t" >/dev/null || die "$t not found"
done
for m in pktgen nf_conntrack nf_lyncedge ip_set ip_set_hash_net xt_set \
	 sch_ingress cls_matchall cls_flower act_gact; do
	modprobe "$m" || die "modprobe $m failed"
done

# ---- addresses ----

EDGE4=203.0.113.10
EDGE6=2001:db8:e::10
# The sample sets of selftests/lib.sh.
SAMPLE="edge $EDGE4
edge $EDGE6
partners 198.51.100.0/24
partners 2001:db8:1::/64
clients 192.0.2.0/24
clients 2001:db8:2::/64"
SAMPLE_MESSENGER="messenger 198.18.0.0/24
messenger 2001:db8:3::/64"
# The scale stream's destinations: 4096 addresses a family, the first 256
# of them in messenger (HIT4, HIT6), the others in no prefix of the set
# (gen_prefixes.py never draws from 2001:db8::/32 and is told to avoid
# 100.64.0.0/10).
POOL4_MIN=100.64.0.0
POOL4_MAX=100.64.15.255
POOL6_MIN=2001:db8:100::
POOL6_MAX=2001:db8:100::fff
HIT4=100.64.0.0/24
HIT6=2001:db8:100::/120

# ---- namespaces ----

id=$(mktemp -u XXXXXX)
SND=lefw-snd-$id
GW=lefw-gw-$id
RCV=lefw-rcv-$id
work=$(mktemp -d "${TMPDIR:-/tmp}/lefw.XXXXXX")
GWPID=
PGPID=
PGDEVS=0
GMAC=

cleanup() {
	[ -n "$PGPID" ] && pg_stop
	[ -n "$GWPID" ] && kill "$GWPID" 2>/dev/null
	printf 'netns del %s\n' "$SND" "$GW" "$RCV" | ip -force -b - 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

gw() { nsenter --net="/run/netns/$GW" "$@"; }

topo_create() {
	local rmac

	ip -b - <<-EOF || return 1
		netns add $SND
		netns add $GW
		netns add $RCV
		link add snd0 netns $SND type veth peer name gin netns $GW
		link add gout netns $GW type veth peer name rcv0 netns $RCV
	EOF
	ip -n "$SND" -b - <<-EOF || return 1
		link set lo up
		link set snd0 addrgenmode none
		link set snd0 up
	EOF
	ip -n "$RCV" -b - <<-EOF || return 1
		link set lo up
		link set rcv0 addrgenmode none
		link set rcv0 up
		addr add 10.99.1.2/24 dev rcv0
		addr add fd00:99:1::2/64 dev rcv0 nodad
	EOF
	read -r _ _ rmac _ < <(ip -n "$RCV" -br link show rcv0)
	read -r _ _ GMAC _ < <(ip -n "$GW" -br link show gin)
	[ -n "$rmac" ] && [ -n "$GMAC" ] || return 1
	gw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		>/dev/null || return 1
	ip -n "$GW" -b - <<-EOF || return 1
		link set lo up
		link set gin addrgenmode none
		link set gout addrgenmode none
		link set gin up
		link set gout up
		addr add 10.99.0.1/24 dev gin
		addr add fd00:99::1/64 dev gin nodad
		addr add 10.99.1.1/24 dev gout
		addr add fd00:99:1::1/64 dev gout nodad
		neigh add 10.99.1.2 lladdr $rmac dev gout nud permanent
		neigh add fd00:99:1::2 lladdr $rmac dev gout nud permanent
		route add default via 10.99.1.2
		route add default via fd00:99:1::2
	EOF
	gw sysctl -qw net.ipv4.conf.gin.rp_filter=0 >/dev/null || return 1
	tc -n "$RCV" qdisc add dev rcv0 clsact &&
	tc -n "$RCV" filter add dev rcv0 ingress pref 10 matchall action drop || return 1
	# A process in the gateway's namespace, to reach its /proc/net
	# (counters, pktgen) from here without starting one each time.
	nsenter --net="/run/netns/$GW" sleep 1000000 &
	GWPID=$!
	for _ in $(seq 50); do
		[ "$(readlink "/proc/$GWPID/ns/net")" = "$(readlink /proc/self/ns/net)" ] ||
			return 0
		sleep 0.1
	done
	return 1
}

# ---- pktgen ----

PG=
pgw() {	# pgw FILE COMMAND: one pktgen command, checked
	local l
	echo "$2" > "$PG/$1" || return 1
	while read -r l; do
		case $l in
		"Result: OK"*) return 0 ;;
		Result:*) break ;;
		esac
	done < "$PG/$1"
	say "pktgen $1 '$2': $l"
	return 1
}

# pg_flows FLOW...: pktgen devices on gin, one a FLOW, replacing the
# previous ones. A FLOW is "COUNT SRC DST [DSTMAX [SPORT [SPORTMAX]]]":
# COUNT packets (0: until stopped) from SRC to UDP port 3478 of DST, IPv4
# or IPv6 by SRC's form. DSTMAX (default DST): IPv4 destinations go from
# DST to DSTMAX in turn; IPv6 ones are drawn at random, bit by bit
# between DST and DSTMAX (pktgen's way). SPORT (default 3478) to SPORTMAX.
pg_flows() {
	local f i=0 d count src dst dmax sp spmax
	pgw kpktgend_0 rem_device_all || return 1
	for f in "$@"; do
		read -r count src dst dmax sp spmax <<< "$f"
		dmax=${dmax:-$dst} sp=${sp:-3478}
		spmax=${spmax:-$sp}
		d=gin@$i
		i=$((i + 1))
		pgw kpktgend_0 "add_device $d" &&
		pgw $d "xmit_mode netif_receive" &&
		pgw $d "count $count" &&
		pgw $d "clone_skb 0" &&
		pgw $d "burst 1" &&
		pgw $d "delay 1" &&
		pgw $d "pkt_size 80" &&
		pgw $d "dst_mac $GMAC" &&
		pgw $d "udp_dst_min 3478" &&
		pgw $d "udp_dst_max 3478" &&
		pgw $d "udp_src_min $sp" &&
		pgw $d "udp_src_max $spmax" &&
		pgw $d "flag UDPCSUM" || return 1
		case $src in
		*:*)
			pgw $d "src6 $src" || return 1
			if [ "$dmax" = "$dst" ]; then
				pgw $d "dst6 $dst"
			else
				pgw $d "dst6_min $dst" && pgw $d "dst6_max $dmax"
			fi ;;
		*)
			pgw $d "src_min $src" && pgw $d "src_max $src" &&
			pgw $d "dst_min $dst" && pgw $d "dst_max $dmax" ;;
		esac || return 1
	done
	PGDEVS=$i
}

# The streams measured: an IPv4 flow and an IPv6 flow, ~1000 source ports
# each (forward, nonedge) or 4096 destinations each (scale).
stream() {
	case $1 in
	forward)
		pg_flows "0 $EDGE4 198.18.0.40 198.18.0.40 10000 10999" \
			 "0 $EDGE6 2001:db8:3::40 2001:db8:3::40 10000 10999" ;;
	nonedge)
		pg_flows "0 198.19.0.50 198.19.1.50 198.19.1.50 10000 10999" \
			 "0 2001:db8:4::50 2001:db8:5::50 2001:db8:5::50 10000 10999" ;;
	scale)
		pg_flows "0 $EDGE4 $POOL4_MIN $POOL4_MAX" \
			 "0 $EDGE6 $POOL6_MIN $POOL6_MAX" ;;
	esac
}

# pg_start: the devices run until pg_stop; pg_run: until their count is
# sent. pgctrl acts on the namespace of the process writing it.
pg_start() {
	gw sh -c 'echo start > /proc/net/pktgen/pgctrl' &
	PGPID=$!
}

pg_stop() {
	gw sh -c 'echo stop > /proc/net/pktgen/pgctrl'
	wait "$PGPID" 2>/dev/null
	PGPID=
}

pg_run() { gw sh -c 'echo start > /proc/net/pktgen/pgctrl'; }

# ---- counters ----

# The counters a window reads, into globals: a command substitution would
# fork, and any work of ours while a window runs takes host time from the
# vCPU that forwards (TCG runs both vCPUs on one host thread).
# SOFAR: packets the pktgen devices have handed to the gateway.
read_sofar() {
	local i l v
	SOFAR=0
	for ((i = 0; i < PGDEVS; i++)); do
		while read -r l v _; do
			if [ "$l" = pkts-sofar: ]; then
				SOFAR=$((SOFAR + v))
				break
			fi
		done < "$PG/gin@$i"
	done
}

# TX: packets the gateway has forwarded to gout: sent, or dropped by the
# veth when the receiver's backlog was full (when the host starves the
# VM, the softirq that drains it can fall behind; the gateway's work on
# those packets was done all the same).
read_tx() {
	local l c
	while read -r l; do
		case $l in gout:*)
			read -r -a c <<< "${l#gout:}"
			TX=$((c[9] + c[11]))
			return ;;
		esac
	done < "/proc/$GWPID/net/dev"
}

# nap SECONDS: sleep without starting a process (a read that times out).
nap() { read -r -t "$1" -u "$NAPFD"; }

# Check-phase counting at the receiver: UDP to port 3478 only (not the
# gateway's own multicast listener reports), by flower filters put before
# the drop-all one while checks run.
rcv_count_on() {
	tc -n "$RCV" -b - <<-EOF || return 1
		filter add dev rcv0 ingress pref 1 protocol ip flower ip_proto udp dst_port 3478 action drop
		filter add dev rcv0 ingress pref 2 protocol ipv6 flower ip_proto udp dst_port 3478 action drop
	EOF
	rcv_count
}

rcv_count_off() {
	tc -n "$RCV" filter del dev rcv0 ingress pref 1
	tc -n "$RCV" filter del dev rcv0 ingress pref 2
}

rcv_count() {
	RCVD=$(tc -n "$RCV" -s filter show dev rcv0 ingress |
		awk '/^filter .* pref [12] flower/ { f = 1 } /^filter .* pref 10 / { f = 0 }
		     f && /Sent [0-9]+ bytes [0-9]+ pkt/ { for (i = 1; i < NF; i++) if ($(i + 1) == "pkt") { n += $i; break } }
		     END { print n + 0 }')
}

# ---- configurations ----

# write_sample: the sample sets in every tool's form (work/sample.*).
# write_scale N: N prefixes in messenger (HIT4, HIT6 and N-2 generated).
# Each writes DIR/lyncedge.conf, DIR/sets.nft (elements of the nft table's
# sets, flushed first), DIR/sets.ipset (the ipset sets, created) and
# DIR/probe (an IPv4 and an IPv6 address of generated prefixes, for the
# check).
write_lists() {	# DIR: the three forms of DIR/sets ("SET PREFIX" lines)
	local dir=$1
	{
		echo "mode off"
		echo "log off"
		cat "$dir/sets"
	} > "$dir/lyncedge.conf"
	awk '
		BEGIN { n = split("edge partners clients messenger", s, " ")
			for (i = 1; i <= n; i++) {
				print "add set inet lefw " s[i] "4 { type ipv4_addr; flags interval; }"
				print "add set inet lefw " s[i] "6 { type ipv6_addr; flags interval; }"
				print "flush set inet lefw " s[i] "4"
				print "flush set inet lefw " s[i] "6"
			} }
		{ f = index($2, ":") ? 6 : 4
		  print "add element inet lefw " $1 f " { " $2 " }" }
	' "$dir/sets" > "$dir/sets.nft"
	awk '
		BEGIN { n = split("edge partners clients messenger", s, " ")
			for (i = 1; i <= n; i++) {
				print "create " s[i] "4 hash:net family inet hashsize 1024 maxelem 1048576"
				print "create " s[i] "6 hash:net family inet6 hashsize 1024 maxelem 1048576"
			} }
		{ f = index($2, ":") ? 6 : 4
		  print "add " $1 f " " $2 }
	' "$dir/sets" > "$dir/sets.ipset"
}

write_sample() {
	local dir=$work/sample
	mkdir -p "$dir"
	printf '%s\n%s\n' "$SAMPLE" "$SAMPLE_MESSENGER" > "$dir/sets"
	write_lists "$dir"
}

write_scale() {
	local n=$1 dir=$work/scale-$1 gen
	mkdir -p "$dir"
	gen=$((n - 2))
	# One element a line is slow for nft at 100k: let gen_prefixes.py
	# write the nft and ipset forms of messenger in its batched form.
	"$python" "$here/gen_prefixes.py" --count "$gen" --seed 11 \
		--exclude 100.64.0.0/10 --set messenger --table lefw \
		--format lyncedge --emit "nft=$dir/gen.nft" \
		--emit "ipset=$dir/gen.ipset" > "$dir/gen.lyncedge" ||
		return 1
	printf '%s\nmessenger %s\nmessenger %s\n' "$SAMPLE" "$HIT4" "$HIT6" > "$dir/sets"
	write_lists "$dir"
	cat "$dir/gen.lyncedge" >> "$dir/lyncedge.conf"
	# gen.nft declares the messenger sets again ("add set" of an existing
	# set is a no-op) and adds its elements after the flush.
	cat "$dir/gen.nft" >> "$dir/sets.nft"
	# messenger4/6 as gen_prefixes.py declares them: hash sizes for the
	# count, as "ipset save" of the loaded sets would give.
	{
		grep '^create ' "$dir/gen.ipset"
		grep -v '^create messenger' "$dir/sets.ipset"
		grep '^add ' "$dir/gen.ipset"
	} > "$dir/all.ipset" && mv "$dir/all.ipset" "$dir/sets.ipset"
	# A forwardable unicast address in one generated prefix of each
	# family: its first address.
	local p a4="" a6="" g
	while read -r _ p; do
		p=${p%/*}
		case $p in
		*:*)
			[ -z "$a6" ] || continue
			g=${p%%:*}
			# Not ::/8, fe80::/10 (link-local), ff00::/8 (multicast).
			[ $((16#${g:-0})) -ge $((16#100)) ] &&
			[ $((16#${g:-0} & 16#ffc0)) -ne $((16#fe80)) ] &&
			[ $((16#${g:-0})) -lt $((16#ff00)) ] && a6=$p ;;
		*)
			[ -z "$a4" ] || continue
			g=${p%%.*}
			[ "$g" -ge 1 ] && [ "$g" -le 223 ] && [ "$g" -ne 10 ] &&
			[ "$g" -ne 127 ] && a4=$p ;;
		esac
		[ -n "$a4" ] && [ -n "$a6" ] && break
	done < "$dir/gen.lyncedge"
	[ -n "$a4" ] && [ -n "$a6" ] || return 1
	echo "$a4 $a6" > "$dir/probe"
}

# The nft policy, in form enforce or count (drops become "continue"): a
# forward base chain sends edge traffic to the chain of its family.
nft_policy() {
	local form=$1 deny=drop f ip c
	[ "$form" = count ] && deny="continue"
	echo "add chain inet lefw hook_forward { type filter hook forward priority filter; policy accept; }"
	for f in 4 6; do
		ip=ip
		[ $f = 6 ] && ip=ip6
		c="add rule inet lefw edge_policy$f"
		echo "add chain inet lefw edge_policy$f"
		[ $f = 6 ] && echo "$c icmpv6 type { nd-router-solicit, nd-router-advert," \
				   "nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } accept"
		cat <<-EOF
			$c ct state established,related accept
			$c ct state invalid $deny
			$c tcp dport 5061 $ip saddr @partners$f $ip daddr @edge$f accept
			$c tcp dport 5061 $ip saddr @edge$f $ip daddr @partners$f accept
			$c tcp dport 443 $ip saddr @clients$f $ip daddr @edge$f accept
			$c tcp dport 50000-59999 $ip saddr @edge$f $ip daddr @messenger$f accept
			$c udp dport 3478 $ip saddr @edge$f $ip daddr @messenger$f accept
			$c udp dport 3478 $ip saddr @messenger$f $ip daddr @edge$f accept
			$c $deny
			add rule inet lefw hook_forward $ip saddr @edge$f goto edge_policy$f
			add rule inet lefw hook_forward $ip daddr @edge$f goto edge_policy$f
		EOF
	done
}

# The same for iptables-nft-restore (FAMILY 4) or ip6tables-nft-restore (6).
ipt_policy() {
	local form=$1 f=$2 deny="-j DROP" t
	[ "$form" = count ] && deny=""
	echo "*filter"
	echo ":FORWARD ACCEPT [0:0]"
	echo ":edge_policy - [0:0]"
	echo "-A FORWARD -m set --match-set edge$f src -g edge_policy"
	echo "-A FORWARD -m set --match-set edge$f dst -g edge_policy"
	if [ "$f" = 6 ]; then
		for t in 133 134 135 136 137; do
			echo "-A edge_policy -p ipv6-icmp -m icmp6 --icmpv6-type $t -j ACCEPT"
		done
	fi
	echo "-A edge_policy -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
	echo "-A edge_policy -m conntrack --ctstate INVALID $deny"
	cat <<-EOF
		-A edge_policy -p tcp --dport 5061 -m set --match-set partners$f src -m set --match-set edge$f dst -j ACCEPT
		-A edge_policy -p tcp --dport 5061 -m set --match-set edge$f src -m set --match-set partners$f dst -j ACCEPT
		-A edge_policy -p tcp --dport 443 -m set --match-set clients$f src -m set --match-set edge$f dst -j ACCEPT
		-A edge_policy -p tcp --dport 50000:59999 -m set --match-set edge$f src -m set --match-set messenger$f dst -j ACCEPT
		-A edge_policy -p udp --dport 3478 -m set --match-set edge$f src -m set --match-set messenger$f dst -j ACCEPT
		-A edge_policy -p udp --dport 3478 -m set --match-set messenger$f src -m set --match-set edge$f dst -j ACCEPT
	EOF
	echo "-A edge_policy $deny"
	echo "COMMIT"
}

write_policies() {
	local form f
	for form in enforce count; do
		nft_policy $form > "$work/policy-$form.nft"
		for f in 4 6; do
			ipt_policy $form $f > "$work/ipt$f-$form"
		done
	done
}

CT_TABLE="table inet lefw_ct { chain ctref { ct state established,related accept; }; }"

# load DIR: the configuration of DIR into lyncedge (mode off), the nft
# table's sets and the ipset sets. Nothing is hooked afterwards.
load() {
	local dir=$1 t0=$EPOCHREALTIME
	gw "$LYNCEDGE" restore "$dir/lyncedge.conf" || return 1
	{ echo "add table inet lefw"; cat "$dir/sets.nft"; } | gw nft -f - || return 1
	# The iptables rules of the last ipset window may still be
	# releasing their references to the sets.
	for _ in $(seq 20); do
		gw ipset destroy 2>/dev/null && break
		sleep 0.2
	done
	gw ipset restore -file "$dir/sets.ipset" || return 1
	say "loaded $(basename "$dir") in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
}

# on VARIANT FORM / off VARIANT: hook a variant in (FORM enforce or count)
# and remove it again, hooks included.
on() {
	case $1 in
	nofilter) gw nft delete table inet lefw_ct ;;
	conntrack) ;;
	lyncedge)
		if [ "$2" = enforce ]; then
			gw "$LYNCEDGE" mode enforce
		else
			gw "$LYNCEDGE" mode monitor
		fi ;;
	nft) gw nft -f "$work/policy-$2.nft" ;;
	ipset)
		gw iptables-nft-restore "$work/ipt4-$2" &&
		gw ip6tables-nft-restore "$work/ipt6-$2" ;;
	esac
}

off() {
	case $1 in
	nofilter) gw nft "$CT_TABLE" ;;
	conntrack) ;;
	lyncedge) gw "$LYNCEDGE" mode off ;;
	nft)
		gw nft -f - <<-EOF
			flush chain inet lefw hook_forward
			delete chain inet lefw hook_forward
			flush chain inet lefw edge_policy4
			delete chain inet lefw edge_policy4
			flush chain inet lefw edge_policy6
			delete chain inet lefw edge_policy6
		EOF
		;;
	ipset)
		gw nft -f - <<-EOF
			delete table ip filter
			delete table ip6 filter
		EOF
		;;
	esac
}

# ---- checks ----

FAILED=0

# expect_flows WHAT FLOW...: send the FLOWs at once and check what reached
# the receiver since the last rcv_count. A FLOW here is "pass|drop SRC
# DST"; the i-th sends 2^i packets, so the count tells which flows passed.
expect_flows() {
	local what=$1 f i=0 want=0 got n0=$RCVD dev=() w src dst
	shift
	for f in "$@"; do
		read -r w src dst <<< "$f"
		dev+=("$((1 << i)) $src $dst")
		[ "$w" = pass ] && want=$((want + (1 << i)))
		i=$((i + 1))
	done
	if ! pg_flows "${dev[@]}" || ! pg_run; then
		say "CHECK FAILED: $what: cannot send"
		FAILED=1
		return
	fi
	rcv_count
	got=$((RCVD - n0))
	[ "$got" -eq "$want" ] && return
	FAILED=1
	i=0
	for f in "$@"; do
		read -r w src dst <<< "$f"
		[ $(((got ^ want) >> i & 1)) -eq 1 ] &&
			say "CHECK FAILED: $what: $src -> $dst:3478 did not $w"
		i=$((i + 1))
	done
	[ $((got >> i)) -eq 0 ] || say "CHECK FAILED: $what: $got packets for $want"
}

# check_filters PASS4 PASS6 DROP4 DROP6 [PASS4 PASS6]: each filter, in
# its dropping form, passes the flows from edge to PASS destinations and
# drops those to DROP destinations; once it is removed, these pass too.
check_filters() {
	local v pass=() drop=("drop $EDGE4 $3" "drop $EDGE6 $4")
	pass=("pass $EDGE4 $1" "pass $EDGE6 $2")
	[ $# -ge 6 ] && pass+=("pass $EDGE4 $5" "pass $EDGE6 $6")
	for v in lyncedge nft ipset; do
		if ! on $v enforce; then
			say "CHECK FAILED: $v does not load"
			FAILED=1
			continue
		fi
		expect_flows "$v" "${pass[@]}" "${drop[@]}"
		off $v
		expect_flows "$v removed" "pass $EDGE4 $3" "pass $EDGE6 $4"
	done
}

# Conntrack hooked for "conntrack" and not for "nofilter": a new flow
# makes an entry, or none.
check_conntrack() {
	local n flows=("pass 198.19.0.50 198.19.1.50" "pass 2001:db8:4::50 2001:db8:5::50")
	gw conntrack -F 2>/dev/null
	expect_flows "conntrack" "${flows[@]}"
	n=$(gw conntrack -C)
	[ "${n:-0}" -gt 0 ] || { say "CHECK FAILED: conntrack holds no entry with the ct table"; FAILED=1; }
	on nofilter
	# nft releases the conntrack reference of a deleted rule after the
	# commit, in a work item.
	sleep 0.5
	gw conntrack -F 2>/dev/null
	expect_flows "nofilter" "${flows[@]}"
	n=$(gw conntrack -C)
	[ "${n:-1}" -eq 0 ] || { say "CHECK FAILED: nofilter: conntrack made $n entries"; FAILED=1; }
	off nofilter
}

# ---- measuring ----

echo "scenario,variant,prefixes,rep,pps" > "$out" || die "cannot write $out"

# measure SCENARIO VARIANT PREFIXES REP: one window, one CSV row. The
# window is read in $subwins parts and the row gets the fastest part's
# rate: interference (the host's other work, which under TCG takes time
# from the guest's one host thread) only ever slows a part down, so the
# fastest one is the closest to what the variant costs; every variant is
# read the same way. BENCH_SUBWINDOWS=1 gives packets / window.
measure() {
	local i p0 t0 x0 t dp dt sub best=0 whole fwd
	nap "$warmup"
	read_sofar; read_tx
	t0=${EPOCHREALTIME/./}
	p0=$SOFAR x0=$TX t=$t0
	for ((i = 0; i < subwins; i++)); do
		nap "$subwin"
		dp=$SOFAR dt=$t
		read_sofar
		t=${EPOCHREALTIME/./}
		sub=$(((SOFAR - dp) * 10000000 / (t - dt)))
		[ "$sub" -gt "$best" ] && best=$sub
	done
	read_tx
	dp=$((SOFAR - p0))
	dt=$((t - t0))
	whole=$((dp * 1000000 / dt))
	fwd=$((dp > 0 ? (TX - x0) * 1000 / dp : 0))
	echo "$1,$2,$3,$4,$((best / 10)).$((best % 10))" >> "$out"
	say "$(printf '%-8s %-6s rep %2s/%s %-9s %9s pps (window mean %s)  forwarded %d.%d%%' \
		"$1" "$3" "$4" "$reps" "$2" "$((best / 10)).$((best % 10))" "$whole" \
		$((fwd / 10)) $((fwd % 10)))"
	# (Except in scale's dropping form, which forwards only the hits.)
	if [ "$dp" -eq 0 ] || { [ "$1 $scale_form" != "scale enforce" ] &&
				 [ $((fwd < 990 || fwd > 1010)) -eq 1 ]; }; then
		say "WARNING: $1 $2: $dp packets in, $((TX - x0)) forwarded"
	fi
}

# rounds SCENARIO PREFIXES FORM VARIANT...: REPS rounds of one window a
# variant, the order reversed every other round.
rounds() {
	local scen=$1 pfx=$2 form=$3 r v order
	shift 3
	pg_start
	# The device pktgen starts first runs alone for as many packets as
	# it started nanoseconds earlier (the 1 ns delay); then they alternate.
	nap 0.5
	for r in $(seq "$reps"); do
		if [ $((r % 2)) -eq 1 ]; then
			order=("$@")
		else
			order=()
			for v in "$@"; do order=("$v" "${order[@]}"); done
		fi
		for v in "${order[@]}"; do
			on "$v" "$form" || die "$v: cannot hook it in"
			measure "$scen" "$v" "$pfx" "$r"
			off "$v" || die "$v: cannot remove it"
		done
	done
	pg_stop
}

SECONDS=0
subwin=$(awk -v w="$window" -v n="$subwins" 'BEGIN { printf "%.3f", w / n }')
mkfifo "$work/nap" || die "cannot make a fifo in $work"
exec {NAPFD}<>"$work/nap"
say "reps $reps, window ${window} s, warm-up ${warmup} s, sizes $sizes, scale form $scale_form"
topo_create || die "cannot build the topology"
PG=/proc/$GWPID/net/pktgen
write_policies
write_sample
gw nft "$CT_TABLE" || die "cannot add the conntrack table"

load "$work/sample" || die "cannot load the sample configuration"
rcv_count_on || die "cannot add the receiver's counting filters"
check_conntrack
check_filters 198.18.0.40 2001:db8:3::40 198.19.0.50 2001:db8:4::50
rcv_count_off
[ "$FAILED" -eq 0 ] || die "the sample configuration failed its checks: no figures"

stream forward || die "pktgen setup failed"
rounds forward 2 enforce nofilter conntrack lyncedge nft ipset
stream nonedge || die "pktgen setup failed"
rounds nonedge 0 enforce conntrack lyncedge

for n in $sizes; do
	write_scale "$n" || die "cannot generate $n prefixes"
	load "$work/scale-$n" || die "cannot load $n prefixes"
	read -r x4 x6 < "$work/scale-$n/probe"
	rcv_count_on || die "cannot add the receiver's counting filters"
	check_filters 100.64.0.1 2001:db8:100::5 100.64.8.1 2001:db8:100::f00 "$x4" "$x6"
	rcv_count_off
	[ "$FAILED" -eq 0 ] || die "$n prefixes: checks failed: no figures"
	stream scale || die "pktgen setup failed"
	rounds scale "$n" "$scale_form" conntrack lyncedge nft ipset
done

say "done: $out"
