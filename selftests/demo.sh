#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: what nf_lyncedge does, in a minute ("make demo" runs it in the
# VM). Loads the module, builds the selftests' topology (see lib.sh), gives
# the gateway the configuration of a consolidated Edge with external users
# (profiles pic, base and remote-users), sends allowed and denied traffic
# while saying what happened to each flow, and prints "lyncedge show".
# The stranger plays the Internet: a DNS resolver (dnsmasq) and a CRL
# server (HTTP) run there. Exit 0 when every flow went as the rows say.

source "$(dirname "$0")/lib.sh"

UNEXPECTED=0

say() { printf '%s\n' "$*"; }

# run_shown le ARGS...: print the command as an administrator would type
# it in the gateway, then run it there.
run_shown() {
	say "  # lyncedge ${*:2}"
	"$@"
}

# flow FAMILY SRC DST PROTO PORT EXPECT WHY: send one flow, print its fate.
flow() {
	local f=$1 src=$2 dst=$3 proto=$4 port=$5 expect=$6 why=$7 cmd t rc got
	if [ "$proto" = tcp ]; then
		cmd=(tcp-connect -d 64)
	else
		cmd=(udp-request)
	fi
	t=$PASS_MS
	[ "$expect" = denied ] && t=$DROP_MS
	"$PROBE" -N "${NS[$src]}" "${cmd[@]}" -t "$t" "$(addr "$f" "$dst")" "$port" 2>/dev/null
	rc=$?
	case $rc in
	0) got=allowed ;;
	3) got=denied ;;
	*) probe_word $rc; got="error ($WORD)" ;;
	esac
	report "IPv$f $src -> $dst $proto/$port:" "$got" "$expect" "$why"
}

# flow_sport FAMILY SRC SPORT DST PORT EXPECT WHY: a TCP flow from a
# chosen source port, as the A/V Edge opens them.
flow_sport() {
	local f=$1 src=$2 sport=$3 dst=$4 port=$5 expect=$6 why=$7 t rc got
	t=$PASS_MS
	[ "$expect" = denied ] && t=$DROP_MS
	"$PROBE" -N "${NS[$src]}" tcp-connect -s "$sport" -d 64 -t "$t" "$(addr "$f" "$dst")" "$port" 2>/dev/null
	rc=$?
	case $rc in
	0) got=allowed ;;
	3) got=denied ;;
	*) probe_word $rc; got="error ($WORD)" ;;
	esac
	report "IPv$f $src:$sport -> $dst tcp/$port:" "$got" "$expect" "$why"
}

report() {
	if [ "$2" = "$3" ]; then
		printf '  %-34s %-8s %s\n' "$1" "$2" "$4"
	else
		printf '  %-34s %-8s %s\n' "$1" "$2" "UNEXPECTED: want $3 ($4)"
		UNEXPECTED=$((UNEXPECTED + 1))
	fi
}

CRL_NAME=crl.example.test

# The Internet's resolver and CRL server, on the stranger.
start_internet() {
	mkdir -p "$TMPD/www" && echo "demo CRL" > "$TMPD/www/edge.crl" || return 1
	in_ns stranger dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --bind-interfaces --user=root --group=root \
		--listen-address="${A4[stranger]}" --listen-address="${A6[stranger]}" \
		--pid-file="$TMPD/dnsmasq.pid" --address="/$CRL_NAME/${A4[stranger]}" \
		2> "$TMPD/dnsmasq.err" &
	PIDS+=("$!")
	in_ns stranger python3 -m http.server 80 --directory "$TMPD/www" > "$TMPD/http.log" 2>&1 &
	PIDS+=("$!")
	wait_until 30 in_ns stranger python3 "$SELFTESTS_DIR/tools/dns_query.py" \
		udp "${A4[stranger]}" "$CRL_NAME" "" 1 > /dev/null &&
	wait_until 30 in_ns stranger curl -sf -o /dev/null --max-time 2 "http://${A4[stranger]}/edge.crl"
}

# dns PROTO WHY: the Edge resolves the CRL server's name at the stranger.
dns() {
	local got
	got=$(in_ns edge python3 "$SELFTESTS_DIR/tools/dns_query.py" "$1" "${A4[stranger]}" \
		"$CRL_NAME" "${A4[edge]}" 5 2>/dev/null)
	if [ "$got" = "${A4[stranger]}" ]; then got=allowed; else got=denied; fi
	report "IPv4 edge -> stranger $1/53 (DNS):" "$got" allowed "$2"
}

