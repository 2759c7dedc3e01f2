#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing of the lyncedge family (issue 11), with
# tools/nlfuzz.c: every answer checked against a model of the namespace
# (see the head of nlfuzz.c).
#
#   - root: LYNCEDGE_NLFUZZ_ROOT messages (default 100000) in a fresh
#     namespace; its configuration then round-trips through save |
#     restore into another namespace;
#   - nobody, in a network namespace its own user namespace owns (where
#     GENL_UNS_ADMIN_PERM lets it configure): LYNCEDGE_NLFUZZ_USER
#     messages (default 10000), and save | restore round-trips in there;
#   - without CAP_NET_ADMIN over the namespace, as many again in all:
#     nobody in the init namespace, the root of a fresh user namespace in
#     the init namespace, nobody in a configured namespace root owns.
#     Every request must be refused, and save, show and the
#     configuration's generation must be exactly as before;
#   - requests racing "ip netns del" (fuzzers in namespaces deleted under
#     them, some killed mid-batch) and "modprobe -r" / modprobe;
#   - then the module is loaded, a fresh namespace is pristine, and the
#     kernel log holds no report.
#
# LYNCEDGE_NLFUZZ_SEED fixes the seed (printed otherwise): each phase runs
# nlfuzz with SEED plus its number, and the failing phase's nlfuzz line
# reproduces it. It reloads the module: run it before rmmod.

source "$(dirname "$0")/lib.sh"

ROOT_N=${LYNCEDGE_NLFUZZ_ROOT:-100000}
USER_N=${LYNCEDGE_NLFUZZ_USER:-10000}
SEED=${LYNCEDGE_NLFUZZ_SEED:-$(( ($(date +%s) * 1000 + RANDOM) % 1000000000 ))}
# Racing phases run for this long (seconds of the VM's clock).
RACE_S=${LYNCEDGE_NLFUZZ_RACE_S:-20}
NOBODY=65534
NLFUZZ=
USERNS_SYSCTL=/proc/sys/kernel/unprivileged_userns_clone
USERNS_WAS=

as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all "$@"
}

# nlfuzz_run LOGNAME ARGS...: nlfuzz in the current namespace; its summary
# (and on failure its report) go to the TAP output.
nlfuzz_run() {
	local log=$TMPD/$1.log rc
	shift
	"$@" > "$log" 2>&1
	rc=$?
	sed -n 's/^# nlfuzz: /# /p' "$log"
	if [ "$rc" -ne 0 ]; then
		fail "nlfuzz: exit $rc: $*"
		grep -v '^# nlfuzz: ' "$log" | head -80 | sed 's/^/#   /'
	fi
	return 0
}

# The whole configuration as the CLI prints it, and its generation:
# before and after must be byte for byte the same.
state_of() {
	local ns=$1
	if [ "$ns" = init ]; then
		"$LYNCEDGE" save && "$LYNCEDGE" show && "$NLFUZZ" --generation
	else
		le -n "$ns" save && le -n "$ns" show && in_ns "$ns" "$NLFUZZ" --generation
	fi
}

policy_reported() {
	local out
	out=$("$NLFUZZ" --policy 2>&1) || { fail "nlfuzz --policy: $out"; return; }
	echo "$out" | grep -E '^# policy|^#   ' | head -30
	# Every command, with the family's policy behind it: do or dump.
	[ "$(echo "$out" | grep -cE '^# op [0-9]+: .*policy (do 0|do -1 dump 0)')" -eq 12 ] ||
		fail "GETPOLICY does not give the twelve commands their policy"
	echo "$out" | grep -qE '^#    3 nested policy' ||
		fail "GETPOLICY does not nest PREFIXES"
}

FUZZED=
root_model() {
	FUZZED=le-fuzz-$RUN_ID
	ns_create "$FUZZED" || { fail "cannot create $FUZZED"; return; }
	nlfuzz_run root in_ns "$FUZZED" "$NLFUZZ" -m model -n "$ROOT_N" -s "$SEED" -P
}

