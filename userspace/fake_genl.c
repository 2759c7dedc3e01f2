// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for nf_lyncedge on the host, for cli_test.sh only: loaded with
 * LD_PRELOAD, it replaces libmnl's socket calls and answers the CLI's
 * requests the way the uapi header describes, so the netlink code (ACKs,
 * extack, batching, transactions, dump restarts) and the exact output
 * layouts are tested without a kernel module. It is not the module: the VM
 * tests are the reference.
 *
 * It keeps no configuration: GET_CONFIG, the dumps and EXPLAIN always
 * describe the same example state. It does keep the one transaction of the
 * socket, as the module does: TXN_BEGIN opens it, SET_MODE, SET_LOG,
 * ADD_PREFIXES, DEL_PREFIXES and FLUSH_SET flagged LYNCEDGE_A_TXN are
 * staged in it (only counted) and fail with ENOENT when there is none,
 * TXN_COMMIT and TXN_ABORT end it, closing the socket drops it.
 *
 * FAKE_SCENARIO picks a behaviour:
 *   (unset)      everything succeeds
 *   nofamily     the family lookup fails with ENOENT
 *   eperm        every lyncedge request fails with EPERM, no message
 *   delnoent     DEL_PREFIXES fails with ENOENT, a message and an offset
 *   failbatchN   the Nth ADD/DEL message, staged or not, fails with
 *                EINVAL, only an offset (at its third prefix)
 *   stagenospc   a staged ADD/DEL fails with ENOSPC and a message
 *   nobegin      TXN_BEGIN is ACKed but opens no transaction
 *   commitnoent  TXN_COMMIT fails with ENOENT, "prefix is not in the set"
 *   commitinval  TXN_COMMIT fails with EINVAL, "invalid prefix"
 *   commitnospc  TXN_COMMIT fails with ENOSPC, the max_prefixes message
 *   warn         SET_MODE succeeds with an extack message (a warning)
 *   nomember     TEST_ADDRESS replies without MEMBER
 *   badprefix    the dump of partners carries a prefix with host bits set
 *   logon        GET_CONFIG says logging is on
 *   oldexplain   EXPLAIN's allow reply has RULE_INDEX but no RULE nest
 * FAKE_COOKIE="SET,IN_DEL,INDEX" is the struct lyncedge_txn_error of a
 * refused commit (commitnospc sends SET only, as the module does); "none"
 * sends no cookie, "short" one of 3 bytes. Default "0,0,0".
 * FAKE_MODE=N (0 off, 1 monitor, 2 enforce, the default) is the mode that
 * GET_CONFIG and EXPLAIN report.
 * FAKE_INTR=N flags the first N dump attempts NLM_F_DUMP_INTR.
 * FAKE_CHANGES=N: the configuration generation GET_CONFIG reports moves
 *   on for its first N replies, as if the configuration kept changing.
 * FAKE_LOG=FILE gets one line per lyncedge request: the command, "txn"
 * when flagged, its attributes by name, then " -> ERRNO" when it failed,
 * e.g. "ADD_PREFIXES txn set=edge prefixes=1000 nest_len=12004".
 *
 * Example state: mode enforce, log off; edge 203.0.113.10 and
 * 2001:db8:e::10, partners (the dump) six prefixes, clients empty,
 * messenger 2001:db8:4::/48. EXPLAIN allows tcp to an edge address port
 * 5061 (row 1), denies any other flow touching an edge address (no-rule)
 * and calls the rest not-edge.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "uapi/lyncedge.h"

#define FAKE_FAMILY	0x1234
#define FAKE_PORTID	4242
#define QUEUE_LEN	8
#define DGRAM_SIZE	32768

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Datagrams waiting for recvfrom(): each holds one or more messages. */
static char queue[QUEUE_LEN][DGRAM_SIZE];
static size_t queue_len[QUEUE_LEN];
static unsigned int head, tail;
static unsigned int dump_attempts, prefix_msgs;
static const char *scenario = "";

/* The socket's transaction. */
static bool txn_open;
static unsigned int staged_msgs, staged_prefixes;

