// SPDX-License-Identifier: GPL-2.0
/*
 * The "lyncedge" generic netlink family; the API is described in
 * uapi/lyncedge.h. Policies bound every attribute; what a policy cannot
 * express (a prefix length against its family, host bits) is checked here,
 * and every refusal carries an extack message.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "netlink.h"
#include "pernet.h"
#include "txn.h"
#include "uapi/lyncedge.h"

static struct genl_family lyncedge_genl_family;

static const struct nla_policy lyncedge_prefix_policy[LYNCEDGE_PREFIX_A_MAX + 1] = {
	[LYNCEDGE_PREFIX_A_ADDR4] = NLA_POLICY_EXACT_LEN(4),
	[LYNCEDGE_PREFIX_A_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[LYNCEDGE_PREFIX_A_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy lyncedge_prefixes_policy[LYNCEDGE_PREFIXES_A_MAX + 1] = {
	[LYNCEDGE_PREFIXES_A_PREFIX] = NLA_POLICY_NESTED(lyncedge_prefix_policy),
};

static const struct nla_policy lyncedge_policy[LYNCEDGE_A_MAX + 1] = {
	[LYNCEDGE_A_MODE] = NLA_POLICY_MAX(NLA_U8, LYNCEDGE_MODE_MAX),
	[LYNCEDGE_A_SET] = NLA_POLICY_MAX(NLA_U8, LYNCEDGE_SET_MAX),
	[LYNCEDGE_A_PREFIXES] = NLA_POLICY_NESTED(lyncedge_prefixes_policy),
	[LYNCEDGE_A_ADDRESS] = NLA_POLICY_NESTED(lyncedge_prefix_policy),
	[LYNCEDGE_A_PROTO] = { .type = NLA_U8 },
	[LYNCEDGE_A_SRC] = NLA_POLICY_NESTED(lyncedge_prefix_policy),
	[LYNCEDGE_A_DST] = NLA_POLICY_NESTED(lyncedge_prefix_policy),
	[LYNCEDGE_A_SPORT] = { .type = NLA_U16 },
	[LYNCEDGE_A_DPORT] = { .type = NLA_U16 },
	[LYNCEDGE_A_LOG] = NLA_POLICY_MAX(NLA_U8, 1),
	[LYNCEDGE_A_TXN] = { .type = NLA_FLAG },
	[LYNCEDGE_A_PROFILES] = NLA_POLICY_MASK(NLA_U32, LYNCEDGE_PROFILES_ALL),
	[LYNCEDGE_A_PROFILES_ENABLE] =
		NLA_POLICY_MASK(NLA_U32, LYNCEDGE_PROFILES_ALL),
	[LYNCEDGE_A_PROFILES_DISABLE] =
		NLA_POLICY_MASK(NLA_U32, LYNCEDGE_PROFILES_ALL),
};

/* Decode a prefix nest; with want_address, LEN may only be full length. */
static int parse_prefix(const struct nlattr *nest, bool want_address,
			struct lyncedge_prefix *p, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[LYNCEDGE_PREFIX_A_MAX + 1];
	unsigned int full;
	__be64 half[2];
	int err;

	err = nla_parse_nested(tb, LYNCEDGE_PREFIX_A_MAX, nest,
			       lyncedge_prefix_policy, extack);
	if (err)
		return err;
	if (!tb[LYNCEDGE_PREFIX_A_ADDR4] == !tb[LYNCEDGE_PREFIX_A_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "an address needs exactly one of ADDR4 and ADDR6");
		return -EINVAL;
	}

	memset(p, 0, sizeof(*p));
	if (tb[LYNCEDGE_PREFIX_A_ADDR4]) {
		p->addr.family = LYNCEDGE_IPV4;
		p->addr.v4 = ntohl(nla_get_in_addr(tb[LYNCEDGE_PREFIX_A_ADDR4]));
		full = 32;
	} else {
		nla_memcpy(half, tb[LYNCEDGE_PREFIX_A_ADDR6], sizeof(half));
		p->addr.family = LYNCEDGE_IPV6;
		p->addr.v6.hi = be64_to_cpu(half[0]);
		p->addr.v6.lo = be64_to_cpu(half[1]);
		full = 128;
	}

	p->len = full;
	if (tb[LYNCEDGE_PREFIX_A_LEN])
		p->len = nla_get_u8(tb[LYNCEDGE_PREFIX_A_LEN]);
	if (p->len > full) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LYNCEDGE_PREFIX_A_LEN],
				    "prefix length is longer than the address");
		return -EINVAL;
	}
	if (want_address && p->len != full) {
		NL_SET_ERR_MSG_ATTR(extack, tb[LYNCEDGE_PREFIX_A_LEN],
				    "an address is needed here, not a prefix");
		return -EINVAL;
	}
	switch (lyncedge_prefix_check(p)) {
	case LYNCEDGE_PREFIX_HOST_BITS:
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "prefix has host bits set beyond its length");
		return -EINVAL;
	case LYNCEDGE_PREFIX_V4_MAPPED:
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "IPv4-mapped IPv6 address: give it as IPv4 (IPv4 traffic is matched as IPv4)");
		return -EINVAL;
	default:
		return 0;
	}
}

