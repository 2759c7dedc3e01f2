#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every row of every profile, in enforce mode on the gateway, IPv4 and
# IPv6, with real packets: each row lets its flow start, and its
# neighbours do not (a port beside the row's, the other direction, another
# role's address; a neighbour that another row of the profile allows, as
# the reverse of a two-way pair, must be counted on that row), and the
# profile's flows stop when the profile is off. The Edge holds one address
# per role (access, webconf, av) plus one in edge alone; then one address
# for everything (role sets empty, standing for edge). Then real clients
# of the rows that read the source port (socat from a port in the A/V
# range, rows 4 and E9), DNS through a real resolver (dnsmasq, rows E3 and
# E4) and a CRL fetched over HTTP (python's http.server and curl, row E2),
# with profile base on and off.
#
# The rows are written out below as Microsoft's tables give them, and the
# first case checks them against the module's (table-rows): a row the
# module has and this test does not fails there.

source "$(dirname "$0")/lib.sh"

# The Edge's addresses: one per role, and one in edge alone.
declare -A ROLE4=([edge]=203.0.113.10 [access]=203.0.113.11 [webconf]=203.0.113.12
		  [av]=203.0.113.13)
declare -A ROLE6=([edge]=2001:db8:e::10 [access]=2001:db8:e::11 [webconf]=2001:db8:e::12
		  [av]=2001:db8:e::13)

# A host on the Internet, in no set: the resolver and the CRL server.
HOSTS="$HOSTS internet"
A4[internet]=100.64.0.60
A6[internet]=2001:db8:5::60
GW4[internet]=100.64.0.1
GW6[internet]=2001:db8:5::1
CRL_NAME=crl.example.test

LISTEN_SPECS="tcp:53 tcp:80 tcp:443 tcp:5061 tcp:5269 tcp:8443 tcp:50000 tcp:59999
	      udp:53 udp:3478 udp:50000 udp:59999"

# The rows, as Microsoft's tables give them, and how this test tries each.
#   LABEL PROFILE PROTO PORTS SRC DST: the row; SRC and DST are sets or "any"
#   PORT: the port its flow uses; OFF: a port beside it that no row has
#   REVERSE: what the flow from DST to SRC on PORT meets with the profile
#     alone: "denied", or the row of a two-way pair that allows it
#   ROLE-SRC ROLE-DST: the flow with an address of the wrong role (e:ROLE
#     is the Edge's ROLE address; "e:edge" is in edge but in no role)
#   ONE: the row that allows the flow when one address has every role and
#     every profile is on (the first of the rows that then match)
ROWS_SPEC="
1     pic          tcp 5061        partners  access    5061  5062  2     partner   e:av      1
2     pic          tcp 5061        access    partners  5061  5062  1     e:av      partner   2
3     pic          tcp 443         clients   access    443   444   -     client    e:av      3
4     pic          tcp 50000-59999 av        messenger 50000 60000 -     e:access  messenger 4
5     pic          udp 3478        av        messenger 3478  3479  6     e:access  messenger 5
6     pic          udp 3478        messenger av        3478  3479  5     messenger e:access  6
E2    base         tcp 80          access    any       80    81    -     e:av      stranger  E2
E3    base         tcp 53          access    any       53    54    -     e:av      stranger  E3
E4    base         udp 53          access    any       53    54    -     e:av      stranger  E4
E5    remote-users tcp 443         any       access    443   444   -     stranger  e:edge    E5
E8    remote-users tcp 443         any       webconf   443   444   -     stranger  e:edge    E5
E9    remote-users tcp 50000-59999 av        any       59999 60000 -     e:access  stranger  E9
E13   remote-users udp 3478        av        any       3478  3479  E14   e:access  stranger  E13
E14   remote-users udp 3478        any       av        3478  3479  E13   stranger  e:access  E14
E15   remote-users tcp 443         any       av        443   444   E16   stranger  e:edge    E5
E16   remote-users tcp 443         av        any       443   444   E15   e:access  stranger  E16
E6    federation   tcp 5061        any       access    5061  5062  E7/F1 stranger  e:av      E6
E7/F1 federation   tcp 5061        access    any       5061  5062  E6    e:av      stranger  E7/F1
E1/X1 xmpp         tcp 5269        any       access    5269  5270  X2    stranger  e:av      E1/X1
X2    xmpp         tcp 5269        access    any       5269  5270  E1/X1 e:av      stranger  X2
E10   ocs2007      udp 50000-59999 av        any       50000 49999 E12   e:access  stranger  E10
E11   ocs2007      tcp 50000-59999 any       av        59999 60000 -     stranger  e:access  E11
E12   ocs2007      udp 50000-59999 any       av        59999 60000 E10   stranger  e:access  E12
"

