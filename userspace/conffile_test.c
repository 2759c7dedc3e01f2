// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of conffile.c (configuration and prefix-list files, the
 * save format), run by "make check" under ASan and UBSan. Prints TAP.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conffile.h"
#include "json.h"
#include "names.h"
#include "tap.h"


static FILE *open_text(const char *text, size_t len)
{
	/* fmemopen() of nothing: glibc allows it, older C libraries do not. */
	FILE *f = len ? fmemopen((void *)text, len, "r") : fopen("/dev/null", "r");

	if (!f) {
		perror("fmemopen");
		exit(1);
	}
	return f;
}

static int parse_conf(const char *name, const char *text, size_t len,
		      struct conf *c, char *err)
{
	FILE *f = open_text(text, len);
	int ret;

	err[0] = '\0';
	ret = conf_parse(name, f, c, err, CONF_ERRLEN);
	fclose(f);
	return ret;
}

static int parse_list(const char *name, const char *text, size_t len,
		      struct prefix_list *l, char *err)
{
	FILE *f = open_text(text, len);
	int ret;

	err[0] = '\0';
	ret = prefix_list_parse(name, f, l, err, CONF_ERRLEN);
	fclose(f);
	return ret;
}

static bool conf_empty(const struct conf *c)
{
	unsigned int set, profile;

	if (c->mode != -1 || c->log != -1 || c->mode_line || c->log_line ||
	    c->profiles != CONF_PROFILES_ALWAYS)
		return false;
	for (profile = 0; profile < LYNCEDGE_PROFILE_COUNT; profile++)
		if (c->profile_line[profile])
			return false;
	for (set = 0; set < LYNCEDGE_SET_COUNT; set++)
		if (c->sets[set].n || c->sets[set].prefixes)
			return false;
	return true;
}

/* "a b c" of a set's prefixes, as prefix_format() prints them */
static const char *set_text(const struct prefix_list *l, char *buf, size_t size)
{
	char p[PREFIX_STRLEN];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i ? " " : "",
					 prefix_format(&l->prefixes[i], p, sizeof(p)));
	return buf;
}

/* "1 2 3" of a set's source lines */
static const char *lines_text(const struct prefix_list *l, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%u",
					 i ? " " : "", l->lines[i]);
	return buf;
}

static void test_good_conf(void)
{
	static const char text[] =
		"# site configuration\n"
		"\n"
		"   \t \n"
		"mode monitor # watch first\n"
		"\tlog\ton\t\n"
		"edge 203.0.113.10\n"
		"edge    2001:db8:e::10/128   \n"
		"  partners\t198.51.100.0/24#no space before the comment\n"
		"partners 2001:db8:1::/64\n"
		"partners 198.51.100.0/24\n"
		"clients 0.0.0.0/0\n"
		"messenger ::/0\n"
		"#\n"
		"av 203.0.113.13\n"
		"access\t203.0.113.11 # the Access Edge\n"
		"messenger 192.0.2.0/25";	/* no newline at the end */
	static const char *const want[LYNCEDGE_SET_COUNT] = {
		"203.0.113.10 2001:db8:e::10",
		"198.51.100.0/24 2001:db8:1::/64 198.51.100.0/24",
		"0.0.0.0/0",
		"::/0 192.0.2.0/25",
		"203.0.113.11",
		"",
		"203.0.113.13",
	};
	static const char *const want_lines[LYNCEDGE_SET_COUNT] = {
		"6 7", "8 9 10", "11", "12 16", "15", "", "14",
	};
	char err[CONF_ERRLEN], buf[256];
	struct conf c;
	unsigned int set;
	int ret;

	ret = parse_conf("site.conf", text, sizeof(text) - 1, &c, err);
	ok(ret == 0, "every directive, comments, blanks, tabs, no final newline%s%s",
	   ret ? ": " : "", err);
	ok(c.mode == LYNCEDGE_MODE_MONITOR && c.mode_line == 4,
	   "mode monitor, from line 4");
	ok(c.log == 1 && c.log_line == 5, "log on, from line 5");
	ok(c.profiles == CONF_PROFILES_ALWAYS, "no profile line: pic only");
	for (set = 0; set < LYNCEDGE_SET_COUNT; set++) {
		ok(!strcmp(set_text(&c.sets[set], buf, sizeof(buf)), want[set]),
		   "%s: %s (file order, duplicate kept)", set_name(set), buf);
		ok(!strcmp(lines_text(&c.sets[set], buf, sizeof(buf)), want_lines[set]),
		   "%s: source lines %s", set_name(set), buf);
	}
	conf_free(&c);
	ok(conf_empty(&c), "conf_free() leaves an empty conf");
	conf_free(&c);

	ret = parse_conf("site.conf", "log off\nmode off\n", 16, &c, err);
	ok(!ret && c.log == 0 && c.mode == LYNCEDGE_MODE_OFF && !c.sets[0].n,
	   "log off, mode off, in either order");
	conf_free(&c);

	ret = parse_conf("site.conf", "mode enforce\n", 13, &c, err);
	ok(!ret && c.mode == LYNCEDGE_MODE_ENFORCE && c.log == -1 && !c.log_line,
	   "mode enforce; log absent is -1");
	conf_free(&c);

	ret = parse_conf("site.conf", "edge 192.0.2.1\n", 15, &c, err);
	ok(!ret && c.mode == -1 && c.log == -1 && c.sets[0].n == 1,
	   "only a set: mode and log absent");
	conf_free(&c);
}

