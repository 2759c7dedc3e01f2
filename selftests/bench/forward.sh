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
#   profiles the scale configuration at BENCH_PROFILES_SIZE prefixes
#            (100,000) with an Edge of three addresses (webconf and av
#            have their own, access stands for edge), and a stream of
#            seven flows in turn: STUN both ways, RTP from the A/V range
#            by its source port, a scan (see PROFILES_STREAM); variants
#            conntrack, lyncedge (pic alone), lyncedge-all (every
#            profile), nft (pic's rows), nft-all (every profile's rows)
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
#   lyncedge   nf_lyncedge, "lyncedge mode enforce" (off between windows),
#              pic alone
#   lyncedge-all  the same with every profile enabled ("lyncedge profile
#              enable ..." before, "disable" after)
#   nft        an inet table: named interval sets edge4, edge6, partners4,
#              ... av6 and edgeside4/6 (loaded once per configuration),
#              and, while measured, a forward base chain sending edge
#              traffic to a chain of its family with the module's order:
#              (ICMPv6 neighbour discovery,) ct state established,related
#              accept, invalid drop, pic's rows, drop. The rows are the
#              module's own (table-rows), a rule a row and port reading:
#              an empty role set reads as edge, "any" as no address match
#   nft-all    the same with every profile's rows (26 rules a family,
#              against pic's 7)
#   ipset      nft's pic policy with iptables-nft/ip6tables-nft (Debian's
#              default iptables) and ipset hash:net sets; its tables are
#              deleted between windows (iptables-legacy could not unhook
#              them)
# All of them read the same prefixes: one list makes the lyncedge
# configuration, the nft sets and the ipset sets.
#
# In "scale" and "profiles" the filters run in their counting form: lyncedge in monitor
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
# prefix of the generated list is matched too; in profiles, flows that
# pic denies and every profile allows, and flows both deny
# (check_profiles). Conntrack is checked off
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
#   BENCH_PROFILES_SIZE=N  prefixes in the profiles scenario (default
#                     100000, smoke 1000)
#   BENCH_SCALE_FORM  count (default) or enforce, see above
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	reps=${BENCH_REPS:-1}
	window=${BENCH_WINDOW:-0.5}
	warmup=${BENCH_WARMUP:-0.2}
	sizes=${BENCH_SIZES:-10 1000}
	profiles_size=${BENCH_PROFILES_SIZE:-1000}
	subwins=${BENCH_SUBWINDOWS:-2}
else
	reps=${BENCH_REPS:-7}
	window=${BENCH_WINDOW:-1.5}
	warmup=${BENCH_WARMUP:-0.4}
	sizes=${BENCH_SIZES:-10 1000 10000 100000}
	profiles_size=${BENCH_PROFILES_SIZE:-100000}
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
# The module's rows for the nft and iptables policies (selftests/tools,
# built on the host by "make probe").
TABLE_ROWS=${TABLE_ROWS:-$repo/build/selftests/table-rows}
for t in ip tc nft ipset iptables-nft-restore ip6tables-nft-restore conntrack \
	 nsenter sysctl "$python" "$LYNCEDGE" "$TABLE_ROWS"; do
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
# The profiles scenario's Edge: the Access Edge at EDGE4/EDGE6 (access is
# empty, so edge stands for it), the Web Conferencing and A/V Edges at
# addresses of their own, in webconf and av.
WEBCONF4=203.0.113.11
WEBCONF6=2001:db8:e::11
AV4=203.0.113.12
AV6=2001:db8:e::12
PROFILES_SETS="webconf $WEBCONF4
webconf $WEBCONF6
av $AV4
av $AV6"
# Addresses in no set (198.18.0.0/15 is only in the sample messenger, which
# the generated configurations leave out).
FAR4=198.19.7.7
FAR6=2001:db8:7::7
# Its stream: new UDP flows of an Edge's external interface, seven
# pktgen devices in turn, 4096 flows each (10,000 for the A/V range), by
# what pic alone and every profile make of them:
#   STUN out   av -> the pool, 3478         row 5 for the 1/16 in
#              (IPv4, IPv6)                 messenger; else E13 (all)
#   STUN in    the pool -> av, 3478         row 6 for the 1/16 in
#              (IPv4: pktgen varies only    messenger; else E14 (all)
#              IPv4 sources)
#   STUN in    a messenger address -> av,   row 6 (both)
#              IPv6, 4096 source ports
#   RTP out    av, source port 50000..      denied (pic); E10 by its
#              59999 -> FAR, UDP 40000      source port (all)
#              (IPv4, IPv6)
#   scan       the pool -> edge, UDP 6000   denied (both)
#              to 10095 (IPv4)
# pic has 2 UDP rows; all profiles 8, three of which any address
# satisfies on one side. Every flow's packets stay NEW (no reply), so
# every packet is judged as a new flow's first.
PROFILES_STREAM=(
	"0 $AV4 $POOL4_MIN dmax=$POOL4_MAX"
	"0 $AV6 $POOL6_MIN dmax=$POOL6_MAX"
	"0 $POOL4_MIN $AV4 smax=$POOL4_MAX"
	"0 2001:db8:100::5 $AV6 sport=10000 spmax=14096"
	"0 $AV4 $FAR4 sport=50000 spmax=60000 dport=40000"
	"0 $AV6 $FAR6 sport=50000 spmax=60000 dport=40000"
	"0 $POOL4_MIN $EDGE4 smax=$POOL4_MAX dport=6000 dpmax=10096"
)
# The profiles the "all" variants enable besides pic.
ALL_PROFILES="base remote-users federation xmpp ocs2007"

