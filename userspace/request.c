// SPDX-License-Identifier: GPL-2.0
/*
 * The typed requests of the lyncedge family: see request.h. Every message
 * goes through exchange() or dump(), which report the kernel's warnings
 * and turn a failure into the one line of report.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "names.h"
#include "report.h"
#include "request.h"
#include "lyncedge.h"

/* A failed transaction request: it is never committed, so nothing changed. */
#define NOTHING_CHANGED "; nothing was changed"

/* The largest prefix nest: nest header, ADDR6, LEN. */
#define PREFIX_NEST_MAX (MNL_ATTR_HDRLEN + MNL_ALIGN(MNL_ATTR_HDRLEN + 16) + \
			 MNL_ALIGN(MNL_ATTR_HDRLEN + 1))

_Static_assert(MNL_ATTR_HDRLEN + PREFIXES_PER_MSG * PREFIX_NEST_MAX <= 60000,
	       "LYNCEDGE_A_PREFIXES must stay well below 64 KiB");
_Static_assert(MNL_ATTR_HDRLEN + PREFIXES_PER_MSG * PREFIX_NEST_MAX + 256 <=
	       NL_TX_SIZE, "a batch must fit the request buffer");

int request_open(struct nl *nl, const char *ctx)
{
	struct nl_error err;

	if (nl_open(nl, &err))
		return request_error(ctx, &err, NULL, NULL);
	return EXIT_OK;
}

/* A success that came with a message of the kernel's. */
static void warn_if_told(const struct nl_error *err)
{
	if (err->msg[0])
		warning("%s", err->msg);
}

/* A doit request; replies go to cb. -1 with err filled, nothing reported. */
static int exchange(struct nl *nl, struct nlmsghdr *nlh, nl_reply_cb cb,
		    void *data, struct nl_error *err)
{
	if (nl_request(nl, nlh, cb, data, err))
		return -1;
	warn_if_told(err);
	return 0;
}

/* A request whose reply is only the ACK. */
static int simple(struct nl *nl, struct nlmsghdr *nlh, const char *ctx,
		  const char *note)
{
	struct nl_error err;

	if (exchange(nl, nlh, NULL, NULL, &err))
		return request_error(ctx, &err, NULL, note);
	return EXIT_OK;
}

/* A reply that lacks what it must carry. */
static int malformed(const char *ctx, const char *what)
{
	struct nl_error err = { .error = EPROTO };

	snprintf(err.msg, sizeof(err.msg), "the kernel's reply has no %s",
		 what);
	return request_error(ctx, &err, NULL, NULL);
}

/* A request staged in the transaction says so, and fails as one. */
static struct nlmsghdr *start(struct nl *nl, uint8_t cmd, bool in_txn)
{
	struct nlmsghdr *nlh = nl_start(nl, cmd, 0);

	if (in_txn)
		mnl_attr_put(nlh, LYNCEDGE_A_TXN, 0, NULL);
	return nlh;
}

int request_configure(struct nl *nl, const struct settings *s, bool in_txn,
		      const char *ctx)
{
	struct nlmsghdr *nlh = start(nl, LYNCEDGE_CMD_CONFIGURE, in_txn);

	if (s->mode >= 0)
		mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, (uint8_t)s->mode);
	if (s->log >= 0)
		mnl_attr_put_u8(nlh, LYNCEDGE_A_LOG, (uint8_t)s->log);
	if (s->set_profiles)
		mnl_attr_put_u32(nlh, LYNCEDGE_A_PROFILES, s->profiles);
	if (s->enable)
		mnl_attr_put_u32(nlh, LYNCEDGE_A_PROFILES_ENABLE, s->enable);
	if (s->disable)
		mnl_attr_put_u32(nlh, LYNCEDGE_A_PROFILES_DISABLE, s->disable);
	return simple(nl, nlh, ctx, in_txn ? NOTHING_CHANGED : NULL);
}

int request_flush(struct nl *nl, int set, bool in_txn, const char *ctx)
{
	struct nlmsghdr *nlh = start(nl, LYNCEDGE_CMD_FLUSH_SET, in_txn);

	if (set >= 0)
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, (uint8_t)set);
	return simple(nl, nlh, ctx, in_txn ? NOTHING_CHANGED : NULL);
}

int request_reset_counters(struct nl *nl, const char *ctx)
{
	return simple(nl, nl_start(nl, LYNCEDGE_CMD_RESET_COUNTERS, 0), ctx,
		      NULL);
}

