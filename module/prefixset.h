/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An immutable set of IPv4/IPv6 prefixes with a lookup that answers "is this
 * address covered by any prefix?" in O(log n).
 *
 * A set is never changed once built: an update builds a new set from the old
 * one plus the changes, and the caller publishes it (RCU in the kernel).
 * Besides the prefixes as configured (kept for listing and deletion), a set
 * holds their union as sorted, disjoint, non-adjacent address ranges, which
 * is what lookups search.
 */
#ifndef _LYNCEDGE_PREFIXSET_H
#define _LYNCEDGE_PREFIXSET_H

#include "portable.h"

enum lyncedge_family {
	LYNCEDGE_IPV4 = 4,
	LYNCEDGE_IPV6 = 6,
};

/* IPv6 addresses in host order, so comparisons are plain integer ones. */
struct lyncedge_u128 {
	u64 hi;
	u64 lo;
};

/* A host-order address; v4 for LYNCEDGE_IPV4, v6 for LYNCEDGE_IPV6. */
struct lyncedge_addr {
	u8 family;
	union {
		u32 v4;
		struct lyncedge_u128 v6;
	};
};

struct lyncedge_prefix {
	struct lyncedge_addr addr;
	u8 len;
};

enum lyncedge_prefix_error {
	LYNCEDGE_PREFIX_OK,
	LYNCEDGE_PREFIX_BAD_FAMILY,
	LYNCEDGE_PREFIX_BAD_LENGTH,
	LYNCEDGE_PREFIX_HOST_BITS,
	/*
	 * Inside ::ffff:0:0/96. The stack hands us IPv4 traffic as IPv4, so
	 * such a prefix would never match what its writer meant.
	 */
	LYNCEDGE_PREFIX_V4_MAPPED,
};

struct lyncedge_prefix4 {
	u32 addr;
	u8 len;
};

struct lyncedge_prefix6 {
	struct lyncedge_u128 addr;
	u8 len;
};

struct lyncedge_set {
	struct lyncedge_rcu_head rcu;
	u32 nr_prefixes4;
	u32 nr_prefixes6;
	u32 nr_ranges4;
	u32 nr_ranges6;
	/* Sorted by address, then length; no duplicates. */
	struct lyncedge_prefix4 *prefixes4;
	struct lyncedge_prefix6 *prefixes6;
	/* Range i is [first[i], last[i]]; first[] is sorted. */
	u32 *first4;
	u32 *last4;
	struct lyncedge_u128 *first6;
	struct lyncedge_u128 *last6;
	/*
	 * In a family with many prefixes, the ranges whose first address has
	 * the top bits b are [bucket[b], bucket[b + 1]), so a lookup searches
	 * a bucket, not the whole family: its cost stays flat as the set
	 * grows. NULL in a small family, which is searched whole.
	 */
	u32 *bucket4;
	u32 *bucket6;
};

/* Buckets are the top LYNCEDGE_BUCKET_BITS bits of an address. */
#define LYNCEDGE_BUCKET_BITS 16
#define LYNCEDGE_BUCKETS BIT(LYNCEDGE_BUCKET_BITS)
/* A family gets buckets from this many prefixes on. */
#define LYNCEDGE_BUCKETS_FROM 4096

/* Where an update failed, to point the caller at the offending input. */
struct lyncedge_set_error {
	bool in_del;	/* the bad prefix is in the delete list */
	u32 index;	/* its position in that list */
};

enum lyncedge_prefix_error lyncedge_prefix_check(const struct lyncedge_prefix *p);

/*
 * Build *out = (old + add) - del. old may be NULL (empty); *out is NULL when
 * the result is empty. Adding a prefix that is present is a no-op; deleting
 * one that is absent fails. Returns 0, -EINVAL (a prefix fails
 * lyncedge_prefix_check), -ENOENT (deleting an absent prefix), -ENOSPC (the
 * result would hold more than max_prefixes) or -ENOMEM; on failure nothing
 * is allocated and *err says which input was at fault (not for -ENOMEM).
 */
