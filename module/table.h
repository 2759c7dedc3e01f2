/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Microsoft's port tables for the Edge Server's external interface, grouped
 * in profiles, and the verdict for a parsed packet. Part of the matching
 * core: builds in the kernel and on the host.
 */
#ifndef _LYNCEDGE_TABLE_H
#define _LYNCEDGE_TABLE_H

#include "portable.h"
#include "prefixset.h"
#include "uapi/lyncedge.h"

/* Every row of every profile; a row is bit i of a u32 row mask. */
#define LYNCEDGE_RULE_COUNT 23

/*
 * A row allows the flows whose first packet matches all of its fields.
 * src and dst are a set id or LYNCEDGE_ANY; an edge-side role set (access,
 * webconf, av) that is empty stands for the edge set.
 */
struct lyncedge_rule {
	const char *label;	/* the row in Microsoft's table: "4", "E9" */
	const char *service;
	const char *cite;	/* the table it comes from */
	u8 profile;		/* enum lyncedge_profile */
	u8 proto;
	u8 port_match;		/* enum lyncedge_port_match */
	u16 port_min;
	u16 port_max;
	u8 src;
	u8 dst;
};

extern const struct lyncedge_rule lyncedge_rules[LYNCEDGE_RULE_COUNT];

/* The rows of the profiles in mask (bit 1 << enum lyncedge_profile). */
u32 lyncedge_profile_rows(u32 profiles);

/* What conntrack says of a packet, reduced to what the verdict needs. */
enum lyncedge_ct_state {
	LYNCEDGE_CT_NEW,
	LYNCEDGE_CT_ESTABLISHED,
	LYNCEDGE_CT_RELATED,
	LYNCEDGE_CT_INVALID,
	LYNCEDGE_CT_UNTRACKED,
};

/*
 * A packet as the verdict sees it. malformed means the transport header
 * could not be read in full (or the packet is a non-first fragment), in
 * which case proto, ports and icmp_type are meaningless.
 */
struct lyncedge_tuple {
	struct lyncedge_addr src;
	struct lyncedge_addr dst;
	u8 proto;
	u8 ct_state;
	bool malformed;
	u8 icmp_type;		/* ICMPv6 type, when proto is IPPROTO_ICMPV6 */
	u8 hop_limit;		/* IPv6 hop limit (TTL for IPv4) */
	bool forwarded;		/* seen at FORWARD: the gateway routes it */
	u16 sport;		/* TCP/UDP ports, host order */
	u16 dport;
};

enum lyncedge_verdict_kind {
	LYNCEDGE_PASS_NOT_EDGE,		/* touches no edge address */
	LYNCEDGE_PASS_NEIGHBOUR,	/* ICMPv6 neighbour discovery */
	LYNCEDGE_PASS_STATE,		/* established or related */
	LYNCEDGE_PASS_RULE,		/* index: the row, 0-based */
	LYNCEDGE_DENY,			/* index: enum lyncedge_deny_reason */
};

struct lyncedge_verdict {
	u8 kind;
	u8 index;
	u8 matched;		/* LYNCEDGE_PASS_RULE: enum lyncedge_port_matched */
};

/*
 * An Edge has a handful of addresses, yet every verdict asks which of
 * the edge-side sets hold each of its two addresses: as a short list of
 * ranges with the roles they carry, that is a few compares instead of
 * up to eight set lookups. Up to this many prefixes per family.
 */
#define LYNCEDGE_EDGE_RANGES 16

struct lyncedge_edge_ranges {
	/* False: the edge-side sets hold too many prefixes; look them up. */
	bool valid;
	u8 nr4, nr6;
	/* Bits by set id, as lyncedge_role_set() reads the roles. */
	u8 roles4[LYNCEDGE_EDGE_RANGES];
	u8 roles6[LYNCEDGE_EDGE_RANGES];
	u32 first4[LYNCEDGE_EDGE_RANGES];
	u32 last4[LYNCEDGE_EDGE_RANGES];
	struct lyncedge_u128 first6[LYNCEDGE_EDGE_RANGES];
	struct lyncedge_u128 last6[LYNCEDGE_EDGE_RANGES];
};

/*
 * What a verdict reads: the sets (indexed by enum lyncedge_set_id; NULL is
 * empty), the rows of the enabled profiles, and the edge-side sets as
 * ranges (lyncedge_ruleset_prepare(); a zeroed edge is valid too, only
 * slower).
 */
struct lyncedge_ruleset {
	const struct lyncedge_set *sets[LYNCEDGE_SET_COUNT];
	u32 rows;
	struct lyncedge_edge_ranges edge;
};

/* Derive rs->edge from rs->sets; call after any change to the sets. */
void lyncedge_ruleset_prepare(struct lyncedge_ruleset *rs);

/* The set a row endpoint or scope check reads for an edge-side role. */
static inline const struct lyncedge_set *
lyncedge_role_set(const struct lyncedge_ruleset *rs, u8 role)
{
	const struct lyncedge_set *set = rs->sets[role];

	return lyncedge_set_size(set) ? set : rs->sets[LYNCEDGE_SET_EDGE];
}

/* The sets whose addresses make a packet the module's business. */
#define LYNCEDGE_EDGE_SIDE_COUNT 4
extern const u8 lyncedge_edge_side[LYNCEDGE_EDGE_SIDE_COUNT];

static inline bool lyncedge_is_edge_side(u8 set)
{
	return set == LYNCEDGE_SET_EDGE || set == LYNCEDGE_SET_ACCESS ||
	       set == LYNCEDGE_SET_WEBCONF || set == LYNCEDGE_SET_AV;
}

struct lyncedge_verdict lyncedge_classify(const struct lyncedge_ruleset *rs,
					  const struct lyncedge_tuple *t);

/* Build the port index the verdict uses; once, before any verdict. */
void lyncedge_table_init(void);

#endif /* _LYNCEDGE_TABLE_H */
