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

static unsigned int max_prefixes = 1000000;
module_param(max_prefixes, uint, 0644);
MODULE_PARM_DESC(max_prefixes,
		 "Most prefixes (IPv4 and IPv6 together) one set may hold (default 1000000)");

unsigned int lyncedge_net_id __read_mostly;

/*
 * Swap next in. A set the old configuration held and next does not is
 * garbage once readers of the old one are gone.
 */
static void publish(struct lyncedge_net *ln, struct lyncedge_config *next)
{
	struct lyncedge_config *old;
	struct lyncedge_set *gone;
	int i;

	old = rcu_replace_pointer(ln->config, next, lockdep_is_held(&ln->lock));
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++) {
		if (old->sets[i] == next->sets[i])
			continue;
		ln->generation[i]++;
		gone = (struct lyncedge_set *)old->sets[i];
		if (gone)
			kvfree_rcu(gone, rcu);
	}
	kfree_rcu(old, rcu);
}

static struct lyncedge_config *config_copy(struct lyncedge_net *ln)
{
	return kmemdup(lyncedge_locked_config(ln),
		       sizeof(struct lyncedge_config), GFP_KERNEL);
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

int lyncedge_set_mode(struct net *net, u8 mode)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_config *next;
	u8 was = lyncedge_locked_config(ln)->mode;
	int err;

	lockdep_assert_held(&ln->lock);
	if (mode == was)
		return 0;
	next = config_copy(ln);
	if (!next)
		return -ENOMEM;
	next->mode = mode;

	/* The hooks pass everything while the published mode is off. */
	if (was == LYNCEDGE_MODE_OFF) {
		err = enable(net);
		if (err) {
			kfree(next);
			return err;
		}
	}
	publish(ln, next);
	if (mode == LYNCEDGE_MODE_OFF)
		disable(net);
	return 0;
}

int lyncedge_update_set(struct lyncedge_net *ln, u8 set_id,
			const struct lyncedge_prefix *add, u32 nr_add,
			const struct lyncedge_prefix *del, u32 nr_del,
			struct lyncedge_set_error *err)
{
	struct lyncedge_config *next;
	struct lyncedge_set *set;
	int ret;

	lockdep_assert_held(&ln->lock);
	ret = lyncedge_set_update(lyncedge_locked_set(ln, set_id), add, nr_add,
				  del, nr_del, READ_ONCE(max_prefixes), &set,
				  err);
	if (ret)
		return ret;
	next = config_copy(ln);
	if (!next) {
		lyncedge_set_free(set);
		return -ENOMEM;
	}
	next->sets[set_id] = set;
	publish(ln, next);
	return 0;
}

int lyncedge_flush_sets(struct lyncedge_net *ln, int set_id)
{
	struct lyncedge_config *next;
	int i;

	lockdep_assert_held(&ln->lock);
	next = config_copy(ln);
	if (!next)
		return -ENOMEM;
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		if (set_id < 0 || i == set_id)
			next->sets[i] = NULL;
	publish(ln, next);
	return 0;
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
	ln->stats = alloc_percpu(struct lyncedge_stats);
	config = kzalloc(sizeof(*config), GFP_KERNEL);
	if (!ln->stats || !config) {
		free_percpu(ln->stats);
		kfree(config);
		return -ENOMEM;
	}
	config->mode = LYNCEDGE_MODE_OFF;
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
	struct lyncedge_config *config;
	int i;

	config = rcu_dereference_protected(ln->config, true);
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		lyncedge_set_free((struct lyncedge_set *)config->sets[i]);
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
