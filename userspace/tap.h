/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP output for the host unit tests (prefix_test.c, conffile_test.c,
 * json_test.c): one "ok N - ..." line per check, the plan at the end, and
 * an exit status that says whether any check failed.
 */
#ifndef LYNCEDGE_TAP_H
#define LYNCEDGE_TAP_H

#include <stdarg.h>
#include <stdio.h>

static unsigned int tests, failures;

__attribute__((format(printf, 2, 3)))
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failures++;
	printf("%sok %u - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The plan; returns main()'s exit status. */
static int tap_done(void)
{
	printf("1..%u\n", tests);
	return failures ? 1 : 0;
}

#endif /* LYNCEDGE_TAP_H */
