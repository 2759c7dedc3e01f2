// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration commands: mode, log, profile, profiles, show and
 * reset-counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "cli.h"
#include "json.h"
#include "names.h"
#include "uapi/lyncedge.h"

/* A failed request staged in a transaction: the commit never comes. */
#define NOTHING_CHANGED "; nothing was changed"

int configure(struct nl *nl, const struct settings *s, bool in_txn,
	      const char *ctx)
{
	struct nlmsghdr *nlh = nl_start(nl, LYNCEDGE_CMD_CONFIGURE, 0);

	if (in_txn)
		mnl_attr_put(nlh, LYNCEDGE_A_TXN, 0, NULL);
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
	return simple_request(nl, nlh, ctx, in_txn ? NOTHING_CHANGED : NULL);
}

/* mode, log and profile: one CONFIGURE on a socket of its own. */
static int configure_now(const struct settings *s, const char *ctx)
{
	struct nl nl;
	int ret;

	ret = open_netlink(&nl, ctx);
	if (ret)
		return ret;
	ret = configure(&nl, s, false, ctx);
	nl_close(&nl);
	return ret;
}

int cmd_mode(int argc, char **argv)
{
	struct settings s = SETTINGS_LEAVE;
	char echo[ECHO_MAX + 4];

	(void)argc;
	s.mode = mode_from_name(argv[1]);
	if (s.mode < 0)
		return usage_error("mode: unknown mode '%s' (expected %s)",
				   echo_arg(argv[1], echo, sizeof(echo)),
				   mode_names_hint);
	return configure_now(&s, "mode");
}

int cmd_log(int argc, char **argv)
{
	struct settings s = SETTINGS_LEAVE;
	char echo[ECHO_MAX + 4];

	(void)argc;
	s.log = onoff_from_name(argv[1]);
	if (s.log < 0)
		return usage_error("log: expected on or off, not '%s'",
				   echo_arg(argv[1], echo, sizeof(echo)));
	return configure_now(&s, "log");
}

/*
 * profile {enable|disable} NAME...: the kernel turns the named profiles on
 * or off and keeps the others, in one step, so two administrators enabling
 * different profiles at once cannot undo each other.
 */
int cmd_profile(int argc, char **argv)
{
	struct settings s = SETTINGS_LEAVE;
	char ctx[32], echo[ECHO_MAX + 4];
	uint32_t mask = 0;
	bool enable;
	int i, profile;

	if (!strcmp(argv[1], "enable"))
		enable = true;
	else if (!strcmp(argv[1], "disable"))
		enable = false;
	else
		return usage_error("profile: unknown action '%s' (expected enable or disable)",
				   echo_arg(argv[1], echo, sizeof(echo)));
	snprintf(ctx, sizeof(ctx), "profile %s", argv[1]);

	for (i = 2; i < argc; i++) {
		profile = profile_from_name(argv[i]);
		if (profile < 0)
			return usage_error("%s: unknown profile '%s' (expected %s)",
					   ctx, echo_arg(argv[i], echo, sizeof(echo)),
					   profile_names_hint);
		if (!enable && profile == LYNCEDGE_PROFILE_PIC)
			return usage_error("%s: pic is always on", ctx);
		mask |= 1U << profile;
	}
	if (enable)
		s.enable = mask;
	else
		s.disable = mask;
	return configure_now(&s, ctx);
}

