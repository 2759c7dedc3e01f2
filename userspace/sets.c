// SPDX-License-Identifier: GPL-2.0
/* The set commands: add, del, flush, test, list. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "json.h"
#include "names.h"
#include "report.h"
#include "request.h"
#include "lyncedge.h"

/* The set named arg, for command cmd; -1 when unknown (reported). */
static int parse_set(const char *cmd, const char *arg)
{
	int set = set_from_name(arg);

	if (set < 0)
		unknown_name(cmd, "set", arg, set_names_hint);
	return set;
}

/* More than one message holds: one transaction, so still all or nothing. */
static int apply_in_txn(struct nl *nl, uint8_t cmd, uint8_t set,
			const struct prefix_list *l, const char *file,
			const char *ctx)
{
	struct txn_staged staged = { .file = file };
	int ret;

	if (cmd == LYNCEDGE_CMD_ADD_PREFIXES)
		staged.add[set] = l;
	else
		staged.del[set] = l;
	ret = txn_begin(nl, ctx);
	if (!ret)
		ret = txn_stage(nl, cmd, set, l, ctx);
	if (!ret)
		ret = txn_commit(nl, &staged, ctx);
	return ret;
}

/* "add SET -f FILE": the prefix-list file into l. */
static int read_prefix_file(const char *ctx, const char *name,
			    struct prefix_list *l)
{
	char msg[CONF_ERRLEN];
	FILE *f = conf_open(name);
	int ret;

	if (!f)
		return usage_error("%s: cannot open %s: %s", ctx, name,
				   strerror(errno));
	ret = prefix_list_parse(name, f, l, msg, sizeof(msg));
	conf_close(f);
	if (ret)
		return usage_error("%s: %s", ctx, msg);
	return EXIT_OK;
}

/* "add SET PREFIX...": the command line into l. */
static int read_prefix_args(const char *ctx, int argc, char **argv,
			    struct prefix_list *l)
{
	char msg[PREFIX_ERRLEN];
	struct prefix p;
	int i;

	for (i = 0; i < argc; i++) {
		if (prefix_parse(argv[i], &p, msg, sizeof(msg))) {
			prefix_list_free(l);
			return usage_error("%s: %s", ctx, msg);
		}
		if (prefix_list_add(l, &p, 0)) {
			prefix_list_free(l);
			return failure("%s: out of memory", ctx);
		}
	}
	return EXIT_OK;
}

static int cmd_prefixes(int argc, char **argv, uint8_t cmd)
{
	struct prefix_list l = { 0 };
	const char *file = NULL;
	char ctx[64];
	struct nl nl;
	int set, ret;

	set = parse_set(argv[0], argv[1]);
	if (set < 0)
		return EXIT_USAGE;
	snprintf(ctx, sizeof(ctx), "%s %s", argv[0], set_name((unsigned int)set));

	if (!strcmp(argv[2], "-f")) {
		if (argc != 4)
			return usage_error("%s: -f takes one file (usage: lyncedge %s SET -f FILE|-)",
					   ctx, argv[0]);
		file = argv[3];
		ret = read_prefix_file(ctx, file, &l);
	} else {
		ret = read_prefix_args(ctx, argc - 2, argv + 2, &l);
	}
	if (ret || !l.n)
		return ret;

	ret = request_open(&nl, ctx);
	if (ret == EXIT_OK) {
		if (!file && l.n <= PREFIXES_PER_MSG)
			ret = request_prefixes(&nl, cmd, (uint8_t)set, &l, ctx);
		else
			ret = apply_in_txn(&nl, cmd, (uint8_t)set, &l,
					   file ? conf_display_name(file) : NULL,
					   ctx);
		nl_close(&nl);
	}
	prefix_list_free(&l);
	return ret;
}

int cmd_add(int argc, char **argv)
{
	return cmd_prefixes(argc, argv, LYNCEDGE_CMD_ADD_PREFIXES);
}

int cmd_del(int argc, char **argv)
{
	return cmd_prefixes(argc, argv, LYNCEDGE_CMD_DEL_PREFIXES);
}

int cmd_flush(int argc, char **argv)
{
	char ctx[64], expected[128];
	struct nl nl;
	int set = -1, ret;

	(void)argc;
	if (strcmp(argv[1], "all")) {
		set = set_from_name(argv[1]);
		if (set < 0) {
			snprintf(expected, sizeof(expected), "%s, or all",
				 set_names_hint);
			return unknown_name("flush", "set", argv[1], expected);
		}
	}
	snprintf(ctx, sizeof(ctx), "flush %s",
		 set < 0 ? "all" : set_name((unsigned int)set));

	ret = request_open(&nl, ctx);
	if (ret)
		return ret;
	ret = request_flush(&nl, set, false, ctx);
	nl_close(&nl);
	return ret;
}

int cmd_test(int argc, char **argv)
{
	char ctx[64], msg[PREFIX_ERRLEN], text[PREFIX_STRLEN];
	struct prefix address;
	bool member = false;
	struct nl nl;
	int set, ret;

	(void)argc;
	set = parse_set(argv[0], argv[1]);
	if (set < 0)
		return EXIT_USAGE;
	snprintf(ctx, sizeof(ctx), "test %s", set_name((unsigned int)set));
	if (address_parse(argv[2], &address, msg, sizeof(msg)))
		return usage_error("%s: %s", ctx, msg);

	ret = request_open(&nl, ctx);
	if (ret)
		return ret;
	ret = request_test(&nl, (uint8_t)set, &address, &member, ctx);
	nl_close(&nl);
	if (ret)
		return ret;
	printf("%s is %sin %s\n", prefix_format(&address, text, sizeof(text)),
	       member ? "" : "not ", set_name((unsigned int)set));
	return member ? EXIT_OK : EXIT_REFUSED;
}

static int print_list_json(const char *set, const struct prefix_list *l)
{
	char text[PREFIX_STRLEN];
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_kv_string(&j, "set", set);
	json_key(&j, "prefixes");
	json_array_begin(&j);
	for (i = 0; i < l->n; i++)
		json_string(&j, prefix_format(&l->prefixes[i], text,
					      sizeof(text)));
	json_array_end(&j);
	json_object_end(&j);
	return finish_json(&j);
}

int cmd_list(int argc, char **argv)
{
	struct prefix_list l = { 0 };
	char ctx[64], text[PREFIX_STRLEN];
	struct nl nl;
	int set, ret;
	size_t i;

	(void)argc;
	set = parse_set(argv[0], argv[1]);
	if (set < 0)
		return EXIT_USAGE;
	snprintf(ctx, sizeof(ctx), "list %s", set_name((unsigned int)set));

	ret = request_open(&nl, ctx);
	if (ret)
		return ret;
	ret = fetch_set(&nl, (uint8_t)set, &l, ctx, NULL);
	nl_close(&nl);
	if (!ret && json_output) {
		ret = print_list_json(set_name((unsigned int)set), &l);
	} else if (!ret) {
		for (i = 0; i < l.n; i++)
			printf("%s\n", prefix_format(&l.prefixes[i], text,
						     sizeof(text)));
	}
	prefix_list_free(&l);
	return ret;
}
