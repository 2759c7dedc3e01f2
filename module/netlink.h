/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "lyncedge" generic netlink family: see uapi/lyncedge.h.
 */
#ifndef _LYNCEDGE_NETLINK_H
#define _LYNCEDGE_NETLINK_H

int lyncedge_genl_init(void);
void lyncedge_genl_exit(void);

#endif /* _LYNCEDGE_NETLINK_H */
