// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict for parsed tuples: the rows in both directions, port range
 * edges and both readings of the A/V range, the edge-side roles, the
 * profiles, the order of the checks before the rows, and the port index
 * held against a plain walk of every row.
 */
#include <stdio.h>
#include "kselftest.h"
#include "reference.h"
#include "table.h"

#define EDGE4		0xcb00710aU	/* 203.0.113.10 */
#define PARTNER4	0xc6336414U	/* 198.51.100.20 */
#define CLIENT4		0xc000021eU	/* 192.0.2.30 */
#define MESSENGER4	0xc6120028U	/* 198.18.0.40 */
#define STRANGER4	0xc6130032U	/* 198.19.0.50 */
#define DB8(n)		(0x20010db800000000ULL | ((u64)(n) << 16))

#define AV4		0xcb00710cU	/* 203.0.113.12 */
#define ACCESS4		0xcb00710bU	/* 203.0.113.11 */

static struct lyncedge_ruleset rs;
/* The sets, by name, as the tests change them. */
#define sets rs.sets

static struct lyncedge_tuple tuple4(u32 src, u32 dst, u8 proto, u16 dport)
{
	struct lyncedge_tuple t = { .proto = proto, .sport = 40000, .dport = dport,
				    .ct_state = LYNCEDGE_CT_NEW };

	t.src = prefix4(src, 32).addr;
	t.dst = prefix4(dst, 32).addr;
	return t;
}

static struct lyncedge_tuple tuple6(u64 src_hi, u64 dst_hi, u8 proto, u16 dport)
{
	struct lyncedge_tuple t = { .proto = proto, .sport = 40000, .dport = dport,
				    .ct_state = LYNCEDGE_CT_NEW };

	t.src = prefix6(src_hi, 0x10, 128).addr;
	t.dst = prefix6(dst_hi, 0x10, 128).addr;
	return t;
}

/*
 * Every verdict of these tests, twice: with the edge-side sets as ranges
 * (the tests change the sets at will, so they are prepared each time) and
 * with them looked up. The two must agree.
 */
static unsigned long verdicts, by_ranges, paths_differ;

static struct lyncedge_verdict classify(const struct lyncedge_tuple *t)
{
	struct lyncedge_ruleset looked_up = rs;
	struct lyncedge_verdict v, w;

	lyncedge_ruleset_prepare(&rs);
	v = lyncedge_classify(&rs, t);
	memset(&looked_up.edge, 0, sizeof(looked_up.edge));
	w = lyncedge_classify(&looked_up, t);
	verdicts++;
	by_ranges += rs.edge.valid;
	if (v.kind != w.kind || v.index != w.index || v.matched != w.matched) {
		if (!paths_differ++)
			ksft_print_msg("proto %u %u -> %u: ranges %u/%u, lookups %u/%u\n",
				       t->proto, t->sport, t->dport, v.kind,
				       v.index, w.kind, w.index);
	}
	return v;
}

static bool is(struct lyncedge_tuple t, u8 kind, u8 index)
{
	struct lyncedge_verdict v = classify(&t);

	return v.kind == kind && v.index == index;
}

static struct lyncedge_tuple with_sport(struct lyncedge_tuple t, u16 sport)
{
	t.sport = sport;
	return t;
}

static bool allowed_by(struct lyncedge_tuple t, u8 row)
{
	return is(t, LYNCEDGE_PASS_RULE, row - 1);
}

static bool denied(struct lyncedge_tuple t)
{
	return is(t, LYNCEDGE_DENY, LYNCEDGE_DENY_NO_RULE);
}

static void make_sets(void)
{
	struct lyncedge_prefix edge[] = { prefix4(EDGE4, 32), prefix6(DB8(0xe), 0x10, 128) };
	struct lyncedge_prefix partners[] = { prefix4(0xc6336400, 24), prefix6(DB8(1), 0, 64) };
	struct lyncedge_prefix clients[] = { prefix4(0xc0000200, 24), prefix6(DB8(2), 0, 64) };
	struct lyncedge_prefix messenger[] = { prefix4(0xc6120000, 24), prefix6(DB8(3), 0, 64) };

	sets[LYNCEDGE_SET_EDGE] = set_of(edge, 2);
	sets[LYNCEDGE_SET_PARTNERS] = set_of(partners, 2);
	sets[LYNCEDGE_SET_CLIENTS] = set_of(clients, 2);
	sets[LYNCEDGE_SET_MESSENGER] = set_of(messenger, 2);
}

