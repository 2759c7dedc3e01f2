// SPDX-License-Identifier: GPL-2.0
/*
 * Prefix sets: see prefixset.h. Part of the matching core, so it builds both
 * in the kernel and on the host; keep it free of kernel-only APIs beyond
 * what portable.h provides.
 */
#include "prefixset.h"

/* A delete request, remembered with its place in the caller's list. */
struct del_entry {
	struct lyncedge_prefix prefix;
	u32 index;
};

static u32 mask4(u8 len)
{
	return len ? ~0U << (32 - len) : 0;
}

static struct lyncedge_u128 mask6(u8 len)
{
	struct lyncedge_u128 m = { 0, 0 };

	if (len > 64) {
		m.hi = ~0ULL;
		m.lo = ~0ULL << (128 - len);
	} else if (len) {
		m.hi = ~0ULL << (64 - len);
	}
	return m;
}

static int cmp128(const struct lyncedge_u128 *a, const struct lyncedge_u128 *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* The order of a set: IPv4 before IPv6, then by address, then by length. */
static int cmp_prefix(const struct lyncedge_prefix *a,
		      const struct lyncedge_prefix *b)
{
	int c;

	if (a->addr.family != b->addr.family)
		return a->addr.family < b->addr.family ? -1 : 1;
	if (a->addr.family == LYNCEDGE_IPV4) {
		if (a->addr.v4 != b->addr.v4)
			return a->addr.v4 < b->addr.v4 ? -1 : 1;
	} else {
		c = cmp128(&a->addr.v6, &b->addr.v6);
		if (c)
			return c;
	}
	return (int)a->len - (int)b->len;
}

static int cmp_prefix_sort(const void *a, const void *b)
{
	return cmp_prefix(a, b);
}

static int cmp_del_sort(const void *a, const void *b)
{
	const struct del_entry *x = a, *y = b;
	int c = cmp_prefix(&x->prefix, &y->prefix);

	/* Equal prefixes keep input order, so the first is reported. */
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

enum lyncedge_prefix_error lyncedge_prefix_check(const struct lyncedge_prefix *p)
{
	struct lyncedge_u128 m;

	switch (p->addr.family) {
	case LYNCEDGE_IPV4:
		if (p->len > 32)
			return LYNCEDGE_PREFIX_BAD_LENGTH;
		if (p->addr.v4 & ~mask4(p->len))
			return LYNCEDGE_PREFIX_HOST_BITS;
		return LYNCEDGE_PREFIX_OK;
	case LYNCEDGE_IPV6:
		if (p->len > 128)
			return LYNCEDGE_PREFIX_BAD_LENGTH;
		m = mask6(p->len);
		if ((p->addr.v6.hi & ~m.hi) | (p->addr.v6.lo & ~m.lo))
			return LYNCEDGE_PREFIX_HOST_BITS;
		return LYNCEDGE_PREFIX_OK;
	}
	return LYNCEDGE_PREFIX_BAD_FAMILY;
}

void lyncedge_set_prefix_at(const struct lyncedge_set *set, u32 pos,
			    struct lyncedge_prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (pos < set->nr_prefixes4) {
		out->addr.family = LYNCEDGE_IPV4;
		out->addr.v4 = set->prefixes4[pos].addr;
		out->len = set->prefixes4[pos].len;
	} else {
		pos -= set->nr_prefixes4;
		out->addr.family = LYNCEDGE_IPV6;
		out->addr.v6 = set->prefixes6[pos].addr;
		out->len = set->prefixes6[pos].len;
	}
}

static void emit(struct lyncedge_set *dst, u32 *n4, u32 *n6,
		 const struct lyncedge_prefix *p)
{
	if (p->addr.family == LYNCEDGE_IPV4) {
		if (dst) {
			dst->prefixes4[*n4].addr = p->addr.v4;
			dst->prefixes4[*n4].len = p->len;
		}
		(*n4)++;
	} else {
		if (dst) {
			dst->prefixes6[*n6].addr = p->addr.v6;
			dst->prefixes6[*n6].len = p->len;
		}
		(*n6)++;
	}
}

/*
 * Walk old and add (both sorted, add without duplicates) in step, dropping
 * what del names. With dst NULL this only counts, so that the result can be
 * allocated at its exact size before the second walk fills it.
 */
static int merge(const struct lyncedge_set *old,
		 const struct lyncedge_prefix *add, u32 nr_add,
		 const struct del_entry *del, u32 nr_del,
		 struct lyncedge_set *dst, u32 *n4, u32 *n6,
		 struct lyncedge_set_error *err)
{
	u32 nr_old = lyncedge_set_size(old), i = 0, j = 0, k = 0;
	struct lyncedge_prefix from_old;
	const struct lyncedge_prefix *next;
	int c;

	*n4 = 0;
	*n6 = 0;
	while (i < nr_old || j < nr_add) {
		if (i < nr_old) {
			lyncedge_set_prefix_at(old, i, &from_old);
			c = j < nr_add ? cmp_prefix(&from_old, &add[j]) : -1;
		} else {
			c = 1;
		}
		if (c <= 0) {
			next = &from_old;
			i++;
			if (c == 0)
				j++;
		} else {
			next = &add[j++];
		}

		if (k < nr_del && cmp_prefix(&del[k].prefix, next) < 0)
			break;
		if (k < nr_del && cmp_prefix(&del[k].prefix, next) == 0) {
			/* Skip repeats of the same delete too. */
			while (++k < nr_del &&
			       !cmp_prefix(&del[k].prefix, &del[k - 1].prefix))
				;
			continue;
		}
		emit(dst, n4, n6, next);
	}
	if (k < nr_del) {
		err->in_del = true;
		err->index = del[k].index;
		return -ENOENT;
	}
	return 0;
}

static void build_ranges4(struct lyncedge_set *set)
{
	u32 i, n = 0;

	for (i = 0; i < set->nr_prefixes4; i++) {
		u32 first = set->prefixes4[i].addr;
		u32 last = first | ~mask4(set->prefixes4[i].len);

		/* Sorted by first address: overlaps and neighbours fold. */
		if (n && (set->last4[n - 1] == ~0U ||
			  first <= set->last4[n - 1] + 1)) {
			if (last > set->last4[n - 1])
				set->last4[n - 1] = last;
			continue;
		}
		set->first4[n] = first;
		set->last4[n] = last;
		n++;
	}
	set->nr_ranges4 = n;
}

static bool is_max128(const struct lyncedge_u128 *a)
{
	return a->hi == ~0ULL && a->lo == ~0ULL;
}

static struct lyncedge_u128 plus_one(struct lyncedge_u128 a)
{
	if (++a.lo == 0)
		a.hi++;
	return a;
}

static void build_ranges6(struct lyncedge_set *set)
{
	u32 i, n = 0;

	for (i = 0; i < set->nr_prefixes6; i++) {
		struct lyncedge_u128 first = set->prefixes6[i].addr;
		struct lyncedge_u128 m = mask6(set->prefixes6[i].len);
		struct lyncedge_u128 last = { first.hi | ~m.hi, first.lo | ~m.lo };

		if (n) {
			struct lyncedge_u128 *prev = &set->last6[n - 1];
			struct lyncedge_u128 after = plus_one(*prev);

			if (is_max128(prev) || cmp128(&first, &after) <= 0) {
				if (cmp128(&last, prev) > 0)
					*prev = last;
				continue;
			}
		}
		set->first6[n] = first;
		set->last6[n] = last;
		n++;
	}
	set->nr_ranges6 = n;
}

/*
 * One allocation per set, 8-byte members first. Ranges get room for the
 * worst case (no two prefixes fold) rather than a third counting pass.
 */
static size_t set_bytes(u32 n4, u32 n6)
{
	return sizeof(struct lyncedge_set) +
	       (size_t)n6 * (sizeof(struct lyncedge_prefix6) +
			     2 * sizeof(struct lyncedge_u128)) +
	       (size_t)n4 * (sizeof(struct lyncedge_prefix4) + 2 * sizeof(u32));
}

static struct lyncedge_set *set_alloc(u32 n4, u32 n6)
{
	struct lyncedge_set *set;
	char *p;

	set = lyncedge_alloc(set_bytes(n4, n6));
	if (!set)
		return NULL;
	memset(set, 0, sizeof(*set));
	set->nr_prefixes4 = n4;
	set->nr_prefixes6 = n6;
	p = (char *)(set + 1);
	set->prefixes6 = (struct lyncedge_prefix6 *)p;
	p += (size_t)n6 * sizeof(struct lyncedge_prefix6);
	set->first6 = (struct lyncedge_u128 *)p;
	p += (size_t)n6 * sizeof(struct lyncedge_u128);
	set->last6 = (struct lyncedge_u128 *)p;
	p += (size_t)n6 * sizeof(struct lyncedge_u128);
	set->prefixes4 = (struct lyncedge_prefix4 *)p;
	p += (size_t)n4 * sizeof(struct lyncedge_prefix4);
	set->first4 = (u32 *)p;
	p += (size_t)n4 * sizeof(u32);
	set->last4 = (u32 *)p;
	return set;
}

size_t lyncedge_set_bytes(const struct lyncedge_set *set)
{
	return set ? set_bytes(set->nr_prefixes4, set->nr_prefixes6) : 0;
}

void lyncedge_set_free(struct lyncedge_set *set)
{
	lyncedge_free(set);
}

/* Sorted copy of add without duplicates; NULL only on allocation failure. */
static struct lyncedge_prefix *sorted_adds(const struct lyncedge_prefix *add,
					   u32 nr_add, u32 *nr_out)
{
	struct lyncedge_prefix *sorted;
	u32 i, n = 0;

	sorted = lyncedge_alloc((size_t)(nr_add ? nr_add : 1) * sizeof(*sorted));
	if (!sorted)
		return NULL;
	if (nr_add)
		memcpy(sorted, add, (size_t)nr_add * sizeof(*sorted));
	lyncedge_sort(sorted, nr_add, sizeof(*sorted), cmp_prefix_sort);
	for (i = 0; i < nr_add; i++)
		if (!n || cmp_prefix(&sorted[n - 1], &sorted[i]))
			sorted[n++] = sorted[i];
	*nr_out = n;
	return sorted;
}

static struct del_entry *sorted_dels(const struct lyncedge_prefix *del,
				     u32 nr_del)
{
	struct del_entry *sorted;
	u32 i;

	sorted = lyncedge_alloc((size_t)(nr_del ? nr_del : 1) * sizeof(*sorted));
	if (!sorted)
		return NULL;
	for (i = 0; i < nr_del; i++) {
		sorted[i].prefix = del[i];
		sorted[i].index = i;
	}
	lyncedge_sort(sorted, nr_del, sizeof(*sorted), cmp_del_sort);
	return sorted;
}

static int check_all(const struct lyncedge_prefix *p, u32 n, bool in_del,
		     struct lyncedge_set_error *err)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (lyncedge_prefix_check(&p[i]) != LYNCEDGE_PREFIX_OK) {
			err->in_del = in_del;
			err->index = i;
			return -EINVAL;
		}
	}
	return 0;
}

