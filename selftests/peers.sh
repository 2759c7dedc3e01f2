#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real peers through the gateway in enforce mode:
# - coturn: turnserver (STUN only) on the edge host answers
#   turnutils_stunclient from the Messenger host over UDP 3478 (row 6);
#   the stranger's binding request is dropped.
# - SIPp: a SIP call (INVITE, 200, ACK, BYE) over TLS on TCP 5061 from the
#   partner to the edge (row 1) and from the edge to the partner (row 2);
#   the stranger's is dropped. Debian's sipp is built without OpenSSL, so
#   sipp speaks SIP over TCP to a local socat that carries it over TLS
#   (self-signed certificate made here with openssl) to the peer's socat,
#   which hands it to the peer's sipp:
#     sipp uac -> 127.0.0.1:5070 socat ==TLS, tcp/5061==> socat -> 127.0.0.1:5062 sipp uas
#   so on the wire between the hosts it is SIP over TLS on 5061.

source "$(dirname "$0")/lib.sh"

# udp_bound NS PORT: something in host NS listens on UDP PORT, IPv4 and IPv6.
udp_bound() {
	local out
	out=$(in_ns "$1" ss -Hlun "sport = :$2")
	grep -q "${A4[$1]}:$2" <<< "$out" && grep -q "\[${A6[$1]}\]:$2" <<< "$out"
}

tcp_bound() {	# HOST PORT
	in_ns "$1" ss -Hltn "sport = :$2" | grep -q .
}

start_turnserver() {
	in_ns edge turnserver -n --no-cli --no-tls --no-dtls --stun-only --no-rfc5780 \
		-L "${A4[edge]}" -L "${A6[edge]}" --listening-port 3478 \
		--pidfile "$TMPD/turnserver.pid" --userdb "$TMPD/turndb" \
		--log-file "$TMPD/turnserver.log" --simple-log \
		> "$TMPD/turnserver.out" 2>&1 &
	wait_until 30 udp_bound edge 3478
}

# A SIP UAS behind a TLS terminator on HOST's port 5061.
start_sip_server() {	# HOST
	# -bg: sipp forks and its parent's exit status means nothing.
	in_ns "$1" sipp -sn uas -t t1 -i 127.0.0.1 -p 5062 -nostdin -bg \
		> "$TMPD/sipp-uas-$1.out" 2>&1
	in_ns "$1" socat "OPENSSL-LISTEN:5061,pf=ip6,ipv6only=0,reuseaddr,fork,cert=$TMPD/tls.pem,verify=0" \
		TCP:127.0.0.1:5062 > "$TMPD/socat-server-$1.log" 2>&1 &
	wait_until 30 tcp_bound "$1" 5061 && wait_until 30 tcp_bound "$1" 5062
}

stun() {	# FAMILY SRC
	timeout "$3" "$PROBE" -N "${NS[$2]}" exec turnutils_stunclient -p 3478 \
		"$(addr "$1" edge)" > "$TMPD/stun.out" 2>&1
}

stun_allowed() {	# FAMILY
	local rc
	counters_mark
	stun "$1" messenger 20
	rc=$?
	[ "$rc" -eq 0 ] || fail "turnutils_stunclient: exit $rc: $(tail -2 "$TMPD/stun.out")"
	grep -qF "UDP reflexive addr: $(addr "$1" messenger):" "$TMPD/stun.out" ||
		fail "no reflexive address of the messenger host: $(tail -2 "$TMPD/stun.out")"
	expect_counters rule6=1+ state=1+
}

stun_denied() {		# FAMILY
	counters_mark
	stun "$1" stranger 3 && fail "turnutils_stunclient from the stranger succeeded"
	grep -q "reflexive addr" "$TMPD/stun.out" && fail "the stranger got a STUN answer"
	expect_counters norule=1+
}

# sip_call FAMILY SRC DST TIMEOUT: one call from SRC's sipp to DST's over
# TLS on 5061; returns sipp's exit status.
SIP_PORT=5069
sip_call() {
	local port socat_pid rc dst
	SIP_PORT=$((SIP_PORT + 1))
	port=$SIP_PORT
	dst=$(addr "$1" "$3")
	[ "$1" = 6 ] && dst="[$dst]"
	"$PROBE" -N "${NS[$2]}" exec socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" \
		"OPENSSL:$dst:5061,verify=0,connect-timeout=2" > "$TMPD/socat-client.log" 2>&1 &
	socat_pid=$!
	wait_until 20 tcp_bound "$2" $port || { kill $socat_pid; return 99; }
	timeout 60 "$PROBE" -N "${NS[$2]}" exec sipp -sn uac -t t1 -i 127.0.0.1 -p $((port + 100)) \
		-m 1 -nostdin -timeout "$4" -timeout_error "127.0.0.1:$port" \
		> "$TMPD/sipp-uac.out" 2>&1
	rc=$?
	kill $socat_pid 2>/dev/null
	wait $socat_pid 2>/dev/null
	return $rc
}

successful_calls() {
	sed -n 's/^ *Successful call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$TMPD/sipp-uac.out" | tail -1
}

sip_allowed() {		# FAMILY SRC DST ROW
	local rc
	counters_mark
	sip_call "$1" "$2" "$3" 30s
	rc=$?
	[ "$rc" -eq 0 ] || fail "sipp uac: exit $rc: $(grep -m3 -iE 'error|fail' "$TMPD/sipp-uac.out" "$TMPD/socat-client.log")"
	[ "$(successful_calls)" = 1 ] || fail "sipp reports '$(successful_calls)' successful calls, want 1"
	expect_counters "rule$4=1" state=10+
}

sip_denied() {		# FAMILY SRC DST
	local rc
	counters_mark
	sip_call "$1" "$2" "$3" 6s
	rc=$?
	[ "$rc" -ne 0 ] || fail "sipp uac from $2 succeeded"
	[ "$(successful_calls)" != 1 ] || fail "sipp reports a successful call from $2"
	expect_counters norule=1+
}

lib_init
require_tool turnserver turnutils_stunclient sipp socat openssl ss timeout
topo_create || skip_all "cannot build the topology"
config_sample enforce || skip_all "cannot configure lyncedge"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$TMPD/tls.key" -out "$TMPD/tls.crt" -days 2 \
	-subj /CN=edge.lyncedge.test 2>/dev/null &&
	cat "$TMPD/tls.key" "$TMPD/tls.crt" > "$TMPD/tls.pem" ||
	skip_all "openssl cannot make a certificate"
start_turnserver || skip_all "turnserver did not start: $(tail -3 "$TMPD/turnserver.log"* 2>/dev/null)"
start_sip_server edge && start_sip_server partner ||
	skip_all "sipp/socat SIP servers did not start"

for f in 4 6; do
	v="IPv$f"
	run_case "$v messenger -> edge: STUN binding answered by coturn (udp/3478, row 6)" stun_allowed $f
	run_case "$v stranger -> edge: STUN binding dropped" stun_denied $f
	run_case "$v partner -> edge: SIP call over TLS on tcp/5061 (sipp, row 1)" sip_allowed $f partner edge 1
	run_case "$v edge -> partner: SIP call over TLS on tcp/5061 (sipp, row 2)" sip_allowed $f edge partner 2
	run_case "$v stranger -> edge: SIP call over TLS dropped" sip_denied $f stranger edge
	run_case "$v client -> edge: SIP call over TLS on 5061 dropped (clients use 443)" sip_denied $f client edge
done

tap_finish
