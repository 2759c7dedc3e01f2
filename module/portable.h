/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the matching core (prefixset.c, table.c) needs from its surroundings.
 * The core builds inside nf_lyncedge.ko and, unchanged, on the host, where
 * unit tests, sanitizers, fuzzers and benchmarks exercise it; this header is
 * (with the shim that host builds force in) the only place that knows the
 * difference.
 */
#ifndef _LYNCEDGE_PORTABLE_H
#define _LYNCEDGE_PORTABLE_H

#ifdef __KERNEL__

#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <net/ndisc.h>

/* No typedef: a plain rename the host build can mirror. */
#define lyncedge_rcu_head rcu_head

/*
 * Sets run to megabytes and are built in process context: kvmalloc,
 * charged to the memory cgroup of the process that asked for the set, as
 * nftables charges its sets: an unprivileged owner of a user namespace
 * must not pin kernel memory outside every limit. A cgroup at its limit
 * fails the request instead of OOM-killing, and quietly: the requester
 * gets ENOMEM with a message, and a user's limit is no kernel fault to
 * log with a backtrace. Staged transactions are allocated the same way.
 */
#define LYNCEDGE_GFP_USER_DATA \
	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static inline void *lyncedge_alloc(size_t size)
{
	return kvmalloc(size, LYNCEDGE_GFP_USER_DATA);
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

#elif !defined(_LYNCEDGE_PORTABLE_USER_H)
/*
 * On the host, unit tests, fuzzers and benchmarks bring their own shim and
 * force it in ahead of every source ("-include portable_user.h"), so that
 * the module names nothing outside module/.
 */
#error "a host build of the core must -include its userspace shim"
#endif /* __KERNEL__ */

#endif /* _LYNCEDGE_PORTABLE_H */
