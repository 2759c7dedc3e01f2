// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that read the live configuration: show (mode, log,
 * profiles, sets, the enabled rows and every counter) and profiles (every
 * profile and its rows, on or off). Both print one GET_CONFIG.
 */
#include <inttypes.h>
#include <stdio.h>

#include "commands.h"
#include "format.h"
#include "json.h"
#include "names.h"
#include "report.h"
#include "request.h"
#include "lyncedge.h"

/* Profile ids fit a u32 mask: the kernel's PROFILES attribute. */
#define PROFILE_BITS 32

static bool has_profile(uint32_t mask, unsigned int profile)
{
	return profile < PROFILE_BITS && (mask & (1U << profile));
}

/* The profiles that the rows name, enabled or not. */
static uint32_t profiles_of(const struct live_config *c)
{
	uint32_t seen = 0;
	size_t i;

	for (i = 0; i < c->n_rules; i++)
		if (c->rules[i].profile < PROFILE_BITS)
			seen |= 1U << c->rules[i].profile;
	return seen;
}

static void print_show(const struct live_config *c)
{
	unsigned int profile;
	char b1[16];
	size_t i;

	printf("mode: %s\n", name_or_number(mode_name(c->mode), c->mode,
					    b1, sizeof(b1)));
	printf("log: %s\n", c->log ? "on" : "off");
	printf("profiles:");
	for (profile = 0; profile < PROFILE_BITS; profile++)
		if (has_profile(c->profiles, profile))
			printf(" %s", name_or_number(profile_name(profile),
						     profile, b1, sizeof(b1)));
	printf("\n");

	printf("sets:\n");
	for (i = 0; i < c->n_sets; i++) {
		const struct live_set *set = &c->sets[i];
		uint64_t total = (uint64_t)set->prefixes4 + set->prefixes6;

		printf("  %-10s %5" PRIu64 " %s (%" PRIu32 " IPv4, %" PRIu32 " IPv6)\n",
		       name_or_number(set_name(set->set), set->set, b1, sizeof(b1)),
		       total, total == 1 ? "prefix" : "prefixes",
		       set->prefixes4, set->prefixes6);
	}

	/* The rows of the enabled profiles, a profile at a time. */
	printf("rules:\n");
	print_rule_header("    ");
	printf(" %14s %16s\n", "packets", "bytes");
	for (profile = 0; profile < PROFILE_BITS; profile++) {
		if (!has_profile(c->profiles & profiles_of(c), profile))
			continue;
		printf("  profile %s\n", name_or_number(profile_name(profile),
							profile, b1, sizeof(b1)));
		for (i = 0; i < c->n_rules; i++) {
			const struct live_rule *r = &c->rules[i];

			if (r->profile != profile)
				continue;
			print_rule_columns("    ", r);
			printf(" %14" PRIu64 " %16" PRIu64 "\n", r->packets,
			       r->bytes);
		}
	}

	printf("denied (dropped in enforce mode, only counted in monitor mode):\n");
	for (i = 0; i < c->n_denies; i++) {
		const struct live_deny *d = &c->denies[i];

		printf("  %-14s packets %" PRIu64 " bytes %" PRIu64 "\n",
		       name_or_number(deny_name(d->reason), d->reason, b1,
				      sizeof(b1)),
		       d->packets, d->bytes);
	}

	printf("accepted by conntrack state (established, related): packets %" PRIu64 " bytes %" PRIu64 "\n",
	       c->accept_packets, c->accept_bytes);
}

/* "key":["pic",...]: the profiles of mask, unknown ones as numbers. */
static void json_profiles(struct json *j, const char *key, uint32_t mask)
{
	unsigned int profile;

	json_key(j, key);
	json_array_begin(j);
	for (profile = 0; profile < PROFILE_BITS; profile++) {
		if (!has_profile(mask, profile))
			continue;
		if (profile_name(profile))
			json_string(j, profile_name(profile));
		else
			json_uint(j, profile);
	}
	json_array_end(j);
}

