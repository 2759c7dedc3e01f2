// SPDX-License-Identifier: GPL-2.0
/*
 * The rows and the verdict: see table.h. The rows are Microsoft's port
 * summaries for the Lync Server 2013 Edge Server's external interface,
 * read as the project documents them (README, "The rows"): a row allows
 * the flows that its source starts; replies pass through connection
 * tracking.
 */
#include "table.h"

#define PIC "Port summary - Public IM connectivity (JJ618376)"
#define EDGE "Port summary - Single consolidated edge (Gg425891)"
#define EDGE_F1 EDGE ", SIP federation F1"
#define EDGE_X "Port summary - XMPP federation"
#define AV_LOW 50000
#define AV_HIGH 59999

#define ROW(p, lbl, svc, src_set, dst_set, ipproto, lo, hi, match, from) { \
	.label = lbl, .service = svc, .cite = from,			     \
	.profile = LYNCEDGE_PROFILE_##p, .proto = IPPROTO_##ipproto,	     \
	.port_match = LYNCEDGE_PORT_##match, .port_min = lo,		     \
	.port_max = hi, .src = src_set, .dst = dst_set }

#define ACCESS LYNCEDGE_SET_ACCESS
#define WEBCONF LYNCEDGE_SET_WEBCONF
#define AV LYNCEDGE_SET_AV
#define ANY LYNCEDGE_ANY

/*
 * Order is first-match order and, for pic, the row numbers users know.
 * The A/V range is the A/V Edge's own port range: where the A/V Edge
 * starts the flow, the range is matched against either port (Microsoft
 * gives the source-port reading, the tables the destination one).
 */
const struct lyncedge_rule lyncedge_rules[LYNCEDGE_RULE_COUNT] = {
	ROW(PIC, "1", "SIP/MTLS", LYNCEDGE_SET_PARTNERS, ACCESS,
	    TCP, 5061, 5061, DST, PIC),
	ROW(PIC, "2", "SIP/MTLS", ACCESS, LYNCEDGE_SET_PARTNERS,
	    TCP, 5061, 5061, DST, PIC),
	ROW(PIC, "3", "SIP/TLS", LYNCEDGE_SET_CLIENTS, ACCESS,
	    TCP, 443, 443, DST, PIC),
	ROW(PIC, "4", "RTP", AV, LYNCEDGE_SET_MESSENGER,
	    TCP, AV_LOW, AV_HIGH, DST_OR_SRC, PIC),
	ROW(PIC, "5", "STUN", AV, LYNCEDGE_SET_MESSENGER,
	    UDP, 3478, 3478, DST, PIC),
	ROW(PIC, "6", "STUN", LYNCEDGE_SET_MESSENGER, AV,
	    UDP, 3478, 3478, DST, PIC),

	ROW(BASE, "E2", "HTTP/CRL", ACCESS, ANY, TCP, 80, 80, DST, EDGE),
	ROW(BASE, "E3", "DNS", ACCESS, ANY, TCP, 53, 53, DST, EDGE),
	ROW(BASE, "E4", "DNS", ACCESS, ANY, UDP, 53, 53, DST, EDGE),

	ROW(REMOTE_USERS, "E5", "SIP/TLS", ANY, ACCESS,
	    TCP, 443, 443, DST, EDGE),
	ROW(REMOTE_USERS, "E8", "PSOM/TLS", ANY, WEBCONF,
	    TCP, 443, 443, DST, EDGE),
	ROW(REMOTE_USERS, "E9", "RTP", AV, ANY,
	    TCP, AV_LOW, AV_HIGH, DST_OR_SRC, EDGE),
	ROW(REMOTE_USERS, "E13", "STUN", AV, ANY, UDP, 3478, 3478, DST, EDGE),
	ROW(REMOTE_USERS, "E14", "STUN", ANY, AV, UDP, 3478, 3478, DST, EDGE),
	ROW(REMOTE_USERS, "E15", "TURN/TCP", ANY, AV, TCP, 443, 443, DST, EDGE),
	ROW(REMOTE_USERS, "E16", "TURN/TCP", AV, ANY, TCP, 443, 443, DST, EDGE),

	ROW(FEDERATION, "E6", "SIP/MTLS", ANY, ACCESS,
	    TCP, 5061, 5061, DST, EDGE),
	ROW(FEDERATION, "E7/F1", "SIP/MTLS", ACCESS, ANY,
	    TCP, 5061, 5061, DST, EDGE_F1),

	ROW(XMPP, "E1/X1", "XMPP", ANY, ACCESS, TCP, 5269, 5269, DST, EDGE_X),
	ROW(XMPP, "X2", "XMPP", ACCESS, ANY, TCP, 5269, 5269, DST, EDGE_X),

	ROW(OCS2007, "E10", "RTP", AV, ANY,
	    UDP, AV_LOW, AV_HIGH, DST_OR_SRC, EDGE),
	ROW(OCS2007, "E11", "RTP", ANY, AV, TCP, AV_LOW, AV_HIGH, DST, EDGE),
	ROW(OCS2007, "E12", "RTP", ANY, AV, UDP, AV_LOW, AV_HIGH, DST, EDGE),
};

