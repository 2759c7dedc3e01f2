// SPDX-License-Identifier: GPL-2.0
/*
 * Host micro-benchmark of the matching core's set lookup, side by side with
 * a naive linear scan of the same prefixes, in the same run.
 *
 *   core_bench [--csv] [SIZE...]
 *                    ns per lookup for sets of 10..100,000 prefixes (or the
 *                    SIZEs given), lyncedge vs linear; --csv prints
 *                    "prefixes,impl,ns_per_lookup" rows instead of the
 *                    table
 *   core_bench --only N LOOKUPS [--linear]
 *                    build the N-prefix set and do LOOKUPS lookups with
 *                    lyncedge (or the linear scan), untimed: for callgrind,
 *                    whose instruction counts do not drift with load
 *   core_bench --verdict [--csv] [PREFIXES]
 *                    ns per verdict of lyncedge_classify() on the first
 *                    packets of new flows, an Edge's external traffic
 *                    (see flow_classes), with pic alone and with every
 *                    profile enabled, the same tuples and sets, in
 *                    alternating rounds; PREFIXES (default 100,000, smoke
 *                    1000) in each of partners, clients and messenger.
 *                    --csv prints "prefixes,profiles,rows,ns_per_verdict,
 *                    ns_median,allowed_share" rows (ns_per_verdict: the
 *                    fastest round)
 *   core_bench --only-verdict pic|all PREFIXES VERDICTS [--classes]
 *                    the same setup, VERDICTS verdicts untimed, each through
 *                    a function of its flow class (callgrind); --classes
 *                    prints how many verdicts each class had
 *
 * Sets are mixed IPv4/IPv6, distinct and NON-overlapping (no prefix covers
 * another), prefix lengths spread over /8../32 and /16../128 by the rules
 * of gen_prefixes.py: an even share per length, capped at 1% of the
 * family's space per length, so big IPv4 sets lean to long prefixes. Nearly
 * every prefix is then a lookup range of its own (adjacent ones fold: under
 * 1%), the case that makes a set biggest.
 * Lookups are random addresses, half IPv4, half IPv6: most of them miss
 * (the hit rate is printed), as the traffic of a gateway mostly does.
 *
 * BENCH_SMOKE=1 in the environment: sizes 10 and 1000, short timings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prefixset.h"
#include "table.h"
#include "reference.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define SEED 20131101
#define MAX_SHARE_DIV 100	/* a length covers at most 1/100 of the space */

/* Lookups are timed over at least this long (seconds), and at least... */
static double budget = 0.25;
/* ...this many lookups, in chunks of this many between clock reads. */
enum { MIN_LOOKUPS = 64, CHUNK = 16, NR_ADDRS = 4096 };

static u32 length_cap(unsigned int len)
{
	/* 2^len / 100, saturated: only the short lengths are ever capped. */
	if (len >= 40)
		return ~0U;
	return (u32)((1ULL << len) / MAX_SHARE_DIV);
}

/* How many prefixes of each length: even shares, capped, water-filled. */
static void quotas(u32 n, unsigned int lmin, unsigned int lmax, u32 *count)
{
	unsigned int nr_open = lmax - lmin + 1, len;
	bool open[129] = {};
	u32 left = n;

	for (len = lmin; len <= lmax; len++) {
		open[len] = true;
		count[len] = 0;
	}
	/* The capped lengths are the shortest: fill them first. */
	for (len = lmin; len <= lmax && nr_open; len++) {
		if (length_cap(len) > left / nr_open)
			break;
		count[len] = length_cap(len);
		left -= count[len];
		open[len] = false;
		nr_open--;
	}
	if (!nr_open) {
		fprintf(stderr, "core_bench: %u prefixes do not fit\n", n);
		exit(1);
	}
	for (len = lmin; len <= lmax; len++)
		if (open[len])
			count[len] = left / nr_open;
	left -= left / nr_open * nr_open;
	/* The remainder: one more for some open lengths, at random. */
	while (left) {
		len = lmin + rng() % (lmax - lmin + 1);
		if (open[len] && count[len] < length_cap(len)) {
			count[len]++;
			open[len] = false;
			left--;
		}
	}
}

static struct lyncedge_prefix random_prefix(u8 family, u8 len)
{
	if (family == LYNCEDGE_IPV4)
		return masked(prefix4((u32)rng(), len));
	return masked(prefix6(rng(), rng(), len));
}

