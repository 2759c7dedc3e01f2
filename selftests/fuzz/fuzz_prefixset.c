// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the matching core's prefix sets (module/prefixset.c,
 * built for the host as selftests/unit builds it). The input is read as a
 * program of operations on one set, and every result is held against a
 * brute-force model: a sorted list of the prefixes the set must hold, whose
 * lookups are a plain walk (naive_contains() of reference.h).
 *
 * Each operation starts with a byte, op % OP_COUNT:
 *   OP_UPDATE  a count byte for the adds, one for the deletes (each % 9),
 *              a max_prefixes byte, then the prefixes (read_prefix())
 *   OP_LOOKUP  one address (read_address())
 *   OP_BULK    thousands of prefixes of a family from a seed (op_bulk()),
 *              so that it gets its lookup buckets; at most MAX_BULK an
 *              input
 *   OP_FLUSH   delete every prefix of the set, by its listing
 * The input ends the program; an operation cut short is still run, with
 * zeros for the missing bytes.
 *
 * Checked after every update: the error, and where it points, against what
 * the model says is wrong with the request (lyncedge_set_update()'s
 * contract in prefixset.h); that a refused update leaves no set; the
 * listing, prefix by prefix, against the model; that the old set, which
 * packets may still be reading in the kernel, is unchanged; and lookups at
 * both ends, and just outside, of every prefix of the request and of the
 * set. Any disagreement prints it and aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"

enum {
	OP_UPDATE,
	OP_LOOKUP,
	OP_BULK,
	OP_FLUSH,
	OP_COUNT
};

/* Requests stay small, so that libFuzzer can reason about them... */
#define MAX_REQUEST 8
/* ...and bulk loads rare: one costs tens of milliseconds. */
#define MAX_BULK 1
/* Enough for a family to have buckets once the duplicates are gone. */
#define BULK_BASE (LYNCEDGE_BUCKETS_FROM + LYNCEDGE_BUCKETS_FROM / 8)
#define MAX_OPS 256
/* Of a bulk load, and of the set after it, the prefixes whose edges are
 * probed. */
#define SAMPLED_PREFIXES 64
/* Models up to this size are walked whole on a lookup (model_contains()). */
#define WALKED_MAX 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size, pos;
};

/* The model: the prefixes the set holds, in the set's order. */
struct model {
	struct lyncedge_prefix *prefixes;
	u32 n, room;
};

static bool input_left(const struct input *in)
{
	return in->pos < in->size;
}

