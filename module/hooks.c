// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path: parse the headers into a tuple, ask the table for a
 * verdict, count it. Runs in the RCU read-side section netfilter provides;
 * takes no lock and allocates nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "hooks.h"
#include "pernet.h"

static void parse_transport(const struct sk_buff *skb, unsigned int thoff,
			    struct lyncedge_tuple *t)
{
	union {
		struct tcphdr tcp;
		struct udphdr udp;
		struct icmp6hdr icmp6;
	} buf;
	const struct tcphdr *th;
	const struct udphdr *uh;
	const struct icmp6hdr *ih;

	switch (t->proto) {
	case IPPROTO_TCP:
		th = skb_header_pointer(skb, thoff, sizeof(*th), &buf.tcp);
		if (!th)
			break;
		t->sport = ntohs(th->source);
		t->dport = ntohs(th->dest);
		return;
	case IPPROTO_UDP:
		uh = skb_header_pointer(skb, thoff, sizeof(*uh), &buf.udp);
		if (!uh)
			break;
		t->sport = ntohs(uh->source);
		t->dport = ntohs(uh->dest);
		return;
	case IPPROTO_ICMPV6:
		if (t->src.family != LYNCEDGE_IPV6)
			return;
		ih = skb_header_pointer(skb, thoff, sizeof(*ih), &buf.icmp6);
		if (!ih)
			break;
		t->icmp_type = ih->icmp6_type;
		return;
	default:
		/* No ports to read: no row will match. */
		return;
	}
	t->malformed = true;
}

/*
 * Parsing comes in two steps: the addresses, which decide whether the
 * packet is edge traffic at all, then, for edge traffic only, the rest.
 * Most of what a gateway forwards is not edge traffic and leaves after
 * the first step.
 */
static bool addresses_ipv4(const struct sk_buff *skb, struct lyncedge_tuple *t)
{
	const struct iphdr *iph;
	struct iphdr buf;

	iph = skb_header_pointer(skb, skb_network_offset(skb), sizeof(buf), &buf);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return false;
	t->src.family = LYNCEDGE_IPV4;
	t->dst.family = LYNCEDGE_IPV4;
	t->src.v4 = ntohl(iph->saddr);
	t->dst.v4 = ntohl(iph->daddr);
	return true;
}

static void rest_ipv4(const struct sk_buff *skb, struct lyncedge_tuple *t)
{
	const struct iphdr *iph;
	struct iphdr buf;

	iph = skb_header_pointer(skb, skb_network_offset(skb), sizeof(buf), &buf);
	if (!iph) {
		t->malformed = true;
		return;
	}
	t->proto = iph->protocol;
	/* Conntrack reassembles; a later fragment here carries no ports. */
	if (iph->frag_off & htons(IP_OFFSET))
		t->malformed = true;
	else
		parse_transport(skb, skb_network_offset(skb) + iph->ihl * 4, t);
}

static void ipv6_to_host(const struct in6_addr *in, struct lyncedge_addr *out)
{
	__be64 half[2];

	memcpy(half, in, sizeof(half));
	out->family = LYNCEDGE_IPV6;
	out->v6.hi = be64_to_cpu(half[0]);
	out->v6.lo = be64_to_cpu(half[1]);
}

static bool addresses_ipv6(const struct sk_buff *skb, struct lyncedge_tuple *t)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr buf;

	ip6h = skb_header_pointer(skb, skb_network_offset(skb), sizeof(buf), &buf);
	if (!ip6h || ip6h->version != 6)
		return false;
	ipv6_to_host(&ip6h->saddr, &t->src);
	ipv6_to_host(&ip6h->daddr, &t->dst);
	return true;
}

static void rest_ipv6(const struct sk_buff *skb, struct lyncedge_tuple *t)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr buf;
	__be16 frag_off;
	u8 nexthdr;
	int thoff;

	ip6h = skb_header_pointer(skb, skb_network_offset(skb), sizeof(buf), &buf);
	if (!ip6h) {
		t->malformed = true;
		return;
	}
	nexthdr = ip6h->nexthdr;
	thoff = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
				 &nexthdr, &frag_off);
	t->proto = nexthdr;
	if (thoff < 0 || (ntohs(frag_off) & ~0x7))
		t->malformed = true;
	else
		parse_transport(skb, thoff, t);
}