static void test_empty(void)
{
	static const char *const empties[] = {
		"", "\n", "\n\n\n", "# nothing\n", "  \t  ", "\r\n", "#",
		" # a comment after blanks\r\n\t\n",
	};
	char err[CONF_ERRLEN];
	struct prefix_list l;
	struct conf c;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		const char *t = empties[i];

		ret = parse_conf("e.conf", t, strlen(t), &c, err);
		ok(!ret && conf_empty(&c), "empty configuration #%zu (%zu bytes)",
		   i, strlen(t));
		conf_free(&c);
		ret = parse_list("e.list", t, strlen(t), &l, err);
		ok(!ret && !l.n, "empty prefix list #%zu", i);
		prefix_list_free(&l);
	}
}

static void test_profiles(void)
{
	static const char text[] =
		"mode monitor\n"
		"profile remote-users\n"
		"\tprofile  xmpp   # federation too\n"
		"profile pic\n"
		"access 203.0.113.11\n";
	static const char crlf[] =
		"profile base\r\nprofile federation\r\nprofile ocs2007";
	char err[CONF_ERRLEN];
	struct conf c;
	int ret;

	ret = parse_conf("p.conf", text, sizeof(text) - 1, &c, err);
	ok(!ret && c.profiles == ((1U << LYNCEDGE_PROFILE_PIC) |
				  (1U << LYNCEDGE_PROFILE_REMOTE_USERS) |
				  (1U << LYNCEDGE_PROFILE_XMPP)),
	   "profile lines: pic and the ones named%s%s", ret ? ": " : "", err);
	ok(c.profile_line[LYNCEDGE_PROFILE_REMOTE_USERS] == 2 &&
	   c.profile_line[LYNCEDGE_PROFILE_XMPP] == 3 &&
	   c.profile_line[LYNCEDGE_PROFILE_PIC] == 4 &&
	   !c.profile_line[LYNCEDGE_PROFILE_BASE],
	   "profile lines: where each was given; \"profile pic\" is accepted");
	ok(c.sets[LYNCEDGE_SET_ACCESS].n == 1, "a role set line beside them");
	conf_free(&c);
	ok(conf_empty(&c), "conf_free() leaves pic only");

	ret = parse_conf("p.conf", crlf, sizeof(crlf) - 1, &c, err);
	ok(!ret && c.profiles == ((1U << LYNCEDGE_PROFILE_PIC) |
				  (1U << LYNCEDGE_PROFILE_BASE) |
				  (1U << LYNCEDGE_PROFILE_FEDERATION) |
				  (1U << LYNCEDGE_PROFILE_OCS2007)),
	   "profile lines with CRLF, the last without a line end%s%s",
	   ret ? ": " : "", err);
	conf_free(&c);
}

static void test_crlf(void)
{
	static const char text[] = "mode enforce\r\nlog off\r\nedge 192.0.2.0/24 # x\r\n"
				   "partners 2001:db8::/32\r\nclients 10.0.0.0/8\r";
	char err[CONF_ERRLEN];
	struct prefix_list l;
	struct conf c;
	int ret;

	ret = parse_conf("crlf.conf", text, sizeof(text) - 1, &c, err);
	ok(!ret && c.mode == LYNCEDGE_MODE_ENFORCE && c.log == 0 &&
	   c.sets[LYNCEDGE_SET_EDGE].n == 1 && c.sets[LYNCEDGE_SET_PARTNERS].n == 1 &&
	   c.sets[LYNCEDGE_SET_CLIENTS].n == 1,
	   "CRLF line ends, and a final '\\r' without '\\n'%s%s", ret ? ": " : "", err);
	conf_free(&c);

	ret = parse_list("crlf.list", "10.0.0.0/8\r\n::/0\r\n", 18, &l, err);
	ok(!ret && l.n == 2, "prefix list with CRLF line ends");
	prefix_list_free(&l);
}