/* A prefix nest of type; LEN only when with_len (addresses omit it). */
static void put_prefix(struct nlmsghdr *nlh, uint16_t type,
		       const struct prefix *p, bool with_len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, p->family == AF_INET ? LYNCEDGE_PREFIX_A_ADDR4 :
						  LYNCEDGE_PREFIX_A_ADDR6,
		     prefix_addr_size(p), p->addr);
	if (with_len)
		mnl_attr_put_u8(nlh, LYNCEDGE_PREFIX_A_LEN, p->len);
	mnl_attr_nest_end(nlh, nest);
}

static int get_prefix(const struct nlattr *nest, struct prefix *p)
{
	const struct nlattr *tb[LYNCEDGE_PREFIX_A_MAX + 1];
	const struct nlattr *addr;
	uint8_t len;

	nl_parse_nested(nest, tb, LYNCEDGE_PREFIX_A_MAX);
	addr = tb[LYNCEDGE_PREFIX_A_ADDR4];
	if (!addr == !tb[LYNCEDGE_PREFIX_A_ADDR6])
		return -1;
	if (!addr)
		addr = tb[LYNCEDGE_PREFIX_A_ADDR6];
	if (!nl_attr_u8(tb[LYNCEDGE_PREFIX_A_LEN], &len))
		return -1;
	return prefix_from_wire(p, mnl_attr_get_payload(addr),
				mnl_attr_get_payload_len(addr), len);
}

/*
 * A PREFIXES nest of l's prefixes from first, count of them; offsets, when
 * not NULL, gets where each starts in the message.
 */
static void put_prefixes(struct nlmsghdr *nlh, const struct prefix_list *l,
			 size_t first, size_t count, uint32_t *offsets)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_PREFIXES);
	size_t i;

	for (i = 0; i < count; i++) {
		if (offsets)
			offsets[i] = nlh->nlmsg_len;
		put_prefix(nlh, LYNCEDGE_PREFIXES_A_PREFIX,
			   &l->prefixes[first + i], true);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* The prefix whose nest holds the attribute at offset, or NULL. */
static const struct prefix *rejected_prefix(const struct nl_error *err,
					    const uint32_t *offsets,
					    uint32_t end,
					    const struct prefix *batch,
					    size_t count)
{
	size_t i;

	if (!err->has_offset || !count || err->offset < offsets[0] ||
	    err->offset >= end)
		return NULL;
	for (i = count; i-- > 0;)
		if (err->offset >= offsets[i])
			return &batch[i];
	return NULL;
}

int request_prefixes(struct nl *nl, uint8_t cmd, uint8_t set,
		     const struct prefix_list *l, const char *ctx)
{
	static uint32_t offsets[PREFIXES_PER_MSG];
	char subject[PREFIX_STRLEN];
	const struct prefix *bad;
	struct nlmsghdr *nlh;
	struct nl_error err;

	if (l->n > PREFIXES_PER_MSG) {
		err = (struct nl_error){ .error = EMSGSIZE };
		return request_error(ctx, &err, NULL, NULL);
	}
	nlh = nl_start(nl, cmd, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
	put_prefixes(nlh, l, 0, l->n, offsets);
	if (!exchange(nl, nlh, NULL, NULL, &err))
		return EXIT_OK;
	bad = rejected_prefix(&err, offsets, nlh->nlmsg_len, l->prefixes,
			      l->n);
	if (bad)
		prefix_format(bad, subject, sizeof(subject));
	return request_error(ctx, &err, bad ? subject : NULL, NULL);
}

static int test_cb(const struct nlmsghdr *nlh, void *data)
{
	int *member = data;
	const struct nlattr *attr;
	uint8_t v;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != LYNCEDGE_A_MEMBER)
			continue;
		if (!nl_attr_u8(attr, &v))
			return -1;
		*member = v != 0;
	}
	return 0;
}

int request_test(struct nl *nl, uint8_t set, const struct prefix *address,
		 bool *member, const char *ctx)
{
	struct nlmsghdr *nlh = nl_start(nl, LYNCEDGE_CMD_TEST_ADDRESS, 0);
	struct nl_error err;
	int got = -1;

	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
	put_prefix(nlh, LYNCEDGE_A_ADDRESS, address, false);
	if (exchange(nl, nlh, test_cb, &got, &err))
		return request_error(ctx, &err, NULL, NULL);
	if (got < 0)
		return malformed(ctx, "member flag");
	*member = got;
	return EXIT_OK;
}

