// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state. A namespace starts in mode off with empty sets and
 * costs nothing: hooks and the conntrack reference exist only while its
 * mode is monitor or enforce.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack.h>

#include "hooks.h"
#include "pernet.h"
#include "txn.h"

static unsigned int max_prefixes = 1000000;
module_param(max_prefixes, uint, 0644);
MODULE_PARM_DESC(max_prefixes,
		 "Most prefixes (IPv4 and IPv6 together) one set may hold (default 1000000)");

unsigned int lyncedge_net_id __read_mostly;

u32 lyncedge_max_prefixes(void)
{
	return READ_ONCE(max_prefixes);
}

struct lyncedge_config *lyncedge_config_next(struct lyncedge_net *ln)
{
	return kmemdup(lyncedge_locked_config(ln),
		       sizeof(struct lyncedge_config), GFP_KERNEL_ACCOUNT);
}

/* Free what next holds that the published configuration does not. */
static void config_discard(struct lyncedge_net *ln,
			   struct lyncedge_config *next)
{
	const struct lyncedge_config *cur = lyncedge_locked_config(ln);
	int i;

	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		if (next->rs.sets[i] != cur->rs.sets[i])
			lyncedge_set_free((struct lyncedge_set *)next->rs.sets[i]);
	kfree(next);
}

/* Hooks and the conntrack reference exist only while the mode is not off. */
static int enable(struct net *net)
{
	int err;

	/* States must exist before the first packet is judged. */
	err = nf_ct_netns_get(net, NFPROTO_INET);
	if (err)
		return err;
	err = lyncedge_hooks_register(net);
	if (err)
		nf_ct_netns_put(net, NFPROTO_INET);
	return err;
}

static void disable(struct net *net)
{
	lyncedge_hooks_unregister(net);
	nf_ct_netns_put(net, NFPROTO_INET);
}

/* What the packet path reads, derived from the settings and the sets. */
static void config_derive(struct lyncedge_config *config)
{
	unsigned int i;

	config->rs.rows = lyncedge_profile_rows(config->profiles);
	lyncedge_ruleset_prepare(&config->rs);
	config->nr_scope = 0;
	for (i = 0; i < LYNCEDGE_EDGE_SIDE_COUNT; i++) {
		const struct lyncedge_set *set =
			config->rs.sets[lyncedge_edge_side[i]];

		if (lyncedge_set_size(set))
			config->scope[config->nr_scope++] = set;
	}
}

/*
 * Everything that can fail happens before the swap. A set the old
 * configuration held and next does not is garbage once readers of the old
 * one are gone.
 */
int lyncedge_publish(struct net *net, struct lyncedge_config *next,
		     struct netlink_ext_ack *extack)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_config *old;
	struct lyncedge_set *gone;
	bool was_on, on;
	int i, err;

	lockdep_assert_held(&ln->lock);
	old = rcu_dereference_protected(ln->config, lockdep_is_held(&ln->lock));
	was_on = old->mode != LYNCEDGE_MODE_OFF;
	on = next->mode != LYNCEDGE_MODE_OFF;

	if (next->log && !old->log) {
		err = lyncedge_log_get();
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot load a logger (module nf_log_syslog)");
			goto discard;
		}
	}
	/* The hooks pass everything while the published mode is off. */
	if (on && !was_on) {
		err = enable(net);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot enable the hooks or connection tracking");
			if (next->log && !old->log)
				lyncedge_log_put();
			goto discard;
		}
	}

	config_derive(next);
	rcu_assign_pointer(ln->config, next);
	ln->config_generation++;
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++) {
		if (old->rs.sets[i] == next->rs.sets[i])
			continue;
		ln->generation[i]++;
		gone = (struct lyncedge_set *)old->rs.sets[i];
		if (gone)
			kvfree_rcu(gone, rcu);
	}

	if (was_on && !on)
		disable(net);
	if (old->log && !next->log)
		lyncedge_log_put();
	kfree_rcu(old, rcu);
	return 0;

discard:
	config_discard(ln, next);
	return err;
}

void lyncedge_settings_merge(struct lyncedge_settings *staged,
			     const struct lyncedge_settings *s)
{
	if (s->mode >= 0)
		staged->mode = s->mode;
	if (s->log >= 0)
		staged->log = s->log;
	if (s->profiles >= 0) {
		staged->profiles = s->profiles;
		staged->enable = 0;
		staged->disable = 0;
	}
	staged->enable = (staged->enable | s->enable) & ~s->disable;
	staged->disable = (staged->disable | s->disable) & ~s->enable;
}

int lyncedge_settings_apply(const struct lyncedge_settings *s,
			    struct lyncedge_config *next)
{
	u32 profiles = next->profiles;

	if (s->profiles >= 0)
		profiles = s->profiles;
	profiles = (profiles | s->enable) & ~s->disable;
	if (!(profiles & BIT(LYNCEDGE_PROFILE_PIC)))
		return -EINVAL;
	if (s->mode >= 0)
		next->mode = s->mode;
	if (s->log >= 0)
		next->log = s->log;
	next->profiles = profiles;
	return 0;
}

int lyncedge_configure(struct net *net, const struct lyncedge_settings *s,
		       struct netlink_ext_ack *extack)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_config *next;
	int err;

	lockdep_assert_held(&ln->lock);
	next = lyncedge_config_next(ln);
	if (!next) {
		NL_SET_ERR_MSG(extack, "out of memory");
		return -ENOMEM;
	}
	err = lyncedge_settings_apply(s, next);
	if (err) {
		NL_SET_ERR_MSG(extack, "profile pic is always on");
		kfree(next);
		return err;
	}
	return lyncedge_publish(net, next, extack);
}

