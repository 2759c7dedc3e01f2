// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for nf_lyncedge on the host, for cli_test.sh only: loaded with
 * LD_PRELOAD, it replaces libmnl's socket calls and answers the CLI's
 * requests. It is here for what only it can do: the transport and its
 * faults (ACKs, extack messages, offsets and cookies, batching,
 * transactions, interrupted dumps, refused requests and commits). The rows
 * and the verdicts are the module's own: its matching core (table.c,
 * prefixset.c) is built into this library. How the module lays out its
 * replies in detail is for the VM tests to check.
 *
 * It keeps no configuration: GET_CONFIG, the dumps, TEST_ADDRESS and
 * EXPLAIN always read the same example state. It does keep the one
 * transaction of the socket, as the module does: TXN_BEGIN opens it,
 * CONFIGURE, ADD_PREFIXES, DEL_PREFIXES and FLUSH_SET flagged
 * LYNCEDGE_A_TXN are staged in it (only counted) and fail with ENOENT when
 * there is none, TXN_COMMIT and TXN_ABORT end it, closing the socket drops
 * it.
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
 *   warn         CONFIGURE succeeds with an extack message (a warning)
 *   nomember     TEST_ADDRESS replies without MEMBER
 *   badprefix    the dump of partners carries a prefix with host bits set
 *   logon        GET_CONFIG says logging is on
 *   norule       EXPLAIN's allow reply has no RULE nest
 * FAKE_COOKIE="SET,IN_DEL,INDEX" is the struct lyncedge_txn_error of a
 * refused commit (commitnospc sends SET only, as the module does); "none"
 * sends no cookie, "short" one of 3 bytes. Default "0,0,0".
 * FAKE_MODE=N (0 off, 1 monitor, 2 enforce, the default) is the mode that
 * GET_CONFIG and EXPLAIN report.
 * FAKE_PROFILES="pic,remote-users" are the enabled profiles, by name or
 *   number (default: pic only).
 * FAKE_INTR=N flags the first N dump attempts NLM_F_DUMP_INTR.
 * FAKE_CHANGES=N: the configuration generation GET_CONFIG reports moves
 *   on for its first N replies, as if the configuration kept changing.
 * FAKE_LOG=FILE gets one line per lyncedge request: the command, "txn"
 * when flagged, its attributes by name, then " -> ERRNO" when it failed,
 * e.g. "ADD_PREFIXES txn set=edge prefixes=1000 nest_len=12004".
 *
 * Example state (see example_sets[]): edge 203.0.113.10 and 2001:db8:e::10,
 * av 203.0.113.12 (access and webconf empty, so they stand for edge),
 * partners four prefixes, clients anyone, messenger 192.0.2.128/25 and
 * 2001:db8:4::/48. Row 1 has counted 3 packets, 180 bytes; E5 7, 420.
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

#include "names.h"
#include "table.h"
#include "uapi/lyncedge.h"

/* Built with -fvisibility=hidden: only the interposed calls are seen. */
#define FAKE_EXPORT __attribute__((visibility("default")))

#define FAKE_FAMILY	0x1234
#define FAKE_PORTID	4242
#define QUEUE_LEN	8
#define DGRAM_SIZE	32768

/* A dump reply holds this many prefixes: a set of a few needs several. */
#define DUMP_BATCH	2

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

/* The example configuration, built by the core at the first open. */
static struct lyncedge_ruleset example;
static bool example_built;
static uint32_t profiles;

/* The FAKE_LOG line of the request being answered. */
static char line[1024];
static size_t line_len;

static const char *const cmd_names[] = {
	[LYNCEDGE_CMD_GET_CONFIG] = "GET_CONFIG",
	[LYNCEDGE_CMD_CONFIGURE] = "CONFIGURE",
	[LYNCEDGE_CMD_ADD_PREFIXES] = "ADD_PREFIXES",
	[LYNCEDGE_CMD_DEL_PREFIXES] = "DEL_PREFIXES",
	[LYNCEDGE_CMD_FLUSH_SET] = "FLUSH_SET",
	[LYNCEDGE_CMD_TEST_ADDRESS] = "TEST_ADDRESS",
	[LYNCEDGE_CMD_GET_PREFIXES] = "GET_PREFIXES",
	[LYNCEDGE_CMD_EXPLAIN] = "EXPLAIN",
	[LYNCEDGE_CMD_RESET_COUNTERS] = "RESET_COUNTERS",
	[LYNCEDGE_CMD_TXN_BEGIN] = "TXN_BEGIN",
	[LYNCEDGE_CMD_TXN_COMMIT] = "TXN_COMMIT",
	[LYNCEDGE_CMD_TXN_ABORT] = "TXN_ABORT",
};