/* The FAKE_LOG line of the request being answered. */
static char line[1024];
static size_t line_len;

static const char *const cmd_names[] = {
	[LYNCEDGE_CMD_GET_CONFIG] = "GET_CONFIG",
	[LYNCEDGE_CMD_SET_MODE] = "SET_MODE",
	[LYNCEDGE_CMD_ADD_PREFIXES] = "ADD_PREFIXES",
	[LYNCEDGE_CMD_DEL_PREFIXES] = "DEL_PREFIXES",
	[LYNCEDGE_CMD_FLUSH_SET] = "FLUSH_SET",
	[LYNCEDGE_CMD_TEST_ADDRESS] = "TEST_ADDRESS",
	[LYNCEDGE_CMD_GET_PREFIXES] = "GET_PREFIXES",
	[LYNCEDGE_CMD_EXPLAIN] = "EXPLAIN",
	[LYNCEDGE_CMD_RESET_COUNTERS] = "RESET_COUNTERS",
	[LYNCEDGE_CMD_SET_LOG] = "SET_LOG",
	[LYNCEDGE_CMD_TXN_BEGIN] = "TXN_BEGIN",
	[LYNCEDGE_CMD_TXN_COMMIT] = "TXN_COMMIT",
	[LYNCEDGE_CMD_TXN_ABORT] = "TXN_ABORT",
};

static const char *const set_names[] = {
	"edge", "partners", "clients", "messenger",
};

static const char *const mode_names[] = { "off", "monitor", "enforce" };

__attribute__((format(printf, 1, 2)))
static void describe(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line + line_len, sizeof(line) - line_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		line_len += (size_t)n;
	if (line_len >= sizeof(line))
		line_len = sizeof(line) - 1;
}

static const char *errno_name(int error)
{
	static char buf[16];

	switch (error) {
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EINVAL:
		return "EINVAL";
	case ENOSPC:
		return "ENOSPC";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "E%d", error);
	return buf;
}

/* Write the line of the request just answered, with its error if any. */
static void log_request(int error)
{
	const char *path = getenv("FAKE_LOG");
	FILE *f;

	if (path && (f = fopen(path, "a"))) {
		fprintf(f, "%.*s%s%s\n", (int)line_len, line,
			error ? " -> " : "", error ? errno_name(error) : "");
		fclose(f);
	}
	line_len = 0;
}

static void dgram_begin(void)
{
	queue_len[tail] = 0;
}

static void dgram_end(void)
{
	tail = (tail + 1) % QUEUE_LEN;
}

static struct nlmsghdr *msg_begin(const struct nlmsghdr *req, uint16_t type,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(queue[tail] + queue_len[tail]);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = FAKE_PORTID;
	return nlh;
}

static void msg_end(struct nlmsghdr *nlh)
{
	queue_len[tail] += MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *genl_begin(const struct nlmsghdr *req, uint8_t cmd,
				   uint16_t flags)
{
	struct nlmsghdr *nlh = msg_begin(req, FAKE_FAMILY, flags);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));

	genl->cmd = cmd;
	genl->version = LYNCEDGE_GENL_VERSION;
	return nlh;
}

/*
 * An ACK (error 0) or error, capped, with extack when there is a text, an
 * offset (>= 0) or a cookie. Returns error, for the log line.
 */
static int ack_cookie(const struct nlmsghdr *req, int error, const char *text,
		      int offset, const void *cookie, size_t cookie_len)
{
	uint16_t flags = NLM_F_CAPPED;
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	if (text || offset >= 0 || cookie_len)
		flags |= NLM_F_ACK_TLVS;
	nlh = msg_begin(req, NLMSG_ERROR, flags);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -error;
	e->msg = *req;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	if (offset >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offset);
	if (cookie_len)
		mnl_attr_put(nlh, NLMSGERR_ATTR_COOKIE, cookie_len, cookie);
	msg_end(nlh);
	return error;
}

static int ack(const struct nlmsghdr *req, int error, const char *text,
	       int offset)
{
	return ack_cookie(req, error, text, offset, NULL, 0);
}