static void test_rows(void)
{
	/* Each row in its direction, then the same flow started the other way. */
	ksft_test_result(allowed_by(tuple4(PARTNER4, EDGE4, IPPROTO_TCP, 5061), 1) &&
			 allowed_by(tuple6(DB8(1), DB8(0xe), IPPROTO_TCP, 5061), 1),
			 "row 1: partner -> edge tcp/5061\n");
	ksft_test_result(allowed_by(tuple4(EDGE4, PARTNER4, IPPROTO_TCP, 5061), 2) &&
			 allowed_by(tuple6(DB8(0xe), DB8(1), IPPROTO_TCP, 5061), 2),
			 "row 2: edge -> partner tcp/5061\n");
	ksft_test_result(allowed_by(tuple4(CLIENT4, EDGE4, IPPROTO_TCP, 443), 3) &&
			 allowed_by(tuple6(DB8(2), DB8(0xe), IPPROTO_TCP, 443), 3) &&
			 denied(tuple4(EDGE4, CLIENT4, IPPROTO_TCP, 443)),
			 "row 3: client -> edge tcp/443, not the reverse\n");
	ksft_test_result(allowed_by(tuple4(EDGE4, MESSENGER4, IPPROTO_TCP, 50000), 4) &&
			 allowed_by(tuple6(DB8(0xe), DB8(3), IPPROTO_TCP, 59999), 4) &&
			 denied(tuple4(MESSENGER4, EDGE4, IPPROTO_TCP, 50000)),
			 "row 4: edge -> messenger tcp/50000-59999, not the reverse\n");
	ksft_test_result(allowed_by(tuple4(EDGE4, MESSENGER4, IPPROTO_UDP, 3478), 5) &&
			 allowed_by(tuple6(DB8(0xe), DB8(3), IPPROTO_UDP, 3478), 5),
			 "row 5: edge -> messenger udp/3478\n");
	ksft_test_result(allowed_by(tuple4(MESSENGER4, EDGE4, IPPROTO_UDP, 3478), 6) &&
			 allowed_by(tuple6(DB8(3), DB8(0xe), IPPROTO_UDP, 3478), 6),
			 "row 6: messenger -> edge udp/3478\n");
	ksft_test_result(denied(tuple4(EDGE4, MESSENGER4, IPPROTO_TCP, 49999)) &&
			 denied(tuple4(EDGE4, MESSENGER4, IPPROTO_TCP, 60000)) &&
			 denied(with_sport(tuple4(EDGE4, MESSENGER4, IPPROTO_TCP, 443), 49999)) &&
			 denied(with_sport(tuple4(EDGE4, MESSENGER4, IPPROTO_TCP, 443), 60000)) &&
			 denied(tuple6(DB8(0xe), DB8(3), IPPROTO_TCP, 49999)) &&
			 denied(tuple6(DB8(0xe), DB8(3), IPPROTO_TCP, 60000)),
			 "row 4 range edges: 49999 and 60000 denied\n");
	ksft_test_result(denied(tuple4(PARTNER4, EDGE4, IPPROTO_UDP, 5061)) &&
			 denied(tuple4(MESSENGER4, EDGE4, IPPROTO_TCP, 3478)) &&
			 denied(tuple4(CLIENT4, EDGE4, IPPROTO_UDP, 443)) &&
			 denied(tuple4(PARTNER4, EDGE4, 132 /* SCTP */, 5061)),
			 "wrong protocol denied\n");
	ksft_test_result(denied(tuple4(PARTNER4, EDGE4, IPPROTO_TCP, 5062)) &&
			 denied(tuple4(MESSENGER4, EDGE4, IPPROTO_UDP, 3479)) &&
			 denied(tuple6(DB8(2), DB8(0xe), IPPROTO_TCP, 80)),
			 "wrong port denied\n");
	ksft_test_result(denied(tuple4(STRANGER4, EDGE4, IPPROTO_TCP, 5061)) &&
			 denied(tuple4(CLIENT4, EDGE4, IPPROTO_TCP, 5061)) &&
			 denied(tuple4(PARTNER4, EDGE4, IPPROTO_TCP, 443)) &&
			 denied(tuple4(EDGE4, CLIENT4, IPPROTO_UDP, 3478)),
			 "wrong set denied\n");
}

