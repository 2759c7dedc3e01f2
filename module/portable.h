/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the matching core (prefixset.c, table.c) needs from its surroundings.
 * The core builds inside nf_lyncedge.ko and, unchanged, on the host, where
 * unit tests, sanitizers, fuzzers and benchmarks exercise it; this header is
 * the only place that knows the difference.
 */
#ifndef _LYNCEDGE_PORTABLE_H
#define _LYNCEDGE_PORTABLE_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

typedef struct rcu_head lyncedge_rcu_head;

/* Sets run to megabytes and are built in process context: kvmalloc. */
static inline void *lyncedge_alloc(size_t size)
{
	return kvmalloc(size, GFP_KERNEL);
}

static inline void lyncedge_free(void *ptr)
{
	kvfree(ptr);
}

static inline void lyncedge_sort(void *base, size_t num, size_t size,
				 int (*cmp)(const void *, const void *))
{
	sort(base, num, size, cmp, NULL);
}

#else /* userspace */

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

typedef struct { void *next; void (*func)(void *); } lyncedge_rcu_head;

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)

static inline void *lyncedge_alloc(size_t size)
{
	return malloc(size);
}

static inline void lyncedge_free(void *ptr)
{
	free(ptr);
}

static inline void lyncedge_sort(void *base, size_t num, size_t size,
				 int (*cmp)(const void *, const void *))
{
	qsort(base, num, size, cmp);
}

#endif /* __KERNEL__ */

#endif /* _LYNCEDGE_PORTABLE_H */
