// SPDX-License-Identifier: GPL-2.0
/*
 * table-rows: print the module's rows, from module/table.c itself, so that
 * the selftests' models of the table (tools/nft-model.sh, tools/flows.py)
 * read the rows the module was built with instead of keeping copies that
 * drift. One row a line, fields separated by one space:
 *
 *   INDEX PROFILE LABEL SERVICE PROTO PORT_MIN PORT_MAX PORT_MATCH SRC DST
 *
 *   INDEX       1-based, across all profiles: the order of matching and the
 *               number explain and show use
 *   PROFILE     pic, base, remote-users, federation, xmpp, ocs2007
 *   LABEL       the row in Microsoft's table: "4", "E9", "E7/F1"
 *   SERVICE     "SIP/MTLS", "RTP", ...
 *   PROTO       tcp or udp
 *   PORT_MATCH  dport (the destination port is in the range) or
 *               dport|sport (the destination or the source port is)
 *   SRC, DST    a set's name, or "any"
 *
 * The names are the ones the CLI documents, written here on purpose rather
 * than taken from userspace/names.c: a test that reads its expectations
 * through the code under test checks nothing. A new profile, set, protocol
 * or port reading in the module fails this build until it is named here.
 */
#include <stdio.h>
#include <stdlib.h>
#include "table.h"

static const char *const profile_names[] = {
	[LYNCEDGE_PROFILE_PIC] = "pic",
	[LYNCEDGE_PROFILE_BASE] = "base",
	[LYNCEDGE_PROFILE_REMOTE_USERS] = "remote-users",
	[LYNCEDGE_PROFILE_FEDERATION] = "federation",
	[LYNCEDGE_PROFILE_XMPP] = "xmpp",
	[LYNCEDGE_PROFILE_OCS2007] = "ocs2007",
};

static const char *const set_names[] = {
	[LYNCEDGE_SET_EDGE] = "edge",
	[LYNCEDGE_SET_PARTNERS] = "partners",
	[LYNCEDGE_SET_CLIENTS] = "clients",
	[LYNCEDGE_SET_MESSENGER] = "messenger",
	[LYNCEDGE_SET_ACCESS] = "access",
	[LYNCEDGE_SET_WEBCONF] = "webconf",
	[LYNCEDGE_SET_AV] = "av",
};

static const char *const port_match_names[] = {
	[LYNCEDGE_PORT_DST] = "dport",
	[LYNCEDGE_PORT_DST_OR_SRC] = "dport|sport",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(COUNT(profile_names) == LYNCEDGE_PROFILE_COUNT,
	       "a profile without a name here");
_Static_assert(COUNT(set_names) == LYNCEDGE_SET_COUNT,
	       "a set without a name here");
_Static_assert(COUNT(port_match_names) == __LYNCEDGE_PORT_LAST,
	       "a port reading without a name here");

static const char *endpoint(unsigned int e)
{
	if (e == LYNCEDGE_ANY)
		return "any";
	return e < COUNT(set_names) ? set_names[e] : NULL;
}

static const char *proto(unsigned int p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : NULL;
}

/* A field the output cannot carry: empty, or with a space in it. */
static int bad_field(const char *s)
{
	return !s || !*s || strchr(s, ' ') || strchr(s, '\t');
}

int main(void)
{
	unsigned int i;

	for (i = 0; i < LYNCEDGE_RULE_COUNT; i++) {
		const struct lyncedge_rule *r = &lyncedge_rules[i];
		const char *profile = r->profile < COUNT(profile_names) ?
				      profile_names[r->profile] : NULL;
		const char *match = r->port_match < COUNT(port_match_names) ?
				    port_match_names[r->port_match] : NULL;

		if (bad_field(profile) || bad_field(r->label) ||
		    bad_field(r->service) || bad_field(proto(r->proto)) ||
		    bad_field(match) || bad_field(endpoint(r->src)) ||
		    bad_field(endpoint(r->dst)) || r->port_min > r->port_max) {
			fprintf(stderr, "table-rows: row %u cannot be written\n",
				i + 1);
			return 1;
		}
		printf("%u %s %s %s %s %u %u %s %s %s\n", i + 1, profile,
		       r->label, r->service, proto(r->proto), r->port_min,
		       r->port_max, match, endpoint(r->src), endpoint(r->dst));
	}
	return fflush(stdout) ? 1 : 0;
}
