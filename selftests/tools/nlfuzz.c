// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz - fuzz the "lyncedge" generic netlink family and check every answer.
 *
 *   nlfuzz [-m model|foreign|race] [-n COUNT] [-s SEED] [-t SECONDS]
 *          [-d SECONDS] [-P] [-v]
 *   nlfuzz --policy | --generation
 *
 * Messages are built on raw NETLINK_GENERIC sockets, so they can be broken
 * in any way: no library would let us send a short nlmsg_len. Three
 * sources, mixed in every batch:
 *   - valid requests, made from what the fuzzer knows the namespace holds;
 *   - requests drawn from the family's policy as the kernel reports it
 *     (CTRL_CMD_GETPOLICY): every attribute the policy names, at, inside
 *     and beyond its bounds, nested as the policy nests them;
 *   - either of those mutated: nlmsg_len and nla_len short, long and
 *     unaligned, unknown commands, versions, flags and attribute types,
 *     NLA_F_NESTED where it does not belong or missing, empty and over-deep
 *     nests, duplicated and truncated attributes, garbage.
 * Batches hold one to a few thousand messages in one datagram; some
 * scenarios close a socket with a transaction open or a dump half read,
 * interrupt a dump with an update from another socket, or read dumps with
 * a tiny receive buffer.
 *
 * Every datagram is first run through a model of what the kernel does with
 * it: netlink_rcv_skb()'s framing, genetlink's header, command and
 * permission checks, strict policy validation (driven by the reported
 * policy), and then the family's semantics as uapi/lyncedge.h describes
 * them, on a model of the namespace (mode, log, profiles, the sets, each
 * socket's transaction, the configuration generation). That gives each
 * message an expected answer, which the kernel's must match: the error
 * number, or success with the reply the model predicts (TEST_ADDRESS's
 * MEMBER, GET_CONFIG's counts and generation, a dump's exact content and
 * its NLM_F_DUMP_INTR flag). Each datagram is followed by a NLMSG_NOOP
 * barrier, so that a missing answer is told apart from a late one; no
 * answer within -t seconds is a hang.
 *
 * Modes:
 *   model    (default) the fuzzer is the namespace's only writer and has
 *            CAP_NET_ADMIN over it: the whole model applies. At the end the
 *            namespace's whole configuration is read back and compared.
 *   foreign  no CAP_NET_ADMIN over the namespace: every request the family
 *            gets must be refused (EPERM once its header is sane); any
 *            success is a failure.
 *   race     others change the namespace, or the module comes and goes:
 *            only what no race can change is checked (framing, header,
 *            policy, every request answered once, sane error numbers);
 *            ENOENT (the family is gone) is always accepted, and the
 *            family is looked up again.
 *
 * Deterministic: the messages follow from the seed (printed first) and the
 * answers, which in model mode are predicted; the same seed in a fresh
 * namespace sends the same messages. A failure prints the batch, the
 * datagram in hex and every answer. Exit 0 pass, 1 failure, 2 setup or
 * usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "lyncedge.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define SETS LYNCEDGE_SET_COUNT
#define MAXPOL 8
#define MAXTYPE 63
#define NSOCKS 3
#define RECV_BUF (64 * 1024)
/* What an answer costs in the receive queue (truesize), roughly: keeps a
 * batch's answers within the receive buffer, so none is dropped. */
#define COST_ACK 2048
#define COST_SMALL_REPLY 10240
#define COST_CONFIG 36864
#define COST_DUMP 40960

enum { MODE_MODEL, MODE_FOREIGN, MODE_RACE };

static int opt_mode = MODE_MODEL;
static unsigned long opt_count = 100000;
static uint64_t opt_seed;
static int opt_timeout = 30;
static double opt_duration;
static bool opt_populate;
static int opt_verbose;
static bool opt_policy;
static bool opt_generation;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("nlfuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- random numbers: splitmix64, so that a seed names a run ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* True with probability permille/1000. */
static bool chance(unsigned int permille)
{
	return below(1000) < permille;
}

static uint32_t between(uint32_t lo, uint32_t hi)
{
	return lo + below(hi - lo + 1);
}

/* ---- byte buffers and message building ---- */

struct buf {
	uint8_t *d;
	size_t len, cap;
};

static void need(struct buf *b, size_t more)
{
	size_t c = b->cap ? b->cap : 4096;

	if (b->len + more <= b->cap)
		return;
	while (c < b->len + more)
		c *= 2;
	b->d = realloc(b->d, c);
	if (!b->d)
		die("out of memory");
	b->cap = c;
}

static size_t put(struct buf *b, const void *p, size_t n)
{
	size_t off = b->len;

	need(b, n);
	if (n)
		memcpy(b->d + off, p, n);
	b->len += n;
	return off;
}

static void put_zero(struct buf *b, size_t n)
{
	need(b, n);
	memset(b->d + b->len, 0, n);
	b->len += n;
}

static void align4(struct buf *b)
{
	put_zero(b, NLMSG_ALIGN(b->len) - b->len);
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static size_t msg_start(struct buf *b, uint16_t type, uint16_t flags,
			uint8_t cmd, uint8_t version)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags };
	struct genlmsghdr g = { .cmd = cmd, .version = version };
	size_t off = put(b, &h, sizeof(h));

	put(b, &g, sizeof(g));
	return off;
}

static void msg_end(struct buf *b, size_t off)
{
	wr32(b->d + off, b->len - off);
}

static size_t nest_start(struct buf *b, uint16_t type)
{
	struct nlattr a = { .nla_type = type };

	return put(b, &a, sizeof(a));
}

static void nest_end(struct buf *b, size_t off)
{
	wr16(b->d + off, b->len - off);
}

static void attr(struct buf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	put(b, &a, sizeof(a));
	put(b, data, len);
	align4(b);
}

static void attr_u8(struct buf *b, uint16_t type, uint8_t v)
{
	attr(b, type, &v, 1);
}

static void attr_u16(struct buf *b, uint16_t type, uint16_t v)
{
	attr(b, type, &v, 2);
}

static void attr_u32(struct buf *b, uint16_t type, uint32_t v)
{
	attr(b, type, &v, 4);
}

/* Attribute walk as the kernel's nla_for_each_attr(). */
#define for_each_attr(a, head, len, rem)                                     \
	for ((a) = (const uint8_t *)(head), (rem) = (int)(len);              \
	     (rem) >= NLA_HDRLEN && rd16(a) >= NLA_HDRLEN && rd16(a) <= (rem); \
	     (rem) -= NLA_ALIGN(rd16(a)), (a) += NLA_ALIGN(rd16(a)))

#define ATYPE(a) (rd16((a) + 2) & NLA_TYPE_MASK)
#define ALEN(a) (rd16(a) - NLA_HDRLEN)
#define ADATA(a) ((a) + NLA_HDRLEN)

static void hexdump(const char *what, const uint8_t *p, size_t len, size_t max)
{
	size_t i;

	fprintf(stderr, "  %s (%zu bytes):", what, len);
	for (i = 0; i < len && i < max; i++)
		fprintf(stderr, "%s%02x", i % 32 ? (i % 4 ? "" : " ") : "\n    ",
			p[i]);
	if (len > max)
		fprintf(stderr, "\n    ... %zu more", len - max);
	fputc('\n', stderr);
}

/* ---- netlink sockets and the controller ---- */

static uint16_t fam_id;
static int recv_timeout_ms(void)
{
	return opt_timeout * 1000;
}

static int nl_socket(int bufsize, uint32_t *portid, int *rcvbuf, int *sndbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);
	int fd, one = 1;
	socklen_t ol = sizeof(int);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket(NETLINK_GENERIC): %s", strerror(errno));
	/* Error messages, not whole requests, in error answers: small acks. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bufsize > 0) {
		/* The FORCE variants need CAP_NET_ADMIN (in the init user
		 * namespace); others get the sysctl's ceiling. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize,
			       sizeof(bufsize)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize,
				   sizeof(bufsize));
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize,
			       sizeof(bufsize)))
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize,
				   sizeof(bufsize));
	} else if (bufsize < 0) {
		int tiny = -bufsize;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny));
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind: %s", strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&sa, &sl))
		die("getsockname: %s", strerror(errno));
	if (portid)
		*portid = sa.nl_pid;
	if (rcvbuf)
		getsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, &ol);
	ol = sizeof(int);
	if (sndbuf)
		getsockopt(fd, SOL_SOCKET, SO_SNDBUF, sndbuf, &ol);
	return fd;
}

/* Wait for and read one datagram; 0 on timeout, -errno on error. */
static ssize_t recv_wait(int fd, void *b, size_t len, int flags, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		int r = poll(&p, 1, ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		n = recv(fd, b, len, MSG_DONTWAIT | flags);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		return n < 0 ? -errno : n;
	}
}

typedef void (*msg_cb)(const uint8_t *msg, uint32_t len, void *arg);

/*
 * One controller request (or any request we make for ourselves): send it
 * with NLM_F_ACK, hand each answer to cb, return the error of its end
 * (0, or -errno).
 */
static int request(int fd, struct buf *req, msg_cb cb, void *arg)
{
	static uint32_t seq = 0x40000000;
	static uint8_t rb[RECV_BUF];
	uint32_t my = ++seq;
	ssize_t n;

	wr32(req->d + 8, my);
	if (send(fd, req->d, req->len, 0) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *h;
		int rem;

		n = recv_wait(fd, rb, sizeof(rb), 0, recv_timeout_ms());
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0)
			return n;
		rem = n;
		for (h = (void *)rb; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_seq != my)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return *(const int *)NLMSG_DATA(h);
			if (cb)
				cb((const uint8_t *)h, h->nlmsg_len, arg);
		}
	}
}

/* What genetlink says of each command: GETFAMILY's CTRL_ATTR_OPS. */
struct op {
	bool exists, doit, dumpit, admin, uns_admin;
	int pol_do, pol_dump;
};

static struct op ops[256];
static uint32_t fam_version;

static void on_family(const uint8_t *m, uint32_t len, void *arg)
{
	const uint8_t *a, *o, *f;
	int rem, orem, frem;

	(void)arg;
	for_each_attr(a, m + GENL_HDRLEN + NLMSG_HDRLEN,
		      len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		switch (ATYPE(a)) {
		case CTRL_ATTR_FAMILY_ID:
			fam_id = rd16(ADATA(a));
			break;
		case CTRL_ATTR_VERSION:
			fam_version = rd32(ADATA(a));
			break;
		case CTRL_ATTR_OPS:
			for_each_attr(o, ADATA(a), ALEN(a), orem) {
				uint32_t id = 256, flags = 0;

				for_each_attr(f, ADATA(o), ALEN(o), frem) {
					if (ATYPE(f) == CTRL_ATTR_OP_ID)
						id = rd32(ADATA(f));
					else if (ATYPE(f) == CTRL_ATTR_OP_FLAGS)
						flags = rd32(ADATA(f));
				}
				if (id > 255)
					continue;
				ops[id].exists = true;
				ops[id].doit = flags & GENL_CMD_CAP_DO;
				ops[id].dumpit = flags & GENL_CMD_CAP_DUMP;
				ops[id].admin = flags & GENL_ADMIN_PERM;
				ops[id].uns_admin = flags & GENL_UNS_ADMIN_PERM;
			}
			break;
		}
	}
}

/* Look the family up; -errno when it is not there. */
static int resolve_family(int fd)
{
	struct buf b = {};
	size_t m = msg_start(&b, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
			     CTRL_CMD_GETFAMILY, 1);
	int err;

	attr(&b, CTRL_ATTR_FAMILY_NAME, LYNCEDGE_GENL_NAME,
	     sizeof(LYNCEDGE_GENL_NAME));
	msg_end(&b, m);
	memset(ops, 0, sizeof(ops));
	fam_id = 0;
	err = request(fd, &b, on_family, NULL);
	free(b.d);
	if (!err && !fam_id)
		err = -ENOENT;
	return err;
}

/* ---- the policy, as CTRL_CMD_GETPOLICY reports it ---- */

struct pol_attr {
	uint32_t type;		/* NL_ATTR_TYPE_*; 0: none (refused) */
	bool has_urange, has_srange, has_mask, has_minlen, has_maxlen;
	uint64_t umin, umax, mask;
	int64_t smin, smax;
	uint32_t minlen, maxlen;
	int nested;		/* policy index, or -1 */
	uint32_t nested_max;
};

struct policy {
	bool seen;
	uint32_t maxtype;	/* the highest type the policy describes */
	struct pol_attr a[MAXTYPE + 1];
};

static struct policy pols[MAXPOL];

static void on_policy_attr(int pidx, int type, const uint8_t *nest, int len)
{
	struct pol_attr *pa;
	const uint8_t *a;
	int rem;

	if (pidx < 0 || pidx >= MAXPOL || type <= 0 || type > MAXTYPE)
		die("policy %d attribute %d: beyond what nlfuzz handles", pidx,
		    type);
	pols[pidx].seen = true;
	if ((uint32_t)type > pols[pidx].maxtype)
		pols[pidx].maxtype = type;
	pa = &pols[pidx].a[type];
	pa->nested = -1;
	for_each_attr(a, nest, len, rem) {
		const uint8_t *d = ADATA(a);

		switch (ATYPE(a)) {
		case NL_POLICY_TYPE_ATTR_TYPE:
			pa->type = rd32(d);
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			pa->umin = rd64(d);
			pa->has_urange = true;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			pa->umax = rd64(d);
			pa->has_urange = true;
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			pa->smin = (int64_t)rd64(d);
			pa->has_srange = true;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			pa->smax = (int64_t)rd64(d);
			pa->has_srange = true;
			break;
		case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
			pa->minlen = rd32(d);
			pa->has_minlen = true;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
			pa->maxlen = rd32(d);
			pa->has_maxlen = true;
			break;
		case NL_POLICY_TYPE_ATTR_POLICY_IDX:
			pa->nested = rd32(d);
			break;
		case NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE:
			pa->nested_max = rd32(d);
			break;
		case NL_POLICY_TYPE_ATTR_MASK:
			pa->mask = rd64(d);
			pa->has_mask = true;
			break;
		}
	}
}

static void on_policy(const uint8_t *m, uint32_t len, void *arg)
{
	const uint8_t *a, *p, *t, *o;
	int rem, prem, trem, orem;

	(void)arg;
	for_each_attr(a, m + GENL_HDRLEN + NLMSG_HDRLEN,
		      len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		if (ATYPE(a) == CTRL_ATTR_POLICY) {
			for_each_attr(p, ADATA(a), ALEN(a), prem)
				for_each_attr(t, ADATA(p), ALEN(p), trem)
					on_policy_attr(ATYPE(p), ATYPE(t),
						       ADATA(t), ALEN(t));
		} else if (ATYPE(a) == CTRL_ATTR_OP_POLICY) {
			for_each_attr(p, ADATA(a), ALEN(a), prem) {
				int cmd = ATYPE(p);

				if (cmd > 255)
					continue;
				for_each_attr(o, ADATA(p), ALEN(p), orem) {
					if (ATYPE(o) == CTRL_ATTR_POLICY_DO)
						ops[cmd].pol_do = rd32(ADATA(o));
					else if (ATYPE(o) == CTRL_ATTR_POLICY_DUMP)
						ops[cmd].pol_dump = rd32(ADATA(o));
				}
			}
		}
	}
}