/* The offset of attr in req, as NLMSGERR_ATTR_OFFS gives it. */
static int offset_of(const struct nlmsghdr *req, const void *attr)
{
	return (int)((const char *)attr - (const char *)req);
}

static void put_prefix(struct nlmsghdr *nlh, const char *addr, uint8_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, LYNCEDGE_PREFIXES_A_PREFIX);
	uint8_t bytes[16];

	if (strchr(addr, ':')) {
		inet_pton(AF_INET6, addr, bytes);
		mnl_attr_put(nlh, LYNCEDGE_PREFIX_A_ADDR6, 16, bytes);
	} else {
		inet_pton(AF_INET, addr, bytes);
		mnl_attr_put(nlh, LYNCEDGE_PREFIX_A_ADDR4, 4, bytes);
	}
	mnl_attr_put_u8(nlh, LYNCEDGE_PREFIX_A_LEN, len);
	mnl_attr_nest_end(nlh, nest);
}

struct row {
	const char *name;
	uint8_t proto;
	uint16_t port_min, port_max;
	uint8_t src, dst;
	uint64_t packets, bytes;
};

static const struct row rows[] = {
	{ "SIP/MTLS", IPPROTO_TCP, 5061, 5061, LYNCEDGE_SET_PARTNERS,
	  LYNCEDGE_SET_EDGE, 3, 180 },
	{ "SIP/MTLS", IPPROTO_TCP, 5061, 5061, LYNCEDGE_SET_EDGE,
	  LYNCEDGE_SET_PARTNERS, 0, 0 },
	{ "SIP/TLS", IPPROTO_TCP, 443, 443, LYNCEDGE_SET_CLIENTS,
	  LYNCEDGE_SET_EDGE, 0, 0 },
	{ "RTP", IPPROTO_TCP, 50000, 59999, LYNCEDGE_SET_EDGE,
	  LYNCEDGE_SET_MESSENGER, 0, 0 },
	{ "STUN", IPPROTO_UDP, 3478, 3478, LYNCEDGE_SET_EDGE,
	  LYNCEDGE_SET_MESSENGER, 0, 0 },
	{ "STUN", IPPROTO_UDP, 3478, 3478, LYNCEDGE_SET_MESSENGER,
	  LYNCEDGE_SET_EDGE, 0, 0 },
};

/* Row i (0-based) as a RULE nest, with its counters or not. */
static void put_rule(struct nlmsghdr *nlh, unsigned int i, bool counters)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_RULE);
	const struct row *r = &rows[i];

	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_INDEX, (uint8_t)(i + 1));
	mnl_attr_put_strz(nlh, LYNCEDGE_RULE_A_NAME, r->name);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_PROTO, r->proto);
	mnl_attr_put_u16(nlh, LYNCEDGE_RULE_A_PORT_MIN, r->port_min);
	mnl_attr_put_u16(nlh, LYNCEDGE_RULE_A_PORT_MAX, r->port_max);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_SRC_SET, r->src);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_DST_SET, r->dst);
	if (counters) {
		mnl_attr_put_u64(nlh, LYNCEDGE_RULE_A_PACKETS, r->packets);
		mnl_attr_put_u64(nlh, LYNCEDGE_RULE_A_BYTES, r->bytes);
	}
	mnl_attr_nest_end(nlh, nest);
}

static uint8_t fake_mode(void)
{
	const char *m = getenv("FAKE_MODE");

	return m && *m ? (uint8_t)atoi(m) : LYNCEDGE_MODE_ENFORCE;
}

