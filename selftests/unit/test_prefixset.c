// SPDX-License-Identifier: GPL-2.0
/*
 * Prefix set unit tests: edge cases by hand, then randomized comparison of
 * the range lookup against a brute-force list after many updates.
 */
#include <stdio.h>
#include <stdlib.h>
#include "kselftest.h"
#include "reference.h"

static enum lyncedge_prefix_error check6(u64 hi, u64 lo, u8 len)
{
	struct lyncedge_prefix p = prefix6(hi, lo, len);

	return lyncedge_prefix_check(&p);
}

static void test_prefix_check(void)
{
	struct lyncedge_prefix bad_family = prefix4(0, 0);

	bad_family.addr.family = 5;
	ksft_test_result(lyncedge_prefix_check(&bad_family) == LYNCEDGE_PREFIX_BAD_FAMILY,
			 "unknown family is refused\n");
	ksft_test_result(lyncedge_prefix_check(&(struct lyncedge_prefix){ .addr = prefix4(0, 33).addr, .len = 33 })
			 == LYNCEDGE_PREFIX_BAD_LENGTH, "IPv4 /33 is refused\n");
	ksft_test_result(lyncedge_prefix_check(&(struct lyncedge_prefix){ .addr = prefix6(0, 0, 0).addr, .len = 129 })
			 == LYNCEDGE_PREFIX_BAD_LENGTH, "IPv6 /129 is refused\n");
	ksft_test_result(lyncedge_prefix_check(&(struct lyncedge_prefix){ .addr = prefix4(0xc6336401, 0).addr, .len = 24 })
			 == LYNCEDGE_PREFIX_HOST_BITS, "198.51.100.1/24 has host bits set\n");
	ksft_test_result(lyncedge_prefix_check(&(struct lyncedge_prefix){ .addr = prefix6(0, 1, 0).addr, .len = 127 })
			 == LYNCEDGE_PREFIX_HOST_BITS, "::1/127 has host bits set\n");
	ksft_test_result(lyncedge_prefix_check(&(struct lyncedge_prefix){ .addr = prefix6(1, 0, 0).addr, .len = 64 })
			 == LYNCEDGE_PREFIX_OK &&
			 lyncedge_prefix_check(&(struct lyncedge_prefix){ .addr = prefix6(0, 0, 0).addr, .len = 0 })
			 == LYNCEDGE_PREFIX_OK &&
			 lyncedge_prefix_check(&(struct lyncedge_prefix){ .addr = prefix4(0xffffffff, 0).addr, .len = 32 })
			 == LYNCEDGE_PREFIX_OK, "valid prefixes pass, /0 to full length\n");
	ksft_test_result(check6(0, 0xffffc6336400ULL, 120) == LYNCEDGE_PREFIX_V4_MAPPED &&
			 check6(0, 0xffff00000000ULL, 96) == LYNCEDGE_PREFIX_V4_MAPPED &&
			 check6(0, 0xffffc6336401ULL, 128) == LYNCEDGE_PREFIX_V4_MAPPED,
			 "IPv4-mapped IPv6 prefixes from /96 to /128 are refused, as the CLI refuses them\n");
	ksft_test_result(check6(0, 0xfffe00000000ULL, 96) == LYNCEDGE_PREFIX_OK &&
			 check6(0, 0, 64) == LYNCEDGE_PREFIX_OK &&
			 check6(1ULL << 32, 0xffffc6336401ULL, 128) == LYNCEDGE_PREFIX_OK,
			 "prefixes that hold ::ffff:0:0/96 or only look like it pass\n");
}

static void test_edges(void)
{
	struct lyncedge_prefix any[] = { prefix4(0, 0), prefix6(0, 0, 0) };
	struct lyncedge_prefix top[] = { prefix4(0xffffff00, 24), prefix6(~0ULL, ~0ULL, 128) };
	struct lyncedge_set *set;
	bool ok;

	set = set_of(any, 2);
	ok = lyncedge_set_contains(set, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV4, .v4 = 0 }) &&
	     lyncedge_set_contains(set, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV4, .v4 = ~0U }) &&
	     lyncedge_set_contains(set, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV6, .v6 = { 0, 0 } }) &&
	     lyncedge_set_contains(set, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV6, .v6 = { ~0ULL, ~0ULL } });
	ksft_test_result(ok, "0.0.0.0/0 and ::/0 cover every address\n");
	lyncedge_set_free(set);

	set = set_of(top, 2);
	ok = lyncedge_set_contains(set, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV4, .v4 = ~0U }) &&
	     !lyncedge_set_contains(set, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV4, .v4 = 0xfffffeff }) &&
	     lyncedge_set_contains(set, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV6, .v6 = { ~0ULL, ~0ULL } }) &&
	     !lyncedge_set_contains(set, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV6, .v6 = { ~0ULL, ~0ULL - 1 } });
	ksft_test_result(ok, "prefixes at the top of the address space\n");
	lyncedge_set_free(set);

	ksft_test_result(!lyncedge_set_contains(NULL, &(struct lyncedge_addr){ .family = LYNCEDGE_IPV4, .v4 = 0 }),
			 "an empty set matches nothing\n");
}