static int put_prefix(struct sk_buff *skb, const struct lyncedge_prefix *p)
{
	struct nlattr *nest;
	__be64 half[2];
	int err;

	nest = nla_nest_start(skb, LYNCEDGE_PREFIXES_A_PREFIX);
	if (!nest)
		return -EMSGSIZE;
	if (p->addr.family == LYNCEDGE_IPV4) {
		err = nla_put_in_addr(skb, LYNCEDGE_PREFIX_A_ADDR4,
				      htonl(p->addr.v4));
	} else {
		half[0] = cpu_to_be64(p->addr.v6.hi);
		half[1] = cpu_to_be64(p->addr.v6.lo);
		err = nla_put(skb, LYNCEDGE_PREFIX_A_ADDR6, sizeof(half), half);
	}
	if (err || nla_put_u8(skb, LYNCEDGE_PREFIX_A_LEN, p->len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_counter(struct sk_buff *skb, int packets, int bytes, int pad,
		       const struct lyncedge_counter *c)
{
	if (nla_put_u64_64bit(skb, packets, c->packets, pad) ||
	    nla_put_u64_64bit(skb, bytes, c->bytes, pad))
		return -EMSGSIZE;
	return 0;
}

/* Row i of the table; with its counters unless c is NULL. */
static int put_rule(struct sk_buff *skb, unsigned int i,
		    const struct lyncedge_counter *c)
{
	const struct lyncedge_rule *r = &lyncedge_rules[i];
	struct nlattr *nest = nla_nest_start(skb, LYNCEDGE_A_RULE);

	if (!nest ||
	    nla_put_u8(skb, LYNCEDGE_RULE_A_INDEX, i + 1) ||
	    nla_put_u8(skb, LYNCEDGE_RULE_A_PROFILE, r->profile) ||
	    nla_put_string(skb, LYNCEDGE_RULE_A_LABEL, r->label) ||
	    nla_put_string(skb, LYNCEDGE_RULE_A_NAME, r->service) ||
	    nla_put_string(skb, LYNCEDGE_RULE_A_CITE, r->cite) ||
	    nla_put_u8(skb, LYNCEDGE_RULE_A_PROTO, r->proto) ||
	    nla_put_u8(skb, LYNCEDGE_RULE_A_PORT_MATCH, r->port_match) ||
	    nla_put_u16(skb, LYNCEDGE_RULE_A_PORT_MIN, r->port_min) ||
	    nla_put_u16(skb, LYNCEDGE_RULE_A_PORT_MAX, r->port_max) ||
	    nla_put_u8(skb, LYNCEDGE_RULE_A_SRC_SET, r->src) ||
	    nla_put_u8(skb, LYNCEDGE_RULE_A_DST_SET, r->dst) ||
	    (c && put_counter(skb, LYNCEDGE_RULE_A_PACKETS,
			      LYNCEDGE_RULE_A_BYTES, LYNCEDGE_RULE_A_PAD, c)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_config(struct sk_buff *skb, struct lyncedge_net *ln)
{
	struct lyncedge_stats sum;
	struct nlattr *nest;
	unsigned int i;

	lyncedge_stats_read(ln, &sum);
	if (nla_put_u8(skb, LYNCEDGE_A_MODE, lyncedge_locked_config(ln)->mode) ||
	    nla_put_u8(skb, LYNCEDGE_A_LOG, lyncedge_locked_config(ln)->log) ||
	    nla_put_u32(skb, LYNCEDGE_A_PROFILES,
			lyncedge_locked_config(ln)->profiles) ||
	    nla_put_u32(skb, LYNCEDGE_A_GENERATION, ln->config_generation))
		return -EMSGSIZE;
	for (i = 0; i < LYNCEDGE_SET_COUNT; i++) {
		const struct lyncedge_set *set = lyncedge_locked_set(ln, i);

		nest = nla_nest_start(skb, LYNCEDGE_A_SET_INFO);
		if (!nest ||
		    nla_put_u8(skb, LYNCEDGE_SET_INFO_A_SET, i) ||
		    nla_put_u32(skb, LYNCEDGE_SET_INFO_A_PREFIXES4,
				set ? set->nr_prefixes4 : 0) ||
		    nla_put_u32(skb, LYNCEDGE_SET_INFO_A_PREFIXES6,
				set ? set->nr_prefixes6 : 0) ||
		    nla_put_u64_64bit(skb, LYNCEDGE_SET_INFO_A_BYTES,
				      lyncedge_set_bytes(set),
				      LYNCEDGE_SET_INFO_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++)
		if (put_rule(skb, i, &sum.rule[i]))
			return -EMSGSIZE;
	for (i = 0; i < LYNCEDGE_DENY_COUNT; i++) {
		nest = nla_nest_start(skb, LYNCEDGE_A_DENY);
		if (!nest ||
		    nla_put_u8(skb, LYNCEDGE_DENY_A_REASON, i) ||
		    put_counter(skb, LYNCEDGE_DENY_A_PACKETS,
				LYNCEDGE_DENY_A_BYTES, LYNCEDGE_DENY_A_PAD,
				&sum.deny[i]))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return put_counter(skb, LYNCEDGE_A_ACCEPT_STATE_PACKETS,
			   LYNCEDGE_A_ACCEPT_STATE_BYTES, LYNCEDGE_A_PAD,
			   &sum.state);
}

static int lyncedge_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct lyncedge_net *ln = lyncedge_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	/* Every row of every profile, with counters: more than a page. */
	msg = genlmsg_new(2 * NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &lyncedge_genl_family, 0,
				LYNCEDGE_CMD_GET_CONFIG);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&ln->lock);
	err = put_config(msg, ln);
	mutex_unlock(&ln->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * The caller's transaction when the request is flagged LYNCEDGE_A_TXN,
 * NULL otherwise; an ERR_PTR when it is flagged and there is none.
 */
static struct lyncedge_txn *request_txn(struct lyncedge_net *ln,
					struct sk_buff *skb,
					struct genl_info *info)
{
	struct lyncedge_txn *txn;

	lockdep_assert_held(&ln->lock);
	if (!nla_get_flag(info->attrs[LYNCEDGE_A_TXN]))
		return NULL;
	txn = lyncedge_txn_find(ln, NETLINK_CB(skb).sk);
	if (txn)
		return txn;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[LYNCEDGE_A_TXN],
			    "this socket has no open transaction");
	return ERR_PTR(-ENOENT);
}

/* An optional u8 or u32 attribute, or -1 when absent. */
static s64 optional_attr(struct genl_info *info, int type, bool u32)
{
	const struct nlattr *attr = info->attrs[type];

	if (!attr)
		return -1;
	return u32 ? nla_get_u32(attr) : nla_get_u8(attr);
}

static int lyncedge_nl_configure(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct netlink_ext_ack *extack = info->extack;
	struct lyncedge_settings s = LYNCEDGE_SETTINGS_KEEP;
	const u32 pic = BIT(LYNCEDGE_PROFILE_PIC);
	struct lyncedge_txn *txn;
	int err = 0;

	s.mode = optional_attr(info, LYNCEDGE_A_MODE, false);
	s.log = optional_attr(info, LYNCEDGE_A_LOG, false);
	s.profiles = optional_attr(info, LYNCEDGE_A_PROFILES, true);
	s.enable = max_t(s64, 0, optional_attr(info, LYNCEDGE_A_PROFILES_ENABLE,
					       true));
	s.disable = max_t(s64, 0, optional_attr(info,
						LYNCEDGE_A_PROFILES_DISABLE,
						true));
	if (s.mode < 0 && s.log < 0 && s.profiles < 0 && !s.enable &&
	    !s.disable) {
		NL_SET_ERR_MSG(extack,
			       "nothing to configure: a mode, log or profiles are needed");
		return -EINVAL;
	}
	if ((s.profiles >= 0 && !(s.profiles & pic)) || (s.disable & pic)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    info->attrs[LYNCEDGE_A_PROFILES] ?:
				    info->attrs[LYNCEDGE_A_PROFILES_DISABLE],
				    "profile pic is always on");
		return -EINVAL;
	}
	if (s.enable & s.disable) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[LYNCEDGE_A_PROFILES_DISABLE],
				    "a profile cannot be both enabled and disabled");
		return -EINVAL;
	}

	mutex_lock(&ln->lock);
	txn = request_txn(ln, skb, info);
	if (IS_ERR(txn))
		err = PTR_ERR(txn);
	else if (txn)
		lyncedge_settings_merge(&txn->settings, &s);
	else
		err = lyncedge_configure(net, &s, extack);
	mutex_unlock(&ln->lock);
	return err;
}

static const struct nlattr *nth_nested(const struct nlattr *nest, u32 n)
{
	const struct nlattr *attr;
	int rem;

	nla_for_each_nested(attr, nest, rem)
		if (!n--)
			return attr;
	return nest;
}

static int update_prefixes(struct sk_buff *skb, struct genl_info *info,
			   bool add)
{
	struct net *net = genl_info_net(info);
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct netlink_ext_ack *extack = info->extack;
	struct lyncedge_set_error err_at = {};
	struct lyncedge_prefix *prefixes;
	const struct nlattr *nest, *attr;
	struct lyncedge_txn *txn;
	u8 set_id;
	u32 n = 0;
	int rem, err = 0;

	if (GENL_REQ_ATTR_CHECK(info, LYNCEDGE_A_SET) ||
	    GENL_REQ_ATTR_CHECK(info, LYNCEDGE_A_PREFIXES)) {
		NL_SET_ERR_MSG(extack, "a set and prefixes are needed");
		return -EINVAL;
	}
	nest = info->attrs[LYNCEDGE_A_PREFIXES];

	nla_for_each_nested(attr, nest, rem)
		n++;
	prefixes = kvmalloc_array(n ? n : 1, sizeof(*prefixes),
				  GFP_KERNEL_ACCOUNT);
	if (!prefixes) {
		NL_SET_ERR_MSG(extack, "out of memory reading the prefixes");
		return -ENOMEM;
	}
	n = 0;
	nla_for_each_nested(attr, nest, rem) {
		err = parse_prefix(attr, false, &prefixes[n++], extack);
		if (err)
			goto out;
	}

	set_id = nla_get_u8(info->attrs[LYNCEDGE_A_SET]);
	mutex_lock(&ln->lock);
	txn = request_txn(ln, skb, info);
	if (IS_ERR(txn)) {
		mutex_unlock(&ln->lock);
		err = PTR_ERR(txn);
		goto out;
	}
	if (txn)
		err = lyncedge_txn_stage(txn, set_id, !add, prefixes, n);
	else
		err = lyncedge_update_set(net, set_id, add ? prefixes : NULL,
					  add ? n : 0, add ? NULL : prefixes,
					  add ? 0 : n, &err_at, extack);
	mutex_unlock(&ln->lock);

	/* Publishing explains its own failures; building a set does not. */
	if (!err || extack->_msg)
		goto out;
	if (txn && err == -ENOSPC)
		NL_SET_ERR_MSG(extack,
			       "the transaction stages more prefixes for the set than its size limit (module parameter max_prefixes)");
	else if (txn && err == -ENOMEM)
		NL_SET_ERR_MSG(extack, "out of memory staging the prefixes");
	else if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(extack, nth_nested(nest, err_at.index),
				    "prefix is not in the set");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(extack,
			       "the set would exceed its size limit (module parameter max_prefixes)");
	else if (err == -ENOMEM)
		NL_SET_ERR_MSG(extack, "out of memory building the new set");
	else
		NL_SET_ERR_MSG_ATTR(extack, nth_nested(nest, err_at.index),
				    "invalid prefix");
out:
	kvfree(prefixes);
	return err;
}

static int lyncedge_nl_add(struct sk_buff *skb, struct genl_info *info)
{
	return update_prefixes(skb, info, true);
}

static int lyncedge_nl_del(struct sk_buff *skb, struct genl_info *info)
{
	return update_prefixes(skb, info, false);
}

static int lyncedge_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_txn *txn;
	int set_id = -1, err = 0;

	if (info->attrs[LYNCEDGE_A_SET])
		set_id = nla_get_u8(info->attrs[LYNCEDGE_A_SET]);
	mutex_lock(&ln->lock);
	txn = request_txn(ln, skb, info);
	if (IS_ERR(txn))
		err = PTR_ERR(txn);
	else if (txn)
		lyncedge_txn_flush(txn, set_id);
	else
		err = lyncedge_flush_sets(net, set_id, info->extack);
	mutex_unlock(&ln->lock);
	return err;
}

static int lyncedge_nl_txn_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct lyncedge_net *ln = lyncedge_pernet(genl_info_net(info));
	int err;

	mutex_lock(&ln->lock);
	err = lyncedge_txn_begin(ln, NETLINK_CB(skb).sk, info->snd_portid);
	mutex_unlock(&ln->lock);
	if (err)
		NL_SET_ERR_MSG(info->extack, "out of memory");
	return err;
}

/* A staged set that could not be built; publishing explains itself. */
static void commit_error(struct netlink_ext_ack *extack, int err,
			 const struct lyncedge_txn_error *at)
{
	if (extack->_msg)
		return;
	switch (err) {
	case -ENOENT:
		NL_SET_ERR_MSG(extack, "prefix is not in the set");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG(extack, "invalid prefix");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(extack,
			       "the set would exceed its size limit (module parameter max_prefixes)");
		break;
	case -ENOMEM:
		NL_SET_ERR_MSG(extack, "out of memory building the new set");
		return;
	default:
		return;
	}
	BUILD_BUG_ON(sizeof(*at) > NETLINK_MAX_COOKIE_LEN);
	memcpy(extack->cookie, at, sizeof(*at));
	extack->cookie_len = sizeof(*at);
}

static int lyncedge_nl_txn_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct lyncedge_net *ln = lyncedge_pernet(net);
	struct lyncedge_txn_error at;
	struct lyncedge_txn *txn;
	int err;

	mutex_lock(&ln->lock);
	txn = lyncedge_txn_find(ln, NETLINK_CB(skb).sk);
	if (!txn) {
		mutex_unlock(&ln->lock);
		NL_SET_ERR_MSG(info->extack, "this socket has no open transaction");
		return -ENOENT;
	}
	err = lyncedge_txn_commit(net, txn, &at, info->extack);
	mutex_unlock(&ln->lock);
	if (err)
		commit_error(info->extack, err, &at);
	return err;
}

static int lyncedge_nl_txn_abort(struct sk_buff *skb, struct genl_info *info)
{
	lyncedge_txn_abort(genl_info_net(info), NETLINK_CB(skb).sk);
	return 0;
}

static int lyncedge_nl_test(struct sk_buff *skb, struct genl_info *info)
{
	struct lyncedge_net *ln = lyncedge_pernet(genl_info_net(info));
	struct lyncedge_prefix p;
	struct sk_buff *msg;
	bool member;
	void *hdr;
	u8 set_id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LYNCEDGE_A_SET) ||
	    GENL_REQ_ATTR_CHECK(info, LYNCEDGE_A_ADDRESS)) {
		NL_SET_ERR_MSG(info->extack, "a set and an address are needed");
		return -EINVAL;
	}
	err = parse_prefix(info->attrs[LYNCEDGE_A_ADDRESS], true, &p,
			   info->extack);
	if (err)
		return err;
	set_id = nla_get_u8(info->attrs[LYNCEDGE_A_SET]);

	rcu_read_lock();
	member = lyncedge_set_contains(rcu_dereference(ln->config)->rs.sets[set_id],
				       &p.addr);
	rcu_read_unlock();

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &lyncedge_genl_family, 0,
				LYNCEDGE_CMD_TEST_ADDRESS);
	if (!hdr || nla_put_u8(msg, LYNCEDGE_A_SET, set_id) ||
	    nla_put_u8(msg, LYNCEDGE_A_MEMBER, member)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int put_verdict(struct sk_buff *skb, u8 mode,
		       struct lyncedge_verdict v)
{
	if (nla_put_u8(skb, LYNCEDGE_A_MODE, mode))
		return -EMSGSIZE;
	switch (v.kind) {
	case LYNCEDGE_PASS_RULE:
		if (nla_put_u8(skb, LYNCEDGE_A_VERDICT, LYNCEDGE_VERDICT_ALLOW) ||
		    nla_put_u8(skb, LYNCEDGE_A_RULE_INDEX, v.index + 1) ||
		    nla_put_u8(skb, LYNCEDGE_A_PORT_MATCHED, v.matched) ||
		    put_rule(skb, v.index, NULL))
			return -EMSGSIZE;
		return 0;
	case LYNCEDGE_DENY:
		if (nla_put_u8(skb, LYNCEDGE_A_VERDICT, LYNCEDGE_VERDICT_DENY) ||
		    nla_put_u8(skb, LYNCEDGE_A_DENY_REASON, v.index))
			return -EMSGSIZE;
		return 0;
	default:
		return nla_put_u8(skb, LYNCEDGE_A_VERDICT,
				  LYNCEDGE_VERDICT_NOT_EDGE);
	}
}

/* The verdict a new flow's first packet would get: the same code path. */
static int lyncedge_nl_explain(struct sk_buff *skb, struct genl_info *info)
{
	struct lyncedge_net *ln = lyncedge_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	const struct lyncedge_config *config;
	struct lyncedge_tuple t = { .ct_state = LYNCEDGE_CT_NEW };
	struct lyncedge_prefix src, dst;
	struct lyncedge_verdict v;
	struct sk_buff *msg;
	void *hdr;
	u8 mode;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, LYNCEDGE_A_PROTO) ||
	    GENL_REQ_ATTR_CHECK(info, LYNCEDGE_A_SRC) ||
	    GENL_REQ_ATTR_CHECK(info, LYNCEDGE_A_DST) ||
	    GENL_REQ_ATTR_CHECK(info, LYNCEDGE_A_DPORT)) {
		NL_SET_ERR_MSG(extack, "protocol, addresses and destination port needed");
		return -EINVAL;
	}
	err = parse_prefix(info->attrs[LYNCEDGE_A_SRC], true, &src, extack);
	if (!err)
		err = parse_prefix(info->attrs[LYNCEDGE_A_DST], true, &dst, extack);
	if (err)
		return err;
	if (src.addr.family != dst.addr.family) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[LYNCEDGE_A_DST],
				    "source and destination are of different families");
		return -EINVAL;
	}
	t.src = src.addr;
	t.dst = dst.addr;
	t.proto = nla_get_u8(info->attrs[LYNCEDGE_A_PROTO]);
	t.dport = nla_get_u16(info->attrs[LYNCEDGE_A_DPORT]);
	if (info->attrs[LYNCEDGE_A_SPORT])
		t.sport = nla_get_u16(info->attrs[LYNCEDGE_A_SPORT]);

	rcu_read_lock();
	config = rcu_dereference(ln->config);
	mode = config->mode;
	v = lyncedge_classify(&config->rs, &t);
	rcu_read_unlock();

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &lyncedge_genl_family, 0,
				LYNCEDGE_CMD_EXPLAIN);
	if (!hdr || put_verdict(msg, mode, v)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int lyncedge_nl_reset_counters(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct lyncedge_net *ln = lyncedge_pernet(genl_info_net(info));

	mutex_lock(&ln->lock);
	lyncedge_stats_reset(ln);
	mutex_unlock(&ln->lock);
	return 0;
}

/* cb->args[0]: the set; cb->args[1]: position of the next prefix. */
static int lyncedge_nl_get_prefixes_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = lyncedge_dump_attrs(cb);

	if (!attrs[LYNCEDGE_A_SET]) {
		NL_SET_ERR_MSG(cb->extack, "a set is needed");
		return -EINVAL;
	}
	cb->args[0] = nla_get_u8(attrs[LYNCEDGE_A_SET]);
	cb->args[1] = 0;
	return 0;
}

