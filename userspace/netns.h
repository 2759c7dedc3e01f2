/* SPDX-License-Identifier: GPL-2.0 */
/*
 * -n/--netns: the command acts on another network namespace, as "ip -n"
 * does, without an "ip netns exec" process around each call.
 */
#ifndef LYNCEDGE_NETNS_H
#define LYNCEDGE_NETNS_H

#include <stdbool.h>

/*
 * Move this process into the network namespace NAME: a name "ip netns add"
 * gave (under /run/netns), or, if it holds a '/', a path such as
 * /proc/PID/ns/net. Only the network namespace changes: file names (restore
 * FILE) still mean what they meant to the caller. Returns EXIT_OK, or
 * EXIT_REFUSED after printing why.
 */
int enter_netns(const char *name);

/* A NAME enter_netns() can take; false for "", "." and "..". */
bool netns_name_ok(const char *name);

#endif /* LYNCEDGE_NETNS_H */