# The profiles stream keeps about 40,000 unreplied flows in conntrack (30
# s each); Debian's defaults for a 2 GB VM hold fewer, and a full table
# would evict entries as the packets arrive. Room for 256k entries in 64k
# buckets, for every scenario alike (the baseline included).
conntrack_room() {
	local max buckets
	max=$(sysctl -n net.netfilter.nf_conntrack_max) &&
	buckets=$(sysctl -n net.netfilter.nf_conntrack_buckets) || return 1
	[ "$buckets" -ge 65536 ] ||
		sysctl -qw net.netfilter.nf_conntrack_buckets=65536 || return 1
	[ "$max" -ge 262144 ] ||
		sysctl -qw net.netfilter.nf_conntrack_max=262144 || return 1
	say "conntrack: max $(sysctl -n net.netfilter.nf_conntrack_max) (was $max)," \
	    "buckets $(sysctl -n net.netfilter.nf_conntrack_buckets) (was $buckets)"
}

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
# previous ones. A FLOW is "COUNT SRC DST [KEY=VALUE...]": COUNT UDP
# packets (0: until stopped) from SRC to DST, IPv4 or IPv6 by SRC's form.
# Keys:
#   dmax=A           destinations from DST to A: IPv4 ones in turn, IPv6
#                    ones drawn at random, bit by bit between DST and A
#                    (pktgen's way)
#   smax=A           IPv4 sources from SRC to A in turn (pktgen varies no
#                    IPv6 source)
#   sport=P spmax=Q  source ports from P to Q - 1 in turn (default 3478)
#   dport=P dpmax=Q  destination ports from P to Q - 1 (default 3478)
# Each field moves one step a packet: a device whose ranges all hold 4096
# values sends 4096 distinct flows over and over.
pg_flows() {
	local f i=0 d count src dst opts o dmax smax sp spmax dp dpmax
	pgw kpktgend_0 rem_device_all || return 1
	for f in "$@"; do
		read -r count src dst opts <<< "$f"
		dmax=$dst smax=$src sp=3478 spmax='' dp=3478 dpmax=''
		for o in $opts; do
			case $o in
			dmax=*) dmax=${o#*=} ;;
			smax=*) smax=${o#*=} ;;
			sport=*) sp=${o#*=} ;;
			spmax=*) spmax=${o#*=} ;;
			dport=*) dp=${o#*=} ;;
			dpmax=*) dpmax=${o#*=} ;;
			*) say "pg_flows: unknown key '$o'"; return 1 ;;
			esac
		done
		spmax=${spmax:-$sp} dpmax=${dpmax:-$dp}
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
		pgw $d "udp_dst_min $dp" &&
		pgw $d "udp_dst_max $dpmax" &&
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
			pgw $d "src_min $src" && pgw $d "src_max $smax" &&
			pgw $d "dst_min $dst" && pgw $d "dst_max $dmax" ;;
		esac || return 1
	done
	PGDEVS=$i
}

