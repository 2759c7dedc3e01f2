// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-netlink-seeds DIR: write the seed corpus of fuzz_netlink.c into DIR
 * ("make fuzz-seeds"). Each seed is a command and the replies the module
 * would send it, laid out as fuzz_netlink.h says: the family lookup, then
 * replies and ACKs of the right sequence numbers, some with the faults
 * the CLI must handle (extended ACK messages and offsets, a refused
 * commit's cookie, an interrupted dump, no module). Built with libmnl and
 * the uapi header, so that the seeds follow the protocol as it is.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fuzz_netlink.h"
#include "lyncedge.h"

#define FAMILY_ID 0x1234
#define DGRAM_MAX 8192

/* The seed being written, and the datagram being built in it. */
static FILE *seed;
static char dgram[DGRAM_MAX];
static size_t dgram_len;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void seed_begin(const char *dir, const char *name, enum fuzz_command cmd)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	seed = fopen(path, "wb");
	if (!seed)
		die(path);
	fputc(cmd, seed);
}

static void seed_end(void)
{
	if (fclose(seed))
		die("fclose");
}

/* A datagram: its length, little-endian, then the messages put in it. */
static void send_dgram(void)
{
	fputc(dgram_len & 0xff, seed);
	fputc(dgram_len >> 8, seed);
	fwrite(dgram, 1, dgram_len, seed);
	dgram_len = 0;
}

static struct nlmsghdr *msg(uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(dgram + dgram_len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = FUZZ_PORTID;
	return nlh;
}

static void msg_end(struct nlmsghdr *nlh)
{
	dgram_len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *genl_msg(uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = msg(FAMILY_ID, flags, seq);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));

	genl->cmd = cmd;
	genl->version = LYNCEDGE_GENL_VERSION;
	return nlh;
}

/*
 * The ACK (error 0) or error of request seq, capped, with an extended ACK
 * message, offset and cookie when given.
 */
static void ack_full(uint32_t seq, int error, const char *text, int offset,
		     const void *cookie, size_t cookie_len)
{
	bool tlvs = text || offset >= 0 || cookie;
	struct nlmsghdr *nlh = msg(NLMSG_ERROR, NLM_F_CAPPED |
				   (tlvs ? NLM_F_ACK_TLVS : 0), seq);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = -error;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr) + GENL_HDRLEN;
	e->msg.nlmsg_type = FAMILY_ID;
	e->msg.nlmsg_seq = seq;
	e->msg.nlmsg_pid = FUZZ_PORTID;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	if (offset >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offset);
	if (cookie)
		mnl_attr_put(nlh, NLMSGERR_ATTR_COOKIE, cookie_len, cookie);
	msg_end(nlh);
}

static void ack(uint32_t seq, int error, const char *text)
{
	ack_full(seq, error, text, -1, NULL, 0);
}

/* The family lookup's answer, to request 1. */
static void family_reply(void)
{
	struct nlmsghdr *nlh = msg(GENL_ID_CTRL, 0, 1);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));

	genl->cmd = CTRL_CMD_NEWFAMILY;
	genl->version = 2;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, LYNCEDGE_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAMILY_ID);
	msg_end(nlh);
	ack(1, 0, NULL);
	send_dgram();
}

static void put_prefix(struct nlmsghdr *nlh, uint16_t type, const char *addr,
		       uint8_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	uint8_t bytes[16];
	bool v6 = strchr(addr, ':');

	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bytes) != 1)
		die(addr);
	mnl_attr_put(nlh, v6 ? LYNCEDGE_PREFIX_A_ADDR6 : LYNCEDGE_PREFIX_A_ADDR4,
		     v6 ? 16 : 4, bytes);
	mnl_attr_put_u8(nlh, LYNCEDGE_PREFIX_A_LEN, len);
	mnl_attr_nest_end(nlh, nest);
}

/* Row 1 of pic, as GET_CONFIG and EXPLAIN describe it. */
static void put_rule(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_RULE);

	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_INDEX, 1);
	mnl_attr_put_strz(nlh, LYNCEDGE_RULE_A_NAME, "SIP/MTLS");
	mnl_attr_put_strz(nlh, LYNCEDGE_RULE_A_LABEL, "1");
	mnl_attr_put_strz(nlh, LYNCEDGE_RULE_A_CITE,
			  "Port summary - Public IM connectivity (JJ618376)");
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_PROFILE, LYNCEDGE_PROFILE_PIC);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_PROTO, IPPROTO_TCP);
	mnl_attr_put_u16(nlh, LYNCEDGE_RULE_A_PORT_MIN, 5061);
	mnl_attr_put_u16(nlh, LYNCEDGE_RULE_A_PORT_MAX, 5061);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_PORT_MATCH, LYNCEDGE_PORT_DST);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_SRC_SET, LYNCEDGE_SET_PARTNERS);
	mnl_attr_put_u8(nlh, LYNCEDGE_RULE_A_DST_SET, LYNCEDGE_SET_ACCESS);
	mnl_attr_put_u64(nlh, LYNCEDGE_RULE_A_PACKETS, 3);
	mnl_attr_put_u64(nlh, LYNCEDGE_RULE_A_BYTES, 180);
	mnl_attr_nest_end(nlh, nest);
}

