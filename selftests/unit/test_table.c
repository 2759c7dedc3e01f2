// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict for parsed tuples: the table's rows in both directions, port
 * range edges, and the order of the checks before the rows.
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

static const struct lyncedge_set *sets[LYNCEDGE_SET_COUNT];

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

static bool is(struct lyncedge_tuple t, u8 kind, u8 index)
{
	struct lyncedge_verdict v = lyncedge_classify(sets, &t);

	return v.kind == kind && v.index == index;
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
	t.ct_state = LYNCEDGE_CT_INVALID;
	ksft_test_result(is(t, LYNCEDGE_PASS_NEIGHBOUR, 0),
			 "neighbour solicitation from an edge address passes, even invalid\n");
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

int main(void)
{
	unsigned int i;

	ksft_print_header();
	ksft_set_plan(21);
	make_sets();
	test_rows();
	test_order();
	test_any();
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		lyncedge_set_free((struct lyncedge_set *)sets[i]);
	ksft_finished();
}