/* A text holding a NUL byte, and its length. */
#define BIN(s) s, sizeof(s) - 1

struct bad_case {
	const char *text;
	size_t len;		/* 0: strlen(text) */
	const char *err;	/* the exact message, or a part of it */
	bool exact;
};

static const struct bad_case bad_confs[] = {
	{ "mode enforce\n\n# typo below\n\n\n\npartner 198.51.100.0/24\n", 0,
	  "site.conf:7: unknown directive 'partner' (expected mode, log, profile, edge, partners, clients, messenger, access, webconf or av)", true },
	{ "profile\n", 0,
	  "site.conf:1: profile: missing name (expected pic, base, remote-users, federation, xmpp or ocs2007)", true },
	{ "profile # none\n", 0, "site.conf:1: profile: missing name", false },
	{ "mode off\n\nprofile remote_users\n", 0,
	  "site.conf:3: profile: unknown profile 'remote_users' (expected pic, base, remote-users, federation, xmpp or ocs2007)", true },
	{ "profile Base\n", 0, "site.conf:1: profile: unknown profile 'Base'", false },
	{ "profile base xmpp\n", 0, "site.conf:1: profile: one name a line", true },
	{ "profile xmpp\nprofile base\n\nprofile xmpp\n", 0,
	  "site.conf:4: profile xmpp given twice (first on line 1)", true },
	{ "profile pic\nprofile pic\n", 0,
	  "site.conf:2: profile pic given twice (first on line 1)", true },
	{ "profiles base\n", 0, "site.conf:1: unknown directive 'profiles'", false },
	{ "webconf 10.0.0.1/8\n", 0,
	  "site.conf:1: webconf: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)", true },
	{ "Edge 192.0.2.1\n", 0, "site.conf:1: unknown directive 'Edge' (expected", false },
	{ "192.0.2.1\n", 0, "site.conf:1: unknown directive '192.0.2.1' (expected", false },
	{ "edge=192.0.2.1\n", 0, "site.conf:1: unknown directive 'edge=192.0.2.1'", false },
	{ "\n\n\n\n\n\n\n\npartners 10.0.0.1/8\n", 0,
	  "site.conf:9: partners: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)", true },
	{ "clients ::ffff:192.0.2.0/120\n", 0,
	  "site.conf:1: clients: ::ffff:192.0.2.0/120: IPv4-mapped IPv6 prefix, write it as 192.0.2.0/24", false },
	{ "messenger 192.0.2.0/33\n", 0,
	  "site.conf:1: messenger: 192.0.2.0/33: prefix length 33 is out of range for IPv4 (0..32)", true },
	{ "edge fe80::1%eth0\n", 0, "site.conf:1: edge: fe80::1%eth0: scoped addresses", false },
	{ "mode enforce\nlog on\nmode off\n", 0,
	  "site.conf:3: mode given twice (first on line 1)", true },
	{ "mode enforce\nmode enforce\n", 0,
	  "site.conf:2: mode given twice (first on line 1)", true },
	{ "\nlog on\n\n\nlog off\n", 0, "site.conf:5: log given twice (first on line 2)", true },
	{ "\n\n\nedge 192.0.2.1 192.0.2.2\n", 0, "site.conf:4: edge: one prefix a line", true },
	{ "edge 192.0.2.1 # ok\nedge 192.0.2.1 x # not\n", 0,
	  "site.conf:2: edge: one prefix a line", true },
	{ "partners\n", 0, "site.conf:1: partners: missing prefix", true },
	{ "partners # nothing\n", 0, "site.conf:1: partners: missing prefix", true },
	{ "mode\n", 0, "site.conf:1: mode: missing value (expected off, monitor or enforce)", true },
	{ "mode enforcing\n", 0,
	  "site.conf:1: mode: unknown mode 'enforcing' (expected off, monitor or enforce)", true },
	{ "mode ENFORCE\n", 0, "site.conf:1: mode: unknown mode 'ENFORCE'", false },
	{ "mode enforce now\n", 0, "site.conf:1: mode: one value a line", true },
	{ "log\n", 0, "site.conf:1: log: missing value (expected on or off)", true },
	{ "log yes\n", 0, "site.conf:1: log: unknown value 'yes' (expected on or off)", true },
	{ "log on off\n", 0, "site.conf:1: log: one value a line", true },
	{ "mode on\n", 0, "site.conf:1: mode: unknown mode 'on'", false },
	{ BIN("edge 192.0.2.1\nmode\0enforce\n"), "site.conf:2: NUL byte in line", true },
	{ BIN("# a comment \0 too\n"), "site.conf:1: NUL byte in line", true },
	{ BIN("\0"), "site.conf:1: NUL byte in line", true },
	/* A '\r' only counts as a line end just before the newline. */
	{ "edge\r192.0.2.1\n", 0, "site.conf:1: unknown directive 'edge?192.0.2.1'", false },
	{ "edge 192.0.2.1\r\r\n", 0, "site.conf:1: edge: 192.0.2.1?: not an IPv4 or IPv6 prefix", true },
	/* Other whitespace is not a separator. */
	{ "mode\venforce\n", 0, "site.conf:1: unknown directive 'mode?enforce'", false },
	{ "edge\xc2\xa0" "192.0.2.1\n", 0, "site.conf:1: unknown directive 'edge??192.0.2.1'", false },
};