static void test_update_errors(void)
{
	struct lyncedge_prefix base[] = { prefix4(0x0a000000, 8), prefix6(0x20010db800000000ULL, 0, 32) };
	struct lyncedge_prefix del[] = { prefix4(0x0a000000, 8), prefix4(0x0b000000, 8) };
	struct lyncedge_prefix bad[] = { prefix4(0x0a000000, 8), prefix4(0x0a000001, 8) };
	struct lyncedge_set *set = set_of(base, 2), *out;
	struct lyncedge_set_error err = { 0 };
	int ret;

	ret = lyncedge_set_update(set, NULL, 0, del, 2, ~0U, &out, &err);
	ksft_test_result(ret == -ENOENT && err.in_del && err.index == 1 && !out,
			 "deleting an absent prefix fails and names it\n");
	ret = lyncedge_set_update(set, bad, 2, NULL, 0, ~0U, &out, &err);
	ksft_test_result(ret == -EINVAL && !err.in_del && err.index == 1 && !out,
			 "host bits in an added prefix fail and name it\n");
	ret = lyncedge_set_update(set, bad, 1, NULL, 0, 2, &out, &err);
	ksft_test_result(ret == 0 && lyncedge_set_size(out) == 2,
			 "re-adding a present prefix is a no-op, within the limit\n");
	lyncedge_set_free(out);
	ret = lyncedge_set_update(set, &base[0], 0, NULL, 0, 1, &out, &err);
	ksft_test_result(ret == -ENOSPC && !out, "the size limit is enforced\n");
	ret = lyncedge_set_update(set, NULL, 0, base, 2, ~0U, &out, &err);
	ksft_test_result(ret == 0 && !out, "deleting everything gives the empty set\n");
	lyncedge_set_free(set);
}

static struct lyncedge_prefix random_prefix(void)
{
	struct lyncedge_prefix p;
	u64 r = rng();

	/* Mostly long prefixes, some short ones, so ranges nest and touch. */
	if (r & 1)
		p = prefix4((u32)rng(), (r >> 8) % 4 ? 16 + (r >> 16) % 17 : (r >> 16) % 33);
	else
		p = prefix6(0x20010db800000000ULL | (rng() & 0xffffffffULL), rng(),
			    (r >> 8) % 4 ? 32 + (r >> 16) % 97 : (r >> 16) % 129);
	return masked(p);
}

/* An address near a prefix of the reference, or anywhere. */
static struct lyncedge_addr probe_address(const struct lyncedge_prefix *ref, u32 n)
{
	struct lyncedge_prefix p;
	u64 r = rng();

	if (!n || r % 5 == 0)
		return random_prefix().addr;
	p = ref[(r >> 8) % n];
	if (p.addr.family == LYNCEDGE_IPV4) {
		u32 span = p.len >= 32 ? 0 : ~0U >> p.len;

		p.addr.v4 += (r >> 40) % 3 == 0 ? 0 : (r >> 40) % 3 == 1 ? span : span + 1;
		if ((r >> 50) & 1)
			p.addr.v4 -= 1;
	} else {
		p.addr.v6.lo += (r >> 40) & 1 ? 0 : ~0ULL;
		if ((r >> 50) & 1)
			p.addr.v6.lo -= 1;
	}
	return p.addr;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct lyncedge_prefix *x = a, *y = b;

	return memcmp(x, y, sizeof(*x));
}