static const char *const example_sets[LYNCEDGE_SET_COUNT] = {
	[LYNCEDGE_SET_EDGE] = "203.0.113.10/32 2001:db8:e::10/128",
	[LYNCEDGE_SET_PARTNERS] =
		"198.51.100.0/24 192.0.2.7/32 2001:db8::/32 2001:db8::1/128",
	[LYNCEDGE_SET_CLIENTS] = "0.0.0.0/0 ::/0",
	[LYNCEDGE_SET_MESSENGER] = "192.0.2.128/25 2001:db8:4::/48",
	[LYNCEDGE_SET_AV] = "203.0.113.12/32",
};

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

/* The example configuration: a failure here is a bug of the fake. */
static void die(const char *what)
{
	fprintf(stderr, "fake_genl: %s\n", what);
	exit(99);
}

/* A wire address (4 or 16 bytes, network order) as the core reads it. */
static bool addr_from_wire(const void *bytes, size_t len,
			   struct lyncedge_addr *a)
{
	const uint8_t *b = bytes;
	unsigned int i;

	memset(a, 0, sizeof(*a));
	if (len == 4) {
		a->family = LYNCEDGE_IPV4;
		a->v4 = ntohl(*(const uint32_t *)bytes);
		return true;
	}
	if (len != 16)
		return false;
	a->family = LYNCEDGE_IPV6;
	for (i = 0; i < 8; i++) {
		a->v6.hi = a->v6.hi << 8 | b[i];
		a->v6.lo = a->v6.lo << 8 | b[8 + i];
	}
	return true;
}

static void addr_to_wire(const struct lyncedge_addr *a, uint8_t *bytes)
{
	unsigned int i;

	if (a->family == LYNCEDGE_IPV4) {
		uint32_t v4 = htonl(a->v4);

		memcpy(bytes, &v4, 4);
		return;
	}
	for (i = 0; i < 8; i++) {
		bytes[i] = (uint8_t)(a->v6.hi >> (56 - 8 * i));
		bytes[8 + i] = (uint8_t)(a->v6.lo >> (56 - 8 * i));
	}
}

/* "ADDR/LEN" to a core prefix. */
static struct lyncedge_prefix prefix_of(const char *text)
{
	struct lyncedge_prefix p = { 0 };
	char addr[INET6_ADDRSTRLEN];
	uint8_t bytes[16];
	const char *slash = strchr(text, '/');
	bool v6 = strchr(text, ':');

	if (!slash || (size_t)(slash - text) >= sizeof(addr))
		die("bad example prefix");
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bytes) != 1)
		die("bad example address");
	addr_from_wire(bytes, v6 ? 16 : 4, &p.addr);
	p.len = (uint8_t)atoi(slash + 1);
	return p;
}

static struct lyncedge_set *set_of(const char *list)
{
	struct lyncedge_prefix prefixes[8];
	struct lyncedge_set_error err;
	struct lyncedge_set *set;
	char buf[256], *word, *save;
	uint32_t n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (word = strtok_r(buf, " ", &save); word && n < ARRAY_SIZE(prefixes);
	     word = strtok_r(NULL, " ", &save))
		prefixes[n++] = prefix_of(word);
	if (lyncedge_set_update(NULL, prefixes, n, NULL, 0, ~0U, &set, &err))
		die("the core refused the example set");
	return set;
}

/* FAKE_PROFILES: names or numbers, separated by commas. */
static uint32_t parse_profiles(const char *env)
{
	uint32_t mask = 0;
	char buf[256], *word, *save;
	int profile;

	if (!env || !*env)
		return 1U << LYNCEDGE_PROFILE_PIC;
	snprintf(buf, sizeof(buf), "%s", env);
	for (word = strtok_r(buf, ",", &save); word;
	     word = strtok_r(NULL, ",", &save)) {
		profile = profile_from_name(word);
		if (profile < 0)
			profile = atoi(word);
		mask |= 1U << (profile & 31);
	}
	return mask;
}