declare -A S_PROFILE=() S_PROTO=() S_PORTS=() S_SRC=() S_DST=() S_PORT=() S_OFF=()
declare -A S_REVERSE=() S_ROLE_SRC=() S_ROLE_DST=() S_ONE=()
S_LABELS=()
while read -r l p proto ports src dst port off rev rsrc rdst one; do
	[ -n "$l" ] || continue
	S_LABELS+=("$l")
	S_PROFILE[$l]=$p S_PROTO[$l]=$proto S_PORTS[$l]=$ports S_SRC[$l]=$src
	S_DST[$l]=$dst S_PORT[$l]=$port S_OFF[$l]=$off S_REVERSE[$l]=$rev
	S_ROLE_SRC[$l]=$rsrc S_ROLE_DST[$l]=$rdst S_ONE[$l]=$one
done <<< "$ROWS_SPEC"

# Where a row's endpoint is tried: a host of the set, the stranger for
# "any", the Edge's address of the role ("e:ROLE"). Lookups fill variables
# rather than print: a command substitution forks, and under TCG a fork
# costs milliseconds, many times per case.
declare -A SET_HOST=([partners]=partner [clients]=client [messenger]=messenger [any]=stranger)

# endpoint_of VAR ROW-ENDPOINT: the endpoint a row's source or destination
# is tried from.
endpoint_of() {
	local -n out_=$1
	out_=${SET_HOST[$2]:-e:$2}
}

# The current layout: "split" (an address per role) or "one" (one address).
LAYOUT="split"

