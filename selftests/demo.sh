#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: what nf_lyncedge does, in a minute ("make demo" runs it in the
# VM). Loads the module, builds the selftests' topology (see lib.sh), gives
# the gateway a sample configuration, sends allowed and denied traffic
# while saying what happened to each flow, and prints "lyncedge show".
# Exit 0 when every flow went as the table says.

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
	*) got="error ($(probe_word $rc))" ;;
	esac
	if [ "$got" = "$expect" ]; then
		printf '  %-34s %-8s %s\n' "IPv$f $src -> $dst $proto/$port:" "$got" "$why"
	else
		printf '  %-34s %-8s %s\n' "IPv$f $src -> $dst $proto/$port:" "$got" "UNEXPECTED: want $expect ($why)"
		UNEXPECTED=$((UNEXPECTED + 1))
	fi
}

lib_init
topo_create || { echo "cannot build the topology" >&2; exit 1; }
start_listeners || { echo "cannot start the servers" >&2; exit 1; }

say "nf_lyncedge demo: kernel $(uname -r), module $(cat /sys/module/nf_lyncedge/version 2>/dev/null || echo '?')"
say
say "Topology: the gateway namespace runs nf_lyncedge and routes between"
say "  edge      203.0.113.10    2001:db8:e::10    the Lync Edge Server's access interface"
say "  partner   198.51.100.20   2001:db8:1::20    a public IM connectivity partner"
say "  client    192.0.2.30      2001:db8:2::30    an external Lync client"
say "  messenger 198.18.0.40     2001:db8:3::40    a (Live) Messenger / Skype client"
say "  stranger  198.19.0.50     2001:db8:4::50    in none of the sets"
say
say "Configuration of the gateway:"
run_shown le add edge 203.0.113.10 2001:db8:e::10 &&
run_shown le add partners 198.51.100.0/24 2001:db8:1::/64 &&
run_shown le add clients 192.0.2.0/24 2001:db8:2::/64 &&
run_shown le add messenger 198.18.0.0/24 2001:db8:3::/64 &&
run_shown le mode enforce || { echo "configuration failed" >&2; exit 1; }
say
say "Traffic (each flow opened by the first host named):"
flow 4 partner edge tcp 5061 allowed "row 1: SIP/MTLS from a partner"
flow 4 edge partner tcp 5061 allowed "row 2: SIP/MTLS to a partner"
flow 4 client edge tcp 443 allowed "row 3: SIP/TLS from a client"
flow 4 edge messenger tcp 50000 allowed "row 4: RTP to Messenger, 50000-59999"
flow 4 edge messenger udp 3478 allowed "row 5: STUN to Messenger"
flow 4 messenger edge udp 3478 allowed "row 6: STUN from Messenger"
flow 6 partner edge tcp 5061 allowed "row 1, over IPv6"
flow 6 messenger edge udp 3478 allowed "row 6, over IPv6"
flow 4 stranger edge tcp 5061 denied "the stranger is in no set"
flow 4 client edge tcp 5061 denied "clients may use 443 only"
flow 4 partner edge tcp 443 denied "partners may use 5061 only"
flow 4 messenger edge tcp 50000 denied "row 4 goes the other way"
flow 4 edge messenger tcp 60000 denied "60000 is outside 50000-59999"
flow 4 partner edge udp 5061 denied "5061 is TCP"
flow 6 stranger edge udp 3478 denied "the stranger is in no set"
flow 4 partner stranger tcp 5061 allowed "no edge address: not the module's business"
say
say "The gateway's counters:"
say "  # lyncedge show"
le show | sed 's/^/  /'
say
if [ "$UNEXPECTED" -eq 0 ]; then
	say "Every flow went as the Lync public IM connectivity table says."
	exit 0
fi
say "$UNEXPECTED flow(s) did not go as the table says."
exit 1