# The streams measured: an IPv4 flow and an IPv6 flow, ~1000 source ports
# each (forward, nonedge) or 4096 destinations each (scale); in profiles,
# the seven flows of PROFILES_STREAM.
stream() {
	case $1 in
	forward)
		pg_flows "0 $EDGE4 198.18.0.40 sport=10000 spmax=10999" \
			 "0 $EDGE6 2001:db8:3::40 sport=10000 spmax=10999" ;;
	nonedge)
		pg_flows "0 198.19.0.50 198.19.1.50 sport=10000 spmax=10999" \
			 "0 2001:db8:4::50 2001:db8:5::50 sport=10000 spmax=10999" ;;
	scale)
		pg_flows "0 $EDGE4 $POOL4_MIN dmax=$POOL4_MAX" \
			 "0 $EDGE6 $POOL6_MIN dmax=$POOL6_MAX" ;;
	profiles)
		pg_flows "${PROFILES_STREAM[@]}" ;;
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

# Check-phase counting at the receiver: UDP only (not the gateway's own
# multicast listener reports), by flower filters put before the drop-all
# one while checks run.
rcv_count_on() {
	tc -n "$RCV" -b - <<-EOF || return 1
		filter add dev rcv0 ingress pref 1 protocol ip flower ip_proto udp action drop
		filter add dev rcv0 ingress pref 2 protocol ipv6 flower ip_proto udp action drop
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

# write_sample: the sample sets in every tool's form (work/sample/).
# write_scale N: N prefixes in messenger (HIT4, HIT6 and N-2 generated).
# write_profiles N: the same messenger, and webconf and av addresses.
# Each writes, in its folder, sets ("SET PREFIX" lines), lyncedge.conf,
# sets.nft (the nft table's sets, flushed, then filled), sets.ipset (the
# ipset sets, created), the policies (write_policies) and, but for the
# sample, probe (an IPv4 and an IPv6 address of generated prefixes, for
# the check).
#
# Beside the module's sets, nft and ipset get edgeside4/6: edge, access,
# webconf and av in one set (an address in two of them once; the bench's
# sets hold no other overlaps), which sends a packet to the policy chain
# (the module looks in the four; one set is the cheaper way for them).
SETS="edge partners clients messenger access webconf av"
write_lists() {	# DIR: the forms of DIR/sets
	local dir=$1
	{
		echo "mode off"
		echo "log off"
		cat "$dir/sets"
	} > "$dir/lyncedge.conf"
	awk -v sets="$SETS" '
		BEGIN { n = split(sets, s, " ")
			for (i = 1; i <= n; i++) {
				print "add set inet lefw " s[i] "4 { type ipv4_addr; flags interval; }"
				print "add set inet lefw " s[i] "6 { type ipv6_addr; flags interval; }"
			}
			print "add set inet lefw edgeside4 { type ipv4_addr; flags interval; }"
			print "add set inet lefw edgeside6 { type ipv6_addr; flags interval; }"
			s[++n] = "edgeside"
			for (i = 1; i <= n; i++) {
				print "flush set inet lefw " s[i] "4"
				print "flush set inet lefw " s[i] "6"
			} }
		{ f = index($2, ":") ? 6 : 4
		  print "add element inet lefw " $1 f " { " $2 " }"
		  if ($1 ~ /^(edge|access|webconf|av)$/ && !seen[$2]++)
			print "add element inet lefw edgeside" f " { " $2 " }" }
	' "$dir/sets" > "$dir/sets.nft"
	awk -v sets="$SETS edgeside" '
		BEGIN { n = split(sets, s, " ")
			for (i = 1; i <= n; i++) {
				print "create " s[i] "4 hash:net family inet hashsize 1024 maxelem 1048576"
				print "create " s[i] "6 hash:net family inet6 hashsize 1024 maxelem 1048576"
			} }
		{ f = index($2, ":") ? 6 : 4
		  print "add " $1 f " " $2
		  if ($1 ~ /^(edge|access|webconf|av)$/ && !seen[$2]++)
			print "add edgeside" f " " $2 }
	' "$dir/sets" > "$dir/sets.ipset"
}

write_sample() {
	local dir=$work/sample
	mkdir -p "$dir"
	printf '%s\n%s\n' "$SAMPLE" "$SAMPLE_MESSENGER" > "$dir/sets"
	write_lists "$dir" && write_policies "$dir"
}

# add_generated DIR GEN: the N-2 prefixes generated in folder GEN, into
# DIR's lyncedge.conf, sets.nft and sets.ipset (after write_lists), and
# DIR/probe.
add_generated() {
	local dir=$1 gen=$2
	cat "$gen/gen.lyncedge" >> "$dir/lyncedge.conf"
	# gen.nft declares the messenger sets again ("add set" of an existing
	# set is a no-op) and adds its elements after the flush.
	cat "$gen/gen.nft" >> "$dir/sets.nft"
	# messenger4/6 as gen_prefixes.py declares them: hash sizes for the
	# count, as "ipset save" of the loaded sets would give.
	{
		grep '^create ' "$gen/gen.ipset"
		grep -v '^create messenger' "$dir/sets.ipset"
		grep '^add ' "$gen/gen.ipset"
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
	done < "$gen/gen.lyncedge"
	[ -n "$a4" ] && [ -n "$a6" ] || return 1
	echo "$a4 $a6" > "$dir/probe"
}

write_scale() {
	local n=$1 dir=$work/scale-$1
	mkdir -p "$dir"
	# One element a line is slow for nft at 100k: let gen_prefixes.py
	# write the nft and ipset forms of messenger in its batched form.
	"$python" "$here/gen_prefixes.py" --count "$((n - 2))" --seed 11 \
		--exclude 100.64.0.0/10 --set messenger --table lefw \
		--format lyncedge --emit "nft=$dir/gen.nft" \
		--emit "ipset=$dir/gen.ipset" > "$dir/gen.lyncedge" ||
		return 1
	printf '%s\nmessenger %s\nmessenger %s\n' "$SAMPLE" "$HIT4" "$HIT6" > "$dir/sets"
	write_lists "$dir" && add_generated "$dir" "$dir" && write_policies "$dir"
}

# The same messenger as scale at N (generated for it, or taken from it).
write_profiles() {
	local n=$1 dir=$work/profiles-$1 gen=$work/scale-$1
	[ -s "$gen/gen.lyncedge" ] || write_scale "$n" || return 1
	mkdir -p "$dir"
	printf '%s\n%s\nmessenger %s\nmessenger %s\n' "$SAMPLE" "$PROFILES_SETS" \
		"$HIT4" "$HIT6" > "$dir/sets"
	write_lists "$dir" && add_generated "$dir" "$gen" && write_policies "$dir"
}

# ---- policies ----

# The rows, printed from module/table.c by table-rows (TABLE_ROWS, see
# the top): "INDEX PROFILE LABEL SERVICE PROTO PORT_MIN PORT_MAX
# PORT_MATCH SRC DST" lines. nft and iptables get them as rules, so they
# run the module's rows and nothing else.

# policy_rules TOOL ROWS FAMILY DIR: the rows ROWS (pic: pic's alone;
# all: every profile's) as rules of TOOL (nft, ipt) for FAMILY (4, 6),
# in the module's order. A role set (access, webconf, av) that DIR/sets
# leaves empty stands for edge, as in the module; "any" matches any
# address; a range read "dport|sport" is two rules, one a reading.
policy_rules() {
	local tool=$1 which=$2 f=$3 dir=$4
	"$TABLE_ROWS" > "$work/rows" || return 1
	[ -s "$work/rows" ] || return 1
	awk -v tool="$tool" -v which="$which" -v f="$f" '
		FNR == NR { used[$1] = 1; next }
		function ep(name) {
			if (name == "any")
				return ""
			if (name ~ /^(access|webconf|av)$/ && !(name in used))
				name = "edge"
			return name f
		}
		which == "pic" && $2 != "pic" { next }
		{
			proto = $5; src = ep($9); dst = ep($10)
			ip = f == 4 ? "ip" : "ip6"
			n = split($8, reading, "|")
			for (i = 1; i <= n; i++) {
				if (tool == "nft") {
					r = proto " " reading[i] " " ($6 == $7 ? $6 : $6 "-" $7)
					if (src != "") r = r " " ip " saddr @" src
					if (dst != "") r = r " " ip " daddr @" dst
					print r " accept"
				} else {
					r = "-p " proto " --" reading[i] " " ($6 == $7 ? $6 : $6 ":" $7)
					if (src != "") r = r " -m set --match-set " src " src"
					if (dst != "") r = r " -m set --match-set " dst " dst"
					print r " -j ACCEPT"
				}
			}
		}' "$dir/sets" "$work/rows"
}

# nft_policy ROWS FORM DIR: the nft policy, in form enforce or count
# (drops become "continue"): a forward base chain sends edge traffic to
# the chain of its family, which reads as the module does: (ICMPv6
# neighbour discovery,) established/related, invalid, the rows, deny.
nft_policy() {
	local which=$1 form=$2 dir=$3 deny=drop f ip c
	[ "$form" = count ] && deny="continue"
	echo "add chain inet lefw hook_forward { type filter hook forward priority filter; policy accept; }"
	for f in 4 6; do
		ip=ip
		[ $f = 6 ] && ip=ip6
		c="add rule inet lefw edge_policy$f"
		echo "add chain inet lefw edge_policy$f"
		[ $f = 6 ] && echo "$c icmpv6 type { nd-router-solicit, nd-router-advert," \
				   "nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } accept"
		echo "$c ct state established,related accept"
		echo "$c ct state invalid $deny"
		policy_rules nft "$which" $f "$dir" | sed "s/^/$c /"
		[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
		echo "$c $deny"
		echo "add rule inet lefw hook_forward $ip saddr @edgeside$f goto edge_policy$f"
		echo "add rule inet lefw hook_forward $ip daddr @edgeside$f goto edge_policy$f"
	done
}

# ipt_policy ROWS FORM FAMILY DIR: the same for iptables-nft-restore
# (FAMILY 4) or ip6tables-nft-restore (6).
ipt_policy() {
	local which=$1 form=$2 f=$3 dir=$4 deny="-j DROP" t
	[ "$form" = count ] && deny=""
	echo "*filter"
	echo ":FORWARD ACCEPT [0:0]"
	echo ":edge_policy - [0:0]"
	echo "-A FORWARD -m set --match-set edgeside$f src -g edge_policy"
	echo "-A FORWARD -m set --match-set edgeside$f dst -g edge_policy"
	if [ "$f" = 6 ]; then
		for t in 133 134 135 136 137; do
			echo "-A edge_policy -p ipv6-icmp -m icmp6 --icmpv6-type $t -j ACCEPT"
		done
	fi
	echo "-A edge_policy -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
	echo "-A edge_policy -m conntrack --ctstate INVALID $deny"
	policy_rules ipt "$which" "$f" "$dir" | sed "s/^/-A edge_policy /"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	echo "-A edge_policy $deny"
	echo "COMMIT"
}

# write_policies DIR: DIR/policy-ROWS-FORM.nft and DIR/iptF-ROWS-FORM for
# ROWS pic and all, FORM enforce and count, F 4 and 6.
write_policies() {
	local dir=$1 which form f
	for which in pic all; do
		for form in enforce count; do
			nft_policy $which $form "$dir" > "$dir/policy-$which-$form.nft" ||
				return 1
			for f in 4 6; do
				ipt_policy $which $form $f "$dir" > "$dir/ipt$f-$which-$form" ||
					return 1
			done
		done
	done
}

CT_TABLE="table inet lefw_ct { chain ctref { ct state established,related accept; }; }"

# load DIR: the configuration of DIR into lyncedge (mode off, pic alone),
# the nft table's sets and the ipset sets; the variants hook DIR's
# policies in from now on. Nothing is hooked afterwards.
CUR=
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
	CUR=$dir
	say "loaded $(basename "$dir") in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
}

lyncedge_mode() {	# FORM: the mode that stands for it
	if [ "$1" = enforce ]; then
		gw "$LYNCEDGE" mode enforce
	else
		gw "$LYNCEDGE" mode monitor
	fi
}

# on VARIANT FORM / off VARIANT: hook a variant in (FORM enforce or count)
# and remove it again, hooks included. lyncedge, nft and ipset run pic's
# rows; lyncedge-all and nft-all every profile's.
on() {
	case $1 in
	nofilter) gw nft delete table inet lefw_ct ;;
	conntrack) ;;
	lyncedge) lyncedge_mode "$2" ;;
	lyncedge-all)
		# shellcheck disable=SC2086 # one word a profile
		gw "$LYNCEDGE" profile enable $ALL_PROFILES && lyncedge_mode "$2" ;;
	nft) gw nft -f "$CUR/policy-pic-$2.nft" ;;
	nft-all) gw nft -f "$CUR/policy-all-$2.nft" ;;
	ipset)
		gw iptables-nft-restore "$CUR/ipt4-pic-$2" &&
		gw ip6tables-nft-restore "$CUR/ipt6-pic-$2" ;;
	esac
}