# ep_addr VAR FAMILY ENDPOINT: a host's address, or the Edge's for a role.
ep_addr() {
	local -n out_=$1
	local role=${3#e:}
	if [ "$3" = "$role" ]; then
		addr_to "$1" "$2" "$3"
	elif [ "$LAYOUT" = one ]; then
		addr_to "$1" "$2" edge
	elif [ "$2" = 4 ]; then
		out_=${ROLE4[$role]}
	else
		out_=${ROLE6[$role]}
	fi
}

# The namespace an endpoint sends from: the Edge's for every role.
ep_ns() { local -n out_=$1; out_=${NS[${2/#e:*/edge}]}; }

# ---- flows: explain, then real packets, all of a case at once ----

# check_flows FAMILY FLOW...: each FLOW is "WANT PROTO SRC DST PORT",
# WANT "row LABEL" (allowed by that row, by the destination port) or
# "denied" (no-rule). explain must say WANT for each (and name the row's
# profile as ROWS_SPEC has it); then every flow's first packet goes
# through the gateway at once (TCP: a connection with data both ways; UDP:
# a datagram and its echo): the allowed ones get through, the denied ones
# time out, and each row counts one packet per flow it allows, no-rule one
# per flow denied (a TCP SYN may be sent again), nothing else counts.
# flow_fields FLOW: WANT PROTO SRC DST PORT of a flow.
flow_fields() {
	local w
	read -ra w <<< "$1"
	if [ "${w[0]}" = row ]; then
		want="row ${w[1]}"
		w=("${w[@]:1}")
	else
		want=${w[0]}
	fi
	proto=${w[1]} src=${w[2]} dst=${w[3]} port=${w[4]}
}

check_flows() {
	local f=$1 flow want proto src dst port s d ns t out label i rc tcp_denied=0
	local pids=() wants=() descs=() specs=()
	local -A n=([norule]=0)
	shift
	for flow in "$@"; do
		flow_fields "$flow"
		ep_addr s "$f" "$src"
		ep_addr d "$f" "$dst"
		out=$(le explain "$proto" "$s" "$d" "$port" 2>&1)
		case $want in
		row*)
			label=${want#row }
			[[ $out == *": allowed by row $label of profile ${S_PROFILE[$label]} ("*"), by destination port $port" ]] ||
				fail "explain $proto $src -> $dst:$port: '$out', want row $label of profile ${S_PROFILE[$label]}"
			n[rule$label]=$((${n[rule$label]:-0} + 1)) ;;
		*)
			[[ $out == *": denied (no-rule); enforce mode drops it" ]] ||
				fail "explain $proto $src -> $dst:$port: '$out', want denied"
			n[norule]=$((n[norule] + 1))
			[ "$proto" = tcp ] && tcp_denied=1 ;;
		esac
	done
	counters_mark || return
	for flow in "$@"; do
		flow_fields "$flow"
		ep_addr s "$f" "$src"
		ep_addr d "$f" "$dst"
		ep_ns ns "$src"
		if [ "$want" = denied ]; then want=timeout t=$DROP_MS; else want=ok t=$PASS_MS; fi
		if [ "$proto" = tcp ]; then
			"$PROBE" -N "$ns" tcp-connect -t "$t" -d 100 -b "$s" "$d" "$port" \
				2> /dev/null &
		else
			"$PROBE" -N "$ns" udp-request -t "$t" -b "$s" "$d" "$port" \
				2> /dev/null &
		fi
		pids+=("$!")
		wants+=("$want")
		descs+=("$proto $src -> $dst:$port")
	done
	for i in "${!pids[@]}"; do
		wait "${pids[i]}"
		rc=$?
		probe_word $rc
		[ "$WORD" = "${wants[i]}" ] || fail "${descs[i]}: $WORD, want ${wants[i]}"
	done
	for label in "${!n[@]}"; do
		specs+=("$label=${n[$label]}")
	done
	# A dropped SYN may be sent again before the probe gives up.
	[ $tcp_denied = 1 ] && specs+=("norule=${n[norule]}+")
	expect_counters "${specs[@]}"
}

# The flows of row LABEL: allowed, and its neighbours (wrong port, the
# other direction, an address of the wrong role).
row_flows() {
	local l=$1 src dst
	endpoint_of src "${S_SRC[$l]}"
	endpoint_of dst "${S_DST[$l]}"
	FLOWS=("row $l ${S_PROTO[$l]} $src $dst ${S_PORT[$l]}"
	       "denied ${S_PROTO[$l]} $src $dst ${S_OFF[$l]}")
	if [ "${S_REVERSE[$l]}" = - ]; then
		FLOWS+=("denied ${S_PROTO[$l]} $dst $src ${S_PORT[$l]}")
	else
		FLOWS+=("row ${S_REVERSE[$l]} ${S_PROTO[$l]} $dst $src ${S_PORT[$l]}")
	fi
	FLOWS+=("denied ${S_PROTO[$l]} ${S_ROLE_SRC[$l]} ${S_ROLE_DST[$l]} ${S_PORT[$l]}")
}

row_case() {		# FAMILY LABEL
	row_flows "$2"
	check_flows "$1" "${FLOWS[@]}"
}

# profile_off_case FAMILY PROFILE: with the profile off, none of its rows'
# flows starts.
profile_off_case() {
	local l src dst flows=()
	for l in "${S_LABELS[@]}"; do
		[ "${S_PROFILE[$l]}" = "$2" ] || continue
		endpoint_of src "${S_SRC[$l]}"
		endpoint_of dst "${S_DST[$l]}"
		flows+=("denied ${S_PROTO[$l]} $src $dst ${S_PORT[$l]}")
	done
	check_flows "$1" "${flows[@]}"
}

# one_case FAMILY PROFILE: with one address for every role and every
# profile on, the flow of each row of PROFILE starts, allowed by the first
# row that matches it (ONE in ROWS_SPEC).
one_case() {
	local l src dst flows=()
	for l in "${S_LABELS[@]}"; do
		[ "${S_PROFILE[$l]}" = "$2" ] || continue
		endpoint_of src "${S_SRC[$l]}"
		endpoint_of dst "${S_DST[$l]}"
		flows+=("row ${S_ONE[$l]} ${S_PROTO[$l]} $src $dst ${S_PORT[$l]}")
	done
	check_flows "$1" "${flows[@]}"
}

# "row L by ONE, ..." for PROFILE's rows, for a case's name.
one_desc() {
	local l out=
	for l in "${S_LABELS[@]}"; do
		[ "${S_PROFILE[$l]}" = "$1" ] || continue
		out+="${out:+, }$l"
		[ "${S_ONE[$l]}" = "$l" ] || out+=" by ${S_ONE[$l]}"
	done
	echo "$out"
}

# ---- configuration ----

# only_profiles [PROFILE...]: exactly pic and these on; show agrees.
only_profiles() {
	local want=" pic " p
	le profile disable $OPTIONAL_PROFILES || { fail "profile disable failed"; return 1; }
	if [ $# -gt 0 ]; then
		le profile enable "$@" || { fail "profile enable $* failed"; return 1; }
	fi
	for p in $OPTIONAL_PROFILES; do
		case " $* " in *" $p "*) want+="$p " ;; esac
	done
	le_show || return 1
	le_parse
	[ "${CTR[profiles]:-}" = "$want" ] ||
		{ fail "show: profiles '${CTR[profiles]:-}', want '$want'"; return 1; }
}

# The rows written out above are the module's: same labels in the same
# order, profiles, protocols, ports and endpoints; and the profiles are
# pic and OPTIONAL_PROFILES (lib.sh), in that order.
spec_is_table() {
	local i=0 p label proto lo hi src dst ports l seen=" pic " order=" pic "
	while read -r _ p label _ proto lo hi _ src dst; do
		l=${S_LABELS[i]:-}
		i=$((i + 1))
		ports=$lo
		[ "$lo" = "$hi" ] || ports=$lo-$hi
		if [ "$label" != "$l" ]; then
			fail "table row $i is $label ($p), this test's is '${l:-none}'"
			continue
		fi
		[ "$p $proto $ports $src $dst" = "${S_PROFILE[$l]} ${S_PROTO[$l]} ${S_PORTS[$l]} ${S_SRC[$l]} ${S_DST[$l]}" ] ||
			fail "row $l: the module has '$p $proto $ports $src $dst'," \
			     "Microsoft's table '${S_PROFILE[$l]} ${S_PROTO[$l]} ${S_PORTS[$l]} ${S_SRC[$l]} ${S_DST[$l]}'"
		case $seen in *" $p "*) ;; *) seen+="$p "; order+="$p " ;; esac
	done < <("$TABLE_ROWS")
	[ "$i" = "${#S_LABELS[@]}" ] ||
		fail "the module has $i rows, this test ${#S_LABELS[@]}"
	[ "$order" = " pic $OPTIONAL_PROFILES " ] ||
		fail "the module's profiles are '$order', want ' pic $OPTIONAL_PROFILES '"
}

# The Edge holds every role's address; the gateway reaches them on its link.
edge_addresses() {
	local r
	for r in access webconf av; do
		echo "addr add ${ROLE4[$r]}/24 dev eth0"
		echo "addr add ${ROLE6[$r]}/64 dev eth0 nodad"
	done | ip -n "${NS[edge]}" -b -
}

config_split() {
	config_sample enforce &&
	le add access "${ROLE4[access]}" "${ROLE6[access]}" &&
	le add webconf "${ROLE4[webconf]}" "${ROLE6[webconf]}" &&
	le add av "${ROLE4[av]}" "${ROLE6[av]}"
}

# "profile disable pic" is refused and changes nothing.
pic_stays() {
	local before after rc
	before=$(le save)
	le profile disable pic 2> /dev/null
	rc=$?
	[ $rc = 2 ] || fail "profile disable pic: exit status $rc, want 2"
	after=$(le save)
	[ "$before" = "$after" ] || fail "profile disable pic changed the configuration"
}

# save prints a "profile NAME" line per enabled profile but pic, and
# restoring it in a fresh namespace enables the same ones there.
save_restore_profiles() {
	local saved fresh=le-fresh-$RUN_ID
	saved=$(le save) || { fail "save failed"; return; }
	[ "$(grep '^profile ' <<< "$saved")" = "$(printf 'profile %s\n' base xmpp)" ] ||
		fail "save printed the profile lines '$(grep '^profile ' <<< "$saved" | tr '\n' ' ')', want base, xmpp"
	ns_create "$fresh" || { fail "cannot create a namespace"; return; }
	le -n "$fresh" restore - <<< "$saved" || { fail "restore in $fresh failed"; return; }
	le_show "$fresh" && le_parse
	[ "${CTR[profiles]:-}" = " pic base xmpp " ] ||
		fail "after restore: profiles '${CTR[profiles]:-}', want ' pic base xmpp '"
	[ "$(le -n "$fresh" save)" = "$saved" ] || fail "save after restore differs"
	le -n "$fresh" mode off
}

# "lyncedge profiles" lists every profile, on or off as configured.
profiles_listed() {
	local out p want on=" pic base xmpp "
	out=$(le profiles) || { fail "profiles failed"; return; }
	for p in pic $OPTIONAL_PROFILES; do
		want=off
		case $on in *" $p "*) want=on ;; esac
		grep -q "^$p ($want)" <<< "$out" || fail "profiles: no line '$p ($want)'"
	done
}

# ---- real clients ----

# socat_case FAMILY SRC-ROLE DST-HOST PORT SPORT WANT: a TCP connection
# made by socat from the Edge's SRC-ROLE address and source port SPORT,
# with data both ways. WANT "row LABEL" (explain names it, by the source
# port; the server logs the connection from SPORT; the row counts it) or
# "denied" (socat fails, no-rule counts, the server logs nothing).
socat_case() {
	local f=$1 s d port=$4 sport=$5 want=$6 out target got label n
	ep_addr s "$f" "e:$2"
	d=$(addr "$f" "$3")
	out=$(le explain tcp "$s" "$sport" "$d" "$port" 2>&1)
	counters_mark || return
	if [ "$f" = 4 ]; then target="TCP4:$d:$port,bind=$s"; else target="TCP6:[$d]:$port,bind=[$s]"; fi
	got=$(echo lyncedge | in_ns edge socat -t 5 - "$target,sourceport=$sport,connect-timeout=2" 2>&1)
	n=$(log_count "$3" "^tcp $s $sport ")
	case $want in
	row*)
		label=${want#row }
		[[ $out == *": allowed by row $label of profile ${S_PROFILE[$label]} ("*"), by source port $sport" ]] ||
			fail "explain: '$out', want row $label by source port $sport"
		[ "$got" = lyncedge ] || fail "socat from port $sport: '$got', want the echo"
		[ "$n" = 1 ] || fail "$3 logged $n connections from $s port $sport, want 1"
		expect_counters "rule$label=1" ;;
	*)
		[[ $out == *": denied (no-rule); "* ]] || fail "explain: '$out', want denied"
		[ "$got" != lyncedge ] || fail "socat from port $sport got through"
		[ "$n" = 0 ] || fail "$3 logged $n connections from $s port $sport, want none"
		expect_counters norule=1+ ;;
	esac
}