static void example_build(void)
{
	unsigned int set;

	lyncedge_table_init();
	for (set = 0; set < LYNCEDGE_SET_COUNT; set++)
		if (example_sets[set])
			example.sets[set] = set_of(example_sets[set]);
	profiles = parse_profiles(getenv("FAKE_PROFILES"));
	example.rows = lyncedge_profile_rows(profiles);
	lyncedge_ruleset_prepare(&example);
}

__attribute__((destructor))
static void example_free(void)
{
	unsigned int set;

	for (set = 0; set < LYNCEDGE_SET_COUNT; set++) {
		lyncedge_set_free((struct lyncedge_set *)example.sets[set]);
		example.sets[set] = NULL;
	}
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

static void put_prefix(struct nlmsghdr *nlh, const struct lyncedge_prefix *p)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, LYNCEDGE_PREFIXES_A_PREFIX);
	uint8_t bytes[16];

	addr_to_wire(&p->addr, bytes);
	if (p->addr.family == LYNCEDGE_IPV4)
		mnl_attr_put(nlh, LYNCEDGE_PREFIX_A_ADDR4, 4, bytes);
	else
		mnl_attr_put(nlh, LYNCEDGE_PREFIX_A_ADDR6, 16, bytes);
	mnl_attr_put_u8(nlh, LYNCEDGE_PREFIX_A_LEN, p->len);
	mnl_attr_nest_end(nlh, nest);
}

/* Counters of the example: row 1 and E5 have seen packets. */
static uint64_t row_packets(unsigned int i, uint64_t *bytes)
{
	const char *label = lyncedge_rules[i].label;

	if (!strcmp(label, "1")) {
		*bytes = 180;
		return 3;
	}
	if (!strcmp(label, "E5")) {
		*bytes = 420;
		return 7;
	}
	*bytes = 0;
	return 0;
}

/* Row i (0-based) of the core as a RULE nest, with its counters or not. */
static void put_rule(struct nlmsghdr *nlh, unsigned int i, bool counters)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_RULE);
	const struct lyncedge_rule *r = &lyncedge_rules[i];
	uint64_t packets, bytes;

	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_INDEX, (uint8_t)(i + 1));
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_PROFILE, r->profile);
	mnl_attr_put_strz(nlh, LYNCEDGE_RULE_A_LABEL, r->label);
	mnl_attr_put_strz(nlh, LYNCEDGE_RULE_A_NAME, r->service);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_PROTO, r->proto);
	mnl_attr_put_u16(nlh, LYNCEDGE_RULE_A_PORT_MIN, r->port_min);
	mnl_attr_put_u16(nlh, LYNCEDGE_RULE_A_PORT_MAX, r->port_max);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_PORT_MATCH, r->port_match);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_SRC_SET, r->src);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_DST_SET, r->dst);
	mnl_attr_put_strz(nlh, LYNCEDGE_RULE_A_CITE, r->cite);
	if (counters) {
		packets = row_packets(i, &bytes);
		mnl_attr_put_u64(nlh, LYNCEDGE_RULE_A_PACKETS, packets);
		mnl_attr_put_u64(nlh, LYNCEDGE_RULE_A_BYTES, bytes);
	}
	mnl_attr_nest_end(nlh, nest);
}

static uint8_t fake_mode(void)
{
	const char *m = getenv("FAKE_MODE");

	return m && *m ? (uint8_t)atoi(m) : LYNCEDGE_MODE_ENFORCE;
}