static int print_show_json(const struct live_config *c)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_name(&j, "mode", mode_name(c->mode), c->mode);
	json_kv_bool(&j, "log", c->log);
	json_profiles(&j, "profiles", c->profiles);
	json_key(&j, "sets");
	json_array_begin(&j);
	for (i = 0; i < c->n_sets; i++) {
		json_object_begin(&j);
		json_name(&j, "name", set_name(c->sets[i].set), c->sets[i].set);
		json_kv_uint(&j, "prefixes4", c->sets[i].prefixes4);
		json_kv_uint(&j, "prefixes6", c->sets[i].prefixes6);
		json_kv_uint(&j, "bytes", c->sets[i].bytes);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "rules");
	json_array_begin(&j);
	for (i = 0; i < c->n_rules; i++)
		json_rule(&j, &c->rules[i],
			  JSON_RULE_ENABLED | JSON_RULE_COUNTERS);
	json_array_end(&j);
	json_key(&j, "deny");
	json_array_begin(&j);
	for (i = 0; i < c->n_denies; i++) {
		json_object_begin(&j);
		json_name(&j, "reason", deny_name(c->denies[i].reason),
			  c->denies[i].reason);
		json_kv_uint(&j, "packets", c->denies[i].packets);
		json_kv_uint(&j, "bytes", c->denies[i].bytes);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "established");
	json_object_begin(&j);
	json_kv_uint(&j, "packets", c->accept_packets);
	json_kv_uint(&j, "bytes", c->accept_bytes);
	json_object_end(&j);
	json_object_end(&j);
	return finish_json(&j);
}

static void print_profiles(const struct live_config *c)
{
	uint32_t listed = profiles_of(c) | c->profiles;
	const char *description;
	unsigned int profile;
	bool first = true;
	char b1[16];
	size_t i;

	for (profile = 0; profile < PROFILE_BITS; profile++) {
		if (!has_profile(listed, profile))
			continue;
		description = profile_description(profile);
		printf("%s%s (%s)%s%s\n", first ? "" : "\n",
		       name_or_number(profile_name(profile), profile, b1,
				      sizeof(b1)),
		       has_profile(c->profiles, profile) ? "on" : "off",
		       description ? ": " : "", description ? description : "");
		first = false;
		print_rule_header("  ");
		printf(" %s\n", "table");
		for (i = 0; i < c->n_rules; i++) {
			if (c->rules[i].profile != profile)
				continue;
			print_rule_columns("  ", &c->rules[i]);
			printf(" %s\n", c->rules[i].cite);
		}
	}
}

static int print_profiles_json(const struct live_config *c)
{
	uint32_t listed = profiles_of(c) | c->profiles;
	const char *description;
	unsigned int profile;
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "profiles");
	json_array_begin(&j);
	for (profile = 0; profile < PROFILE_BITS; profile++) {
		if (!has_profile(listed, profile))
			continue;
		description = profile_description(profile);
		json_object_begin(&j);
		json_name(&j, "name", profile_name(profile), profile);
		json_kv_bool(&j, "enabled", has_profile(c->profiles, profile));
		json_kv_bool(&j, "always_on", profile == LYNCEDGE_PROFILE_PIC);
		if (description)
			json_kv_string(&j, "description", description);
		else
			json_kv_null(&j, "description");
		json_key(&j, "rows");
		json_array_begin(&j);
		for (i = 0; i < c->n_rules; i++)
			if (c->rules[i].profile == profile)
				json_rule(&j, &c->rules[i], JSON_RULE_CITE);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	return finish_json(&j);
}

/* One GET_CONFIG, printed as text or JSON. */
static int show_config(const char *ctx, void (*text)(const struct live_config *),
		       int (*json)(const struct live_config *))
{
	static struct live_config c;
	struct nl nl;
	int ret;

	ret = request_open(&nl, ctx);
	if (ret)
		return ret;
	ret = fetch_config(&nl, &c, ctx);
	nl_close(&nl);
	if (ret)
		return ret;
	if (json_output)
		return json(&c);
	text(&c);
	return EXIT_OK;
}

int cmd_show(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return show_config("show", print_show, print_show_json);
}

int cmd_profiles(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return show_config("profiles", print_profiles, print_profiles_json);
}