# The resolver and the CRL server on the Internet host.
start_services() {
	mkdir -p "$TMPD/www" && echo "lyncedge test CRL $RUN_ID" > "$TMPD/www/edge.crl" || return 1
	in_ns "${NS[internet]}" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --bind-interfaces --user=root --group=root \
		--listen-address="${A4[internet]}" --listen-address="${A6[internet]}" \
		--pid-file="$TMPD/dnsmasq.pid" --log-facility="$TMPD/dnsmasq.log" --log-queries \
		--address="/$CRL_NAME/${A4[internet]}" --address="/$CRL_NAME/${A6[internet]}" \
		2> "$TMPD/dnsmasq.err" &
	PIDS+=("$!")
	# "::" for both families: http.server then clears IPV6_V6ONLY.
	in_ns "${NS[internet]}" python3 -m http.server 80 --bind :: --directory "$TMPD/www" \
		> "$TMPD/http.log" 2>&1 &
	PIDS+=("$!")
	# Ready when both answer on the Internet host's own loopback path.
	wait_until 30 in_ns "${NS[internet]}" python3 "$SELFTESTS_DIR/tools/dns_query.py" \
		udp "${A4[internet]}" "$CRL_NAME" "" 1 > /dev/null ||
		{ diag "dnsmasq did not start: $(head -c 300 "$TMPD/dnsmasq.err")"; return 1; }
	wait_until 30 in_ns "${NS[internet]}" curl -sf -o /dev/null -o /dev/null --max-time 2 \
		"http://${A4[internet]}/edge.crl" "http://[${A6[internet]}]/edge.crl" ||
		{ diag "the HTTP server did not start: $(head -c 300 "$TMPD/http.log")"; return 1; }
}