static int fetch_policy(int fd)
{
	struct buf b = {};
	size_t m = msg_start(&b, GENL_ID_CTRL,
			     NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
			     CTRL_CMD_GETPOLICY, 1);
	int err, i;

	attr(&b, CTRL_ATTR_FAMILY_NAME, LYNCEDGE_GENL_NAME,
	     sizeof(LYNCEDGE_GENL_NAME));
	msg_end(&b, m);
	memset(pols, 0, sizeof(pols));
	for (i = 0; i < 256; i++)
		ops[i].pol_do = ops[i].pol_dump = -1;
	err = request(fd, &b, on_policy, NULL);
	free(b.d);
	if (err)
		return err;
	/* Nested policies learn their size from the attribute that nests
	 * them; the top-level ones keep the highest type reported. */
	for (i = 0; i < MAXPOL; i++) {
		uint32_t t;

		for (t = 1; t <= MAXTYPE; t++) {
			struct pol_attr *pa = &pols[i].a[t];

			if (pa->nested >= 0 && pa->nested < MAXPOL &&
			    pa->nested_max > pols[pa->nested].maxtype)
				pols[pa->nested].maxtype = pa->nested_max;
		}
	}
	for (i = 0; i < 256; i++) {
		if (!ops[i].exists)
			continue;
		if ((ops[i].doit && (ops[i].pol_do < 0 || ops[i].pol_do >= MAXPOL ||
				     !pols[ops[i].pol_do].seen)) ||
		    (ops[i].dumpit && (ops[i].pol_dump < 0 || ops[i].pol_dump >= MAXPOL ||
				       !pols[ops[i].pol_dump].seen)))
			die("GETPOLICY gave no policy for command %d", i);
	}
	return 0;
}

static const char *nl_attr_type_name(uint32_t t)
{
	static const char *const n[] = {
		"invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16",
		"s32", "s64", "binary", "string", "nul-string", "nested",
		"nested-array", "bitfield32",
	};

	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

static void print_policy(FILE *f)
{
	int i, c;
	uint32_t t;

	for (c = 0; c < 256; c++)
		if (ops[c].exists)
			fprintf(f, "# op %d:%s%s%s policy do %d dump %d\n", c,
				ops[c].doit ? " do" : "",
				ops[c].dumpit ? " dump" : "",
				ops[c].uns_admin ? " uns-admin-perm" : "",
				ops[c].pol_do, ops[c].pol_dump);
	for (i = 0; i < MAXPOL; i++) {
		if (!pols[i].seen)
			continue;
		fprintf(f, "# policy %d (max type %u):\n", i, pols[i].maxtype);
		for (t = 1; t <= pols[i].maxtype; t++) {
			const struct pol_attr *pa = &pols[i].a[t];

			if (!pa->type)
				continue;
			fprintf(f, "#   %2u %s", t, nl_attr_type_name(pa->type));
			if (pa->has_mask)
				fprintf(f, " mask 0x%" PRIx64, pa->mask);
			else if (pa->has_urange)
				fprintf(f, " %" PRIu64 "..%" PRIu64, pa->umin, pa->umax);
			if (pa->has_minlen || pa->has_maxlen)
				fprintf(f, " len %u..%u", pa->minlen,
					pa->has_maxlen ? pa->maxlen : 65535);
			if (pa->nested >= 0)
				fprintf(f, " policy %d (max %u)", pa->nested,
					pa->nested_max);
			fputc('\n', f);
		}
	}
}

/*
 * Strict validation (the family's commands do not relax it), as
 * __nla_validate_parse() and validate_nla() do it, driven by the reported
 * policy. Returns 0 (valid, tb filled with the last of each type),
 * -EINVAL or -ERANGE (refused), or 1 when the policy holds a type this
 * model does not know.
 */
#define POLICY_UNKNOWN 1

static int pol_validate(const uint8_t *head, int len, int pidx, int depth,
			const uint8_t **tb)
{
	const struct policy *P = &pols[pidx];
	const uint8_t *a;
	int rem;

	if (depth >= 10)	/* MAX_POLICY_RECURSION_DEPTH */
		return -EINVAL;
	if (tb)
		memset(tb, 0, sizeof(*tb) * (MAXTYPE + 1));
	for_each_attr(a, head, len, rem) {
		uint16_t raw = rd16(a + 2), type = raw & NLA_TYPE_MASK;
		const struct pol_attr *pa;
		int alen = ALEN(a), exact = 0, err;
		uint64_t u = 0;

		/* Unknown types and types without a policy: both refused. */
		if (type == 0 || type > MAXTYPE || !P->a[type].type)
			return -EINVAL;
		pa = &P->a[type];
		switch (pa->type) {
		case NL_ATTR_TYPE_U8: case NL_ATTR_TYPE_S8:
			exact = 1;
			break;
		case NL_ATTR_TYPE_U16: case NL_ATTR_TYPE_S16:
			exact = 2;
			break;
		case NL_ATTR_TYPE_U32: case NL_ATTR_TYPE_S32:
			exact = 4;
			break;
		case NL_ATTR_TYPE_U64: case NL_ATTR_TYPE_S64:
			exact = 8;
			break;
		}
		if (exact && alen != exact)
			return -EINVAL;
		if (pa->type == NL_ATTR_TYPE_NESTED ||
		    pa->type == NL_ATTR_TYPE_NESTED_ARRAY) {
			if (!(raw & NLA_F_NESTED))
				return -EINVAL;
		} else if (raw & NLA_F_NESTED) {
			return -EINVAL;
		}
		switch (pa->type) {
		case NL_ATTR_TYPE_FLAG:
			if (alen > 0)
				return -ERANGE;
			break;
		case NL_ATTR_TYPE_BINARY:
			if ((pa->has_minlen && (uint32_t)alen < pa->minlen) ||
			    (pa->has_maxlen && (uint32_t)alen > pa->maxlen))
				return -ERANGE;
			break;
		case NL_ATTR_TYPE_NESTED:
			if (alen == 0)
				break;
			if (alen < NLA_HDRLEN)
				return -ERANGE;
			if (pa->nested >= 0) {
				err = pol_validate(ADATA(a), alen, pa->nested,
						   depth + 1, NULL);
				if (err)
					return err;
			}
			break;
		case NL_ATTR_TYPE_U8:
			u = *ADATA(a);
			goto unsigned_value;
		case NL_ATTR_TYPE_U16:
			u = rd16(ADATA(a));
			goto unsigned_value;
		case NL_ATTR_TYPE_U32:
			u = rd32(ADATA(a));
			goto unsigned_value;
		case NL_ATTR_TYPE_U64:
			u = rd64(ADATA(a));
unsigned_value:
			if (pa->has_mask && (u & ~pa->mask))
				return -EINVAL;
			if (pa->has_urange && (u < pa->umin || u > pa->umax))
				return -ERANGE;
			break;
		default:
			return POLICY_UNKNOWN;
		}
		if (tb)
			tb[type] = a;
	}
	if (rem > 0)
		return -EINVAL;	/* bytes left over after the attributes */
	return 0;
}

/* ---- prefixes and sets ---- */

struct pfx {
	uint8_t fam;		/* 4 or 6; 0 marks a free hash slot */
	uint8_t len;
	uint8_t a[16];		/* network order; beyond the family: zero */
};

static unsigned int full_len(int fam)
{
	return fam == 4 ? 32 : 128;
}

static void pfx_mask(struct pfx *p, unsigned int len)
{
	unsigned int i, bytes = p->fam == 4 ? 4 : 16;

	for (i = 0; i < bytes; i++) {
		if (len >= 8 * (i + 1))
			continue;
		if (len <= 8 * i)
			p->a[i] = 0;
		else
			p->a[i] &= (uint8_t)(0xff00 >> (len - 8 * i));
	}
}

static bool pfx_host_bits(const struct pfx *p)
{
	struct pfx m = *p;

	pfx_mask(&m, p->len);
	return memcmp(m.a, p->a, sizeof(m.a)) != 0;
}

/* Inside ::ffff:0:0/96: the kernel refuses it, as the CLI does. */
static bool pfx_v4_mapped(const struct pfx *p)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return p->fam == 6 && p->len >= 96 && !memcmp(p->a, mapped, 12);
}

static int pfx_cmp(const void *x, const void *y)
{
	return memcmp(x, y, sizeof(struct pfx));
}

static void pfx_str(const struct pfx *p, char *s, size_t n)
{
	if (p->fam == 4)
		snprintf(s, n, "%u.%u.%u.%u/%u", p->a[0], p->a[1], p->a[2],
			 p->a[3], p->len);
	else
		snprintf(s, n, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
			 "%02x%02x:%02x%02x:%02x%02x/%u", p->a[0], p->a[1],
			 p->a[2], p->a[3], p->a[4], p->a[5], p->a[6], p->a[7],
			 p->a[8], p->a[9], p->a[10], p->a[11], p->a[12],
			 p->a[13], p->a[14], p->a[15], p->len);
}

struct pset {
	struct pfx *s;
	uint32_t cap, n, n4, n6;
};

static uint32_t pfx_hash(const struct pfx *p)
{
	const uint8_t *b = (const uint8_t *)p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*p); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t pset_find(const struct pset *ps, const struct pfx *p)
{
	uint32_t i = pfx_hash(p) & (ps->cap - 1);

	while (ps->s[i].fam && pfx_cmp(&ps->s[i], p))
		i = (i + 1) & (ps->cap - 1);
	return i;
}

static bool pset_has(const struct pset *ps, const struct pfx *p)
{
	return ps->n && ps->s[pset_find(ps, p)].fam;
}

static void pset_add(struct pset *ps, const struct pfx *p);

static void pset_grow(struct pset *ps)
{
	struct pset old = *ps;
	uint32_t i;

	ps->cap = old.cap ? old.cap * 2 : 64;
	ps->s = calloc(ps->cap, sizeof(*ps->s));
	if (!ps->s)
		die("out of memory");
	ps->n = ps->n4 = ps->n6 = 0;
	for (i = 0; i < old.cap; i++)
		if (old.s[i].fam)
			pset_add(ps, &old.s[i]);
	free(old.s);
}

static void pset_add(struct pset *ps, const struct pfx *p)
{
	uint32_t i;

	if (2 * (ps->n + 1) > ps->cap)
		pset_grow(ps);
	i = pset_find(ps, p);
	if (ps->s[i].fam)
		return;
	ps->s[i] = *p;
	ps->n++;
	if (p->fam == 4)
		ps->n4++;
	else
		ps->n6++;
}