static u8 conntrack_state(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (!ct)
		return ctinfo == IP_CT_UNTRACKED ? LYNCEDGE_CT_UNTRACKED :
						   LYNCEDGE_CT_INVALID;
	switch (ctinfo) {
	case IP_CT_ESTABLISHED:
	case IP_CT_ESTABLISHED_REPLY:
		return LYNCEDGE_CT_ESTABLISHED;
	case IP_CT_RELATED:
	case IP_CT_RELATED_REPLY:
		return LYNCEDGE_CT_RELATED;
	default:
		return LYNCEDGE_CT_NEW;
	}
}

/*
 * this_cpu_add() rather than u64_stats: LOCAL_OUT runs preemptible, and a
 * single per-CPU add is safe against both preemption and softirqs.
 */
static void count(struct lyncedge_counter __percpu *c, unsigned int len)
{
	this_cpu_add(c->packets, 1);
	this_cpu_add(c->bytes, len);
}

static unsigned int lyncedge_hook(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct lyncedge_net *ln = lyncedge_pernet(state->net);
	const struct lyncedge_config *config = rcu_dereference(ln->config);
	struct lyncedge_tuple t = { 0 };
	struct lyncedge_verdict v;
	bool parsed, enforce, ipv4;

	/* Off only while the hooks are being registered or unregistered. */
	if (unlikely(config->mode == LYNCEDGE_MODE_OFF) ||
	    !config->sets[LYNCEDGE_SET_EDGE])
		return NF_ACCEPT;

	ipv4 = state->pf == NFPROTO_IPV4;
	parsed = ipv4 ? addresses_ipv4(skb, &t) : addresses_ipv6(skb, &t);
	if (likely(parsed) &&
	    !lyncedge_touches_edge(config->sets, &t.src, &t.dst))
		return NF_ACCEPT;

	if (unlikely(!parsed)) {
		/* The stack has validated this header before us; if it is
		 * unreadable all the same, fail closed.
		 */
		v.kind = LYNCEDGE_DENY;
		v.index = LYNCEDGE_DENY_MALFORMED;
	} else {
		if (ipv4)
			rest_ipv4(skb, &t);
		else
			rest_ipv6(skb, &t);
		t.ct_state = conntrack_state(skb);
		v = lyncedge_classify(config->sets, &t);
	}

	switch (v.kind) {
	case LYNCEDGE_PASS_RULE:
		count(&ln->stats->rule[v.index], skb->len);
		return NF_ACCEPT;
	case LYNCEDGE_PASS_STATE:
		count(&ln->stats->state, skb->len);
		return NF_ACCEPT;
	case LYNCEDGE_DENY:
		count(&ln->stats->deny[v.index], skb->len);
		enforce = config->mode == LYNCEDGE_MODE_ENFORCE;
		if (config->log)
			lyncedge_log_deny(&ln->log_limit, enforce, v.index, skb,
					  state);
		return enforce ? NF_DROP : NF_ACCEPT;
	default:
		return NF_ACCEPT;
	}
}

/*
 * At the filter table's priority: after conntrack and destination NAT, so
 * states exist and the edge set sees post-NAT addresses.
 */
static const struct nf_hook_ops lyncedge_nf_ops[] = {
	{
		.hook = lyncedge_hook,
		.pf = NFPROTO_INET,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP_PRI_FILTER,
	},
	{
		.hook = lyncedge_hook,
		.pf = NFPROTO_INET,
		.hooknum = NF_INET_FORWARD,
		.priority = NF_IP_PRI_FILTER,
	},
	{
		.hook = lyncedge_hook,
		.pf = NFPROTO_INET,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_FILTER,
	},
};

int lyncedge_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, lyncedge_nf_ops,
				     ARRAY_SIZE(lyncedge_nf_ops));
}

void lyncedge_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, lyncedge_nf_ops,
				ARRAY_SIZE(lyncedge_nf_ops));
}
