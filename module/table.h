/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Lync Server 2013 public IM connectivity port table, and the verdict
 * for a parsed packet. Part of the matching core: builds in the kernel and
 * on the host.
 */
#ifndef _LYNCEDGE_TABLE_H
#define _LYNCEDGE_TABLE_H

#include "portable.h"
#include "prefixset.h"
#include "uapi/lyncedge.h"

#define LYNCEDGE_RULE_COUNT 6

/* A row allows flows whose first packet matches all of its fields. */
struct lyncedge_rule {
	const char *service;
	u8 proto;
	u16 dport_min;
	u16 dport_max;
	u8 src_set;
	u8 dst_set;
};

extern const struct lyncedge_rule lyncedge_rules[LYNCEDGE_RULE_COUNT];

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
};

/* sets[] is indexed by enum lyncedge_set_id; a NULL set is empty. */
struct lyncedge_verdict
lyncedge_classify(const struct lyncedge_set *const sets[LYNCEDGE_SET_COUNT],
		  const struct lyncedge_tuple *t);

#endif /* _LYNCEDGE_TABLE_H */
