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
		c = lyncedge_u128_cmp(&a->addr.v6, &b->addr.v6);
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
		if (p->len >= 96 && !p->addr.v6.hi &&
		    (p->addr.v6.lo >> 32) == 0xffff)
			return LYNCEDGE_PREFIX_V4_MAPPED;
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

/*
 * Fold the set's prefixes from index from on, while they start at or below
 * *to, into ranges appended at index n; returns the new number of ranges.
 * Sorted by first address, overlapping and neighbouring prefixes fold into
 * one range.
 */
static u32 fold4(struct lyncedge_set *set, u32 from,
		 const struct lyncedge_u128 *to, u32 n)
{
	u32 i;

	for (i = from; i < set->nr_prefixes4; i++) {
		u32 first = set->prefixes4[i].addr;
		u32 last = first | ~mask4(set->prefixes4[i].len);

		if (!to->hi && first > to->lo)
			break;
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
	return n;
}

static u32 fold6(struct lyncedge_set *set, u32 from,
		 const struct lyncedge_u128 *to, u32 n)
{
	u32 i;

	for (i = from; i < set->nr_prefixes6; i++) {
		struct lyncedge_u128 first = set->prefixes6[i].addr;
		struct lyncedge_u128 m = mask6(set->prefixes6[i].len);
		struct lyncedge_u128 last = { first.hi | ~m.hi, first.lo | ~m.lo };

		if (lyncedge_u128_cmp(&first, to) > 0)
			break;
		if (n) {
			struct lyncedge_u128 *prev = &set->last6[n - 1];
			struct lyncedge_u128 after = plus_one(*prev);

			if (is_max128(prev) || lyncedge_u128_cmp(&first, &after) <= 0) {
				if (lyncedge_u128_cmp(&last, prev) > 0)
					*prev = last;
				continue;
			}
		}
		set->first6[n] = first;
		set->last6[n] = last;
		n++;
	}
	return n;
}

/*
 * The update sees a family's half of a set through these, so that the
 * walks are written once for IPv4 and IPv6. Range bounds are widened to
 * 128 bits, where an IPv4 address plus one never wraps.
 */
struct family_ops {
	u8 family;
	size_t size;		/* of a stored prefix */
	size_t bound_size;	/* of a range bound */
	/* <0, 0, >0 as the stored prefix sorts before, with or after p. */
	int (*cmp)(const void *stored, const struct lyncedge_prefix *p);
	void (*store)(void *stored, const struct lyncedge_prefix *p);
	struct lyncedge_u128 (*bound)(const void *bounds, u32 i);
	/* The bucket (prefixset.h) that bound i falls in. */
	u32 (*bucket_of)(const void *bounds, u32 i);
	u32 (*fold)(struct lyncedge_set *set, u32 from,
		    const struct lyncedge_u128 *to, u32 n);
};

static int cmp_stored4(const void *stored, const struct lyncedge_prefix *p)
{
	const struct lyncedge_prefix4 *s = stored;

	if (s->addr != p->addr.v4)
		return s->addr < p->addr.v4 ? -1 : 1;
	return (int)s->len - (int)p->len;
}

static int cmp_stored6(const void *stored, const struct lyncedge_prefix *p)
{
	const struct lyncedge_prefix6 *s = stored;
	int c = lyncedge_u128_cmp(&s->addr, &p->addr.v6);

	return c ? c : (int)s->len - (int)p->len;
}

static void store4(void *stored, const struct lyncedge_prefix *p)
{
	struct lyncedge_prefix4 *s = stored;

	s->addr = p->addr.v4;
	s->len = p->len;
}

static void store6(void *stored, const struct lyncedge_prefix *p)
{
	struct lyncedge_prefix6 *s = stored;

	s->addr = p->addr.v6;
	s->len = p->len;
}

static struct lyncedge_u128 bound4(const void *bounds, u32 i)
{
	struct lyncedge_u128 b = { 0, ((const u32 *)bounds)[i] };

	return b;
}

static struct lyncedge_u128 bound6(const void *bounds, u32 i)
{
	return ((const struct lyncedge_u128 *)bounds)[i];
}

static u32 bucket_of4(const void *bounds, u32 i)
{
	return ((const u32 *)bounds)[i] >> (32 - LYNCEDGE_BUCKET_BITS);
}

static u32 bucket_of6(const void *bounds, u32 i)
{
	return ((const struct lyncedge_u128 *)bounds)[i].hi >>
	       (64 - LYNCEDGE_BUCKET_BITS);
}

static const struct family_ops ops4 = {
	.family = LYNCEDGE_IPV4,
	.size = sizeof(struct lyncedge_prefix4),
	.bound_size = sizeof(u32),
	.cmp = cmp_stored4,
	.store = store4,
	.bound = bound4,
	.bucket_of = bucket_of4,
	.fold = fold4,
};

static const struct family_ops ops6 = {
	.family = LYNCEDGE_IPV6,
	.size = sizeof(struct lyncedge_prefix6),
	.bound_size = sizeof(struct lyncedge_u128),
	.cmp = cmp_stored6,
	.store = store6,
	.bound = bound6,
	.bucket_of = bucket_of6,
	.fold = fold6,
};

/* A family's half of a set, as the walks see it. */
struct family_half {
	const char *prefixes;
	const char *first;
	const char *last;
	u32 *bucket;
	u32 nr_prefixes;
	u32 nr_ranges;
};

static struct family_half half_of(const struct family_ops *ops,
				  const struct lyncedge_set *set)
{
	struct family_half h = {};

	if (!set)
		return h;
	if (ops->family == LYNCEDGE_IPV4) {
		h.prefixes = (const char *)set->prefixes4;
		h.first = (const char *)set->first4;
		h.last = (const char *)set->last4;
		h.bucket = set->bucket4;
		h.nr_prefixes = set->nr_prefixes4;
		h.nr_ranges = set->nr_ranges4;
	} else {
		h.prefixes = (const char *)set->prefixes6;
		h.first = (const char *)set->first6;
		h.last = (const char *)set->last6;
		h.bucket = set->bucket6;
		h.nr_prefixes = set->nr_prefixes6;
		h.nr_ranges = set->nr_ranges6;
	}
	return h;
}

/* The first position in [lo, hi) whose stored prefix is not below p. */
static u32 lower_bound(const struct family_ops *ops, const char *stored,
		       u32 lo, u32 hi, const struct lyncedge_prefix *p)
{
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (ops->cmp(stored + (size_t)mid * ops->size, p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Append elements [from, to) of src to dst at *n; with dst NULL, count. */
static void copy_stretch(size_t size, char *dst, u32 *n, const char *src,
			 u32 from, u32 to)
{
	if (dst && to > from)
		memcpy(dst + (size_t)*n * size, src + (size_t)from * size,
		       (size_t)(to - from) * size);
	*n += to - from;
}

/*
 * The requests of one family, add (sorted, no duplicates) and del (sorted),
 * walked as one sorted list of distinct prefixes.
 */
struct requests {
	const struct lyncedge_prefix *add;
	const struct del_entry *del;
	u32 nr_add;
	u32 nr_del;
	u32 j;	/* next add */
	u32 k;	/* next del */
};

static bool requests_left(const struct requests *r)
{
	return r->j < r->nr_add || r->k < r->nr_del;
}

static const struct lyncedge_prefix *requests_peek(const struct requests *r)
{
	if (r->k == r->nr_del ||
	    (r->j < r->nr_add && cmp_prefix(&r->add[r->j], &r->del[r->k].prefix) <= 0))
		return &r->add[r->j];
	return &r->del[r->k].prefix;
}

/*
 * The next distinct prefix; *in_add says whether it is added, *first_del
 * is its first delete request or NULL (repeats of a delete are one).
 */
static const struct lyncedge_prefix *
requests_next(struct requests *r, bool *in_add, const struct del_entry **first_del)
{
	const struct lyncedge_prefix *p = requests_peek(r);

	*in_add = false;
	*first_del = NULL;
	if (r->j < r->nr_add && !cmp_prefix(&r->add[r->j], p)) {
		*in_add = true;
		r->j++;
	}
	if (r->k < r->nr_del && !cmp_prefix(&r->del[r->k].prefix, p)) {
		*first_del = &r->del[r->k];
		while (++r->k < r->nr_del && !cmp_prefix(&r->del[r->k].prefix, p))
			;
	}
	return p;
}

/*
 * One family's prefixes of (old + add) - del into dst, which holds *n
 * prefixes after. Each requested prefix is found in old by binary search
 * and the old prefixes between two requests are copied as one stretch, so
 * a change of k prefixes to a set of n costs O(k log n) and one memcpy:
 * that keeps one-prefix changes to big sets cheap. With dst NULL this only
 * counts, so that the result can be allocated at its exact size before the
 * second walk fills it.
 */
static int merge_family(const struct family_ops *ops,
			const struct family_half *old, struct requests req,
			char *dst, u32 *n, struct lyncedge_set_error *err)
{
	const struct del_entry *first_del;
	u32 i = 0, pos;
	bool in_add, in_old;

	*n = 0;
	while (requests_left(&req)) {
		const struct lyncedge_prefix *p =
			requests_next(&req, &in_add, &first_del);

		pos = lower_bound(ops, old->prefixes, i, old->nr_prefixes, p);
		copy_stretch(ops->size, dst, n, old->prefixes, i, pos);
		in_old = pos < old->nr_prefixes &&
			 !ops->cmp(old->prefixes + (size_t)pos * ops->size, p);
		i = pos + in_old;

		if (first_del) {
			if (!in_old && !in_add) {
				err->in_del = true;
				err->index = first_del->index;
				return -ENOENT;
			}
			continue;
		}
		if (dst)
			ops->store(dst + (size_t)*n * ops->size, p);
		(*n)++;
	}
	copy_stretch(ops->size, dst, n, old->prefixes, i, old->nr_prefixes);
	return 0;
}

static void prefix_bounds(const struct lyncedge_prefix *p,
			  struct lyncedge_u128 *first, struct lyncedge_u128 *last)
{
	if (p->addr.family == LYNCEDGE_IPV4) {
		first->hi = 0;
		first->lo = p->addr.v4;
		*last = *first;
		last->lo |= ~mask4(p->len);
	} else {
		struct lyncedge_u128 m = mask6(p->len);

		*first = p->addr.v6;
		last->hi = first->hi | ~m.hi;
		last->lo = first->lo | ~m.lo;
	}
}

static struct lyncedge_u128 plus_one_sat(struct lyncedge_u128 a)
{
	return is_max128(&a) ? a : plus_one(a);
}

static struct lyncedge_u128 minus_one_sat(struct lyncedge_u128 a)
{
	if (!a.hi && !a.lo)
		return a;
	if (a.lo-- == 0)
		a.hi--;
	return a;
}

/* The first range in [lo, hi) whose bound is not below edge. */
static u32 first_not_below(const struct family_ops *ops, const char *bounds,
			   u32 lo, u32 hi, const struct lyncedge_u128 *edge)
{
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		struct lyncedge_u128 b = ops->bound(bounds, mid);

		if (lyncedge_u128_cmp(&b, edge) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Append old's ranges [from, to) to set's at *n. */
static void copy_ranges(const struct family_ops *ops, struct lyncedge_set *set,
			u32 *n, const struct family_half *old, u32 from, u32 to)
{
	struct family_half cur = half_of(ops, set);
	u32 n_first = *n;

	copy_stretch(ops->bound_size, (char *)cur.first, &n_first, old->first,
		     from, to);
	copy_stretch(ops->bound_size, (char *)cur.last, n, old->last, from, to);
}

/*
 * One family's ranges of set, whose prefixes are old's changed by req,
 * without walking every prefix. A range that neither overlaps nor touches
 * a requested prefix is unchanged, and is copied in stretches. Each
 * requested prefix, with the ranges and requests that overlap or touch it
 * in turn, makes a window [lo, hi]; no prefix of set crosses a window's
 * edges (it would have been part of a range the window took in), so
 * folding set's prefixes that start inside the window rebuilds exactly the
 * window's ranges. Returns the number of ranges.
 */
static u32 patch_ranges(const struct family_ops *ops,
			const struct family_half *old, struct requests req,
			struct lyncedge_set *set)
{
	struct family_half cur = half_of(ops, set);
	struct lyncedge_prefix probe = { .addr.family = ops->family };
	const struct del_entry *first_del;
	u32 r = 0, r2, n = 0;
	bool in_add;

	while (requests_left(&req)) {
		struct lyncedge_u128 lo, hi, start, edge, after;

		prefix_bounds(requests_next(&req, &in_add, &first_del), &lo, &hi);

		/* Old ranges that end before lo - 1 are untouched. */
		edge = minus_one_sat(lo);
		r2 = first_not_below(ops, old->last, r, old->nr_ranges, &edge);
		copy_ranges(ops, set, &n, old, r, r2);

		for (;;) {
			after = plus_one_sat(hi);
			if (r2 < old->nr_ranges) {
				start = ops->bound(old->first, r2);
				if (lyncedge_u128_cmp(&start, &after) <= 0) {
					struct lyncedge_u128 end =
						ops->bound(old->last, r2++);

					if (lyncedge_u128_cmp(&start, &lo) < 0)
						lo = start;
					if (lyncedge_u128_cmp(&end, &hi) > 0)
						hi = end;
					continue;
				}
			}
			if (requests_left(&req)) {
				struct lyncedge_u128 s, e;

				prefix_bounds(requests_peek(&req), &s, &e);
				if (lyncedge_u128_cmp(&s, &after) <= 0) {
					requests_next(&req, &in_add, &first_del);
					if (lyncedge_u128_cmp(&e, &hi) > 0)
						hi = e;
					continue;
				}
			}
			break;
		}
		r = r2;

		if (ops->family == LYNCEDGE_IPV4)
			probe.addr.v4 = (u32)lo.lo;
		else
			probe.addr.v6 = lo;
		n = ops->fold(set, lower_bound(ops, cur.prefixes, 0,
					       cur.nr_prefixes, &probe),
			      &hi, n);
	}
	copy_ranges(ops, set, &n, old, r, old->nr_ranges);
	return n;
}

/* How many of the sorted prefixes (IPv4 sort first) are IPv4. */
static u32 nr_ipv4(const struct lyncedge_prefix *sorted, u32 n, size_t stride)
{
	const char *base = (const char *)sorted;
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct lyncedge_prefix *p =
			(const void *)(base + (size_t)mid * stride);

		if (p->addr.family == LYNCEDGE_IPV4)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The requests of ops' family, out of all of them (sorted). */
static struct requests requests_of(const struct family_ops *ops,
				   const struct lyncedge_prefix *add, u32 nr_add,
				   const struct del_entry *del, u32 nr_del)
{
	u32 add4 = nr_ipv4(add, nr_add, sizeof(*add));
	u32 del4 = nr_ipv4(&del->prefix, nr_del, sizeof(*del));
	struct requests r = {};

	if (ops->family == LYNCEDGE_IPV4) {
		r.add = add;
		r.nr_add = add4;
		r.del = del;
		r.nr_del = del4;
	} else {
		r.add = add + add4;
		r.nr_add = nr_add - add4;
		r.del = del + del4;
		r.nr_del = nr_del - del4;
	}
	return r;
}

/* Both families of (old + add) - del; dst NULL counts, as for one. */
static int merge(const struct lyncedge_set *old,
		 const struct lyncedge_prefix *add, u32 nr_add,
		 const struct del_entry *del, u32 nr_del,
		 struct lyncedge_set *dst, u32 *n4, u32 *n6,
		 struct lyncedge_set_error *err)
{
	struct family_half old4 = half_of(&ops4, old), old6 = half_of(&ops6, old);
	int ret;

	ret = merge_family(&ops4, &old4,
			   requests_of(&ops4, add, nr_add, del, nr_del),
			   dst ? (char *)dst->prefixes4 : NULL, n4, err);
	if (ret)
		return ret;
	return merge_family(&ops6, &old6,
			    requests_of(&ops6, add, nr_add, del, nr_del),
			    dst ? (char *)dst->prefixes6 : NULL, n6, err);
}

/*
 * Patching costs a few binary searches per request, folding from scratch a
 * short loop per prefix: patch when the requests are few beside the set.
 */
#define PATCH_RATIO 32

/*
 * bucket[b] = the first range whose first address has top bits b or more:
 * one walk of the ranges, whatever changed.
 */
static void fill_buckets(const struct family_ops *ops, u32 *bucket,
			 const char *first, u32 nr_ranges)
{
	u32 b = 0, i, upto;

	for (i = 0; i < nr_ranges; i++)
		for (upto = ops->bucket_of(first, i); b <= upto; b++)
			bucket[b] = i;
	while (b <= LYNCEDGE_BUCKETS)
		bucket[b++] = nr_ranges;
}

/*
 * One family's ranges of set, built from old's when that is cheaper, and
 * the buckets over them.
 */
static void build_ranges(const struct family_ops *ops,
			 const struct lyncedge_set *old,
			 const struct lyncedge_prefix *add, u32 nr_add,
			 const struct del_entry *del, u32 nr_del,
			 struct lyncedge_set *set)
{
	static const struct lyncedge_u128 everything = { ~0ULL, ~0ULL };
	struct requests req = requests_of(ops, add, nr_add, del, nr_del);
	struct family_half from = half_of(ops, old);
	struct family_half cur = half_of(ops, set);
	u32 n;

	if (from.nr_prefixes &&
	    ((u64)req.nr_add + req.nr_del) * PATCH_RATIO < from.nr_prefixes)
		n = patch_ranges(ops, &from, req, set);
	else
		n = ops->fold(set, 0, &everything, 0);
	if (ops->family == LYNCEDGE_IPV4)
		set->nr_ranges4 = n;
	else
		set->nr_ranges6 = n;
	if (cur.bucket)
		fill_buckets(ops, cur.bucket, cur.first, n);
}

static size_t bucket_bytes(u32 nr_prefixes)
{
	if (nr_prefixes < LYNCEDGE_BUCKETS_FROM)
		return 0;
	return (size_t)(LYNCEDGE_BUCKETS + 1) * sizeof(u32);
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
	       (size_t)n4 * (sizeof(struct lyncedge_prefix4) + 2 * sizeof(u32)) +
	       bucket_bytes(n4) + bucket_bytes(n6);
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
	p += (size_t)n4 * sizeof(u32);
	if (bucket_bytes(n4)) {
		set->bucket4 = (u32 *)p;
		p += bucket_bytes(n4);
	}
	if (bucket_bytes(n6))
		set->bucket6 = (u32 *)p;
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
	build_ranges(&ops4, old, adds, nr_adds, dels, nr_del, set);
	build_ranges(&ops6, old, adds, nr_adds, dels, nr_del, set);
	*out = set;
out:
	lyncedge_free(adds);
	lyncedge_free(dels);
	return ret;
}