# save | restore into a fresh namespace | save: the same bytes, and
# something to say (nlfuzz -P leaves every set with prefixes).
root_roundtrip() {
	local copy=le-copy-$RUN_ID
	[ -n "$FUZZED" ] || { fail "no fuzzed namespace"; return; }
	le -n "$FUZZED" save > "$TMPD/saved" || { fail "save failed"; return; }
	grep -qE '^edge ' "$TMPD/saved" || fail "save holds no edge prefix: $(head -c 300 "$TMPD/saved")"
	ns_create "$copy" || { fail "cannot create $copy"; return; }
	le -n "$copy" restore < "$TMPD/saved" || { fail "restore failed"; return; }
	le -n "$copy" save > "$TMPD/copied"
	cmp -s "$TMPD/saved" "$TMPD/copied" ||
		fail "save | restore | save differs: $(diff "$TMPD/saved" "$TMPD/copied" | head -5)"
	le -n "$FUZZED" save | cmp -s - "$TMPD/saved" || fail "the fuzzed namespace's save changed by itself"
	diag "$(grep -c '' "$TMPD/saved") lines saved"
}

# Unprivileged user namespaces: Debian's switch, on for the test.
userns_on() {
	if [ -e "$USERNS_SYSCTL" ]; then
		USERNS_WAS=$(cat "$USERNS_SYSCTL")
		echo 1 > "$USERNS_SYSCTL"
	fi
	as_nobody unshare -U -r -n true 2>/dev/null
}

# nobody owns a user namespace and, through it, a network namespace:
# there the family serves it like root. The round trip runs in there too,
# restoring into a second namespace of the same user namespace.
user_model() {
	local dir=$TMPD/nobody
	mkdir -m 0777 "$dir"
	nlfuzz_run user as_nobody unshare -U -r -n sh -c '
		"$1" -m model -n "$2" -s "$3" -P || exit
		"$4" save > "$5/saved" || exit 21
		unshare -n sh -c "\"\$0\" restore < \"\$1/saved\" && \"\$0\" save > \"\$1/copied\"" \
			"$4" "$5" || exit 22' \
		sh "$NLFUZZ" "$USER_N" "$((SEED + 1))" "$LYNCEDGE" "$dir"
	[ -s "$dir/saved" ] || { fail "nobody's save is empty"; return; }
	grep -qE '^edge ' "$dir/saved" || fail "nobody's save holds no edge prefix"
	cmp -s "$dir/saved" "$dir/copied" ||
		fail "nobody's save | restore | save differs: $(diff "$dir/saved" "$dir/copied" | head -5)"
}

# foreign NAMESPACE LOGNAME SEED CMD...: CMD (nlfuzz -m foreign, as someone
# without CAP_NET_ADMIN over NAMESPACE) changes nothing there.
foreign() {
	local ns=$1 log=$2 seed=$3 before after
	shift 3
	before=$(state_of "$ns") || { fail "cannot read $ns's state"; return; }
	nlfuzz_run "$log" "$@" -m foreign -n "$FOREIGN_N" -s "$seed"
	after=$(state_of "$ns") || { fail "cannot read $ns's state"; return; }
	[ "$before" = "$after" ] || {
		fail "$ns changed under an unprivileged fuzzer"
		diff <(echo "$before") <(echo "$after") | head -10 | sed 's/^/#   /'
	}
}

# The init namespace gets a configuration to lose for the time of the
# test; what it had is put back at exit.
INIT_SAVED=
init_configured() {
	INIT_SAVED=$TMPD/init.saved
	"$LYNCEDGE" save > "$INIT_SAVED" || return 1
	"$LYNCEDGE" restore <<-EOF
		mode off
		log on
		profile pic
		profile base
		profile xmpp
		edge 192.0.2.10
		edge 2001:db8:e::10
		partners 198.51.100.0/24
		access 192.0.2.11
	EOF
}

init_restore() {
	[ -n "$INIT_SAVED" ] && [ -d /sys/module/nf_lyncedge ] &&
		"$LYNCEDGE" restore < "$INIT_SAVED"
	INIT_SAVED=
}

