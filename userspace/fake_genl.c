// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for nf_lyncedge on the host, for cli_test.sh only: loaded with
 * LD_PRELOAD, it replaces libmnl's socket calls and answers the CLI's
 * requests the way the uapi header describes, so the netlink code (ACKs,
 * extack, batching, dump restarts) and the exact "show" layout are tested
 * without a kernel module. It is not the module: the VM tests are the
 * reference.
 *
 * FAKE_SCENARIO picks a behaviour:
 *   (unset)     everything succeeds
 *   nofamily    the family lookup fails with ENOENT
 *   eperm       every lyncedge request fails with EPERM, no message
 *   delnoent    DEL_PREFIXES fails with ENOENT, a message and an offset
 *   failbatchN  the Nth ADD/DEL message fails with EINVAL, only an offset
 *   warn        SET_MODE succeeds with an extack message (a warning)
 *   nomember    TEST_ADDRESS replies without MEMBER
 *   badprefix   the dump carries a prefix with host bits set
 * FAKE_INTR=N flags the first N dump attempts NLM_F_DUMP_INTR.
 * FAKE_LOG=FILE gets one line per lyncedge request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "uapi/lyncedge.h"

#define FAKE_FAMILY	0x1234
#define FAKE_PORTID	4242
#define QUEUE_LEN	8
#define DGRAM_SIZE	32768

/* Datagrams waiting for recvfrom(): each holds one or more messages. */
static char queue[QUEUE_LEN][DGRAM_SIZE];
static size_t queue_len[QUEUE_LEN];
static unsigned int head, tail;
static unsigned int dump_attempts, prefix_msgs;
static const char *scenario = "";

__attribute__((format(printf, 1, 2)))
static void log_line(const char *fmt, ...)
{
	const char *path = getenv("FAKE_LOG");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
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

/* An ACK (error 0) or error, capped, with extack when text or offset. */
static void ack(const struct nlmsghdr *req, int error, const char *text,
		int offset)
{
	uint16_t flags = NLM_F_CAPPED;
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	if (text || offset >= 0)
		flags |= NLM_F_ACK_TLVS;
	nlh = msg_begin(req, NLMSG_ERROR, flags);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -error;
	e->msg = *req;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	if (offset >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offset);
	msg_end(nlh);
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

static void put_rule(struct nlmsghdr *nlh, uint8_t index, const char *name,
		     uint8_t proto, uint16_t port_min, uint16_t port_max,
		     uint8_t src, uint8_t dst, uint64_t packets, uint64_t bytes)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_RULE);

	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_INDEX, index);
	mnl_attr_put_strz(nlh, LYNCEDGE_RULE_A_NAME, name);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_PROTO, proto);
	mnl_attr_put_u16(nlh, LYNCEDGE_RULE_A_PORT_MIN, port_min);
	mnl_attr_put_u16(nlh, LYNCEDGE_RULE_A_PORT_MAX, port_max);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_SRC_SET, src);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_DST_SET, dst);
	mnl_attr_put_u64(nlh, LYNCEDGE_RULE_A_PACKETS, packets);
	mnl_attr_put_u64(nlh, LYNCEDGE_RULE_A_BYTES, bytes);
	mnl_attr_nest_end(nlh, nest);
}

/* The state of the example in the task: edge 1+1, partners 1, messenger 1. */
static void get_config(const struct nlmsghdr *req)
{
	static const uint32_t v4[] = { 1, 1, 0, 0 }, v6[] = { 1, 0, 0, 1 };
	struct nlmsghdr *nlh = genl_begin(req, LYNCEDGE_CMD_GET_CONFIG, 0);
	struct nlattr *nest;
	uint8_t i;

	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, LYNCEDGE_MODE_ENFORCE);
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++) {
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_SET_INFO);
		mnl_attr_put_u8(nlh, LYNCEDGE_SET_INFO_A_SET, i);
		mnl_attr_put_u32(nlh, LYNCEDGE_SET_INFO_A_PREFIXES4, v4[i]);
		mnl_attr_put_u32(nlh, LYNCEDGE_SET_INFO_A_PREFIXES6, v6[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	put_rule(nlh, 1, "SIP/MTLS", 6, 5061, 5061, LYNCEDGE_SET_PARTNERS,
		 LYNCEDGE_SET_EDGE, 3, 180);
	put_rule(nlh, 2, "SIP/MTLS", 6, 5061, 5061, LYNCEDGE_SET_EDGE,
		 LYNCEDGE_SET_PARTNERS, 0, 0);
	put_rule(nlh, 3, "SIP/TLS", 6, 443, 443, LYNCEDGE_SET_CLIENTS,
		 LYNCEDGE_SET_EDGE, 0, 0);
	put_rule(nlh, 4, "RTP", 6, 50000, 59999, LYNCEDGE_SET_EDGE,
		 LYNCEDGE_SET_MESSENGER, 0, 0);
	put_rule(nlh, 5, "STUN", 17, 3478, 3478, LYNCEDGE_SET_EDGE,
		 LYNCEDGE_SET_MESSENGER, 0, 0);
	put_rule(nlh, 6, "STUN", 17, 3478, 3478, LYNCEDGE_SET_MESSENGER,
		 LYNCEDGE_SET_EDGE, 0, 0);
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
	ack(req, 0, NULL, -1);
}

static void log_u8_attrs(const struct nlmsghdr *req, const char *what)
{
	const struct nlattr *attr;

	log_line("%s", what);
	mnl_attr_for_each(attr, req, GENL_HDRLEN)
		log_line(" %u=%u", mnl_attr_get_type(attr), mnl_attr_get_u8(attr));
	log_line("\n");
}

static void change_prefixes(const struct nlmsghdr *req, uint8_t cmd)
{
	const struct nlattr *attr, *nest;
	unsigned int count = 0, nest_len = 0;
	int third = -1;

	prefix_msgs++;
	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != LYNCEDGE_A_PREFIXES)
			continue;
		nest_len = mnl_attr_get_len(attr);
		mnl_attr_for_each_nested(nest, attr)
			if (++count == 3)	/* point at its ADDR attribute */
				third = (int)((const char *)nest -
					      (const char *)req) + MNL_ATTR_HDRLEN;
	}
	log_line("%s prefixes=%u nest_len=%u\n",
		 cmd == LYNCEDGE_CMD_ADD_PREFIXES ? "add" : "del", count, nest_len);
	if (!strcmp(scenario, "delnoent") && cmd == LYNCEDGE_CMD_DEL_PREFIXES)
		ack(req, ENOENT, "prefix is not in the set", third);
	else if (!strncmp(scenario, "failbatch", 9) &&
		 prefix_msgs == (unsigned int)atoi(scenario + 9))
		ack(req, EINVAL, NULL, third);
	else
		ack(req, 0, NULL, -1);
}

