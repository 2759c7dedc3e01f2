// SPDX-License-Identifier: GPL-2.0
/* The configuration commands: mode, log, show and reset-counters. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "cli.h"
#include "json.h"
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
	    !get_count(tb[LYNCEDGE_SET_INFO_A_PREFIXES6], &set->prefixes6) ||
	    !get_counter(tb[LYNCEDGE_SET_INFO_A_BYTES], &set->bytes))
		return -1;
	return 0;
}

int parse_rule_nest(const struct nlattr *nest, struct show_rule *rule)
{
	const struct nlattr *tb[LYNCEDGE_RULE_A_MAX + 1];
	const char *name;
	size_t i;

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

static int parse_rule(const struct nlattr *nest, struct show *s)
{
	if (s->n_rules == SHOW_MAX)
		return -1;
	return parse_rule_nest(nest, &s->rules[s->n_rules++]);
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
		case LYNCEDGE_A_LOG:
			ret = nl_attr_u8(attr, &s->log) ? 0 : -1;
			break;
		case LYNCEDGE_A_GENERATION:
			s->has_generation = nl_attr_u32(attr, &s->generation);
			ret = s->has_generation ? 0 : -1;
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
	printf("log: %s\n", s->log ? "on" : "off");

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

/* A counter as {"packets":N,"bytes":N}, under key unless it is NULL. */
static void json_counter(struct json *j, const char *key, uint64_t packets,
			 uint64_t bytes)
{
	if (key)
		json_key(j, key);
	json_object_begin(j);
	json_kv_uint(j, "packets", packets);
	json_kv_uint(j, "bytes", bytes);
	json_object_end(j);
}

/* Names this CLI does not know are printed as numbers, as in text. */
static void json_name(struct json *j, const char *key, const char *name,
		      unsigned int v)
{
	if (name)
		json_kv_string(j, key, name);
	else
		json_kv_uint(j, key, v);
}

void json_rule(struct json *j, const struct show_rule *r, bool counters)
{
	json_object_begin(j);
	json_kv_uint(j, "index", r->index);
	json_kv_string(j, "service", r->name);
	json_name(j, "proto", proto_name(r->proto), r->proto);
	json_kv_uint(j, "port_min", r->port_min);
	json_kv_uint(j, "port_max", r->port_max);
	json_name(j, "src", set_name(r->src), r->src);
	json_name(j, "dst", set_name(r->dst), r->dst);
	if (counters) {
		json_kv_uint(j, "packets", r->packets);
		json_kv_uint(j, "bytes", r->bytes);
	}
	json_object_end(j);
}

static int print_show_json(const struct show *s)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_name(&j, "mode", mode_name(s->mode), s->mode);
	json_kv_bool(&j, "log", s->log);
	json_key(&j, "sets");
	json_array_begin(&j);
	for (i = 0; i < s->n_sets; i++) {
		json_object_begin(&j);
		json_name(&j, "name", set_name(s->sets[i].set), s->sets[i].set);
		json_kv_uint(&j, "prefixes4", s->sets[i].prefixes4);
		json_kv_uint(&j, "prefixes6", s->sets[i].prefixes6);
		json_kv_uint(&j, "bytes", s->sets[i].bytes);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "rules");
	json_array_begin(&j);
	for (i = 0; i < s->n_rules; i++)
		json_rule(&j, &s->rules[i], true);
	json_array_end(&j);
	json_key(&j, "deny");
	json_array_begin(&j);
	for (i = 0; i < s->n_denies; i++) {
		json_object_begin(&j);
		json_name(&j, "reason", deny_name(s->denies[i].reason),
			  s->denies[i].reason);
		json_kv_uint(&j, "packets", s->denies[i].packets);
		json_kv_uint(&j, "bytes", s->denies[i].bytes);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_counter(&j, "established", s->accept_packets, s->accept_bytes);
	json_object_end(&j);
	return finish_json(&j);
}

int fetch_config(struct nl *nl, struct show *s, const char *ctx)
{
	struct nlmsghdr *nlh;
	struct nl_error err;

	memset(s, 0, sizeof(*s));
	nlh = nl_start(nl, LYNCEDGE_CMD_GET_CONFIG, 0);
	if (nl_request(nl, nlh, show_cb, s, &err))
		return request_error(ctx, &err, NULL, NULL);
	if (!s->has_mode) {
		err.error = EPROTO;
		snprintf(err.msg, sizeof(err.msg),
			 "the kernel's reply has no mode");
		return request_error(ctx, &err, NULL, NULL);
	}
	return EXIT_OK;
}

int cmd_show(int argc, char **argv)
{
	static struct show s;
	struct nl nl;
	int ret;

	(void)argc;
	(void)argv;
	ret = open_netlink(&nl, "show");
	if (ret)
		return ret;
	ret = fetch_config(&nl, &s, "show");
	if (!ret && json_output)
		ret = print_show_json(&s);
	else if (!ret)
		print_show(&s);
	nl_close(&nl);
	return ret;
}

int cmd_log(int argc, char **argv)
{
	char echo[ECHO_MAX + 4];
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct nl nl;
	int on, ret;

	(void)argc;
	on = onoff_from_name(argv[1]);
	if (on < 0)
		return usage_error("log: expected on or off, not '%s'",
				   echo_arg(argv[1], echo, sizeof(echo)));

	ret = open_netlink(&nl, "log");
	if (ret)
		return ret;
	nlh = nl_start(&nl, LYNCEDGE_CMD_SET_LOG, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_LOG, (uint8_t)on);
	if (nl_request(&nl, nlh, NULL, NULL, &err))
		ret = request_error("log", &err, NULL, NULL);
	nl_close(&nl);
	return ret;
}