static void config_reply(uint32_t seq, uint32_t generation)
{
	struct nlmsghdr *nlh = genl_msg(LYNCEDGE_CMD_GET_CONFIG, 0, seq);
	struct nlattr *nest;

	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, LYNCEDGE_MODE_ENFORCE);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_LOG, 1);
	mnl_attr_put_u32(nlh, LYNCEDGE_A_PROFILES,
			 1U << LYNCEDGE_PROFILE_PIC | 1U << LYNCEDGE_PROFILE_XMPP);
	mnl_attr_put_u32(nlh, LYNCEDGE_A_GENERATION, generation);
	nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_SET_INFO);
	mnl_attr_put_u8(nlh, LYNCEDGE_SET_INFO_A_SET, LYNCEDGE_SET_PARTNERS);
	mnl_attr_put_u32(nlh, LYNCEDGE_SET_INFO_A_PREFIXES4, 2);
	mnl_attr_put_u32(nlh, LYNCEDGE_SET_INFO_A_PREFIXES6, 1);
	mnl_attr_put_u64(nlh, LYNCEDGE_SET_INFO_A_BYTES, 4096);
	mnl_attr_nest_end(nlh, nest);
	put_rule(nlh);
	nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_DENY);
	mnl_attr_put_u8(nlh, LYNCEDGE_DENY_A_REASON, LYNCEDGE_DENY_NO_RULE);
	mnl_attr_put_u64(nlh, LYNCEDGE_DENY_A_PACKETS, 12);
	mnl_attr_put_u64(nlh, LYNCEDGE_DENY_A_BYTES, 840);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, LYNCEDGE_A_ACCEPT_STATE_PACKETS, 100);
	mnl_attr_put_u64(nlh, LYNCEDGE_A_ACCEPT_STATE_BYTES, 64000);
	msg_end(nlh);
	ack(seq, 0, NULL);
	send_dgram();
}

/* One reply of a GET_PREFIXES dump, of the prefixes given. */
static void dump_part(uint32_t seq, uint8_t set, uint16_t flags,
		      const char *const *addrs, const uint8_t *lens, size_t n)
{
	struct nlmsghdr *nlh = genl_msg(LYNCEDGE_CMD_GET_PREFIXES,
					NLM_F_MULTI | flags, seq);
	struct nlattr *nest;
	size_t i;

	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
	nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_PREFIXES);
	for (i = 0; i < n; i++)
		put_prefix(nlh, LYNCEDGE_PREFIXES_A_PREFIX, addrs[i], lens[i]);
	mnl_attr_nest_end(nlh, nest);
	msg_end(nlh);
}

static void dump_done(uint32_t seq, uint16_t flags)
{
	struct nlmsghdr *nlh = msg(NLMSG_DONE, NLM_F_MULTI | flags, seq);
	int *error = mnl_nlmsg_put_extra_header(nlh, sizeof(*error));

	*error = 0;
	msg_end(nlh);
	send_dgram();
}

static const char *const partner_addrs[] = {
	"192.0.2.0", "198.51.100.7", "2001:db8:1::"
};
static const uint8_t partner_lens[] = { 24, 32, 48 };

/* A set of three prefixes, in two replies as the module batches a dump. */
static void set_dump(uint32_t seq, uint8_t set, uint16_t flags)
{
	dump_part(seq, set, flags, partner_addrs, partner_lens, 2);
	send_dgram();
	dump_part(seq, set, flags, partner_addrs + 2, partner_lens + 2, 1);
	dump_done(seq, flags);
}