static int get_config(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = genl_begin(req, LYNCEDGE_CMD_GET_CONFIG, 0);
	const char *changes = getenv("FAKE_CHANGES");
	static unsigned int replies;
	const struct lyncedge_set *set;
	struct nlattr *nest;
	unsigned int i;

	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, fake_mode());
	mnl_attr_put_u8(nlh, LYNCEDGE_A_LOG, !strcmp(scenario, "logon"));
	mnl_attr_put_u32(nlh, LYNCEDGE_A_PROFILES, profiles);
	if (changes && replies < (unsigned int)atoi(changes))
		replies++;
	mnl_attr_put_u32(nlh, LYNCEDGE_A_GENERATION, 7 + replies);
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++) {
		set = example.sets[i];
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_SET_INFO);
		mnl_attr_put_u8(nlh, LYNCEDGE_SET_INFO_A_SET, (uint8_t)i);
		mnl_attr_put_u32(nlh, LYNCEDGE_SET_INFO_A_PREFIXES4,
				 set ? set->nr_prefixes4 : 0);
		mnl_attr_put_u32(nlh, LYNCEDGE_SET_INFO_A_PREFIXES6,
				 set ? set->nr_prefixes6 : 0);
		mnl_attr_put_u64(nlh, LYNCEDGE_SET_INFO_A_BYTES,
				 set ? lyncedge_set_bytes(set) : 0);
		mnl_attr_nest_end(nlh, nest);
	}
	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++)
		put_rule(nlh, i, true);
	for (i = 0; i < LYNCEDGE_DENY_COUNT; i++) {
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_DENY);
		mnl_attr_put_u8(nlh, LYNCEDGE_DENY_A_REASON, (uint8_t)i);
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

/* A u8 attribute by name, "BADLEN", or its number. */
static const char *u8_name(const struct nlattr *attr,
			   const char *(*name_of)(unsigned int), char *buf)
{
	const char *name;

	if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
		return "BADLEN";
	name = name_of(mnl_attr_get_u8(attr));
	if (name)
		return name;
	snprintf(buf, 8, "%u", mnl_attr_get_u8(attr));
	return buf;
}

static const char *onoff_name(unsigned int v)
{
	return v == 0 ? "off" : v == 1 ? "on" : NULL;
}

/* " key=pic,base" for a u32 profile mask. */
static void describe_profiles(const char *key, const struct nlattr *attr)
{
	const char *sep = "=";
	unsigned int profile;
	uint32_t mask;

	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0) {
		describe(" %s=BADLEN", key);
		return;
	}
	mask = mnl_attr_get_u32(attr);
	describe(" %s", key);
	for (profile = 0; profile < 32; profile++) {
		if (!(mask & (1U << profile)))
			continue;
		if (profile_name(profile))
			describe("%s%s", sep, profile_name(profile));
		else
			describe("%s%u", sep, profile);
		sep = ",";
	}
	if (!mask)
		describe("=none");
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
 * set, mode, log, profiles, enable, disable, proto, src, sport, dst, dport,
 * address, prefixes, then any other by number.
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
		describe(" set=%s", u8_name(a->tb[LYNCEDGE_A_SET], set_name, buf));
	if (a->tb[LYNCEDGE_A_MODE])
		describe(" mode=%s", u8_name(a->tb[LYNCEDGE_A_MODE], mode_name, buf));
	if (a->tb[LYNCEDGE_A_LOG])
		describe(" log=%s", u8_name(a->tb[LYNCEDGE_A_LOG], onoff_name, buf));
	if (a->tb[LYNCEDGE_A_PROFILES])
		describe_profiles("profiles", a->tb[LYNCEDGE_A_PROFILES]);
	if (a->tb[LYNCEDGE_A_PROFILES_ENABLE])
		describe_profiles("enable", a->tb[LYNCEDGE_A_PROFILES_ENABLE]);
	if (a->tb[LYNCEDGE_A_PROFILES_DISABLE])
		describe_profiles("disable", a->tb[LYNCEDGE_A_PROFILES_DISABLE]);
	if (a->tb[LYNCEDGE_A_PROTO])
		describe(" proto=%s", u8_name(a->tb[LYNCEDGE_A_PROTO], proto_name,
					      buf));
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

