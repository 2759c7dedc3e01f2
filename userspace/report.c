// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "netlink.h"
#include "prefix.h"
#include "report.h"

bool json_output;

/* A progress line is on stderr without its newline. */
static bool progress_open;

/* finish_json() said the output failed: finish_output() must not again. */
static bool output_error_reported;

/* Every line on stderr starts here. */
__attribute__((format(printf, 1, 0)))
static void vreport(const char *fmt, va_list ap)
{
	if (progress_open) {
		fputc('\n', stderr);
		progress_open = false;
	}
	fputs("lyncedge: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

__attribute__((format(printf, 1, 2)))
static void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int unknown_name(const char *ctx, const char *what, const char *arg,
		 const char *expected)
{
	char echo[ECHO_MAX + 4];

	return usage_error("%s: unknown %s '%s' (expected %s)", ctx, what,
			   echo_arg(arg, echo, sizeof(echo)), expected);
}

int failure(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return EXIT_REFUSED;
}

void warning(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report("warning: %s", msg);
}

int request_error(const char *ctx, const struct nl_error *err,
		  const char *subject, const char *note)
{
	const char *why = strerror(err->error);

	if (!note)
		note = "";
	if (err->no_family)
		report("the nf_lyncedge module is not loaded (try: modprobe nf_lyncedge)");
	else if (err->msg[0] && subject)
		report("%s: %s: %s (%s)%s", ctx, subject, err->msg, why, note);
	else if (err->msg[0])
		report("%s: %s (%s)%s", ctx, err->msg, why, note);
	else if (subject)
		report("%s: %s: %s%s", ctx, subject, why, note);
	else if (err->error == EPERM)
		report("%s: %s (CAP_NET_ADMIN needed)%s", ctx, why, note);
	else
		report("%s: %s%s", ctx, why, note);
	return EXIT_REFUSED;
}

void progress(const char *ctx, size_t done, size_t total)
{
	if (total <= PROGRESS_MIN || !isatty(STDERR_FILENO))
		return;
	if (done < total) {
		fprintf(stderr, "\rlyncedge: %s: %zu/%zu prefixes", ctx, done,
			total);
		progress_open = true;
	} else {
		fprintf(stderr, "\rlyncedge: %s: %zu/%zu prefixes staged\n",
			ctx, done, total);
		progress_open = false;
	}
}

int finish_json(struct json *j)
{
	int err = json_finish(j);

	if (err == -EIO) {
		output_error_reported = true;
		return failure("cannot write the output: %s", strerror(errno));
	}
	if (err)
		return failure("internal error: invalid JSON document");
	return EXIT_OK;
}

int finish_output(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (!output_error_reported)
			failure("cannot write the output: %s", strerror(errno));
		return EXIT_REFUSED;
	}
	return ret;
}