u32 lyncedge_profile_rows(u32 profiles)
{
	u32 rows = 0;
	unsigned int i;

	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++)
		if (profiles & BIT(lyncedge_rules[i].profile))
			rows |= BIT(i);
	return rows;
}

/*
 * The port index: for each transport and each port reading, the port
 * space cut into intervals, each with the mask of the rows whose range
 * covers all of it. A verdict then costs two binary searches over a
 * handful of intervals, however many rows are enabled, and only the
 * candidate rows' sets are looked up.
 */
#define NR_TRANSPORTS 2		/* TCP, UDP */
#define NR_READINGS 2		/* destination port, source port */
#define MAX_INTERVALS (2 * LYNCEDGE_RULE_COUNT + 1)

struct port_interval {
	u16 first;
	u16 last;
	u32 rows;
};

struct port_index {
	unsigned int nr;
	struct port_interval iv[MAX_INTERVALS];
};

static struct port_index port_index[NR_TRANSPORTS][NR_READINGS];

static int transport_of(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 0;
	case IPPROTO_UDP:
		return 1;
	default:
		return -1;
	}
}

static bool row_reads(const struct lyncedge_rule *r, int reading)
{
	return reading == 0 || r->port_match == LYNCEDGE_PORT_DST_OR_SRC;
}

static u32 rows_covering(int transport, int reading, u32 port)
{
	u32 rows = 0;
	unsigned int i;

	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++) {
		const struct lyncedge_rule *r = &lyncedge_rules[i];

		if (transport_of(r->proto) == transport &&
		    row_reads(r, reading) &&
		    port >= r->port_min && port <= r->port_max)
			rows |= BIT(i);
	}
	return rows;
}

/*
 * The only places the covering rows can change are each range's first
 * port and the port after its last: walk those boundaries in order.
 */
static void build_index(int transport, int reading, struct port_index *pi)
{
	u32 bounds[2 * LYNCEDGE_RULE_COUNT + 1];
	unsigned int nb = 0, i, j;

	bounds[nb++] = 0;
	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++) {
		const struct lyncedge_rule *r = &lyncedge_rules[i];

		if (transport_of(r->proto) != transport || !row_reads(r, reading))
			continue;
		bounds[nb++] = r->port_min;
		bounds[nb++] = r->port_max + 1U;
	}
	/* Insertion sort: a few dozen entries, once. */
	for (i = 1; i < nb; i++)
		for (j = i; j > 0 && bounds[j - 1] > bounds[j]; j--) {
			u32 tmp = bounds[j];

			bounds[j] = bounds[j - 1];
			bounds[j - 1] = tmp;
		}

	pi->nr = 0;
	for (i = 0; i < nb; i++) {
		u32 first = bounds[i], last, rows;

		if (first > 0xffff || (i + 1 < nb && bounds[i + 1] == first))
			continue;
		last = i + 1 < nb ? bounds[i + 1] - 1 : 0xffff;
		if (last > 0xffff)
			last = 0xffff;
		rows = rows_covering(transport, reading, first);
		if (!rows)
			continue;
		if (pi->nr && pi->iv[pi->nr - 1].rows == rows &&
		    pi->iv[pi->nr - 1].last + 1U == first) {
			pi->iv[pi->nr - 1].last = last;
			continue;
		}
		pi->iv[pi->nr].first = first;
		pi->iv[pi->nr].last = last;
		pi->iv[pi->nr].rows = rows;
		pi->nr++;
	}
}

