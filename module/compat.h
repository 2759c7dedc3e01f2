/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels we build for (Debian's 6.1 and 6.12),
 * kept here rather than scattered through the code.
 */
#ifndef _LYNCEDGE_COMPAT_H
#define _LYNCEDGE_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

/* 6.2 moved a dump's parsed attributes into a struct genl_info. */
static inline struct nlattr **lyncedge_dump_attrs(struct netlink_callback *cb)
{
#if KERNEL_VERSION(6, 2, 0) > LINUX_VERSION_CODE
	return genl_dumpit_info(cb)->attrs;
#else
	return genl_info_dump(cb)->attrs;
#endif
}

#endif /* _LYNCEDGE_COMPAT_H */