static void test_random(u64 seed, u32 rounds, u32 batch, u32 lookups)
{
	struct lyncedge_prefix *ref = calloc((size_t)rounds * batch + 1, sizeof(*ref));
	struct lyncedge_prefix *add = calloc(batch, sizeof(*add));
	struct lyncedge_prefix *del = calloc(batch, sizeof(*del));
	struct lyncedge_set *set = NULL, *next;
	struct lyncedge_set_error err;
	u32 n = 0, round, i, mismatches = 0, listing_errors = 0;

	rng_seed(seed);
	for (round = 0; round < rounds; round++) {
		u32 nr_add = 1 + rng() % batch, nr_del = 0;

		for (i = 0; i < nr_add; i++)
			add[i] = random_prefix();
		/* Delete some present prefixes (not ones added this round). */
		for (i = 0; i < n && nr_del < batch / 4; i++)
			if (rng() % 8 == 0)
				del[nr_del++] = ref[i];
		if (lyncedge_set_update(set, add, nr_add, del, nr_del, ~0U, &next, &err)) {
			ksft_test_result_fail("random update %u failed\n", round);
			goto out;
		}
		lyncedge_set_free(set);
		set = next;

		/* The reference, a plain list: (old + add) - del. */
		for (i = 0; i < nr_add; i++) {
			u32 j;

			for (j = 0; j < n && cmp_ref(&ref[j], &add[i]); j++)
				;
			if (j == n)
				ref[n++] = add[i];
		}
		for (i = 0; i < nr_del; i++) {
			u32 j;

			for (j = 0; j < n; j++)
				if (!cmp_ref(&ref[j], &del[i]))
					ref[j] = ref[--n];
		}

		for (i = 0; i < lookups; i++) {
			struct lyncedge_addr a = probe_address(ref, n);

			if (lyncedge_set_contains(set, &a) != naive_contains(ref, n, &a))
				mismatches++;
		}
		if (lyncedge_set_size(set) != n)
			listing_errors++;
	}
	for (i = 0; i < lyncedge_set_size(set); i++) {
		struct lyncedge_prefix p;
		u32 j;

		lyncedge_set_prefix_at(set, i, &p);
		for (j = 0; j < n && cmp_ref(&ref[j], &p); j++)
			;
		if (j == n)
			listing_errors++;
	}
	ksft_test_result(!mismatches && !listing_errors,
			 "random: seed %llu, %u rounds of up to %u changes, %u prefixes: %u lookup mismatches, %u listing errors\n",
			 (unsigned long long)seed, rounds, batch, n, mismatches, listing_errors);
out:
	lyncedge_set_free(set);
	free(ref);
	free(add);
	free(del);
}

/* Short ones would soon cover most of a set, leaving little to patch. */
static struct lyncedge_prefix long_prefix(void)
{
	struct lyncedge_prefix p;

	do
		p = random_prefix();
	while (p.len < (p.addr.family == LYNCEDGE_IPV4 ? 12 : 40));
	return p;
}

/* A prefix related to p: its sibling, parent or a child, to make ranges touch. */
static struct lyncedge_prefix relative_of(struct lyncedge_prefix p)
{
	u8 max = p.addr.family == LYNCEDGE_IPV4 ? 32 : 128;
	u64 r = rng();

	/* Parents sparingly: they swallow their neighbours for good. */
	if (r % 8 < 3 && p.len) {
		/* The sibling: flip the last bit of the prefix. */
		if (p.addr.family == LYNCEDGE_IPV4)
			p.addr.v4 ^= 1U << (32 - p.len);
		else if (p.len > 64)
			p.addr.v6.lo ^= 1ULL << (128 - p.len);
		else
			p.addr.v6.hi ^= 1ULL << (64 - p.len);
	} else if (r % 8 == 3 && p.len) {
		p.len -= 1 + (r >> 8) % (p.len < 4 ? p.len : 4);
	} else if (p.len < max) {
		p.len += 1 + (r >> 8) % (max - p.len < 4 ? max - p.len : 4);
	}
	return masked(p);
}

static bool same_prefixes(const struct lyncedge_set *a, const struct lyncedge_set *b)
{
	u32 i;

	for (i = 0; i < a->nr_prefixes4; i++)
		if (a->prefixes4[i].addr != b->prefixes4[i].addr ||
		    a->prefixes4[i].len != b->prefixes4[i].len)
			return false;
	for (i = 0; i < a->nr_prefixes6; i++)
		if (memcmp(&a->prefixes6[i].addr, &b->prefixes6[i].addr,
			   sizeof(a->prefixes6[i].addr)) ||
		    a->prefixes6[i].len != b->prefixes6[i].len)
			return false;
	return true;
}

