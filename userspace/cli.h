/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What main.c and the command implementations (sets.c, config.c,
 * explain.c) share:
 * exit codes, error reporting and the commands themselves.
 */
#ifndef LYNCEDGE_CLI_H
#define LYNCEDGE_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "conffile.h"
#include "netlink.h"
#include "prefix.h"

/*
 * LYNCEDGE_A_PREFIXES is one attribute and nla_len is a u16, so a big load
 * is cut into messages of at most this many prefixes, about 32 KiB each.
 */
#define PREFIXES_PER_MSG 1000

/* Exit codes. `test` also exits EXIT_REFUSED when the address is absent. */
#define EXIT_OK		0
#define EXIT_REFUSED	1	/* the kernel (or the system) said no */
#define EXIT_USAGE	2	/* bad input; nothing was sent */

struct json;

/* -j/--json: commands that print print one JSON document instead. */
extern bool json_output;

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

/*
 * Send nlh, a request whose reply is only an ACK; a failure is reported
 * for ctx with note (may be NULL) appended. Returns an exit code.
 */
int simple_request(struct nl *nl, struct nlmsghdr *nlh, const char *ctx,
		   const char *note);

/* Parse a set name for command cmd; returns the set or -1 (reported). */
int parse_set(const char *cmd, const char *arg);

/* A file to read, "-" being stdin; NULL with errno set. */
FILE *open_input(const char *name);
void close_input(FILE *f);

/* json_finish() on stdout, reporting a failure; returns an exit code. */
int finish_json(struct json *j);

/* Read every prefix of a set (a dump) into out, which starts empty. */
int fetch_set(struct nl *nl, uint8_t set, struct prefix_list *out,
	      struct nl_error *err);

/* What LYNCEDGE_CMD_GET_CONFIG says, as show prints it. */
#define SHOW_MAX 64

struct show_set {
	uint8_t set;
	uint32_t prefixes4, prefixes6;
	uint64_t bytes;
};

struct show_rule {
	uint8_t index;		/* 1-based, across all profiles */
	uint8_t profile;	/* enum lyncedge_profile */
	uint8_t proto;
	uint8_t port_match;	/* enum lyncedge_port_match */
	uint8_t src, dst;	/* set id or LYNCEDGE_ANY */
	uint16_t port_min, port_max;
	bool enabled;		/* its profile is (show only) */
	uint64_t packets, bytes;
	char name[32];		/* the service: "SIP/MTLS" */
	char label[16];		/* Microsoft's row: "4", "E7/F1" */
	char cite[128];		/* the table it comes from; may be empty */
};

struct show_deny {
	uint8_t reason;
	uint64_t packets, bytes;
};

struct show {
	bool has_mode;
	uint8_t mode;
	uint8_t log;
	bool has_profiles;
	uint32_t profiles;	/* enabled: bit 1 << enum lyncedge_profile */
	bool has_generation;
	uint32_t generation;
	size_t n_sets, n_rules, n_denies;
	struct show_set sets[SHOW_MAX];
	struct show_rule rules[SHOW_MAX];
	struct show_deny denies[SHOW_MAX];
	uint64_t accept_packets, accept_bytes;
};

/* Fill s from the kernel; returns an exit code, having reported errors. */
int fetch_config(struct nl *nl, struct show *s, const char *ctx);

/* Parse a RULE nest into r; -1 when malformed. */
int parse_rule_nest(const struct nlattr *nest, struct show_rule *r);

/* What json_rule() adds to a row's fields. */
#define JSON_RULE_COUNTERS	0x1	/* packets, bytes */
#define JSON_RULE_ENABLED	0x2	/* enabled */
#define JSON_RULE_CITE		0x4	/* cite */

/* A row as a JSON object; flags: JSON_RULE_*. */
void json_rule(struct json *j, const struct show_rule *r, unsigned int flags);

/* A row's port range as show prints it, "5061" or "50000-59999"; buf. */
const char *rule_ports(const struct show_rule *r, char *buf, size_t size);

/*
 * What LYNCEDGE_CMD_CONFIGURE changes: a field at its "leave" value is not
 * sent. At least one must be set.
 */
struct settings {
	int mode;		/* -1: leave */
	int log;		/* -1: leave; 0 off, 1 on */
	bool set_profiles;	/* send profiles, the whole enabled set */
	uint32_t profiles;
	uint32_t enable;	/* profiles to turn on; 0: none */
	uint32_t disable;	/* profiles to turn off; 0: none */
};

#define SETTINGS_LEAVE { .mode = -1, .log = -1 }

/*
 * Send s as one CONFIGURE, staged in the socket's transaction when in_txn.
 * Returns an exit code, having reported any error for ctx.
 */
int configure(struct nl *nl, const struct settings *s, bool in_txn,
	      const char *ctx);

/*
 * A kernel transaction (see uapi/lyncedge.h): every txn_* call sends one
 * or more requests flagged LYNCEDGE_A_TXN, and nothing changes until
 * txn_commit(). Each returns an exit code, having reported any error for
 * ctx; closing the socket without a commit drops the transaction.
 */
int txn_begin(struct nl *nl, const char *ctx);
/* set < 0: every set */
int txn_flush(struct nl *nl, int set, const char *ctx);
/* cmd: LYNCEDGE_CMD_ADD_PREFIXES or LYNCEDGE_CMD_DEL_PREFIXES */
int txn_stage(struct nl *nl, uint8_t cmd, uint8_t set,
	      const struct prefix_list *l, const char *ctx);

/*
 * What was staged, so that a refused commit names the prefix at fault and
 * where it came from: file (a display name) and lines, or the command line
 * when file is NULL.
 */
struct txn_staged {
	const char *file;
	const struct prefix_list *add[LYNCEDGE_SET_COUNT];
	const struct prefix_list *del[LYNCEDGE_SET_COUNT];
};

int txn_commit(struct nl *nl, const struct txn_staged *staged,
	       const char *ctx);

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
int cmd_log(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_profiles(int argc, char **argv);

#endif /* LYNCEDGE_CLI_H */