/* What the module refuses in a CONFIGURE, whatever the scenario. */
static int configure(const struct nlmsghdr *req, const struct req_attrs *a)
{
	const struct nlattr *const *tb = a->tb;
	const struct nlattr *profiles_attr = tb[LYNCEDGE_A_PROFILES];
	const struct nlattr *disable = tb[LYNCEDGE_A_PROFILES_DISABLE];

	if (!tb[LYNCEDGE_A_MODE] && !tb[LYNCEDGE_A_LOG] && !profiles_attr &&
	    !tb[LYNCEDGE_A_PROFILES_ENABLE] && !disable)
		return ack(req, EINVAL, "nothing to configure", -1);
	if (profiles_attr &&
	    !(mnl_attr_get_u32(profiles_attr) & (1U << LYNCEDGE_PROFILE_PIC)))
		return ack(req, EINVAL, "pic cannot be turned off",
			   offset_of(req, profiles_attr));
	if (disable &&
	    (mnl_attr_get_u32(disable) & (1U << LYNCEDGE_PROFILE_PIC)))
		return ack(req, EINVAL, "pic cannot be turned off",
			   offset_of(req, disable));
	if (tb[LYNCEDGE_A_TXN])
		return stage(req, a);
	return ack(req, 0, strcmp(scenario, "warn") ? NULL : "mode unchanged",
		   -1);
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

/* An address nest (LEN omitted or full) as the core reads it. */
static bool address_of(const struct nlattr *nest, struct lyncedge_addr *a)
{
	const struct nlattr *attr;

	if (!nest)
		return false;
	mnl_attr_for_each_nested(attr, nest) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type == LYNCEDGE_PREFIX_A_ADDR4 ||
		    type == LYNCEDGE_PREFIX_A_ADDR6)
			return addr_from_wire(mnl_attr_get_payload(attr),
					      mnl_attr_get_payload_len(attr), a);
	}
	return false;
}

/* The request's set, or -1 when it is absent or unknown. */
static int set_of_request(const struct req_attrs *a)
{
	const struct nlattr *attr = a->tb[LYNCEDGE_A_SET];

	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U8) < 0 ||
	    mnl_attr_get_u8(attr) > LYNCEDGE_SET_MAX)
		return -1;
	return mnl_attr_get_u8(attr);
}

static int test_address(const struct nlmsghdr *req, const struct req_attrs *a)
{
	struct lyncedge_addr addr;
	struct nlmsghdr *nlh;
	int set = set_of_request(a);

	if (set < 0 || !address_of(a->tb[LYNCEDGE_A_ADDRESS], &addr))
		return ack(req, EINVAL, "a set and an address needed", -1);
	nlh = genl_begin(req, LYNCEDGE_CMD_TEST_ADDRESS, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, (uint8_t)set);
	if (strcmp(scenario, "nomember"))
		mnl_attr_put_u8(nlh, LYNCEDGE_A_MEMBER,
				lyncedge_set_contains(example.sets[set], &addr));
	msg_end(nlh);
	return ack(req, 0, NULL, -1);
}

/* The core judges the tuple, as the module's EXPLAIN does. */
static int explain(const struct nlmsghdr *req, const struct req_attrs *a)
{
	const struct nlattr *const *tb = a->tb;
	struct lyncedge_tuple t = { .ct_state = LYNCEDGE_CT_NEW };
	struct lyncedge_verdict v;
	struct nlmsghdr *nlh;
	uint8_t verdict;

	if (!tb[LYNCEDGE_A_PROTO] || !tb[LYNCEDGE_A_DPORT] ||
	    !address_of(tb[LYNCEDGE_A_SRC], &t.src) ||
	    !address_of(tb[LYNCEDGE_A_DST], &t.dst))
		return ack(req, EINVAL, "protocol, addresses and destination port needed",
			   -1);
	t.proto = mnl_attr_get_u8(tb[LYNCEDGE_A_PROTO]);
	t.dport = mnl_attr_get_u16(tb[LYNCEDGE_A_DPORT]);
	if (tb[LYNCEDGE_A_SPORT])
		t.sport = mnl_attr_get_u16(tb[LYNCEDGE_A_SPORT]);
	v = lyncedge_classify(&example, &t);

	switch (v.kind) {
	case LYNCEDGE_PASS_RULE:
		verdict = LYNCEDGE_VERDICT_ALLOW;
		break;
	case LYNCEDGE_DENY:
		verdict = LYNCEDGE_VERDICT_DENY;
		break;
	default:
		verdict = LYNCEDGE_VERDICT_NOT_EDGE;
		break;
	}
	nlh = genl_begin(req, LYNCEDGE_CMD_EXPLAIN, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, fake_mode());
	mnl_attr_put_u8(nlh, LYNCEDGE_A_VERDICT, verdict);
	if (verdict == LYNCEDGE_VERDICT_ALLOW) {
		mnl_attr_put_u8(nlh, LYNCEDGE_A_RULE_INDEX, v.index + 1);
		if (strcmp(scenario, "norule"))
			put_rule(nlh, v.index, false);
		mnl_attr_put_u8(nlh, LYNCEDGE_A_PORT_MATCHED, v.matched);
	} else if (verdict == LYNCEDGE_VERDICT_DENY) {
		mnl_attr_put_u8(nlh, LYNCEDGE_A_DENY_REASON, v.index);
	}
	msg_end(nlh);
	return ack(req, 0, NULL, -1);
}