/* Linear probing's deletion: move later members of the run back. */
static void pset_del(struct pset *ps, const struct pfx *p)
{
	uint32_t i, j, k, mask = ps->cap - 1;

	if (!ps->n)
		return;
	i = pset_find(ps, p);
	if (!ps->s[i].fam)
		return;
	if (p->fam == 4)
		ps->n4--;
	else
		ps->n6--;
	ps->n--;
	ps->s[i].fam = 0;
	for (j = (i + 1) & mask; ps->s[j].fam; j = (j + 1) & mask) {
		k = pfx_hash(&ps->s[j]) & mask;
		/* Leave it if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		ps->s[i] = ps->s[j];
		ps->s[j].fam = 0;
		i = j;
	}
}

static void pset_clear(struct pset *ps)
{
	if (ps->cap)
		memset(ps->s, 0, ps->cap * sizeof(*ps->s));
	ps->n = ps->n4 = ps->n6 = 0;
}

/* A random member; the set must not be empty. */
static const struct pfx *pset_pick(const struct pset *ps)
{
	uint32_t i = below(ps->cap);

	while (!ps->s[i].fam)
		i = (i + 1) & (ps->cap - 1);
	return &ps->s[i];
}

/* Whether some member covers the address a (a full-length pfx). */
static bool pset_covers(const struct pset *ps, const struct pfx *a)
{
	unsigned int l;

	if (!ps->n)
		return false;
	for (l = 0; l <= full_len(a->fam); l++) {
		struct pfx k = *a;

		k.len = l;
		pfx_mask(&k, l);
		if (pset_has(ps, &k))
			return true;
	}
	return false;
}

struct pvec {
	struct pfx *v;
	uint32_t n, cap;
};

static void pvec_push(struct pvec *pv, const struct pfx *p)
{
	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? 2 * pv->cap : 64;
		pv->v = realloc(pv->v, pv->cap * sizeof(*pv->v));
		if (!pv->v)
			die("out of memory");
	}
	pv->v[pv->n++] = *p;
}

/* ---- the model of a namespace ---- */

struct settings {
	int mode, log;
	int64_t profiles;
	uint32_t en, dis;
};

struct txn {
	bool open;
	struct settings *st;
	uint32_t nst, capst;
	struct {
		bool flush;
		struct pvec add, del;
	} set[SETS];
};

struct model {
	int mode, log;
	uint32_t profiles;
	bool gen_known;
	uint32_t gen;			/* GET_CONFIG's GENERATION */
	uint32_t set_gen[SETS];	/* our own count of each set's changes */
	struct pset sets[SETS];
};

static struct model M;
static uint32_t max_prefixes = 1000000;

static void txn_reset(struct txn *t, bool open)
{
	int i;

	t->open = open;
	t->nst = 0;
	for (i = 0; i < SETS; i++) {
		t->set[i].flush = false;
		t->set[i].add.n = 0;
		t->set[i].del.n = 0;
	}
}

static void settings_apply(const struct settings *s, struct model *m)
{
	uint32_t p = s->profiles >= 0 ? (uint32_t)s->profiles : m->profiles;

	if (s->mode >= 0)
		m->mode = s->mode;
	if (s->log >= 0)
		m->log = s->log;
	m->profiles = (p | s->en) & ~s->dis;
}

/* A set's published pointer changes unless it stays empty. */
static void set_published(int id, bool was_nonempty)
{
	if (was_nonempty || M.sets[id].n)
		M.set_gen[id]++;
}

static void publish(void)
{
	M.gen++;
}

/* ---- sockets of the fuzzer ---- */

struct nsock {
	int fd;
	uint32_t portid;
	int rcvbuf, sndbuf;
	struct txn txn;
	bool dump_busy;		/* a dump of ours runs (model mode) */
	bool dump_maybe;	/* one may run (race mode) */
};

static struct nsock socks[NSOCKS];

static void sock_open(struct nsock *s)
{
	s->fd = nl_socket(8 << 20, &s->portid, &s->rcvbuf, &s->sndbuf);
	txn_reset(&s->txn, false);
	s->dump_busy = s->dump_maybe = false;
}

/* Closing ends the socket's transaction and dump in the kernel. */
static void sock_reopen(struct nsock *s)
{
	close(s->fd);
	sock_open(s);
}

/* ---- expectations ---- */

enum { E_NONE, E_ACK, E_ERR, E_REPLY, E_DUMP, E_ANY };

static const char *const kind_name[] = {
	"no answer", "ACK", "error", "reply and ACK", "dump", "any sane answer",
};

struct exp {
	uint32_t seq;
	uint16_t type, flags;
	uint8_t cmd;
	bool lyn;		/* a request the family sees */
	bool ackf;
	bool is_dump;
	int kind;
	int errs[4];
	int nerr;
	bool ok_allowed;	/* E_ANY: success allowed */
	const char *why;
	/* Checks on a reply. */
	int check;
	int member, set;
	struct {
		int mode, log;
		uint32_t profiles, gen;
		bool gen_known;
		uint32_t n4[SETS], n6[SETS];
	} cfg;
	int touches;		/* EXPLAIN: -1 unknown, 0 no, 1 yes */
	/* A dump. */
	bool dump_nonempty;
	uint32_t dump_gen0;
	bool intr_expect, intr_known;
	/* What came. */
	int nterm, ndata, err;
	bool got_done, intr_seen, truncated;
	char msg[160];
	struct pvec dumped;
};

enum { CK_NONE, CK_CONFIG, CK_MEMBER, CK_EXPLAIN };

static void expect_err(struct exp *e, int err, const char *why)
{
	e->kind = E_ERR;
	e->errs[0] = err;
	e->nerr = 1;
	e->why = why;
}

static void expect_err2(struct exp *e, int err1, int err2, const char *why)
{
	expect_err(e, err1, why);
	e->errs[1] = err2;
	e->nerr = 2;
}

/* ---- statistics ---- */

static struct {
	unsigned long generated, kernel_msgs, datagrams, batches_huge;
	unsigned long ok, refused, framing_cut, no_request;
	unsigned long err_hist[135];
	unsigned long cmd_ok[256], cmd_refused[256];
	unsigned long dumps_done, dumps_intr, dump_prefixes;
	unsigned long txn_commits, txn_commit_fail, txn_abandoned;
	unsigned long closes_dump, closes_txn, tiny_dumps, interrupts;
	unsigned long garbage, family_gone, relookups, members_true;
	unsigned long explain_edge;
} st;

/* ---- the model of the kernel's processing ---- */

static bool perm_ok = true;
static bool loose;

static void fail_batch(const struct exp *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define MAYBE 1000	/* race mode: success or a state-dependent refusal */

static uint8_t tb_u8(const uint8_t *a)
{
	return *ADATA(a);
}

/* parse_prefix() of module/netlink.c. */
static int parse_prefix(const uint8_t *nest, bool want_address, struct pfx *p)
{
	const uint8_t *a, *a4 = NULL, *a6 = NULL, *l = NULL;
	int rem;

	for_each_attr(a, ADATA(nest), ALEN(nest), rem) {
		switch (ATYPE(a)) {
		case LYNCEDGE_PREFIX_A_ADDR4:
			a4 = a;
			break;
		case LYNCEDGE_PREFIX_A_ADDR6:
			a6 = a;
			break;
		case LYNCEDGE_PREFIX_A_LEN:
			l = a;
			break;
		}
	}
	if (!a4 == !a6)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	if (a4) {
		p->fam = 4;
		memcpy(p->a, ADATA(a4), 4);
	} else {
		p->fam = 6;
		memcpy(p->a, ADATA(a6), 16);
	}
	p->len = full_len(p->fam);
	if (l) {
		if (tb_u8(l) > full_len(p->fam))
			return -EINVAL;
		p->len = tb_u8(l);
	}
	if (want_address && p->len != full_len(p->fam))
		return -EINVAL;
	if (pfx_host_bits(p) || pfx_v4_mapped(p))
		return -EINVAL;
	return 0;
}

static struct pvec scratch;

/* ADD_PREFIXES and DEL_PREFIXES. */
static int sem_update(struct nsock *s, const uint8_t **tb, bool add)
{
	const uint8_t *a;
	uint32_t i;
	int rem, set, err;

	if (!tb[LYNCEDGE_A_SET] || !tb[LYNCEDGE_A_PREFIXES])
		return -EINVAL;
	scratch.n = 0;
	for_each_attr(a, ADATA(tb[LYNCEDGE_A_PREFIXES]),
		      ALEN(tb[LYNCEDGE_A_PREFIXES]), rem) {
		struct pfx p;

		err = parse_prefix(a, false, &p);
		if (err)
			return err;
		pvec_push(&scratch, &p);
	}
	if (loose)
		return MAYBE;
	set = tb_u8(tb[LYNCEDGE_A_SET]);
	if (tb[LYNCEDGE_A_TXN]) {
		struct pvec *v;

		if (!s->txn.open)
			return -ENOENT;
		v = add ? &s->txn.set[set].add : &s->txn.set[set].del;
		if (v->n + scratch.n > max_prefixes)
			return -ENOSPC;
		for (i = 0; i < scratch.n; i++)
			pvec_push(v, &scratch.v[i]);
		return 0;
	}
	if (add) {
		bool was = M.sets[set].n;
		uint32_t n = M.sets[set].n;

		for (i = 0; i < scratch.n; i++)
			if (!pset_has(&M.sets[set], &scratch.v[i]))
				n++;
		if (n > max_prefixes)
			return -ENOSPC;
		for (i = 0; i < scratch.n; i++)
			pset_add(&M.sets[set], &scratch.v[i]);
		set_published(set, was);
	} else {
		bool was = M.sets[set].n;

		for (i = 0; i < scratch.n; i++)
			if (!pset_has(&M.sets[set], &scratch.v[i]))
				return -ENOENT;
		for (i = 0; i < scratch.n; i++)
			pset_del(&M.sets[set], &scratch.v[i]);
		set_published(set, was);
	}
	publish();
	return 0;
}

static int sem_configure(struct nsock *s, const uint8_t **tb)
{
	struct settings x = { -1, -1, -1, 0, 0 };

	if (tb[LYNCEDGE_A_MODE])
		x.mode = tb_u8(tb[LYNCEDGE_A_MODE]);
	if (tb[LYNCEDGE_A_LOG])
		x.log = tb_u8(tb[LYNCEDGE_A_LOG]);
	if (tb[LYNCEDGE_A_PROFILES])
		x.profiles = rd32(ADATA(tb[LYNCEDGE_A_PROFILES]));
	if (tb[LYNCEDGE_A_PROFILES_ENABLE])
		x.en = rd32(ADATA(tb[LYNCEDGE_A_PROFILES_ENABLE]));
	if (tb[LYNCEDGE_A_PROFILES_DISABLE])
		x.dis = rd32(ADATA(tb[LYNCEDGE_A_PROFILES_DISABLE]));
	if (x.mode < 0 && x.log < 0 && x.profiles < 0 && !x.en && !x.dis)
		return -EINVAL;
	if ((x.profiles >= 0 && !(x.profiles & 1)) || (x.dis & 1))
		return -EINVAL;	/* pic is always on */
	if (x.en & x.dis)
		return -EINVAL;
	if (loose)
		return MAYBE;
	if (tb[LYNCEDGE_A_TXN]) {
		struct txn *t = &s->txn;

		if (!t->open)
			return -ENOENT;
		if (t->nst == t->capst) {
			t->capst = t->capst ? 2 * t->capst : 16;
			t->st = realloc(t->st, t->capst * sizeof(*t->st));
			if (!t->st)
				die("out of memory");
		}
		t->st[t->nst++] = x;
		return 0;
	}
	settings_apply(&x, &M);
	publish();
	return 0;
}

static int sem_flush(struct nsock *s, const uint8_t **tb)
{
	int set = -1, i;

	if (tb[LYNCEDGE_A_SET])
		set = tb_u8(tb[LYNCEDGE_A_SET]);
	if (loose)
		return MAYBE;
	if (tb[LYNCEDGE_A_TXN]) {
		if (!s->txn.open)
			return -ENOENT;
		for (i = 0; i < SETS; i++) {
			if (set >= 0 && i != set)
				continue;
			s->txn.set[i].flush = true;
			s->txn.set[i].add.n = 0;
			s->txn.set[i].del.n = 0;
		}
		return 0;
	}
	for (i = 0; i < SETS; i++) {
		bool was = M.sets[i].n;

		if (set >= 0 && i != set)
			continue;
		pset_clear(&M.sets[i]);
		if (was)
			M.set_gen[i]++;
	}
	publish();
	return 0;
}

/* Commit: each touched set becomes (base + add) - del, all or nothing. */
static int sem_commit(struct nsock *s)
{
	static struct pset tmp[SETS];
	struct txn *t = &s->txn;
	uint32_t i;
	int id;

	if (loose)
		return MAYBE;
	if (!t->open)
		return -ENOENT;
	for (id = 0; id < SETS; id++) {
		bool touched = t->set[id].flush || t->set[id].add.n ||
			       t->set[id].del.n;
		const struct pset *base = &M.sets[id];

		pset_clear(&tmp[id]);
		if (!touched)
			continue;
		if (!t->set[id].flush)
			for (i = 0; i < base->cap; i++)
				if (base->s[i].fam)
					pset_add(&tmp[id], &base->s[i]);
		for (i = 0; i < t->set[id].add.n; i++)
			pset_add(&tmp[id], &t->set[id].add.v[i]);
		for (i = 0; i < t->set[id].del.n; i++)
			if (!pset_has(&tmp[id], &t->set[id].del.v[i])) {
				txn_reset(t, false);
				st.txn_commit_fail++;
				return -ENOENT;
			}
		for (i = 0; i < t->set[id].del.n; i++)
			pset_del(&tmp[id], &t->set[id].del.v[i]);
		if (tmp[id].n > max_prefixes) {
			txn_reset(t, false);
			st.txn_commit_fail++;
			return -ENOSPC;
		}
	}
	for (id = 0; id < SETS; id++) {
		bool was = M.sets[id].n;
		struct pset swap;

		if (!(t->set[id].flush || t->set[id].add.n || t->set[id].del.n))
			continue;
		swap = M.sets[id];
		M.sets[id] = tmp[id];
		tmp[id] = swap;
		set_published(id, was);
	}
	for (i = 0; i < t->nst; i++)
		settings_apply(&t->st[i], &M);
	publish();
	txn_reset(t, false);
	st.txn_commits++;
	return 0;
}

static bool edge_side(int set)
{
	return set == LYNCEDGE_SET_EDGE || set == LYNCEDGE_SET_ACCESS ||
	       set == LYNCEDGE_SET_WEBCONF || set == LYNCEDGE_SET_AV;
}

static int sem_explain(const uint8_t **tb, struct exp *e)
{
	struct pfx src, dst;
	int err, i;

	if (!tb[LYNCEDGE_A_PROTO] || !tb[LYNCEDGE_A_SRC] ||
	    !tb[LYNCEDGE_A_DST] || !tb[LYNCEDGE_A_DPORT])
		return -EINVAL;
	err = parse_prefix(tb[LYNCEDGE_A_SRC], true, &src);
	if (!err)
		err = parse_prefix(tb[LYNCEDGE_A_DST], true, &dst);
	if (err)
		return err;
	if (src.fam != dst.fam)
		return -EINVAL;
	if (loose)
		return 0;
	e->check = CK_EXPLAIN;
	e->cfg.mode = M.mode;
	e->touches = 0;
	for (i = 0; i < SETS; i++)
		if (edge_side(i) && (pset_covers(&M.sets[i], &src) ||
				     pset_covers(&M.sets[i], &dst)))
			e->touches = 1;
	st.explain_edge += e->touches;
	return 0;
}

static int sem_test(const uint8_t **tb, struct exp *e)
{
	struct pfx p;
	int err;

	if (!tb[LYNCEDGE_A_SET] || !tb[LYNCEDGE_A_ADDRESS])
		return -EINVAL;
	err = parse_prefix(tb[LYNCEDGE_A_ADDRESS], true, &p);
	if (err)
		return err;
	e->set = tb_u8(tb[LYNCEDGE_A_SET]);
	if (loose)
		return 0;
	e->check = CK_MEMBER;
	e->member = pset_covers(&M.sets[e->set], &p);
	st.members_true += e->member;
	return 0;
}

static void snapshot_config(struct exp *e)
{
	int i;

	e->check = CK_CONFIG;
	e->cfg.mode = M.mode;
	e->cfg.log = M.log;
	e->cfg.profiles = M.profiles;
	e->cfg.gen = M.gen;
	e->cfg.gen_known = M.gen_known;
	for (i = 0; i < SETS; i++) {
		e->cfg.n4[i] = M.sets[i].n4;
		e->cfg.n6[i] = M.sets[i].n6;
	}
}

/* Success of a doit: a reply for the commands that have one. */
static void expect_ok(struct exp *e, bool reply)
{
	e->kind = reply ? E_REPLY : (e->ackf ? E_ACK : E_NONE);
}

static void sem_result(struct exp *e, int err, bool reply, const char *why)
{
	e->why = why;
	if (err == MAYBE) {
		e->kind = E_ANY;
		e->ok_allowed = true;
		e->errs[0] = ENOENT;
		e->errs[1] = ENOSPC;
		e->errs[2] = ENOMEM;
		e->nerr = 3;
	} else if (err) {
		expect_err(e, -err, why);
	} else {
		expect_ok(e, reply);
	}
}

/* True on kernels whose genetlink splits do and dump operations (6.2+). */
static bool split_ops(void)
{
	static int cached = -1;
	struct utsname u;
	int major = 0, minor = 0;

	if (cached < 0) {
		cached = 0;
		if (!uname(&u) && sscanf(u.release, "%d.%d", &major, &minor) == 2)
			cached = major > 6 || (major == 6 && minor >= 2);
	}
	return cached;
}

static void eval_dump_maybe_busy(struct nsock *s, uint8_t *m, uint32_t mlen,
				 struct exp *e);

static void eval_genl(struct nsock *s, uint8_t *m, uint32_t mlen,
		      struct exp *e)
{
	const uint8_t *tb[MAXTYPE + 1];
	uint16_t f = e->flags, reserved;
	const struct op *op;
	int err, pidx;
	bool dump;

	e->lyn = true;
	if (mlen < NLMSG_HDRLEN + GENL_HDRLEN)
		return expect_err(e, EINVAL, "shorter than the genetlink header");
	e->cmd = m[NLMSG_HDRLEN];
	reserved = rd16(m + NLMSG_HDRLEN + 2);
	if (reserved)
		return expect_err(e, EINVAL, "genlmsghdr.reserved is not 0");
	if ((f & NLM_F_DUMP) == NLM_F_DUMP)
		f &= ~NLM_F_DUMP;
	if (f & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO))
		return expect_err(e, EINVAL, "reserved nlmsg_flags");
	op = &ops[e->cmd];
	if (!op->exists)
		return expect_err(e, EOPNOTSUPP, "unknown command");
	dump = (e->flags & NLM_F_DUMP) == NLM_F_DUMP;
	e->is_dump = dump;
	/*
	 * Since 6.2 genetlink looks the operation up as do or dump first, so
	 * a do/dump mismatch is refused before the permission check; 6.1
	 * checks permissions first.
	 */
	if (split_ops() && dump && !op->dumpit)
		return expect_err(e, EOPNOTSUPP, "no dump for this command");
	if (split_ops() && !dump && !op->doit)
		return expect_err(e, EOPNOTSUPP, "dump-only command");
	if (!perm_ok && (op->admin || op->uns_admin))
		return expect_err(e, EPERM, "no CAP_NET_ADMIN over the namespace");
	if (dump && !op->dumpit)
		return expect_err(e, EOPNOTSUPP, "no dump for this command");
	if (!dump && !op->doit)
		return expect_err(e, EOPNOTSUPP, "dump-only command");
	/* __netlink_dump_start() asks this before anything else. */
	if (dump && s->dump_busy)
		return expect_err(e, EBUSY, "a dump already runs on the socket");
	if (dump && s->dump_maybe) {
		/* Race mode: an earlier dump of the batch may still run,
		 * and then EBUSY comes first, whatever else is wrong. */
		eval_dump_maybe_busy(s, m, mlen, e);
		return;
	}
	pidx = dump ? op->pol_dump : op->pol_do;
	err = pol_validate(m + NLMSG_HDRLEN + GENL_HDRLEN,
			   mlen - NLMSG_HDRLEN - GENL_HDRLEN, pidx, 0, tb);
	if (err == POLICY_UNKNOWN) {
		e->kind = E_ANY;
		e->ok_allowed = true;
		e->errs[0] = EINVAL;
		e->errs[1] = ERANGE;
		e->nerr = 2;
		e->why = "a policy type nlfuzz does not model";
		return;
	}
	if (err)
		return expect_err2(e, EINVAL, ERANGE, "policy violation");
	/* The commands index arrays with it: the policy must bound it. */
	if (tb[LYNCEDGE_A_SET] && tb_u8(tb[LYNCEDGE_A_SET]) >= SETS) {
		fail_batch(e, "the policy lets set id %u through",
			   tb_u8(tb[LYNCEDGE_A_SET]));
		e->kind = E_ANY;
		return;
	}

	switch (e->cmd) {
	case LYNCEDGE_CMD_GET_CONFIG:
		if (!loose)
			snapshot_config(e);
		return sem_result(e, 0, true, "get-config");
	case LYNCEDGE_CMD_CONFIGURE:
		return sem_result(e, sem_configure(s, tb), false, "configure");
	case LYNCEDGE_CMD_ADD_PREFIXES:
		return sem_result(e, sem_update(s, tb, true), false, "add");
	case LYNCEDGE_CMD_DEL_PREFIXES:
		return sem_result(e, sem_update(s, tb, false), false, "del");
	case LYNCEDGE_CMD_FLUSH_SET:
		return sem_result(e, sem_flush(s, tb), false, "flush");
	case LYNCEDGE_CMD_TEST_ADDRESS:
		return sem_result(e, sem_test(tb, e), true, "test");
	case LYNCEDGE_CMD_EXPLAIN:
		return sem_result(e, sem_explain(tb, e), true, "explain");
	case LYNCEDGE_CMD_RESET_COUNTERS:
		return sem_result(e, 0, false, "reset-counters");
	case LYNCEDGE_CMD_TXN_BEGIN:
		if (!loose)
			txn_reset(&s->txn, true);
		return sem_result(e, 0, false, "txn-begin");
	case LYNCEDGE_CMD_TXN_COMMIT:
		return sem_result(e, sem_commit(s), false, "txn-commit");
	case LYNCEDGE_CMD_TXN_ABORT:
		if (!loose)
			txn_reset(&s->txn, false);
		return sem_result(e, loose ? MAYBE : 0, false, "txn-abort");
	case LYNCEDGE_CMD_GET_PREFIXES:
		if (!tb[LYNCEDGE_A_SET])
			return expect_err(e, EINVAL, "dump without a set");
		e->set = tb_u8(tb[LYNCEDGE_A_SET]);
		e->kind = E_DUMP;
		e->why = "dump";
		if (loose) {
			e->kind = E_ANY;
			e->ok_allowed = true;
			s->dump_maybe = true;
			return;
		}
		e->dump_nonempty = M.sets[e->set].n > 0;
		e->dump_gen0 = M.set_gen[e->set];
		/* An empty set's dump ends in its first call. */
		if (e->dump_nonempty)
			s->dump_busy = true;
		return;
	}
	/* A command the family has and this model does not know. */
	e->kind = E_ANY;
	e->ok_allowed = true;
	e->errs[0] = EINVAL;
	e->nerr = 1;
	e->why = "command unknown to nlfuzz";
}

/* A dump that may find the socket's previous one still running. */
static void eval_dump_maybe_busy(struct nsock *s, uint8_t *m, uint32_t mlen,
				 struct exp *e)
{
	s->dump_maybe = false;
	eval_genl(s, m, mlen, e);
	s->dump_maybe = true;
	if (e->kind != E_ERR && e->kind != E_ANY) {
		e->kind = E_ANY;
		e->ok_allowed = true;
	}
	if (e->nerr < 4)
		e->errs[e->nerr++] = EBUSY;
}

/* Types a fuzzed message may carry: ours, the control messages, and ids
 * no genetlink family can have (GENL_MAX_ID is 1023). Never another
 * family's: fuzzing those would change the machine. */
static uint16_t sane_type(uint16_t t)
{
	if (t < NLMSG_MIN_TYPE || t == fam_id || t >= 1024)
		return t;
	return fam_id;
}

struct batch {
	struct exp *e;
	uint32_t n, cap;
	uint32_t seq0;
};

static struct batch B;
static uint32_t next_seq = 1;

/*
 * The kernel's walk over a datagram (netlink_rcv_skb()): make each
 * message's type sane and its sequence number unique, and expect its
 * answer.
 */
static void eval_datagram(struct nsock *s, uint8_t *d, size_t len)
{
	size_t off = 0;

	B.n = 0;
	B.seq0 = next_seq;
	while (len - off >= NLMSG_HDRLEN) {
		uint8_t *m = d + off;
		uint32_t mlen = rd32(m);
		struct exp *e;

		if (mlen < NLMSG_HDRLEN || len - off < mlen) {
			st.framing_cut++;
			break;	/* the rest of the datagram is ignored */
		}
		wr16(m + 4, sane_type(rd16(m + 4)));
		wr32(m + 8, next_seq++);
		if (B.n == B.cap) {
			B.cap = B.cap ? 2 * B.cap : 64;
			B.e = realloc(B.e, B.cap * sizeof(*B.e));
			if (!B.e)
				die("out of memory");
			memset(B.e + B.n, 0, (B.cap - B.n) * sizeof(*B.e));
		}
		e = &B.e[B.n++];
		{
			struct pvec keep = e->dumped;

			memset(e, 0, sizeof(*e));
			e->dumped = keep;
			e->dumped.n = 0;
		}
		e->seq = rd32(m + 8);
		e->type = rd16(m + 4);
		e->flags = rd16(m + 6);
		e->ackf = e->flags & NLM_F_ACK;
		e->touches = -1;
		st.kernel_msgs++;
		if (!(e->flags & NLM_F_REQUEST) || e->type < NLMSG_MIN_TYPE) {
			e->kind = e->ackf ? E_ACK : E_NONE;
			e->why = "not a request, or a control message";
			st.no_request++;
		} else if (e->type != fam_id) {
			expect_err(e, ENOENT, "no such family");
		} else {
			eval_genl(s, m, mlen, e);
			/* Race mode: even a request that gets no answer when
			 * it succeeds gets ENOENT once the family is gone. */
			if (opt_mode == MODE_RACE && e->kind == E_NONE) {
				e->kind = E_ANY;
				e->ok_allowed = true;
			}
		}
		off += NLMSG_ALIGN(mlen) > len - off ? len - off : NLMSG_ALIGN(mlen);
	}
}

/* ---- generators ---- */

#define NANCH 48
static struct pfx anchors4[NANCH], anchors6[NANCH];

static void make_anchors(void)
{
	int i, j;

	for (i = 0; i < NANCH; i++) {
		uint32_t v = rnd();

		anchors4[i].fam = 4;
		anchors4[i].len = 32;
		/* A few /8s, so that prefixes overlap and cover each other. */
		v = (v & 0x00ffffff) | ((uint32_t)(10 + i % 6) << 24);
		anchors4[i].a[0] = v >> 24;
		anchors4[i].a[1] = v >> 16;
		anchors4[i].a[2] = v >> 8;
		anchors4[i].a[3] = v;
		anchors6[i].fam = 6;
		anchors6[i].len = 128;
		anchors6[i].a[0] = 0x20;
		anchors6[i].a[1] = 0x01;
		anchors6[i].a[2] = 0x0d;
		anchors6[i].a[3] = 0xb8;
		anchors6[i].a[4] = i % 5;
		for (j = 5; j < 16; j++)
			anchors6[i].a[j] = rnd();
	}
}

/* An address near the anchors (full length). */
static struct pfx gen_address(int fam)
{
	struct pfx p = fam == 4 ? anchors4[below(NANCH)] : anchors6[below(NANCH)];
	unsigned int bytes = fam == 4 ? 4 : 16, keep = between(0, bytes);
	unsigned int i;

	for (i = keep; i < bytes; i++)
		p.a[i] = rnd();
	if (chance(20))
		memset(p.a, chance(500) ? 0 : 0xff, bytes);
	p.len = full_len(fam);
	return p;
}

/* A valid prefix: lengths spread, the limits included. */
static struct pfx gen_prefix(int fam)
{
	struct pfx p = gen_address(fam);
	unsigned int full = full_len(fam), r = below(100);

	if (r < 30)
		p.len = full;
	else if (r < 60)
		p.len = full - below(9);
	else if (r < 95)
		p.len = between(8, full);
	else
		p.len = below(3);
	pfx_mask(&p, p.len);
	return p;
}

/* A prefix that parse_prefix() refuses, or one at the limits. */
static struct pfx gen_bad_prefix(int fam)
{
	struct pfx p = gen_address(fam);
	unsigned int full = full_len(fam);

	switch (below(5)) {
	case 4:		/* IPv4-mapped IPv6, any length from /96 */
		if (fam == 6) {
			memset(p.a, 0, 10);
			p.a[10] = p.a[11] = 0xff;
			p.len = between(96, 128);
			pfx_mask(&p, p.len);
			break;
		}
		/* fall through */
	case 0:		/* host bits set */
		p.len = between(0, full - 1);
		p.a[fam == 4 ? 3 : 15] |= 1;
		break;
	case 1:		/* just past the family's length */
		p.len = full + 1;
		break;
	case 2:		/* past IPv6's too, or the u8's top */
		p.len = chance(500) ? 129 : 255;
		break;
	default:	/* exactly at the limit: valid */
		p.len = full;
		break;
	}
	return p;
}

static int rand_fam(void)
{
	return chance(600) ? 4 : 6;
}

/*
 * A prefix nest. flavour 0 is well formed; the others are the
 * family/length mismatches: no address, both, the wrong length of
 * address, LEN omitted or twice, LEN as u16.
 */
static void put_prefix(struct buf *b, uint16_t type, const struct pfx *p,
		       int flavour)
{
	size_t n = nest_start(b, type | NLA_F_NESTED);
	uint16_t at = p->fam == 4 ? LYNCEDGE_PREFIX_A_ADDR4 : LYNCEDGE_PREFIX_A_ADDR6;
	size_t alen = p->fam == 4 ? 4 : 16;

	switch (flavour) {
	case 0:
		attr(b, at, p->a, alen);
		if (p->len != full_len(p->fam) || chance(500))
			attr_u8(b, LYNCEDGE_PREFIX_A_LEN, p->len);
		break;
	case 1:		/* no address */
		attr_u8(b, LYNCEDGE_PREFIX_A_LEN, p->len);
		break;
	case 2:		/* both families */
		attr(b, LYNCEDGE_PREFIX_A_ADDR4, p->a, 4);
		attr(b, LYNCEDGE_PREFIX_A_ADDR6, p->a, 16);
		break;
	case 3:		/* the other family's length */
		attr(b, at, p->a, p->fam == 4 ? 16 : 4);
		break;
	case 4:		/* a length that is neither */
		attr(b, at, p->a, between(0, 17));
		break;
	case 5:		/* LEN twice: the last counts */
		attr(b, at, p->a, alen);
		attr_u8(b, LYNCEDGE_PREFIX_A_LEN, below(256));
		attr_u8(b, LYNCEDGE_PREFIX_A_LEN, p->len);
		break;
	default:	/* LEN as a u16 */
		attr(b, at, p->a, alen);
		attr_u16(b, LYNCEDGE_PREFIX_A_LEN, p->len);
		break;
	}
	nest_end(b, n);
}

static int gen_flavour(void)
{
	return chance(950) ? 0 : (int)between(1, 6);
}

static uint8_t rand_set(void)
{
	return chance(985) ? below(SETS) : between(SETS, 255);
}

/* Which socket a message is for: it decides TXN flags and dump state. */
static struct nsock *cur;

static void maybe_txn_flag(struct buf *b)
{
	if ((cur->txn.open && chance(700)) || chance(15))
		attr(b, LYNCEDGE_A_TXN, NULL, 0);
}

/* PREFIXES holding n prefixes for set (present ones for a deletion). */
static void put_prefixes(struct buf *b, int set, unsigned int n, bool del)
{
	size_t nest = nest_start(b, LYNCEDGE_A_PREFIXES | NLA_F_NESTED);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct pfx p;
		int fl = gen_flavour();

		if (del && M.sets[set].n && chance(900))
			p = *pset_pick(&M.sets[set]);
		else if (chance(30))
			p = gen_bad_prefix(rand_fam());
		else
			p = gen_prefix(rand_fam());
		put_prefix(b, LYNCEDGE_PREFIXES_A_PREFIX, &p, fl);
		/* An attribute's length is 16 bits. */
		if (b->len - nest > 65000)
			break;
	}
	nest_end(b, nest);
}

