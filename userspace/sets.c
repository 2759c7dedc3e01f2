// SPDX-License-Identifier: GPL-2.0
/* The set commands: add, del, flush, test, list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "cli.h"
#include "names.h"
#include "uapi/lyncedge.h"

/*
 * LYNCEDGE_A_PREFIXES is one attribute and nla_len is a u16, so a big load
 * is cut into messages of at most this many prefixes, about 32 KiB each.
 */
#define PREFIXES_PER_MSG 1000

/* The largest prefix nest: nest header, ADDR6, LEN. */
#define PREFIX_NEST_MAX (MNL_ATTR_HDRLEN + MNL_ALIGN(MNL_ATTR_HDRLEN + 16) + \
			 MNL_ALIGN(MNL_ATTR_HDRLEN + 1))

_Static_assert(MNL_ATTR_HDRLEN + PREFIXES_PER_MSG * PREFIX_NEST_MAX <= 60000,
	       "LYNCEDGE_A_PREFIXES must stay well below 64 KiB");
_Static_assert(MNL_ATTR_HDRLEN + PREFIXES_PER_MSG * PREFIX_NEST_MAX + 256 <=
	       NL_TX_SIZE, "a batch must fit the request buffer");

void put_prefix(struct nlmsghdr *nlh, uint16_t type,
		       const struct prefix *p, bool with_len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, p->family == AF_INET ? LYNCEDGE_PREFIX_A_ADDR4 :
						  LYNCEDGE_PREFIX_A_ADDR6,
		     prefix_addr_size(p), p->addr);
	if (with_len)
		mnl_attr_put_u8(nlh, LYNCEDGE_PREFIX_A_LEN, p->len);
	mnl_attr_nest_end(nlh, nest);
}

static int get_prefix(const struct nlattr *nest, struct prefix *p)
{
	const struct nlattr *tb[LYNCEDGE_PREFIX_A_MAX + 1];
	const struct nlattr *addr;
	uint8_t len;

	nl_parse_nested(nest, tb, LYNCEDGE_PREFIX_A_MAX);
	addr = tb[LYNCEDGE_PREFIX_A_ADDR4];
	if (!addr == !tb[LYNCEDGE_PREFIX_A_ADDR6])
		return -1;
	if (!addr)
		addr = tb[LYNCEDGE_PREFIX_A_ADDR6];
	if (!nl_attr_u8(tb[LYNCEDGE_PREFIX_A_LEN], &len))
		return -1;
	return prefix_from_wire(p, mnl_attr_get_payload(addr),
				mnl_attr_get_payload_len(addr), len);
}

/* The prefix whose nest holds the attribute at offset, or NULL. */
static const struct prefix *rejected_prefix(const struct nl_error *err,
					    const uint32_t *offsets,
					    uint32_t end,
					    const struct prefix *batch,
					    size_t count)
{
	size_t i;

	if (!err->has_offset || !count || err->offset < offsets[0] ||
	    err->offset >= end)
		return NULL;
	for (i = count; i-- > 0;)
		if (err->offset >= offsets[i])
			return &batch[i];
	return NULL;
}

int apply_prefixes(struct nl *nl, uint8_t cmd, uint8_t set,
		   const struct prefix *prefixes, size_t n, const char *ctx)
{
	static uint32_t offsets[PREFIXES_PER_MSG];
	size_t done = 0;

	while (done < n) {
		size_t count = n - done, i;
		const struct prefix *batch = prefixes + done;
		struct nlmsghdr *nlh;
		struct nlattr *nest;
		struct nl_error err;

		if (count > PREFIXES_PER_MSG)
			count = PREFIXES_PER_MSG;
		nlh = nl_start(nl, cmd, 0);
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_PREFIXES);
		for (i = 0; i < count; i++) {
			offsets[i] = nlh->nlmsg_len;
			put_prefix(nlh, LYNCEDGE_PREFIXES_A_PREFIX, &batch[i],
				   true);
		}
		mnl_attr_nest_end(nlh, nest);

		if (nl_request(nl, nlh, NULL, NULL, &err)) {
			char subject[PREFIX_STRLEN], note[96] = "";
			const struct prefix *bad;

			bad = rejected_prefix(&err, offsets, nlh->nlmsg_len,
					      batch, count);
			if (bad)
				prefix_format(bad, subject, sizeof(subject));
			if (done)
				snprintf(note, sizeof(note),
					 "; the first %zu of %zu prefixes were applied",
					 done, n);
			return request_error(ctx, &err, bad ? subject : NULL,
					     note);
		}
		done += count;
	}
	return EXIT_OK;
}

