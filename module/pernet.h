/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace state: the mode, the profiles, the sets and the
 * counters.
 */
#ifndef _LYNCEDGE_PERNET_H
#define _LYNCEDGE_PERNET_H

#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "hooks.h"
#include "log.h"
#include "prefixset.h"
#include "table.h"

struct lyncedge_counter {
	u64 packets;
	u64 bytes;
};

struct lyncedge_stats {
	struct lyncedge_counter rule[LYNCEDGE_RULE_COUNT];
	struct lyncedge_counter deny[LYNCEDGE_DENY_COUNT];
	struct lyncedge_counter state;
};

/*
 * What the packet path reads, as one unit: a packet sees the whole old
 * configuration or the whole new one, never a mix. Immutable once
 * published. A set belongs to the current configuration only; when a newer
 * one no longer holds it, it is freed after a grace period.
 */
struct lyncedge_config {
	struct rcu_head rcu;
	u8 mode;
	bool log;
	u32 profiles;		/* enabled, bit 1 << enum lyncedge_profile */
	/* The sets, and the rows of the enabled profiles (from profiles). */
	struct lyncedge_ruleset rs;
	/*
	 * The edge-side sets that are not empty (from rs.sets): the hook asks
	 * every packet whether it touches one of them, and most configurations
	 * have one.
	 */
	u8 nr_scope;
	const struct lyncedge_set *scope[LYNCEDGE_EDGE_SIDE_COUNT];
};

struct lyncedge_net {
	/* Serialises configuration changes and dumps; never in the fast path. */
	struct mutex lock;
	/* Never NULL while the namespace lives. */
	struct lyncedge_config __rcu *config;
	/* Bumped on every change of a set, so a dump can tell it raced one. */
	unsigned int generation[LYNCEDGE_SET_COUNT];
	/* Bumped on every change of the configuration, for the same reason. */
	u32 config_generation;
	struct lyncedge_stats __percpu *stats;
	/* The totals at the last reset; readers see what came since. */
	struct lyncedge_stats stats_base;
	struct lyncedge_log_limit log_limit;
	/* Open transactions (struct lyncedge_txn), one per socket at most. */
	struct list_head txns;
	/*
	 * This namespace's copy of the hooks, with priv pointing back here:
	 * the packet path then finds its state without net_generic().
	 */
	struct nf_hook_ops hook_ops[LYNCEDGE_HOOK_COUNT];
};

extern unsigned int lyncedge_net_id;

static inline struct lyncedge_net *lyncedge_pernet(const struct net *net)
{
	return net_generic(net, lyncedge_net_id);
}

int lyncedge_pernet_init(void);
void lyncedge_pernet_exit(void);

/* The per-set size limit (module parameter max_prefixes). */
u32 lyncedge_max_prefixes(void);

/* The following need ln->lock held. */

/* A copy of the current configuration, to change and publish; or NULL. */
struct lyncedge_config *lyncedge_config_next(struct lyncedge_net *ln);
/*
 * Make next the configuration packets see, with the hooks, the conntrack
 * reference and the logger following its mode and log flag. Takes next
 * over: on failure it is freed, with the sets the current configuration
 * does not hold, nothing changes, and extack says why. So do the calls
 * below.
 */
int lyncedge_publish(struct net *net, struct lyncedge_config *next,
		     struct netlink_ext_ack *extack);

/* What LYNCEDGE_CMD_CONFIGURE asks; -1 leaves a field as it is. */
struct lyncedge_settings {
	s8 mode;
	s8 log;
	s64 profiles;
	u32 enable;
	u32 disable;
};

#define LYNCEDGE_SETTINGS_KEEP { -1, -1, -1, 0, 0 }

/* Fold a later request into what is staged, as if both applied in turn. */
void lyncedge_settings_merge(struct lyncedge_settings *staged,
			     const struct lyncedge_settings *s);
/* Apply settings to next (not yet published); -EINVAL turns pic off. */
int lyncedge_settings_apply(const struct lyncedge_settings *s,
			    struct lyncedge_config *next);
int lyncedge_configure(struct net *net, const struct lyncedge_settings *s,
		       struct netlink_ext_ack *extack);
int lyncedge_update_set(struct net *net, u8 set_id,
			const struct lyncedge_prefix *add, u32 nr_add,
			const struct lyncedge_prefix *del, u32 nr_del,
			struct lyncedge_set_error *err,
			struct netlink_ext_ack *extack);
/* set_id < 0 empties every set at once. */
int lyncedge_flush_sets(struct net *net, int set_id,
			struct netlink_ext_ack *extack);

static inline const struct lyncedge_config *
lyncedge_locked_config(struct lyncedge_net *ln)
{
	return rcu_dereference_protected(ln->config,
					 lockdep_is_held(&ln->lock));
}

static inline const struct lyncedge_set *
lyncedge_locked_set(struct lyncedge_net *ln, u8 set_id)
{
	return lyncedge_locked_config(ln)->rs.sets[set_id];
}

/* Counters since the last reset; ln->lock held. */
void lyncedge_stats_read(struct lyncedge_net *ln, struct lyncedge_stats *out);
void lyncedge_stats_reset(struct lyncedge_net *ln);

#endif /* _LYNCEDGE_PERNET_H */