static void test_order(void)
{
	struct lyncedge_tuple t;

	t = tuple4(STRANGER4, PARTNER4, IPPROTO_TCP, 22);
	ksft_test_result(is(t, LYNCEDGE_PASS_NOT_EDGE, 0), "non-edge traffic is not ours\n");
	t.malformed = true;
	ksft_test_result(is(t, LYNCEDGE_PASS_NOT_EDGE, 0),
			 "non-edge traffic passes even when malformed\n");

	t = tuple4(PARTNER4, EDGE4, IPPROTO_TCP, 5061);
	t.malformed = true;
	ksft_test_result(is(t, LYNCEDGE_DENY, LYNCEDGE_DENY_MALFORMED),
			 "malformed edge traffic is denied before the rows\n");

	t = tuple6(DB8(0xe), DB8(4), IPPROTO_ICMPV6, 0);
	t.icmp_type = 135;
	t.hop_limit = 255;
	t.ct_state = LYNCEDGE_CT_INVALID;
	ksft_test_result(is(t, LYNCEDGE_PASS_NEIGHBOUR, 0),
			 "neighbour solicitation from an edge address passes, even invalid\n");
	t.ct_state = LYNCEDGE_CT_NEW;
	t.hop_limit = 64;
	ksft_test_result(denied(t), "neighbour discovery with hop limit 64 is no row's\n");
	t.hop_limit = 255;
	t.forwarded = true;
	ksft_test_result(denied(t), "routed neighbour discovery is no row's, even at hop limit 255\n");
	t.forwarded = false;
	t.icmp_type = 128;
	t.ct_state = LYNCEDGE_CT_NEW;
	ksft_test_result(denied(t), "ICMPv6 echo to or from edge is no row's\n");

	t = tuple4(STRANGER4, EDGE4, IPPROTO_TCP, 22);
	t.ct_state = LYNCEDGE_CT_ESTABLISHED;
	ksft_test_result(is(t, LYNCEDGE_PASS_STATE, 0), "established passes\n");
	t.ct_state = LYNCEDGE_CT_RELATED;
	ksft_test_result(is(t, LYNCEDGE_PASS_STATE, 0), "related passes\n");
	t = tuple4(PARTNER4, EDGE4, IPPROTO_TCP, 5061);
	t.ct_state = LYNCEDGE_CT_INVALID;
	ksft_test_result(is(t, LYNCEDGE_DENY, LYNCEDGE_DENY_INVALID),
			 "invalid is denied even on an allowed port\n");
	t.ct_state = LYNCEDGE_CT_UNTRACKED;
	ksft_test_result(allowed_by(t, 1), "untracked is held to the rows\n");
}

static void test_any(void)
{
	struct lyncedge_prefix any[] = { prefix4(0, 0), prefix6(0, 0, 0) };
	const struct lyncedge_set *partners = sets[LYNCEDGE_SET_PARTNERS];
	struct lyncedge_set *everyone = set_of(any, 2);

	sets[LYNCEDGE_SET_PARTNERS] = everyone;
	ksft_test_result(allowed_by(tuple4(STRANGER4, EDGE4, IPPROTO_TCP, 5061), 1) &&
			 allowed_by(tuple6(DB8(4), DB8(0xe), IPPROTO_TCP, 5061), 1),
			 "0.0.0.0/0 and ::/0 in partners mean anyone\n");
	sets[LYNCEDGE_SET_PARTNERS] = NULL;
	ksft_test_result(denied(tuple4(PARTNER4, EDGE4, IPPROTO_TCP, 5061)),
			 "an empty partners set allows no partner\n");
	sets[LYNCEDGE_SET_PARTNERS] = partners;
	lyncedge_set_free(everyone);
}