/* The last address a prefix covers. */
static struct lyncedge_addr last_of(const struct lyncedge_prefix *p)
{
	struct lyncedge_addr a = p->addr;

	if (a.family == LYNCEDGE_IPV4) {
		a.v4 |= p->len ? ~(~0U << (32 - p->len)) : ~0U;
	} else if (p->len <= 64) {
		a.v6.hi |= p->len ? ~(~0ULL << (64 - p->len)) : ~0ULL;
		a.v6.lo = ~0ULL;
	} else {
		a.v6.lo |= p->len < 128 ? ~(~0ULL << (128 - p->len)) : 0;
	}
	return a;
}

static int cmp_addr(const struct lyncedge_addr *a, const struct lyncedge_addr *b)
{
	if (a->family == LYNCEDGE_IPV4)
		return a->v4 < b->v4 ? -1 : a->v4 > b->v4;
	if (a->v6.hi != b->v6.hi)
		return a->v6.hi < b->v6.hi ? -1 : 1;
	return a->v6.lo < b->v6.lo ? -1 : a->v6.lo > b->v6.lo;
}

/* Address order, the shorter (wider) prefix first at the same address. */
static int cmp_start(const void *x, const void *y)
{
	const struct lyncedge_prefix *a = x, *b = y;
	int c = cmp_addr(&a->addr, &b->addr);

	return c ? c : (int)a->len - (int)b->len;
}

/*
 * n non-overlapping prefixes of one family into out: draw every length's
 * quota at random, sort, drop each prefix that starts inside the one kept
 * before it and draw it again at the same length, until none is dropped.
 */
static void gen_family(struct lyncedge_prefix *out, u32 n, u8 family)
{
	unsigned int lmin = family == LYNCEDGE_IPV4 ? 8 : 16;
	unsigned int lmax = family == LYNCEDGE_IPV4 ? 32 : 128, len;
	u8 *pending = malloc(n ? n : 1);
	u32 count[129], nr_pending = 0, nr_kept = 0, i, j;

	if (!pending)
		abort();
	quotas(n, lmin, lmax, count);
	for (len = lmin; len <= lmax; len++)
		for (i = 0; i < count[len]; i++)
			pending[nr_pending++] = len;
	while (nr_pending) {
		for (i = 0; i < nr_pending; i++)
			out[nr_kept + i] = random_prefix(family, pending[i]);
		qsort(out, nr_kept + nr_pending, sizeof(*out), cmp_start);
		nr_pending = 0;
		for (i = 0, j = 0; i < n; i++) {
			struct lyncedge_addr end;

			if (j) {
				end = last_of(&out[j - 1]);
				if (cmp_addr(&out[i].addr, &end) <= 0) {
					pending[nr_pending++] = out[i].len;
					continue;
				}
			}
			out[j++] = out[i];
		}
		nr_kept = j;
	}
	free(pending);
}

/* A mixed set of n prefixes (the odd one IPv6), in random order. */
static struct lyncedge_prefix *make_prefixes_seeded(u32 n, u64 seed)
{
	struct lyncedge_prefix *list = malloc((size_t)(n ? n : 1) * sizeof(*list));
	u32 i;

	if (!list)
		abort();
	rng_seed(seed);
	gen_family(list, n / 2, LYNCEDGE_IPV4);
	gen_family(list + n / 2, n - n / 2, LYNCEDGE_IPV6);
	for (i = n; i > 1; i--) {
		u32 k = rng() % i;
		struct lyncedge_prefix t = list[i - 1];

		list[i - 1] = list[k];
		list[k] = t;
	}
	return list;
}

static struct lyncedge_prefix *make_prefixes(u32 n)
{
	return make_prefixes_seeded(n, SEED + n);
}

static struct lyncedge_addr bench_address(void)
{
	u64 r = rng();