static const struct bad_case bad_lists[] = {
	{ "198.51.100.0/24\n198.51.100.0/24 2001:db8::/32\n", 0,
	  "list.txt:2: one prefix a line", true },
	{ "partners 198.51.100.0/24\n", 0, "list.txt:1: one prefix a line", true },
	{ "# header\n10.0.0.1/8\n", 0,
	  "list.txt:2: 10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)", true },
	{ "partners\n", 0, "list.txt:1: partners: not an IPv4 or IPv6 prefix", true },
	{ "::ffff:1.2.3.4\n", 0, "list.txt:1: ::ffff:1.2.3.4: IPv4-mapped IPv6 prefix", false },
	{ BIN("10.0.0.0/8\n\0"), "list.txt:2: NUL byte in line", true },
};

static void test_bad(const struct bad_case *cases, size_t n, bool list)
{
	char err[CONF_ERRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct bad_case *t = &cases[i];
		size_t len = t->len ? t->len : strlen(t->text);
		struct prefix_list l;
		struct conf c;
		bool good;
		int ret;

		if (list) {
			ret = parse_list("list.txt", t->text, len, &l, err);
			good = ret == -1 && !l.n && !l.prefixes;
			prefix_list_free(&l);
		} else {
			ret = parse_conf("site.conf", t->text, len, &c, err);
			good = ret == -1 && conf_empty(&c);
			conf_free(&c);
		}
		if (t->exact)
			good = good && !strcmp(err, t->err);
		else
			good = good && !strncmp(err, t->err, strlen(t->err));
		ok(good, "%s error: %s", list ? "prefix list" : "configuration", err);
		if (!good)
			printf("# want %s\"%s\"\n", t->exact ? "" : "the start ", t->err);
	}
}

/* A failure after many good lines frees them (ASan checks for the leak). */
static void test_error_after_prefixes(void)
{
	char err[CONF_ERRLEN];
	struct conf c;
	char *text;
	size_t used = 0, size = 1000 * 32;
	int i, ret;

	text = malloc(size);
	if (!text)
		exit(1);
	for (i = 0; i < 1000; i++)
		used += (size_t)snprintf(text + used, size - used, "%s 10.%d.%d.0/24\n",
					 set_name((unsigned int)i % 4), i / 256, i % 256);
	used += (size_t)snprintf(text + used, size - used, "edge nonsense\n");
	ret = parse_conf("big.conf", text, used, &c, err);
	ok(ret == -1 && conf_empty(&c) &&
	   !strcmp(err, "big.conf:1001: edge: nonsense: not an IPv4 or IPv6 prefix"),
	   "error on line 1001 after 1000 prefixes: %s", err);
	conf_free(&c);
	free(text);
}