static u8 matched(struct lyncedge_tuple t)
{
	return classify(&t).matched;
}

static void test_av_source_port(void)
{
	struct lyncedge_tuple out = with_sport(tuple4(EDGE4, MESSENGER4, IPPROTO_TCP, 443), 50123);
	struct lyncedge_tuple in = with_sport(tuple4(MESSENGER4, EDGE4, IPPROTO_TCP, 443), 50123);

	ksft_test_result(allowed_by(out, 4) && matched(out) == LYNCEDGE_MATCHED_SPORT &&
			 allowed_by(with_sport(tuple6(DB8(0xe), DB8(3), IPPROTO_TCP, 443), 59999), 4),
			 "row 4: edge:50123 -> messenger:443 allowed by the source port\n");
	ksft_test_result(matched(tuple4(EDGE4, MESSENGER4, IPPROTO_TCP, 50000)) ==
			 LYNCEDGE_MATCHED_DPORT && denied(in) &&
			 denied(with_sport(tuple4(EDGE4, MESSENGER4, IPPROTO_UDP, 443), 50123)),
			 "row 4: destination reading named; not inbound, not udp\n");
}

static const struct lyncedge_rule *row_labelled(const char *label)
{
	unsigned int i;

	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++)
		if (!strcmp(lyncedge_rules[i].label, label))
			return &lyncedge_rules[i];
	ksft_exit_fail_msg("no row %s\n", label);
	return NULL;
}

static bool allowed_by_label(struct lyncedge_tuple t, const char *label)
{
	return allowed_by(t, row_labelled(label) - lyncedge_rules + 1);
}

static void test_roles(void)
{
	struct lyncedge_prefix access[] = { prefix4(ACCESS4, 32) };
	struct lyncedge_prefix av[] = { prefix4(AV4, 32) };
	struct lyncedge_set *access_set = set_of(access, 1), *av_set = set_of(av, 1);

	sets[LYNCEDGE_SET_ACCESS] = access_set;
	sets[LYNCEDGE_SET_AV] = av_set;
	ksft_test_result(allowed_by(tuple4(PARTNER4, ACCESS4, IPPROTO_TCP, 5061), 1) &&
			 allowed_by(tuple4(AV4, MESSENGER4, IPPROTO_UDP, 3478), 5) &&
			 denied(tuple4(PARTNER4, AV4, IPPROTO_TCP, 5061)) &&
			 denied(tuple4(ACCESS4, MESSENGER4, IPPROTO_UDP, 3478)) &&
			 denied(tuple4(PARTNER4, EDGE4, IPPROTO_TCP, 5061)),
			 "roles: SIP only to access, STUN only from av, edge no longer stands in\n");
	ksft_test_result(is(tuple4(STRANGER4, AV4, IPPROTO_TCP, 22), LYNCEDGE_DENY,
			    LYNCEDGE_DENY_NO_RULE) &&
			 is(tuple4(STRANGER4, EDGE4, IPPROTO_TCP, 22), LYNCEDGE_DENY,
			    LYNCEDGE_DENY_NO_RULE),
			 "roles: an address in a role set or in edge makes traffic ours\n");
	sets[LYNCEDGE_SET_ACCESS] = NULL;
	ksft_test_result(allowed_by(tuple4(PARTNER4, EDGE4, IPPROTO_TCP, 5061), 1) &&
			 is(tuple4(PARTNER4, ACCESS4, IPPROTO_TCP, 5061),
			    LYNCEDGE_PASS_NOT_EDGE, 0),
			 "roles: an empty access set stands for edge\n");
	sets[LYNCEDGE_SET_AV] = NULL;
	lyncedge_set_free(access_set);
	lyncedge_set_free(av_set);
}