/* A prefix of the example set, or the ones scenarios slip in. */
static bool dump_prefix(const struct lyncedge_set *set, uint32_t pos,
			bool interrupted, bool bad, struct lyncedge_prefix *p)
{
	uint32_t size = lyncedge_set_size(set);

	if (pos < size) {
		lyncedge_set_prefix_at(set, pos, p);
		return true;
	}
	pos -= size;
	if (interrupted && pos-- == 0) {
		*p = prefix_of("10.9.9.9/32");
		return true;
	}
	if (bad && pos == 0) {
		*p = prefix_of("10.0.0.1/8");
		return true;
	}
	return false;
}

/*
 * The dump of a set: DUMP_BATCH prefixes a reply, two replies a datagram,
 * so the CLI reads several of each. An interrupted attempt flags its first
 * reply and carries one more prefix, which must not survive the restart.
 */
static int get_prefixes(const struct nlmsghdr *req, const struct req_attrs *a)
{
	const char *intr_env = getenv("FAKE_INTR");
	unsigned int intr = intr_env ? (unsigned int)atoi(intr_env) : 0;
	bool interrupted = ++dump_attempts <= intr, bad;
	struct lyncedge_prefix p;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t pos = 0, m, i;
	int set, error = 0;

	describe(" attempt=%u", dump_attempts);
	set = set_of_request(a);
	if (set < 0) {
		error = EINVAL;
		goto done;
	}
	bad = set == LYNCEDGE_SET_PARTNERS && !strcmp(scenario, "badprefix");
	for (m = 0; dump_prefix(example.sets[set], pos, interrupted, bad, &p);
	     m++) {
		if (m && m % 2 == 0) {
			dgram_end();
			dgram_begin();
		}
		nlh = genl_begin(req, LYNCEDGE_CMD_GET_PREFIXES, NLM_F_MULTI |
				 (m == 0 && interrupted ? NLM_F_DUMP_INTR : 0));
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, (uint8_t)set);
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_PREFIXES);
		for (i = 0; i < DUMP_BATCH &&
			    dump_prefix(example.sets[set], pos, interrupted, bad, &p);
		     i++, pos++)
			put_prefix(nlh, &p);
		mnl_attr_nest_end(nlh, nest);
		msg_end(nlh);
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
	case LYNCEDGE_CMD_CONFIGURE:
		return configure(req, &a);
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
		return test_address(req, &a);
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

FAKE_EXPORT struct mnl_socket *mnl_socket_open(int bus)
{
	const char *s = getenv("FAKE_SCENARIO");

	(void)bus;
	if (s)
		scenario = s;
	if (!example_built) {
		example_build();
		example_built = true;
	}
	return malloc(1);
}

FAKE_EXPORT int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups,
				pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

FAKE_EXPORT unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

FAKE_EXPORT int mnl_socket_setsockopt(const struct mnl_socket *nl, int type,
				      void *buf, socklen_t len)
{
	(void)nl;
	(void)type;
	(void)buf;
	(void)len;
	return 0;
}

/* As in the module, closing the socket drops its transaction. */
FAKE_EXPORT int mnl_socket_close(struct mnl_socket *nl)
{
	txn_open = false;
	free(nl);
	return 0;
}

FAKE_EXPORT ssize_t mnl_socket_sendto(const struct mnl_socket *nl,
				      const void *buf, size_t len)
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

FAKE_EXPORT ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl,
					void *buf, size_t size)
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