# dns_case FAMILY PROTO WANT: the Edge's access address asks the resolver
# for the CRL server's address over PROTO. WANT "row LABEL": the answer is
# the Internet host's address and the row counts the query; "denied": no
# answer, no-rule counts.
dns_case() {
	local f=$1 proto=$2 want=$3 s d out got rc label
	ep_addr s "$f" e:access
	d=$(addr "$f" internet)
	out=$(le explain "$proto" "$s" "$d" 53 2>&1)
	counters_mark || return
	got=$(in_ns edge python3 "$SELFTESTS_DIR/tools/dns_query.py" "$proto" "$d" "$CRL_NAME" "$s" \
		"$([ "$want" = denied ] && echo 1 || echo 5)" 2> "$TMPD/dns.err")
	rc=$?
	case $want in
	row*)
		label=${want#row }
		[[ $out == *": allowed by row $label of profile base ("* ]] ||
			fail "explain: '$out', want row $label of profile base"
		[ $rc = 0 ] && [ "$got" = "$d" ] ||
			fail "query over $proto: status $rc, answer '$got' ($(head -c 200 "$TMPD/dns.err")), want $d"
		expect_counters "rule$label=1" ;;
	*)
		[[ $out == *": denied (no-rule); "* ]] || fail "explain: '$out', want denied"
		[ $rc = 3 ] || fail "query over $proto: status $rc, answer '$got', want no answer (3)"
		expect_counters norule=1+ ;;
	esac
}