void lyncedge_table_init(void)
{
	int transport, reading;

	for (transport = 0; transport < NR_TRANSPORTS; transport++)
		for (reading = 0; reading < NR_READINGS; reading++)
			build_index(transport, reading,
				    &port_index[transport][reading]);
}

static u32 rows_for_port(const struct port_index *pi, u16 port)
{
	unsigned int lo = 0, hi = pi->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (port < pi->iv[mid].first)
			hi = mid;
		else if (port > pi->iv[mid].last)
			lo = mid + 1;
		else
			return pi->iv[mid].rows;
	}
	return 0;
}

/*
 * Neighbour solicitation/advertisement, router solicitation/advertisement
 * and redirect, sent or received by this host: without them an edge
 * address held by the gateway goes dark. Neighbour discovery is link-local
 * (RFC 4861: hop limit 255, never forwarded), so anything else that looks
 * like it is judged like any other packet.
 */
static bool is_neighbour_discovery(const struct lyncedge_tuple *t)
{
	return t->proto == IPPROTO_ICMPV6 &&
	       t->icmp_type >= NDISC_ROUTER_SOLICITATION &&
	       t->icmp_type <= NDISC_REDIRECT &&
	       t->hop_limit == 255 && !t->forwarded;
}

static struct lyncedge_verdict verdict(u8 kind, u8 index)
{
	struct lyncedge_verdict v = { kind, index, 0 };

	return v;
}

const u8 lyncedge_edge_side[LYNCEDGE_EDGE_SIDE_COUNT] = {
	LYNCEDGE_SET_EDGE, LYNCEDGE_SET_ACCESS,
	LYNCEDGE_SET_WEBCONF, LYNCEDGE_SET_AV,
};

/* The roles a prefix of set id carries: edge also stands for empty roles. */
static u8 roles_of_set(const struct lyncedge_ruleset *rs, u8 id)
{
	u8 roles = BIT(id);
	unsigned int i;

	if (id != LYNCEDGE_SET_EDGE)
		return roles;
	for (i = 1; i < LYNCEDGE_EDGE_SIDE_COUNT; i++)
		if (!lyncedge_set_size(rs->sets[lyncedge_edge_side[i]]))
			roles |= BIT(lyncedge_edge_side[i]);
	return roles;
}

static bool add_edge_range(struct lyncedge_edge_ranges *er,
			   const struct lyncedge_prefix *p, u8 roles)
{
	unsigned int i;

	if (p->addr.family == LYNCEDGE_IPV4) {
		u32 host = p->len == 32 ? 0 : ~0U >> p->len;

		i = er->nr4++;
		if (i >= LYNCEDGE_EDGE_RANGES)
			return false;
		er->first4[i] = p->addr.v4 & ~host;
		er->last4[i] = p->addr.v4 | host;
		er->roles4[i] = roles;
		return true;
	}
	i = er->nr6++;
	if (i >= LYNCEDGE_EDGE_RANGES)
		return false;
	er->first6[i] = p->addr.v6;
	er->last6[i] = p->addr.v6;
	/* Prefixes in a set have no host bits: fill them in for last. */
	if (p->len < 64) {
		er->last6[i].hi |= ~0ULL >> p->len;
		er->last6[i].lo = ~0ULL;
	} else if (p->len < 128) {
		er->last6[i].lo |= ~0ULL >> (p->len - 64);
	}
	er->roles6[i] = roles;
	return true;
}

void lyncedge_ruleset_prepare(struct lyncedge_ruleset *rs)
{
	struct lyncedge_edge_ranges *er = &rs->edge;
	struct lyncedge_prefix p;
	unsigned int i;
	u32 pos;

	memset(er, 0, sizeof(*er));
	for (i = 0; i < LYNCEDGE_EDGE_SIDE_COUNT; i++) {
		u8 id = lyncedge_edge_side[i];
		const struct lyncedge_set *set = rs->sets[id];
		u8 roles = roles_of_set(rs, id);

		for (pos = 0; pos < lyncedge_set_size(set); pos++) {
			lyncedge_set_prefix_at(set, pos, &p);
			if (!add_edge_range(er, &p, roles)) {
				memset(er, 0, sizeof(*er));
				return;
			}
		}
	}
	er->valid = true;
}