foreign_init_nobody() {
	init_configured || { fail "cannot configure the init namespace"; return; }
	foreign init f-init-nobody "$((SEED + 2))" as_nobody "$NLFUZZ"
}

foreign_init_userns() {
	foreign init f-init-userns "$((SEED + 3))" as_nobody unshare -U -r "$NLFUZZ"
}

foreign_rootns_nobody() {
	local ns=le-owned-$RUN_ID
	ns_create "$ns" && config_sample -n "$ns" monitor &&
		le -n "$ns" profile enable federation xmpp ||
		{ fail "cannot configure $ns"; return; }
	foreign "$ns" f-root-nobody "$((SEED + 4))" in_ns "$ns" setpriv \
		--reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all "$NLFUZZ"
}

# race_fuzzer NAMESPACE SEED: a race-mode fuzzer in the background;
# its pid is appended to RACERS.
RACERS=()
race_fuzzer() {
	local ns=$1 seed=$2
	"$PROBE" -N "$ns" exec "$NLFUZZ" -m race -n 1000000 -d "$RACE_S" -s "$seed" \
		> "$TMPD/race-$seed.log" 2>&1 &
	RACERS+=($!)
	PIDS+=($!)
}

# wait_racers: every racer that was not killed must pass.
wait_racers() {
	local pid rc
	for pid in "${RACERS[@]}"; do
		# No "Killed" notice for those killed on purpose.
		{ wait "$pid"; } 2>/dev/null
		rc=$?
		[ "$rc" -eq 0 ] && continue
		# Killed on purpose (SIGKILL: 137).
		[ "$rc" -eq 137 ] && continue
		fail "a racing nlfuzz exited $rc"
	done
	RACERS=()
	cat "$TMPD"/race-*.log | grep -E 'FAIL|^  ' | head -60 | sed 's/^/#   /'
	grep -h 'messages handled by the kernel' "$TMPD"/race-*.log | awk '{ n += $3 } END { print "# " n " messages from the racing fuzzers" }'
	rm -f "$TMPD"/race-*.log
}

# Fuzzers in namespaces that are deleted under them; two per namespace,
# racing each other as well. Half are killed mid-flight (sockets closed
# with transactions open and dumps running), the others run out their
# time in a namespace that only they keep alive, and its teardown
# follows their exit.
netns_del_race() {
	local i ns pids=() s=$((SEED + 100))
	for i in 1 2 3; do
		ns=le-race$i-$RUN_ID
		ip netns add "$ns" || { fail "cannot create $ns"; return; }
		race_fuzzer "$ns" $((s++))
		race_fuzzer "$ns" $((s++))
	done
	sleep 3
	for i in 1 2 3; do
		ip netns del "le-race$i-$RUN_ID" || fail "ip netns del le-race$i-$RUN_ID failed"
		sleep 1
	done
	# Namespaces created and deleted while the others run.
	for i in 1 2 3 4 5 6; do
		ns=le-brief$i-$RUN_ID
		ip netns add "$ns" || continue
		le -n "$ns" add edge 192.0.2.$i && le -n "$ns" mode enforce
		race_fuzzer "$ns" $((s++))
		pids+=($!)
		sleep 1
		ip netns del "$ns"
	done
	kill -9 "${RACERS[0]}" "${RACERS[3]}" "${pids[1]}" "${pids[4]}" 2>/dev/null
	wait_racers
}

