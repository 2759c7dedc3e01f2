// SPDX-License-Identifier: GPL-2.0
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "names.h"
#include "uapi/lyncedge.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const set_names[LYNCEDGE_SET_COUNT] = {
	[LYNCEDGE_SET_EDGE] = "edge",
	[LYNCEDGE_SET_PARTNERS] = "partners",
	[LYNCEDGE_SET_CLIENTS] = "clients",
	[LYNCEDGE_SET_MESSENGER] = "messenger",
};

static const char *const mode_names[LYNCEDGE_MODE_MAX + 1] = {
	[LYNCEDGE_MODE_OFF] = "off",
	[LYNCEDGE_MODE_MONITOR] = "monitor",
	[LYNCEDGE_MODE_ENFORCE] = "enforce",
};

static const char *const deny_names[LYNCEDGE_DENY_COUNT] = {
	[LYNCEDGE_DENY_NO_RULE] = "no-rule",
	[LYNCEDGE_DENY_INVALID] = "invalid",
	[LYNCEDGE_DENY_MALFORMED] = "malformed",
};

const char set_names_hint[] = "edge, partners, clients or messenger";
const char mode_names_hint[] = "off, monitor or enforce";

static int lookup(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -1;
}

int set_from_name(const char *name)
{
	return lookup(set_names, ARRAY_SIZE(set_names), name);
}

int mode_from_name(const char *name)
{
	return lookup(mode_names, ARRAY_SIZE(mode_names), name);
}

/* "off" is 0, as LYNCEDGE_A_LOG wants it. */
static const char *const onoff_names[] = { "off", "on" };

int onoff_from_name(const char *name)
{
	return lookup(onoff_names, ARRAY_SIZE(onoff_names), name);
}

const char *set_name(unsigned int set)
{
	return set < ARRAY_SIZE(set_names) ? set_names[set] : NULL;
}

const char *mode_name(unsigned int mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : NULL;
}

const char *deny_name(unsigned int reason)
{
	return reason < ARRAY_SIZE(deny_names) ? deny_names[reason] : NULL;
}

int proto_from_name(const char *name)
{
	if (!strcmp(name, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(name, "udp"))
		return IPPROTO_UDP;
	return -1;
}

const char *proto_name(unsigned int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return NULL;
	}
}