static void test_line_length(void)
{
	char text[2 * CONF_LINE_MAX + 16], err[CONF_ERRLEN];
	struct prefix_list l;
	struct conf c;
	size_t len;
	int ret;

	/* "edge 192.0.2.1 #xxx...": exactly CONF_LINE_MAX bytes, then "\n" */
	strcpy(text, "edge 192.0.2.1 #");
	len = strlen(text);
	memset(text + len, 'x', CONF_LINE_MAX - len);
	text[CONF_LINE_MAX] = '\n';
	ret = parse_conf("long.conf", text, CONF_LINE_MAX + 1, &c, err);
	ok(!ret && c.sets[LYNCEDGE_SET_EDGE].n == 1,
	   "a line of exactly %d bytes is accepted%s%s", CONF_LINE_MAX,
	   ret ? ": " : "", err);
	conf_free(&c);

	memcpy(text + CONF_LINE_MAX, "\r\n", 2);
	ret = parse_conf("long.conf", text, CONF_LINE_MAX + 2, &c, err);
	ok(!ret, "... and with a CRLF line end%s%s", ret ? ": " : "", err);
	conf_free(&c);

	ret = parse_conf("long.conf", text, CONF_LINE_MAX, &c, err);
	ok(!ret, "... and without a line end%s%s", ret ? ": " : "", err);
	conf_free(&c);

	/* One more byte, on line 2 */
	text[0] = '\n';
	memset(text + 1, 'x', CONF_LINE_MAX + 1);
	text[0 + 1] = '#';
	text[CONF_LINE_MAX + 2] = '\n';
	ret = parse_conf("long.conf", text, CONF_LINE_MAX + 3, &c, err);
	ok(ret == -1 && !strcmp(err, "long.conf:2: line too long (more than 1024 bytes)"),
	   "a comment line of %d bytes: %s", CONF_LINE_MAX + 1, err);
	conf_free(&c);

	ret = parse_conf("long.conf", text, CONF_LINE_MAX + 2, &c, err);
	ok(ret == -1 && !strcmp(err, "long.conf:2: line too long (more than 1024 bytes)"),
	   "... also without a line end: %s", err);
	conf_free(&c);

	memset(text, ' ', 2 * CONF_LINE_MAX);
	memcpy(text + 2 * CONF_LINE_MAX, "\n", 1);
	ret = parse_list("long.list", text, 2 * CONF_LINE_MAX + 1, &l, err);
	ok(ret == -1 && !strcmp(err, "long.list:1: line too long (more than 1024 bytes)"),
	   "prefix list: a blank line of %d bytes: %s", 2 * CONF_LINE_MAX, err);
	prefix_list_free(&l);
}

static void test_names(void)
{
	char err[CONF_ERRLEN];
	struct prefix_list l;
	struct conf c;
	int ret;

	ok(!strcmp(conf_display_name("-"), "<stdin>"), "\"-\" is shown as <stdin>");
	ok(!strcmp(conf_display_name("./-"), "./-"), "\"./-\" is shown as it is");
	ret = parse_conf("-", "\nlog maybe\n", 11, &c, err);
	ok(ret == -1 && !strncmp(err, "<stdin>:2: log: unknown value 'maybe'", 36),
	   "configuration from stdin: %s", err);
	conf_free(&c);
	ret = parse_list("-", "x\n", 2, &l, err);
	ok(ret == -1 && !strcmp(err, "<stdin>:1: x: not an IPv4 or IPv6 prefix"),
	   "prefix list from stdin: %s", err);
	prefix_list_free(&l);

	/* A message is cut, not overflowed, when err is small. */
	{
		char small[12];
		FILE *f = open_text("bogus\n", 6);

		memset(small, 'z', sizeof(small));
		ret = conf_parse("site.conf", f, &c, small, sizeof(small));
		fclose(f);
		ok(ret == -1 && !strcmp(small, "site.conf:1"),
		   "a message cut to a small buffer: \"%s\"", small);
		conf_free(&c);
	}
}

static void test_read_error(void)
{
	char err[CONF_ERRLEN];
	struct prefix_list l;
	struct conf c;
	FILE *f;
	int ret;

	/* Reading a directory fails with EISDIR. */
	f = fopen("/", "r");
	if (!f) {
		tests++;
		printf("ok %u - read error # SKIP cannot open / for reading\n", tests);
		return;
	}
	ret = conf_parse("/", f, &c, err, sizeof(err));
	ok(ret == -1 && conf_empty(&c) &&
	   !strcmp(err, "/:1: read error: Is a directory"), "configuration: %s", err);
	conf_free(&c);
	fclose(f);

	f = fopen("/", "r");
	if (!f)
		exit(1);
	ret = prefix_list_parse("/", f, &l, err, sizeof(err));
	ok(ret == -1 && !l.n && !strcmp(err, "/:1: read error: Is a directory"),
	   "prefix list: %s", err);
	prefix_list_free(&l);
	fclose(f);
}

static void test_good_list(void)
{
	static const char text[] =
		"# partners of example.com\n"
		"198.51.100.0/24\n"
		"\t2001:db8:1::/64   # their v6\n"
		"\n"
		"198.51.100.0/24\n"
		"192.0.2.7\n";
	char err[CONF_ERRLEN], buf[256];
	struct prefix_list l;
	int ret;

	ret = parse_list("list.txt", text, sizeof(text) - 1, &l, err);
	ok(!ret && !strcmp(set_text(&l, buf, sizeof(buf)),
			   "198.51.100.0/24 2001:db8:1::/64 198.51.100.0/24 192.0.2.7"),
	   "prefix list: %s", ret ? err : buf);
	ok(!ret && !strcmp(lines_text(&l, buf, sizeof(buf)), "2 3 5 6"),
	   "prefix list: source lines %s", buf);
	prefix_list_free(&l);
	ok(!l.n && !l.cap && !l.prefixes && !l.lines, "prefix_list_free() empties");
	prefix_list_free(&l);
}

