/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging of denied packets through nf_log, with a per-namespace rate
 * limit.
 */
#ifndef _LYNCEDGE_LOG_H
#define _LYNCEDGE_LOG_H

#include <linux/atomic.h>
#include <linux/netfilter.h>

/* Lock-free rate limit state; zeroed memory is a full bucket. */
struct lyncedge_log_limit {
	/* When the bucket would be full again, in ktime_get_mono_fast_ns(). */
	atomic64_t full_at;
};

/*
 * Load the default logger (nf_log_syslog) and pin it while some namespace
 * logs; process context, no lock of ours held across the module load.
 */
int lyncedge_log_get(void);
void lyncedge_log_put(void);

/* Packet path: log skb as denied for reason, unless over the limit. */
void lyncedge_log_deny(struct lyncedge_log_limit *limit, bool enforce,
		       u8 reason, const struct sk_buff *skb,
		       const struct nf_hook_state *state);

#endif /* _LYNCEDGE_LOG_H */
