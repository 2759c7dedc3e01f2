// SPDX-License-Identifier: GPL-2.0
/*
 * save and restore: the whole configuration as a file (see conffile.h).
 *
 * restore reads and checks the whole file before it sends anything, then
 * stages the new content in one kernel transaction: a bad line changes
 * nothing, and packets see the old configuration or the new one, never a
 * mix.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "json.h"
#include "names.h"
#include "prefix.h"
#include "report.h"
#include "request.h"
#include "lyncedge.h"

/*
 * The configuration and the sets come in separate requests: read the
 * configuration's generation before and after, and start again when a
 * change slipped in between, so that save prints a configuration that was
 * live at one moment. Fills c's mode, log, profiles and sets.
 */
static int fetch_whole(struct nl *nl, struct conf *c)
{
	static struct live_config before, after;
	unsigned int set, attempt;
	int ret;

	for (attempt = 0; attempt < NL_DUMP_RETRIES; attempt++) {
		ret = fetch_config(nl, &before, "save");
		for (set = 0; !ret && set < LYNCEDGE_SET_COUNT; set++)
			ret = fetch_set(nl, (uint8_t)set, &c->sets[set], "save",
					set_name(set));
		if (!ret)
			ret = fetch_config(nl, &after, "save");
		if (ret)
			return ret;
		if (!before.has_generation ||
		    after.generation == before.generation) {
			c->mode = before.mode;
			c->log = before.log != 0;
			c->profiles = before.profiles;
			return EXIT_OK;
		}
	}
	return failure("save: the configuration kept changing while it was read (%u attempts)",
		       attempt);
}

int cmd_save(int argc, char **argv)
{
	char why[32];
	struct conf c;
	struct json j;
	struct nl nl;
	int ret;

	(void)argc;
	(void)argv;
	conf_init(&c);
	ret = request_open(&nl, "save");
	if (ret)
		return ret;
	ret = fetch_whole(&nl, &c);
	nl_close(&nl);
	/* A file restore would refuse is worse than none. */
	if (!ret && !conf_writable(&c, why, sizeof(why)))
		ret = failure("save: the kernel reports %s, unknown to this lyncedge",
			      why);
	if (!ret && json_output) {
		json_init(&j, stdout);
		ret = conf_write_json(&j, &c) ? EXIT_REFUSED : finish_json(&j);
	} else if (!ret && conf_write(stdout, &c)) {
		ret = failure("save: cannot write the configuration: %s",
			      strerror(errno));
	}
	conf_free(&c);
	return ret;
}

/*
 * Stage a whole configuration: every set is replaced, even by nothing, and
 * so are the profiles (a file without a "profile" line means pic only).
 */
static int stage_conf(struct nl *nl, const struct conf *c, const char *ctx)
{
	struct settings s = {
		.mode = c->mode, .log = c->log,
		.set_profiles = true, .profiles = c->profiles,
	};
	unsigned int set;
	int ret;

	ret = request_flush(nl, -1, true, ctx);
	for (set = 0; !ret && set < LYNCEDGE_SET_COUNT; set++)
		ret = txn_stage(nl, LYNCEDGE_CMD_ADD_PREFIXES, (uint8_t)set,
				&c->sets[set], ctx);
	if (!ret)
		ret = request_configure(nl, &s, true, ctx);
	return ret;
}

static int restore_all(const char *file)
{
	struct txn_staged staged = { .file = conf_display_name(file) };
	char msg[CONF_ERRLEN];
	unsigned int set;
	struct conf c;
	struct nl nl;
	FILE *f;
	int ret;

	f = conf_open(file);
	if (!f)
		return usage_error("restore: cannot open %s: %s", file,
				   strerror(errno));
	ret = conf_parse(file, f, &c, msg, sizeof(msg));
	conf_close(f);
	if (ret) {
		conf_free(&c);
		return usage_error("restore: %s; nothing was changed", msg);
	}

	for (set = 0; set < LYNCEDGE_SET_COUNT; set++)
		staged.add[set] = &c.sets[set];
	ret = request_open(&nl, "restore");
	if (!ret) {
		ret = txn_begin(&nl, "restore");
		if (!ret)
			ret = stage_conf(&nl, &c, "restore");
		if (!ret)
			ret = txn_commit(&nl, &staged, "restore");
		nl_close(&nl);
	}
	conf_free(&c);
	return ret;
}

/* ipset's swap: one set gets new content in one step. */
static int restore_set(const char *set_arg, const char *file)
{
	struct txn_staged staged = { .file = conf_display_name(file) };
	struct prefix_list l = { 0 };
	char ctx[64], msg[CONF_ERRLEN];
	struct nl nl;
	FILE *f;
	int set, ret;

	set = set_from_name(set_arg);
	if (set < 0)
		return unknown_name("restore --set", "set", set_arg,
				    set_names_hint);
	snprintf(ctx, sizeof(ctx), "restore --set %s",
		 set_name((unsigned int)set));
	f = conf_open(file);
	if (!f)
		return usage_error("%s: cannot open %s: %s", ctx, file,
				   strerror(errno));
	ret = prefix_list_parse(file, f, &l, msg, sizeof(msg));
	conf_close(f);
	if (ret) {
		prefix_list_free(&l);
		return usage_error("%s: %s; nothing was changed", ctx, msg);
	}

	staged.add[set] = &l;
	ret = request_open(&nl, ctx);
	if (!ret) {
		ret = txn_begin(&nl, ctx);
		if (!ret)
			ret = request_flush(&nl, set, true, ctx);
		if (!ret)
			ret = txn_stage(&nl, LYNCEDGE_CMD_ADD_PREFIXES,
					(uint8_t)set, &l, ctx);
		if (!ret)
			ret = txn_commit(&nl, &staged, ctx);
		nl_close(&nl);
	}
	prefix_list_free(&l);
	return ret;
}

int cmd_restore(int argc, char **argv)
{
	char echo[ECHO_MAX + 4];

	if (argc > 1 && !strcmp(argv[1], "--set")) {
		if (argc != 4)
			return usage_error("restore: usage: lyncedge restore --set SET FILE|-");
		return restore_set(argv[2], argv[3]);
	}
	if (argc > 2)
		return usage_error("restore: too many arguments (usage: lyncedge restore [FILE|-])");
	if (argc == 2 && argv[1][0] == '-' && argv[1][1])
		return usage_error("restore: unknown option '%s'",
				   echo_arg(argv[1], echo, sizeof(echo)));
	return restore_all(argc == 2 ? argv[1] : "-");
}
