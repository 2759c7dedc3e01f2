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

#include "cli.h"
#include "json.h"
#include "names.h"
#include "uapi/lyncedge.h"

/*
 * The configuration and the sets come in separate requests: read the
 * configuration's generation before and after, and start again when a
 * change slipped in between, so that save prints a configuration that was
 * live at one moment.
 */
static int fetch_whole(struct nl *nl, struct show *s,
		       struct prefix_list sets[LYNCEDGE_SET_COUNT])
{
	static struct show after;
	struct nl_error err;
	unsigned int i, attempt;
	int ret;

	for (attempt = 0; attempt < NL_DUMP_RETRIES; attempt++) {
		ret = fetch_config(nl, s, "save");
		for (i = 0; !ret && i < LYNCEDGE_SET_COUNT; i++) {
			sets[i].n = 0;
			if (fetch_set(nl, (uint8_t)i, &sets[i], &err))
				ret = request_error("save", &err, set_name(i),
						    NULL);
		}
		if (!ret)
			ret = fetch_config(nl, &after, "save");
		if (ret)
			return ret;
		if (!s->has_generation || after.generation == s->generation)
			return EXIT_OK;
	}
	fprintf(stderr, "lyncedge: save: the configuration kept changing while it was read (%u attempts)\n",
		attempt);
	return EXIT_REFUSED;
}

int cmd_save(int argc, char **argv)
{
	static struct show s;
	char why[32];
	struct conf c;
	struct json j;
	struct nl nl;
	int ret;

	(void)argc;
	(void)argv;
	conf_init(&c);
	ret = open_netlink(&nl, "save");
	if (ret)
		return ret;
	ret = fetch_whole(&nl, &s, c.sets);
	nl_close(&nl);
	c.mode = s.mode;
	c.log = s.log != 0;
	c.profiles = s.profiles;
	/* A file restore would refuse is worse than none. */
	if (!ret && !conf_writable(&c, why, sizeof(why))) {
		fprintf(stderr, "lyncedge: save: the kernel reports %s, unknown to this lyncedge\n",
			why);
		ret = EXIT_REFUSED;
	}
	if (!ret && json_output) {
		json_init(&j, stdout);
		ret = conf_write_json(&j, &c) ? EXIT_REFUSED : finish_json(&j);
	} else if (!ret && conf_write(stdout, &c)) {
		fprintf(stderr, "lyncedge: save: cannot write the configuration: %s\n",
			strerror(errno));
		ret = EXIT_REFUSED;
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
	unsigned int i;
	int ret;

	ret = txn_flush(nl, -1, ctx);
	for (i = 0; !ret && i < LYNCEDGE_SET_COUNT; i++)
		ret = txn_stage(nl, LYNCEDGE_CMD_ADD_PREFIXES, (uint8_t)i,
				&c->sets[i], ctx);
	if (!ret)
		ret = configure(nl, &s, true, ctx);
	return ret;
}

static int restore_all(const char *file)
{
	struct txn_staged staged = { .file = conf_display_name(file) };
	char msg[CONF_ERRLEN];
	struct conf c;
	struct nl nl;
	unsigned int i;
	FILE *f;
	int ret;

	f = open_input(file);
	if (!f)
		return usage_error("restore: cannot open %s: %s", file,
				   strerror(errno));
	ret = conf_parse(file, f, &c, msg, sizeof(msg));
	close_input(f);
	if (ret) {
		conf_free(&c);
		return usage_error("restore: %s; nothing was changed", msg);
	}

	for (i = 0; i < LYNCEDGE_SET_COUNT; i++)
		staged.add[i] = &c.sets[i];
	ret = open_netlink(&nl, "restore");
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

	set = parse_set("restore --set", set_arg);
	if (set < 0)
		return EXIT_USAGE;
	snprintf(ctx, sizeof(ctx), "restore --set %s",
		 set_name((unsigned int)set));
	f = open_input(file);
	if (!f)
		return usage_error("%s: cannot open %s: %s", ctx, file,
				   strerror(errno));
	ret = prefix_list_parse(file, f, &l, msg, sizeof(msg));
	close_input(f);
	if (ret) {
		prefix_list_free(&l);
		return usage_error("%s: %s; nothing was changed", ctx, msg);
	}

	staged.add[set] = &l;
	ret = open_netlink(&nl, ctx);
	if (!ret) {
		ret = txn_begin(&nl, ctx);
		if (!ret)
			ret = txn_flush(&nl, set, ctx);
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