/* Many consecutive addresses: big sets, dumps of several parts. */
static void put_bulk(struct buf *b, int set, int fam, unsigned int n)
{
	size_t nest = nest_start(b, LYNCEDGE_A_PREFIXES | NLA_F_NESTED);
	struct pfx p = gen_address(fam);
	unsigned int i, last = fam == 4 ? 3 : 15;

	(void)set;
	for (i = 0; i < n && b->len - nest < 65000 - 40; i++) {
		int k;

		put_prefix(b, LYNCEDGE_PREFIXES_A_PREFIX, &p, 0);
		for (k = last; k >= 0 && ++p.a[k] == 0; k--)
			;
	}
	nest_end(b, nest);
}

static uint8_t gen_profiles_mask(void)
{
	return below(1 << LYNCEDGE_PROFILE_COUNT);
}

/* A request the model should find valid (mostly: its prefixes may not be). */
static void gen_valid(struct buf *b, int cmd)
{
	uint16_t flags = NLM_F_REQUEST | (chance(900) ? NLM_F_ACK : 0);
	size_t m;
	int set;

	if (cmd == LYNCEDGE_CMD_GET_PREFIXES)
		flags |= NLM_F_DUMP;
	m = msg_start(b, fam_id, flags, cmd, LYNCEDGE_GENL_VERSION);
	switch (cmd) {
	case LYNCEDGE_CMD_CONFIGURE: {
		bool any = false;

		if (chance(60)) {
			/* Leaving or entering off registers hooks and waits
			 * for RCU: dear under TCG, so rare; enforce and
			 * monitor swap cheaply. */
			int mode = M.mode;

			if (chance(100))
				mode = below(LYNCEDGE_MODE_MAX + 1);
			else if (mode != LYNCEDGE_MODE_OFF)
				mode = LYNCEDGE_MODE_MONITOR + below(2);
			attr_u8(b, LYNCEDGE_A_MODE, mode);
			any = true;
		}
		if (chance(400)) {
			attr_u8(b, LYNCEDGE_A_LOG, below(2));
			any = true;
		}
		if (chance(250)) {
			attr_u32(b, LYNCEDGE_A_PROFILES, gen_profiles_mask() | 1);
			any = true;
		}
		if (chance(350) || !any) {
			uint32_t en = gen_profiles_mask(), dis = gen_profiles_mask();

			dis &= ~en & ~1u;
			attr_u32(b, LYNCEDGE_A_PROFILES_ENABLE, en);
			if (dis || chance(300))
				attr_u32(b, LYNCEDGE_A_PROFILES_DISABLE, dis);
		}
		maybe_txn_flag(b);
		break;
	}
	case LYNCEDGE_CMD_ADD_PREFIXES:
	case LYNCEDGE_CMD_DEL_PREFIXES: {
		unsigned int n = chance(700) ? between(1, 4) : between(0, 40);

		set = rand_set();
		attr_u8(b, LYNCEDGE_A_SET, set);
		if (cmd == LYNCEDGE_CMD_ADD_PREFIXES && chance(20))
			put_bulk(b, set, rand_fam(), between(200, 3000));
		else
			put_prefixes(b, set < SETS ? set : 0, n,
				     cmd == LYNCEDGE_CMD_DEL_PREFIXES);
		maybe_txn_flag(b);
		break;
	}
	case LYNCEDGE_CMD_FLUSH_SET:
		if (chance(800))
			attr_u8(b, LYNCEDGE_A_SET, rand_set());
		maybe_txn_flag(b);
		break;
	case LYNCEDGE_CMD_TEST_ADDRESS: {
		struct pfx p;

		set = rand_set();
		attr_u8(b, LYNCEDGE_A_SET, set);
		if (set < SETS && M.sets[set].n && chance(600)) {
			/* Inside a member, with random host bits. */
			const struct pfx *in = pset_pick(&M.sets[set]);
			unsigned int i;

			p = *in;
			for (i = in->len; i < full_len(p.fam); i++)
				if (chance(500))
					p.a[i / 8] |= 0x80 >> (i % 8);
			p.len = full_len(p.fam);
		} else {
			p = gen_address(rand_fam());
		}
		if (chance(20))
			p.len = below(full_len(p.fam) + 2);
		put_prefix(b, LYNCEDGE_A_ADDRESS, &p, gen_flavour());
		break;
	}
	case LYNCEDGE_CMD_EXPLAIN: {
		static const uint8_t protos[] = { 6, 17, 6, 17, 58, 1, 0, 132 };
		int fam = rand_fam();
		struct pfx src = gen_address(fam), dst = gen_address(
			chance(970) ? fam : 10 - fam);

		if (M.sets[0].n && chance(500)) {
			dst = *pset_pick(&M.sets[0]);
			if (dst.fam != src.fam)
				src = gen_address(dst.fam);
			dst.len = full_len(dst.fam);
		}
		attr_u8(b, LYNCEDGE_A_PROTO, protos[below(sizeof(protos))]);
		put_prefix(b, LYNCEDGE_A_SRC, &src, gen_flavour());
		put_prefix(b, LYNCEDGE_A_DST, &dst, gen_flavour());
		if (chance(500))
			attr_u16(b, LYNCEDGE_A_SPORT, rnd());
		if (chance(980)) {
			static const uint16_t ports[] = {
				443, 5061, 3478, 50000, 59999, 80, 53, 0, 65535,
			};

			attr_u16(b, LYNCEDGE_A_DPORT, chance(700) ?
				 ports[below(sizeof(ports) / 2)] : rnd());
		}
		break;
	}
	case LYNCEDGE_CMD_GET_PREFIXES:
		if (chance(990))
			attr_u8(b, LYNCEDGE_A_SET, rand_set());
		break;
	default:
		break;
	}
	msg_end(b, m);
}

