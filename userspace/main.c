// SPDX-License-Identifier: GPL-2.0
/*
 * lyncedge - configure nf_lyncedge in the current network namespace, or in
 * the one -n names.
 *
 * Every argument is parsed before anything is sent, so bad input (exit 2)
 * never leaves a half-applied command behind.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "names.h"
#include "netns.h"
#include "prefix.h"
#include "report.h"

struct command {
	const char *name;
	const char *args;	/* as shown in the usage */
	int min_args;		/* not counting the name */
	int max_args;		/* -1: no limit */
	int (*fn)(int argc, char **argv);
	const char *help;
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "show", "", 0, 0, cmd_show,
	  "mode, log, profiles, set sizes, rows, counters" },
	{ "mode", "{off|monitor|enforce}", 1, 1, cmd_mode,
	  "off: no hooks; monitor: count; enforce: drop" },
	{ "log", "{on|off}", 1, 1, cmd_log,
	  "log denied packets through nf_log (rate limited)" },
	{ "profiles", "", 0, 0, cmd_profiles,
	  "each profile: on or off, its purpose and rows" },
	{ "profile", "{enable|disable} PROFILE...", 2, -1, cmd_profile,
	  "turn profiles on or off (pic is always on)" },
	{ "add", "SET {PREFIX...|-f FILE}", 2, -1, cmd_add,
	  "add prefixes to SET (present ones are fine)" },
	{ "del", "SET {PREFIX...|-f FILE}", 2, -1, cmd_del,
	  "delete prefixes, exactly as added, from SET" },
	{ "flush", "{SET|all}", 1, 1, cmd_flush,
	  "empty SET, or every set" },
	{ "test", "SET ADDRESS", 2, 2, cmd_test,
	  "exit 0 if ADDRESS is in SET, 1 if not" },
	{ "list", "SET", 1, 1, cmd_list,
	  "print the prefixes of SET, one a line" },
	{ "reset-counters", "", 0, 0, cmd_reset_counters,
	  "start every counter again from zero" },
	{ "explain", "{tcp|udp} SRC [SPORT] DST DPORT", 4, 5, cmd_explain,
	  "what the live table does with a new flow" },
	{ "save", "", 0, 0, cmd_save,
	  "print the configuration in the file format" },
	{ "restore", "[FILE|-]", 0, 1, cmd_restore,
	  "replace the whole configuration at once" },
	{ "restore", "--set SET FILE|-", 2, 3, cmd_restore,
	  "replace the prefixes of SET at once" },
	{ "help", "", 0, 0, cmd_help,
	  "print this help" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The usage's first column; with the help beside it, 80 columns. */
#define SYNOPSIS_WIDTH 27

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: lyncedge [-j|--json] [-n|--netns NETNS] COMMAND [ARGUMENT...]\n"
		"       lyncedge {-h|--help|--version}\n"
		"Configure nf_lyncedge, the Lync Edge Server firewall, in the current\n"
		"network namespace, or in NETNS (a name from ip netns, or a path).\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < N_COMMANDS; i++) {
		char synopsis[48];

		snprintf(synopsis, sizeof(synopsis), "%s %s", commands[i].name,
			 commands[i].args);
		/* A long synopsis gets a line of its own: 80 columns. */
		if (strlen(synopsis) > SYNOPSIS_WIDTH)
			fprintf(f, "  %s\n  %-*s  %s\n", synopsis, SYNOPSIS_WIDTH,
				"", commands[i].help);
		else
			fprintf(f, "  %-*s  %s\n", SYNOPSIS_WIDTH, synopsis,
				commands[i].help);
	}
	fprintf(f,
		"\n"
		"SET is %s;\n"
		"an empty access, webconf or av set stands for edge.\n"
		"PROFILE is %s.\n"
		"PREFIX is an IPv4 or IPv6 address with an optional /LEN; the bits\n"
		"beyond LEN must be zero. FILE \"-\" is standard input; add/del -f, restore\n"
		"and restore --set each apply all of their input or none of it.\n"
		"-j prints show, profiles, list, explain and save as JSON. See lyncedge(8).\n"
		"Exit status: 0 done (test: in the set), 1 refused or failed (test: not\n"
		"in the set), 2 bad usage (nothing was sent to the kernel).\n",
		set_names_hint, profile_names_hint);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print_usage(stdout);
	return EXIT_OK;
}

/* The first entry of that name; restore's two forms share cmd_restore. */
static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	char echo[ECHO_MAX + 4];
	const struct command *cmd;
	const char *netns = NULL;
	int nargs, ret;

	/* The options, in any order, before the command. */
	while (argc > 1) {
		if (!strcmp(argv[1], "-j") || !strcmp(argv[1], "--json")) {
			json_output = true;
		} else if (!strcmp(argv[1], "-n") || !strcmp(argv[1], "--netns")) {
			if (argc < 3)
				return usage_error("%s: missing network namespace",
						   argv[1]);
			if (!netns_name_ok(argv[2]))
				return usage_error("%s: invalid network namespace '%s'",
						   argv[1],
						   echo_arg(argv[2], echo, sizeof(echo)));
			netns = argv[2];
			argc--;
			argv++;
		} else {
			break;
		}
		argc--;
		argv++;
	}
	if (argc < 2)
		return usage_error("no command given (try: lyncedge help)");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(stdout);
		return finish_output(EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("lyncedge %s\n", LYNCEDGE_VERSION);
		return finish_output(EXIT_OK);
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option '%s' (try: lyncedge help)",
				   echo_arg(argv[1], echo, sizeof(echo)));
	cmd = find_command(argv[1]);
	if (!cmd)
		return usage_error("unknown command '%s' (try: lyncedge help)",
				   echo_arg(argv[1], echo, sizeof(echo)));

	nargs = argc - 2;
	/* restore checks its own two forms. */
	if (cmd->fn != cmd_restore && nargs < cmd->min_args)
		return usage_error("%s: missing argument (usage: lyncedge %s %s)",
				   cmd->name, cmd->name, cmd->args);
	if (cmd->fn != cmd_restore && cmd->max_args >= 0 && nargs > cmd->max_args)
		return usage_error("%s: too many arguments (usage: lyncedge %s%s%s)",
				   cmd->name, cmd->name,
				   cmd->args[0] ? " " : "", cmd->args);
	/*
	 * Before the command opens its socket. Its own checks of the
	 * arguments (prefixes, files) come after: they send nothing either
	 * way, but a namespace that cannot be entered is reported first.
	 */
	if (netns && cmd->fn != cmd_help) {
		ret = enter_netns(netns);
		if (ret != EXIT_OK)
			return ret;
	}

	return finish_output(cmd->fn(argc - 1, argv + 1));
}