int cmd_reset_counters(int argc, char **argv)
{
	struct nl nl;
	int ret;

	(void)argc;
	(void)argv;
	ret = open_netlink(&nl, "reset-counters");
	if (ret)
		return ret;
	ret = simple_request(&nl, nl_start(&nl, LYNCEDGE_CMD_RESET_COUNTERS, 0),
			     "reset-counters", NULL);
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

int parse_rule_nest(const struct nlattr *nest, struct show_rule *rule)
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
		case LYNCEDGE_A_PROFILES:
			s->has_profiles = nl_attr_u32(attr, &s->profiles);
			ret = s->has_profiles ? 0 : -1;
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

const char *rule_ports(const struct show_rule *r, char *buf, size_t size)
{
	if (r->port_min == r->port_max)
		snprintf(buf, size, "%u", r->port_min);
	else
		snprintf(buf, size, "%u-%u", r->port_min, r->port_max);
	return buf;
}

/* The profiles a row list names, in uapi order, enabled or not. */
static uint32_t profiles_of(const struct show *s)
{
	uint32_t seen = 0;
	size_t i;

	for (i = 0; i < s->n_rules; i++)
		if (s->rules[i].profile < 32)
			seen |= 1U << s->rules[i].profile;
	return seen;
}

/*
 * A row's columns up to its destination, then the tail (counters, or the
 * citation): one layout for show and profiles.
 */
#define ROW_HEADER "%-6s %-9s %-6s %-12s %-12s %-10s %-10s"

static void print_row_start(const char *indent, const struct show_rule *r)
{
	char b1[16], b2[16], b3[16], b4[16], ports[16];

	printf("%s" ROW_HEADER, indent, r->label, r->name,
	       name_or_number(proto_name(r->proto), r->proto, b1, sizeof(b1)),
	       rule_ports(r, ports, sizeof(ports)),
	       name_or_number(port_match_name(r->port_match), r->port_match,
			      b2, sizeof(b2)),
	       name_or_number(endpoint_name(r->src), r->src, b3, sizeof(b3)),
	       name_or_number(endpoint_name(r->dst), r->dst, b4, sizeof(b4)));
}

static void print_show(const struct show *s)
{
	char b1[16];
	uint32_t shown;
	unsigned int profile;
	size_t i;

	printf("mode: %s\n", name_or_number(mode_name(s->mode), s->mode,
					    b1, sizeof(b1)));
	printf("log: %s\n", s->log ? "on" : "off");
	printf("profiles:");
	for (profile = 0; profile < 32; profile++)
		if (s->profiles & (1U << profile))
			printf(" %s", name_or_number(profile_name(profile),
						     profile, b1, sizeof(b1)));
	printf("\n");

	printf("sets:\n");
	for (i = 0; i < s->n_sets; i++) {
		const struct show_set *set = &s->sets[i];
		uint64_t total = (uint64_t)set->prefixes4 + set->prefixes6;

		printf("  %-10s %5" PRIu64 " %s (%" PRIu32 " IPv4, %" PRIu32 " IPv6)\n",
		       name_or_number(set_name(set->set), set->set, b1, sizeof(b1)),
		       total, total == 1 ? "prefix" : "prefixes",
		       set->prefixes4, set->prefixes6);
	}

	/* The rows of the enabled profiles, a profile at a time. */
	printf("rules:\n");
	printf("    " ROW_HEADER " %14s %16s\n", "row", "service", "proto",
	       "port", "match", "from", "to", "packets", "bytes");
	shown = profiles_of(s) & s->profiles;
	for (profile = 0; profile < 32; profile++) {
		if (!(shown & (1U << profile)))
			continue;
		printf("  profile %s\n", name_or_number(profile_name(profile),
							profile, b1, sizeof(b1)));
		for (i = 0; i < s->n_rules; i++) {
			const struct show_rule *r = &s->rules[i];

			if (r->profile != profile)
				continue;
			print_row_start("    ", r);
			printf(" %14" PRIu64 " %16" PRIu64 "\n", r->packets,
			       r->bytes);
		}
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

/* JSON spells the port readings without '|': "dport-or-sport". */
static const char *json_port_match(unsigned int match)
{
	switch (match) {
	case LYNCEDGE_PORT_DST:
		return "dport";
	case LYNCEDGE_PORT_DST_OR_SRC:
		return "dport-or-sport";
	default:
		return NULL;
	}
}

void json_rule(struct json *j, const struct show_rule *r, unsigned int flags)
{
	json_object_begin(j);
	json_kv_uint(j, "index", r->index);
	json_name(j, "profile", profile_name(r->profile), r->profile);
	json_kv_string(j, "label", r->label);
	json_kv_string(j, "service", r->name);
	json_name(j, "proto", proto_name(r->proto), r->proto);
	json_kv_uint(j, "port_min", r->port_min);
	json_kv_uint(j, "port_max", r->port_max);
	json_name(j, "port_match", json_port_match(r->port_match),
		  r->port_match);
	json_name(j, "src", endpoint_name(r->src), r->src);
	json_name(j, "dst", endpoint_name(r->dst), r->dst);
	if (flags & JSON_RULE_CITE)
		json_kv_string(j, "cite", r->cite);
	if (flags & JSON_RULE_ENABLED)
		json_kv_bool(j, "enabled", r->enabled);
	if (flags & JSON_RULE_COUNTERS) {
		json_kv_uint(j, "packets", r->packets);
		json_kv_uint(j, "bytes", r->bytes);
	}
	json_object_end(j);
}

static void json_profiles(struct json *j, uint32_t profiles)
{
	unsigned int profile;

	json_key(j, "profiles");
	json_array_begin(j);
	for (profile = 0; profile < 32; profile++) {
		if (!(profiles & (1U << profile)))
			continue;
		if (profile_name(profile))
			json_string(j, profile_name(profile));
		else
			json_uint(j, profile);
	}
	json_array_end(j);
}

static int print_show_json(const struct show *s)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_name(&j, "mode", mode_name(s->mode), s->mode);
	json_kv_bool(&j, "log", s->log);
	json_profiles(&j, s->profiles);
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
		json_rule(&j, &s->rules[i],
			  JSON_RULE_ENABLED | JSON_RULE_COUNTERS);
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

/* A reply that lacks what every reply carries. */
static int malformed(const char *ctx, const char *what)
{
	struct nl_error err = { .error = EPROTO };

	snprintf(err.msg, sizeof(err.msg), "the kernel's reply has no %s",
		 what);
	return request_error(ctx, &err, NULL, NULL);
}

int fetch_config(struct nl *nl, struct show *s, const char *ctx)
{
	struct nlmsghdr *nlh;
	struct nl_error err;
	size_t i;

	memset(s, 0, sizeof(*s));
	nlh = nl_start(nl, LYNCEDGE_CMD_GET_CONFIG, 0);
	if (nl_request(nl, nlh, show_cb, s, &err))
		return request_error(ctx, &err, NULL, NULL);
	if (!s->has_mode)
		return malformed(ctx, "mode");
	if (!s->has_profiles)
		return malformed(ctx, "profiles");
	for (i = 0; i < s->n_rules; i++)
		s->rules[i].enabled = s->rules[i].profile < 32 &&
				      (s->profiles & (1U << s->rules[i].profile));
	return EXIT_OK;
}

/* show and profiles: GET_CONFIG, printed by print. */
static int show_config(const char *ctx, int (*print)(const struct show *s))
{
	static struct show s;
	struct nl nl;
	int ret;

	ret = open_netlink(&nl, ctx);
	if (ret)
		return ret;
	ret = fetch_config(&nl, &s, ctx);
	nl_close(&nl);
	return ret ? ret : print(&s);
}

static int show_text(const struct show *s)
{
	print_show(s);
	return EXIT_OK;
}

int cmd_show(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return show_config("show", json_output ? print_show_json : show_text);
}

static void print_profiles(const struct show *s)
{
	uint32_t listed = profiles_of(s) | s->profiles;
	const char *description;
	unsigned int profile;
	bool first = true;
	char b1[16];
	size_t i;

	for (profile = 0; profile < 32; profile++) {
		if (!(listed & (1U << profile)))
			continue;
		description = profile_description(profile);
		printf("%s%s (%s)%s%s\n", first ? "" : "\n",
		       name_or_number(profile_name(profile), profile, b1,
				      sizeof(b1)),
		       s->profiles & (1U << profile) ? "on" : "off",
		       description ? ": " : "", description ? description : "");
		first = false;
		printf("  " ROW_HEADER " %s\n", "row", "service", "proto",
		       "port", "match", "from", "to", "table");
		for (i = 0; i < s->n_rules; i++) {
			if (s->rules[i].profile != profile)
				continue;
			print_row_start("  ", &s->rules[i]);
			printf(" %s\n", s->rules[i].cite);
		}
	}
}

static int print_profiles_json(const struct show *s)
{
	uint32_t listed = profiles_of(s) | s->profiles;
	const char *description;
	unsigned int profile;
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "profiles");
	json_array_begin(&j);
	for (profile = 0; profile < 32; profile++) {
		if (!(listed & (1U << profile)))
			continue;
		description = profile_description(profile);
		json_object_begin(&j);
		json_name(&j, "name", profile_name(profile), profile);
		json_kv_bool(&j, "enabled", s->profiles & (1U << profile));
		json_kv_bool(&j, "always_on", profile == LYNCEDGE_PROFILE_PIC);
		if (description)
			json_kv_string(&j, "description", description);
		else
			json_kv_null(&j, "description");
		json_key(&j, "rows");
		json_array_begin(&j);
		for (i = 0; i < s->n_rules; i++)
			if (s->rules[i].profile == profile)
				json_rule(&j, &s->rules[i], JSON_RULE_CITE);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	return finish_json(&j);
}

static int profiles_text(const struct show *s)
{
	print_profiles(s);
	return EXIT_OK;
}

int cmd_profiles(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return show_config("profiles",
			   json_output ? print_profiles_json : profiles_text);
}
