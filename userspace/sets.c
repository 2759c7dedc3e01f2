// SPDX-License-Identifier: GPL-2.0
/* The set commands: add, del, flush, test, list. */
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

/* Up to PREFIXES_PER_MSG prefixes in one message, which is atomic. */
static int apply_prefixes(struct nl *nl, uint8_t cmd, uint8_t set,
			  const struct prefix_list *l, const char *ctx)
{
	static uint32_t offsets[PREFIXES_PER_MSG];
	char subject[PREFIX_STRLEN];
	const struct prefix *bad;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nl_error err;
	size_t i;

	nlh = nl_start(nl, cmd, 0);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
	nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_PREFIXES);
	for (i = 0; i < l->n; i++) {
		offsets[i] = nlh->nlmsg_len;
		put_prefix(nlh, LYNCEDGE_PREFIXES_A_PREFIX, &l->prefixes[i],
			   true);
	}
	mnl_attr_nest_end(nlh, nest);
	if (!nl_request(nl, nlh, NULL, NULL, &err))
		return EXIT_OK;
	bad = rejected_prefix(&err, offsets, nlh->nlmsg_len, l->prefixes,
			      l->n);
	if (bad)
		prefix_format(bad, subject, sizeof(subject));
	return request_error(ctx, &err, bad ? subject : NULL, NULL);
}

/* More than one message holds: one transaction, so still all or nothing. */
static int apply_in_txn(struct nl *nl, uint8_t cmd, uint8_t set,
			const struct prefix_list *l, const char *file,
			const char *ctx)
{
	struct txn_staged staged = { .file = file };
	int ret;

	if (cmd == LYNCEDGE_CMD_ADD_PREFIXES)
		staged.add[set] = l;
	else
		staged.del[set] = l;
	ret = txn_begin(nl, ctx);
	if (!ret)
		ret = txn_stage(nl, cmd, set, l, ctx);
	if (!ret)
		ret = txn_commit(nl, &staged, ctx);
	return ret;
}

/* Open name ("-" for stdin) for reading; NULL with errno set. */
FILE *open_input(const char *name)
{
	return strcmp(name, "-") ? fopen(name, "r") : stdin;
}

void close_input(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

/* "add SET -f FILE": the prefix-list file into l. */
static int read_prefix_file(const char *ctx, const char *name,
			    struct prefix_list *l)
{
	char msg[CONF_ERRLEN];
	FILE *f = open_input(name);
	int ret;

	if (!f)
		return usage_error("%s: cannot open %s: %s", ctx, name,
				   strerror(errno));
	ret = prefix_list_parse(name, f, l, msg, sizeof(msg));
	close_input(f);
	if (ret)
		return usage_error("%s: %s", ctx, msg);
	return EXIT_OK;
}

static int cmd_prefixes(int argc, char **argv, uint8_t cmd)
{
	char ctx[64], msg[PREFIX_ERRLEN];
	struct prefix_list l = { 0 };
	const char *file = NULL;
	struct prefix p;
	struct nl nl;
	int set, ret;
	int i;

	set = parse_set(argv[0], argv[1]);
	if (set < 0)
		return EXIT_USAGE;
	snprintf(ctx, sizeof(ctx), "%s %s", argv[0], set_name((unsigned int)set));

	if (!strcmp(argv[2], "-f")) {
		if (argc != 4)
			return usage_error("%s: -f takes one file (usage: lyncedge %s SET -f FILE|-)",
					   ctx, argv[0]);
		file = argv[3];
		ret = read_prefix_file(ctx, file, &l);
		if (ret)
			return ret;
	} else {
		for (i = 2; i < argc; i++) {
			if (prefix_parse(argv[i], &p, msg, sizeof(msg))) {
				prefix_list_free(&l);
				return usage_error("%s: %s", ctx, msg);
			}
			if (prefix_list_add(&l, &p, 0)) {
				prefix_list_free(&l);
				fprintf(stderr, "lyncedge: %s: out of memory\n", ctx);
				return EXIT_REFUSED;
			}
		}
	}
	if (!l.n)
		return EXIT_OK;

	ret = open_netlink(&nl, ctx);
	if (ret == EXIT_OK) {
		if (!file && l.n <= PREFIXES_PER_MSG)
			ret = apply_prefixes(&nl, cmd, (uint8_t)set, &l, ctx);
		else
			ret = apply_in_txn(&nl, cmd, (uint8_t)set, &l,
					   file ? conf_display_name(file) : NULL,
					   ctx);
		nl_close(&nl);
	}
	prefix_list_free(&l);
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
	ret = simple_request(&nl, nlh, ctx, NULL);
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

struct fetch_state {
	uint8_t set;
	bool nomem;
	struct prefix_list *out;
};

static int fetch_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fetch_state *st = data;
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
				if (get_prefix(nest, &p))
					return -1;
				if (prefix_list_add(st->out, &p, 0)) {
					st->nomem = true;
					return -1;
				}
			}
			break;
		}
	}
	return 0;
}

static void fetch_reset(void *data)
{
	struct fetch_state *st = data;

	st->out->n = 0;
}

int fetch_set(struct nl *nl, uint8_t set, struct prefix_list *out,
	      struct nl_error *err)
{
	struct fetch_state st = { .set = set, .out = out };
	struct nlmsghdr *nlh;

	nlh = nl_start(nl, LYNCEDGE_CMD_GET_PREFIXES, NLM_F_DUMP);
	mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
	if (!nl_dump(nl, nlh, fetch_cb, fetch_reset, &st, err))
		return 0;
	if (st.nomem) {
		err->error = ENOMEM;
		err->msg[0] = '\0';
	}
	return -1;
}

int cmd_list(int argc, char **argv)
{
	char ctx[64], text[PREFIX_STRLEN];
	struct prefix_list l = { 0 };
	struct nl_error err;
	struct json j;
	struct nl nl;
	int set, ret;
	size_t i;

	(void)argc;
	set = parse_set(argv[0], argv[1]);
	if (set < 0)
		return EXIT_USAGE;
	snprintf(ctx, sizeof(ctx), "list %s", set_name((unsigned int)set));

	ret = open_netlink(&nl, ctx);
	if (ret)
		return ret;
	if (fetch_set(&nl, (uint8_t)set, &l, &err)) {
		ret = request_error(ctx, &err, NULL, NULL);
	} else if (json_output) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_string(&j, "set", set_name((unsigned int)set));
		json_key(&j, "prefixes");
		json_array_begin(&j);
		for (i = 0; i < l.n; i++)
			json_string(&j, prefix_format(&l.prefixes[i], text,
						      sizeof(text)));
		json_array_end(&j);
		json_object_end(&j);
		ret = finish_json(&j);
	} else {
		for (i = 0; i < l.n; i++)
			printf("%s\n", prefix_format(&l.prefixes[i], text,
						     sizeof(text)));
	}
	nl_close(&nl);
	prefix_list_free(&l);
	return ret;
}
