/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netfilter hooks: the packet path.
 */
#ifndef _LYNCEDGE_HOOKS_H
#define _LYNCEDGE_HOOKS_H

#include <net/net_namespace.h>

/* LOCAL_IN, FORWARD and LOCAL_OUT. */
#define LYNCEDGE_HOOK_COUNT 3

int lyncedge_hooks_register(struct net *net);
void lyncedge_hooks_unregister(struct net *net);

#endif /* _LYNCEDGE_HOOKS_H */