/* An attribute's length is 16 bits: keep each nest well below that. */
#define PREFIXES_NEST_MAX 60000

static int lyncedge_nl_get_prefixes(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct lyncedge_net *ln = lyncedge_pernet(sock_net(skb->sk));
	u8 set_id = cb->args[0];
	const struct lyncedge_set *set;
	struct lyncedge_prefix p;
	struct nlattr *nest;
	u32 pos = cb->args[1];
	void *hdr;

	mutex_lock(&ln->lock);
	set = lyncedge_locked_set(ln, set_id);
	/* Never zero, which would disable the consistency check. */
	cb->seq = ln->generation[set_id] | 1U << 31;
	if (pos >= lyncedge_set_size(set))
		goto done;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &lyncedge_genl_family, NLM_F_MULTI,
			  LYNCEDGE_CMD_GET_PREFIXES);
	if (!hdr)
		goto full;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u8(skb, LYNCEDGE_A_SET, set_id))
		goto cancel;
	nest = nla_nest_start(skb, LYNCEDGE_A_PREFIXES);
	if (!nest)
		goto cancel;
	for (; pos < lyncedge_set_size(set); pos++) {
		if (skb_tail_pointer(skb) - (unsigned char *)nest >
		    PREFIXES_NEST_MAX)
			break;
		lyncedge_set_prefix_at(set, pos, &p);
		if (put_prefix(skb, &p))
			break;
	}
	if (pos == cb->args[1])
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	cb->args[1] = pos;
done:
	mutex_unlock(&ln->lock);
	return skb->len;