# crl_case FAMILY WANT: the Edge's access address fetches a CRL over HTTP
# from the Internet host with curl (by address: the name's lookup is
# dns_case's). WANT "row E2": the file arrives whole and E2 counts the
# connection; "denied": curl times out, no-rule counts.
crl_case() {
	local f=$1 want=$2 s d url out rc got
	ep_addr s "$f" e:access
	d=$(addr "$f" internet)
	if [ "$f" = 4 ]; then url="http://$d/edge.crl"; else url="http://[$d]/edge.crl"; fi
	out=$(le explain tcp "$s" "$d" 80 2>&1)
	counters_mark || return
	got=$(in_ns edge curl -sS --max-time "$([ "$want" = denied ] && echo 2 || echo 10)" \
		--interface "$s" "$url" 2> "$TMPD/curl.err")
	rc=$?
	case $want in
	row*)
		[[ $out == *": allowed by row E2 of profile base ("* ]] ||
			fail "explain: '$out', want row E2 of profile base"
		[ "$got" = "$(cat "$TMPD/www/edge.crl")" ] ||
			fail "curl: status $rc, got '$got' ($(head -c 200 "$TMPD/curl.err"))"
		expect_counters ruleE2=1 ;;
	*)
		[[ $out == *": denied (no-rule); "* ]] || fail "explain: '$out', want denied"
		[ $rc = 28 ] || fail "curl: status $rc ($(head -c 200 "$TMPD/curl.err")), want a timeout (28)"
		expect_counters norule=1+ ;;
	esac
}

lib_init
require_tool socat dnsmasq curl python3
topo_create || skip_all "cannot build the topology"
edge_addresses || skip_all "cannot give the Edge its role addresses"
start_listeners edge partner client messenger stranger || skip_all "cannot start the servers"
config_split || skip_all "cannot configure lyncedge"

run_case "this test's rows are the module's table (table-rows)" spec_is_table
run_case "profile disable pic is refused and changes nothing" pic_stays

