// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "format.h"
#include "json.h"
#include "names.h"
#include "request.h"
#include "lyncedge.h"

/* The columns of a row, in show and profiles alike. */
#define RULE_COLUMNS "%-6s %-9s %-6s %-12s %-12s %-10s %-10s"

const char *name_or_number(const char *name, unsigned int v, char *buf,
			   size_t size)
{
	if (name)
		return name;
	snprintf(buf, size, "%u", v);
	return buf;
}

void json_name(struct json *j, const char *key, const char *name,
	       unsigned int v)
{
	if (name)
		json_kv_string(j, key, name);
	else
		json_kv_uint(j, key, v);
}

const char *rule_ports(const struct live_rule *r, char *buf, size_t size)
{
	if (r->port_min == r->port_max)
		snprintf(buf, size, "%u", r->port_min);
	else
		snprintf(buf, size, "%u-%u", r->port_min, r->port_max);
	return buf;
}

void print_rule_columns(const char *indent, const struct live_rule *r)
{
	char b1[16], b2[16], b3[16], b4[16], ports[16];

	printf("%s" RULE_COLUMNS, indent, r->label, r->name,
	       name_or_number(proto_name(r->proto), r->proto, b1, sizeof(b1)),
	       rule_ports(r, ports, sizeof(ports)),
	       name_or_number(port_match_name(r->port_match), r->port_match,
			      b2, sizeof(b2)),
	       name_or_number(endpoint_name(r->src), r->src, b3, sizeof(b3)),
	       name_or_number(endpoint_name(r->dst), r->dst, b4, sizeof(b4)));
}

void print_rule_header(const char *indent)
{
	printf("%s" RULE_COLUMNS, indent, "row", "service", "proto", "port",
	       "match", "from", "to");
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

void json_rule(struct json *j, const struct live_rule *r, unsigned int flags)
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
