// SPDX-License-Identifier: GPL-2.0
/*
 * lyncedge explain: ask the kernel how the live configuration judges the
 * first packet of a flow, by the very code that judges real packets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "cli.h"
#include "json.h"
#include "names.h"
#include "uapi/lyncedge.h"

struct explain_reply {
	int mode;
	int verdict;
	int reason;
	int matched;		/* enum lyncedge_port_matched, -1 if absent */
	bool has_rule;
	struct show_rule rule;
};

static int explain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct explain_reply *r = data;
	const struct nlattr *attr;
	uint8_t v;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == LYNCEDGE_A_RULE) {
			if (parse_rule_nest(attr, &r->rule))
				return -1;
			r->has_rule = true;
			continue;
		}
		if (!nl_attr_u8(attr, &v))
			continue;
		switch (mnl_attr_get_type(attr)) {
		case LYNCEDGE_A_MODE:
			r->mode = v;
			break;
		case LYNCEDGE_A_VERDICT:
			r->verdict = v;
			break;
		case LYNCEDGE_A_PORT_MATCHED:
			r->matched = v;
			break;
		case LYNCEDGE_A_DENY_REASON:
			r->reason = v;
			break;
		}
	}
	return 0;
}

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
static void print_allowed(const struct explain_reply *r, const char *flow,
			  uint16_t sport, uint16_t dport)
{
	const struct show_rule *rule = &r->rule;
	const char *profile = profile_name(rule->profile);
	const char *proto = proto_name(rule->proto);
	const char *src = endpoint_name(rule->src);
	const char *dst = endpoint_name(rule->dst);
	char ports[16];

	printf("%s: allowed by row %s of profile ", flow, rule->label);
	if (profile)
		printf("%s", profile);
	else
		printf("%u", rule->profile);
	printf(" (%s %s %s ", rule->name, proto ? proto : "?",
	       rule_ports(rule, ports, sizeof(ports)));
	printf("%s -> %s)", src ? src : "?", dst ? dst : "?");
	if (r->matched == LYNCEDGE_MATCHED_SPORT)
		printf(", by source port %u\n", sport);
	else
		printf(", by destination port %u\n", dport);
}