static int cmd_prefixes(int argc, char **argv, uint8_t cmd)
{
	char ctx[64], msg[PREFIX_ERRLEN];
	struct prefix *prefixes;
	size_t n = (size_t)argc - 2, i;
	struct nl nl;
	int set, ret;

	set = parse_set(argv[0], argv[1]);
	if (set < 0)
		return EXIT_USAGE;
	snprintf(ctx, sizeof(ctx), "%s %s", argv[0], set_name((unsigned int)set));

	prefixes = calloc(n, sizeof(*prefixes));
	if (!prefixes) {
		fprintf(stderr, "lyncedge: %s: out of memory\n", ctx);
		return EXIT_REFUSED;
	}
	for (i = 0; i < n; i++) {
		if (prefix_parse(argv[2 + i], &prefixes[i], msg, sizeof(msg))) {
			free(prefixes);
			return usage_error("%s: %s", ctx, msg);
		}
	}

	ret = open_netlink(&nl, ctx);
	if (ret == EXIT_OK) {
		ret = apply_prefixes(&nl, cmd, (uint8_t)set, prefixes, n, ctx);
		nl_close(&nl);
	}
	free(prefixes);
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
	char ctx[64], echo[ECHO_MAX + 4];
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct nl nl;
	int set = -1, ret;

	(void)argc;
	if (strcmp(argv[1], "all")) {
		set = set_from_name(argv[1]);
		if (set < 0)
			return usage_error("flush: unknown set '%s' (expected %s, or all)",
					   echo_arg(argv[1], echo, sizeof(echo)),
					   set_names_hint);
	}
	snprintf(ctx, sizeof(ctx), "flush %s",
		 set < 0 ? "all" : set_name((unsigned int)set));

	ret = open_netlink(&nl, ctx);
	if (ret)
		return ret;
	nlh = nl_start(&nl, LYNCEDGE_CMD_FLUSH_SET, 0);
	if (set >= 0)
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, (uint8_t)set);
	if (nl_request(&nl, nlh, NULL, NULL, &err))
		ret = request_error(ctx, &err, NULL, NULL);
	nl_close(&nl);
	return ret;
}

static int test_cb(const struct nlmsghdr *nlh, void *data)
{
	int *member = data;
	const struct nlattr *attr;
	uint8_t v;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != LYNCEDGE_A_MEMBER)
			continue;
		if (!nl_attr_u8(attr, &v))
			return -1;
		*member = v != 0;
	}
	return 0;
}

int cmd_test(int argc, char **argv)
{
	char ctx[64], msg[PREFIX_ERRLEN], text[PREFIX_STRLEN];
	struct prefix address;
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct nl nl;
	int set, ret, member = -1;

	(void)argc;
	set = parse_set(argv[0], argv[1]);
	if (set < 0)
		return EXIT_USAGE;
	snprintf(ctx, sizeof(ctx), "test %s", set_name((unsigned int)set));
	if (address_parse(argv[2], &address, msg, sizeof(msg)))
		return usage_error("%s: %s", ctx, msg);

	ret = open_netlink(&nl, ctx);
	if (ret)
		return ret;
	nlh = nl_start(&nl, LYNCEDGE_CMD_TEST_ADDRESS, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, (uint8_t)set);
	put_prefix(nlh, LYNCEDGE_A_ADDRESS, &address, false);
	if (nl_request(&nl, nlh, test_cb, &member, &err)) {
		ret = request_error(ctx, &err, NULL, NULL);
	} else if (member < 0) {
		err.error = EPROTO;
		snprintf(err.msg, sizeof(err.msg),
			 "the kernel's reply has no member flag");
		ret = request_error(ctx, &err, NULL, NULL);
	} else {
		printf("%s is %sin %s\n",
		       prefix_format(&address, text, sizeof(text)),
		       member ? "" : "not ", set_name((unsigned int)set));
		ret = member ? EXIT_OK : EXIT_REFUSED;
	}
	nl_close(&nl);
	return ret;
}

struct list_state {
	uint8_t set;
	bool nomem;
	struct prefix *prefixes;
	size_t n, cap;
};

static int list_push(struct list_state *st, const struct prefix *p)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 256;
		struct prefix *grown;

		grown = realloc(st->prefixes, cap * sizeof(*grown));
		if (!grown) {
			st->nomem = true;
			return -1;
		}
		st->prefixes = grown;
		st->cap = cap;
	}
	st->prefixes[st->n++] = *p;
	return 0;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list_state *st = data;
	const struct nlattr *attr, *nest;
	struct prefix p;
	uint8_t set;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case LYNCEDGE_A_SET:
			if (!nl_attr_u8(attr, &set) || set != st->set)
				return -1;
			break;
		case LYNCEDGE_A_PREFIXES:
			mnl_attr_for_each_nested(nest, attr) {
				if (mnl_attr_get_type(nest) !=
				    LYNCEDGE_PREFIXES_A_PREFIX)
					continue;
				if (get_prefix(nest, &p) || list_push(st, &p))
					return -1;
			}
			break;
		}
	}
	return 0;
}

static void list_reset(void *data)
{
	struct list_state *st = data;

	st->n = 0;
}

int cmd_list(int argc, char **argv)
{
	struct list_state st = { 0 };
	char ctx[64], text[PREFIX_STRLEN];
	struct nlmsghdr *nlh;
	struct nl_error err;
	struct nl nl;
	int set, ret;
	size_t i;

	(void)argc;
	set = parse_set(argv[0], argv[1]);
	if (set < 0)
		return EXIT_USAGE;
	st.set = (uint8_t)set;
	snprintf(ctx, sizeof(ctx), "list %s", set_name((unsigned int)set));

	ret = open_netlink(&nl, ctx);
	if (ret)
		return ret;
	nlh = nl_start(&nl, LYNCEDGE_CMD_GET_PREFIXES, NLM_F_DUMP);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, st.set);
	if (nl_dump(&nl, nlh, list_cb, list_reset, &st, &err)) {
		if (st.nomem) {
			err.error = ENOMEM;
			err.msg[0] = '\0';
		}
		ret = request_error(ctx, &err, NULL, NULL);
	} else {
		for (i = 0; i < st.n; i++)
			printf("%s\n", prefix_format(&st.prefixes[i], text,
						     sizeof(text)));
	}
	nl_close(&nl);
	free(st.prefixes);
	return ret;
}