/* One value for a policy attribute: inside, at and beyond its bounds. */
static void gen_policy_attr(struct buf *b, int pidx, uint16_t type, int depth);

static void gen_policy_attrs(struct buf *b, int pidx, int depth, int n)
{
	const struct policy *P = &pols[pidx];
	int i;

	for (i = 0; i < n; i++) {
		uint16_t type;

		if (chance(900)) {
			do
				type = between(1, P->maxtype);
			while (!P->a[type].type && !chance(100));
		} else {
			type = chance(300) ? 0 : P->maxtype + between(1, 40);
		}
		gen_policy_attr(b, pidx, type, depth);
	}
}

static uint64_t pick_value(const struct pol_attr *pa, unsigned int bits)
{
	uint64_t top = bits == 64 ? ~0ULL : (1ULL << bits) - 1;

	if (pa->has_mask) {
		switch (below(4)) {
		case 0:
			return rnd() & pa->mask;
		case 1:
			return pa->mask;
		case 2:
			return (rnd() & top) | (~pa->mask & top & -(~pa->mask & top));
		default:
			return rnd() & top;
		}
	}
	switch (below(8)) {
	case 0:
		return pa->umin;
	case 1:
		return pa->umax;
	case 2:
		return (pa->umax + 1) & top;
	case 3:
		return (pa->umin - 1) & top;
	case 4:
		return top;
	default:
		return pa->umax > pa->umin ? pa->umin + rnd() % (pa->umax - pa->umin + 1) :
					     pa->umin;
	}
}

static void gen_policy_attr(struct buf *b, int pidx, uint16_t type, int depth)
{
	const struct pol_attr *pa = type <= MAXTYPE ? &pols[pidx].a[type] : NULL;
	uint8_t data[32];
	uint64_t v;
	size_t len;
	uint16_t flags = 0;

	if (!pa || !pa->type) {
		/* No policy: any payload, maybe nested deeper still. */
		if (chance(300) && depth < 12) {
			size_t n = nest_start(b, type | NLA_F_NESTED);

			gen_policy_attrs(b, pidx, depth + 1, below(3));
			nest_end(b, n);
			return;
		}
		len = below(9);
		for (size_t i = 0; i < len; i++)
			data[i] = rnd();
		attr(b, type, data, len);
		return;
	}
	switch (pa->type) {
	case NL_ATTR_TYPE_FLAG:
		len = chance(900) ? 0 : between(1, 4);
		memset(data, 0, len);
		break;
	case NL_ATTR_TYPE_U8: case NL_ATTR_TYPE_U16:
	case NL_ATTR_TYPE_U32: case NL_ATTR_TYPE_U64: {
		static const unsigned int sz[] = { 1, 2, 4, 8 };
		unsigned int size = sz[pa->type - NL_ATTR_TYPE_U8];

		v = pick_value(pa, 8 * size);
		len = chance(930) ? size : below(10);
		memset(data, 0, sizeof(data));
		memcpy(data, &v, size < len ? size : len);
		break;
	}
	case NL_ATTR_TYPE_BINARY: {
		uint32_t lo = pa->has_minlen ? pa->minlen : 0;
		uint32_t hi = pa->has_maxlen ? pa->maxlen : 24;
		struct pfx p = gen_address(chance(500) ? 4 : 6);

		switch (below(6)) {
		case 0:
			len = lo ? lo - 1 : 0;
			break;
		case 1:
			len = hi + 1;
			break;
		case 2:
			len = below(25);
			break;
		default:
			len = between(lo, hi);
			break;
		}
		if (len > sizeof(data))
			len = sizeof(data);
		memset(data, 0, sizeof(data));
		memcpy(data, p.a, len < 16 ? len : 16);
		break;
	}
	case NL_ATTR_TYPE_NESTED: {
		size_t n;

		if (!chance(930))
			flags = 0;
		else
			flags = NLA_F_NESTED;
		n = nest_start(b, type | flags);
		if (chance(50)) {
			put_zero(b, between(1, 3));	/* shorter than a header */
		} else if (pa->nested >= 0 && depth < 6) {
			int k = chance(100) ? 0 : (int)between(1, 4);

			gen_policy_attrs(b, pa->nested, depth + 1, k);
		}
		nest_end(b, n);
		return;
	}
	default:
		len = below(9);
		memset(data, 0xa5, len);
		break;
	}
	if (chance(20))
		flags = NLA_F_NESTED;		/* where it does not belong */
	else if (chance(20))
		flags = NLA_F_NET_BYTEORDER;
	attr(b, type | flags, data, len);
}

/* A message drawn from the policy: any command, any of its attributes. */
static void gen_policy(struct buf *b)
{
	uint16_t flags = NLM_F_REQUEST | (chance(900) ? NLM_F_ACK : 0);
	int cmd, pidx;
	size_t m;

	do
		cmd = chance(950) ? (int)between(1, LYNCEDGE_CMD_MAX) : (int)below(256);
	while (!ops[cmd].exists && chance(800));
	if (ops[cmd].dumpit && !ops[cmd].doit)
		flags |= NLM_F_DUMP;
	pidx = ops[cmd].exists ? (ops[cmd].doit ? ops[cmd].pol_do : ops[cmd].pol_dump) :
				 ops[LYNCEDGE_CMD_GET_CONFIG].pol_do;
	if (pidx < 0)
		pidx = 0;
	m = msg_start(b, fam_id, flags, cmd, LYNCEDGE_GENL_VERSION);
	gen_policy_attrs(b, pidx, 0, below(7));
	msg_end(b, m);
}

/* Offsets of the attribute headers of a message, nested ones included. */
static size_t attr_offs[512];
static int n_attr_offs;

static void collect_attrs(const uint8_t *base, size_t off, int len, int depth)
{
	const uint8_t *a;
	int rem;

	for_each_attr(a, base + off, len, rem) {
		if (n_attr_offs < 512)
			attr_offs[n_attr_offs++] = a - base;
		if ((rd16(a + 2) & NLA_F_NESTED) && depth < 8)
			collect_attrs(base, a + NLA_HDRLEN - base, ALEN(a), depth + 1);
	}
}

/*
 * Break the message at b->d + off, of b->len - off bytes, somewhere. A
 * broken nlmsg_len ends the kernel's walk over the datagram, so with
 * framing false (not the batch's last message) that is left alone.
 */
static void mutate(struct buf *b, size_t off, bool framing)
{
	uint8_t *m = b->d + off;
	size_t len = b->len - off;
	uint32_t r = below(15);

	while (!framing && (r == 5 || r == 6 || r == 10 || r == 11))
		r = below(15);

	n_attr_offs = 0;
	if (len > NLMSG_HDRLEN + GENL_HDRLEN)
		collect_attrs(m, NLMSG_HDRLEN + GENL_HDRLEN,
			      len - NLMSG_HDRLEN - GENL_HDRLEN, 0);
	if (r < 5 && !n_attr_offs)
		r = 5 + below(10);
	switch (r) {
	case 0: case 1: {	/* nla_len short, long, unaligned, zero */
		uint8_t *a = m + attr_offs[below(n_attr_offs)];
		uint16_t l = rd16(a);
		static const int d[] = { -1, 1, -2, 2, -3, 3, -4, 4, 5, -5, 8 };

		switch (below(4)) {
		case 0:
			l = below(5);
			break;
		case 1:
			l = 0xffff - below(4);
			break;
		default:
			l += d[below(sizeof(d) / sizeof(d[0]))];
			break;
		}
		wr16(a, l);
		break;
	}
	case 2: {		/* NLA_F_NESTED or NET_BYTEORDER toggled */
		uint8_t *a = m + attr_offs[below(n_attr_offs)];

		wr16(a + 2, rd16(a + 2) ^ (chance(700) ? NLA_F_NESTED :
						   NLA_F_NET_BYTEORDER));
		break;
	}
	case 3: {		/* another type */
		uint8_t *a = m + attr_offs[below(n_attr_offs)];
		uint16_t t = chance(500) ? below(LYNCEDGE_A_MAX + 3) : rnd();

		wr16(a + 2, (rd16(a + 2) & ~NLA_TYPE_MASK) | (t & NLA_TYPE_MASK));
		break;
	}
	case 4: {		/* an attribute's payload emptied */
		uint8_t *a = m + attr_offs[below(n_attr_offs)];

		wr16(a, NLA_HDRLEN);
		break;
	}
	case 5: case 6: {	/* nlmsg_len short, long, unaligned */
		static const int d[] = { -1, 1, -2, 2, -3, 3, -4, 4, -8, 8, 64 };
		uint32_t l = len;

		switch (below(5)) {
		case 0:
			l = below(NLMSG_HDRLEN + GENL_HDRLEN + 1);
			break;
		case 1:
			l = rnd();
			break;
		default:
			l += d[below(sizeof(d) / sizeof(d[0]))];
			break;
		}
		wr32(m, l);
		break;
	}
	case 7:			/* another command */
		if (len > NLMSG_HDRLEN)
			m[NLMSG_HDRLEN] = chance(500) ? below(LYNCEDGE_CMD_MAX + 3) :
					  rnd();
		break;
	case 8:			/* another version, or reserved set */
		if (len >= NLMSG_HDRLEN + GENL_HDRLEN) {
			if (chance(600))
				m[NLMSG_HDRLEN + 1] = rnd();
			else
				wr16(m + NLMSG_HDRLEN + 2, 1 + below(0xffff));
		}
		break;
	case 9: {		/* other flags */
		static const uint16_t f[] = {
			NLM_F_ACK, NLM_F_REQUEST, NLM_F_ECHO, NLM_F_MULTI,
			NLM_F_DUMP, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC,
			NLM_F_DUMP_INTR, 0x8000,
		};

		wr16(m + 6, rd16(m + 6) ^ f[below(sizeof(f) / sizeof(f[0]))]);
		break;
	}
	case 10:		/* truncated: the header says so, or not */
		if (len > NLMSG_HDRLEN) {
			b->len = off + between(NLMSG_HDRLEN, len - 1);
			if (chance(700))
				wr32(m, b->len - off);
		}
		break;
	case 11: {		/* garbage after it: counted, or not */
		unsigned int k = between(1, 40), i;

		for (i = 0; i < k; i++) {
			uint8_t c = rnd();

			put(b, &c, 1);
		}
		m = b->d + off;
		if (chance(600))
			wr32(m, b->len - off);
		break;
	}
	case 12: {		/* an attribute twice */
		if (n_attr_offs) {
			uint8_t *a = m + attr_offs[below(n_attr_offs)];
			uint16_t l = rd16(a);
			uint8_t copy[4096];

			if (l >= NLA_HDRLEN && l <= sizeof(copy) &&
			    (size_t)(a - m) + l <= len) {
				memcpy(copy, a, l);
				align4(b);
				put(b, copy, l);
				align4(b);
				m = b->d + off;
				wr32(m, b->len - off);
			}
		}
		break;
	}
	case 13: {		/* the last top-level attribute wrapped deeper */
		unsigned int depth = between(1, 12), i;

		for (i = 0; i < depth; i++) {
			struct nlattr h = { .nla_len = 0,
					    .nla_type = (uint16_t)(below(LYNCEDGE_A_MAX + 2) |
								   NLA_F_NESTED) };
			size_t body = NLMSG_HDRLEN + GENL_HDRLEN;

			if (len < body || b->len - off - body + NLA_HDRLEN > 0xffff)
				break;
			/* Wrap everything after the genl header. */
			need(b, NLA_HDRLEN);
			m = b->d + off;
			memmove(m + body + NLA_HDRLEN, m + body, b->len - off - body);
			h.nla_len = b->len - off - body + NLA_HDRLEN;
			memcpy(m + body, &h, NLA_HDRLEN);
			b->len += NLA_HDRLEN;
			len += NLA_HDRLEN;
		}
		wr32(b->d + off, b->len - off);
		break;
	}
	default:		/* a random bit flipped */
		m[below(len)] ^= 1 << below(8);
		break;
	}
}