/* The state of the example in the task: edge 1+1, partners 1, messenger 1. */
static int get_config(const struct nlmsghdr *req)
{
	static const uint32_t v4[] = { 1, 1, 0, 0 }, v6[] = { 1, 0, 0, 1 };
	struct nlmsghdr *nlh = genl_begin(req, LYNCEDGE_CMD_GET_CONFIG, 0);
	struct nlattr *nest;
	uint8_t i;

	static unsigned int replies;
	const char *changes = getenv("FAKE_CHANGES");

	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, fake_mode());
	mnl_attr_put_u8(nlh, LYNCEDGE_A_LOG, !strcmp(scenario, "logon"));
	if (changes && replies < (unsigned int)atoi(changes))
		replies++;
	mnl_attr_put_u32(nlh, LYNCEDGE_A_GENERATION, 7 + replies);
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++) {
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_SET_INFO);
		mnl_attr_put_u8(nlh, LYNCEDGE_SET_INFO_A_SET, i);
		mnl_attr_put_u32(nlh, LYNCEDGE_SET_INFO_A_PREFIXES4, v4[i]);
		mnl_attr_put_u32(nlh, LYNCEDGE_SET_INFO_A_PREFIXES6, v6[i]);
		mnl_attr_put_u64(nlh, LYNCEDGE_SET_INFO_A_BYTES,
				 16 * v4[i] + 56 * v6[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		put_rule(nlh, i, true);
	for (i = 0; i < LYNCEDGE_DENY_COUNT; i++) {
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_DENY);
		mnl_attr_put_u8(nlh, LYNCEDGE_DENY_A_REASON, i);
		mnl_attr_put_u64(nlh, LYNCEDGE_DENY_A_PACKETS, 0);
		mnl_attr_put_u64(nlh, LYNCEDGE_DENY_A_BYTES, 0);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_put_u64(nlh, LYNCEDGE_A_ACCEPT_STATE_PACKETS, 0);
	mnl_attr_put_u64(nlh, LYNCEDGE_A_ACCEPT_STATE_BYTES, 0);
	msg_end(nlh);
	return ack(req, 0, NULL, -1);
}

/* The top-level attributes of a request, by type; NULL when absent. */
struct req_attrs {
	const struct nlattr *tb[LYNCEDGE_A_MAX + 1];
	unsigned int prefixes;		/* in LYNCEDGE_A_PREFIXES */
	int third;			/* offset of the 3rd prefix's address */
};

static const char *u8_name(const struct nlattr *attr,
			   const char *const *names, size_t n, char *buf)
{
	uint8_t v;

	if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
		return "BADLEN";
	v = mnl_attr_get_u8(attr);
	if (v < n && names[v])
		return names[v];
	snprintf(buf, 8, "%u", v);
	return buf;
}

/* " key=ADDR[/LEN]" for an address or prefix nest. */
static void describe_address(const char *key, const struct nlattr *nest)
{
	const struct nlattr *attr;
	char text[INET6_ADDRSTRLEN] = "?";
	int len = -1;

	mnl_attr_for_each_nested(attr, nest) {
		uint16_t n = mnl_attr_get_payload_len(attr);

		switch (mnl_attr_get_type(attr)) {
		case LYNCEDGE_PREFIX_A_ADDR4:
			if (n != 4 || !inet_ntop(AF_INET, mnl_attr_get_payload(attr),
						 text, sizeof(text)))
				snprintf(text, sizeof(text), "BADADDR4");
			break;
		case LYNCEDGE_PREFIX_A_ADDR6:
			if (n != 16 || !inet_ntop(AF_INET6, mnl_attr_get_payload(attr),
						  text, sizeof(text)))
				snprintf(text, sizeof(text), "BADADDR6");
			break;
		case LYNCEDGE_PREFIX_A_LEN:
			len = n == 1 ? mnl_attr_get_u8(attr) : 999;
			break;
		}
	}
	describe(" %s=%s", key, text);
	if (len >= 0)
		describe("/%d", len);
}

/*
 * Parse req's attributes into a and describe them in a fixed order: txn,
 * set, mode, log, proto, src, sport, dst, dport, address, prefixes, then
 * any other by number.
 */
static void parse_request(const struct nlmsghdr *req, struct req_attrs *a)
{
	const struct nlattr *attr, *nest;
	char buf[8];
	uint16_t type;

	memset(a, 0, sizeof(*a));
	a->third = -1;
	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		type = mnl_attr_get_type(attr);
		if (type > LYNCEDGE_A_MAX || a->tb[type]) {
			describe(" attr%u", type);
			continue;
		}
		a->tb[type] = attr;
	}
	if (a->tb[LYNCEDGE_A_TXN])
		describe(" txn");
	if (a->tb[LYNCEDGE_A_SET])
		describe(" set=%s", u8_name(a->tb[LYNCEDGE_A_SET], set_names,
					    ARRAY_SIZE(set_names), buf));
	if (a->tb[LYNCEDGE_A_MODE])
		describe(" mode=%s", u8_name(a->tb[LYNCEDGE_A_MODE], mode_names,
					     ARRAY_SIZE(mode_names), buf));
	if (a->tb[LYNCEDGE_A_LOG]) {
		static const char *const onoff[] = { "off", "on" };

		describe(" log=%s", u8_name(a->tb[LYNCEDGE_A_LOG], onoff,
					    ARRAY_SIZE(onoff), buf));
	}
	if (a->tb[LYNCEDGE_A_PROTO]) {
		static const char *const protos[] = {
			[IPPROTO_TCP] = "tcp", [IPPROTO_UDP] = "udp",
		};

		describe(" proto=%s", u8_name(a->tb[LYNCEDGE_A_PROTO], protos,
					      ARRAY_SIZE(protos), buf));
	}
	if (a->tb[LYNCEDGE_A_SRC])
		describe_address("src", a->tb[LYNCEDGE_A_SRC]);
	if (a->tb[LYNCEDGE_A_SPORT])
		describe(" sport=%u", mnl_attr_get_u16(a->tb[LYNCEDGE_A_SPORT]));
	if (a->tb[LYNCEDGE_A_DST])
		describe_address("dst", a->tb[LYNCEDGE_A_DST]);
	if (a->tb[LYNCEDGE_A_DPORT])
		describe(" dport=%u", mnl_attr_get_u16(a->tb[LYNCEDGE_A_DPORT]));
	if (a->tb[LYNCEDGE_A_ADDRESS])
		describe_address("address", a->tb[LYNCEDGE_A_ADDRESS]);
	if (a->tb[LYNCEDGE_A_PREFIXES]) {
		mnl_attr_for_each_nested(nest, a->tb[LYNCEDGE_A_PREFIXES])
			if (++a->prefixes == 3)	/* point at its ADDR attribute */
				a->third = offset_of(req, nest) + MNL_ATTR_HDRLEN;
		describe(" prefixes=%u nest_len=%u", a->prefixes,
			 mnl_attr_get_len(a->tb[LYNCEDGE_A_PREFIXES]));
	}
}

