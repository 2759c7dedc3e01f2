// SPDX-License-Identifier: GPL-2.0
/*
 * Denied packets go to nf_log_packet() without a loginfo, so the logger
 * the administrator bound to the namespace (net.netfilter.nf_log.2 and
 * .10) writes them: nf_log_syslog to the kernel log by default, or
 * nfnetlink_log for NFLOG and ulogd.
 *
 * A flood of denied packets must not become a flood of log lines, and the
 * packet path takes no lock, so the rate limit is a generic cell rate
 * algorithm on one atomic per namespace: each message pushes the time the
 * bucket is full again one interval later, and a message that would push
 * it beyond the burst is dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/timekeeping.h>
#include <net/netfilter/nf_log.h>

#include "log.h"
#include "uapi/lyncedge.h"

static unsigned int log_rate = 10;
module_param(log_rate, uint, 0644);
MODULE_PARM_DESC(log_rate,
		 "Log messages per second and namespace, on average; 0 for no limit (default 10)");

static unsigned int log_burst = 20;
module_param(log_burst, uint, 0644);
MODULE_PARM_DESC(log_burst,
		 "Log messages a namespace may write at once before log_rate applies, at least 1 (default 20)");

static const char *const deny_reason_names[LYNCEDGE_DENY_COUNT] = {
	[LYNCEDGE_DENY_NO_RULE] = "no-rule",
	[LYNCEDGE_DENY_INVALID] = "invalid",
	[LYNCEDGE_DENY_MALFORMED] = "malformed",
};

int lyncedge_log_get(void)
{
	int err = nf_logger_find_get(NFPROTO_INET, NF_LOG_TYPE_LOG);

	if (err == -ENOENT) {
		request_module("nf_log_syslog");
		err = nf_logger_find_get(NFPROTO_INET, NF_LOG_TYPE_LOG);
	}
	return err;
}

void lyncedge_log_put(void)
{
	nf_logger_put(NFPROTO_INET, NF_LOG_TYPE_LOG);
}

static bool within_limit(struct lyncedge_log_limit *limit)
{
	unsigned int rate = READ_ONCE(log_rate);
	unsigned int burst = max(READ_ONCE(log_burst), 1U);
	u64 now = ktime_get_mono_fast_ns();
	u64 interval, full_at;
	s64 seen;

	if (!rate)
		return true;
	interval = NSEC_PER_SEC / rate;
	seen = atomic64_read(&limit->full_at);
	do {
		full_at = max_t(u64, seen, now);
		/* This message would take the backlog beyond the burst. */
		if (full_at + interval - now > (u64)burst * interval)
			return false;
	} while (!atomic64_try_cmpxchg(&limit->full_at, &seen,
				       full_at + interval));
	return true;
}

void lyncedge_log_deny(struct lyncedge_log_limit *limit, bool enforce,
		       u8 reason, const struct sk_buff *skb,
		       const struct nf_hook_state *state)
{
	if (reason >= LYNCEDGE_DENY_COUNT || !within_limit(limit))
		return;
	nf_log_packet(state->net, state->pf, state->hook, skb, state->in,
		      state->out, NULL, "lyncedge: %s %s ",
		      enforce ? "drop" : "would-drop",
		      deny_reason_names[reason]);
}