int lyncedge_set_update(const struct lyncedge_set *old,
			const struct lyncedge_prefix *add, u32 nr_add,
			const struct lyncedge_prefix *del, u32 nr_del,
			u32 max_prefixes, struct lyncedge_set **out,
			struct lyncedge_set_error *err);

/* Frees at once; in the kernel, published sets go through kvfree_rcu(). */
void lyncedge_set_free(struct lyncedge_set *set);

static __always_inline int
lyncedge_u128_cmp(const struct lyncedge_u128 *a, const struct lyncedge_u128 *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/*
 * The lookups are inline, always: the packet path asks every packet
 * whether it touches an edge address, and most packets leave right after.
 *
 * Each finds the last range starting at or below a without branches on
 * the data, so the loop runs the same for every address.
 */
static __always_inline bool
lyncedge_ranges4_contain(const u32 *first, const u32 *last, u32 n, u32 a)
{
	const u32 *base = first;

	if (!n)
		return false;
	while (n > 1) {
		u32 half = n / 2;

		base = base[half] <= a ? base + half : base;
		n -= half;
	}
	return *base <= a && a <= last[base - first];
}

static __always_inline bool
lyncedge_ranges6_contain(const struct lyncedge_u128 *first,
			 const struct lyncedge_u128 *last, u32 n,
			 const struct lyncedge_u128 *a)
{
	const struct lyncedge_u128 *base = first;

	if (!n)
		return false;
	while (n > 1) {
		u32 half = n / 2;

		base = lyncedge_u128_cmp(&base[half], a) <= 0 ? base + half : base;
		n -= half;
	}
	return lyncedge_u128_cmp(base, a) <= 0 &&
	       lyncedge_u128_cmp(a, &last[base - first]) <= 0;
}

/*
 * The ranges that can hold an address in bucket b: those starting in the
 * bucket, and the last one starting before it, which may reach into it.
 */
static __always_inline u32 lyncedge_bucket_from(const u32 *bucket, u32 b)
{
	return bucket[b] ? bucket[b] - 1 : 0;
}

static __always_inline bool
lyncedge_set_contains4(const struct lyncedge_set *set, u32 a)
{
	u32 b, from;

	if (!set->bucket4)
		return lyncedge_ranges4_contain(set->first4, set->last4,
						set->nr_ranges4, a);
	b = a >> (32 - LYNCEDGE_BUCKET_BITS);
	from = lyncedge_bucket_from(set->bucket4, b);
	return lyncedge_ranges4_contain(set->first4 + from, set->last4 + from,
					set->bucket4[b + 1] - from, a);
}

static __always_inline bool
lyncedge_set_contains6(const struct lyncedge_set *set,
		       const struct lyncedge_u128 *a)
{
	u32 b, from;

	if (!set->bucket6)
		return lyncedge_ranges6_contain(set->first6, set->last6,
						set->nr_ranges6, a);
	b = a->hi >> (64 - LYNCEDGE_BUCKET_BITS);
	from = lyncedge_bucket_from(set->bucket6, b);
	return lyncedge_ranges6_contain(set->first6 + from, set->last6 + from,
					set->bucket6[b + 1] - from, a);
}

/* set NULL is the empty set. */
static inline bool lyncedge_set_contains(const struct lyncedge_set *set,
					 const struct lyncedge_addr *addr)
{
	if (!set)
		return false;
	if (addr->family == LYNCEDGE_IPV4)
		return lyncedge_set_contains4(set, addr->v4);
	return lyncedge_set_contains6(set, &addr->v6);
}

static inline u32 lyncedge_set_size(const struct lyncedge_set *set)
{
	return set ? set->nr_prefixes4 + set->nr_prefixes6 : 0;
}

/* The pos-th prefix, IPv4 ones first, in the order of the set. */
void lyncedge_set_prefix_at(const struct lyncedge_set *set, u32 pos,
			    struct lyncedge_prefix *out);

/* Bytes the set occupies, for memory accounting. */
size_t lyncedge_set_bytes(const struct lyncedge_set *set);

#endif /* _LYNCEDGE_PREFIXSET_H */