static bool u128_le(const struct lyncedge_u128 *a, const struct lyncedge_u128 *b)
{
	return a->hi < b->hi || (a->hi == b->hi && a->lo <= b->lo);
}

/*
 * The edge-side sets that hold a, as bits by set id, an empty role
 * standing for edge (lyncedge_role_set). Asked once per address: the rows
 * on a port then test bits instead of looking the address up again, so
 * that turning profiles on adds rows, not lookups.
 */
static u8 edge_roles(const struct lyncedge_ruleset *rs,
		     const struct lyncedge_addr *a)
{
	const struct lyncedge_edge_ranges *er = &rs->edge;
	bool in_edge;
	unsigned int i;
	u8 roles = 0;

	if (likely(er->valid)) {
		if (a->family == LYNCEDGE_IPV4) {
			for (i = 0; i < er->nr4; i++)
				if (a->v4 - er->first4[i] <=
				    er->last4[i] - er->first4[i])
					roles |= er->roles4[i];
			return roles;
		}
		for (i = 0; i < er->nr6; i++)
			if (u128_le(&er->first6[i], &a->v6) &&
			    u128_le(&a->v6, &er->last6[i]))
				roles |= er->roles6[i];
		return roles;
	}

	in_edge = lyncedge_set_contains(rs->sets[LYNCEDGE_SET_EDGE], a);
	if (in_edge)
		roles = BIT(LYNCEDGE_SET_EDGE);
	for (i = 1; i < LYNCEDGE_EDGE_SIDE_COUNT; i++) {
		u8 role = lyncedge_edge_side[i];
		const struct lyncedge_set *set = rs->sets[role];

		if (lyncedge_set_size(set) ? lyncedge_set_contains(set, a) : in_edge)
			roles |= BIT(role);
	}
	return roles;
}

static bool endpoint_has(const struct lyncedge_ruleset *rs, u8 endpoint,
			 const struct lyncedge_addr *a, u8 roles)
{
	if (endpoint == LYNCEDGE_ANY)
		return true;
	if (lyncedge_is_edge_side(endpoint))
		return roles & BIT(endpoint);
	return lyncedge_set_contains(rs->sets[endpoint], a);
}

struct lyncedge_verdict lyncedge_classify(const struct lyncedge_ruleset *rs,
					  const struct lyncedge_tuple *t)
{
	struct lyncedge_verdict v;
	u32 by_dport, by_sport, rows;
	u8 src_roles, dst_roles;
	int transport;

	src_roles = edge_roles(rs, &t->src);
	dst_roles = edge_roles(rs, &t->dst);
	if (likely(!(src_roles | dst_roles)))
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

	transport = transport_of(t->proto);
	if (transport < 0)
		return verdict(LYNCEDGE_DENY, LYNCEDGE_DENY_NO_RULE);
	by_dport = rows_for_port(&port_index[transport][0], t->dport) & rs->rows;
	by_sport = rows_for_port(&port_index[transport][1], t->sport) & rs->rows;

	/* Lowest row first: the row numbers are the order of matching. */
	for (rows = by_dport | by_sport; rows; rows &= rows - 1) {
		unsigned int i = __ffs(rows);
		const struct lyncedge_rule *r = &lyncedge_rules[i];

		if (!endpoint_has(rs, r->src, &t->src, src_roles) ||
		    !endpoint_has(rs, r->dst, &t->dst, dst_roles))
			continue;
		v = verdict(LYNCEDGE_PASS_RULE, i);
		v.matched = by_dport & BIT(i) ? LYNCEDGE_MATCHED_DPORT :
						LYNCEDGE_MATCHED_SPORT;
		return v;
	}
	return verdict(LYNCEDGE_DENY, LYNCEDGE_DENY_NO_RULE);
}
