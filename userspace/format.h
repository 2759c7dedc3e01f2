/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the commands print what the kernel says: ids this CLI may not know
 * (printed as numbers), and the rows of the table, as text columns and as
 * JSON, the same in show, profiles and explain.
 */
#ifndef LYNCEDGE_FORMAT_H
#define LYNCEDGE_FORMAT_H

#include <stddef.h>

struct json;
struct live_rule;

/* name, or v as a number in buf when name is NULL. */
const char *name_or_number(const char *name, unsigned int v, char *buf,
			   size_t size);

/* "key":"name", or "key":v when name is NULL. */
void json_name(struct json *j, const char *key, const char *name,
	       unsigned int v);

/* A row's port range, "5061" or "50000-59999", into buf; returns buf. */
const char *rule_ports(const struct live_rule *r, char *buf, size_t size);

/*
 * A row's columns (row, service, proto, port, match, from, to), after
 * indent, without a newline; the header line of the same columns.
 */
void print_rule_columns(const char *indent, const struct live_rule *r);
void print_rule_header(const char *indent);

/* What json_rule() adds to a row's fields. */
#define JSON_RULE_COUNTERS	0x1	/* packets, bytes */
#define JSON_RULE_ENABLED	0x2	/* enabled */
#define JSON_RULE_CITE		0x4	/* cite */

/* A row as a JSON object; flags: JSON_RULE_*. */
void json_rule(struct json *j, const struct live_rule *r, unsigned int flags);

#endif /* LYNCEDGE_FORMAT_H */