static char *write_conf(const struct conf *c, int *ret)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	*ret = conf_write(f, c);
	fclose(f);
	return text;
}

static char *write_json(const struct conf *c, int *ret)
{
	char *text = NULL;
	size_t len;
	struct json j;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	json_init(&j, f);
	*ret = conf_write_json(&j, c);
	if (!*ret)
		*ret = json_finish(&j);
	fclose(f);
	return text;
}

static void add_text(struct prefix_list *l, const char *text)
{
	char err[PREFIX_ERRLEN];
	struct prefix p;

	if (prefix_parse(text, &p, err, sizeof(err)) ||
	    prefix_list_add(l, &p, 0)) {
		printf("# %s\n", err);
		exit(1);
	}
}

/* The configuration test_write() prints: what save reads from a kernel. */
static void live_conf(struct conf *c, int mode, int log)
{
	conf_init(c);
	c->mode = mode;
	c->log = log;
	add_text(&c->sets[LYNCEDGE_SET_EDGE], "203.0.113.10/32");
	add_text(&c->sets[LYNCEDGE_SET_EDGE], "2001:db8:e::10");
	add_text(&c->sets[LYNCEDGE_SET_PARTNERS], "198.51.100.0/24");
	add_text(&c->sets[LYNCEDGE_SET_PARTNERS], "2001:db8:1::/64");
	add_text(&c->sets[LYNCEDGE_SET_MESSENGER], "0.0.0.0/0");
	add_text(&c->sets[LYNCEDGE_SET_MESSENGER], "::/0");
}