static void test_profiles(void)
{
	static const struct {
		const char *label;
		u8 profile;
		bool edge_first;	/* the edge address opens the flow */
		u8 proto;
		u16 dport;
		bool one_way;		/* no row of the profile mirrors it */
	} cases[] = {
		{ "E2", LYNCEDGE_PROFILE_BASE, true, IPPROTO_TCP, 80, true },
		{ "E3", LYNCEDGE_PROFILE_BASE, true, IPPROTO_TCP, 53, true },
		{ "E4", LYNCEDGE_PROFILE_BASE, true, IPPROTO_UDP, 53, true },
		{ "E5", LYNCEDGE_PROFILE_REMOTE_USERS, false, IPPROTO_TCP, 443, false },
		{ "E9", LYNCEDGE_PROFILE_REMOTE_USERS, true, IPPROTO_TCP, 50000, false },
		{ "E13", LYNCEDGE_PROFILE_REMOTE_USERS, true, IPPROTO_UDP, 3478, false },
		{ "E14", LYNCEDGE_PROFILE_REMOTE_USERS, false, IPPROTO_UDP, 3478, false },
		{ "E16", LYNCEDGE_PROFILE_REMOTE_USERS, true, IPPROTO_TCP, 443, false },
		{ "E6", LYNCEDGE_PROFILE_FEDERATION, false, IPPROTO_TCP, 5061, false },
		{ "E7/F1", LYNCEDGE_PROFILE_FEDERATION, true, IPPROTO_TCP, 5061, false },
		{ "E1/X1", LYNCEDGE_PROFILE_XMPP, false, IPPROTO_TCP, 5269, false },
		{ "X2", LYNCEDGE_PROFILE_XMPP, true, IPPROTO_TCP, 5269, false },
		{ "E10", LYNCEDGE_PROFILE_OCS2007, true, IPPROTO_UDP, 50000, false },
		{ "E11", LYNCEDGE_PROFILE_OCS2007, false, IPPROTO_TCP, 59999, true },
		{ "E12", LYNCEDGE_PROFILE_OCS2007, false, IPPROTO_UDP, 50000, false },
	};
	bool on_ok = true, off_ok = true, reverse_ok = true;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lyncedge_tuple t = cases[i].edge_first ?
			tuple4(EDGE4, STRANGER4, cases[i].proto, cases[i].dport) :
			tuple4(STRANGER4, EDGE4, cases[i].proto, cases[i].dport);
		struct lyncedge_tuple back = cases[i].edge_first ?
			tuple4(STRANGER4, EDGE4, cases[i].proto, cases[i].dport) :
			tuple4(EDGE4, STRANGER4, cases[i].proto, cases[i].dport);

		rs.rows = lyncedge_profile_rows(BIT(LYNCEDGE_PROFILE_PIC));
		off_ok &= denied(t);
		rs.rows = lyncedge_profile_rows(BIT(LYNCEDGE_PROFILE_PIC) |
						BIT(cases[i].profile));
		if (!allowed_by_label(t, cases[i].label)) {
			ksft_print_msg("%s not allowed when its profile is on\n",
				       cases[i].label);
			on_ok = false;
		}
		if (cases[i].one_way && !denied(back)) {
			ksft_print_msg("%s allows its flow backwards\n",
				       cases[i].label);
			reverse_ok = false;
		}
	}
	ksft_test_result(on_ok, "every profile row allows its flow when on\n");
	ksft_test_result(off_ok, "and denies it with only pic on\n");
	ksft_test_result(reverse_ok, "and denies the flow started the other way\n");
	rs.rows = lyncedge_profile_rows(BIT(LYNCEDGE_PROFILE_PIC));
}

/* The verdict by a plain walk of every row, for the index to match. */
static bool port_in(const struct lyncedge_rule *r, u16 port)
{
	return port >= r->port_min && port <= r->port_max;
}

static bool endpoint_in(u8 endpoint, const struct lyncedge_addr *a)
{
	if (endpoint == LYNCEDGE_ANY)
		return true;
	if (lyncedge_is_edge_side(endpoint))
		return lyncedge_set_contains(lyncedge_role_set(&rs, endpoint), a);
	return lyncedge_set_contains(sets[endpoint], a);
}

