/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What main.c and the command implementations (sets.c, config.c,
 * explain.c) share:
 * exit codes, error reporting and the commands themselves.
 */
#ifndef LYNCEDGE_CLI_H
#define LYNCEDGE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "netlink.h"
#include "prefix.h"

/* Exit codes. `test` also exits EXIT_REFUSED when the address is absent. */
#define EXIT_OK		0
#define EXIT_REFUSED	1	/* the kernel (or the system) said no */
#define EXIT_USAGE	2	/* bad input; nothing was sent */

/* "lyncedge: <message>" on stderr; returns EXIT_USAGE. */
__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...);

/*
 * The one line for a request made for ctx ("del partners") that failed.
 * subject, when not NULL, names what the kernel rejected if its message
 * does not; note, when not NULL, is appended. Returns EXIT_REFUSED.
 */
int request_error(const char *ctx, const struct nl_error *err,
		  const char *subject, const char *note);

/* nl_open(), reporting a failure for ctx; returns EXIT_OK or EXIT_REFUSED. */
int open_netlink(struct nl *nl, const char *ctx);

/* Parse a set name for command cmd; returns the set or -1 (reported). */
int parse_set(const char *cmd, const char *arg);

/*
 * Add (LYNCEDGE_CMD_ADD_PREFIXES) or delete (..._DEL_PREFIXES) n parsed
 * prefixes, in as many messages as needed, each acknowledged before the
 * next is sent. Returns an exit code, having reported any error.
 */
int apply_prefixes(struct nl *nl, uint8_t cmd, uint8_t set,
		   const struct prefix *prefixes, size_t n, const char *ctx);

/* A prefix nest of type; LEN only when with_len (addresses omit it). */
void put_prefix(struct nlmsghdr *nlh, uint16_t type, const struct prefix *p,
		bool with_len);

/* The commands: argv[0] is the command's name, argc counts it. */
int cmd_show(int argc, char **argv);
int cmd_mode(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_del(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_reset_counters(int argc, char **argv);

#endif /* LYNCEDGE_CLI_H */
