// SPDX-License-Identifier: GPL-2.0
/*
 * lyncedge explain: ask the kernel how the live configuration judges the
 * first packet of a flow, by the very code that judges real packets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "commands.h"
#include "format.h"
#include "json.h"
#include "names.h"
#include "report.h"
#include "request.h"
#include "lyncedge.h"

/* A port: plain decimal, 0..65535. */
static int parse_port(const char *text, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (text[0] < '0' || text[0] > '9' || (text[0] == '0' && text[1]))
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "203.0.113.10:5061", "[2001:db8::1]:5061", or the address alone. */
static const char *endpoint(const struct prefix *p, uint16_t port,
			    bool with_port, char *buf, size_t size)
{
	char addr[PREFIX_STRLEN];

	prefix_format(p, addr, sizeof(addr));
	if (!with_port)
		snprintf(buf, size, "%s", addr);
	else if (p->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", addr, port);
	else
		snprintf(buf, size, "%s:%u", addr, port);
	return buf;
}

/*
 * "allowed by row 4 of profile pic (RTP tcp 50000-59999 av -> messenger),
 * by source port 50123": the words up to the row's label are what scripts
 * of the six-row days matched, and stay first.
 */
static void print_allowed(const struct explain_reply *r,
			  const struct explain_query *q, const char *flow)
{
	const struct live_rule *rule = &r->rule;
	char b1[16], b2[16], b3[16], b4[16], ports[16];

	printf("%s: allowed by row %s of profile %s (%s %s %s %s -> %s)", flow,
	       rule->label,
	       name_or_number(profile_name(rule->profile), rule->profile, b1,
			      sizeof(b1)),
	       rule->name,
	       name_or_number(proto_name(rule->proto), rule->proto, b2,
			      sizeof(b2)),
	       rule_ports(rule, ports, sizeof(ports)),
	       name_or_number(endpoint_name(rule->src), rule->src, b3,
			      sizeof(b3)),
	       name_or_number(endpoint_name(rule->dst), rule->dst, b4,
			      sizeof(b4)));
	if (r->matched == LYNCEDGE_MATCHED_SPORT)
		printf(", by source port %u\n", q->sport);
	else
		printf(", by destination port %u\n", q->dport);
}

static void print_verdict(const struct explain_reply *r,
			  const struct explain_query *q, const char *flow)
{
	const char *reason = deny_name(r->reason);

	switch (r->verdict) {
	case LYNCEDGE_VERDICT_ALLOW:
		print_allowed(r, q, flow);
		break;
	case LYNCEDGE_VERDICT_DENY:
		printf("%s: denied (%s); %s\n", flow,
		       reason ? reason : "unknown reason",
		       r->mode == LYNCEDGE_MODE_ENFORCE ? "enforce mode drops it" :
		       r->mode == LYNCEDGE_MODE_MONITOR ? "monitor mode counts it and lets it pass" :
		       "mode off: nothing is filtered");
		break;
	default:
		printf("%s: not edge traffic, passes untouched\n", flow);
		break;
	}
}

static int print_verdict_json(const struct explain_reply *r,
			      const struct explain_query *q)
{
	char text[PREFIX_STRLEN];
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_name(&j, "mode", mode_name(r->mode), r->mode);
	json_kv_string(&j, "proto", proto_name(q->proto));
	json_kv_string(&j, "src", prefix_format(&q->src, text, sizeof(text)));
	if (q->has_sport)
		json_kv_uint(&j, "sport", q->sport);
	else
		json_kv_null(&j, "sport");
	json_kv_string(&j, "dst", prefix_format(&q->dst, text, sizeof(text)));
	json_kv_uint(&j, "dport", q->dport);
	switch (r->verdict) {
	case LYNCEDGE_VERDICT_ALLOW:
		json_kv_string(&j, "verdict", "allow");
		json_name(&j, "profile", profile_name(r->rule.profile),
			  r->rule.profile);
		json_kv_string(&j, "row", r->rule.label);
		json_name(&j, "matched", port_matched_name(r->matched),
			  r->matched);
		json_key(&j, "rule");
		json_rule(&j, &r->rule, 0);
		break;
	case LYNCEDGE_VERDICT_DENY:
		json_kv_string(&j, "verdict", "deny");
		json_name(&j, "reason", deny_name(r->reason), r->reason);
		break;
	default:
		json_kv_string(&j, "verdict", "not-edge");
		break;
	}
	json_object_end(&j);
	return finish_json(&j);
}

/* argv: {tcp|udp} SRC [SPORT] DST DPORT, checked whole before anything. */
static int parse_query(int argc, char **argv, struct explain_query *q)
{
	const char *dst = argv[argc == 6 ? 4 : 3];
	const char *dport = argv[argc == 6 ? 5 : 4];
	char msg[PREFIX_ERRLEN], echo[ECHO_MAX + 4];
	int proto;

	q->has_sport = argc == 6;
	proto = proto_from_name(argv[1]);
	if (proto < 0)
		return unknown_name("explain", "protocol", argv[1], "tcp or udp");
	q->proto = (uint8_t)proto;
	if (address_parse(argv[2], &q->src, msg, sizeof(msg)))
		return usage_error("explain: %s", msg);
	if (q->has_sport && parse_port(argv[3], &q->sport))
		return usage_error("explain: bad source port '%s' (0 to 65535)",
				   echo_arg(argv[3], echo, sizeof(echo)));
	if (address_parse(dst, &q->dst, msg, sizeof(msg)))
		return usage_error("explain: %s", msg);
	if (parse_port(dport, &q->dport))
		return usage_error("explain: bad destination port '%s' (0 to 65535)",
				   echo_arg(dport, echo, sizeof(echo)));
	if (q->src.family != q->dst.family)
		return usage_error("explain: source and destination are of different families");
	return EXIT_OK;
}

int cmd_explain(int argc, char **argv)
{
	char src[PREFIX_STRLEN + 8], dst[PREFIX_STRLEN + 8];
	char flow[2 * PREFIX_STRLEN + 40];
	struct explain_query q = { 0 };
	struct explain_reply r;
	struct nl nl;
	int ret;

	ret = parse_query(argc, argv, &q);
	if (ret)
		return ret;
	ret = request_open(&nl, "explain");
	if (ret)
		return ret;
	ret = request_explain(&nl, &q, &r, "explain");
	nl_close(&nl);
	if (ret)
		return ret;

	if (json_output) {
		ret = print_verdict_json(&r, &q);
	} else {
		snprintf(flow, sizeof(flow), "%s %s -> %s", proto_name(q.proto),
			 endpoint(&q.src, q.sport, q.has_sport, src, sizeof(src)),
			 endpoint(&q.dst, q.dport, true, dst, sizeof(dst)));
		print_verdict(&r, &q, flow);
	}
	if (!ret && r.verdict == LYNCEDGE_VERDICT_DENY)
		ret = EXIT_REFUSED;
	return ret;
}
