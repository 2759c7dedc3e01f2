// SPDX-License-Identifier: GPL-2.0
/*
 * Host micro-benchmark of the matching core's set lookup, side by side with
 * a naive linear scan of the same prefixes, in the same run.
 *
 *   core_bench                    the table: ns per lookup for 10..100,000
 *                                 prefixes, lyncedge vs linear
 *   core_bench --only N LOOKUPS [--linear]
 *                                 build an N-prefix set and do LOOKUPS
 *                                 lookups with lyncedge (or the linear
 *                                 scan), untimed: for callgrind, whose
 *                                 instruction counts do not drift with load
 *
 * Sets are mixed IPv4/IPv6, prefix lengths spread over /8../32 and
 * /16../128; lookups are random addresses, so most of them miss, as the
 * traffic of a gateway mostly does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prefixset.h"
#include "reference.h"

static struct lyncedge_prefix bench_prefix(void)
{
	u64 r = rng();

	if (r & 1)
		return masked(prefix4((u32)rng(), 8 + (r >> 8) % 25));
	return masked(prefix6(rng(), rng(), 16 + (r >> 8) % 113));
}

static struct lyncedge_addr bench_address(void)
{
	u64 r = rng();

	if (r & 1)
		return prefix4((u32)rng(), 32).addr;
	return prefix6(rng(), rng(), 128).addr;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The compiler must not drop lookups whose result is unused. */
static volatile unsigned int sink;

static double ns_per_lookup(const struct lyncedge_set *set,
			    const struct lyncedge_prefix *list, u32 n,
			    const struct lyncedge_addr *addrs, u32 nr_addrs,
			    bool naive)
{
	double start = now_ns(), elapsed;
	u64 done = 0;
	unsigned int hits = 0;
	u32 i;

	/* Repeat the address list until a quarter second has passed. */
	do {
		for (i = 0; i < nr_addrs; i++)
			hits += naive ? naive_contains(list, n, &addrs[i]) :
					lyncedge_set_contains(set, &addrs[i]);
		done += nr_addrs;
		elapsed = now_ns() - start;
	} while (elapsed < 2.5e8);
	sink = hits;
	return elapsed / done;
}

static struct lyncedge_prefix *make_prefixes(u32 n)
{
	struct lyncedge_prefix *list = malloc((size_t)n * sizeof(*list));
	u32 i;

	if (!list)
		abort();
	for (i = 0; i < n; i++)
		list[i] = bench_prefix();
	return list;
}

/* Not inlined, so that callgrind can count it alone. */
__attribute__((noinline))
static bool linear_contains(const struct lyncedge_prefix *list, u32 n,
			    const struct lyncedge_addr *a)
{
	return naive_contains(list, n, a);
}

static int run_only(u32 n, u32 lookups, bool linear)
{
	struct lyncedge_prefix *list;
	struct lyncedge_set *set;
	unsigned int hits = 0;
	u32 i;

	rng_seed(20131101);
	list = make_prefixes(n);
	set = set_of(list, n);
	for (i = 0; i < lookups; i++) {
		struct lyncedge_addr a = bench_address();

		hits += linear ? linear_contains(list, n, &a) :
				 lyncedge_set_contains(set, &a);
	}
	sink = hits;
	lyncedge_set_free(set);
	free(list);
	return 0;
}

int main(int argc, char **argv)
{
	static const u32 sizes[] = { 10, 100, 1000, 10000, 100000 };
	enum { NR_ADDRS = 4096 };
	struct lyncedge_addr *addrs = malloc(NR_ADDRS * sizeof(*addrs));
	unsigned int s;
	u32 i;

	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "--only"))
		return run_only(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0),
				argc == 5 && !strcmp(argv[4], "--linear"));
	if (argc != 1) {
		fprintf(stderr, "usage: core_bench [--only PREFIXES LOOKUPS [--linear]]\n");
		return 2;
	}

	printf("%10s %14s %14s %10s %12s\n", "prefixes", "lyncedge ns", "linear ns",
	       "speed-up", "set bytes");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		u32 n = sizes[s];
		struct lyncedge_prefix *list;
		struct lyncedge_set *set;
		double fast, slow;

		rng_seed(20131101 + n);
		list = make_prefixes(n);
		set = set_of(list, n);
		for (i = 0; i < NR_ADDRS; i++)
			addrs[i] = bench_address();
		fast = ns_per_lookup(set, list, n, addrs, NR_ADDRS, false);
		slow = ns_per_lookup(set, list, n, addrs, NR_ADDRS, true);
		printf("%10u %14.1f %14.1f %9.0fx %12zu\n", n, fast, slow,
		       slow / fast, lyncedge_set_bytes(set));
		lyncedge_set_free(set);
		free(list);
	}
	free(addrs);
	return 0;
}