int lyncedge_update_set(struct net *net, u8 set_id,
			const struct lyncedge_prefix *add, u32 nr_add,
			const struct lyncedge_prefix *del, u32 nr_del,
			struct lyncedge_set_error *err,
			struct netlink_ext_ack *extack)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_config *next;
	struct lyncedge_set *set;
	int ret;

	lockdep_assert_held(&ln->lock);
	ret = lyncedge_set_update(lyncedge_locked_set(ln, set_id), add, nr_add,
				  del, nr_del, lyncedge_max_prefixes(), &set,
				  err);
	if (ret)
		return ret;
	next = lyncedge_config_next(ln);
	if (!next) {
		NL_SET_ERR_MSG(extack, "out of memory");
		lyncedge_set_free(set);
		return -ENOMEM;
	}
	next->rs.sets[set_id] = set;
	return lyncedge_publish(net, next, extack);
}

int lyncedge_flush_sets(struct net *net, int set_id,
			struct netlink_ext_ack *extack)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_config *next;
	int i;

	lockdep_assert_held(&ln->lock);
	next = lyncedge_config_next(ln);
	if (!next) {
		NL_SET_ERR_MSG(extack, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		if (set_id < 0 || i == set_id)
			next->rs.sets[i] = NULL;
	return lyncedge_publish(net, next, extack);
}

/* The counters as one flat array, for adding up and subtracting. */
#define NR_COUNTERS (sizeof(struct lyncedge_stats) / sizeof(struct lyncedge_counter))

static void stats_total(const struct lyncedge_net *ln,
			struct lyncedge_stats *total)
{
	struct lyncedge_counter *t = (struct lyncedge_counter *)total;
	int cpu;
	size_t i;

	BUILD_BUG_ON(sizeof(struct lyncedge_stats) % sizeof(struct lyncedge_counter));
	memset(total, 0, sizeof(*total));
	for_each_possible_cpu(cpu) {
		const struct lyncedge_counter *c =
			(const void *)per_cpu_ptr(ln->stats, cpu);

		for (i = 0; i < NR_COUNTERS; i++) {
			t[i].packets += READ_ONCE(c[i].packets);
			t[i].bytes += READ_ONCE(c[i].bytes);
		}
	}
}

void lyncedge_stats_read(struct lyncedge_net *ln, struct lyncedge_stats *out)
{
	struct lyncedge_counter *o = (struct lyncedge_counter *)out;
	const struct lyncedge_counter *b =
		(const struct lyncedge_counter *)&ln->stats_base;
	size_t i;

	lockdep_assert_held(&ln->lock);
	stats_total(ln, out);
	for (i = 0; i < NR_COUNTERS; i++) {
		o[i].packets -= b[i].packets;
		o[i].bytes -= b[i].bytes;
	}
}

/*
 * Moving the baseline, rather than zeroing the per-CPU counters, means the
 * packet path is the only writer of those and a reset loses no increment.
 */
void lyncedge_stats_reset(struct lyncedge_net *ln)
{
	lockdep_assert_held(&ln->lock);
	stats_total(ln, &ln->stats_base);
}

static int __net_init lyncedge_net_init(struct net *net)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_config *config;

	mutex_init(&ln->lock);
	INIT_LIST_HEAD(&ln->txns);
	ln->stats = alloc_percpu_gfp(struct lyncedge_stats, GFP_KERNEL_ACCOUNT);
	config = kzalloc(sizeof(*config), GFP_KERNEL_ACCOUNT);
	if (!ln->stats || !config) {
		free_percpu(ln->stats);
		kfree(config);
		return -ENOMEM;
	}
	config->mode = LYNCEDGE_MODE_OFF;
	config->profiles = BIT(LYNCEDGE_PROFILE_PIC);
	config_derive(config);
	RCU_INIT_POINTER(ln->config, config);
	return 0;
}

/*
 * Runs before the synchronize_rcu() that precedes lyncedge_net_exit(), and
 * must not fail: no new configuration, only the hooks and the reference go.
 */
static void __net_exit lyncedge_net_pre_exit(struct net *net)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);

	mutex_lock(&ln->lock);
	if (lyncedge_locked_config(ln)->mode != LYNCEDGE_MODE_OFF)
		disable(net);
	mutex_unlock(&ln->lock);
}

/* No packet can be in our hooks any more: free without waiting. */
static void __net_exit lyncedge_net_exit(struct net *net)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_txn *txn, *tmp;
	struct lyncedge_config *config;
	int i;

	/* Left open only when the module goes while a socket is open. */
	list_for_each_entry_safe(txn, tmp, &ln->txns, list)
		lyncedge_txn_end(txn);
	config = rcu_dereference_protected(ln->config, true);
	if (config->log)
		lyncedge_log_put();
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		lyncedge_set_free((struct lyncedge_set *)config->rs.sets[i]);
	kfree(config);
	free_percpu(ln->stats);
	mutex_destroy(&ln->lock);
}

static struct pernet_operations lyncedge_net_ops = {
	.init = lyncedge_net_init,
	.pre_exit = lyncedge_net_pre_exit,
	.exit = lyncedge_net_exit,
	.id = &lyncedge_net_id,
	.size = sizeof(struct lyncedge_net),
};

int lyncedge_pernet_init(void)
{
	return register_pernet_subsys(&lyncedge_net_ops);
}

void lyncedge_pernet_exit(void)
{
	unregister_pernet_subsys(&lyncedge_net_ops);
}
