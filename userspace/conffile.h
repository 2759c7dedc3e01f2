/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration file (lyncedge restore/save, /etc/lyncedge/lyncedge.conf)
 * and the prefix-list file (add -f, del -f, restore --set). Pure: no netlink,
 * no global state, so they are unit-tested (conffile_test.c) and fuzzed
 * (fuzz_conffile.c) on the host.
 *
 * Both formats are line based. '#' starts a comment, on its own line or
 * after a directive; blank lines are ignored; fields are separated by
 * spaces and tabs, and leading and trailing ones are ignored. A '\r' just
 * before the newline (or at the end of the file) is ignored too, so a file
 * saved with CRLF line ends reads the same; a '\r' anywhere else is part of
 * a field, and refused with it. The last line needs no newline.
 *
 * A line holds at most CONF_LINE_MAX bytes, its line end ("\n" or "\r\n")
 * not counted; a longer one, or one holding a NUL byte (even in a comment),
 * is an error.
 *
 * Configuration file, one directive a line:
 *	mode {off|monitor|enforce}	at most once
 *	log {on|off}			at most once
 *	profile NAME			at most once per profile
 *	SET PREFIX			SET is a set's name (names.h)
 * Prefix-list file: one PREFIX a line.
 *
 * The profiles a file enables are pic, which is always on, and those of its
 * "profile" lines: a file without any leaves only pic on.
 *
 * PREFIX is what prefix_parse() accepts. Prefixes are kept in file order,
 * duplicates included: the kernel merges them.
 *
 * Errors are one line, "NAME:LINE: message", NAME being the file name given
 * or "<stdin>" for "-". A read error or a failed allocation is an error too.
 */
#ifndef LYNCEDGE_CONFFILE_H
#define LYNCEDGE_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "prefix.h"
#include "lyncedge.h"

#define CONF_LINE_MAX 1024

/*
 * Room for any message conf_parse() or prefix_list_parse() writes, unless
 * the file name is absurdly long: then the message is cut.
 */
#define CONF_ERRLEN 1024

/* The first line conf_write() prints. */
#define CONF_HEADER "# lyncedge configuration: lyncedge save, restore with lyncedge restore"

struct json;

struct prefix_list {
	struct prefix *prefixes;
	unsigned int *lines;	/* lines[i]: source line of prefixes[i] */
	size_t n, cap;
};

/* The profiles every configuration has: pic cannot be turned off. */
#define CONF_PROFILES_ALWAYS (1U << LYNCEDGE_PROFILE_PIC)

struct conf {
	int mode;		/* -1 when absent, else enum lyncedge_mode */
	int log;		/* -1 when absent, 0 off, 1 on */
	uint32_t profiles;	/* enabled: bit 1 << enum lyncedge_profile */
	unsigned int mode_line, log_line;	/* where they were given, or 0 */
	unsigned int profile_line[LYNCEDGE_PROFILE_COUNT];	/* or 0 */
	struct prefix_list sets[LYNCEDGE_SET_COUNT];
};

/*
 * Read a whole configuration file from f; name is only for messages. Fills
 * *c (which need not be initialised) and returns 0, or returns -1 with *c
 * empty (mode and log -1, only pic, no prefixes) and a message in err.
 * Either way conf_free() may be called on *c.
 */
int conf_parse(const char *name, FILE *f, struct conf *c, char *err,
	       size_t errlen);

/* The same for a prefix-list file; on error *l is empty. */
int prefix_list_parse(const char *name, FILE *f, struct prefix_list *l,
		      char *err, size_t errlen);

/* Append p, from source line line (0 if none); -1 when out of memory. */
int prefix_list_add(struct prefix_list *l, const struct prefix *p,
		    unsigned int line);

/* An empty configuration: mode and log absent, only pic, no prefixes. */
void conf_init(struct conf *c);

/* Free and reset to empty; safe on an empty or already freed list. */
void prefix_list_free(struct prefix_list *l);
void conf_free(struct conf *c);

/* name as messages show it: "<stdin>" for "-". */
const char *conf_display_name(const char *name);

/* Open a file to read, "-" being stdin; NULL with errno set. */
FILE *conf_open(const char *name);
/* Close what conf_open() gave (stdin stays open); NULL is fine. */
void conf_close(FILE *f);

/*
 * Whether conf_write() can print c: its mode is known (not absent), its
 * log is 0 or 1 and it enables no profile unknown to this CLI. When not,
 * and why is not NULL, what is wrong goes to why ("mode 7", "profile 9").
 */
bool conf_writable(const struct conf *c, char *why, size_t size);

/*
 * Print a configuration in the format "lyncedge save" documents: the
 * CONF_HEADER line, "mode M", "log on|off", "profile NAME" for each
 * enabled profile but pic, in uapi order, then "SET PREFIX" lines, sets in
 * uapi order and each set's prefixes in the order given (the kernel's, for
 * save). A pic-only configuration prints no "profile" line, as before
 * profiles existed. Returns 0, or -1 when c is not conf_writable()
 * (nothing is printed) or a write to f failed.
 */
int conf_write(FILE *f, const struct conf *c);

/*
 * The same as a JSON value, written to j (see json.h):
 * {"mode":"enforce","log":false,"profiles":["pic",...],
 *  "sets":{"edge":[...],...}}, pic listed too. Returns -1 when c is not
 * conf_writable() (nothing is written), else 0; write errors are reported
 * by json_finish().
 */
int conf_write_json(struct json *j, const struct conf *c);

#endif /* LYNCEDGE_CONFFILE_H */
