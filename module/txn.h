/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transactions: changes staged over many netlink messages by one socket,
 * then published as a single new configuration.
 */
#ifndef _LYNCEDGE_TXN_H
#define _LYNCEDGE_TXN_H

#include "pernet.h"

/* What one transaction does to one set: (flush ? {} : set) + add - del. */
struct lyncedge_txn_set {
	bool flush;
	u32 nr_add, nr_del;
	u32 room_add, room_del;
	struct lyncedge_prefix *add;
	struct lyncedge_prefix *del;
};

struct lyncedge_txn {
	struct list_head list;
	/*
	 * The socket that owns it, held: netlink frees a closing socket's
	 * portid before it tells us, so another socket may bind that portid
	 * first and must not see this transaction (nor lose its own when the
	 * late release arrives). The portid only narrows the release search.
	 */
	struct sock *owner;
	u32 portid;
	/* Mode, logging and profiles, as CONFIGURE requests staged them. */
	struct lyncedge_settings settings;
	struct lyncedge_txn_set sets[LYNCEDGE_SET_COUNT];
};

/* All of these need ln->lock held. */
struct lyncedge_txn *lyncedge_txn_find(struct lyncedge_net *ln,
				       const struct sock *owner);
int lyncedge_txn_begin(struct lyncedge_net *ln, struct sock *owner, u32 portid);
void lyncedge_txn_end(struct lyncedge_txn *txn);
/* Stage n prefixes for addition (or deletion); -ENOSPC past max_prefixes. */
int lyncedge_txn_stage(struct lyncedge_txn *txn, u8 set_id, bool del,
		       const struct lyncedge_prefix *prefixes, u32 n);
/* set_id < 0 flushes every set. */
void lyncedge_txn_flush(struct lyncedge_txn *txn, int set_id);
/*
 * Publish what was staged and end the transaction, whether it applies or
 * not; on failure nothing changes, err names the fault of a set and
 * extack says what went wrong in publishing.
 */
int lyncedge_txn_commit(struct net *net, struct lyncedge_txn *txn,
			struct lyncedge_txn_error *err,
			struct netlink_ext_ack *extack);

/* End owner's transaction, if any (TXN_ABORT). */
void lyncedge_txn_abort(struct net *net, const struct sock *owner);
/*
 * A socket bound to portid is gone: end its transaction, if any, in net,
 * but not one a newer socket with the same portid has opened since.
 */
void lyncedge_txn_release(struct net *net, u32 portid);

#endif /* _LYNCEDGE_TXN_H */
