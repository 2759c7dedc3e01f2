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
		u8 icmp6[offsetof(struct icmp6hdr, icmp6_dataun)];
	} buf;
	const struct tcphdr *th;
	const struct udphdr *uh;
	const u8 *ih;

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
		/*
		 * Type, code and checksum are ICMPv6's whole header (RFC
		 * 4443); the type is all the verdict reads. What follows is
		 * the message's, and conntrack judges it.
		 */
		ih = skb_header_pointer(skb, thoff, sizeof(buf.icmp6), buf.icmp6);
		if (!ih)
			break;
		t->icmp_type = ih[0];
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
 * the first step. The IP header is read in place, as iptables does: the
 * stack has validated it and made it linear before any of our hooks.
 */
static __always_inline void
addresses_ipv4(const struct sk_buff *skb, struct lyncedge_addr *src,
	       struct lyncedge_addr *dst)
{
	const struct iphdr *iph = ip_hdr(skb);

	src->family = LYNCEDGE_IPV4;
	dst->family = LYNCEDGE_IPV4;
	src->v4 = ntohl(iph->saddr);
	dst->v4 = ntohl(iph->daddr);
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
	t->hop_limit = iph->ttl;
	t->proto = iph->protocol;
	/* Conntrack reassembles; a later fragment here carries no ports. */
	if (iph->frag_off & htons(IP_OFFSET))
		t->malformed = true;
	else
		parse_transport(skb, skb_network_offset(skb) + iph->ihl * 4, t);
}

static __always_inline void
ipv6_to_host(const struct in6_addr *in, struct lyncedge_addr *out)
{
	__be64 half[2];

	memcpy(half, in, sizeof(half));
	out->family = LYNCEDGE_IPV6;
	out->v6.hi = be64_to_cpu(half[0]);
	out->v6.lo = be64_to_cpu(half[1]);
}

static __always_inline void
addresses_ipv6(const struct sk_buff *skb, struct lyncedge_addr *src,
	       struct lyncedge_addr *dst)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);

	ipv6_to_host(&ip6h->saddr, src);
	ipv6_to_host(&ip6h->daddr, dst);
}

static void rest_ipv6(const struct sk_buff *skb, struct lyncedge_tuple *t)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr buf;
	unsigned short frag_off;
	unsigned int thoff = 0;
	int nexthdr;

	ip6h = skb_header_pointer(skb, skb_network_offset(skb), sizeof(buf), &buf);
	if (!ip6h) {
		t->malformed = true;
		return;
	}
	t->hop_limit = ip6h->hop_limit;
	/*
	 * ipv6_find_hdr() rather than ipv6_skip_exthdr(): the latter gives up
	 * on "no next header" (59) as on a chain cut short, and a packet that
	 * ends its chain with 59 is well formed, only without ports.
	 */
	nexthdr = ipv6_find_hdr(skb, &thoff, -1, &frag_off, NULL);
	if (nexthdr < 0) {
		t->malformed = true;
		return;
	}
	t->proto = nexthdr;
	if (frag_off)
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

/*
 * Edge traffic: the rest of the headers, the verdict, the counters and the
 * log. Out of line, so that the hook, which most packets leave at once,
 * stays small.
 */
static noinline unsigned int
edge_packet(struct lyncedge_net *ln, const struct lyncedge_config *config,
	    struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct lyncedge_tuple t = { 0 };
	struct lyncedge_verdict v;
	bool enforce;

	if (state->pf == NFPROTO_IPV4) {
		addresses_ipv4(skb, &t.src, &t.dst);
		rest_ipv4(skb, &t);
	} else {
		addresses_ipv6(skb, &t.src, &t.dst);
		rest_ipv6(skb, &t);
	}
	t.ct_state = conntrack_state(skb);
	t.forwarded = state->hook == NF_INET_FORWARD;
	v = lyncedge_classify(&config->rs, &t);

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
 * The question every packet gets, asked on the header in place: IPv4
 * addresses go to the lookup as plain integers, so the common case keeps
 * nothing on the stack.
 */
static bool touches_edge_ipv4(const struct lyncedge_set *edge,
			      const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	return lyncedge_set_contains4(edge, ntohl(iph->saddr)) ||
	       lyncedge_set_contains4(edge, ntohl(iph->daddr));
}

static bool touches_edge_ipv6(const struct lyncedge_set *edge,
			      const struct sk_buff *skb)
{
	struct lyncedge_addr src, dst;

	addresses_ipv6(skb, &src, &dst);
	return lyncedge_set_contains6(edge, &src.v6) ||
	       lyncedge_set_contains6(edge, &dst.v6);
}

static unsigned int lyncedge_hook(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct lyncedge_net *ln = priv;
	const struct lyncedge_config *config = rcu_dereference(ln->config);
	unsigned int i;
	bool ours;

	/* Off only while the hooks are being registered or unregistered. */
	if (unlikely(config->mode == LYNCEDGE_MODE_OFF))
		return NF_ACCEPT;

	/* scope[] holds the edge-side sets that are not empty, often one. */
	for (i = 0; i < config->nr_scope; i++) {
		if (state->pf == NFPROTO_IPV4)
			ours = touches_edge_ipv4(config->scope[i], skb);
		else
			ours = touches_edge_ipv6(config->scope[i], skb);
		if (ours)
			return edge_packet(ln, config, skb, state);
	}
	return NF_ACCEPT;
}

/*
 * At the filter table's priority: after conntrack and destination NAT, so
 * states exist and the edge set sees post-NAT addresses.
 */
static const struct nf_hook_ops lyncedge_nf_ops[LYNCEDGE_HOOK_COUNT] = {
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
	struct lyncedge_net *ln = lyncedge_pernet(net);
	int i;

	/* Netfilter keeps pointing at these while they are registered. */
	memcpy(ln->hook_ops, lyncedge_nf_ops, sizeof(ln->hook_ops));
	for (i = 0; i < LYNCEDGE_HOOK_COUNT; i++)
		ln->hook_ops[i].priv = ln;
	return nf_register_net_hooks(net, ln->hook_ops, LYNCEDGE_HOOK_COUNT);
}

void lyncedge_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, lyncedge_pernet(net)->hook_ops,
				LYNCEDGE_HOOK_COUNT);
}