off() {
	case $1 in
	nofilter) gw nft "$CT_TABLE" ;;
	conntrack) ;;
	lyncedge) gw "$LYNCEDGE" mode off ;;
	lyncedge-all)
		# shellcheck disable=SC2086
		gw "$LYNCEDGE" mode off && gw "$LYNCEDGE" profile disable $ALL_PROFILES ;;
	nft|nft-all)
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
# the receiver since the last rcv_count. A FLOW here is "pass|drop SRC DST
# [KEY=VALUE...]" (keys as pg_flows'; UDP 3478 to 3478 by default); the
# i-th sends 2^i packets, so the count tells which flows passed.
expect_flows() {
	local what=$1 f i=0 want=0 got n0=$RCVD dev=() w src dst opts
	shift
	for f in "$@"; do
		read -r w src dst opts <<< "$f"
		dev+=("$((1 << i)) $src $dst $opts")
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
		read -r w src dst opts <<< "$f"
		[ $(((got ^ want) >> i & 1)) -eq 1 ] &&
			say "CHECK FAILED: $what: $src -> $dst ${opts:-port 3478} did not $w"
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

# check_profiles: in the profiles configuration, each filter in its
# dropping form, with pic's rows alone (lyncedge, nft) and with every
# profile's (lyncedge-all, nft-all), passes and drops what the module's
# rows say; once it is removed, everything passes.
check_profiles() {
	local v w both extra never
	# Rows 5 and 6: a messenger peer, both ways.
	both=("pass $AV4 100.64.0.1" "pass $AV6 2001:db8:100::5"
	      "pass 2001:db8:100::5 $AV6")
	# Any address (E13, E14), and the A/V range by the source port (E10).
	extra=("$AV4 100.64.8.1" "100.64.8.1 $AV4"
	       "$AV4 $FAR4 sport=50000 dport=40000"
	       "$AV6 $FAR6 sport=59999 dport=40000")
	# A port no row opens; edge, now that av has its own addresses.
	never=("100.64.8.1 $EDGE4 dport=6000" "$EDGE4 100.64.8.1"
	       "$EDGE6 2001:db8:100::5")
	for v in lyncedge nft lyncedge-all nft-all; do
		w=drop
		[ "${v%-all}" = "$v" ] || w=pass
		if ! on $v enforce; then
			say "CHECK FAILED: $v does not load"
			FAILED=1
			continue
		fi
		expect_flows "$v" "${both[@]}" "${extra[@]/#/$w }" "${never[@]/#/drop }"
		off $v
	done
	expect_flows "profiles, filters removed" "${extra[@]/#/pass }" \
		"${never[@]/#/pass }"
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
	# (Except in the dropping form of scale and profiles, which forward
	# only what the rows allow.)
	if [ "$dp" -eq 0 ] || { [ "${1/profiles/scale} $scale_form" != "scale enforce" ] &&
				 [ $((fwd < 990 || fwd > 1010)) -eq 1 ]; }; then
		say "WARNING: $1 $2: $dp packets in, $((TX - x0)) forwarded"
	fi
}

# settle SCENARIO: once the stream runs, wait until conntrack holds all its flows
# (the count grows by under 1 % in half a second; 30 s at most), so that
# the first window does not pay alone for creating the entries that the
# others find: the profiles stream has 40,000 flows.
settle() {
	local prev=-1 cur=0 i
	for ((i = 0; i < 60; i++)); do
		nap 0.5
		cur=$(gw conntrack -C 2>/dev/null) || return 0
		[ "$prev" -ge 0 ] && [ $((cur - prev)) -le $((prev / 100)) ] && break
		prev=$cur
	done
	say "$1: $cur conntrack entries after $(((i + 1) * 5 / 10)) s"
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
	settle "$scen"
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
say "reps $reps, window ${window} s, warm-up ${warmup} s, sizes $sizes, profiles at $profiles_size, scale form $scale_form"
conntrack_room || die "cannot make room in conntrack"
topo_create || die "cannot build the topology"
PG=/proc/$GWPID/net/pktgen
write_sample || die "cannot write the sample configuration (table-rows: $TABLE_ROWS)"
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

n=$profiles_size
write_profiles "$n" || die "cannot write the profiles configuration at $n prefixes"
load "$work/profiles-$n" || die "cannot load the profiles configuration at $n prefixes"
rcv_count_on || die "cannot add the receiver's counting filters"
check_profiles
rcv_count_off
[ "$FAILED" -eq 0 ] || die "profiles at $n prefixes: checks failed: no figures"
stream profiles || die "pktgen setup failed"
rounds profiles "$n" "$scale_form" conntrack lyncedge lyncedge-all nft nft-all

say "done: $out"
