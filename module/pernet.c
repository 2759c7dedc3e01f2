// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state. A namespace starts in mode off with empty sets and
 * costs nothing: hooks and the conntrack reference exist only while its
 * mode is monitor or enforce.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/percpu.h>
#include <net/netfilter/nf_conntrack.h>

#include "hooks.h"
#include "pernet.h"

static unsigned int max_prefixes = 1000000;
module_param(max_prefixes, uint, 0644);
MODULE_PARM_DESC(max_prefixes,
		 "Most prefixes (IPv4 and IPv6 together) one set may hold (default 1000000)");

unsigned int lyncedge_net_id __read_mostly;

int lyncedge_set_mode(struct net *net, u8 mode)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	int err;

	lockdep_assert_held(&ln->lock);
	if (mode == ln->mode)
		return 0;

	if (ln->mode == LYNCEDGE_MODE_OFF) {
		/* States must exist before the first packet is judged. */
		err = nf_ct_netns_get(net, NFPROTO_INET);
		if (err)
			return err;
		err = lyncedge_hooks_register(net);
		if (err) {
			nf_ct_netns_put(net, NFPROTO_INET);
			return err;
		}
	} else if (mode == LYNCEDGE_MODE_OFF) {
		lyncedge_hooks_unregister(net);
		nf_ct_netns_put(net, NFPROTO_INET);
	}
	WRITE_ONCE(ln->mode, mode);
	return 0;
}

static void publish(struct lyncedge_net *ln, u8 set_id,
		    struct lyncedge_set *set)
{
	struct lyncedge_set *old;

	old = rcu_replace_pointer(ln->sets[set_id], set,
				  lockdep_is_held(&ln->lock));
	ln->generation[set_id]++;
	if (old)
		kvfree_rcu(old, rcu);
}

int lyncedge_update_set(struct lyncedge_net *ln, u8 set_id,
			const struct lyncedge_prefix *add, u32 nr_add,
			const struct lyncedge_prefix *del, u32 nr_del,
			struct lyncedge_set_error *err)
{
	struct lyncedge_set *set;
	int ret;

	lockdep_assert_held(&ln->lock);
	ret = lyncedge_set_update(lyncedge_locked_set(ln, set_id), add, nr_add,
				  del, nr_del, READ_ONCE(max_prefixes), &set,
				  err);
	if (ret)
		return ret;
	publish(ln, set_id, set);
	return 0;
}

void lyncedge_flush_set(struct lyncedge_net *ln, u8 set_id)
{
	lockdep_assert_held(&ln->lock);
	publish(ln, set_id, NULL);
}

static void add_counter(struct lyncedge_counter *sum,
			const struct lyncedge_counter *c)
{
	sum->packets += READ_ONCE(c->packets);
	sum->bytes += READ_ONCE(c->bytes);
}

void lyncedge_stats_sum(const struct lyncedge_net *ln,
			struct lyncedge_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct lyncedge_stats *s = per_cpu_ptr(ln->stats, cpu);

		for (i = 0; i < LYNCEDGE_RULE_COUNT; i++)
			add_counter(&sum->rule[i], &s->rule[i]);
		for (i = 0; i < LYNCEDGE_DENY_COUNT; i++)
			add_counter(&sum->deny[i], &s->deny[i]);
		add_counter(&sum->state, &s->state);
	}
}

static int __net_init lyncedge_net_init(struct net *net)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);

	mutex_init(&ln->lock);
	ln->mode = LYNCEDGE_MODE_OFF;
	ln->stats = alloc_percpu(struct lyncedge_stats);
	if (!ln->stats)
		return -ENOMEM;
	return 0;
}

/* Runs before the synchronize_rcu() that precedes lyncedge_net_exit(). */
static void __net_exit lyncedge_net_pre_exit(struct net *net)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);

	mutex_lock(&ln->lock);
	lyncedge_set_mode(net, LYNCEDGE_MODE_OFF);
	mutex_unlock(&ln->lock);
}

/* No packet can be in our hooks any more: free without waiting. */
static void __net_exit lyncedge_net_exit(struct net *net)
{
	struct lyncedge_net *ln = lyncedge_pernet(net);
	int i;

	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		lyncedge_set_free(rcu_dereference_protected(ln->sets[i], true));
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