/* A counter may be left out when it is zero. */
static bool get_counter(const struct nlattr *attr, uint64_t *v)
{
	*v = 0;
	return !attr || nl_attr_u64(attr, v);
}

static bool get_count(const struct nlattr *attr, uint32_t *v)
{
	*v = 0;
	return !attr || nl_attr_u32(attr, v);
}

/*
 * Copy a string of the kernel's into buf, cut to fit, with anything that
 * is not printable ASCII (or a space, unless spaces are allowed) as '?':
 * a column or a line of ours must stay one.
 */
static void copy_printable(char *buf, size_t size, const char *s,
			   bool spaces)
{
	size_t i;

	snprintf(buf, size, "%s", s);
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < (spaces ? ' ' : ' ' + 1) ||
		    (unsigned char)buf[i] >= 0x7f)
			buf[i] = '?';
}

static int parse_rule(const struct nlattr *nest, struct live_rule *rule)
{
	const struct nlattr *tb[LYNCEDGE_RULE_A_MAX + 1];
	const char *name, *label, *cite;

	nl_parse_nested(nest, tb, LYNCEDGE_RULE_A_MAX);
	name = nl_attr_str(tb[LYNCEDGE_RULE_A_NAME]);
	label = nl_attr_str(tb[LYNCEDGE_RULE_A_LABEL]);
	cite = tb[LYNCEDGE_RULE_A_CITE] ? nl_attr_str(tb[LYNCEDGE_RULE_A_CITE]) : "";
	if (!name || !label || !cite ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_INDEX], &rule->index) ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_PROFILE], &rule->profile) ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_PROTO], &rule->proto) ||
	    !nl_attr_u16(tb[LYNCEDGE_RULE_A_PORT_MIN], &rule->port_min) ||
	    !nl_attr_u16(tb[LYNCEDGE_RULE_A_PORT_MAX], &rule->port_max) ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_PORT_MATCH], &rule->port_match) ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_SRC_SET], &rule->src) ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_DST_SET], &rule->dst) ||
	    !get_counter(tb[LYNCEDGE_RULE_A_PACKETS], &rule->packets) ||
	    !get_counter(tb[LYNCEDGE_RULE_A_BYTES], &rule->bytes))
		return -1;
	copy_printable(rule->name, sizeof(rule->name), name, false);
	copy_printable(rule->label, sizeof(rule->label), label, false);
	copy_printable(rule->cite, sizeof(rule->cite), cite, true);
	rule->enabled = false;
	return 0;
}

/* What an explain reply has said so far; -1: not yet. */
struct explain_state {
	struct explain_reply *r;
	int mode, verdict, matched;
	bool has_rule;
};

static int explain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct explain_state *st = data;
	const struct nlattr *attr;
	uint8_t v;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == LYNCEDGE_A_RULE) {
			if (parse_rule(attr, &st->r->rule))
				return -1;
			st->has_rule = true;
			continue;
		}
		if (!nl_attr_u8(attr, &v))
			continue;
		switch (mnl_attr_get_type(attr)) {
		case LYNCEDGE_A_MODE:
			st->mode = st->r->mode = v;
			break;
		case LYNCEDGE_A_VERDICT:
			st->verdict = st->r->verdict = v;
			break;
		case LYNCEDGE_A_PORT_MATCHED:
			st->matched = st->r->matched = v;
			break;
		case LYNCEDGE_A_DENY_REASON:
			st->r->reason = v;
			break;
		}
	}
	return 0;
}

int request_explain(struct nl *nl, const struct explain_query *q,
		    struct explain_reply *r, const char *ctx)
{
	struct explain_state st = {
		.r = r, .mode = -1, .verdict = -1, .matched = -1,
	};
	struct nlmsghdr *nlh = nl_start(nl, LYNCEDGE_CMD_EXPLAIN, 0);
	struct nl_error err;

	memset(r, 0, sizeof(*r));
	mnl_attr_put_u8(nlh, LYNCEDGE_A_PROTO, q->proto);
	put_prefix(nlh, LYNCEDGE_A_SRC, &q->src, false);
	put_prefix(nlh, LYNCEDGE_A_DST, &q->dst, false);
	if (q->has_sport)
		mnl_attr_put_u16(nlh, LYNCEDGE_A_SPORT, q->sport);
	mnl_attr_put_u16(nlh, LYNCEDGE_A_DPORT, q->dport);
	if (exchange(nl, nlh, explain_cb, &st, &err))
		return request_error(ctx, &err, NULL, NULL);
	if (st.verdict < 0 || st.mode < 0)
		return malformed(ctx, "verdict");
	if (st.verdict == LYNCEDGE_VERDICT_ALLOW &&
	    (!st.has_rule || st.matched < 0))
		return malformed(ctx, "row or matched port");
	return EXIT_OK;
}