# An address per role: each profile alone, then off.
for p in pic $OPTIONAL_PROFILES; do
	if [ "$p" = pic ]; then
		run_case "pic alone, an address per role: only pic in show" only_profiles
	else
		run_case "$p on alone, an address per role: show lists pic and $p" only_profiles "$p"
	fi
	for f in 4 6; do
		for l in "${S_LABELS[@]}"; do
			[ "${S_PROFILE[$l]}" = "$p" ] || continue
			rev=${S_REVERSE[$l]/#-/denied}
			[ "$rev" = denied ] || rev="row $rev"
			run_case "IPv$f $p row $l (${S_SRC[$l]} -> ${S_DST[$l]} ${S_PROTO[$l]}/${S_PORTS[$l]}): allowed; port ${S_OFF[$l]} denied, the other way $rev, ${S_ROLE_SRC[$l]} -> ${S_ROLE_DST[$l]} denied" \
				row_case $f "$l"
		done
	done
	[ "$p" = pic ] && continue
	run_case "$p off again: show lists pic alone" only_profiles
	for f in 4 6; do
		run_case "IPv$f $p off: the flows of its rows are denied" profile_off_case $f "$p"
	done
done

# The edge address serves no role once every role has its own.
for f in 4 6; do
	run_case "IPv$f an address per role: the edge address in no role is no row's" \
		check_flows $f "denied tcp client e:edge 443" "denied tcp partner e:edge 5061" \
		"denied udp messenger e:edge 3478" "denied tcp e:edge partner 5061"
done

# Real clients of the source-port reading: socat from a port in the A/V
# range, rows 4 and E9.
run_case "pic alone" only_profiles
for f in 4 6; do
	run_case "IPv$f row 4: socat from av port 50123 to messenger tcp/443 allowed by its source port" \
		socat_case $f av messenger 443 50123 "row 4"
	run_case "IPv$f row 4: socat from av port 40000 to messenger tcp/443 denied" \
		socat_case $f av messenger 443 40000 denied
done
run_case "remote-users on alone" only_profiles remote-users
for f in 4 6; do
	run_case "IPv$f row E9: socat from av port 50124 to stranger tcp/8443 allowed by its source port" \
		socat_case $f av stranger 8443 50124 "row E9"
	run_case "IPv$f row E9: socat from av port 40001 to stranger tcp/8443 denied" \
		socat_case $f av stranger 8443 40001 denied
	# Towards 443 from the range, E9 comes before E16 (av to anyone's 443).
	run_case "IPv$f row E9: socat from av port 50125 to stranger tcp/443 allowed by E9, before E16" \
		socat_case $f av stranger 443 50125 "row E9"
done

# The Edge's own lookups and CRL downloads: profile base.
if start_services; then
	run_case "base on alone" only_profiles base
	for f in 4 6; do
		run_case "IPv$f base on: DNS over UDP from the access address to a real resolver" \
			dns_case $f udp "row E4"
		run_case "IPv$f base on: DNS over TCP from the access address to a real resolver" \
			dns_case $f tcp "row E3"
		run_case "IPv$f base on: the CRL fetched over HTTP by curl" crl_case $f "row E2"
	done
	run_case "base off" only_profiles
	for f in 4 6; do
		run_case "IPv$f base off: DNS over UDP denied" dns_case $f udp denied
		run_case "IPv$f base off: DNS over TCP denied" dns_case $f tcp denied
		run_case "IPv$f base off: the CRL fetch denied" crl_case $f denied
	done
else
	skip_case "DNS and CRL through real servers" "dnsmasq or the HTTP server did not start"
fi

run_case "base and xmpp on" only_profiles base xmpp
run_case "profiles lists every profile, on or off" profiles_listed
run_case "save prints base and xmpp; restore enables them in a new namespace" \
	save_restore_profiles

# One address for every role: the role sets empty stand for edge.
le flush access && le flush webconf && le flush av || fail "cannot empty the role sets"
LAYOUT="one"
run_case "one address for every role, every profile on" only_profiles $OPTIONAL_PROFILES
for f in 4 6; do
	for p in pic $OPTIONAL_PROFILES; do
		run_case "IPv$f one address, every profile on: $p's rows' flows allowed ($(one_desc "$p"))" \
			one_case $f "$p"
	done
	run_case "IPv$f one address: the edge address takes every role" \
		check_flows $f "row 3 tcp client e:edge 443" "row 1 tcp partner e:edge 5061" \
		"row 6 udp messenger e:edge 3478" "row 2 tcp e:edge partner 5061"
done

tap_finish
