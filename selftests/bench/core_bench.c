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
static struct lyncedge_prefix *make_prefixes(u32 n)
{
	struct lyncedge_prefix *list = malloc((size_t)(n ? n : 1) * sizeof(*list));
	u32 i;

	if (!list)
		abort();
	rng_seed(SEED + n);
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

static int usage(void)
{
	fprintf(stderr, "usage: core_bench [--csv] [SIZE...]\n"
			"       core_bench --only PREFIXES LOOKUPS [--linear]\n");
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
	if (smoke && !strcmp(smoke, "1"))
		budget = 0.02;
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