/* Field by field: the stored prefixes have padding. */
static bool same_set(const struct lyncedge_set *a, const struct lyncedge_set *b)
{
	if (!a || !b)
		return a == b;
	return a->nr_prefixes4 == b->nr_prefixes4 &&
	       a->nr_prefixes6 == b->nr_prefixes6 &&
	       a->nr_ranges4 == b->nr_ranges4 &&
	       a->nr_ranges6 == b->nr_ranges6 &&
	       same_prefixes(a, b) &&
	       !memcmp(a->first4, b->first4, a->nr_ranges4 * sizeof(*a->first4)) &&
	       !memcmp(a->last4, b->last4, a->nr_ranges4 * sizeof(*a->last4)) &&
	       !memcmp(a->first6, b->first6, a->nr_ranges6 * sizeof(*a->first6)) &&
	       !memcmp(a->last6, b->last6, a->nr_ranges6 * sizeof(*a->last6));
}

/*
 * Small changes to a big set patch its ranges instead of rebuilding them
 * (see prefixset.c): the patched set must equal, array for array, the set
 * built from scratch with the same prefixes. Changes are drawn next to
 * what is there (siblings, parents, children, the ends of the address
 * space), where ranges fold and split. A /0 added folds everything into one
 * range; it is deleted again the round after, which splits them all.
 */
static void test_patch(u64 seed, u32 n, u32 rounds)
{
	static const struct lyncedge_prefix ends[] = {
		{ .addr = { .family = LYNCEDGE_IPV4, .v4 = 0 }, .len = 32 },
		{ .addr = { .family = LYNCEDGE_IPV4, .v4 = ~0U }, .len = 32 },
		{ .addr = { .family = LYNCEDGE_IPV4, .v4 = 0 }, .len = 0 },
		{ .addr = { .family = LYNCEDGE_IPV6, .v6 = { 0, 0 } }, .len = 128 },
		{ .addr = { .family = LYNCEDGE_IPV6, .v6 = { ~0ULL, ~0ULL } }, .len = 128 },
		{ .addr = { .family = LYNCEDGE_IPV6, .v6 = { 0, 0 } }, .len = 0 },
	};
	/* Adds outrun deletes by at most 3 a round. */
	u32 room = n + 3 * rounds;
	struct lyncedge_prefix *all = calloc(room, sizeof(*all)), add[4], del[4];
	struct lyncedge_set *set, *next, *scratch;
	struct lyncedge_set_error err;
	u32 round, i, count, differ = 0, failed = 0;
	struct lyncedge_prefix everything;
	bool has_everything = false;

	rng_seed(seed);
	for (i = 0; i < n; i++)
		all[i] = long_prefix();
	set = set_of(all, n);
	for (round = 0; round < rounds; round++) {
		u32 nr_add = rng() % 4, nr_del = 0, nr_random_del = rng() % 3;
		u32 size = lyncedge_set_size(set);
		bool deleting_everything = has_everything;

		if (has_everything) {
			del[nr_del++] = everything;
			has_everything = false;
		}
		for (i = 0; i < nr_random_del; i++)
			lyncedge_set_prefix_at(set, rng() % size, &del[nr_del++]);

		for (i = 0; i < nr_add; i++) {
			u64 r = rng();
			struct lyncedge_prefix near;

			lyncedge_set_prefix_at(set, r % size, &near);
			add[i] = (r >> 32) % 16 == 0 ? ends[(r >> 40) % 6] :
				 (r >> 32) % 16 == 1 ? long_prefix() : relative_of(near);
			/* Deleted and added at once, it would stay deleted. */
			if (!add[i].len && deleting_everything)
				add[i] = relative_of(near);
			if (!add[i].len && !has_everything) {
				everything = add[i];
				has_everything = true;
			}
		}
		if (lyncedge_set_update(set, add, nr_add, del, nr_del, ~0U, &next, &err)) {
			failed++;
			continue;
		}
		/* The same prefixes, from nothing. */
		count = lyncedge_set_size(next);
		for (i = 0; i < count && i < room; i++)
			lyncedge_set_prefix_at(next, i, &all[i]);
		scratch = set_of(all, count);
		if (!same_set(next, scratch))
			differ++;
		lyncedge_set_free(scratch);
		lyncedge_set_free(set);
		set = next;
	}
	ksft_test_result(!differ && !failed,
			 "patched ranges: seed %llu, %u small changes to %u prefixes (%u ranges): %u differ from a rebuild, %u failed\n",
			 (unsigned long long)seed, rounds, n,
			 set->nr_ranges4 + set->nr_ranges6, differ, failed);
	lyncedge_set_free(set);
	free(all);
}

