// SPDX-License-Identifier: GPL-2.0
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "names.h"
#include "lyncedge.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const set_names[LYNCEDGE_SET_COUNT] = {
	[LYNCEDGE_SET_EDGE] = "edge",
	[LYNCEDGE_SET_PARTNERS] = "partners",
	[LYNCEDGE_SET_CLIENTS] = "clients",
	[LYNCEDGE_SET_MESSENGER] = "messenger",
	[LYNCEDGE_SET_ACCESS] = "access",
	[LYNCEDGE_SET_WEBCONF] = "webconf",
	[LYNCEDGE_SET_AV] = "av",
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

static const char *const profile_names[LYNCEDGE_PROFILE_COUNT] = {
	[LYNCEDGE_PROFILE_PIC] = "pic",
	[LYNCEDGE_PROFILE_BASE] = "base",
	[LYNCEDGE_PROFILE_REMOTE_USERS] = "remote-users",
	[LYNCEDGE_PROFILE_FEDERATION] = "federation",
	[LYNCEDGE_PROFILE_XMPP] = "xmpp",
	[LYNCEDGE_PROFILE_OCS2007] = "ocs2007",
};

static const char *const profile_descriptions[LYNCEDGE_PROFILE_COUNT] = {
	[LYNCEDGE_PROFILE_PIC] =
		"public IM connectivity with partners, clients and Messenger (Skype); always on",
	[LYNCEDGE_PROFILE_BASE] =
		"the Access Edge's own certificate revocation (HTTP) and DNS lookups",
	[LYNCEDGE_PROFILE_REMOTE_USERS] =
		"remote users from anywhere: SIP, web conferencing, A/V media and relay",
	[LYNCEDGE_PROFILE_FEDERATION] =
		"SIP federation with any partner, both ways",
	[LYNCEDGE_PROFILE_XMPP] =
		"XMPP federation, both ways",
	[LYNCEDGE_PROFILE_OCS2007] =
		"A/V federation with OCS 2007 partners over the media port range",
};

static const char *const port_match_names[] = {
	[LYNCEDGE_PORT_DST] = "dport",
	[LYNCEDGE_PORT_DST_OR_SRC] = "dport|sport",
};

static const char *const port_matched_names[] = {
	[LYNCEDGE_MATCHED_DPORT] = "dport",
	[LYNCEDGE_MATCHED_SPORT] = "sport",
};

const char set_names_hint[] =
	"edge, partners, clients, messenger, access, webconf or av";
const char mode_names_hint[] = "off, monitor or enforce";
const char profile_names_hint[] =
	"pic, base, remote-users, federation, xmpp or ocs2007";

static int lookup(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -1;
}

static const char *name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : NULL;
}

int set_from_name(const char *name)
{
	return lookup(set_names, ARRAY_SIZE(set_names), name);
}

int mode_from_name(const char *name)
{
	return lookup(mode_names, ARRAY_SIZE(mode_names), name);
}

int profile_from_name(const char *name)
{
	return lookup(profile_names, ARRAY_SIZE(profile_names), name);
}

/* "off" is 0, as LYNCEDGE_A_LOG wants it. */
static const char *const onoff_names[] = { "off", "on" };

int onoff_from_name(const char *name)
{
	return lookup(onoff_names, ARRAY_SIZE(onoff_names), name);
}

const char *set_name(unsigned int set)
{
	return name_of(set_names, ARRAY_SIZE(set_names), set);
}

const char *mode_name(unsigned int mode)
{
	return name_of(mode_names, ARRAY_SIZE(mode_names), mode);
}

const char *deny_name(unsigned int reason)
{
	return name_of(deny_names, ARRAY_SIZE(deny_names), reason);
}

const char *profile_name(unsigned int profile)
{
	return name_of(profile_names, ARRAY_SIZE(profile_names), profile);
}

const char *profile_description(unsigned int profile)
{
	return name_of(profile_descriptions, ARRAY_SIZE(profile_descriptions),
		       profile);
}

const char *port_match_name(unsigned int match)
{
	return name_of(port_match_names, ARRAY_SIZE(port_match_names), match);
}

const char *port_matched_name(unsigned int matched)
{
	return name_of(port_matched_names, ARRAY_SIZE(port_matched_names),
		       matched);
}

const char *endpoint_name(unsigned int endpoint)
{
	return endpoint == LYNCEDGE_ANY ? "any" : set_name(endpoint);
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