/* A message flagged LYNCEDGE_A_TXN: staged, or ENOENT without a txn. */
static int stage(const struct nlmsghdr *req, const struct req_attrs *a)
{
	if (!txn_open)
		return ack(req, ENOENT, "this socket has no open transaction",
			   offset_of(req, a->tb[LYNCEDGE_A_TXN]));
	staged_msgs++;
	staged_prefixes += a->prefixes;
	return ack(req, 0, NULL, -1);
}

static int change_prefixes(const struct nlmsghdr *req,
			   const struct req_attrs *a, uint8_t cmd)
{
	prefix_msgs++;
	if (!strcmp(scenario, "delnoent") && cmd == LYNCEDGE_CMD_DEL_PREFIXES)
		return ack(req, ENOENT, "prefix is not in the set", a->third);
	if (!strncmp(scenario, "failbatch", 9) &&
	    prefix_msgs == (unsigned int)atoi(scenario + 9))
		return ack(req, EINVAL, NULL, a->third);
	if (a->tb[LYNCEDGE_A_TXN] && txn_open &&
	    !strcmp(scenario, "stagenospc"))
		return ack(req, ENOSPC, "the transaction stages more prefixes for the set than its size limit (module parameter max_prefixes)",
			   -1);
	if (a->tb[LYNCEDGE_A_TXN])
		return stage(req, a);
	return ack(req, 0, NULL, -1);
}