static u8 next_byte(struct input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static void next_bytes(struct input *in, u8 *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = next_byte(in);
}

static void print_addr(const struct lyncedge_addr *a, unsigned int len)
{
	if (a->family == LYNCEDGE_IPV4)
		fprintf(stderr, " %#010x/%u", a->v4, len);
	else if (a->family == LYNCEDGE_IPV6)
		fprintf(stderr, " %016llx%016llx/%u",
			(unsigned long long)a->v6.hi,
			(unsigned long long)a->v6.lo, len);
	else
		fprintf(stderr, " family %u/%u", a->family, len);
}

/* A disagreement with the model: what, and the prefix it is about. */
static void fail(const char *what, const struct lyncedge_prefix *p)
{
	fprintf(stderr, "fuzz_prefixset: %s", what);
	if (p)
		print_addr(&p->addr, p->len);
	fprintf(stderr, "\n");
	abort();
}

/* The set's order (prefixset.h): IPv4 first, then address, then length. */
static int prefix_cmp(const struct lyncedge_prefix *a,
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

static int prefix_cmp_sort(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static bool model_has(const struct model *m, const struct lyncedge_prefix *p)
{
	return m->n && bsearch(p, m->prefixes, m->n, sizeof(*p), prefix_cmp_sort);
}

/*
 * Whether a prefix of the model covers a. A small model is walked whole,
 * as the unit tests do; in a big one, a lookup of a's prefix of every
 * length finds the same answer in about 129 binary searches, so that a
 * bulk-loaded set can be probed at hundreds of points per input.
 */
static bool model_contains(const struct model *m, const struct lyncedge_addr *a)
{
	unsigned int len, max = a->family == LYNCEDGE_IPV4 ? 32 : 128;
	struct lyncedge_prefix p;

	if (m->n <= WALKED_MAX)
		return naive_contains(m->prefixes, m->n, a);
	for (len = 0; len <= max; len++) {
		memset(&p, 0, sizeof(p));
		p.addr = *a;
		p.len = (u8)len;
		p = masked(p);
		if (model_has(m, &p))
			return true;
	}
	return false;
}

static void model_reserve(struct model *m, u32 room)
{
	/* Never NULL, so that qsort() and bsearch() get an array. */
	if (!room)
		room = 1;
	if (room <= m->room)
		return;
	m->prefixes = realloc(m->prefixes, (size_t)room * sizeof(*m->prefixes));
	if (!m->prefixes)
		abort();
	m->room = room;
}

/* The model's prefix at byte / 256 of the way through: spread over a big set. */
static const struct lyncedge_prefix *pick(const struct model *m, u8 byte)
{
	return &m->prefixes[(u64)byte * m->n / 256];
}

/* A prefix of family from its address bytes, host bits and all. */
static struct lyncedge_prefix from_bytes(u8 family, const u8 *bytes, u8 len)
{
	struct lyncedge_prefix p;
	int i;

	memset(&p, 0, sizeof(p));
	p.addr.family = family;
	p.len = len;
	if (family == LYNCEDGE_IPV4) {
		for (i = 0; i < 4; i++)
			p.addr.v4 = p.addr.v4 << 8 | bytes[i];
		return p;
	}
	for (i = 0; i < 8; i++) {
		p.addr.v6.hi = p.addr.v6.hi << 8 | bytes[i];
		p.addr.v6.lo = p.addr.v6.lo << 8 | bytes[8 + i];
	}
	return p;
}

/* A valid prefix from any address bytes and length byte. */
static struct lyncedge_prefix clean(u8 family, const u8 *bytes, u8 len)
{
	return masked(from_bytes(family, bytes,
				 len % (family == LYNCEDGE_IPV4 ? 33 : 129)));
}

/* The first and last address a valid prefix covers. */
static void bounds(const struct lyncedge_prefix *p, struct lyncedge_addr *first,
		   struct lyncedge_addr *last)
{
	unsigned int host = (p->addr.family == LYNCEDGE_IPV4 ? 32 : 128) - p->len;

	*first = *last = p->addr;
	if (p->addr.family == LYNCEDGE_IPV4) {
		last->v4 |= host >= 32 ? ~0U : (1U << host) - 1;
	} else if (host > 64) {
		last->v6.hi |= host >= 128 ? ~0ULL : (1ULL << (host - 64)) - 1;
		last->v6.lo = ~0ULL;
	} else if (host) {
		last->v6.lo |= host == 64 ? ~0ULL : (1ULL << host) - 1;
	}
}

/* a + delta (+1 or -1), wrapping around the address space. */
static struct lyncedge_addr step(struct lyncedge_addr a, int delta)
{
	if (a.family == LYNCEDGE_IPV4) {
		a.v4 += (u32)delta;
	} else if (delta > 0) {
		if (++a.v6.lo == 0)
			a.v6.hi++;
	} else {
		if (a.v6.lo-- == 0)
			a.v6.hi--;
	}
	return a;
}

/*
 * A prefix, one selector byte first; its low two bits pick the kind:
 *   0 IPv4: a length byte, 4 address bytes
 *   1 IPv6: a length byte, then bits 3..6 + 1 bytes for the top of the
 *     address; bit 7 fills the rest with ones instead of zeros
 *   2 one of the model's (a position byte, pick()), its length moved
 *     by a signed delta byte (% 8): the same prefix, or one nesting or
 *     nested in it
 *   3 a neighbour of one of the model's (a position byte), the one the
 *     last bit of its prefix flips to: ranges that touch
 * Bit 2 keeps the host bits as read (the prefix may then be invalid), and
 * a length byte of 0xff is out of range; with kind 0 and an address byte
 * 0xff first, the family is that next byte instead: invalid inputs the
 * core must refuse.
 */
static struct lyncedge_prefix read_prefix(struct input *in,
					  const struct model *m)
{
	u8 sel = next_byte(in), kind = sel & 3, len, bytes[16];
	bool keep_host_bits = sel & 4;
	struct lyncedge_prefix p;
	int delta;

	memset(&p, 0, sizeof(p));
	memset(bytes, 0, sizeof(bytes));
	if ((kind == 2 || kind == 3) && !m->n)
		kind = 0;
	switch (kind) {
	case 0:
		len = next_byte(in);
		next_bytes(in, bytes, 4);
		if (bytes[0] == 0xff && bytes[1] != LYNCEDGE_IPV4 &&
		    bytes[1] != LYNCEDGE_IPV6 && bytes[1] != 0xff) {
			p.addr.family = bytes[1];
			p.len = len;
			return p;
		}
		p = clean(LYNCEDGE_IPV4, bytes, len);
		break;
	case 1:
		len = next_byte(in);
		memset(bytes, sel & 0x80 ? 0xff : 0, sizeof(bytes));
		next_bytes(in, bytes, 1 + ((sel >> 3) & 15));
		p = clean(LYNCEDGE_IPV6, bytes, len);
		break;
	case 2:
		p = *pick(m, next_byte(in));
		delta = (int)(int8_t)next_byte(in) % 8;
		len = (u8)((int)p.len + delta < 0 ? 0 : (int)p.len + delta);
		p.len = p.addr.family == LYNCEDGE_IPV4 ? (len > 32 ? 32 : len) :
							(len > 128 ? 128 : len);
		p = masked(p);
		break;
	case 3: {
		struct lyncedge_prefix flip;

		p = *pick(m, next_byte(in));
		if (!p.len)
			break;
		flip = p;
		if (p.addr.family == LYNCEDGE_IPV4)
			flip.addr.v4 ^= 1U << (32 - p.len);
		else if (p.len > 64)
			flip.addr.v6.lo ^= 1ULL << (128 - p.len);
		else
			flip.addr.v6.hi ^= 1ULL << (64 - p.len);
		p = flip;
		break;
	}
	}
	/* The bytes as read, host bits and length out of range and all. */
	if (keep_host_bits && kind <= 1)
		p = from_bytes(p.addr.family, bytes, len);
	return p;
}

/*
 * An address: a selector byte; bit 0 set picks an edge of one of the
 * model's prefixes (a position byte, pick(); bits 1-2: first, last, one
 * before, one after), else a fresh IPv4 (bit 1 clear: 4 bytes) or IPv6 address
 * (as read_prefix()'s kind 1, at full length).
 */
static struct lyncedge_addr read_address(struct input *in, const struct model *m)
{
	u8 sel = next_byte(in), bytes[16];
	struct lyncedge_addr first, last;

	if ((sel & 1) && m->n) {
		bounds(pick(m, next_byte(in)), &first, &last);
		switch ((sel >> 1) & 3) {
		case 0: return first;
		case 1: return last;
		case 2: return step(first, -1);
		default: return step(last, 1);
		}
	}
	memset(bytes, sel & 0x80 ? 0xff : 0, sizeof(bytes));
	if (!(sel & 2)) {
		next_bytes(in, bytes, 4);
		return clean(LYNCEDGE_IPV4, bytes, 32).addr;
	}
	next_bytes(in, bytes, 1 + ((sel >> 3) & 15));
	return clean(LYNCEDGE_IPV6, bytes, 128).addr;
}

static void check_lookup(const struct lyncedge_set *set, const struct model *m,
			 const struct lyncedge_addr *a)
{
	bool got = lyncedge_set_contains(set, a);

	if (got != model_contains(m, a)) {
		fprintf(stderr, "fuzz_prefixset: the set %s address",
			got ? "contains" : "lacks");
		print_addr(a, a->family == LYNCEDGE_IPV4 ? 32 : 128);
		fprintf(stderr, ", the model (%u prefixes) disagrees\n", m->n);
		abort();
	}
}

/* Lookups at both ends of p's range and just outside it. */
static void check_edges(const struct lyncedge_set *set, const struct model *m,
			const struct lyncedge_prefix *p)
{
	struct lyncedge_addr first, last, probe;

	if (lyncedge_prefix_check(p) != LYNCEDGE_PREFIX_OK)
		return;
	bounds(p, &first, &last);
	check_lookup(set, m, &first);
	check_lookup(set, m, &last);
	probe = step(first, -1);
	check_lookup(set, m, &probe);
	probe = step(last, 1);
	check_lookup(set, m, &probe);
}

/* The set lists exactly the model's prefixes, in order. */
static void check_listing(const struct lyncedge_set *set, const struct model *m)
{
	struct lyncedge_prefix p;
	u32 i;

	if (lyncedge_set_size(set) != m->n)
		fail("the set holds a different number of prefixes than the model",
		     NULL);
	for (i = 0; i < m->n; i++) {
		lyncedge_set_prefix_at(set, i, &p);
		if (prefix_cmp(&p, &m->prefixes[i]))
			fail("the listing differs from the model at", &m->prefixes[i]);
	}
}

/* Which prefix of a request an error points at, and what the model says. */
static bool points_at_invalid(const struct lyncedge_set_error *err,
			      const struct lyncedge_prefix *add, u32 nr_add,
			      const struct lyncedge_prefix *del, u32 nr_del)
{
	if (err->in_del)
		return err->index < nr_del &&
		       lyncedge_prefix_check(&del[err->index]) != LYNCEDGE_PREFIX_OK;
	return err->index < nr_add &&
	       lyncedge_prefix_check(&add[err->index]) != LYNCEDGE_PREFIX_OK;
}

static bool in_list(const struct lyncedge_prefix *p,
		    const struct lyncedge_prefix *list, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (!prefix_cmp(p, &list[i]))
			return true;
	return false;
}

/* p in a list sorted by prefix_cmp(). */
static bool in_sorted(const struct lyncedge_prefix *p,
		      const struct lyncedge_prefix *list, u32 n)
{
	return n && bsearch(p, list, n, sizeof(*p), prefix_cmp_sort);
}

static struct lyncedge_prefix *sorted_copy(const struct lyncedge_prefix *p, u32 n)
{
	struct lyncedge_prefix *copy = calloc(n ? n : 1, sizeof(*copy));

	if (!copy)
		abort();
	if (n)
		memcpy(copy, p, (size_t)n * sizeof(*copy));
	qsort(copy, n, sizeof(*copy), prefix_cmp_sort);
	return copy;
}

/*
 * (old + add) - del into next, the model of the result; returns whether
 * some request is invalid, and sets *absent when a delete names a prefix
 * in neither old nor add.
 */
static bool model_update(const struct model *old, struct model *next,
			 const struct lyncedge_prefix *add, u32 nr_add,
			 const struct lyncedge_prefix *del, u32 nr_del,
			 bool *absent)
{
	struct lyncedge_prefix *adds, *dels;
	u32 i, i_old = 0, i_add = 0;

	*absent = false;
	for (i = 0; i < nr_add; i++)
		if (lyncedge_prefix_check(&add[i]) != LYNCEDGE_PREFIX_OK)
			return true;
	for (i = 0; i < nr_del; i++)
		if (lyncedge_prefix_check(&del[i]) != LYNCEDGE_PREFIX_OK)
			return true;
	adds = sorted_copy(add, nr_add);
	dels = sorted_copy(del, nr_del);
	for (i = 0; i < nr_del; i++)
		if (!model_has(old, &del[i]) && !in_sorted(&del[i], adds, nr_add))
			*absent = true;
	/* Both are sorted: one merge, not a sort of the whole model. */
	model_reserve(next, old->n + nr_add);
	next->n = 0;
	while (i_old < old->n || i_add < nr_add) {
		const struct lyncedge_prefix *p;
		int c = i_old == old->n ? 1 : i_add == nr_add ? -1 :
			prefix_cmp(&old->prefixes[i_old], &adds[i_add]);

		p = c <= 0 ? &old->prefixes[i_old] : &adds[i_add];
		if (c <= 0)
			i_old++;
		/* An add given twice, or already there, is one prefix. */
		while (c >= 0 && i_add < nr_add && !prefix_cmp(p, &adds[i_add]))
			i_add++;
		if (!in_sorted(p, dels, nr_del))
			next->prefixes[next->n++] = *p;
	}
	free(adds);
	free(dels);
	return false;
}

/* Every prefix of a short list, SAMPLED_PREFIXES spread over a long one. */
static u32 sample_step(u32 n)
{
	return n > SAMPLED_PREFIXES ? n / SAMPLED_PREFIXES : 1;
}

/* The state of one run: the set under test and its model. */
struct state {
	struct lyncedge_set *set;
	struct model model, next;
};

/*
 * One lyncedge_set_update() and every check of it; the set and model move
 * on when it succeeds.
 */
static void update(struct state *s, const struct lyncedge_prefix *add, u32 nr_add,
		   const struct lyncedge_prefix *del, u32 nr_del, u32 max_prefixes)
{
	struct lyncedge_set_error err = { .in_del = true, .index = ~0U };
	struct lyncedge_set *out = (struct lyncedge_set *)&err;
	bool invalid, absent, too_big;
	struct model swap;
	u32 i;
	int ret;

	invalid = model_update(&s->model, &s->next, add, nr_add, del, nr_del,
			       &absent);
	too_big = !invalid && s->next.n > max_prefixes;
	ret = lyncedge_set_update(s->set, add, nr_add, del, nr_del, max_prefixes,
				  &out, &err);
	if (ret && out)
		fail("a refused update left a set behind", NULL);
	if (invalid) {
		if (ret != -EINVAL)
			fail("an invalid prefix was not refused with -EINVAL", NULL);
		if (!points_at_invalid(&err, add, nr_add, del, nr_del))
			fail("-EINVAL points at a valid prefix, or at none", NULL);
		return;
	}
	if (ret == -ENOENT) {
		if (!absent)
			fail("-ENOENT, but every deleted prefix is there", NULL);
		if (!err.in_del || err.index >= nr_del ||
		    model_has(&s->model, &del[err.index]) ||
		    in_list(&del[err.index], add, nr_add))
			fail("-ENOENT points at a prefix that is there, or at none",
			     err.in_del && err.index < nr_del ? &del[err.index] : NULL);
		return;
	}
	if (ret == -ENOSPC) {
		if (!too_big)
			fail("-ENOSPC, but the result fits max_prefixes", NULL);
		return;
	}
	if (ret)
		fail("unexpected error from lyncedge_set_update", NULL);
	if (absent)
		fail("deleting an absent prefix succeeded", NULL);
	if (too_big)
		fail("the result holds more than max_prefixes", NULL);
	if (!out != !s->next.n)
		fail("an empty result must be the NULL set, and only it", NULL);

	check_listing(out, &s->next);
	/* The old set is still read by packets in flight: it must not move. */
	check_listing(s->set, &s->model);
	for (i = 0; i < nr_add; i += sample_step(nr_add))
		check_edges(out, &s->next, &add[i]);
	for (i = 0; i < nr_del; i += sample_step(nr_del))
		check_edges(out, &s->next, &del[i]);
	for (i = 0; i < s->next.n; i += sample_step(s->next.n))
		check_edges(out, &s->next, &s->next.prefixes[i]);

	lyncedge_set_free(s->set);
	s->set = out;
	swap = s->model;
	s->model = s->next;
	s->next = swap;
}

static void op_update(struct state *s, struct input *in)
{
	struct lyncedge_prefix add[MAX_REQUEST], del[MAX_REQUEST];
	u32 nr_add = next_byte(in) % (MAX_REQUEST + 1);
	u32 nr_del = next_byte(in) % (MAX_REQUEST + 1);
	u8 limit = next_byte(in);
	u32 i, max_prefixes = ~0U;

	/* Most updates have no limit; the rest land near the set's size. */
	if (limit & 0x80)
		max_prefixes = s->model.n + (limit & 15) < 8 ? 0 :
			       s->model.n + (limit & 15) - 8;
	for (i = 0; i < nr_add; i++)
		add[i] = read_prefix(in, &s->model);
	for (i = 0; i < nr_del; i++)
		del[i] = read_prefix(in, &s->model);
	update(s, add, nr_add, del, nr_del, max_prefixes);
}

/*
 * A random prefix in the spirit of test_prefixset.c's: mostly long ones,
 * some short ones, so that ranges nest and touch, in a part of the address
 * space narrow enough for many to share a bucket.
 */
static struct lyncedge_prefix bulk_prefix(u8 family)
{
	u64 r = rng();

	if (family == LYNCEDGE_IPV4)
		return masked(prefix4((u32)rng() & 0xc0ffffff,
				      (r >> 8) % 4 ? 16 + (r >> 16) % 17 : (r >> 16) % 33));
	return masked(prefix6(0x20010db800000000ULL | (rng() & 0xc0ffffffULL) << 16,
			      rng(), (r >> 8) % 4 ? 32 + (r >> 16) % 97 : (r >> 16) % 129));
}

/*
 * OP_BULK: a family byte (bit 0: IPv4, else IPv6), a count byte and 8 seed
 * bytes; adds BULK_BASE + count * 4 prefixes of the family.
 */
static void op_bulk(struct state *s, struct input *in)
{
	u8 family = next_byte(in) & 1 ? LYNCEDGE_IPV4 : LYNCEDGE_IPV6, seed[8];
	u32 count = BULK_BASE + next_byte(in) * 4u, i;
	struct lyncedge_prefix *add;
	u64 seed_value = 0;

	next_bytes(in, seed, sizeof(seed));
	for (i = 0; i < sizeof(seed); i++)
		seed_value = seed_value << 8 | seed[i];
	rng_seed(seed_value);
	add = calloc(count, sizeof(*add));
	if (!add)
		abort();
	for (i = 0; i < count; i++)
		add[i] = bulk_prefix(family);
	update(s, add, count, NULL, 0, ~0U);
	free(add);
}

static void op_flush(struct state *s)
{
	struct lyncedge_prefix *del;
	u32 i, n = lyncedge_set_size(s->set);

	del = calloc(n ? n : 1, sizeof(*del));
	if (!del)
		abort();
	for (i = 0; i < n; i++)
		lyncedge_set_prefix_at(s->set, i, &del[i]);
	update(s, NULL, 0, del, n, ~0U);
	free(del);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { .data = data, .size = size };
	struct state s = { 0 };
	struct lyncedge_addr a;
	unsigned int ops = 0, bulks = 0;

	while (input_left(&in) && ops++ < MAX_OPS) {
		switch (next_byte(&in) % OP_COUNT) {
		case OP_UPDATE:
			op_update(&s, &in);
			break;
		case OP_LOOKUP:
			a = read_address(&in, &s.model);
			check_lookup(s.set, &s.model, &a);
			break;
		case OP_BULK:
			if (bulks++ < MAX_BULK)
				op_bulk(&s, &in);
			break;
		case OP_FLUSH:
			op_flush(&s);
			break;
		}
	}
	lyncedge_set_free(s.set);
	free(s.model.prefixes);
	free(s.next.prefixes);
	return 0;
}
