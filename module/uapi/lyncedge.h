/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * lyncedge generic netlink API, shared by nf_lyncedge.ko and the lyncedge CLI.
 *
 * Family name LYNCEDGE_GENL_NAME, version LYNCEDGE_GENL_VERSION. Every
 * command acts on the network namespace of the requesting socket and needs
 * CAP_NET_ADMIN over that namespace (reading a firewall's configuration is
 * as privileged as changing it, as with nftables and WireGuard).
 *
 * Sets: LYNCEDGE_SET_EDGE holds the Edge Server's external addresses;
 * ACCESS, WEBCONF and AV hold those of its Access, Web Conferencing and
 * A/V Edge services, and a role set that is empty stands for EDGE.
 * PARTNERS, CLIENTS and MESSENGER are the peers the public IM rows name. A
 * set is a list of distinct IPv4/IPv6 prefixes; an address is a member when
 * any prefix of the set covers it. A packet is the module's business when
 * one of its addresses is in EDGE, ACCESS, WEBCONF or AV.
 *
 * Rows: the module compiles in Microsoft's port tables for the Edge's
 * external interface, grouped in profiles (enum lyncedge_profile). PIC, the
 * public IM connectivity table, is always on; the others are enabled by
 * LYNCEDGE_CMD_CONFIGURE. Rows are numbered from 1 across all profiles
 * (PIC's rows keep 1 to 6); each carries its profile and the label of its
 * row in Microsoft's table ("4", "E9").
 *
 * A prefix travels as a nest of LYNCEDGE_PREFIX_A_* holding exactly one of
 * ADDR4 (4 bytes, network order) or ADDR6 (16 bytes), and LEN (0..32 for
 * IPv4, 0..128 for IPv6). Host bits beyond LEN must be zero.
 *
 * LYNCEDGE_CMD_GET_CONFIG (doit)
 *   Reply: MODE, LOG, PROFILES (the enabled ones), one SET_INFO per set,
 *   one RULE per row of every profile, enabled or not (with its counters),
 *   one DENY per deny reason, ACCEPT_STATE_PACKETS and _BYTES, and
 *   GENERATION, which changes whenever the configuration does: a reader
 *   that dumps the sets too can tell whether it saw one whole configuration
 *   by asking again afterwards.
 *
 * LYNCEDGE_CMD_CONFIGURE (doit)
 *   Request: any of MODE, LOG, PROFILES (the whole set of enabled
 *   profiles), PROFILES_ENABLE and PROFILES_DISABLE (profiles to turn on or
 *   off, keeping the others), at least one. All of it applies as one new
 *   configuration, or none of it does. Leaving LYNCEDGE_MODE_OFF registers
 *   the hooks and takes a conntrack reference for the namespace; returning
 *   to it releases both. PIC cannot be turned off. LOG: while on, every
 *   denied packet (in monitor mode, every packet that would be denied) goes
 *   to nf_log with the namespace's bound logger, prefixed "lyncedge: drop
 *   REASON " or "lyncedge: would-drop REASON ", within the rate limit
 *   (module parameters log_rate and log_burst). Turning it on loads
 *   nf_log_syslog, the default logger.
 *
 * LYNCEDGE_CMD_ADD_PREFIXES, LYNCEDGE_CMD_DEL_PREFIXES (doit)
 *   Request: SET, PREFIXES (a nest of LYNCEDGE_PREFIXES_A_PREFIX nests,
 *   each a prefix nest; every nest carries NLA_F_NESTED). The whole
 *   message applies or none of it does. Adding a prefix already present is
 *   not an error; deleting one that is absent is (ENOENT). Deleting removes
 *   only that exact prefix, not addresses other prefixes still cover.
 *   Every prefix and address nest, here and in TEST_ADDRESS and EXPLAIN,
 *   is refused (EINVAL) with host bits set past its length, or inside
 *   ::ffff:0:0/96 (IPv4 traffic reaches netfilter as IPv4).
 *
 * LYNCEDGE_CMD_FLUSH_SET (doit)
 *   Request: SET, or no SET to flush every set.
 *
 * LYNCEDGE_CMD_TEST_ADDRESS (doit)
 *   Request: SET, ADDRESS (a prefix nest whose LEN is omitted or full).
 *   Reply: SET, MEMBER (u8, 1 when the address is in the set).
 *
 * LYNCEDGE_CMD_EXPLAIN (doit)
 *   Request: PROTO, SRC and DST (address nests, LEN omitted or full),
 *   DPORT, optionally SPORT. The tuple is judged with the live
 *   configuration as the first packet of a new flow would be.
 *   Reply: MODE, VERDICT, and for LYNCEDGE_VERDICT_ALLOW RULE_INDEX
 *   (1-based), the RULE (without counters) and PORT_MATCHED (which of the
 *   flow's ports the row's range matched), or for LYNCEDGE_VERDICT_DENY
 *   the DENY_REASON.
 *
 * LYNCEDGE_CMD_RESET_COUNTERS (doit)
 *   Counters read from now on start again from zero.
 *
 * LYNCEDGE_CMD_GET_PREFIXES (dump)
 *   Request: SET. Replies: one message per batch, each with SET and
 *   PREFIXES. A dump that raced with an update is flagged NLM_F_DUMP_INTR
 *   and should be restarted.
 *
 * Transactions: a change bigger than one message, applied at once.
 *
 * LYNCEDGE_CMD_TXN_BEGIN (doit)
 *   Opens a transaction for the requesting socket, dropping any it had.
 *   CONFIGURE, ADD_PREFIXES, DEL_PREFIXES and FLUSH_SET carrying
 *   the flag TXN are then staged in it instead of applied. Within a set,
 *   a staged FLUSH_SET drops what was staged for that set before it, and
 *   deletions apply after additions.
 *
 * LYNCEDGE_CMD_TXN_COMMIT (doit)
 *   Applies everything staged as one new configuration, which packets see
 *   whole or not at all, and ends the transaction. On failure nothing
 *   changes, and the extack cookie is a struct lyncedge_txn_error naming
 *   the staged prefix at fault.
 *
 * LYNCEDGE_CMD_TXN_ABORT (doit)
 *   Drops the transaction. Closing the socket does the same.
 *
 * A transaction belongs to the socket, not to its portid: another socket
 * that later binds the same portid does not see it.
 */
#ifndef _UAPI_LINUX_LYNCEDGE_H
#define _UAPI_LINUX_LYNCEDGE_H

#include <linux/types.h>

#define LYNCEDGE_GENL_NAME	"lyncedge"
#define LYNCEDGE_GENL_VERSION	2

enum lyncedge_cmd {
	LYNCEDGE_CMD_UNSPEC,
	LYNCEDGE_CMD_GET_CONFIG,
	LYNCEDGE_CMD_CONFIGURE,
	LYNCEDGE_CMD_ADD_PREFIXES,
	LYNCEDGE_CMD_DEL_PREFIXES,
	LYNCEDGE_CMD_FLUSH_SET,
	LYNCEDGE_CMD_TEST_ADDRESS,
	LYNCEDGE_CMD_GET_PREFIXES,
	LYNCEDGE_CMD_EXPLAIN,
	LYNCEDGE_CMD_RESET_COUNTERS,
	LYNCEDGE_CMD_TXN_BEGIN,
	LYNCEDGE_CMD_TXN_COMMIT,
	LYNCEDGE_CMD_TXN_ABORT,

	__LYNCEDGE_CMD_LAST
};

#define LYNCEDGE_CMD_MAX (__LYNCEDGE_CMD_LAST - 1)

enum lyncedge_mode {
	LYNCEDGE_MODE_OFF,
	LYNCEDGE_MODE_MONITOR,
	LYNCEDGE_MODE_ENFORCE,

	__LYNCEDGE_MODE_LAST
};

#define LYNCEDGE_MODE_MAX (__LYNCEDGE_MODE_LAST - 1)

enum lyncedge_set_id {
	LYNCEDGE_SET_EDGE,
	LYNCEDGE_SET_PARTNERS,
	LYNCEDGE_SET_CLIENTS,
	LYNCEDGE_SET_MESSENGER,
	LYNCEDGE_SET_ACCESS,
	LYNCEDGE_SET_WEBCONF,
	LYNCEDGE_SET_AV,

	__LYNCEDGE_SET_LAST
};

#define LYNCEDGE_SET_MAX (__LYNCEDGE_SET_LAST - 1)
#define LYNCEDGE_SET_COUNT __LYNCEDGE_SET_LAST

/* A row's source or destination that is not a set: any address. */
#define LYNCEDGE_ANY 0xff

/* Groups of rows, each from one of Microsoft's tables; see the README. */
enum lyncedge_profile {
	LYNCEDGE_PROFILE_PIC,		/* public IM connectivity: always on */
	LYNCEDGE_PROFILE_BASE,		/* CRL and DNS from the Access Edge */
	LYNCEDGE_PROFILE_REMOTE_USERS,	/* remote users' SIP, PSOM, A/V */
	LYNCEDGE_PROFILE_FEDERATION,	/* SIP federation with anyone */
	LYNCEDGE_PROFILE_XMPP,		/* XMPP federation */
	LYNCEDGE_PROFILE_OCS2007,	/* A/V federation with OCS 2007 */

	__LYNCEDGE_PROFILE_LAST
};

#define LYNCEDGE_PROFILE_MAX (__LYNCEDGE_PROFILE_LAST - 1)
#define LYNCEDGE_PROFILE_COUNT __LYNCEDGE_PROFILE_LAST
#define LYNCEDGE_PROFILES_ALL ((1U << LYNCEDGE_PROFILE_COUNT) - 1)

/* Which of a flow's ports a row's port range is compared with. */
enum lyncedge_port_match {
	LYNCEDGE_PORT_DST,		/* the destination port */
	LYNCEDGE_PORT_DST_OR_SRC,	/* the destination or the source port */

	__LYNCEDGE_PORT_LAST
};

/* In an explain reply: the port that matched. */
enum lyncedge_port_matched {
	LYNCEDGE_MATCHED_DPORT,
	LYNCEDGE_MATCHED_SPORT,
};

/* Why a packet on edge traffic was denied (or, in monitor mode, would be). */
enum lyncedge_deny_reason {
	LYNCEDGE_DENY_NO_RULE,		/* new flow that no row allows */
	LYNCEDGE_DENY_INVALID,		/* conntrack state INVALID */
	LYNCEDGE_DENY_MALFORMED,	/* truncated or unparsable headers */

	__LYNCEDGE_DENY_LAST
};

#define LYNCEDGE_DENY_MAX (__LYNCEDGE_DENY_LAST - 1)
#define LYNCEDGE_DENY_COUNT __LYNCEDGE_DENY_LAST

/* What LYNCEDGE_CMD_EXPLAIN found. */
enum lyncedge_explain_verdict {
	LYNCEDGE_VERDICT_NOT_EDGE,	/* touches no edge address: untouched */
	LYNCEDGE_VERDICT_ALLOW,		/* a row allows it */
	LYNCEDGE_VERDICT_DENY,		/* denied, for a deny reason */

	__LYNCEDGE_VERDICT_LAST
};

#define LYNCEDGE_VERDICT_MAX (__LYNCEDGE_VERDICT_LAST - 1)

enum lyncedge_attr {
	LYNCEDGE_A_UNSPEC,
	LYNCEDGE_A_MODE,		/* u8, enum lyncedge_mode */
	LYNCEDGE_A_SET,			/* u8, enum lyncedge_set_id */
	LYNCEDGE_A_PREFIXES,		/* nest of LYNCEDGE_A_PREFIX */
	LYNCEDGE_A_ADDRESS,		/* nest, LYNCEDGE_PREFIX_A_* */
	LYNCEDGE_A_MEMBER,		/* u8, 0 or 1 */
	LYNCEDGE_A_SET_INFO,		/* nest, LYNCEDGE_SET_INFO_A_*, multi */
	LYNCEDGE_A_RULE,		/* nest, LYNCEDGE_RULE_A_*, multi */
	LYNCEDGE_A_DENY,		/* nest, LYNCEDGE_DENY_A_*, multi */
	LYNCEDGE_A_ACCEPT_STATE_PACKETS,	/* u64, established/related */
	LYNCEDGE_A_ACCEPT_STATE_BYTES,	/* u64 */
	LYNCEDGE_A_PAD,
	LYNCEDGE_A_PROTO,		/* u8, IPPROTO_* */
	LYNCEDGE_A_SRC,			/* nest, LYNCEDGE_PREFIX_A_* */
	LYNCEDGE_A_DST,			/* nest, LYNCEDGE_PREFIX_A_* */
	LYNCEDGE_A_SPORT,		/* u16, host order */
	LYNCEDGE_A_DPORT,		/* u16, host order */
	LYNCEDGE_A_VERDICT,		/* u8, enum lyncedge_explain_verdict */
	LYNCEDGE_A_RULE_INDEX,		/* u8, 1-based row */
	LYNCEDGE_A_DENY_REASON,		/* u8, enum lyncedge_deny_reason */
	LYNCEDGE_A_LOG,			/* u8, 0 or 1 */
	LYNCEDGE_A_TXN,			/* flag: stage in the transaction */
	LYNCEDGE_A_GENERATION,		/* u32, see GET_CONFIG */
	LYNCEDGE_A_PROFILES,		/* u32, bit 1 << enum lyncedge_profile */
	LYNCEDGE_A_PROFILES_ENABLE,	/* u32, profiles to turn on */
	LYNCEDGE_A_PROFILES_DISABLE,	/* u32, profiles to turn off */
	LYNCEDGE_A_PORT_MATCHED,	/* u8, enum lyncedge_port_matched */

	__LYNCEDGE_A_LAST
};

#define LYNCEDGE_A_MAX (__LYNCEDGE_A_LAST - 1)

/* Inside LYNCEDGE_A_PREFIXES: each element is of this type. */
enum lyncedge_prefixes_attr {
	LYNCEDGE_PREFIXES_A_UNSPEC,
	LYNCEDGE_PREFIXES_A_PREFIX,	/* nest, LYNCEDGE_PREFIX_A_* */

	__LYNCEDGE_PREFIXES_A_LAST
};

#define LYNCEDGE_PREFIXES_A_MAX (__LYNCEDGE_PREFIXES_A_LAST - 1)

enum lyncedge_prefix_attr {
	LYNCEDGE_PREFIX_A_UNSPEC,
	LYNCEDGE_PREFIX_A_ADDR4,	/* binary, 4 bytes, network order */
	LYNCEDGE_PREFIX_A_ADDR6,	/* binary, 16 bytes, network order */
	LYNCEDGE_PREFIX_A_LEN,		/* u8 */

	__LYNCEDGE_PREFIX_A_LAST
};

#define LYNCEDGE_PREFIX_A_MAX (__LYNCEDGE_PREFIX_A_LAST - 1)

enum lyncedge_set_info_attr {
	LYNCEDGE_SET_INFO_A_UNSPEC,
	LYNCEDGE_SET_INFO_A_SET,	/* u8, enum lyncedge_set_id */
	LYNCEDGE_SET_INFO_A_PREFIXES4,	/* u32, IPv4 prefixes */
	LYNCEDGE_SET_INFO_A_PREFIXES6,	/* u32, IPv6 prefixes */
	LYNCEDGE_SET_INFO_A_BYTES,	/* u64, memory the set occupies */
	LYNCEDGE_SET_INFO_A_PAD,

	__LYNCEDGE_SET_INFO_A_LAST
};

#define LYNCEDGE_SET_INFO_A_MAX (__LYNCEDGE_SET_INFO_A_LAST - 1)

enum lyncedge_rule_attr {
	LYNCEDGE_RULE_A_UNSPEC,
	LYNCEDGE_RULE_A_INDEX,		/* u8, 1-based row number */
	LYNCEDGE_RULE_A_NAME,		/* string, e.g. "SIP/MTLS" */
	LYNCEDGE_RULE_A_PROTO,		/* u8, IPPROTO_TCP or IPPROTO_UDP */
	LYNCEDGE_RULE_A_PORT_MIN,	/* u16, host order */
	LYNCEDGE_RULE_A_PORT_MAX,	/* u16 */
	LYNCEDGE_RULE_A_SRC_SET,	/* u8, set id or LYNCEDGE_ANY */
	LYNCEDGE_RULE_A_DST_SET,	/* u8, set id or LYNCEDGE_ANY */
	LYNCEDGE_RULE_A_PACKETS,	/* u64 */
	LYNCEDGE_RULE_A_BYTES,		/* u64 */
	LYNCEDGE_RULE_A_PAD,
	LYNCEDGE_RULE_A_PROFILE,	/* u8, enum lyncedge_profile */
	LYNCEDGE_RULE_A_LABEL,		/* string, Microsoft's row: "4", "E9" */
	LYNCEDGE_RULE_A_PORT_MATCH,	/* u8, enum lyncedge_port_match */
	LYNCEDGE_RULE_A_CITE,		/* string, the table it comes from */

	__LYNCEDGE_RULE_A_LAST
};

#define LYNCEDGE_RULE_A_MAX (__LYNCEDGE_RULE_A_LAST - 1)

enum lyncedge_deny_attr {
	LYNCEDGE_DENY_A_UNSPEC,
	LYNCEDGE_DENY_A_REASON,		/* u8, enum lyncedge_deny_reason */
	LYNCEDGE_DENY_A_PACKETS,	/* u64 */
	LYNCEDGE_DENY_A_BYTES,		/* u64 */
	LYNCEDGE_DENY_A_PAD,

	__LYNCEDGE_DENY_A_LAST
};

#define LYNCEDGE_DENY_A_MAX (__LYNCEDGE_DENY_A_LAST - 1)

/*
 * The extack cookie of a failed LYNCEDGE_CMD_TXN_COMMIT: set is the set
 * whose new content was refused; for ENOENT and EINVAL, index counts the
 * prefixes staged for that set's deletions (in_del) or additions, in the
 * order they were staged, from 0. index is host order.
 */
struct lyncedge_txn_error {
	__u8 set;
	__u8 in_del;
	__u8 pad[2];
	__u32 index;
};

#endif /* _UAPI_LINUX_LYNCEDGE_H */
