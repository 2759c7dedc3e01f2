// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "json.h"
#include "names.h"

/* echo_arg() output: ECHO_MAX characters, "..." and the NUL */
#define ECHO_SIZE (ECHO_MAX + 4)

/* A directive has at most two fields; a third is only noticed. */
#define MAX_FIELDS 3

struct reader {
	const char *name;	/* as messages show it */
	FILE *f;
	char *buf;
	size_t size;
	unsigned int line;
	char *err;
	size_t errlen;
};

const char *conf_display_name(const char *name)
{
	return strcmp(name, "-") ? name : "<stdin>";
}

FILE *conf_open(const char *name)
{
	return strcmp(name, "-") ? fopen(name, "r") : stdin;
}

void conf_close(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

__attribute__((format(printf, 2, 3)))
static int fail(struct reader *r, const char *fmt, ...)
{
	size_t used;
	va_list ap;
	int n;

	n = snprintf(r->err, r->errlen, "%s:%u: ", r->name, r->line);
	if (n < 0 || (size_t)n >= r->errlen)
		return -1;
	used = (size_t)n;
	va_start(ap, fmt);
	vsnprintf(r->err + used, r->errlen - used, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Next line split into fields: returns the number of fields (0 for a blank
 * or comment line, at most MAX_FIELDS: the rest is not looked at), -1 on
 * error, or -2 at the end of the file.
 */
static int read_fields(struct reader *r, char *field[MAX_FIELDS])
{
	ssize_t got;
	size_t len;
	char *p, *end;
	int n = 0;

	errno = 0;
	got = getline(&r->buf, &r->size, r->f);
	if (got < 0) {
		if (!ferror(r->f) && feof(r->f))
			return -2;
		r->line++;
		if (errno == ENOMEM)
			return fail(r, "out of memory");
		return fail(r, "read error: %s",
			    errno ? strerror(errno) : "unknown error");
	}
	r->line++;
	len = (size_t)got;
	if (len && r->buf[len - 1] == '\n')
		len--;
	if (len && r->buf[len - 1] == '\r')
		len--;
	if (len > CONF_LINE_MAX)
		return fail(r, "line too long (more than %d bytes)",
			    CONF_LINE_MAX);
	if (memchr(r->buf, '\0', len))
		return fail(r, "NUL byte in line");
	r->buf[len] = '\0';
	p = memchr(r->buf, '#', len);
	if (p)
		*p = '\0';

	p = r->buf;
	while (n < MAX_FIELDS) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		end = p + strcspn(p, " \t");
		field[n++] = p;
		if (!*end)
			break;
		*end = '\0';
		p = end + 1;
	}
	return n;
}

static int add(struct reader *r, struct prefix_list *l, const struct prefix *p)
{
	if (prefix_list_add(l, p, r->line))
		return fail(r, "out of memory");
	return 0;
}

static int parse_mode(struct reader *r, struct conf *c, char **field, int n)
{
	char echo[ECHO_SIZE];
	int mode;

	if (c->mode_line)
		return fail(r, "mode given twice (first on line %u)",
			    c->mode_line);
	if (n < 2)
		return fail(r, "mode: missing value (expected %s)",
			    mode_names_hint);
	if (n > 2)
		return fail(r, "mode: one value a line");
	mode = mode_from_name(field[1]);
	if (mode < 0)
		return fail(r, "mode: unknown mode '%s' (expected %s)",
			    echo_arg(field[1], echo, sizeof(echo)),
			    mode_names_hint);
	c->mode = mode;
	c->mode_line = r->line;
	return 0;
}

static int parse_log(struct reader *r, struct conf *c, char **field, int n)
{
	char echo[ECHO_SIZE];

	if (c->log_line)
		return fail(r, "log given twice (first on line %u)",
			    c->log_line);
	if (n < 2)
		return fail(r, "log: missing value (expected on or off)");
	if (n > 2)
		return fail(r, "log: one value a line");
	if (!strcmp(field[1], "on"))
		c->log = 1;
	else if (!strcmp(field[1], "off"))
		c->log = 0;
	else
		return fail(r, "log: unknown value '%s' (expected on or off)",
			    echo_arg(field[1], echo, sizeof(echo)));
	c->log_line = r->line;
	return 0;
}

static int parse_profile(struct reader *r, struct conf *c, char **field,
			 int n)
{
	char echo[ECHO_SIZE];
	int profile;

	if (n < 2)
		return fail(r, "profile: missing name (expected %s)",
			    profile_names_hint);
	if (n > 2)
		return fail(r, "profile: one name a line");
	profile = profile_from_name(field[1]);
	if (profile < 0)
		return fail(r, "profile: unknown profile '%s' (expected %s)",
			    echo_arg(field[1], echo, sizeof(echo)),
			    profile_names_hint);
	if (c->profile_line[profile])
		return fail(r, "profile %s given twice (first on line %u)",
			    field[1], c->profile_line[profile]);
	c->profiles |= 1U << profile;
	c->profile_line[profile] = r->line;
	return 0;
}

static int parse_set_line(struct reader *r, struct conf *c, int set,
			  char **field, int n)
{
	const char *name = set_name((unsigned int)set);
	char perr[PREFIX_ERRLEN];
	struct prefix p;

	if (n < 2)
		return fail(r, "%s: missing prefix", name);
	if (n > 2)
		return fail(r, "%s: one prefix a line", name);
	if (prefix_parse(field[1], &p, perr, sizeof(perr)))
		return fail(r, "%s: %s", name, perr);
	return add(r, &c->sets[set], &p);
}

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = -1;
	c->log = -1;
	c->profiles = CONF_PROFILES_ALWAYS;
}

int conf_parse(const char *name, FILE *f, struct conf *c, char *err,
	       size_t errlen)
{
	struct reader r = {
		.name = conf_display_name(name), .f = f,
		.err = err, .errlen = errlen,
	};
	char *field[MAX_FIELDS];
	char echo[ECHO_SIZE];
	int n, ret = 0, set;

	conf_init(c);
	while ((n = read_fields(&r, field)) != -2) {
		if (n < 0) {
			ret = -1;
			break;
		}
		if (!n)
			continue;
		if (!strcmp(field[0], "mode")) {
			ret = parse_mode(&r, c, field, n);
		} else if (!strcmp(field[0], "log")) {
			ret = parse_log(&r, c, field, n);
		} else if (!strcmp(field[0], "profile")) {
			ret = parse_profile(&r, c, field, n);
		} else {
			set = set_from_name(field[0]);
			if (set < 0)
				ret = fail(&r, "unknown directive '%s' (expected mode, log, profile, %s)",
					   echo_arg(field[0], echo, sizeof(echo)),
					   set_names_hint);
			else
				ret = parse_set_line(&r, c, set, field, n);
		}
		if (ret)
			break;
	}
	free(r.buf);
	if (ret) {
		conf_free(c);
		return -1;
	}
	return 0;
}

int prefix_list_parse(const char *name, FILE *f, struct prefix_list *l,
		      char *err, size_t errlen)
{
	struct reader r = {
		.name = conf_display_name(name), .f = f,
		.err = err, .errlen = errlen,
	};
	char *field[MAX_FIELDS];
	char perr[PREFIX_ERRLEN];
	struct prefix p;
	int n, ret = 0;

	memset(l, 0, sizeof(*l));
	while ((n = read_fields(&r, field)) != -2) {
		if (n < 0) {
			ret = -1;
			break;
		}
		if (!n)
			continue;
		if (n > 1)
			ret = fail(&r, "one prefix a line");
		else if (prefix_parse(field[0], &p, perr, sizeof(perr)))
			ret = fail(&r, "%s", perr);
		else
			ret = add(&r, l, &p);
		if (ret)
			break;
	}
	free(r.buf);
	if (ret) {
		prefix_list_free(l);
		return -1;
	}
	return 0;
}

int prefix_list_add(struct prefix_list *l, const struct prefix *p,
		    unsigned int line)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct prefix *prefixes;
		unsigned int *lines;

		if (cap > SIZE_MAX / sizeof(*prefixes))
			return -1;
		/*
		 * Both arrays are grown before cap is: if the second fails,
		 * the first is merely larger than needed.
		 */
		prefixes = realloc(l->prefixes, cap * sizeof(*prefixes));
		if (!prefixes)
			return -1;
		l->prefixes = prefixes;
		lines = realloc(l->lines, cap * sizeof(*lines));
		if (!lines)
			return -1;
		l->lines = lines;
		l->cap = cap;
	}
	l->prefixes[l->n] = *p;
	l->lines[l->n] = line;
	l->n++;
	return 0;
}