static int walk_rows(const struct lyncedge_tuple *t)
{
	unsigned int i;

	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++) {
		const struct lyncedge_rule *r = &lyncedge_rules[i];

		if (!(rs.rows & BIT(i)) || r->proto != t->proto)
			continue;
		if (!port_in(r, t->dport) &&
		    !(r->port_match == LYNCEDGE_PORT_DST_OR_SRC && port_in(r, t->sport)))
			continue;
		if (endpoint_in(r->src, &t->src) && endpoint_in(r->dst, &t->dst))
			return i;
	}
	return -1;
}

static u16 random_port(void)
{
	static const u16 near[] = { 53, 80, 443, 3478, 5061, 5269, 50000, 59999 };
	u64 r = rng();

	if (r & 1)
		return (u16)(r >> 16);
	return near[(r >> 8) % 8] + (int)((r >> 24) % 3) - 1;
}

static void test_index_against_walk(void)
{
	const u32 addrs[] = { EDGE4, ACCESS4, AV4, PARTNER4, CLIENT4, MESSENGER4, STRANGER4 };
	struct lyncedge_prefix av[] = { prefix4(AV4, 32) };
	struct lyncedge_set *av_set = set_of(av, 1);
	unsigned long checked = 0, bad = 0;
	u32 profiles;
	int n;

	rng_seed(0x1dcedea1);
	for (profiles = 0; profiles <= LYNCEDGE_PROFILES_ALL; profiles++) {
		if (!(profiles & BIT(LYNCEDGE_PROFILE_PIC)))
			continue;
		rs.rows = lyncedge_profile_rows(profiles);
		sets[LYNCEDGE_SET_AV] = (profiles & 2) ? av_set : NULL;
		for (n = 0; n < 20000; n++) {
			struct lyncedge_tuple t = tuple4(addrs[rng() % 7], addrs[rng() % 7],
							 rng() % 3 ? IPPROTO_TCP : IPPROTO_UDP,
							 random_port());
			struct lyncedge_verdict v;
			int want;

			t.sport = random_port();
			v = classify(&t);
			if (v.kind == LYNCEDGE_PASS_NOT_EDGE)
				continue;
			want = walk_rows(&t);
			checked++;
			if ((want < 0 && v.kind != LYNCEDGE_DENY) ||
			    (want >= 0 && (v.kind != LYNCEDGE_PASS_RULE || v.index != want))) {
				if (!bad++)
					ksft_print_msg("profiles %#x proto %u %u -> %u: got %u/%u, want %d\n",
						       profiles, t.proto, t.sport, t.dport,
						       v.kind, v.index, want);
			}
		}
	}
	sets[LYNCEDGE_SET_AV] = NULL;
	lyncedge_set_free(av_set);
	rs.rows = lyncedge_profile_rows(BIT(LYNCEDGE_PROFILE_PIC));
	ksft_test_result(!bad && checked > 100000,
			 "port index agrees with a walk of every row: %lu tuples, 32 profile sets\n",
			 checked);
}

/* The first or last address of p, one past either, or any address. */
static struct lyncedge_addr address_near(const struct lyncedge_prefix *p, u64 r)
{
	struct lyncedge_addr a = p->addr;
	bool last = r & 1, past = r & 2;

	if (r % 7 == 6)
		return a.family == LYNCEDGE_IPV4 ? addr4(rng()) : addr6(rng(), rng());
	if (a.family == LYNCEDGE_IPV4) {
		if (last)
			a.v4 |= p->len == 32 ? 0 : ~0U >> p->len;
		a.v4 += past ? (last ? 1 : -1) : 0;
		return a;
	}
	if (last) {
		if (p->len < 64) {
			a.v6.hi |= ~0ULL >> p->len;
			a.v6.lo = ~0ULL;
		} else if (p->len < 128) {
			a.v6.lo |= ~0ULL >> (p->len - 64);
		}
	}
	if (past && last) {
		a.v6.hi += !++a.v6.lo;
	} else if (past) {
		a.v6.hi -= !a.v6.lo--;
	}
	return a;
}