cancel:
	genlmsg_cancel(skb, hdr);
full:
	mutex_unlock(&ln->lock);
	return skb->len ? skb->len : -EMSGSIZE;
}

/*
 * Reading a firewall's configuration is as privileged as changing it, as
 * with nftables and WireGuard: every command needs CAP_NET_ADMIN over the
 * namespace.
 */
static const struct genl_ops lyncedge_genl_ops[] = {
	{
		.cmd = LYNCEDGE_CMD_GET_CONFIG,
		.doit = lyncedge_nl_get_config,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_CONFIGURE,
		.doit = lyncedge_nl_configure,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_ADD_PREFIXES,
		.doit = lyncedge_nl_add,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_DEL_PREFIXES,
		.doit = lyncedge_nl_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_FLUSH_SET,
		.doit = lyncedge_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_TEST_ADDRESS,
		.doit = lyncedge_nl_test,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_EXPLAIN,
		.doit = lyncedge_nl_explain,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_RESET_COUNTERS,
		.doit = lyncedge_nl_reset_counters,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_TXN_BEGIN,
		.doit = lyncedge_nl_txn_begin,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_TXN_COMMIT,
		.doit = lyncedge_nl_txn_commit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_TXN_ABORT,
		.doit = lyncedge_nl_txn_abort,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = LYNCEDGE_CMD_GET_PREFIXES,
		.start = lyncedge_nl_get_prefixes_start,
		.dumpit = lyncedge_nl_get_prefixes,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family lyncedge_genl_family __ro_after_init = {
	.name = LYNCEDGE_GENL_NAME,
	.version = LYNCEDGE_GENL_VERSION,
	.maxattr = LYNCEDGE_A_MAX,
	.policy = lyncedge_policy,
	.netnsok = true,
	/* Each namespace's own mutex orders its configuration. */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = lyncedge_genl_ops,
	.n_ops = ARRAY_SIZE(lyncedge_genl_ops),
};

/* A transaction lives as long as the socket that opened it. */
static int lyncedge_netlink_event(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid)
		lyncedge_txn_release(n->net, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block lyncedge_netlink_notifier = {
	.notifier_call = lyncedge_netlink_event,
};

int __init lyncedge_genl_init(void)
{
	int err;

	err = netlink_register_notifier(&lyncedge_netlink_notifier);
	if (err)
		return err;
	err = genl_register_family(&lyncedge_genl_family);
	if (err)
		netlink_unregister_notifier(&lyncedge_netlink_notifier);
	return err;
}

void lyncedge_genl_exit(void)
{
	genl_unregister_family(&lyncedge_genl_family);
	netlink_unregister_notifier(&lyncedge_netlink_notifier);
}