static int txn_commit(const struct nlmsghdr *req)
{
	static const char *const messages[] = {
		[ENOENT] = "prefix is not in the set",
		[EINVAL] = "invalid prefix",
		[ENOSPC] = "the set would exceed its size limit (module parameter max_prefixes)",
	};
	const char *env = getenv("FAKE_COOKIE");
	struct lyncedge_txn_error at = { 0 };
	unsigned int set = 0, in_del = 0, index = 0;
	size_t cookie_len = sizeof(at);
	int error = 0;

	if (!txn_open)
		return ack(req, ENOENT, "this socket has no open transaction", -1);
	describe(" staged=%u prefixes=%u", staged_msgs, staged_prefixes);
	txn_open = false;
	if (!strcmp(scenario, "commitnoent"))
		error = ENOENT;
	else if (!strcmp(scenario, "commitinval"))
		error = EINVAL;
	else if (!strcmp(scenario, "commitnospc"))
		error = ENOSPC;
	if (!error)
		return ack(req, 0, NULL, -1);

	if (env && !strcmp(env, "none"))
		cookie_len = 0;
	else if (env && !strcmp(env, "short"))
		cookie_len = 3;
	else if (env)
		sscanf(env, "%u,%u,%u", &set, &in_del, &index);
	at.set = (uint8_t)set;
	if (error != ENOSPC) {
		at.in_del = (uint8_t)in_del;
		at.index = index;
	}
	return ack_cookie(req, error, messages[error], -1, &at, cookie_len);
}

/* 203.0.113.10 is in every set, nothing else is. */
static int test_address(const struct nlmsghdr *req)
{
	static const uint8_t member_addr[4] = { 203, 0, 113, 10 };
	const struct nlattr *attr;
	struct nlmsghdr *nlh;
	uint8_t member = 0;

	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		const struct nlattr *inner;

		if (mnl_attr_get_type(attr) != LYNCEDGE_A_ADDRESS)
			continue;
		mnl_attr_for_each_nested(inner, attr)
			if (mnl_attr_get_payload_len(inner) == 4 &&
			    !memcmp(mnl_attr_get_payload(inner), member_addr, 4))
				member = 1;
	}
	nlh = genl_begin(req, LYNCEDGE_CMD_TEST_ADDRESS, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, 0);
	if (strcmp(scenario, "nomember"))
		mnl_attr_put_u8(nlh, LYNCEDGE_A_MEMBER, member);
	msg_end(nlh);
	return ack(req, 0, NULL, -1);
}

/* An edge address of the example: 203.0.113.10 or 2001:db8:e::10. */
static bool is_edge(const struct nlattr *nest)
{
	static const uint8_t edge4[4] = { 203, 0, 113, 10 };
	static const uint8_t edge6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0e,
					   [15] = 0x10 };
	const struct nlattr *attr;

	if (!nest)
		return false;
	mnl_attr_for_each_nested(attr, nest) {
		uint16_t n = mnl_attr_get_payload_len(attr);
		const void *p = mnl_attr_get_payload(attr);

		if ((mnl_attr_get_type(attr) == LYNCEDGE_PREFIX_A_ADDR4 &&
		     n == 4 && !memcmp(p, edge4, 4)) ||
		    (mnl_attr_get_type(attr) == LYNCEDGE_PREFIX_A_ADDR6 &&
		     n == 16 && !memcmp(p, edge6, 16)))
			return true;
	}
	return false;
}