static int parse_set_info(const struct nlattr *nest, struct live_config *c)
{
	const struct nlattr *tb[LYNCEDGE_SET_INFO_A_MAX + 1];
	struct live_set *set;

	if (c->n_sets == LIVE_MAX)
		return -1;
	set = &c->sets[c->n_sets++];
	nl_parse_nested(nest, tb, LYNCEDGE_SET_INFO_A_MAX);
	if (!nl_attr_u8(tb[LYNCEDGE_SET_INFO_A_SET], &set->set) ||
	    !get_count(tb[LYNCEDGE_SET_INFO_A_PREFIXES4], &set->prefixes4) ||
	    !get_count(tb[LYNCEDGE_SET_INFO_A_PREFIXES6], &set->prefixes6) ||
	    !get_counter(tb[LYNCEDGE_SET_INFO_A_BYTES], &set->bytes))
		return -1;
	return 0;
}

static int parse_deny(const struct nlattr *nest, struct live_config *c)
{
	const struct nlattr *tb[LYNCEDGE_DENY_A_MAX + 1];
	struct live_deny *deny;

	if (c->n_denies == LIVE_MAX)
		return -1;
	deny = &c->denies[c->n_denies++];
	nl_parse_nested(nest, tb, LYNCEDGE_DENY_A_MAX);
	if (!nl_attr_u8(tb[LYNCEDGE_DENY_A_REASON], &deny->reason) ||
	    !get_counter(tb[LYNCEDGE_DENY_A_PACKETS], &deny->packets) ||
	    !get_counter(tb[LYNCEDGE_DENY_A_BYTES], &deny->bytes))
		return -1;
	return 0;
}

/* What a GET_CONFIG reply has said so far. */
struct config_state {
	struct live_config *c;
	bool has_mode, has_profiles;
};

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	struct config_state *st = data;
	struct live_config *c = st->c;
	const struct nlattr *attr;
	int ret = 0;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case LYNCEDGE_A_MODE:
			st->has_mode = nl_attr_u8(attr, &c->mode);
			ret = st->has_mode ? 0 : -1;
			break;
		case LYNCEDGE_A_LOG:
			ret = nl_attr_u8(attr, &c->log) ? 0 : -1;
			break;
		case LYNCEDGE_A_PROFILES:
			st->has_profiles = nl_attr_u32(attr, &c->profiles);
			ret = st->has_profiles ? 0 : -1;
			break;
		case LYNCEDGE_A_GENERATION:
			c->has_generation = nl_attr_u32(attr, &c->generation);
			ret = c->has_generation ? 0 : -1;
			break;
		case LYNCEDGE_A_SET_INFO:
			ret = parse_set_info(attr, c);
			break;
		case LYNCEDGE_A_RULE:
			ret = c->n_rules == LIVE_MAX ? -1 :
			      parse_rule(attr, &c->rules[c->n_rules++]);
			break;
		case LYNCEDGE_A_DENY:
			ret = parse_deny(attr, c);
			break;
		case LYNCEDGE_A_ACCEPT_STATE_PACKETS:
			ret = get_counter(attr, &c->accept_packets) ? 0 : -1;
			break;
		case LYNCEDGE_A_ACCEPT_STATE_BYTES:
			ret = get_counter(attr, &c->accept_bytes) ? 0 : -1;
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

int fetch_config(struct nl *nl, struct live_config *c, const char *ctx)
{
	struct config_state st = { .c = c };
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct live_rule *r;
	size_t i;

	memset(c, 0, sizeof(*c));
	nlh = nl_start(nl, LYNCEDGE_CMD_GET_CONFIG, 0);
	if (exchange(nl, nlh, config_cb, &st, &err))
		return request_error(ctx, &err, NULL, NULL);
	if (!st.has_mode)
		return malformed(ctx, "mode");
	if (!st.has_profiles)
		return malformed(ctx, "profiles");
	for (i = 0; i < c->n_rules; i++) {
		r = &c->rules[i];
		r->enabled = r->profile < 32 && (c->profiles & (1U << r->profile));
	}
	return EXIT_OK;
}

