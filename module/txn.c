// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions. A restore of 100,000 prefixes spans many netlink messages,
 * yet packets must see the old configuration or the new one, never a mix.
 * So messages flagged LYNCEDGE_A_TXN only record what to do, and the
 * commit builds every changed set aside and publishes them with the mode,
 * the log flag and the profiles as one configuration.
 *
 * Staged prefixes are kept as given; sorting, merging and checking them
 * against the live sets happens once, at commit, in lyncedge_set_update().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "txn.h"

struct lyncedge_txn *lyncedge_txn_find(struct lyncedge_net *ln,
				       const struct sock *owner)
{
	struct lyncedge_txn *txn;

	lockdep_assert_held(&ln->lock);
	list_for_each_entry(txn, &ln->txns, list)
		if (txn->owner == owner)
			return txn;
	return NULL;
}

static void staged_free(struct lyncedge_txn_set *ts)
{
	kvfree(ts->add);
	kvfree(ts->del);
	memset(ts, 0, sizeof(*ts));
}

void lyncedge_txn_end(struct lyncedge_txn *txn)
{
	int i;

	list_del(&txn->list);
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		staged_free(&txn->sets[i]);
	sock_put(txn->owner);
	kfree(txn);
}

int lyncedge_txn_begin(struct lyncedge_net *ln, struct sock *owner, u32 portid)
{
	struct lyncedge_txn *txn = lyncedge_txn_find(ln, owner);

	if (txn)
		lyncedge_txn_end(txn);
	txn = kzalloc(sizeof(*txn), GFP_KERNEL_ACCOUNT);
	if (!txn)
		return -ENOMEM;
	/* Held, so that no new socket can take its address while we look. */
	sock_hold(owner);
	txn->owner = owner;
	txn->portid = portid;
	txn->settings = (struct lyncedge_settings)LYNCEDGE_SETTINGS_KEEP;
	list_add(&txn->list, &ln->txns);
	return 0;
}

/* Append n prefixes to *array, growing it by doubling. */
static int append(struct lyncedge_prefix **array, u32 *nr, u32 *room,
		  const struct lyncedge_prefix *prefixes, u32 n, u32 max)
{
	struct lyncedge_prefix *grown;
	u32 want = *nr + n;

	if (want > max || want < n)
		return -ENOSPC;
	if (want > *room) {
		u64 size = max_t(u64, (u64)*room * 2, 1024);

		while (size < want)
			size *= 2;
		size = min_t(u64, size, max);
		grown = kvmalloc_array(size, sizeof(*grown),
				       LYNCEDGE_GFP_USER_DATA);
		if (!grown)
			return -ENOMEM;
		if (*nr)
			memcpy(grown, *array, *nr * sizeof(*grown));
		kvfree(*array);
		*array = grown;
		*room = size;
	}
	memcpy(*array + *nr, prefixes, n * sizeof(*prefixes));
	*nr = want;
	return 0;
}

int lyncedge_txn_stage(struct lyncedge_txn *txn, u8 set_id, bool del,
		       const struct lyncedge_prefix *prefixes, u32 n)
{
	struct lyncedge_txn_set *ts = &txn->sets[set_id];
	u32 max = lyncedge_max_prefixes();

	/* No set can hold more, nor lose more, than the limit. */
	if (del)
		return append(&ts->del, &ts->nr_del, &ts->room_del, prefixes,
			      n, max);
	return append(&ts->add, &ts->nr_add, &ts->room_add, prefixes, n, max);
}

void lyncedge_txn_flush(struct lyncedge_txn *txn, int set_id)
{
	int i;

	for (i = 0; i < LYNCEDGE_SET_COUNT; i++) {
		if (set_id >= 0 && i != set_id)
			continue;
		staged_free(&txn->sets[i]);
		txn->sets[i].flush = true;
	}
}

int lyncedge_txn_commit(struct net *net, struct lyncedge_txn *txn,
			struct lyncedge_txn_error *err,
			struct netlink_ext_ack *extack)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_set *built[LYNCEDGE_SET_COUNT] = {};
	bool changed[LYNCEDGE_SET_COUNT] = {};
	struct lyncedge_config *next;
	struct lyncedge_set_error set_err;
	int i, j, ret;

	lockdep_assert_held(&ln->lock);
	memset(err, 0, sizeof(*err));
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++) {
		struct lyncedge_txn_set *ts = &txn->sets[i];

		if (!ts->flush && !ts->nr_add && !ts->nr_del)
			continue;
		ret = lyncedge_set_update(ts->flush ? NULL :
					  lyncedge_locked_set(ln, i),
					  ts->add, ts->nr_add, ts->del,
					  ts->nr_del, lyncedge_max_prefixes(),
					  &built[i], &set_err);
		if (ret) {
			err->set = i;
			err->in_del = set_err.in_del;
			err->index = set_err.index;
			goto fail;
		}
		changed[i] = true;
	}

	ret = -ENOMEM;
	next = lyncedge_config_next(ln);
	if (!next) {
		NL_SET_ERR_MSG(extack, "out of memory");
		goto fail;
	}
	/* Requests that would turn pic off were refused when staged. */
	WARN_ON_ONCE(lyncedge_settings_apply(&txn->settings, next));
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		if (changed[i])
			next->rs.sets[i] = built[i];
	lyncedge_txn_end(txn);
	return lyncedge_publish(net, next, extack);

fail:
	for (j = 0; j < LYNCEDGE_SET_COUNT; j++)
		lyncedge_set_free(built[j]);
	lyncedge_txn_end(txn);
	return ret;
}

void lyncedge_txn_abort(struct net *net, const struct sock *owner)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_txn *txn;

	mutex_lock(&ln->lock);
	txn = lyncedge_txn_find(ln, owner);
	if (txn)
		lyncedge_txn_end(txn);
	mutex_unlock(&ln->lock);
}

void lyncedge_txn_release(struct net *net, u32 portid)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_txn *txn, *tmp;

	/*
	 * netlink_release() orphans the socket before it notifies us, so
	 * the one that is closing is dead; a live one holding the same
	 * portid bound it after the release began.
	 */
	mutex_lock(&ln->lock);
	list_for_each_entry_safe(txn, tmp, &ln->txns, list)
		if (txn->portid == portid && sock_flag(txn->owner, SOCK_DEAD))
			lyncedge_txn_end(txn);
	mutex_unlock(&ln->lock);
}