	if (r & 1)
		return addr4((u32)rng());
	return addr6(rng(), rng());
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The compiler must not drop lookups whose result is unused. */
static volatile unsigned int sink;

/*
 * Not inlined, so that callgrind can count each alone (the set lookup is
 * inline in prefixset.h, for the packet path).
 */
__attribute__((noinline))
static bool set_contains(const struct lyncedge_set *set,
			 const struct lyncedge_addr *a)
{
	return lyncedge_set_contains(set, a);
}

__attribute__((noinline))
static bool linear_contains(const struct lyncedge_prefix *list, u32 n,
			    const struct lyncedge_addr *a)
{
	return naive_contains(list, n, a);
}

static double ns_per_lookup(const struct lyncedge_set *set,
			    const struct lyncedge_prefix *list, u32 n,
			    const struct lyncedge_addr *addrs, bool linear)
{
	double start = now_ns(), elapsed;
	unsigned int hits = 0;
	u64 done = 0;
	u32 i, k = 0;

	/* Cycle through the addresses until the budget is spent. */
	do {
		for (i = 0; i < CHUNK; i++, k = (k + 1) % NR_ADDRS)
			hits += linear ? linear_contains(list, n, &addrs[k]) :
					 set_contains(set, &addrs[k]);
		done += CHUNK;
		elapsed = now_ns() - start;
	} while (elapsed < budget * 1e9 || done < MIN_LOOKUPS);
	sink = hits;
	return elapsed / done;
}

static int run_only(u32 n, u32 lookups, bool linear)
{
	struct lyncedge_prefix *list = make_prefixes(n);
	struct lyncedge_set *set = set_of(list, n);
	unsigned int hits = 0;
	u32 i;

	for (i = 0; i < lookups; i++) {
		struct lyncedge_addr a = bench_address();

		hits += linear ? linear_contains(list, n, &a) :
				 set_contains(set, &a);
	}
	sink = hits;
	lyncedge_set_free(set);
	free(list);
	return 0;
}

/* ---- The verdict per new flow: pic alone against every profile ---- */

/*
 * An Edge with three external addresses a family: the Access Edge's is in
 * edge (access is empty, so it stands for edge), the Web Conferencing and
 * A/V Edges' in webconf and av. partners, clients and messenger hold n
 * prefixes each, generated as above with seeds of their own.
 */
#define EDGE4		0xcb00710aU	/* 203.0.113.10 */
#define WEBCONF4	0xcb00710bU	/* 203.0.113.11 */
#define AV4		0xcb00710cU	/* 203.0.113.12 */
#define EDGE6_HI	0x20010db8000e0000ULL	/* 2001:db8:e::10, ::11, ::12 */
#define EDGE6_LO	0x10ULL
#define WEBCONF6_LO	0x11ULL
#define AV6_LO		0x12ULL

enum { NR_TUPLES = 16384, VERDICT_ROUNDS = 15 };

enum { PEER_PARTNERS, PEER_CLIENTS, PEER_MESSENGER, NR_PEERS };

static const u8 peer_set[NR_PEERS] = {
	LYNCEDGE_SET_PARTNERS, LYNCEDGE_SET_CLIENTS, LYNCEDGE_SET_MESSENGER,
};

/*
 * The traffic of an Edge's external interface, first packets of new flows
 * only (what reaches the rows), by share of flows. A "peer" of a set is
 * half the time an address inside one of its prefixes, half the time any
 * address (so mostly outside it): the public IM providers and partners are
 * a part of the Internet, not all of it. Source ports are ephemeral
 * (1024..65535, so about 15 % of them fall in the A/V range, as they do),
 * except where the A/V Edge uses its own range.
 */
enum flow_class {
	SIP_TLS_IN,	/* a client or remote user -> access, TCP 443 */
	PSOM_IN,	/* anyone -> webconf, TCP 443 */
	TURN_TCP_IN,	/* anyone -> av, TCP 443 */
	STUN_OUT,	/* av -> messenger peer, UDP 3478 */
	STUN_IN,	/* messenger peer -> av, UDP 3478 */
	RTP_TCP_SPORT,	/* av, source port 50000..59999 -> messenger peer, TCP 443 */
	RTP_TCP_DPORT,	/* av -> messenger peer, TCP 50000..59999 */
	RTP_UDP_OUT,	/* av, source port 50000..59999 -> anyone, UDP 50000..59999 */
	SIP_MTLS_IN,	/* partners peer -> access, TCP 5061 */
	SIP_MTLS_OUT,	/* access -> partners peer, TCP 5061 */
	DNS_OUT,	/* access -> anyone, UDP 53 (5 in 6) or TCP 53 */
	CRL_OUT,	/* access -> anyone, TCP 80 */
	XMPP,		/* anyone <-> access, TCP 5269, either way */
	SCAN,		/* anyone -> any edge address, any TCP or UDP port */
	NR_CLASSES
};

static const struct {
	const char *name;
	unsigned int weight;	/* flows in 100 */
} flow_classes[NR_CLASSES] = {
	[SIP_TLS_IN] = { "sip-tls-in", 25 },
	[PSOM_IN] = { "psom-in", 5 },
	[TURN_TCP_IN] = { "turn-tcp-in", 5 },
	[STUN_OUT] = { "stun-out", 10 },
	[STUN_IN] = { "stun-in", 10 },
	[RTP_TCP_SPORT] = { "rtp-tcp-sport", 10 },
	[RTP_TCP_DPORT] = { "rtp-tcp-dport", 5 },
	[RTP_UDP_OUT] = { "rtp-udp-out", 3 },
	[SIP_MTLS_IN] = { "sip-mtls-in", 5 },
	[SIP_MTLS_OUT] = { "sip-mtls-out", 5 },
	[DNS_OUT] = { "dns-out", 6 },
	[CRL_OUT] = { "crl-out", 2 },
	[XMPP] = { "xmpp", 2 },
	[SCAN] = { "scan", 7 },
};

struct verdict_bench {
	u32 n;
	struct lyncedge_prefix *peers[NR_PEERS];
	const struct lyncedge_set *sets[LYNCEDGE_SET_COUNT];
	struct lyncedge_tuple *tuples;
	u8 *klass;		/* each tuple's enum flow_class */
};

static struct lyncedge_addr edge_addr(bool v6, u64 lo6, u32 v4)
{
	return v6 ? addr6(EDGE6_HI, lo6) : addr4(v4);
}

static struct lyncedge_addr any_addr(bool v6)
{
	return v6 ? addr6(rng(), rng()) : addr4((u32)rng());
}

/* An address of family v6 that is, half the time, in one of list's prefixes. */
static struct lyncedge_addr peer_addr(const struct verdict_bench *vb, int peer,
				      bool v6)
{
	u8 family = v6 ? LYNCEDGE_IPV6 : LYNCEDGE_IPV4;
	struct lyncedge_prefix p;

	if (!vb->n || rng() & 1)
		return any_addr(v6);
	do
		p = vb->peers[peer][rng() % vb->n];
	while (p.addr.family != family);
	/* Random host bits under the prefix. */
	if (!v6) {
		p.addr.v4 |= (u32)rng() & (p.len ? ~(~0U << (32 - p.len)) : ~0U);
	} else if (p.len <= 64) {
		p.addr.v6.hi |= rng() & (p.len ? ~(~0ULL << (64 - p.len)) : ~0ULL);
		p.addr.v6.lo = rng();
	} else {
		p.addr.v6.lo |= rng() & (p.len < 128 ? ~(~0ULL << (128 - p.len)) : 0);
	}
	return p.addr;
}

static u16 ephemeral(void)
{
	return 1024 + rng() % (65536 - 1024);
}

static u16 av_port(void)
{
	return 50000 + rng() % 10000;
}

static struct lyncedge_tuple make_tuple(const struct verdict_bench *vb,
					enum flow_class c)
{
	bool v6 = rng() & 1, out;
	struct lyncedge_addr access = edge_addr(v6, EDGE6_LO, EDGE4);
	struct lyncedge_addr webconf = edge_addr(v6, WEBCONF6_LO, WEBCONF4);
	struct lyncedge_addr av = edge_addr(v6, AV6_LO, AV4);
	struct lyncedge_tuple t = {
		.proto = IPPROTO_TCP, .ct_state = LYNCEDGE_CT_NEW,
		.sport = ephemeral(),
	};

