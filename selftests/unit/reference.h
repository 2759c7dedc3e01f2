/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the host unit tests: a deterministic random source and
 * a brute-force prefix list to hold the real structure to account, in the
 * spirit of WireGuard's allowedips selftest.
 */
#ifndef _LYNCEDGE_TEST_REFERENCE_H
#define _LYNCEDGE_TEST_REFERENCE_H

#include <stdio.h>
#include "prefixset.h"

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static inline void rng_seed(u64 seed)
{
	rng_state = seed ? seed : 1;
}

static inline u64 rng(void)
{
	/* xorshift64*: reproducible from the printed seed, no libc state. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static inline struct lyncedge_prefix prefix4(u32 addr, u8 len)
{
	struct lyncedge_prefix p = { .addr = { .family = LYNCEDGE_IPV4 }, .len = len };

	p.addr.v4 = addr;
	return p;
}

static inline struct lyncedge_prefix prefix6(u64 hi, u64 lo, u8 len)
{
	struct lyncedge_prefix p = { .addr = { .family = LYNCEDGE_IPV6 }, .len = len };

	p.addr.v6.hi = hi;
	p.addr.v6.lo = lo;
	return p;
}

static inline struct lyncedge_addr addr4(u32 a)
{
	return prefix4(a, 32).addr;
}

static inline struct lyncedge_addr addr6(u64 hi, u64 lo)
{
	return prefix6(hi, lo, 128).addr;
}

/* Clear the host bits, so any random value becomes a valid prefix. */
static inline struct lyncedge_prefix masked(struct lyncedge_prefix p)
{
	if (p.addr.family == LYNCEDGE_IPV4) {
		p.addr.v4 &= p.len ? ~0U << (32 - p.len) : 0;
	} else if (p.len <= 64) {
		p.addr.v6.hi &= p.len ? ~0ULL << (64 - p.len) : 0;
		p.addr.v6.lo = 0;
	} else {
		p.addr.v6.lo &= ~0ULL << (128 - p.len);
	}
	return p;
}

static inline bool naive_covers(const struct lyncedge_prefix *p,
				const struct lyncedge_addr *a)
{
	struct lyncedge_prefix probe = { .addr = *a, .len = p->len };

	if (p->addr.family != a->family)
		return false;
	probe = masked(probe);
	if (a->family == LYNCEDGE_IPV4)
		return probe.addr.v4 == p->addr.v4;
	return probe.addr.v6.hi == p->addr.v6.hi &&
	       probe.addr.v6.lo == p->addr.v6.lo;
}

static inline bool naive_contains(const struct lyncedge_prefix *list, u32 n,
				  const struct lyncedge_addr *a)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (naive_covers(&list[i], a))
			return true;
	return false;
}

/* Build a set from scratch; aborts the test binary on failure. */
static inline struct lyncedge_set *set_of(const struct lyncedge_prefix *p, u32 n)
{
	struct lyncedge_set_error err;
	struct lyncedge_set *set;

	if (lyncedge_set_update(NULL, p, n, NULL, 0, ~0U, &set, &err)) {
		fprintf(stderr, "set_of: update failed\n");
		abort();
	}
	return set;
}

#endif /* _LYNCEDGE_TEST_REFERENCE_H */
