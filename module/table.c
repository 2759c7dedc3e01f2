// SPDX-License-Identifier: GPL-2.0
/*
 * The table and the verdict: see table.h. The rows are Microsoft's "Port
 * summary - Public IM connectivity" for Lync Server 2013, read as the
 * project documents it: a row allows the flows that its source starts,
 * to its destination port; replies pass through connection tracking.
 */
#include "table.h"

const struct lyncedge_rule lyncedge_rules[LYNCEDGE_RULE_COUNT] = {
	{ "SIP/MTLS", IPPROTO_TCP, 5061, 5061,
	  LYNCEDGE_SET_PARTNERS, LYNCEDGE_SET_EDGE },
	{ "SIP/MTLS", IPPROTO_TCP, 5061, 5061,
	  LYNCEDGE_SET_EDGE, LYNCEDGE_SET_PARTNERS },
	{ "SIP/TLS", IPPROTO_TCP, 443, 443,
	  LYNCEDGE_SET_CLIENTS, LYNCEDGE_SET_EDGE },
	{ "RTP", IPPROTO_TCP, 50000, 59999,
	  LYNCEDGE_SET_EDGE, LYNCEDGE_SET_MESSENGER },
	{ "STUN", IPPROTO_UDP, 3478, 3478,
	  LYNCEDGE_SET_EDGE, LYNCEDGE_SET_MESSENGER },
	{ "STUN", IPPROTO_UDP, 3478, 3478,
	  LYNCEDGE_SET_MESSENGER, LYNCEDGE_SET_EDGE },
};

/* Neighbour solicitation/advertisement, router solicitation/advertisement
 * and redirect: without them an edge address held by this host goes dark.
 */
static bool is_neighbour_discovery(const struct lyncedge_tuple *t)
{
	return t->proto == IPPROTO_ICMPV6 &&
	       t->icmp_type >= 133 && t->icmp_type <= 137;
}

static struct lyncedge_verdict verdict(u8 kind, u8 index)
{
	struct lyncedge_verdict v = { kind, index };

	return v;
}

struct lyncedge_verdict
lyncedge_classify(const struct lyncedge_set *const sets[LYNCEDGE_SET_COUNT],
		  const struct lyncedge_tuple *t)
{
	const struct lyncedge_set *edge = sets[LYNCEDGE_SET_EDGE];
	bool src_edge = lyncedge_set_contains(edge, &t->src);
	bool dst_edge = lyncedge_set_contains(edge, &t->dst);
	unsigned int i;

	if (likely(!src_edge && !dst_edge))
		return verdict(LYNCEDGE_PASS_NOT_EDGE, 0);
	if (t->malformed)
		return verdict(LYNCEDGE_DENY, LYNCEDGE_DENY_MALFORMED);
	if (is_neighbour_discovery(t))
		return verdict(LYNCEDGE_PASS_NEIGHBOUR, 0);

	switch (t->ct_state) {
	case LYNCEDGE_CT_ESTABLISHED:
	case LYNCEDGE_CT_RELATED:
		return verdict(LYNCEDGE_PASS_STATE, 0);
	case LYNCEDGE_CT_INVALID:
		return verdict(LYNCEDGE_DENY, LYNCEDGE_DENY_INVALID);
	}

	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++) {
		const struct lyncedge_rule *r = &lyncedge_rules[i];
		bool src_in, dst_in;

		if (r->proto != t->proto || t->dport < r->dport_min ||
		    t->dport > r->dport_max)
			continue;
		/*
		 * Every row has edge on one side, which is known already:
		 * when it does not match, the other side's lookup is wasted.
		 */
		if ((r->src_set == LYNCEDGE_SET_EDGE && !src_edge) ||
		    (r->dst_set == LYNCEDGE_SET_EDGE && !dst_edge))
			continue;
		src_in = r->src_set == LYNCEDGE_SET_EDGE ||
			 lyncedge_set_contains(sets[r->src_set], &t->src);
		dst_in = r->dst_set == LYNCEDGE_SET_EDGE ||
			 lyncedge_set_contains(sets[r->dst_set], &t->dst);
		if (src_in && dst_in)
			return verdict(LYNCEDGE_PASS_RULE, i);
	}
	return verdict(LYNCEDGE_DENY, LYNCEDGE_DENY_NO_RULE);
}
