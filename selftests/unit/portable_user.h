/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of module/portable.h: what the matching core needs when it
 * is built outside the kernel, for unit tests, fuzzers and benchmarks.
 */
#ifndef _LYNCEDGE_PORTABLE_USER_H
#define _LYNCEDGE_PORTABLE_USER_H

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

struct lyncedge_rcu_head {
	void *next;
	void (*func)(void *);
};

#define BIT(nr)		(1UL << (nr))
/* glibc's sys/cdefs.h has one, the kernel its own. */
#ifndef __always_inline
#define __always_inline	inline __attribute__((always_inline))
#endif

/* ICMPv6 neighbour discovery, the first and last type (net/ndisc.h). */
#define NDISC_ROUTER_SOLICITATION	133
#define NDISC_REDIRECT			137

/* The index of the lowest set bit; word must not be 0. */
static inline unsigned long __ffs(unsigned long word)
{
	return (unsigned long)__builtin_ctzl(word);
}

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

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

#endif /* _LYNCEDGE_PORTABLE_USER_H */