static void test_write(void)
{
	static const char want[] =
		"# lyncedge configuration: lyncedge save, restore with lyncedge restore\n"
		"mode enforce\n"
		"log off\n"
		"edge 203.0.113.10\n"
		"edge 2001:db8:e::10\n"
		"partners 198.51.100.0/24\n"
		"partners 2001:db8:1::/64\n"
		"messenger 0.0.0.0/0\n"
		"messenger ::/0\n";
	static const char want_json[] =
		"{\"mode\":\"enforce\",\"log\":false,\"profiles\":[\"pic\"],\"sets\":{"
		"\"edge\":[\"203.0.113.10\",\"2001:db8:e::10\"],"
		"\"partners\":[\"198.51.100.0/24\",\"2001:db8:1::/64\"],"
		"\"clients\":[],\"messenger\":[\"0.0.0.0/0\",\"::/0\"],"
		"\"access\":[],\"webconf\":[],\"av\":[]}}\n";
	static const char want_profiles[] =
		"# lyncedge configuration: lyncedge save, restore with lyncedge restore\n"
		"mode monitor\n"
		"log on\n"
		"profile base\n"
		"profile remote-users\n"
		"profile ocs2007\n"
		"edge 203.0.113.10\n"
		"edge 2001:db8:e::10\n"
		"partners 198.51.100.0/24\n"
		"partners 2001:db8:1::/64\n"
		"messenger 0.0.0.0/0\n"
		"messenger ::/0\n"
		"access 203.0.113.11\n"
		"webconf 203.0.113.12\n"
		"av 203.0.113.13\n"
		"av 2001:db8:e::13\n";
	static const char want_profiles_json[] =
		"{\"mode\":\"monitor\",\"log\":true,"
		"\"profiles\":[\"pic\",\"base\",\"remote-users\",\"ocs2007\"],\"sets\":{"
		"\"edge\":[\"203.0.113.10\",\"2001:db8:e::10\"],"
		"\"partners\":[\"198.51.100.0/24\",\"2001:db8:1::/64\"],"
		"\"clients\":[],\"messenger\":[\"0.0.0.0/0\",\"::/0\"],"
		"\"access\":[\"203.0.113.11\"],\"webconf\":[\"203.0.113.12\"],"
		"\"av\":[\"203.0.113.13\",\"2001:db8:e::13\"]}}\n";
	char *text, why[32];
	struct conf c;
	FILE *f;
	int ret;

	live_conf(&c, LYNCEDGE_MODE_ENFORCE, 0);
	text = write_conf(&c, &ret);
	ok(!ret && !strcmp(text, want),
	   "conf_write(): the save format, byte for byte; pic only: no profile line");
	if (strcmp(text, want))
		printf("# got:\n%s", text);
	free(text);
	text = write_json(&c, &ret);
	ok(!ret && !strcmp(text, want_json),
	   "conf_write_json(): the -j save document, pic listed");
	if (strcmp(text, want_json))
		printf("# got %s", text);
	free(text);

	f = fopen("/dev/full", "w");
	if (f) {
		setvbuf(f, NULL, _IONBF, 0);
		ok(conf_write(f, &c) == -1,
		   "conf_write(): a failed write returns -1");
		fclose(f);
	} else {
		tests++;
		printf("ok %u - conf_write(): write error # SKIP no /dev/full\n", tests);
	}

	c.mode = LYNCEDGE_MODE_MAX + 1;
	text = write_conf(&c, &ret);
	ok(ret == -1 && !strcmp(text, "") && !conf_writable(&c, why, sizeof(why)) &&
	   !strcmp(why, "mode 3"),
	   "conf_write(): unknown mode: -1, nothing printed, \"%s\"", why);
	free(text);
	c.mode = -1;
	text = write_conf(&c, &ret);
	ok(ret == -1 && !strcmp(text, ""), "conf_write(): mode -1: -1, nothing printed");
	free(text);
	c.mode = LYNCEDGE_MODE_OFF;
	c.log = -1;
	text = write_json(&c, &ret);
	ok(ret == -1 && !strcmp(text, "") && !conf_writable(&c, NULL, 0),
	   "conf_write_json(): log -1: -1, nothing written");
	free(text);
	c.log = 0;
	c.profiles |= 1U << LYNCEDGE_PROFILE_COUNT;
	text = write_conf(&c, &ret);
	ok(ret == -1 && !strcmp(text, "") && !conf_writable(&c, why, sizeof(why)) &&
	   !strcmp(why, "profile 6"),
	   "conf_write(): a profile unknown to the CLI: -1, nothing printed, \"%s\"",
	   why);
	free(text);
	text = write_json(&c, &ret);
	ok(ret == -1 && !strcmp(text, ""),
	   "conf_write_json(): a profile unknown to the CLI: -1, nothing written");
	free(text);
	conf_free(&c);

	live_conf(&c, LYNCEDGE_MODE_MONITOR, 1);
	c.profiles |= (1U << LYNCEDGE_PROFILE_OCS2007) |
		      (1U << LYNCEDGE_PROFILE_BASE) |
		      (1U << LYNCEDGE_PROFILE_REMOTE_USERS);
	add_text(&c.sets[LYNCEDGE_SET_AV], "203.0.113.13");
	add_text(&c.sets[LYNCEDGE_SET_AV], "2001:db8:e::13");
	add_text(&c.sets[LYNCEDGE_SET_WEBCONF], "203.0.113.12");
	add_text(&c.sets[LYNCEDGE_SET_ACCESS], "203.0.113.11");
	text = write_conf(&c, &ret);
	ok(!ret && !strcmp(text, want_profiles),
	   "conf_write(): profiles after mode and log in uapi order, pic left out, the role sets last");
	if (strcmp(text, want_profiles))
		printf("# got:\n%s", text);
	free(text);
	text = write_json(&c, &ret);
	ok(!ret && !strcmp(text, want_profiles_json),
	   "conf_write_json(): profiles in uapi order, the role sets last");
	if (strcmp(text, want_profiles_json))
		printf("# got %s", text);
	free(text);
	conf_free(&c);

	conf_init(&c);
	c.mode = LYNCEDGE_MODE_OFF;
	c.log = 0;
	text = write_conf(&c, &ret);
	ok(!ret && !strcmp(text, CONF_HEADER "\nmode off\nlog off\n"),
	   "conf_write(): no prefixes at all");
	free(text);
}

/* Write what a parse gave, as save would print it live. */
static char *write_parsed(struct conf *c, int *ret)
{
	if (c->mode < 0)
		c->mode = LYNCEDGE_MODE_OFF;
	if (c->log < 0)
		c->log = 0;
	return write_conf(c, ret);
}