# Fuzzers run while the module is unloaded and loaded again (their
# GETFAMILY lookups may load it too). Each unload that modprobe -r
# refuses (a dump holds the module) is retried; some must succeed, or
# nothing raced. Afterwards the module is loaded, as other areas expect.
rmmod_race() {
	local ns i unloads=0 refused=0 s=$((SEED + 200)) deadline
	for i in 1 2; do
		ns=le-rm$i-$RUN_ID
		ns_create "$ns" || { fail "cannot create $ns"; return; }
		race_fuzzer "$ns" $((s++))
		race_fuzzer "$ns" $((s++))
	done
	sleep 2
	deadline=$((SECONDS + RACE_S - 4))
	while [ "$SECONDS" -lt "$deadline" ]; do
		# A dump holds the module only for a moment: try a few times.
		# (A fuzzer's lookup may load it again at once.)
		for _ in 1 2 3 4 5 6 7 8; do
			if modprobe -r nf_lyncedge 2>/dev/null; then
				unloads=$((unloads + 1))
				break
			fi
			refused=$((refused + 1))
			sleep 0.1
		done
		sleep 0.$((RANDOM % 5))
		modprobe nf_lyncedge || fail "modprobe nf_lyncedge failed"
		# A namespace going away while the module comes and goes.
		ns=le-rmb$i-$RUN_ID
		i=$((i + 1))
		ip netns add "$ns" && ip netns del "$ns"
		sleep 0.$((RANDOM % 5))
	done
	wait_racers
	modprobe nf_lyncedge || fail "modprobe nf_lyncedge after the race failed"
	[ -d /sys/module/nf_lyncedge ] || fail "the module is not loaded after the race"
	diag "$unloads unloads, $refused attempts refused (module in use)"
	[ "$unloads" -gt 0 ] || fail "the module was never unloaded: nothing raced"
}

aftermath() {
	local t ns=le-after-$RUN_ID
	[ -d /sys/module/nf_lyncedge ] || fail "the module is not loaded"
	ns_create "$ns" && expect_pristine "$ns"
	t=$(kernel_trouble)
	[ -z "$t" ] || fail "kernel log: $(echo "$t" | head -5)"
}

nlfuzz_cleanup() {
	local pid
	for pid in "${RACERS[@]}"; do
		kill -9 "$pid" 2>/dev/null
	done
	init_restore
	[ -n "$USERNS_WAS" ] && echo "$USERNS_WAS" > "$USERNS_SYSCTL"
	modprobe nf_lyncedge 2>/dev/null
	cleanup
}

lib_init
[ -n "${LYNCEDGE_FAKE:-}" ] && skip_all "needs the real module"
require_tool setpriv unshare modprobe dmesg
trap nlfuzz_cleanup EXIT
out=${PROBE_DIR:-$REPO_DIR/build/selftests}
make -s -C "$SELFTESTS_DIR/tools" OUT="$out" "$out/nlfuzz" >&2 ||
	skip_all "cannot build selftests/tools/nlfuzz"
NLFUZZ=$out/nlfuzz
# nobody reaches the tools and its own files.
chmod o+x "$TMPD"
DMESG_START=$(dmesg_lines)
# Without capabilities, spread over three ways of lacking them.
FOREIGN_N=$(( (USER_N + 2) / 3 ))
diag "seed $SEED (LYNCEDGE_NLFUZZ_SEED), root $ROOT_N, unprivileged $USER_N + 3 x $FOREIGN_N messages"

run_case "GETPOLICY reports the family's commands and policy" policy_reported
run_case "root: $ROOT_N messages in a fresh namespace, each answered as the model says" root_model
run_case "root: the fuzzed namespace round-trips through save | restore" root_roundtrip
if userns_on; then
	run_case "nobody, in a namespace its user namespace owns: $USER_N messages as the model says; save | restore round-trips" user_model
	run_case "root of a new user namespace, in the init namespace: all refused, nothing changed" foreign_init_userns
else
	skip_case "nobody, in a namespace its user namespace owns" "no unprivileged user namespaces"
	skip_case "root of a new user namespace, in the init namespace" "no unprivileged user namespaces"
fi
run_case "nobody, in the init namespace: all refused, nothing changed" foreign_init_nobody
init_restore
run_case "nobody, in a configured namespace root owns: all refused, nothing changed" foreign_rootns_nobody
run_case "requests racing ip netns del and each other" netns_del_race
run_case "requests racing modprobe -r and modprobe; the module loaded after" rmmod_race
run_case "afterwards: a fresh namespace is pristine, the kernel log clean" aftermath

tap_finish