/*
 * Big families are searched bucket by bucket (see prefixset.h). The answer
 * must be the one a search of the whole family gives, which the same set
 * with its buckets taken away computes, for addresses anywhere and right
 * at the bucket edges; a sample is checked against the brute-force list
 * too. IPv6 prefixes come both spread over the space and crowded into one
 * bucket (2001:db8::/32), and some prefixes span several buckets.
 */
static void test_buckets(u64 seed, u32 n, u32 lookups)
{
	struct lyncedge_prefix *ref = calloc(n + 4, sizeof(*ref));
	struct lyncedge_set *set, whole;
	u32 i, nr = 0, differ = 0, wrong = 0;

	rng_seed(seed);
	for (i = 0; i < n; i++) {
		u64 r = rng();

		if (r % 4 == 0)
			ref[nr++] = masked(prefix6(rng(), rng(), 12 + (r >> 8) % 117));
		else if (r % 64 == 1)
			ref[nr++] = masked(prefix4((u32)rng(), 10 + (r >> 8) % 6));
		else
			ref[nr++] = long_prefix();
	}
	ref[nr++] = prefix4(0, 32);
	ref[nr++] = prefix4(~0U, 32);
	ref[nr++] = prefix6(0, 0, 128);
	ref[nr++] = prefix6(~0ULL, ~0ULL, 128);
	set = set_of(ref, nr);
	whole = *set;
	whole.bucket4 = NULL;
	whole.bucket6 = NULL;

	for (i = 0; i < lookups; i++) {
		struct lyncedge_addr a;
		u64 r = rng();

		if (r % 3 == 0) {
			a = probe_address(ref, nr);
		} else if (r % 3 == 1) {
			/* The first or last address of a bucket, or beside it. */
			u32 b = (r >> 8) % LYNCEDGE_BUCKETS, edge = (r >> 40) % 4;

			if ((r >> 50) & 1) {
				a = addr4((b << 16) + (edge < 2 ? edge : 0xfffe + edge - 2));
			} else {
				a = addr6((u64)b << 48, 0);
				if (edge & 1) {
					a.v6.hi |= ~0ULL >> 16;
					a.v6.lo = ~0ULL;
				}
			}
		} else {
			a = long_prefix().addr;
		}
		if (lyncedge_set_contains(set, &a) != lyncedge_set_contains(&whole, &a))
			differ++;
		if (i % 50 == 0 &&
		    lyncedge_set_contains(set, &a) != naive_contains(ref, nr, &a))
			wrong++;
	}
	ksft_test_result(set->bucket4 && set->bucket6 && !differ && !wrong,
			 "buckets: %u prefixes (%u IPv4 and %u IPv6 ranges), %u lookups: %u differ from a whole search, %u wrong\n",
			 nr, set->nr_ranges4, set->nr_ranges6, lookups, differ, wrong);
	lyncedge_set_free(set);
	free(ref);
}

static void test_large(u64 seed, u32 n, u32 lookups)
{
	struct lyncedge_prefix *ref = calloc(n, sizeof(*ref));
	struct lyncedge_set *set;
	u32 i, mismatches = 0;

	rng_seed(seed);
	for (i = 0; i < n; i++)
		ref[i] = random_prefix();
	set = set_of(ref, n);
	for (i = 0; i < lookups; i++) {
		struct lyncedge_addr a = probe_address(ref, n);

		if (lyncedge_set_contains(set, &a) != naive_contains(ref, n, &a))
			mismatches++;
	}
	ksft_test_result(!mismatches && lyncedge_set_size(set) <= n,
			 "large: %u random prefixes (%u distinct, %zu bytes), %u lookups, %u mismatches\n",
			 n, lyncedge_set_size(set), lyncedge_set_bytes(set), lookups, mismatches);
	lyncedge_set_free(set);
	free(ref);
}

int main(void)
{
	const char *env = getenv("LYNCEDGE_TEST_SEED");
	u64 seed = env ? strtoull(env, NULL, 0) : 20131101;

	ksft_print_header();
	ksft_set_plan(21);
	test_prefix_check();
	test_edges();
	test_update_errors();
	test_random(seed, 200, 64, 500);
	test_random(seed + 1, 50, 1000, 2000);
	test_large(seed + 2, 100000, 3000);
	test_patch(seed + 3, 4000, 3000);
	test_buckets(seed + 4, 30000, 300000);
	ksft_finished();
}