static void write_seeds(const char *dir)
{
	struct lyncedge_txn_error at = { .set = LYNCEDGE_SET_PARTNERS,
					 .in_del = 1, .index = 1 };
	struct nlmsghdr *nlh;
	uint32_t seq;
	uint8_t set;

	seed_begin(dir, "show", FUZZ_SHOW);
	family_reply();
	config_reply(2, 7);
	seed_end();

	seed_begin(dir, "profiles-json", FUZZ_PROFILES_JSON);
	family_reply();
	config_reply(2, 7);
	seed_end();

	seed_begin(dir, "no-module", FUZZ_SHOW_JSON);
	ack(1, ENOENT, NULL);
	send_dgram();
	seed_end();

	seed_begin(dir, "test-member", FUZZ_TEST_V4);
	family_reply();
	nlh = genl_msg(LYNCEDGE_CMD_TEST_ADDRESS, 0, 2);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_MEMBER, 1);
	msg_end(nlh);
	ack(2, 0, NULL);
	send_dgram();
	seed_end();

	seed_begin(dir, "list", FUZZ_LIST);
	family_reply();
	set_dump(2, LYNCEDGE_SET_PARTNERS, 0);
	seed_end();

	/* A dump that raced with an update is read again. */
	seed_begin(dir, "list-interrupted", FUZZ_LIST_JSON);
	family_reply();
	set_dump(2, LYNCEDGE_SET_MESSENGER, NLM_F_DUMP_INTR);
	set_dump(3, LYNCEDGE_SET_MESSENGER, 0);
	seed_end();

	seed_begin(dir, "explain-allow", FUZZ_EXPLAIN_V4);
	family_reply();
	nlh = genl_msg(LYNCEDGE_CMD_EXPLAIN, 0, 2);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, LYNCEDGE_MODE_ENFORCE);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_VERDICT, LYNCEDGE_VERDICT_ALLOW);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_PORT_MATCHED, LYNCEDGE_MATCHED_DPORT);
	put_rule(nlh);
	msg_end(nlh);
	ack(2, 0, NULL);
	send_dgram();
	seed_end();

	seed_begin(dir, "explain-deny", FUZZ_EXPLAIN_V6_JSON);
	family_reply();
	nlh = genl_msg(LYNCEDGE_CMD_EXPLAIN, 0, 2);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, LYNCEDGE_MODE_MONITOR);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_VERDICT, LYNCEDGE_VERDICT_DENY);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_DENY_REASON, LYNCEDGE_DENY_NO_RULE);
	msg_end(nlh);
	ack(2, 0, NULL);
	send_dgram();
	seed_end();

	/*
	 * The second prefix refused: the offset is where its nest starts in
	 * the request (nlmsghdr, genlmsghdr, SET, PREFIXES header, the
	 * first nest: header, ADDR4, LEN).
	 */
	seed_begin(dir, "add-refused", FUZZ_ADD);
	family_reply();
	ack_full(2, EINVAL, "invalid prefix", NLMSG_HDRLEN + GENL_HDRLEN + 8 +
		 4 + 4 + 8 + 8, NULL, 0);
	send_dgram();
	seed_end();

	/* begin, one staged delete, then a commit refused with a cookie */
	seed_begin(dir, "del-commit-refused", FUZZ_DEL_FILE);
	family_reply();
	ack(2, 0, NULL);
	send_dgram();
	ack(3, 0, NULL);
	send_dgram();
	ack_full(4, ENOENT, "prefix is not in the set", -1, &at, sizeof(at));
	send_dgram();
	seed_end();

	/* the configuration, every set (partners has prefixes), again */
	seed_begin(dir, "save", FUZZ_SAVE);
	family_reply();
	config_reply(2, 7);
	for (set = 0, seq = 3; set < LYNCEDGE_SET_COUNT; set++, seq++) {
		if (set == LYNCEDGE_SET_PARTNERS)
			set_dump(seq, set, 0);
		else
			dump_done(seq, 0);
	}
	config_reply(seq, 7);
	seed_end();

	/* begin, flush, four staged sets, configure, commit: all ACKed */
	seed_begin(dir, "restore", FUZZ_RESTORE);
	family_reply();
	for (seq = 2; seq <= 9; seq++) {
		ack(seq, 0, NULL);
		send_dgram();
	}
	seed_end();

	/* A success with a message: a warning. */
	seed_begin(dir, "mode-warning", FUZZ_MODE);
	family_reply();
	ack(2, 0, "enforce mode with an empty edge set drops nothing");
	send_dgram();
	seed_end();

	/*
	 * A regression test: a message whose nlmsg_len is 2 GiB or more, as
	 * a local process could send, passed libmnl's mnl_nlmsg_ok() and
	 * sent the walk of the datagram out of its buffer (netlink.c,
	 * reply_ok()); this one leaves the length still to walk positive,
	 * so the next message was read 3.75 GiB away.
	 */
	seed_begin(dir, "regress-nlmsg-len-2gib", FUZZ_RESET_COUNTERS);
	family_reply();
	nlh = genl_msg(LYNCEDGE_CMD_RESET_COUNTERS, 0, 2);
	msg_end(nlh);
	nlh->nlmsg_len = 0xf0000000u | NLMSG_HDRLEN;
	ack(2, 0, NULL);
	send_dgram();
	seed_end();

	/* A regression test: an error of INT_MIN, which has no negation. */
	seed_begin(dir, "regress-error-int-min", FUZZ_FLUSH_ALL);
	family_reply();
	ack(2, 0, NULL);
	((struct nlmsgerr *)mnl_nlmsg_get_payload((struct nlmsghdr *)dgram))->error =
		INT_MIN;
	send_dgram();
	seed_end();

	seed_begin(dir, "profile-eperm", FUZZ_PROFILE_ENABLE);
	family_reply();
	ack(2, EPERM, NULL);
	send_dgram();
	seed_end();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	write_seeds(argv[1]);
	return 0;
}