/* ---- the engine: send, barrier, collect, compare ---- */

static uint8_t rbuf[256 * 1024];
static unsigned long batch_no;
static struct buf DG;	/* the datagram of the current batch */
static bool failed;

static void print_exp(const struct exp *e, FILE *f)
{
	int i;

	fprintf(f, "  seq %u type %u flags 0x%x cmd %u: expected %s",
		e->seq, e->type, e->flags, e->cmd, kind_name[e->kind]);
	for (i = 0; i < e->nerr; i++)
		fprintf(f, "%s%s", i ? "/" : " ", strerror(e->errs[i]));
	if (e->why)
		fprintf(f, " (%s)", e->why);
	fprintf(f, "; got %d data, %d terminal%s", e->ndata, e->nterm,
		e->nterm ? "" : "s");
	if (e->nterm)
		fprintf(f, " %s %d%s%s", e->got_done ? "DONE" : "error", e->err,
			e->err ? " " : "", e->err ? strerror(-e->err) : "");
	if (e->msg[0])
		fprintf(f, " \"%s\"", e->msg);
	if (e->is_dump)
		fprintf(f, "; intr %s, expected %s", e->intr_seen ? "seen" : "not seen",
			!e->intr_known ? "either" : e->intr_expect ? "yes" : "no");
	fputc('\n', f);
}

static void fail_batch(const struct exp *e, const char *fmt, ...)
{
	va_list ap;
	uint32_t i;

	fprintf(stderr, "nlfuzz: FAIL (seed %" PRIu64 ", batch %lu, socket %u): ",
		opt_seed, batch_no, cur ? cur->portid : 0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (e)
		print_exp(e, stderr);
	fprintf(stderr, " the batch's messages, as the kernel walks them:\n");
	for (i = 0; i < B.n && i < 40; i++)
		print_exp(&B.e[i], stderr);
	hexdump("datagram", DG.d, DG.len, 2048);
	failed = true;
}

static struct exp *exp_of(uint32_t seq)
{
	if (seq - B.seq0 < B.n)
		return &B.e[seq - B.seq0];
	return NULL;
}

static const char *extack_msg(const struct nlmsghdr *h, size_t hlen)
{
	const struct nlmsgerr *err = NLMSG_DATA(h);
	size_t off = NLMSG_HDRLEN + sizeof(*err);
	const uint8_t *a;
	int rem;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off >= hlen)
		return NULL;
	for_each_attr(a, (const uint8_t *)h + off, hlen - off, rem)
		if (ATYPE(a) == NLMSGERR_ATTR_MSG && ALEN(a) > 0)
			return (const char *)ADATA(a);
	return NULL;
}

/* A dump's part: collect its prefixes. */
static void take_prefixes(struct exp *e, const uint8_t *m, uint32_t len)
{
	const uint8_t *a, *p;
	int rem, prem;

	for_each_attr(a, m + NLMSG_HDRLEN + GENL_HDRLEN,
		      len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		if (ATYPE(a) == LYNCEDGE_A_SET && ALEN(a) == 1 && *ADATA(a) != e->set)
			fail_batch(e, "dump of set %d answers for set %d", e->set,
				   *ADATA(a));
		if (ATYPE(a) != LYNCEDGE_A_PREFIXES)
			continue;
		for_each_attr(p, ADATA(a), ALEN(a), prem) {
			struct pfx x;

			if (ATYPE(p) != LYNCEDGE_PREFIXES_A_PREFIX ||
			    parse_prefix(p, false, &x)) {
				fail_batch(e, "dump: a malformed prefix");
				return;
			}
			pvec_push(&e->dumped, &x);
			st.dump_prefixes++;
		}
	}
}

static void check_config(struct exp *e, const uint8_t *m, uint32_t len)
{
	const uint8_t *a, *s;
	int rem, srem, mode = -1, log = -1, sets = 0;
	int64_t prof = -1, gen = -1;

	for_each_attr(a, m + NLMSG_HDRLEN + GENL_HDRLEN,
		      len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		switch (ATYPE(a)) {
		case LYNCEDGE_A_MODE:
			mode = *ADATA(a);
			break;
		case LYNCEDGE_A_LOG:
			log = *ADATA(a);
			break;
		case LYNCEDGE_A_PROFILES:
			prof = rd32(ADATA(a));
			break;
		case LYNCEDGE_A_GENERATION:
			gen = rd32(ADATA(a));
			break;
		case LYNCEDGE_A_SET_INFO: {
			int id = -1;
			int64_t n4 = -1, n6 = -1;

			for_each_attr(s, ADATA(a), ALEN(a), srem) {
				if (ATYPE(s) == LYNCEDGE_SET_INFO_A_SET)
					id = *ADATA(s);
				else if (ATYPE(s) == LYNCEDGE_SET_INFO_A_PREFIXES4)
					n4 = rd32(ADATA(s));
				else if (ATYPE(s) == LYNCEDGE_SET_INFO_A_PREFIXES6)
					n6 = rd32(ADATA(s));
			}
			if (id < 0 || id >= SETS || n4 != e->cfg.n4[id] ||
			    n6 != e->cfg.n6[id])
				fail_batch(e, "get-config: set %d holds %" PRId64 "+%" PRId64
					   " prefixes, the model %u+%u", id, n4, n6,
					   id >= 0 && id < SETS ? e->cfg.n4[id] : 0,
					   id >= 0 && id < SETS ? e->cfg.n6[id] : 0);
			sets++;
			break;
		}
		}
	}
	if (mode != e->cfg.mode || log != e->cfg.log || prof != e->cfg.profiles)
		fail_batch(e, "get-config: mode %d log %d profiles 0x%" PRIx64
			   ", the model %d %d 0x%x", mode, log, prof, e->cfg.mode,
			   e->cfg.log, e->cfg.profiles);
	if (sets != SETS)
		fail_batch(e, "get-config: %d SET_INFO, want %d", sets, SETS);
	if (gen < 0)
		fail_batch(e, "get-config without GENERATION");
	else if (e->cfg.gen_known && (uint32_t)gen != e->cfg.gen)
		fail_batch(e, "get-config: generation %" PRId64 ", the model %u",
			   gen, e->cfg.gen);
}

static void check_reply(struct exp *e, const uint8_t *m, uint32_t len)
{
	const uint8_t *a;
	int rem, member = -1, rset = -1, mode = -1, verdict = -1;
	bool rule = false, index = false, reason = false;

	if (e->check == CK_CONFIG)
		return check_config(e, m, len);
	for_each_attr(a, m + NLMSG_HDRLEN + GENL_HDRLEN,
		      len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		switch (ATYPE(a)) {
		case LYNCEDGE_A_MEMBER:
			member = *ADATA(a);
			break;
		case LYNCEDGE_A_SET:
			rset = *ADATA(a);
			break;
		case LYNCEDGE_A_MODE:
			mode = *ADATA(a);
			break;
		case LYNCEDGE_A_VERDICT:
			verdict = *ADATA(a);
			break;
		case LYNCEDGE_A_RULE:
			rule = true;
			break;
		case LYNCEDGE_A_RULE_INDEX:
			index = true;
			break;
		case LYNCEDGE_A_DENY_REASON:
			reason = true;
			break;
		}
	}
	if (e->check == CK_MEMBER && (member != e->member || rset != e->set))
		fail_batch(e, "test: set %d member %d, the model: set %d member %d",
			   rset, member, e->set, e->member);
	if (e->check == CK_EXPLAIN) {
		if (mode != e->cfg.mode)
			fail_batch(e, "explain: mode %d, the model %d", mode, e->cfg.mode);
		if (verdict < 0 || verdict > LYNCEDGE_VERDICT_MAX)
			fail_batch(e, "explain: verdict %d", verdict);
		else if (!e->touches && verdict != LYNCEDGE_VERDICT_NOT_EDGE)
			fail_batch(e, "explain: verdict %d for addresses in no edge-side set",
				   verdict);
		/* Explain's tuple has no ICMP type: never neighbour
		 * discovery, so touching an edge set means a verdict. */
		else if (e->touches == 1 && verdict == LYNCEDGE_VERDICT_NOT_EDGE)
			fail_batch(e, "explain: not edge traffic, yet an address is in an edge-side set");
		else if (verdict == LYNCEDGE_VERDICT_ALLOW && (!rule || !index))
			fail_batch(e, "explain: allowed without the row");
		else if (verdict == LYNCEDGE_VERDICT_DENY && !reason)
			fail_batch(e, "explain: denied without a reason");
	}
}

/* Dump done: exactly the model's set, unless an update came between. */
static void check_dump(struct exp *e)
{
	const struct pset *ps = &M.sets[e->set];
	uint32_t i;

	st.dumps_done++;
	st.dumps_intr += e->intr_seen;
	if (!e->intr_known)
		return;
	if (e->intr_seen != e->intr_expect) {
		fail_batch(e, "dump of set %d: NLM_F_DUMP_INTR %s, but the set %s changed during the dump",
			   e->set, e->intr_seen ? "set" : "missing",
			   e->intr_expect ? "was" : "was not");
		return;
	}
	if (e->intr_expect)
		return;
	/* Empty at its start, the dump ended in its first call. */
	if (!e->dump_nonempty) {
		if (e->dumped.n)
			fail_batch(e, "dump of set %d lists %u prefixes, but the set was empty",
				   e->set, e->dumped.n);
		return;
	}
	qsort(e->dumped.v, e->dumped.n, sizeof(struct pfx), pfx_cmp);
	for (i = 0; i < e->dumped.n; i++) {
		char s[64];

		if (i && !pfx_cmp(&e->dumped.v[i], &e->dumped.v[i - 1])) {
			pfx_str(&e->dumped.v[i], s, sizeof(s));
			fail_batch(e, "dump of set %d lists %s twice", e->set, s);
			return;
		}
		if (!pset_has(ps, &e->dumped.v[i])) {
			pfx_str(&e->dumped.v[i], s, sizeof(s));
			fail_batch(e, "dump of set %d lists %s, which the model does not hold",
				   e->set, s);
			return;
		}
	}
	if (e->dumped.n != ps->n)
		fail_batch(e, "dump of set %d: %u prefixes, the model holds %u",
			   e->set, e->dumped.n, ps->n);
}

/* One answer. */
static void on_answer(const struct nlmsghdr *h, size_t hlen, bool truncated)
{
	struct exp *e = exp_of(h->nlmsg_seq);
	const uint8_t *m = (const uint8_t *)h;

	if (!e) {
		fail_batch(NULL, "an answer (type %u flags 0x%x) with sequence number %u, which no request of the batch has",
			   h->nlmsg_type, h->nlmsg_flags, h->nlmsg_seq);
		return;
	}
	if (e->nterm) {
		fail_batch(e, "an answer (type %u) after the request's last", h->nlmsg_type);
		return;
	}
	if (e->kind == E_NONE) {
		fail_batch(e, "an answer (type %u) to a request that gets none",
			   h->nlmsg_type);
		return;
	}
	if (h->nlmsg_flags & NLM_F_DUMP_INTR)
		e->intr_seen = true;
	if (truncated)
		e->truncated = true;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *er = NLMSG_DATA(h);
		const char *msg;

		if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(*er) && !truncated) {
			fail_batch(e, "a short error message");
			return;
		}
		e->nterm++;
		e->err = er->error;
		msg = truncated ? NULL : extack_msg(h, hlen);
		if (msg)
			snprintf(e->msg, sizeof(e->msg), "%s", msg);
		if (er->error > 0 || er->error < -4095)
			fail_batch(e, "error %d is no errno", er->error);
		if (!truncated && er->msg.nlmsg_seq != e->seq)
			fail_batch(e, "the error quotes sequence number %u",
				   er->msg.nlmsg_seq);
		return;
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		e->nterm++;
		e->got_done = true;
		if (hlen >= NLMSG_HDRLEN + 4)
			e->err = *(const int *)NLMSG_DATA(h);
		if (!e->is_dump)
			fail_batch(e, "NLMSG_DONE for a request that is no dump");
		return;
	}
	if (h->nlmsg_type != fam_id) {
		fail_batch(e, "an answer of type %u", h->nlmsg_type);
		return;
	}
	e->ndata++;
	if (!truncated && (hlen < NLMSG_HDRLEN + GENL_HDRLEN || m[NLMSG_HDRLEN] != e->cmd)) {
		fail_batch(e, "a reply for command %u", hlen > NLMSG_HDRLEN ? m[NLMSG_HDRLEN] : 0);
		return;
	}
	if (e->is_dump) {
		if (!(h->nlmsg_flags & NLM_F_MULTI))
			fail_batch(e, "a dump's part without NLM_F_MULTI");
		if (!truncated && !loose)
			take_prefixes(e, m, h->nlmsg_len);
		return;
	}
	if (e->ndata > 1) {
		fail_batch(e, "two replies to one request");
		return;
	}
	if (!truncated && e->check)
		check_reply(e, m, h->nlmsg_len);
}

static bool errno_in(const struct exp *e, int err)
{
	int i;

	for (i = 0; i < e->nerr; i++)
		if (e->errs[i] == err)
			return true;
	return false;
}

/* Every errno the family or genetlink has reason to return. */
static bool sane_errno(int err)
{
	switch (err) {
	case EINVAL: case ERANGE: case EOPNOTSUPP: case EPERM: case ENOENT:
	case ENOSPC: case EBUSY: case EMSGSIZE: case ENOMEM:
		return true;
	}
	return false;
}

