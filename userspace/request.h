/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The requests of the lyncedge family, typed: each builds its message,
 * sends it through netlink.c, parses the reply into C types and reports a
 * failure (report.h) for the command's ctx ("del partners"), returning an
 * exit code. The commands sit on top of this file and never build or read
 * a netlink message themselves.
 */
#ifndef LYNCEDGE_REQUEST_H
#define LYNCEDGE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conffile.h"
#include "netlink.h"
#include "prefix.h"
#include "lyncedge.h"

/*
 * LYNCEDGE_A_PREFIXES is one attribute and nla_len is a u16, so a big load
 * is cut into messages of at most this many prefixes, about 32 KiB each.
 */
#define PREFIXES_PER_MSG 1000

/* nl_open(), reporting a failure for ctx. */
int request_open(struct nl *nl, const char *ctx);

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
 * One CONFIGURE, or FLUSH_SET of set (every set when set < 0), staged in
 * the socket's transaction when in_txn.
 */
int request_configure(struct nl *nl, const struct settings *s, bool in_txn,
		      const char *ctx);
int request_flush(struct nl *nl, int set, bool in_txn, const char *ctx);
int request_reset_counters(struct nl *nl, const char *ctx);

/*
 * One ADD_PREFIXES or DEL_PREFIXES (cmd) of at most PREFIXES_PER_MSG
 * prefixes, which the kernel applies whole or not at all; a refusal names
 * the prefix the kernel points at.
 */
int request_prefixes(struct nl *nl, uint8_t cmd, uint8_t set,
		     const struct prefix_list *l, const char *ctx);

/* TEST_ADDRESS: *member says whether address is in set. */
int request_test(struct nl *nl, uint8_t set, const struct prefix *address,
		 bool *member, const char *ctx);

/* A row of the kernel's table, as GET_CONFIG and EXPLAIN describe it. */
struct live_rule {
	uint8_t index;		/* 1-based, across all profiles */
	uint8_t profile;	/* enum lyncedge_profile */
	uint8_t proto;
	uint8_t port_match;	/* enum lyncedge_port_match */
	uint8_t src, dst;	/* set id or LYNCEDGE_ANY */
	uint16_t port_min, port_max;
	bool enabled;		/* its profile is on (GET_CONFIG only) */
	uint64_t packets, bytes;
	char name[32];		/* the service: "SIP/MTLS" */
	char label[16];		/* Microsoft's row: "4", "E7/F1" */
	char cite[128];		/* the table it comes from; may be empty */
};

/* A flow for EXPLAIN; src and dst are addresses of one family. */
struct explain_query {
	uint8_t proto;
	struct prefix src, dst;
	bool has_sport;
	uint16_t sport, dport;
};

struct explain_reply {
	uint8_t mode;
	uint8_t verdict;	/* enum lyncedge_explain_verdict */
	uint8_t reason;		/* LYNCEDGE_VERDICT_DENY */
	uint8_t matched;	/* LYNCEDGE_VERDICT_ALLOW: which port */
	struct live_rule rule;	/* LYNCEDGE_VERDICT_ALLOW */
};

int request_explain(struct nl *nl, const struct explain_query *q,
		    struct explain_reply *r, const char *ctx);

/* What GET_CONFIG says. */
#define LIVE_MAX 64

struct live_set {
	uint8_t set;
	uint32_t prefixes4, prefixes6;
	uint64_t bytes;
};

struct live_deny {
	uint8_t reason;
	uint64_t packets, bytes;
};

struct live_config {
	uint8_t mode;
	uint8_t log;
	uint32_t profiles;	/* enabled: bit 1 << enum lyncedge_profile */
	bool has_generation;
	uint32_t generation;
	size_t n_sets, n_rules, n_denies;
	struct live_set sets[LIVE_MAX];
	struct live_rule rules[LIVE_MAX];
	struct live_deny denies[LIVE_MAX];
	uint64_t accept_packets, accept_bytes;
};

int fetch_config(struct nl *nl, struct live_config *c, const char *ctx);

/*
 * Every prefix of a set (a dump, restarted when it raced with an update)
 * into out, which starts empty. A failure names subject, when not NULL.
 */
int fetch_set(struct nl *nl, uint8_t set, struct prefix_list *out,
	      const char *ctx, const char *subject);

/*
 * A kernel transaction (see uapi/lyncedge.h): txn_begin() opens it, the
 * request_*() calls above with in_txn and txn_stage() stage in it, and
 * nothing changes until txn_commit(). Closing the socket without a commit
 * drops it; so a failure reports "nothing was changed".
 */
int txn_begin(struct nl *nl, const char *ctx);

/* cmd: LYNCEDGE_CMD_ADD_PREFIXES or LYNCEDGE_CMD_DEL_PREFIXES, any size. */
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

#endif /* LYNCEDGE_REQUEST_H */