static int explain(const struct nlmsghdr *req, const struct req_attrs *a)
{
	const struct nlattr *const *tb = a->tb;
	struct nlmsghdr *nlh;
	uint8_t verdict = LYNCEDGE_VERDICT_NOT_EDGE;

	if (!tb[LYNCEDGE_A_PROTO] || !tb[LYNCEDGE_A_SRC] || !tb[LYNCEDGE_A_DST] ||
	    !tb[LYNCEDGE_A_DPORT])
		return ack(req, EINVAL, "protocol, addresses and destination port needed",
			   -1);
	if (is_edge(tb[LYNCEDGE_A_DST]) &&
	    mnl_attr_get_u8(tb[LYNCEDGE_A_PROTO]) == IPPROTO_TCP &&
	    mnl_attr_get_u16(tb[LYNCEDGE_A_DPORT]) == 5061)
		verdict = LYNCEDGE_VERDICT_ALLOW;
	else if (is_edge(tb[LYNCEDGE_A_SRC]) || is_edge(tb[LYNCEDGE_A_DST]))
		verdict = LYNCEDGE_VERDICT_DENY;

	nlh = genl_begin(req, LYNCEDGE_CMD_EXPLAIN, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, fake_mode());
	mnl_attr_put_u8(nlh, LYNCEDGE_A_VERDICT, verdict);
	if (verdict == LYNCEDGE_VERDICT_ALLOW) {
		mnl_attr_put_u8(nlh, LYNCEDGE_A_RULE_INDEX, 1);
		if (strcmp(scenario, "oldexplain"))
			put_rule(nlh, 0, false);
	} else if (verdict == LYNCEDGE_VERDICT_DENY) {
		mnl_attr_put_u8(nlh, LYNCEDGE_A_DENY_REASON,
				LYNCEDGE_DENY_NO_RULE);
	}
	msg_end(nlh);
	return ack(req, 0, NULL, -1);
}

/*
 * The dump of a set. partners: three replies over two datagrams, and an
 * interrupted attempt has one more prefix, which must not survive the
 * restart. edge and messenger: one reply; clients: none.
 */
static int get_prefixes(const struct nlmsghdr *req, const struct req_attrs *a)
{
	const char *intr_env = getenv("FAKE_INTR");
	unsigned int intr = intr_env ? (unsigned int)atoi(intr_env) : 0, m;
	bool interrupted = ++dump_attempts <= intr;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int intr_msg;	/* the reply flagged when interrupted */
	uint8_t set;
	int error = 0;

	describe(" attempt=%u", dump_attempts);
	if (!a->tb[LYNCEDGE_A_SET] ||
	    mnl_attr_validate(a->tb[LYNCEDGE_A_SET], MNL_TYPE_U8) < 0 ||
	    mnl_attr_get_u8(a->tb[LYNCEDGE_A_SET]) > LYNCEDGE_SET_MAX) {
		error = EINVAL;
		goto done;
	}
	set = mnl_attr_get_u8(a->tb[LYNCEDGE_A_SET]);
	intr_msg = set == LYNCEDGE_SET_PARTNERS ? 1 : 0;
	for (m = 0; m < 3; m++) {
		if (set == LYNCEDGE_SET_CLIENTS ||
		    (set != LYNCEDGE_SET_PARTNERS && m > 0))
			break;
		nlh = genl_begin(req, LYNCEDGE_CMD_GET_PREFIXES, NLM_F_MULTI |
				 (m == intr_msg && interrupted ?
				  NLM_F_DUMP_INTR : 0));
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_PREFIXES);
		if (set == LYNCEDGE_SET_EDGE) {
			put_prefix(nlh, "203.0.113.10", 32);
			put_prefix(nlh, "2001:db8:e::10", 128);
		} else if (set == LYNCEDGE_SET_MESSENGER) {
			put_prefix(nlh, "2001:db8:4::", 48);
		} else if (m == 0) {
			put_prefix(nlh, "198.51.100.0", 24);
			put_prefix(nlh, "192.0.2.7", 32);
		} else if (m == 1) {
			put_prefix(nlh, "2001:db8::", 32);
			put_prefix(nlh, "2001:db8::1", 128);
		} else {
			put_prefix(nlh, "0.0.0.0", 0);
			put_prefix(nlh, "::", 0);
			if (interrupted)
				put_prefix(nlh, "10.9.9.9", 32);
			if (!strcmp(scenario, "badprefix"))
				put_prefix(nlh, "10.0.0.1", 8);
		}
		mnl_attr_nest_end(nlh, nest);
		msg_end(nlh);
		if (m == 1) {
			dgram_end();
			dgram_begin();
		}
	}
done:
	nlh = msg_begin(req, NLMSG_DONE, NLM_F_MULTI);
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = -error;
	msg_end(nlh);
	return error;
}

