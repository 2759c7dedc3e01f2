// SPDX-License-Identifier: GPL-2.0
/* The configuration commands: mode and show. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "cli.h"
#include "names.h"
#include "uapi/lyncedge.h"

int cmd_mode(int argc, char **argv)
{
	char echo[ECHO_MAX + 4];
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct nl nl;
	int mode, ret;

	(void)argc;
	mode = mode_from_name(argv[1]);
	if (mode < 0)
		return usage_error("mode: unknown mode '%s' (expected %s)",
				   echo_arg(argv[1], echo, sizeof(echo)),
				   mode_names_hint);

	ret = open_netlink(&nl, "mode");
	if (ret)
		return ret;
	nlh = nl_start(&nl, LYNCEDGE_CMD_SET_MODE, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_MODE, (uint8_t)mode);
	if (nl_request(&nl, nlh, NULL, NULL, &err))
		ret = request_error("mode", &err, NULL, NULL);
	nl_close(&nl);
	return ret;
}

int cmd_reset_counters(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct nl nl;
	int ret;

	(void)argc;
	(void)argv;
	ret = open_netlink(&nl, "reset-counters");
	if (ret)
		return ret;
	nlh = nl_start(&nl, LYNCEDGE_CMD_RESET_COUNTERS, 0);
	if (nl_request(&nl, nlh, NULL, NULL, &err))
		ret = request_error("reset-counters", &err, NULL, NULL);
	nl_close(&nl);
	return ret;
}

/* More than the kernel sends; a reply with more is taken as malformed. */
#define SHOW_MAX 64

struct show_set {
	uint8_t set;
	uint32_t prefixes4, prefixes6;
};

struct show_rule {
	uint8_t index, proto, src, dst;
	uint16_t port_min, port_max;
	uint64_t packets, bytes;
	char name[32];
};

struct show_deny {
	uint8_t reason;
	uint64_t packets, bytes;
};

struct show {
	bool has_mode;
	uint8_t mode;
	size_t n_sets, n_rules, n_denies;
	struct show_set sets[SHOW_MAX];
	struct show_rule rules[SHOW_MAX];
	struct show_deny denies[SHOW_MAX];
	uint64_t accept_packets, accept_bytes;
};

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

static int parse_set_info(const struct nlattr *nest, struct show *s)
{
	const struct nlattr *tb[LYNCEDGE_SET_INFO_A_MAX + 1];
	struct show_set *set;

	if (s->n_sets == SHOW_MAX)
		return -1;
	set = &s->sets[s->n_sets++];
	nl_parse_nested(nest, tb, LYNCEDGE_SET_INFO_A_MAX);
	if (!nl_attr_u8(tb[LYNCEDGE_SET_INFO_A_SET], &set->set) ||
	    !get_count(tb[LYNCEDGE_SET_INFO_A_PREFIXES4], &set->prefixes4) ||
	    !get_count(tb[LYNCEDGE_SET_INFO_A_PREFIXES6], &set->prefixes6))
		return -1;
	return 0;
}

static int parse_rule(const struct nlattr *nest, struct show *s)
{
	const struct nlattr *tb[LYNCEDGE_RULE_A_MAX + 1];
	struct show_rule *rule;
	const char *name;
	size_t i;

	if (s->n_rules == SHOW_MAX)
		return -1;
	rule = &s->rules[s->n_rules++];
	nl_parse_nested(nest, tb, LYNCEDGE_RULE_A_MAX);
	name = nl_attr_str(tb[LYNCEDGE_RULE_A_NAME]);
	if (!name ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_INDEX], &rule->index) ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_PROTO], &rule->proto) ||
	    !nl_attr_u16(tb[LYNCEDGE_RULE_A_PORT_MIN], &rule->port_min) ||
	    !nl_attr_u16(tb[LYNCEDGE_RULE_A_PORT_MAX], &rule->port_max) ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_SRC_SET], &rule->src) ||
	    !nl_attr_u8(tb[LYNCEDGE_RULE_A_DST_SET], &rule->dst) ||
	    !get_counter(tb[LYNCEDGE_RULE_A_PACKETS], &rule->packets) ||
	    !get_counter(tb[LYNCEDGE_RULE_A_BYTES], &rule->bytes))
		return -1;
	snprintf(rule->name, sizeof(rule->name), "%s", name);
	for (i = 0; rule->name[i]; i++)
		if ((unsigned char)rule->name[i] <= ' ' ||
		    (unsigned char)rule->name[i] >= 0x7f)
			rule->name[i] = '?';
	return 0;
}

