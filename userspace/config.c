// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that change the configuration but the sets: mode, log,
 * profile and reset-counters. Each is one request, on a socket of its own.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "names.h"
#include "prefix.h"
#include "report.h"
#include "request.h"
#include "lyncedge.h"

static int configure_now(const struct settings *s, const char *ctx)
{
	struct nl nl;
	int ret;

	ret = request_open(&nl, ctx);
	if (ret)
		return ret;
	ret = request_configure(&nl, s, false, ctx);
	nl_close(&nl);
	return ret;
}

int cmd_mode(int argc, char **argv)
{
	struct settings s = SETTINGS_LEAVE;

	(void)argc;
	s.mode = mode_from_name(argv[1]);
	if (s.mode < 0)
		return unknown_name("mode", "mode", argv[1], mode_names_hint);
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
	uint32_t mask = 0;
	char ctx[32];
	bool enable;
	int i, profile;

	if (!strcmp(argv[1], "enable"))
		enable = true;
	else if (!strcmp(argv[1], "disable"))
		enable = false;
	else
		return unknown_name("profile", "action", argv[1],
				    "enable or disable");
	snprintf(ctx, sizeof(ctx), "profile %s", argv[1]);

	for (i = 2; i < argc; i++) {
		profile = profile_from_name(argv[i]);
		if (profile < 0)
			return unknown_name(ctx, "profile", argv[i],
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
	ret = request_open(&nl, "reset-counters");
	if (ret)
		return ret;
	ret = request_reset_counters(&nl, "reset-counters");
	nl_close(&nl);
	return ret;
}