static void get_family(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (!strcmp(scenario, "nofamily")) {
		ack(req, ENOENT, NULL, -1);
		return;
	}
	nlh = msg_begin(req, GENL_ID_CTRL, 0);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, LYNCEDGE_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY);
	msg_end(nlh);
	ack(req, 0, NULL, -1);
}

static int handle_family(const struct nlmsghdr *req, uint8_t cmd)
{
	struct req_attrs a;

	if (cmd < ARRAY_SIZE(cmd_names) && cmd_names[cmd])
		describe("%s", cmd_names[cmd]);
	else
		describe("CMD%u", cmd);
	parse_request(req, &a);
	if (!strcmp(scenario, "eperm"))
		return ack(req, EPERM, NULL, -1);

	switch (cmd) {
	case LYNCEDGE_CMD_GET_CONFIG:
		return get_config(req);
	case LYNCEDGE_CMD_SET_MODE:
		if (a.tb[LYNCEDGE_A_TXN])
			return stage(req, &a);
		return ack(req, 0, strcmp(scenario, "warn") ? NULL : "mode unchanged",
			   -1);
	case LYNCEDGE_CMD_SET_LOG:
	case LYNCEDGE_CMD_FLUSH_SET:
		if (a.tb[LYNCEDGE_A_TXN])
			return stage(req, &a);
		return ack(req, 0, NULL, -1);
	case LYNCEDGE_CMD_ADD_PREFIXES:
	case LYNCEDGE_CMD_DEL_PREFIXES:
		return change_prefixes(req, &a, cmd);
	case LYNCEDGE_CMD_TXN_BEGIN:
		txn_open = strcmp(scenario, "nobegin");
		staged_msgs = staged_prefixes = 0;
		return ack(req, 0, NULL, -1);
	case LYNCEDGE_CMD_TXN_COMMIT:
		return txn_commit(req);
	case LYNCEDGE_CMD_TXN_ABORT:
		txn_open = false;
		return ack(req, 0, NULL, -1);
	case LYNCEDGE_CMD_TEST_ADDRESS:
		return test_address(req);
	case LYNCEDGE_CMD_EXPLAIN:
		return explain(req, &a);
	case LYNCEDGE_CMD_RESET_COUNTERS:
		return ack(req, 0, NULL, -1);
	case LYNCEDGE_CMD_GET_PREFIXES:
		return get_prefixes(req, &a);
	default:
		return ack(req, EOPNOTSUPP, NULL, -1);
	}
}

static void handle(const struct nlmsghdr *req)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(req);

	if (req->nlmsg_type == GENL_ID_CTRL) {
		get_family(req);
		return;
	}
	line_len = 0;
	if (req->nlmsg_type != FAKE_FAMILY ||
	    genl->version != LYNCEDGE_GENL_VERSION) {
		describe("bad request type or version");
		log_request(ack(req, EINVAL, "bad request", -1));
		return;
	}
	log_request(handle_family(req, genl->cmd));
}

struct mnl_socket *mnl_socket_open(int bus)
{
	const char *s = getenv("FAKE_SCENARIO");

	(void)bus;
	if (s)
		scenario = s;
	return malloc(1);
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	(void)nl;
	(void)type;
	(void)buf;
	(void)len;
	return 0;
}

/* As in the module, closing the socket drops its transaction. */
int mnl_socket_close(struct mnl_socket *nl)
{
	txn_open = false;
	free(nl);
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;

	(void)nl;
	if (len < sizeof(*req) || len != req->nlmsg_len) {
		errno = EINVAL;
		return -1;
	}
	dgram_begin();
	handle(req);
	dgram_end();
	return (ssize_t)len;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t size)
{
	size_t len = queue_len[head];

	(void)nl;
	if (head == tail) {
		line_len = 0;
		describe("recvfrom with nothing queued");
		log_request(0);
		errno = EAGAIN;
		return -1;
	}
	if (len > size) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, queue[head], len);
	head = (head + 1) % QUEUE_LEN;
	return (ssize_t)len;
}