crl() {
	local got
	got=$(in_ns edge curl -s --max-time 10 "http://${A4[stranger]}/edge.crl" 2>/dev/null)
	if [ "$got" = "demo CRL" ]; then got=allowed; else got=denied; fi
	report "IPv4 edge -> stranger tcp/80 (CRL):" "$got" allowed "$1"
}

lib_init
require_tool dnsmasq curl python3
topo_create || { echo "cannot build the topology" >&2; exit 1; }
start_listeners || { echo "cannot start the servers" >&2; exit 1; }
start_internet || { echo "cannot start the resolver and the CRL server" >&2; exit 1; }

say "nf_lyncedge demo: kernel $(uname -r), module $(cat /sys/module/nf_lyncedge/version 2>/dev/null || echo '?')"
say
say "Topology: the gateway namespace runs nf_lyncedge and routes between"
say "  edge      203.0.113.10    2001:db8:e::10    the Lync Edge Server's access interface"
say "  partner   198.51.100.20   2001:db8:1::20    a public IM connectivity partner"
say "  client    192.0.2.30      2001:db8:2::30    an external Lync client"
say "  messenger 198.18.0.40     2001:db8:3::40    a (Live) Messenger / Skype client"
say "  stranger  198.19.0.50     2001:db8:4::50    in no set: the Internet, with a DNS resolver and a CRL server"
say
say "Configuration of the gateway:"
run_shown le add edge 203.0.113.10 2001:db8:e::10 &&
run_shown le add partners 198.51.100.0/24 2001:db8:1::/64 &&
run_shown le add clients 192.0.2.0/24 2001:db8:2::/64 &&
run_shown le add messenger 198.18.0.0/24 2001:db8:3::/64 &&
run_shown le profile enable base remote-users &&
run_shown le mode enforce || { echo "configuration failed" >&2; exit 1; }
say
say "Traffic (each flow opened by the first host named):"
say " pic, the public IM connectivity table:"
flow 4 partner edge tcp 5061 allowed "row 1: SIP/MTLS from a partner"
flow 4 edge partner tcp 5061 allowed "row 2: SIP/MTLS to a partner"
flow 4 client edge tcp 443 allowed "row 3: SIP/TLS from a client"
flow 4 edge messenger tcp 50000 allowed "row 4: RTP to Messenger, destination port"
flow_sport 4 edge 50123 messenger 443 allowed "row 4: RTP from the A/V range to 443"
flow 4 edge messenger udp 3478 allowed "row 5: STUN to Messenger"
flow 6 messenger edge udp 3478 allowed "row 6: STUN from Messenger, over IPv6"
flow 6 partner edge tcp 5061 allowed "row 1, over IPv6"
say " base, what the Edge itself needs:"
dns udp "E4: DNS over UDP to any resolver"
dns tcp "E3: DNS over TCP"
crl "E2: certificate revocation list over HTTP"
say " remote-users, external Lync users anywhere:"
flow 4 stranger edge tcp 443 allowed "E5: SIP/TLS (also PSOM E8, TURN E15)"
flow 6 stranger edge tcp 443 allowed "E5, over IPv6"
flow 4 stranger edge udp 3478 allowed "E14: STUN from anyone"
flow 4 edge stranger udp 3478 allowed "E13: STUN to anyone"
flow_sport 4 edge 50200 stranger 443 allowed "E9: A/V media from the A/V range"
say " denied:"
flow 4 stranger edge tcp 5061 denied "federation is off: SIP only with partners"
flow 4 client edge tcp 5061 denied "clients are not partners"
flow 4 messenger edge tcp 50000 denied "row 4 goes the other way; ocs2007 is off"
flow 4 edge messenger tcp 60000 denied "60000 is outside 50000-59999"
flow_sport 4 edge 40000 messenger 3478 denied "a source port outside the A/V range"
flow 4 partner edge udp 5061 denied "5061 is TCP"
for port in 22 80 3389 5269 40000 49999; do
	flow 4 stranger edge tcp $port denied "a stranger, a port no row opens"
done
for port in 53 443 5061 40000; do
	flow 4 stranger edge udp $port denied "a stranger, a port no row opens"
done
flow 6 stranger edge tcp 22 denied "a stranger, a port no row opens"
flow 4 partner stranger tcp 5061 allowed "no edge address: not the module's business"
say
say "The gateway's counters:"
say "  # lyncedge show"
le show | sed 's/^/  /'
say
if [ "$UNEXPECTED" -eq 0 ]; then
	say "Every flow went as the rows of pic, base and remote-users say."
	exit 0
fi
say "$UNEXPECTED flow(s) did not go as the rows say."
exit 1