static void test_roundtrip(void)
{
	static const char messy[] =
		"\t# hand-written, out of order\r\n"
		"av 203.0.113.13\n"
		"messenger ::/0\n"
		"profile xmpp\n"
		"log on   # trailing comment\n"
		"edge 203.0.113.10/32\n"
		"partners 2001:DB8:1:0:0:0:0:0/64\n"
		"profile pic\n"
		"mode monitor\n"
		"edge 2001:db8:e::10\n"
		"partners 198.51.100.0/24\n"
		"profile base\n"
		"partners 198.51.100.0/24\n"
		"clients 192.0.2.0/24\n";
	static const char want[] =
		CONF_HEADER "\n"
		"mode monitor\n"
		"log on\n"
		"profile base\n"
		"profile xmpp\n"
		"edge 203.0.113.10\n"
		"edge 2001:db8:e::10\n"
		"partners 2001:db8:1::/64\n"
		"partners 198.51.100.0/24\n"
		"partners 198.51.100.0/24\n"
		"clients 192.0.2.0/24\n"
		"messenger ::/0\n"
		"av 203.0.113.13\n";
#define OLD "mode enforce\nlog off\nedge 203.0.113.10\nmessenger ::/0\n"
	static const char old[] = OLD;
	char err[CONF_ERRLEN], *first, *second;
	struct conf c;
	uint32_t profiles;
	int ret, ret2;

	ret = parse_conf("messy.conf", messy, sizeof(messy) - 1, &c, err);
	first = write_parsed(&c, &ret2);
	profiles = c.profiles;
	ok(!ret && !ret2 && !strcmp(first, want),
	   "parse then write: canonical text, profiles then sets in order, file order within a set");
	if (strcmp(first, want))
		printf("# got:\n%s", first);
	conf_free(&c);

	ret = parse_conf("first.conf", first, strlen(first), &c, err);
	second = write_parsed(&c, &ret2);
	ok(!ret && !ret2 && !strcmp(first, second) && c.profiles == profiles,
	   "parse, write, parse, write: the same text, the same profiles");
	conf_free(&c);
	free(first);
	free(second);

	ret = parse_conf("old.conf", old, sizeof(old) - 1, &c, err);
	first = write_parsed(&c, &ret2);
	ok(!ret && !ret2 && c.profiles == CONF_PROFILES_ALWAYS &&
	   !strcmp(first, CONF_HEADER "\n" OLD),
	   "a file of the six-row days: pic only, and it saves as it was");
	conf_free(&c);
	free(first);
#undef OLD
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define BIG_LINES 100000

/* BIG_LINES lines of every kind, for the configuration or a prefix list. */
static char *big_file(bool list, size_t *len)
{
	size_t size = (size_t)BIG_LINES * 64, used = 0;
	char *text = malloc(size);
	unsigned int i;

	if (!text)
		exit(1);
	if (!list)
		used += (size_t)snprintf(text, size, "mode enforce\nlog off\n");
	for (i = used ? 2 : 0; i < BIG_LINES; i++) {
		const char *set = list ? "" : set_name(i % LYNCEDGE_SET_COUNT);
		const char *sep = list ? "" : " ";

		if (i % 10 == 9)
			used += (size_t)snprintf(text + used, size - used,
						 "# comment %u\n", i);
		else if (i % 2)
			used += (size_t)snprintf(text + used, size - used,
						 "%s%s2001:db8:%x:%x::/64\n", set, sep,
						 i >> 16, i & 0xffff);
		else
			used += (size_t)snprintf(text + used, size - used,
						 "\t%s%s10.%u.%u.%u  # n\n", set, sep,
						 i >> 16, (i >> 8) & 0xff, i & 0xff);
	}
	*len = used;
	return text;
}

static void test_big(void)
{
	char err[CONF_ERRLEN];
	struct prefix_list l;
	struct conf c;
	size_t len, total = 0;
	unsigned int set, last = 0;
	char *text;
	double t;
	int ret;

	text = big_file(false, &len);
	t = now();
	ret = parse_conf("big.conf", text, len, &c, err);
	t = now() - t;
	for (set = 0; !ret && set < LYNCEDGE_SET_COUNT; set++) {
		total += c.sets[set].n;
		if (c.sets[set].lines[c.sets[set].n - 1] > last)
			last = c.sets[set].lines[c.sets[set].n - 1];
	}
	/* Lines 1 and 2 are mode and log; every tenth is a comment. */
	ok(!ret && total == 90000 - 2 && last == BIG_LINES - 1,
	   "%d-line configuration: %zu prefixes in %.3f s", BIG_LINES, total, t);
	ok(t < 1.0, "... in under a second (sanitizers on)");
	conf_free(&c);
	free(text);

	text = big_file(true, &len);
	t = now();
	ret = parse_list("big.list", text, len, &l, err);
	t = now() - t;
	ok(!ret && l.n == 90000 && l.lines[l.n - 1] == BIG_LINES - 1,
	   "%d-line prefix list: %zu prefixes in %.3f s", BIG_LINES, l.n, t);
	ok(t < 1.0, "... in under a second (sanitizers on)");
	prefix_list_free(&l);
	free(text);
}

int main(void)
{
	test_good_conf();
	test_empty();
	test_profiles();
	test_crlf();
	test_bad(bad_confs, sizeof(bad_confs) / sizeof(bad_confs[0]), false);
	test_bad(bad_lists, sizeof(bad_lists) / sizeof(bad_lists[0]), true);
	test_error_after_prefixes();
	test_line_length();
	test_names();
	test_read_error();
	test_good_list();
	test_write();
	test_roundtrip();
	test_big();
	return tap_done();
}
