/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the CLI tells how things went: the exit codes, the one way errors,
 * warnings and progress reach stderr ("lyncedge: ..." lines), the -j
 * switch, and the end of the output, whose failure is an error too.
 */
#ifndef LYNCEDGE_REPORT_H
#define LYNCEDGE_REPORT_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes. `test` also exits EXIT_REFUSED when the address is absent. */
#define EXIT_OK		0
#define EXIT_REFUSED	1	/* the kernel (or the system) said no */
#define EXIT_USAGE	2	/* bad input; nothing was sent */

struct json;
struct nl_error;

/* -j/--json: commands that print print one JSON document instead. */
extern bool json_output;

/* "lyncedge: <message>"; returns EXIT_USAGE. */
__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...);

/*
 * "lyncedge: CTX: unknown WHAT 'ARG' (expected EXPECTED)", ARG echoed
 * safely (echo_arg()); returns EXIT_USAGE.
 */
int unknown_name(const char *ctx, const char *what, const char *arg,
		 const char *expected);

/* "lyncedge: <message>" for a failure that is not the kernel's: EXIT_REFUSED. */
__attribute__((format(printf, 1, 2)))
int failure(const char *fmt, ...);

/* "lyncedge: warning: <message>": the command goes on. */
__attribute__((format(printf, 1, 2)))
void warning(const char *fmt, ...);

/*
 * The one line for a request made for ctx ("del partners") that failed.
 * subject, when not NULL, names what the kernel rejected if its message
 * does not; note, when not NULL, is appended. Returns EXIT_REFUSED.
 */
int request_error(const char *ctx, const struct nl_error *err,
		  const char *subject, const char *note);

/*
 * "N/M prefixes" of a load of total, for ctx, on one line that each call
 * rewrites: only when total is over PROGRESS_MIN and stderr is a
 * terminal. The line ends at done == total, or with the next message.
 */
#define PROGRESS_MIN 10000
void progress(const char *ctx, size_t done, size_t total);

/* json_finish() on stdout, reporting a failure; returns an exit code. */
int finish_json(struct json *j);

/* The output must be complete, or the exit code ret is not to be trusted. */
int finish_output(int ret);

#endif /* LYNCEDGE_REPORT_H */