void prefix_list_free(struct prefix_list *l)
{
	free(l->prefixes);
	free(l->lines);
	memset(l, 0, sizeof(*l));
}

void conf_free(struct conf *c)
{
	unsigned int set;

	for (set = 0; set < LYNCEDGE_SET_COUNT; set++)
		prefix_list_free(&c->sets[set]);
	conf_init(c);
}

bool conf_writable(const struct conf *c, char *why, size_t size)
{
	uint32_t unknown = c->profiles & ~LYNCEDGE_PROFILES_ALL;
	char buf[32];

	if (!why) {
		why = buf;
		size = sizeof(buf);
	}
	if (c->mode < 0 || !mode_name((unsigned int)c->mode))
		snprintf(why, size, "mode %d", c->mode);
	else if (c->log != 0 && c->log != 1)
		snprintf(why, size, "log %d", c->log);
	else if (unknown)
		snprintf(why, size, "profile %d", __builtin_ctz(unknown));
	else
		return true;
	return false;
}

int conf_write(FILE *f, const struct conf *c)
{
	char buf[PREFIX_STRLEN];
	unsigned int set, profile;
	size_t i;

	if (!conf_writable(c, NULL, 0))
		return -1;
	fprintf(f, "%s\nmode %s\nlog %s\n", CONF_HEADER,
		mode_name((unsigned int)c->mode), c->log ? "on" : "off");
	/* pic goes without saying, so a pic-only file reads as it always did. */
	for (profile = 0; profile < LYNCEDGE_PROFILE_COUNT; profile++)
		if (profile != LYNCEDGE_PROFILE_PIC &&
		    (c->profiles & (1U << profile)))
			fprintf(f, "profile %s\n", profile_name(profile));
	for (set = 0; set < LYNCEDGE_SET_COUNT; set++)
		for (i = 0; i < c->sets[set].n; i++)
			fprintf(f, "%s %s\n", set_name(set),
				prefix_format(&c->sets[set].prefixes[i], buf,
					      sizeof(buf)));
	return ferror(f) ? -1 : 0;
}

int conf_write_json(struct json *j, const struct conf *c)
{
	char buf[PREFIX_STRLEN];
	unsigned int set, profile;
	size_t i;

	if (!conf_writable(c, NULL, 0))
		return -1;
	json_object_begin(j);
	json_kv_string(j, "mode", mode_name((unsigned int)c->mode));
	json_kv_bool(j, "log", c->log);
	json_key(j, "profiles");
	json_array_begin(j);
	for (profile = 0; profile < LYNCEDGE_PROFILE_COUNT; profile++)
		if (c->profiles & (1U << profile))
			json_string(j, profile_name(profile));
	json_array_end(j);
	json_key(j, "sets");
	json_object_begin(j);
	for (set = 0; set < LYNCEDGE_SET_COUNT; set++) {
		json_key(j, set_name(set));
		json_array_begin(j);
		for (i = 0; i < c->sets[set].n; i++)
			json_string(j, prefix_format(&c->sets[set].prefixes[i],
						     buf, sizeof(buf)));
		json_array_end(j);
	}
	json_object_end(j);
	json_object_end(j);
	return 0;
}