/*
 * Edge-side prefixes of every length, both families, in edge and in a
 * role, probed at, around and away from their bounds: ranges and lookups
 * must agree on who touches the edge and in which role. And past
 * LYNCEDGE_EDGE_RANGES prefixes in a family, lookups take over.
 */
static void test_edge_ranges(void)
{
	const struct lyncedge_set *saved_edge = sets[LYNCEDGE_SET_EDGE];
	unsigned long before = verdicts, ranged = by_ranges;
	struct lyncedge_prefix edge[6], av[6], many[LYNCEDGE_EDGE_RANGES + 1];
	struct lyncedge_set *edge_set, *av_set, *many_set;
	bool fell_back;
	int round, i, k;

	rng_seed(0xed6e5);
	for (round = 0; round < 400; round++) {
		for (i = 0; i < 6; i++) {
			u8 len4 = rng() % 33, len6 = rng() % 129;

			edge[i] = i % 2 ? prefix6(rng(), rng(), len6) : prefix4(rng(), len4);
			av[i] = i % 2 ? prefix4(rng(), len4) : prefix6(rng(), rng(), len6);
			edge[i] = masked(edge[i]);
			av[i] = masked(av[i]);
		}
		edge_set = set_of(edge, 6);
		av_set = set_of(av, round % 2 ? 6 : 0);
		sets[LYNCEDGE_SET_EDGE] = edge_set;
		sets[LYNCEDGE_SET_AV] = av_set;
		for (k = 0; k < 200; k++) {
			const struct lyncedge_prefix *p = rng() % 2 ? &edge[rng() % 6] : &av[rng() % 6];
			struct lyncedge_tuple t = tuple4(STRANGER4, MESSENGER4, IPPROTO_TCP, 443);

			/* An address at a bound of p, or just past one, or anywhere. */
			t.src = address_near(p, rng());
			t.dst = t.src.family == LYNCEDGE_IPV4 ? prefix4(MESSENGER4, 32).addr :
								prefix6(DB8(3), 0x40, 128).addr;
			t.sport = random_port();
			t.dport = random_port();
			if (rng() % 2) {
				struct lyncedge_addr a = t.src;

				t.src = t.dst;
				t.dst = a;
			}
			classify(&t);
		}
		sets[LYNCEDGE_SET_AV] = NULL;
		lyncedge_set_free(av_set);
		lyncedge_set_free(edge_set);
	}
	for (i = 0; i <= LYNCEDGE_EDGE_RANGES; i++)
		many[i] = prefix4(EDGE4 + 16 * (u32)i, 32);
	many_set = set_of(many, LYNCEDGE_EDGE_RANGES + 1);
	sets[LYNCEDGE_SET_EDGE] = many_set;
	lyncedge_ruleset_prepare(&rs);
	fell_back = !rs.edge.valid;
	is(tuple4(EDGE4 + 16 * LYNCEDGE_EDGE_RANGES, PARTNER4, IPPROTO_TCP, 5061),
	   LYNCEDGE_PASS_RULE, 1);
	sets[LYNCEDGE_SET_EDGE] = saved_edge;
	lyncedge_set_free(many_set);
	ksft_test_result(!paths_differ && by_ranges - ranged >= 80000 && fell_back,
			 "edge-side ranges agree with set lookups: %lu verdicts (%lu by ranges), lookups past %d prefixes\n",
			 verdicts - before, by_ranges - ranged, LYNCEDGE_EDGE_RANGES);
}

int main(void)
{
	unsigned int i;

	ksft_print_header();
	ksft_set_plan(34);
	lyncedge_table_init();
	rs.rows = lyncedge_profile_rows(BIT(LYNCEDGE_PROFILE_PIC));
	make_sets();
	test_rows();
	test_order();
	test_any();
	test_av_source_port();
	test_roles();
	test_profiles();
	test_index_against_walk();
	test_edge_ranges();
	ksft_test_result(!paths_differ, "ranges and lookups agree on all %lu verdicts\n", verdicts);
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		lyncedge_set_free((struct lyncedge_set *)sets[i]);
	ksft_finished();
}