struct fetch_state {
	uint8_t set;
	bool nomem;
	struct prefix_list *out;
};

static int fetch_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fetch_state *st = data;
	const struct nlattr *attr, *nest;
	struct prefix p;
	uint8_t set;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case LYNCEDGE_A_SET:
			if (!nl_attr_u8(attr, &set) || set != st->set)
				return -1;
			break;
		case LYNCEDGE_A_PREFIXES:
			mnl_attr_for_each_nested(nest, attr) {
				if (mnl_attr_get_type(nest) !=
				    LYNCEDGE_PREFIXES_A_PREFIX)
					continue;
				if (get_prefix(nest, &p))
					return -1;
				if (prefix_list_add(st->out, &p, 0)) {
					st->nomem = true;
					return -1;
				}
			}
			break;
		}
	}
	return 0;
}

/* A restarted dump starts from nothing. */
static void fetch_reset(void *data)
{
	struct fetch_state *st = data;

	st->out->n = 0;
}

int fetch_set(struct nl *nl, uint8_t set, struct prefix_list *out,
	      const char *ctx, const char *subject)
{
	struct fetch_state st = { .set = set, .out = out };
	struct nlmsghdr *nlh;
	struct nl_error err;

	out->n = 0;
	nlh = nl_start(nl, LYNCEDGE_CMD_GET_PREFIXES, NLM_F_DUMP);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
	if (!nl_dump(nl, nlh, fetch_cb, fetch_reset, &st, &err)) {
		warn_if_told(&err);
		return EXIT_OK;
	}
	if (st.nomem) {
		err.error = ENOMEM;
		err.msg[0] = '\0';
	}
	return request_error(ctx, &err, subject, NULL);
}

int txn_begin(struct nl *nl, const char *ctx)
{
	return simple(nl, nl_start(nl, LYNCEDGE_CMD_TXN_BEGIN, 0), ctx,
		      NOTHING_CHANGED);
}

int txn_stage(struct nl *nl, uint8_t cmd, uint8_t set,
	      const struct prefix_list *l, const char *ctx)
{
	size_t done = 0, count;
	struct nlmsghdr *nlh;
	int ret;

	while (done < l->n) {
		count = l->n - done;
		if (count > PREFIXES_PER_MSG)
			count = PREFIXES_PER_MSG;
		nlh = start(nl, cmd, true);
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
		put_prefixes(nlh, l, done, count, NULL);
		ret = simple(nl, nlh, ctx, NOTHING_CHANGED);
		if (ret)
			return ret;
		done += count;
		if (done % (10 * PREFIXES_PER_MSG) == 0 || done == l->n)
			progress(ctx, done, l->n);
	}
	return EXIT_OK;
}

/* The refused prefix, from the cookie of a failed commit. */
static void commit_subject(const struct nl_error *err,
			   const struct txn_staged *staged, char *buf,
			   size_t size)
{
	const struct prefix_list *l;
	struct lyncedge_txn_error at;
	char text[PREFIX_STRLEN];
	const char *set;

	buf[0] = '\0';
	if (err->cookie_len != sizeof(at))
		return;
	memcpy(&at, err->cookie, sizeof(at));
	set = set_name(at.set);
	if (!set)
		return;
	if (err->error == ENOSPC) {
		snprintf(buf, size, "%s", set);
		return;
	}
	l = at.in_del ? staged->del[at.set] : staged->add[at.set];
	if (!l || at.index >= l->n) {
		snprintf(buf, size, "%s", set);
		return;
	}
	prefix_format(&l->prefixes[at.index], text, sizeof(text));
	if (staged->file && l->lines && l->lines[at.index])
		snprintf(buf, size, "%s:%u: %s %s", staged->file,
			 l->lines[at.index], set, text);
	else
		snprintf(buf, size, "%s %s", set, text);
}

int txn_commit(struct nl *nl, const struct txn_staged *staged,
	       const char *ctx)
{
	struct nlmsghdr *nlh = nl_start(nl, LYNCEDGE_CMD_TXN_COMMIT, 0);
	char subject[PREFIX_STRLEN + 1100];
	struct nl_error err;

	if (!exchange(nl, nlh, NULL, NULL, &err))
		return EXIT_OK;
	commit_subject(&err, staged, subject, sizeof(subject));
	return request_error(ctx, &err, subject[0] ? subject : NULL,
			     NOTHING_CHANGED);
}