int lyncedge_set_update(const struct lyncedge_set *old,
			const struct lyncedge_prefix *add, u32 nr_add,
			const struct lyncedge_prefix *del, u32 nr_del,
			u32 max_prefixes, struct lyncedge_set **out,
			struct lyncedge_set_error *err)
{
	struct lyncedge_prefix *adds = NULL;
	struct del_entry *dels = NULL;
	struct lyncedge_set *set = NULL;
	u32 nr_adds = 0, n4, n6;
	int ret;

	*out = NULL;
	ret = check_all(add, nr_add, false, err);
	if (!ret)
		ret = check_all(del, nr_del, true, err);
	if (ret)
		return ret;

	ret = -ENOMEM;
	adds = sorted_adds(add, nr_add, &nr_adds);
	dels = sorted_dels(del, nr_del);
	if (!adds || !dels)
		goto out;

	ret = merge(old, adds, nr_adds, dels, nr_del, NULL, &n4, &n6, err);
	if (ret)
		goto out;
	if ((u64)n4 + n6 > max_prefixes) {
		err->in_del = false;
		err->index = nr_add;
		ret = -ENOSPC;
		goto out;
	}
	if (!n4 && !n6)
		goto out;

	ret = -ENOMEM;
	set = set_alloc(n4, n6);
	if (!set)
		goto out;
	ret = merge(old, adds, nr_adds, dels, nr_del, set, &n4, &n6, err);
	if (ret) {
		/* Cannot happen: the same walk succeeded above. */
		lyncedge_set_free(set);
		goto out;
	}
	build_ranges4(set);
	build_ranges6(set);
	*out = set;
out:
	lyncedge_free(adds);
	lyncedge_free(dels);
	return ret;
}

/*
 * Index of the last range starting at or below a, found without branches on
 * the data so the loop runs the same for every address.
 */
static bool ranges4_contain(const u32 *first, const u32 *last, u32 n, u32 a)
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

static bool ranges6_contain(const struct lyncedge_u128 *first,
			    const struct lyncedge_u128 *last, u32 n,
			    const struct lyncedge_u128 *a)
{
	const struct lyncedge_u128 *base = first;

	if (!n)
		return false;
	while (n > 1) {
		u32 half = n / 2;

		base = cmp128(&base[half], a) <= 0 ? base + half : base;
		n -= half;
	}
	return cmp128(base, a) <= 0 && cmp128(a, &last[base - first]) <= 0;
}

bool lyncedge_set_contains(const struct lyncedge_set *set,
			   const struct lyncedge_addr *addr)
{
	if (!set)
		return false;
	if (addr->family == LYNCEDGE_IPV4)
		return ranges4_contain(set->first4, set->last4,
				       set->nr_ranges4, addr->v4);
	return ranges6_contain(set->first6, set->last6, set->nr_ranges6,
			       &addr->v6);
}