static int parse_deny(const struct nlattr *nest, struct show *s)
{
	const struct nlattr *tb[LYNCEDGE_DENY_A_MAX + 1];
	struct show_deny *deny;

	if (s->n_denies == SHOW_MAX)
		return -1;
	deny = &s->denies[s->n_denies++];
	nl_parse_nested(nest, tb, LYNCEDGE_DENY_A_MAX);
	if (!nl_attr_u8(tb[LYNCEDGE_DENY_A_REASON], &deny->reason) ||
	    !get_counter(tb[LYNCEDGE_DENY_A_PACKETS], &deny->packets) ||
	    !get_counter(tb[LYNCEDGE_DENY_A_BYTES], &deny->bytes))
		return -1;
	return 0;
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show *s = data;
	const struct nlattr *attr;
	int ret = 0;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case LYNCEDGE_A_MODE:
			s->has_mode = nl_attr_u8(attr, &s->mode);
			ret = s->has_mode ? 0 : -1;
			break;
		case LYNCEDGE_A_SET_INFO:
			ret = parse_set_info(attr, s);
			break;
		case LYNCEDGE_A_RULE:
			ret = parse_rule(attr, s);
			break;
		case LYNCEDGE_A_DENY:
			ret = parse_deny(attr, s);
			break;
		case LYNCEDGE_A_ACCEPT_STATE_PACKETS:
			ret = get_counter(attr, &s->accept_packets) ? 0 : -1;
			break;
		case LYNCEDGE_A_ACCEPT_STATE_BYTES:
			ret = get_counter(attr, &s->accept_bytes) ? 0 : -1;
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* The name of an id, or the number when this CLI does not know it. */
static const char *name_or_number(const char *name, unsigned int v,
				  char *buf, size_t size)
{
	if (name)
		return name;
	snprintf(buf, size, "%u", v);
	return buf;
}

static void print_show(const struct show *s)
{
	char b1[16], b2[16], b3[16], ports[16];
	size_t i;

	printf("mode: %s\n", name_or_number(mode_name(s->mode), s->mode,
					    b1, sizeof(b1)));

	printf("sets:\n");
	for (i = 0; i < s->n_sets; i++) {
		const struct show_set *set = &s->sets[i];
		uint64_t total = (uint64_t)set->prefixes4 + set->prefixes6;

		printf("  %-10s %5" PRIu64 " %s (%" PRIu32 " IPv4, %" PRIu32 " IPv6)\n",
		       name_or_number(set_name(set->set), set->set, b1, sizeof(b1)),
		       total, total == 1 ? "prefix" : "prefixes",
		       set->prefixes4, set->prefixes6);
	}

	printf("rules:\n");
	printf("  %-2s %-9s %-6s %-12s %-10s %-10s %14s %16s\n",
	       "#", "service", "proto", "dport", "from", "to", "packets",
	       "bytes");
	for (i = 0; i < s->n_rules; i++) {
		const struct show_rule *r = &s->rules[i];

		if (r->port_min == r->port_max)
			snprintf(ports, sizeof(ports), "%u", r->port_min);
		else
			snprintf(ports, sizeof(ports), "%u-%u", r->port_min,
				 r->port_max);
		printf("  %-2u %-9s %-6s %-12s %-10s %-10s %14" PRIu64 " %16" PRIu64 "\n",
		       r->index, r->name,
		       name_or_number(proto_name(r->proto), r->proto, b1, sizeof(b1)),
		       ports,
		       name_or_number(set_name(r->src), r->src, b2, sizeof(b2)),
		       name_or_number(set_name(r->dst), r->dst, b3, sizeof(b3)),
		       r->packets, r->bytes);
	}

	printf("denied (dropped in enforce mode, only counted in monitor mode):\n");
	for (i = 0; i < s->n_denies; i++) {
		const struct show_deny *d = &s->denies[i];

		printf("  %-14s packets %" PRIu64 " bytes %" PRIu64 "\n",
		       name_or_number(deny_name(d->reason), d->reason, b1,
				      sizeof(b1)),
		       d->packets, d->bytes);
	}

	printf("accepted by conntrack state (established, related): packets %" PRIu64 " bytes %" PRIu64 "\n",
	       s->accept_packets, s->accept_bytes);
}

int cmd_show(int argc, char **argv)
{
	static struct show s;
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct nl nl;
	int ret;

	(void)argc;
	(void)argv;
	ret = open_netlink(&nl, "show");
	if (ret)
		return ret;
	nlh = nl_start(&nl, LYNCEDGE_CMD_GET_CONFIG, 0);
	if (nl_request(&nl, nlh, show_cb, &s, &err)) {
		ret = request_error("show", &err, NULL, NULL);
	} else if (!s.has_mode) {
		err.error = EPROTO;
		snprintf(err.msg, sizeof(err.msg),
			 "the kernel's reply has no mode");
		ret = request_error("show", &err, NULL, NULL);
	} else {
		print_show(&s);
	}
	nl_close(&nl);
	return ret;
}
