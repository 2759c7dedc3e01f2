// SPDX-License-Identifier: GPL-2.0
/*
 * The client side of a kernel transaction: the staging requests, a
 * progress line for long loads, and a refused commit turned back into the
 * prefix (and file line) the kernel named in its extack cookie.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "names.h"
#include "uapi/lyncedge.h"

/* Loads bigger than this show their progress on a terminal. */
#define PROGRESS_MIN 10000

/* A failed transaction request: it is never committed, so nothing changed. */
#define NOTHING_CHANGED "; nothing was changed"

int txn_begin(struct nl *nl, const char *ctx)
{
	return simple_request(nl, nl_start(nl, LYNCEDGE_CMD_TXN_BEGIN, 0), ctx,
			      NOTHING_CHANGED);
}

int txn_flush(struct nl *nl, int set, const char *ctx)
{
	struct nlmsghdr *nlh = nl_start(nl, LYNCEDGE_CMD_FLUSH_SET, 0);

	mnl_attr_put(nlh, LYNCEDGE_A_TXN, 0, NULL);
	if (set >= 0)
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, (uint8_t)set);
	return simple_request(nl, nlh, ctx, NOTHING_CHANGED);
}

static void progress(const char *ctx, size_t done, size_t total, bool show)
{
	if (!show)
		return;
	if (done < total)
		fprintf(stderr, "\rlyncedge: %s: %zu/%zu prefixes", ctx, done,
			total);
	else
		fprintf(stderr, "\rlyncedge: %s: %zu/%zu prefixes staged\n",
			ctx, done, total);
}

int txn_stage(struct nl *nl, uint8_t cmd, uint8_t set,
	      const struct prefix_list *l, const char *ctx)
{
	bool show = l->n > PROGRESS_MIN && isatty(STDERR_FILENO);
	size_t done = 0;

	while (done < l->n) {
		size_t count = l->n - done, i;
		struct nlmsghdr *nlh;
		struct nlattr *nest;
		struct nl_error err;

		if (count > PREFIXES_PER_MSG)
			count = PREFIXES_PER_MSG;
		nlh = nl_start(nl, cmd, 0);
		mnl_attr_put(nlh, LYNCEDGE_A_TXN, 0, NULL);
		mnl_attr_put_u8(nlh, LYNCEDGE_A_SET, set);
		nest = mnl_attr_nest_start(nlh, LYNCEDGE_A_PREFIXES);
		for (i = 0; i < count; i++)
			put_prefix(nlh, LYNCEDGE_PREFIXES_A_PREFIX,
				   &l->prefixes[done + i], true);
		mnl_attr_nest_end(nlh, nest);
		if (nl_request(nl, nlh, NULL, NULL, &err)) {
			if (show)
				fputc('\n', stderr);
			return request_error(ctx, &err, NULL, NOTHING_CHANGED);
		}
		done += count;
		if (done % (10 * PREFIXES_PER_MSG) == 0 || done == l->n)
			progress(ctx, done, l->n, show);
	}
	return EXIT_OK;
}

/* The refused prefix, from the cookie of a failed commit. */
static void commit_subject(const struct nl_error *err,
			   const struct txn_staged *staged, char *buf,
			   size_t size)
{
	const struct prefix_list *l;
	struct lyncedge_txn_error at;
	char text[PREFIX_STRLEN];
	const char *set;

	buf[0] = '\0';
	if (err->cookie_len != sizeof(at))
		return;
	memcpy(&at, err->cookie, sizeof(at));
	set = set_name(at.set);
	if (!set)
		return;
	if (err->error == ENOSPC) {
		snprintf(buf, size, "%s", set);
		return;
	}
	l = at.in_del ? staged->del[at.set] : staged->add[at.set];
	if (!l || at.index >= l->n) {
		snprintf(buf, size, "%s", set);
		return;
	}
	prefix_format(&l->prefixes[at.index], text, sizeof(text));
	if (staged->file && l->lines && l->lines[at.index])
		snprintf(buf, size, "%s:%u: %s %s", staged->file,
			 l->lines[at.index], set, text);
	else
		snprintf(buf, size, "%s %s", set, text);
}

int txn_commit(struct nl *nl, const struct txn_staged *staged,
	       const char *ctx)
{
	struct nlmsghdr *nlh = nl_start(nl, LYNCEDGE_CMD_TXN_COMMIT, 0);
	char subject[PREFIX_STRLEN + 1100];
	struct nl_error err;

	if (!nl_request(nl, nlh, NULL, NULL, &err))
		return EXIT_OK;
	commit_subject(&err, staged, subject, sizeof(subject));
	return request_error(ctx, &err, subject[0] ? subject : NULL,
			     NOTHING_CHANGED);
}