/* 203.0.113.10 is in every set, nothing else is. */
static void test_address(const struct nlmsghdr *req)
{
	static const uint8_t member_addr[4] = { 203, 0, 113, 10 };
	const struct nlattr *attr, *inner;
	struct nlmsghdr *nlh;
	uint8_t member = 0;

	log_line("test");
	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != LYNCEDGE_A_ADDRESS)
			continue;
		mnl_attr_for_each_nested(inner, attr) {
			log_line(" %u/%u", mnl_attr_get_type(inner),
				 mnl_attr_get_payload_len(inner));
			if (mnl_attr_get_payload_len(inner) == 4 &&
			    !memcmp(mnl_attr_get_payload(inner), member_addr, 4))
				member = 1;
		}
	}
	log_line("\n");
	nlh = genl_begin(req, LYNCEDGE_CMD_TEST_ADDRESS, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, 0);
	if (strcmp(scenario, "nomember"))
		mnl_attr_put_u8(nlh, LYNCEDGE_A_MEMBER, member);
	msg_end(nlh);
	ack(req, 0, NULL, -1);
}

/* Three replies over two datagrams; an interrupted attempt has one more
 * prefix, which must not survive the restart. */
static void get_prefixes(const struct nlmsghdr *req)
{
	const char *intr_env = getenv("FAKE_INTR");
	unsigned int intr = intr_env ? (unsigned int)atoi(intr_env) : 0, m;
	bool interrupted = ++dump_attempts <= intr;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	log_line("dump attempt=%u\n", dump_attempts);
	for (m = 0; m < 3; m++) {
		nlh = genl_begin(req, LYNCEDGE_CMD_GET_PREFIXES, NLM_F_MULTI |
				 (m == 1 && interrupted ? NLM_F_DUMP_INTR : 0));
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, LYNCEDGE_SET_PARTNERS);
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_PREFIXES);
		if (m == 0) {
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
	nlh = msg_begin(req, NLMSG_DONE, NLM_F_MULTI);
	mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	msg_end(nlh);
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

static void handle(const struct nlmsghdr *req)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(req);

	if (req->nlmsg_type == GENL_ID_CTRL) {
		get_family(req);
		return;
	}
	if (req->nlmsg_type != FAKE_FAMILY ||
	    genl->version != LYNCEDGE_GENL_VERSION) {
		log_line("bad request type or version\n");
		ack(req, EINVAL, "bad request", -1);
		return;
	}
	if (!strcmp(scenario, "eperm")) {
		log_line("eperm\n");
		ack(req, EPERM, NULL, -1);
		return;
	}
	switch (genl->cmd) {
	case LYNCEDGE_CMD_GET_CONFIG:
		log_line("get_config\n");
		get_config(req);
		break;
	case LYNCEDGE_CMD_SET_MODE:
		log_u8_attrs(req, "mode");
		ack(req, 0, strcmp(scenario, "warn") ? NULL : "mode unchanged", -1);
		break;
	case LYNCEDGE_CMD_FLUSH_SET:
		log_u8_attrs(req, "flush");
		ack(req, 0, NULL, -1);
		break;
	case LYNCEDGE_CMD_ADD_PREFIXES:
	case LYNCEDGE_CMD_DEL_PREFIXES:
		change_prefixes(req, genl->cmd);
		break;
	case LYNCEDGE_CMD_TEST_ADDRESS:
		test_address(req);
		break;
	case LYNCEDGE_CMD_GET_PREFIXES:
		get_prefixes(req);
		break;
	default:
		ack(req, EOPNOTSUPP, NULL, -1);
	}
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

int mnl_socket_close(struct mnl_socket *nl)
{
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
		log_line("recvfrom with nothing queued\n");
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