/* After the barrier: every request answered as the model says. */
static void check_exp(struct exp *e)
{
	bool ok = false, err_ok;

	if (failed)
		return;
	if (opt_mode == MODE_RACE && e->lyn && e->nterm && !e->got_done &&
	    (e->err == -ENOENT ||
	     /* A dump needs a reference on the module, which one on its
	      * way out refuses: __netlink_dump_start(). */
	     (e->is_dump && e->err == -EPROTONOSUPPORT))) {
		st.family_gone++;
		return;
	}
	if (e->nterm && e->err && !e->got_done && !sane_errno(-e->err)) {
		fail_batch(e, "refused with %s, which no check of the family returns",
			   strerror(-e->err));
		return;
	}
	switch (e->kind) {
	case E_NONE:
		ok = !e->nterm && !e->ndata;
		break;
	case E_ACK:
		ok = e->nterm == 1 && !e->got_done && !e->err && !e->ndata;
		break;
	case E_ERR:
		ok = e->nterm == 1 && !e->got_done && e->err && errno_in(e, -e->err) &&
		     !e->ndata;
		break;
	case E_REPLY:
		ok = e->ndata == 1 && (e->ackf ? e->nterm == 1 && !e->err && !e->got_done :
					!e->nterm);
		break;
	case E_DUMP:
		ok = e->nterm == 1 && e->got_done && !e->err;
		break;
	case E_ANY:
		err_ok = e->nterm == 1 && !e->got_done && e->err && !e->ndata &&
			 (errno_in(e, -e->err) || (opt_mode == MODE_RACE &&
						    sane_errno(-e->err)));
		if (!e->ok_allowed || err_ok) {
			ok = err_ok;
			break;
		}
		if (e->is_dump)
			ok = e->nterm == 1 && e->got_done && !e->err;
		else if (e->cmd == LYNCEDGE_CMD_GET_CONFIG ||
			 e->cmd == LYNCEDGE_CMD_TEST_ADDRESS ||
			 e->cmd == LYNCEDGE_CMD_EXPLAIN)
			ok = e->ndata == 1 && (e->ackf ? e->nterm == 1 && !e->err :
						!e->nterm);
		else
			ok = !e->ndata && (e->ackf ? e->nterm == 1 && !e->err : !e->nterm);
		break;
	}
	if (!ok) {
		if (e->lyn && !perm_ok && ((e->nterm && !e->err) || e->ndata))
			fail_batch(e, "a request without CAP_NET_ADMIN over the namespace succeeded");
		else
			fail_batch(e, "the answer is not the expected one");
		return;
	}
	if (e->is_dump && e->got_done && !e->truncated && !loose)
		check_dump(e);
	if (!e->lyn)
		return;
	if (e->nterm && e->err && !e->got_done) {
		st.refused++;
		st.err_hist[-e->err < 134 ? -e->err : 134]++;
		st.cmd_refused[e->cmd]++;
	} else {
		st.ok++;
		st.cmd_ok[e->cmd]++;
	}
}

static bool send_datagram(struct nsock *s)
{
	cur = s;
	batch_no++;
	st.datagrams++;
	if (send(s->fd, DG.d, DG.len, 0) >= 0)
		return true;
	fail_batch(NULL, "send of %zu bytes: %s", DG.len, strerror(errno));
	return false;
}

/*
 * Read until every request of the datagram (sent already) is answered.
 * A barrier (NLMSG_NOOP, which only gets an ACK) follows the datagram:
 * the kernel handles a datagram within send(), so once the barrier's ACK
 * is in, every answer but a dump's later parts is. With a tiny receive
 * buffer the barrier's ACK would find the queue full and be dropped; the
 * dump's end (all such a datagram asks for) is the end there.
 */
static void collect(struct nsock *s, bool tiny_reads)
{
	static uint32_t barrier_seq = 0x80000000;
	struct buf bar = {};
	double deadline;
	bool barrier = tiny_reads;
	size_t m;
	uint32_t i;

	cur = s;
	if (!tiny_reads) {
		m = msg_start(&bar, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 0, 0);
		msg_end(&bar, m);
		wr32(bar.d + 8, ++barrier_seq);
		if (send(s->fd, bar.d, bar.len, 0) < 0) {
			fail_batch(NULL, "send of the barrier: %s", strerror(errno));
			free(bar.d);
			return;
		}
		free(bar.d);
	}
	/* The dumps' second calls happen at our first read: an update
	 * between their start and now must show as NLM_F_DUMP_INTR. */
	for (i = 0; i < B.n; i++) {
		struct exp *e = &B.e[i];

		if (e->kind == E_DUMP) {
			e->intr_known = true;
			e->intr_expect = e->dump_nonempty &&
					 M.set_gen[e->set] != e->dump_gen0;
		}
	}
	deadline = now() + opt_timeout;
	for (;;) {
		bool pending = !barrier;
		ssize_t n;
		int rem, ms;
		struct nlmsghdr *h;
		struct msghdr mh = {};
		struct iovec iov;

		for (i = 0; i < B.n && !pending; i++)
			if (B.e[i].is_dump && !B.e[i].nterm &&
			    (B.e[i].kind == E_DUMP || B.e[i].kind == E_ANY))
				pending = true;
		if (!pending || failed)
			break;
		ms = (int)((deadline - now()) * 1000);
		if (ms <= 0) {
			fail_batch(NULL, "no %s within %d s: the kernel hangs or lost an answer",
				   barrier ? "end of a dump" : "answer to the barrier",
				   opt_timeout);
			return;
		}
		iov.iov_base = rbuf;
		iov.iov_len = tiny_reads ? between(20, 600) : sizeof(rbuf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		{
			struct pollfd p = { .fd = s->fd, .events = POLLIN };

			if (poll(&p, 1, ms) <= 0)
				continue;
		}
		n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			fail_batch(NULL, "recv: %s%s", strerror(errno),
				   errno == ENOBUFS ? " (answers dropped: the receive queue overflowed)" : "");
			return;
		}
		if ((mh.msg_flags & MSG_TRUNC) && !tiny_reads) {
			fail_batch(NULL, "an answer of %zd bytes, longer than %zu", n,
				   sizeof(rbuf));
			return;
		}
		if ((size_t)n > iov.iov_len) {
			/* Truncated: only the first message's header is ours. */
			h = (void *)rbuf;
			if (iov.iov_len >= NLMSG_HDRLEN) {
				if (h->nlmsg_seq == barrier_seq && h->nlmsg_type == NLMSG_ERROR)
					barrier = true;
				else
					on_answer(h, iov.iov_len, true);
			}
			continue;
		}
		rem = n;
		for (h = (void *)rbuf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_seq == barrier_seq) {
				const struct nlmsgerr *er = NLMSG_DATA(h);

				if (h->nlmsg_type != NLMSG_ERROR || er->error)
					fail_batch(NULL, "the barrier got type %u error %d",
						   h->nlmsg_type, er->error);
				barrier = true;
				continue;
			}
			on_answer(h, h->nlmsg_len, false);
		}
		if (rem > 0 && !failed)
			fail_batch(NULL, "%d bytes of an answer do not make a message", rem);
	}
	for (i = 0; i < B.n && !failed; i++)
		check_exp(&B.e[i]);
	if (!loose)
		s->dump_busy = false;
	s->dump_maybe = false;
}

static void run_datagram(struct nsock *s, bool tiny_reads)
{
	if (send_datagram(s))
		collect(s, tiny_reads);
}

/* ---- batches and scenarios ---- */

/* The count is of messages the kernel handled, not of those generated:
 * a broken nlmsg_len hides the rest of its datagram from the kernel. */
static unsigned long budget_left(void)
{
	return st.kernel_msgs >= opt_count ? 0 : opt_count - st.kernel_msgs;
}

/* What the message at off will cost in the receive queue. */
static unsigned int answer_cost(const uint8_t *m, size_t len)
{
	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return COST_ACK;
	if ((rd16(m + 6) & NLM_F_DUMP) == NLM_F_DUMP)
		return COST_DUMP;
	switch (m[NLMSG_HDRLEN]) {
	case LYNCEDGE_CMD_GET_CONFIG:
		return COST_CONFIG;
	case LYNCEDGE_CMD_TEST_ADDRESS:
	case LYNCEDGE_CMD_EXPLAIN:
		return COST_SMALL_REPLY;
	}
	return COST_ACK;
}

static int pick_cmd(void)
{
	static const uint8_t w[][2] = {
		{ LYNCEDGE_CMD_ADD_PREFIXES, 22 }, { LYNCEDGE_CMD_DEL_PREFIXES, 14 },
		{ LYNCEDGE_CMD_TEST_ADDRESS, 14 }, { LYNCEDGE_CMD_EXPLAIN, 8 },
		{ LYNCEDGE_CMD_CONFIGURE, 9 }, { LYNCEDGE_CMD_FLUSH_SET, 2 },
		{ LYNCEDGE_CMD_GET_CONFIG, 3 }, { LYNCEDGE_CMD_GET_PREFIXES, 6 },
		{ LYNCEDGE_CMD_RESET_COUNTERS, 2 }, { LYNCEDGE_CMD_TXN_BEGIN, 6 },
		{ LYNCEDGE_CMD_TXN_COMMIT, 5 }, { LYNCEDGE_CMD_TXN_ABORT, 2 },
	};
	unsigned int total = 0, r, i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		total += w[i][1];
	r = below(total);
	for (i = 0; r >= w[i][1]; i++)
		r -= w[i][1];
	return w[i][0];
}

/*
 * Append one generated message to the datagram. Valid, policy-drawn or
 * mutated; in a huge batch mostly valid, so that the kernel gets them.
 */
static void gen_message(struct buf *dg, bool acks_only, bool last)
{
	size_t off = dg->len;
	uint32_t r = acks_only ? below(100) / 2 : below(100);
	int cmd;

	do
		cmd = pick_cmd();
	while (acks_only && (cmd == LYNCEDGE_CMD_GET_CONFIG ||
			     cmd == LYNCEDGE_CMD_GET_PREFIXES ||
			     cmd == LYNCEDGE_CMD_TEST_ADDRESS ||
			     cmd == LYNCEDGE_CMD_EXPLAIN));
	if (r < 45) {
		gen_valid(dg, cmd);
	} else if (r < 70) {
		gen_policy(dg);
	} else {
		unsigned int k = between(1, 3);

		if (chance(500))
			gen_valid(dg, cmd);
		else
			gen_policy(dg);
		while (k--)
			mutate(dg, off, last || chance(20));
	}
	align4(dg);
	st.generated++;
}

static void batch(struct nsock *s)
{
	unsigned int n, cost = 0, limit = s->rcvbuf / 2, i;
	bool acks_only = false;
	uint32_t r = below(1000);

	if (r < 500)
		n = 1;
	else if (r < 850)
		n = between(2, 8);
	else if (r < 985)
		n = between(9, 64);
	else {
		/* Huge: as many acks as the receive buffer takes. */
		n = between(100, 2000);
		acks_only = true;
		st.batches_huge++;
	}
	if (n > budget_left())
		n = budget_left();
	DG.len = 0;
	cur = s;
	for (i = 0; i < n; i++) {
		size_t off = DG.len;

		gen_message(&DG, acks_only, i + 1 == n);
		cost += answer_cost(DG.d + off, DG.len - off);
		/* netlink_sendmsg() refuses more than the send buffer. */
		if (cost > limit || DG.len + 65536 > (size_t)s->sndbuf / 2) {
			DG.len = off;	/* would not fit: leave it out */
			st.generated--;
			break;
		}
	}
	if (!DG.len)
		return;
	eval_datagram(s, DG.d, DG.len);
	run_datagram(s, false);
}

/* Bytes that need not be a message at all. */
static void garbage(struct nsock *s)
{
	unsigned int len = between(1, 300), i;

	DG.len = 0;
	cur = s;
	for (i = 0; i < len; i++) {
		uint8_t c = rnd();

		put(&DG, &c, 1);
	}
	/* Most datagrams start with something like a header. */
	if (len >= NLMSG_HDRLEN && chance(800)) {
		wr32(DG.d, chance(500) ? len : between(0, len + 8));
		wr16(DG.d + 4, chance(700) ? fam_id : rnd());
		wr16(DG.d + 6, NLM_F_REQUEST | (rnd() & 0x0f04));
	}
	st.generated++;
	st.garbage++;
	eval_datagram(s, DG.d, DG.len);
	run_datagram(s, false);
}

/* Fill the set with at least min prefixes: dumps of several parts. */
static void grow_set(struct nsock *s, int set, uint32_t min)
{
	/* Only the model knows how big the set is. */
	while (opt_mode == MODE_MODEL && M.sets[set].n < min && budget_left()) {
		size_t m;

		DG.len = 0;
		cur = s;
		m = msg_start(&DG, fam_id, NLM_F_REQUEST | NLM_F_ACK,
			      LYNCEDGE_CMD_ADD_PREFIXES, LYNCEDGE_GENL_VERSION);
		attr_u8(&DG, LYNCEDGE_A_SET, set);
		put_bulk(&DG, set, rand_fam(), 3000);
		msg_end(&DG, m);
		st.generated++;
		eval_datagram(s, DG.d, DG.len);
		run_datagram(s, false);
		if (failed)
			return;
	}
}

/* A dump request alone in a datagram, on s. */
static void dump_request(struct nsock *s, int set)
{
	size_t m;

	DG.len = 0;
	cur = s;
	m = msg_start(&DG, fam_id, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		      LYNCEDGE_CMD_GET_PREFIXES, LYNCEDGE_GENL_VERSION);
	attr_u8(&DG, LYNCEDGE_A_SET, set);
	msg_end(&DG, m);
	st.generated++;
}

/*
 * A dump interrupted by an update from another socket: A starts a dump of
 * a big set, B changes (or, a third of the time, does not change) that
 * set before A reads a byte; A's dump must then carry NLM_F_DUMP_INTR
 * exactly when the set changed.
 */
static void interrupted_dump(void)
{
	struct nsock *a = &socks[0], *b = &socks[1];
	int set = below(SETS);
	struct batch saved;
	struct buf dg;
	uint32_t i;

	grow_set(b, set, 2500);
	if (failed || !budget_left())
		return;
	dump_request(a, set);
	eval_datagram(a, DG.d, DG.len);
	if (!send_datagram(a))
		return;
	/* B's datagram, evaluated and checked on its own in between. */
	saved = B;
	dg = DG;
	B = (struct batch){};
	DG = (struct buf){};
	if (chance(670)) {
		static const int c[] = {
			LYNCEDGE_CMD_ADD_PREFIXES, LYNCEDGE_CMD_DEL_PREFIXES,
			LYNCEDGE_CMD_FLUSH_SET,
		};
		size_t m;

		cur = b;
		m = msg_start(&DG, fam_id, NLM_F_REQUEST | NLM_F_ACK, c[below(3)],
			      LYNCEDGE_GENL_VERSION);
		attr_u8(&DG, LYNCEDGE_A_SET, set);
		if (DG.d[NLMSG_HDRLEN] != LYNCEDGE_CMD_FLUSH_SET)
			put_prefixes(&DG, set, 1, DG.d[NLMSG_HDRLEN] ==
				     LYNCEDGE_CMD_DEL_PREFIXES);
		msg_end(&DG, m);
		st.generated++;
		eval_datagram(b, DG.d, DG.len);
		run_datagram(b, false);
	} else {
		batch(b);
	}
	free(DG.d);
	for (i = 0; i < B.cap; i++)
		free(B.e[i].dumped.v);
	free(B.e);
	B = saved;
	DG = dg;
	if (failed)
		return;
	st.interrupts++;
	collect(a, false);
}

/*
 * Close a socket in the middle of things: with a transaction that staged
 * changes (which must then never apply), with a dump started and maybe
 * half read. The model forgets both; later checks prove the kernel did.
 */