	switch (c) {
	case SIP_TLS_IN:
		t.src = peer_addr(vb, PEER_CLIENTS, v6);
		t.dst = access;
		t.dport = 443;
		break;
	case PSOM_IN:
		t.src = any_addr(v6);
		t.dst = webconf;
		t.dport = 443;
		break;
	case TURN_TCP_IN:
		t.src = any_addr(v6);
		t.dst = av;
		t.dport = 443;
		break;
	case STUN_OUT:
	case STUN_IN:
		out = c == STUN_OUT;
		t.proto = IPPROTO_UDP;
		t.src = out ? av : peer_addr(vb, PEER_MESSENGER, v6);
		t.dst = out ? peer_addr(vb, PEER_MESSENGER, v6) : av;
		t.dport = 3478;
		break;
	case RTP_TCP_SPORT:
		t.src = av;
		t.dst = peer_addr(vb, PEER_MESSENGER, v6);
		t.sport = av_port();
		t.dport = 443;
		break;
	case RTP_TCP_DPORT:
		t.src = av;
		t.dst = peer_addr(vb, PEER_MESSENGER, v6);
		t.dport = av_port();
		break;
	case RTP_UDP_OUT:
		t.proto = IPPROTO_UDP;
		t.src = av;
		t.dst = any_addr(v6);
		t.sport = av_port();
		t.dport = av_port();
		break;
	case SIP_MTLS_IN:
	case SIP_MTLS_OUT:
		out = c == SIP_MTLS_OUT;
		t.src = out ? access : peer_addr(vb, PEER_PARTNERS, v6);
		t.dst = out ? peer_addr(vb, PEER_PARTNERS, v6) : access;
		t.dport = 5061;
		break;
	case DNS_OUT:
		t.proto = rng() % 6 ? IPPROTO_UDP : IPPROTO_TCP;
		t.src = access;
		t.dst = any_addr(v6);
		t.dport = 53;
		break;
	case CRL_OUT:
		t.src = access;
		t.dst = any_addr(v6);
		t.dport = 80;
		break;
	case XMPP:
		out = rng() & 1;
		t.src = out ? access : any_addr(v6);
		t.dst = out ? any_addr(v6) : access;
		t.dport = 5269;
		break;
	default:
		t.proto = rng() & 1 ? IPPROTO_UDP : IPPROTO_TCP;
		t.src = any_addr(v6);
		switch (rng() % 3) {
		case 0:
			t.dst = access;
			break;
		case 1:
			t.dst = webconf;
			break;
		default:
			t.dst = av;
		}
		t.dport = 1 + rng() % 65535;
		break;
	}
	return t;
}

static void verdict_setup(struct verdict_bench *vb, u32 n)
{
	struct lyncedge_prefix edge[2] = {
		prefix4(EDGE4, 32), prefix6(EDGE6_HI, EDGE6_LO, 128),
	}, webconf[2] = {
		prefix4(WEBCONF4, 32), prefix6(EDGE6_HI, WEBCONF6_LO, 128),
	}, av[2] = {
		prefix4(AV4, 32), prefix6(EDGE6_HI, AV6_LO, 128),
	};
	unsigned int total = 0, i, c, k;

	memset(vb, 0, sizeof(*vb));
	vb->n = n;
	lyncedge_table_init();
	for (i = 0; i < NR_PEERS; i++) {
		vb->peers[i] = make_prefixes_seeded(n, SEED + 1000 * (i + 1) + n);
		vb->sets[peer_set[i]] = set_of(vb->peers[i], n);
	}
	vb->sets[LYNCEDGE_SET_EDGE] = set_of(edge, 2);
	vb->sets[LYNCEDGE_SET_WEBCONF] = set_of(webconf, 2);
	vb->sets[LYNCEDGE_SET_AV] = set_of(av, 2);
	/* A peer set covering an edge address would change the mix. */
	for (i = 0; i < NR_PEERS; i++)
		for (k = 0; k < 2; k++)
			if (lyncedge_set_contains(vb->sets[peer_set[i]], &edge[k].addr) ||
			    lyncedge_set_contains(vb->sets[peer_set[i]], &webconf[k].addr) ||
			    lyncedge_set_contains(vb->sets[peer_set[i]], &av[k].addr)) {
				fprintf(stderr, "core_bench: a generated set covers an edge address\n");
				exit(1);
			}

	vb->tuples = malloc(NR_TUPLES * sizeof(*vb->tuples));
	vb->klass = malloc(NR_TUPLES);
	if (!vb->tuples || !vb->klass)
		abort();
	for (c = 0; c < NR_CLASSES; c++)
		total += flow_classes[c].weight;
	/* The classes by their shares, in random order. */
	rng_seed(SEED ^ 0x7e57);
	for (i = 0; i < NR_TUPLES; i++) {
		unsigned int pick = rng() % total;

		for (c = 0; pick >= flow_classes[c].weight; c++)
			pick -= flow_classes[c].weight;
		vb->tuples[i] = make_tuple(vb, c);
		vb->klass[i] = c;
	}
}

static void verdict_teardown(struct verdict_bench *vb)
{
	unsigned int i;

	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		lyncedge_set_free((struct lyncedge_set *)vb->sets[i]);
	for (i = 0; i < NR_PEERS; i++)
		free(vb->peers[i]);
	free(vb->tuples);
	free(vb->klass);
}

static struct lyncedge_ruleset ruleset_of(const struct verdict_bench *vb,
					  u32 profiles)
{
	struct lyncedge_ruleset rs = { 0 };

	memcpy(rs.sets, vb->sets, sizeof(rs.sets));
	rs.rows = lyncedge_profile_rows(profiles);
	lyncedge_ruleset_prepare(&rs);
	return rs;
}

/* Not inlined: callgrind counts in here only. */
__attribute__((noinline))
static struct lyncedge_verdict classify_one(const struct lyncedge_ruleset *rs,
					    const struct lyncedge_tuple *t)
{
	return lyncedge_classify(rs, t);
}

/*
 * The same, one function a flow class, for --only-verdict: callgrind's
 * inclusive count of each tells what a verdict costs by class in the same
 * run (core_verdict.sh). noipa: GCC would otherwise fold the identical
 * functions into one, under one of their names.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define NOT_FOLDED __attribute__((noipa))
#else
#define NOT_FOLDED __attribute__((noinline))
#endif
#define CLASSIFY_CLASS(c)						\
NOT_FOLDED								\
static struct lyncedge_verdict						\
classify_class_##c(const struct lyncedge_ruleset *rs,			\
		   const struct lyncedge_tuple *t)			\
{									\
	return lyncedge_classify(rs, t);				\
}
CLASSIFY_CLASS(0) CLASSIFY_CLASS(1) CLASSIFY_CLASS(2) CLASSIFY_CLASS(3)
CLASSIFY_CLASS(4) CLASSIFY_CLASS(5) CLASSIFY_CLASS(6) CLASSIFY_CLASS(7)
CLASSIFY_CLASS(8) CLASSIFY_CLASS(9) CLASSIFY_CLASS(10) CLASSIFY_CLASS(11)
CLASSIFY_CLASS(12) CLASSIFY_CLASS(13)

static struct lyncedge_verdict
(*const classify_class[])(const struct lyncedge_ruleset *,
			  const struct lyncedge_tuple *) = {
	classify_class_0, classify_class_1, classify_class_2, classify_class_3,
	classify_class_4, classify_class_5, classify_class_6, classify_class_7,
	classify_class_8, classify_class_9, classify_class_10,
	classify_class_11, classify_class_12, classify_class_13,
};

_Static_assert(ARRAY_SIZE(classify_class) == NR_CLASSES,
	       "one classify_class_N per flow class");

static double ns_per_verdict(const struct lyncedge_ruleset *rs,
			     const struct lyncedge_tuple *tuples)
{
	double start = now_ns(), elapsed;
	unsigned int allowed = 0;
	u64 done = 0;
	u32 i, k = 0;

	do {
		for (i = 0; i < CHUNK; i++, k = (k + 1) % NR_TUPLES)
			allowed += classify_one(rs, &tuples[k]).kind ==
				   LYNCEDGE_PASS_RULE;
		done += CHUNK;
		elapsed = now_ns() - start;
	} while (elapsed < budget * 1e9 || done < MIN_LOOKUPS);
	sink = allowed;
	return elapsed / done;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double median_of(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const struct {
	const char *name;
	u32 profiles;
} verdict_profiles[] = {
	{ "pic", BIT(LYNCEDGE_PROFILE_PIC) },
	{ "all", LYNCEDGE_PROFILES_ALL },
};

static int profiles_from(const char *name, u32 *profiles)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(verdict_profiles); i++)
		if (!strcmp(name, verdict_profiles[i].name)) {
			*profiles = verdict_profiles[i].profiles;
			return 0;
		}
	return -1;
}

/*
 * The timed comparison: the same tuples and sets, pic alone and every
 * profile, in alternating rounds of budget/2 each. The figure is each
 * one's fastest round: other work on the machine only ever slows a round
 * down (as forward.sh reads its windows); the median round and the
 * median of the round-by-round differences are printed too.
 */
static int run_verdict(u32 n, bool csv, unsigned int rounds)
{
	enum { NR_P = ARRAY_SIZE(verdict_profiles) };
	double ns[NR_P][64], diff[64], fastest[NR_P], med[NR_P];
	unsigned int allowed[NR_P] = {}, per_class[NR_P][NR_CLASSES] = {};
	unsigned int in_class[NR_CLASSES] = {};
	struct lyncedge_ruleset rs[NR_P];
	struct verdict_bench vb;
	unsigned int p, r, i, c;

	if (rounds > 64)
		rounds = 64;
	verdict_setup(&vb, n);
	for (p = 0; p < NR_P; p++)
		rs[p] = ruleset_of(&vb, verdict_profiles[p].profiles);
	/* Which flows each allows, by class: what the mix is. */
	for (i = 0; i < NR_TUPLES; i++) {
		c = vb.klass[i];
		in_class[c]++;
		for (p = 0; p < NR_P; p++)
			if (lyncedge_classify(&rs[p], &vb.tuples[i]).kind ==
			    LYNCEDGE_PASS_RULE) {
				allowed[p]++;
				per_class[p][c]++;
			}
	}
	budget /= 2;
	for (r = 0; r < rounds; r++) {
		for (p = 0; p < NR_P; p++) {
			unsigned int q = r % 2 ? NR_P - 1 - p : p;

			ns[q][r] = ns_per_verdict(&rs[q], vb.tuples);
		}
		diff[r] = ns[NR_P - 1][r] - ns[0][r];
	}
	budget *= 2;
	for (p = 0; p < NR_P; p++) {
		med[p] = median_of(ns[p], rounds);
		fastest[p] = ns[p][0];	/* sorted by median_of() */
	}

	if (csv) {
		printf("prefixes,profiles,rows,ns_per_verdict,ns_median,allowed_share\n");
		for (p = 0; p < NR_P; p++)
			printf("%u,%s,%d,%.2f,%.2f,%.4f\n", n,
			       verdict_profiles[p].name,
			       __builtin_popcount(rs[p].rows), fastest[p],
			       med[p], (double)allowed[p] / NR_TUPLES);
		verdict_teardown(&vb);
		return 0;
	}
	printf("verdict per new flow: %u tuples of edge traffic, %u prefixes in each of\n"
	       "partners, clients and messenger, %u rounds\n", NR_TUPLES, n, rounds);
	printf("%10s %8s %5s %10s %10s %9s\n", "prefixes", "profiles", "rows",
	       "fastest ns", "median ns", "allowed");
	for (p = 0; p < NR_P; p++)
		printf("%10u %8s %5d %10.2f %10.2f %8.1f%%\n", n,
		       verdict_profiles[p].name, __builtin_popcount(rs[p].rows),
		       fastest[p], med[p], 100.0 * allowed[p] / NR_TUPLES);
	printf("all - pic, round by round: median %+.2f ns\n",
	       median_of(diff, rounds));
	printf("%14s %6s %8s %8s\n", "class", "flows", "pic", "all");
	for (c = 0; c < NR_CLASSES; c++) {
		unsigned int k = in_class[c] ? in_class[c] : 1;

		printf("%14s %5.1f%% %7.1f%% %7.1f%%\n", flow_classes[c].name,
		       100.0 * in_class[c] / NR_TUPLES,
		       100.0 * per_class[0][c] / k,
		       100.0 * per_class[NR_P - 1][c] / k);
	}
	verdict_teardown(&vb);
	return 0;
}

/*
 * For callgrind: COUNT verdicts over the tuples, untimed, each through the
 * function of its class (classify_class_N). --classes prints "CLASS NAME
 * VERDICTS" lines on stdout: how many of the COUNT were of each class.
 */
static int run_only_verdict(u32 profiles, u32 n, u32 count, bool classes)
{
	unsigned int allowed = 0, in_class[NR_CLASSES] = {};
	struct lyncedge_ruleset rs;
	struct verdict_bench vb;
	u32 i;

	verdict_setup(&vb, n);
	rs = ruleset_of(&vb, profiles);
	for (i = 0; i < count; i++) {
		u8 c = vb.klass[i % NR_TUPLES];

		allowed += classify_class[c](&rs, &vb.tuples[i % NR_TUPLES]).kind ==
			   LYNCEDGE_PASS_RULE;
		in_class[c]++;
	}
	sink = allowed;
	if (classes)
		for (i = 0; i < NR_CLASSES; i++)
			printf("%u %s %u\n", i, flow_classes[i].name, in_class[i]);
	verdict_teardown(&vb);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: core_bench [--csv] [SIZE...]\n"
			"       core_bench --only PREFIXES LOOKUPS [--linear]\n"
			"       core_bench --verdict [--csv] [PREFIXES]\n"
			"       core_bench --only-verdict pic|all PREFIXES VERDICTS [--classes]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const u32 all_sizes[] = { 10, 100, 1000, 10000, 100000 };
	static const u32 smoke_sizes[] = { 10, 1000 };
	const char *smoke = getenv("BENCH_SMOKE");
	struct lyncedge_addr *addrs;
	u32 sizes[16], nr_sizes = 0, i, s;
	bool csv = false;
	int arg = 1;

	if (smoke && !strcmp(smoke, "1"))
		budget = 0.02;
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "--only-verdict")) {
		u32 profiles;

		if (profiles_from(argv[2], &profiles) ||
		    (argc == 6 && strcmp(argv[5], "--classes")))
			return usage();
		return run_only_verdict(profiles, strtoul(argv[3], NULL, 0),
					strtoul(argv[4], NULL, 0), argc == 6);
	}
	if (argc >= 2 && !strcmp(argv[1], "--verdict")) {
		bool small = smoke && !strcmp(smoke, "1");
		unsigned long n = small ? 1000 : 100000;
		char *end;

		arg = 2;
		if (arg < argc && !strcmp(argv[arg], "--csv")) {
			csv = true;
			arg++;
		}
		if (arg < argc) {
			n = strtoul(argv[arg++], &end, 0);
			if (*end || !n || n > 10000000)
				return usage();
		}
		if (arg < argc)
			return usage();
		return run_verdict(n, csv, small ? 3 : VERDICT_ROUNDS);
	}
	if (argc >= 4 && !strcmp(argv[1], "--only")) {
		if (argc > 5 || (argc == 5 && strcmp(argv[4], "--linear")))
			return usage();
		return run_only(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0),
				argc == 5);
	}
	if (arg < argc && !strcmp(argv[arg], "--csv")) {
		csv = true;
		arg++;
	}
	for (; arg < argc; arg++) {
		char *end;
		unsigned long n = strtoul(argv[arg], &end, 0);

		if (*end || !n || n > 10000000 || nr_sizes == 16)
			return usage();
		sizes[nr_sizes++] = n;
	}
	if (!nr_sizes) {
		bool small = smoke && !strcmp(smoke, "1");
		const u32 *from = small ? smoke_sizes : all_sizes;

		nr_sizes = small ? ARRAY_SIZE(smoke_sizes) : ARRAY_SIZE(all_sizes);
		memcpy(sizes, from, nr_sizes * sizeof(*sizes));
	}

	addrs = malloc(NR_ADDRS * sizeof(*addrs));
	if (!addrs)
		abort();
	if (csv)
		printf("prefixes,impl,ns_per_lookup\n");
	else
		printf("%10s %12s %12s %9s %10s %12s\n", "prefixes", "lyncedge ns",
		       "linear ns", "speed-up", "hit rate", "set bytes");
	for (s = 0; s < nr_sizes; s++) {
		u32 n = sizes[s];
		struct lyncedge_prefix *list = make_prefixes(n);
		struct lyncedge_set *set = set_of(list, n);
		unsigned int hits = 0;
		double fast, slow;

		for (i = 0; i < NR_ADDRS; i++) {
			addrs[i] = bench_address();
			hits += lyncedge_set_contains(set, &addrs[i]);
		}
		fast = ns_per_lookup(set, list, n, addrs, false);
		slow = ns_per_lookup(set, list, n, addrs, true);
		if (csv)
			printf("%u,lyncedge,%.2f\n%u,linear,%.2f\n", n, fast, n, slow);
		else
			printf("%10u %12.1f %12.1f %8.0fx %9.1f%% %12zu\n", n, fast,
			       slow, slow / fast, 100.0 * hits / NR_ADDRS,
			       lyncedge_set_bytes(set));
		fflush(stdout);
		lyncedge_set_free(set);
		free(list);
	}
	free(addrs);
	return 0;
}