static void print_verdict(const struct explain_reply *r, const char *flow,
			  uint16_t sport, uint16_t dport)
{
	const char *reason = deny_name((unsigned int)r->reason);

	switch (r->verdict) {
	case LYNCEDGE_VERDICT_ALLOW:
		print_allowed(r, flow, sport, dport);
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

static int print_verdict_json(const struct explain_reply *r, int proto,
			      const struct prefix *src, const int *sport,
			      const struct prefix *dst, uint16_t dport)
{
	char text[PREFIX_STRLEN];
	const char *name;
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	name = mode_name((unsigned int)r->mode);
	if (name)
		json_kv_string(&j, "mode", name);
	else
		json_kv_int(&j, "mode", r->mode);
	json_kv_string(&j, "proto", proto_name((unsigned int)proto));
	json_kv_string(&j, "src", prefix_format(src, text, sizeof(text)));
	if (sport)
		json_kv_uint(&j, "sport", (uint64_t)*sport);
	else
		json_kv_null(&j, "sport");
	json_kv_string(&j, "dst", prefix_format(dst, text, sizeof(text)));
	json_kv_uint(&j, "dport", dport);
	switch (r->verdict) {
	case LYNCEDGE_VERDICT_ALLOW:
		json_kv_string(&j, "verdict", "allow");
		name = profile_name(r->rule.profile);
		if (name)
			json_kv_string(&j, "profile", name);
		else
			json_kv_uint(&j, "profile", r->rule.profile);
		json_kv_string(&j, "row", r->rule.label);
		name = port_matched_name((unsigned int)r->matched);
		if (name)
			json_kv_string(&j, "matched", name);
		else
			json_kv_int(&j, "matched", r->matched);
		json_key(&j, "rule");
		json_rule(&j, &r->rule, 0);
		break;
	case LYNCEDGE_VERDICT_DENY:
		json_kv_string(&j, "verdict", "deny");
		name = deny_name((unsigned int)r->reason);
		if (name)
			json_kv_string(&j, "reason", name);
		else
			json_kv_int(&j, "reason", r->reason);
		break;
	default:
		json_kv_string(&j, "verdict", "not-edge");
		break;
	}
	json_object_end(&j);
	return finish_json(&j);
}

int cmd_explain(int argc, char **argv)
{
	char ctx[] = "explain", msg[PREFIX_ERRLEN], src_text[PREFIX_STRLEN + 8];
	char dst_text[PREFIX_STRLEN + 8], flow[2 * PREFIX_STRLEN + 40];
	char echo[ECHO_MAX + 4];
	struct explain_reply r = { .mode = -1, .verdict = -1, .matched = -1 };
	bool with_sport = argc == 6;
	uint16_t sport = 0, dport;
	struct prefix src, dst;
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct nl nl;
	int proto, ret;

	proto = proto_from_name(argv[1]);
	if (proto < 0)
		return usage_error("%s: unknown protocol '%s' (expected tcp or udp)",
				   ctx, echo_arg(argv[1], echo, sizeof(echo)));
	if (address_parse(argv[2], &src, msg, sizeof(msg)))
		return usage_error("%s: %s", ctx, msg);
	if (with_sport && parse_port(argv[3], &sport))
		return usage_error("%s: bad source port '%s' (0 to 65535)", ctx,
				   echo_arg(argv[3], echo, sizeof(echo)));
	if (address_parse(argv[with_sport ? 4 : 3], &dst, msg, sizeof(msg)))
		return usage_error("%s: %s", ctx, msg);
	if (parse_port(argv[with_sport ? 5 : 4], &dport))
		return usage_error("%s: bad destination port '%s' (0 to 65535)",
				   ctx, echo_arg(argv[with_sport ? 5 : 4], echo,
						 sizeof(echo)));
	if (src.family != dst.family)
		return usage_error("%s: source and destination are of different families",
				   ctx);

	ret = open_netlink(&nl, ctx);
	if (ret)
		return ret;
	nlh = nl_start(&nl, LYNCEDGE_CMD_EXPLAIN, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_PROTO, (uint8_t)proto);
	put_prefix(nlh, LYNCEDGE_A_SRC, &src, false);
	put_prefix(nlh, LYNCEDGE_A_DST, &dst, false);
	if (with_sport)
		mnl_attr_put_u16(nlh, LYNCEDGE_A_SPORT, sport);
	mnl_attr_put_u16(nlh, LYNCEDGE_A_DPORT, dport);
	if (nl_request(&nl, nlh, explain_cb, &r, &err)) {
		ret = request_error(ctx, &err, NULL, NULL);
	} else if (r.verdict < 0 || r.mode < 0) {
		err.error = EPROTO;
		snprintf(err.msg, sizeof(err.msg), "the kernel's reply has no verdict");
		ret = request_error(ctx, &err, NULL, NULL);
	} else if (r.verdict == LYNCEDGE_VERDICT_ALLOW &&
		   (!r.has_rule || r.matched < 0)) {
		err.error = EPROTO;
		snprintf(err.msg, sizeof(err.msg),
			 "the kernel's reply has no row or matched port");
		ret = request_error(ctx, &err, NULL, NULL);
	} else {
		int sport_value = sport;

		snprintf(flow, sizeof(flow), "%s %s -> %s", proto_name((unsigned int)proto),
			 endpoint(&src, sport, with_sport, src_text, sizeof(src_text)),
			 endpoint(&dst, dport, true, dst_text, sizeof(dst_text)));
		if (json_output)
			ret = print_verdict_json(&r, proto, &src,
						 with_sport ? &sport_value : NULL,
						 &dst, dport);
		else
			print_verdict(&r, flow, sport, dport);
		if (!ret)
			ret = r.verdict == LYNCEDGE_VERDICT_DENY ? EXIT_REFUSED :
								  EXIT_OK;
	}
	nl_close(&nl);
	return ret;
}