static void close_scenario(void)
{
	struct nsock *s = &socks[below(NSOCKS)];

	cur = s;
	if (chance(500)) {
		unsigned int i, n = between(1, 6);
		size_t m;

		DG.len = 0;
		m = msg_start(&DG, fam_id, NLM_F_REQUEST | NLM_F_ACK,
			      LYNCEDGE_CMD_TXN_BEGIN, LYNCEDGE_GENL_VERSION);
		msg_end(&DG, m);
		st.generated++;
		txn_reset(&s->txn, true);	/* for the TXN flags below */
		for (i = 0; i < n; i++) {
			static const int c[] = {
				LYNCEDGE_CMD_ADD_PREFIXES, LYNCEDGE_CMD_DEL_PREFIXES,
				LYNCEDGE_CMD_CONFIGURE, LYNCEDGE_CMD_FLUSH_SET,
			};

			gen_valid(&DG, c[below(4)]);
			align4(&DG);
			st.generated++;
		}
		txn_reset(&s->txn, false);
		eval_datagram(s, DG.d, DG.len);
		run_datagram(s, false);
		if (failed)
			return;
		st.closes_txn++;
		st.txn_abandoned += s->txn.open;
	} else {
		int set = below(SETS);

		if (chance(500))
			grow_set(s, set, 2000);
		if (failed || !budget_left())
			return;
		dump_request(s, set);
		eval_datagram(s, DG.d, DG.len);
		if (!send_datagram(s))
			return;
		if (chance(500)) {
			/* Read a part, which makes the kernel dump the next. */
			recv_wait(s->fd, rbuf, sizeof(rbuf), 0, 1000);
		}
		st.closes_dump++;
	}
	sock_reopen(s);
}

/* Dumps read through a tiny receive buffer and with short reads. */
static void tiny_dump(void)
{
	struct nsock t = {};
	int set = below(SETS);

	t.fd = nl_socket(-between(1, 4096), &t.portid, &t.rcvbuf, &t.sndbuf);
	if (chance(300))
		grow_set(&socks[0], set, 1000);
	if (failed || !budget_left()) {
		close(t.fd);
		return;
	}
	dump_request(&t, set);
	eval_datagram(&t, DG.d, DG.len);
	run_datagram(&t, true);
	st.tiny_dumps++;
	close(t.fd);
}

/* Read back everything the model holds, and compare. */
static void verify_all(struct nsock *s)
{
	int set;
	size_t m;

	DG.len = 0;
	cur = s;
	m = msg_start(&DG, fam_id, NLM_F_REQUEST | NLM_F_ACK,
		      LYNCEDGE_CMD_GET_CONFIG, LYNCEDGE_GENL_VERSION);
	msg_end(&DG, m);
	eval_datagram(s, DG.d, DG.len);
	run_datagram(s, false);
	for (set = 0; set < SETS && !failed; set++) {
		DG.len = 0;
		m = msg_start(&DG, fam_id, NLM_F_REQUEST | NLM_F_DUMP,
			      LYNCEDGE_CMD_GET_PREFIXES, LYNCEDGE_GENL_VERSION);
		attr_u8(&DG, LYNCEDGE_A_SET, set);
		msg_end(&DG, m);
		eval_datagram(s, DG.d, DG.len);
		run_datagram(s, false);
	}
}

static void on_state_dump(const uint8_t *m, uint32_t len, void *arg)
{
	struct exp e = {};
	int set = *(int *)arg;
	uint32_t i;

	e.set = set;
	take_prefixes(&e, m, len);
	for (i = 0; i < e.dumped.n; i++)
		pset_add(&M.sets[set], &e.dumped.v[i]);
	free(e.dumped.v);
}

static void on_state_config(const uint8_t *m, uint32_t len, void *arg)
{
	const uint8_t *a;
	int rem;

	(void)arg;
	for_each_attr(a, m + NLMSG_HDRLEN + GENL_HDRLEN,
		      len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		switch (ATYPE(a)) {
		case LYNCEDGE_A_MODE:
			M.mode = *ADATA(a);
			break;
		case LYNCEDGE_A_LOG:
			M.log = *ADATA(a);
			break;
		case LYNCEDGE_A_PROFILES:
			M.profiles = rd32(ADATA(a));
			break;
		case LYNCEDGE_A_GENERATION:
			M.gen = rd32(ADATA(a));
			M.gen_known = true;
			break;
		}
	}
}

static int read_state(int fd)
{
	int set, err;

	for (set = 0; set < SETS; set++) {
		struct buf b = {};
		size_t m = msg_start(&b, fam_id, NLM_F_REQUEST | NLM_F_DUMP,
				     LYNCEDGE_CMD_GET_PREFIXES, LYNCEDGE_GENL_VERSION);

		attr_u8(&b, LYNCEDGE_A_SET, set);
		msg_end(&b, m);
		pset_clear(&M.sets[set]);
		err = request(fd, &b, on_state_dump, &set);
		free(b.d);
		if (err)
			return err;
	}
	{
		struct buf b = {};
		size_t m = msg_start(&b, fam_id, NLM_F_REQUEST | NLM_F_ACK,
				     LYNCEDGE_CMD_GET_CONFIG, LYNCEDGE_GENL_VERSION);

		msg_end(&b, m);
		err = request(fd, &b, on_state_config, NULL);
		free(b.d);
	}
	return err;
}

/* Leave every empty set with a few prefixes: save has something to say. */
static void populate(struct nsock *s)
{
	int set;

	for (set = 0; set < SETS && !failed; set++) {
		size_t m, nest;
		unsigned int k, n = between(1, 4);

		if (M.sets[set].n)
			continue;
		DG.len = 0;
		cur = s;
		m = msg_start(&DG, fam_id, NLM_F_REQUEST | NLM_F_ACK,
			      LYNCEDGE_CMD_ADD_PREFIXES, LYNCEDGE_GENL_VERSION);
		attr_u8(&DG, LYNCEDGE_A_SET, set);
		nest = nest_start(&DG, LYNCEDGE_A_PREFIXES | NLA_F_NESTED);
		for (k = 0; k < n; k++) {
			struct pfx p = gen_prefix(rand_fam());

			put_prefix(&DG, LYNCEDGE_PREFIXES_A_PREFIX, &p, 0);
		}
		nest_end(&DG, nest);
		msg_end(&DG, m);
		eval_datagram(s, DG.d, DG.len);
		run_datagram(s, false);
	}
}

static void read_max_prefixes(void)
{
	FILE *f = fopen("/sys/module/nf_lyncedge/parameters/max_prefixes", "r");

	if (f) {
		if (fscanf(f, "%u", &max_prefixes) != 1)
			max_prefixes = 1000000;
		fclose(f);
	}
}

static void print_stats(double secs)
{
	static const int errs[] = {
		EINVAL, ERANGE, EOPNOTSUPP, EPERM, ENOENT, EBUSY, ENOSPC,
	};
	unsigned int i;

	printf("# nlfuzz: %lu messages handled by the kernel in %.1f s, %.0f/s "
	       "(%lu generated, in %lu datagrams, %lu huge)\n", st.kernel_msgs,
	       secs, secs > 0 ? st.kernel_msgs / secs : 0, st.generated,
	       st.datagrams, st.batches_huge);
	printf("# nlfuzz: %lu accepted, %lu refused, %lu not requests; "
	       "a broken nlmsg_len ended %lu datagrams early\n",
	       st.ok, st.refused, st.no_request, st.framing_cut);
	printf("# nlfuzz: refusals:");
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		printf(" %s %lu", strerrorname_np(errs[i]), st.err_hist[errs[i]]);
	printf("\n# nlfuzz: per command accepted/refused:");
	for (i = 1; i <= LYNCEDGE_CMD_MAX; i++)
		printf(" %u:%lu/%lu", i, st.cmd_ok[i], st.cmd_refused[i]);
	printf("\n# nlfuzz: dumps %lu (%lu interrupted, %lu prefixes), tiny-buffer "
	       "dumps %lu, interrupt scenarios %lu; commits %lu (%lu refused); "
	       "closes with a transaction %lu, with a dump %lu; garbage %lu; "
	       "member hits %lu, explains touching the edge %lu\n",
	       st.dumps_done, st.dumps_intr, st.dump_prefixes, st.tiny_dumps,
	       st.interrupts, st.txn_commits, st.txn_commit_fail, st.closes_txn,
	       st.closes_dump, st.garbage, st.members_true, st.explain_edge);
	if (opt_mode == MODE_RACE)
		printf("# nlfuzz: the family was gone for %lu requests, looked up %lu times\n",
		       st.family_gone, st.relookups);
	if (opt_mode == MODE_MODEL) {
		unsigned long n = 0;

		for (i = 0; i < SETS; i++)
			n += M.sets[i].n;
		printf("# nlfuzz: the namespace holds %lu prefixes; mode %d log %d "
		       "profiles 0x%x generation %u\n", n, M.mode, M.log,
		       M.profiles, M.gen);
	}
}

/*
 * A fuzzer that never got a command accepted, or never refused, tested
 * less than it claims: in model mode each command must have seen both
 * (given enough messages); in foreign mode none may have been accepted.
 */
static bool coverage_ok(void)
{
	bool ok = true;
	int c;

	if (opt_mode == MODE_FOREIGN) {
		if (!st.err_hist[EPERM]) {
			printf("# nlfuzz: no request was refused with EPERM\n");
			ok = false;
		}
		return ok;
	}
	if (opt_mode != MODE_MODEL || opt_count < 5000)
		return true;
	for (c = 1; c <= LYNCEDGE_CMD_MAX; c++) {
		bool refusable = c != LYNCEDGE_CMD_TXN_ABORT &&
				 c != LYNCEDGE_CMD_RESET_COUNTERS &&
				 c != LYNCEDGE_CMD_TXN_BEGIN &&
				 c != LYNCEDGE_CMD_GET_CONFIG;

		if (!st.cmd_ok[c] || (refusable && !st.cmd_refused[c])) {
			printf("# nlfuzz: command %d was never %s\n", c,
			       st.cmd_ok[c] ? "refused" : "accepted");
			ok = false;
		}
	}
	if (!st.dumps_intr || !st.framing_cut || !st.txn_commits) {
		printf("# nlfuzz: no interrupted dump, cut datagram or commit\n");
		ok = false;
	}
	return ok;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nlfuzz [-m model|foreign|race] [-n COUNT] [-s SEED] [-t SECONDS]\n"
		"              [-d SECONDS] [-P] [-v]\n"
		"       nlfuzz --policy | --generation\n"
		"  -m  model: check every answer against a model of the namespace (default);\n"
		"      foreign: no CAP_NET_ADMIN here, nothing may succeed;\n"
		"      race: others change things, check only what no race can\n"
		"  -n  messages to send (default 100000)\n"
		"  -s  seed (default: from the clock; printed)\n"
		"  -t  seconds to wait for an answer before calling it a hang (30)\n"
		"  -d  race: stop after this many seconds too\n"
		"  -P  leave every empty set with a few prefixes at the end\n"
		"  --policy  print the family's policy as the kernel reports it\n"
		"  --generation  print the namespace's configuration generation\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policy", no_argument, NULL, 'p' },
		{ "generation", no_argument, NULL, 'g' },
		{}
	};
	unsigned long gone_at_lookup = 0;
	double t0;
	int c, ctl, err;
	bool seeded = false;

	while ((c = getopt_long(argc, argv, "m:n:s:t:d:Pv", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "model"))
				opt_mode = MODE_MODEL;
			else if (!strcmp(optarg, "foreign"))
				opt_mode = MODE_FOREIGN;
			else if (!strcmp(optarg, "race"))
				opt_mode = MODE_RACE;
			else
				usage();
			break;
		case 'n':
			opt_count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			opt_seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 't':
			opt_timeout = atoi(optarg);
			break;
		case 'd':
			opt_duration = atof(optarg);
			break;
		case 'P':
			opt_populate = true;
			break;
		case 'v':
			opt_verbose++;
			break;
		case 'p':
			opt_policy = true;
			break;
		case 'g':
			opt_generation = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || opt_timeout <= 0)
		usage();
	if (opt_generation) {
		/* GET_CONFIG's GENERATION moves with every change, even one
		 * that leaves "save" as it was (a flush of an empty set). */
		ctl = nl_socket(0, NULL, NULL, NULL);
		err = resolve_family(ctl);
		if (!err) {
			struct buf b = {};
			size_t m = msg_start(&b, fam_id, NLM_F_REQUEST | NLM_F_ACK,
					     LYNCEDGE_CMD_GET_CONFIG,
					     LYNCEDGE_GENL_VERSION);

			msg_end(&b, m);
			M.gen_known = false;
			err = request(ctl, &b, on_state_config, NULL);
		}
		if (!err && !M.gen_known)
			err = -EPROTO;
		if (err)
			die("get-config: %s", strerror(-err));
		printf("%u\n", M.gen);
		return 0;
	}
	if (!seeded)
		opt_seed = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid() << 16;
	rng = opt_seed;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!opt_policy)
		printf("# nlfuzz: seed %" PRIu64 " mode %s count %lu\n", opt_seed,
		       opt_mode == MODE_MODEL ? "model" : opt_mode == MODE_FOREIGN ?
		       "foreign" : "race", opt_count);

	ctl = nl_socket(0, NULL, NULL, NULL);
	t0 = now();
	for (;;) {
		err = resolve_family(ctl);
		if (!err)
			err = fetch_policy(ctl);
		if (!err || opt_mode != MODE_RACE || now() - t0 > opt_timeout)
			break;
		usleep(100000);	/* race: the module may be on its way back */
	}
	if (err)
		die("family %s: %s", LYNCEDGE_GENL_NAME, strerror(-err));
	if (opt_policy) {
		print_policy(stdout);
		return 0;
	}
	if (opt_verbose)
		print_policy(stdout);
	read_max_prefixes();
	make_anchors();
	perm_ok = opt_mode != MODE_FOREIGN;
	loose = opt_mode == MODE_RACE;
	M.profiles = 1;
	if (opt_mode == MODE_MODEL) {
		err = read_state(ctl);
		if (err)
			die("reading the namespace's configuration: %s", strerror(-err));
	}
	for (c = 0; c < NSOCKS; c++)
		sock_open(&socks[c]);

	t0 = now();
	while (budget_left() && !failed) {
		uint32_t r = below(1000);

		if (opt_duration > 0 && now() - t0 > opt_duration)
			break;
		if (opt_mode == MODE_RACE &&
		    (!fam_id || st.family_gone > gone_at_lookup + 20)) {
			/* The module went away and maybe came back, with
			 * another id. Without a policy nothing can be
			 * expected: the family counts as absent then. */
			st.relookups++;
			gone_at_lookup = st.family_gone;
			if (resolve_family(ctl) || fetch_policy(ctl))
				fam_id = 0;
		}
		if (opt_mode == MODE_MODEL && r < 25)
			interrupted_dump();
		else if (r < 50)
			close_scenario();
		else if (r < 65 && opt_mode == MODE_MODEL)
			tiny_dump();
		else if (r < 90)
			garbage(&socks[below(NSOCKS)]);
		else
			batch(&socks[below(NSOCKS)]);
	}
	if (!failed && opt_mode == MODE_MODEL) {
		if (opt_populate)
			populate(&socks[0]);
		if (!failed)
			verify_all(&socks[0]);
	}
	print_stats(now() - t0);
	if (failed)
		return 1;
	if (!coverage_ok())
		return 1;
	printf("# nlfuzz: pass\n");
	return 0;
}
