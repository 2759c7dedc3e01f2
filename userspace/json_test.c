// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of json.c, run by "make check" under ASan and UBSan.
 * Prints TAP. Documents are compared byte for byte; where python3 is
 * installed it also checks that they parse, and that strings of random
 * bytes decode to what Python's own UTF-8 "replace" decoder makes of them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "tap.h"


__attribute__((format(printf, 1, 2)))
static void skip(const char *fmt, ...)
{
	va_list ap;

	tests++;
	printf("ok %u - ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP python3 not found\n");
}

/* A writer into memory; out() ends it and returns the text (to free). */
struct doc {
	struct json j;
	FILE *f;
	char *text;
	size_t len;
	int ret;
};

static void doc_open(struct doc *d)
{
	memset(d, 0, sizeof(*d));
	d->f = open_memstream(&d->text, &d->len);
	if (!d->f) {
		perror("open_memstream");
		exit(1);
	}
	json_init(&d->j, d->f);
}

static const char *doc_close(struct doc *d)
{
	d->ret = json_finish(&d->j);
	fclose(d->f);
	return d->text;
}

static void expect(struct doc *d, const char *want, const char *what)
{
	const char *got = doc_close(d);

	ok(d->ret == 0 && !strcmp(got, want), "%s", what);
	/* Both end in the newline json_finish() prints: not shown. */
	if (d->ret || strcmp(got, want))
		printf("# got %d '%.*s'\n# want   '%.*s'\n", d->ret,
		       (int)strcspn(got, "\n"), got, (int)strcspn(want, "\n"), want);
	free(d->text);
}

static void expect_refused(struct doc *d, const char *what)
{
	doc_close(d);
	ok(d->ret == -EINVAL, "refused: %s", what);
	if (d->ret != -EINVAL)
		printf("# got %d '%.*s'\n", d->ret, (int)strcspn(d->text, "\n"), d->text);
	free(d->text);
}

static void test_scalars(void)
{
	struct doc d;

	doc_open(&d);
	json_uint(&d.j, 0);
	expect(&d, "0\n", "top-level 0");

	doc_open(&d);
	json_uint(&d.j, UINT64_MAX);
	expect(&d, "18446744073709551615\n", "UINT64_MAX");

	doc_open(&d);
	json_int(&d.j, INT64_MIN);
	expect(&d, "-9223372036854775808\n", "INT64_MIN");

	doc_open(&d);
	json_array_begin(&d.j);
	json_int(&d.j, -1);
	json_int(&d.j, 0);
	json_int(&d.j, INT64_MAX);
	json_bool(&d.j, true);
	json_bool(&d.j, false);
	json_null(&d.j);
	json_string(&d.j, NULL);
	json_string(&d.j, "");
	json_array_end(&d.j);
	expect(&d, "[-1,0,9223372036854775807,true,false,null,null,\"\"]\n",
	       "array of scalars, commas between");
}

static void test_nesting(void)
{
	struct doc d;
	int i;

	doc_open(&d);
	json_object_begin(&d.j);
	json_object_end(&d.j);
	expect(&d, "{}\n", "empty object");

	doc_open(&d);
	json_array_begin(&d.j);
	json_array_end(&d.j);
	expect(&d, "[]\n", "empty array");

	doc_open(&d);
	json_array_begin(&d.j);
	json_array_begin(&d.j);
	json_array_end(&d.j);
	json_object_begin(&d.j);
	json_object_end(&d.j);
	json_array_begin(&d.j);
	json_uint(&d.j, 1);
	json_array_end(&d.j);
	json_uint(&d.j, 2);
	json_array_end(&d.j);
	expect(&d, "[[],{},[1],2]\n", "empty and full containers in an array");

	doc_open(&d);
	json_object_begin(&d.j);
	json_kv_uint(&d.j, "a", 1);
	json_key(&d.j, "b");
	json_object_begin(&d.j);
	json_key(&d.j, "c");
	json_array_begin(&d.j);
	json_object_begin(&d.j);
	json_kv_null(&d.j, "d");
	json_object_end(&d.j);
	json_object_begin(&d.j);
	json_kv_int(&d.j, "e", -5);
	json_kv_bool(&d.j, "f", true);
	json_object_end(&d.j);
	json_array_end(&d.j);
	json_kv_string(&d.j, "g", "h");
	json_object_end(&d.j);
	json_kv_string(&d.j, "i", NULL);
	json_object_end(&d.j);
	expect(&d, "{\"a\":1,\"b\":{\"c\":[{\"d\":null},{\"e\":-5,\"f\":true}],\"g\":\"h\"},\"i\":null}\n",
	       "objects in arrays in objects");

	doc_open(&d);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&d.j);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_end(&d.j);
	{
		char want[2 * JSON_MAX_DEPTH + 2];

		memset(want, '[', JSON_MAX_DEPTH);
		memset(want + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
		strcpy(want + 2 * JSON_MAX_DEPTH, "\n");
		expect(&d, want, "nesting JSON_MAX_DEPTH deep");
	}
}

static void test_misuse(void)
{
	struct doc d;
	int i;

	doc_open(&d);
	expect_refused(&d, "nothing written");

	doc_open(&d);
	json_object_begin(&d.j);
	expect_refused(&d, "object left open");

	doc_open(&d);
	json_array_begin(&d.j);
	json_array_begin(&d.j);
	json_array_end(&d.j);
	expect_refused(&d, "outer array left open");

	doc_open(&d);
	json_object_begin(&d.j);
	json_uint(&d.j, 1);
	json_object_end(&d.j);
	expect_refused(&d, "value in an object without a key");

	doc_open(&d);
	json_object_begin(&d.j);
	json_key(&d.j, "a");
	json_key(&d.j, "b");
	json_uint(&d.j, 1);
	json_object_end(&d.j);
	expect_refused(&d, "two keys in a row");

	doc_open(&d);
	json_object_begin(&d.j);
	json_key(&d.j, "a");
	json_object_end(&d.j);
	expect_refused(&d, "key without a value");

	doc_open(&d);
	json_array_begin(&d.j);
	json_key(&d.j, "a");
	json_uint(&d.j, 1);
	json_array_end(&d.j);
	expect_refused(&d, "key in an array");

	doc_open(&d);
	json_key(&d.j, "a");
	expect_refused(&d, "key at top level");

	doc_open(&d);
	json_array_begin(&d.j);
	json_object_end(&d.j);
	expect_refused(&d, "array closed as an object");

	doc_open(&d);
	json_object_end(&d.j);
	expect_refused(&d, "end with nothing open");

	doc_open(&d);
	json_uint(&d.j, 1);
	json_uint(&d.j, 2);
	expect_refused(&d, "two top-level values");

	doc_open(&d);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array_begin(&d.j);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array_end(&d.j);
	expect_refused(&d, "nesting deeper than JSON_MAX_DEPTH");
}

struct string_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *out;	/* without the quotes */
	const char *what;
};

static const struct string_case strings[] = {
	{ "plain", 0, "plain", "plain ASCII" },
	{ "a\"b\\c/d", 0, "a\\\"b\\\\c/d", "quote and backslash escaped, '/' not" },
	{ "\n\r\t\b\f", 0, "\\u000a\\u000d\\u0009\\u0008\\u000c", "control characters as \\u00XX" },
	{ "\x01\x1f\x20\x7f", 0, "\\u0001\\u001f \x7f", "0x01, 0x1f escaped; 0x20, 0x7f not" },
	{ "a\0b", 3, "a\\u0000b", "NUL inside a counted string" },
	{ "caf\xc3\xa9", 0, "caf\xc3\xa9", "2-byte UTF-8 passes" },
	{ "\xe2\x82\xac", 0, "\xe2\x82\xac", "3-byte UTF-8 passes" },
	{ "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80", "4-byte UTF-8 passes" },
	{ "\xef\xbf\xbf\xf4\x8f\xbf\xbf", 0, "\xef\xbf\xbf\xf4\x8f\xbf\xbf",
	  "U+FFFF and U+10FFFF pass" },
	{ "\xe2\x80\xa8", 0, "\xe2\x80\xa8", "U+2028 passes (valid in JSON)" },
	{ "a\xff" "b", 0, "a\\ufffdb", "0xff replaced" },
	{ "\x80\xbf", 0, "\\ufffd\\ufffd", "lone continuation bytes, one each" },
	{ "\xc0\xaf", 0, "\\ufffd\\ufffd", "overlong '/' (C0 AF), one each" },
	{ "\xe0\x80\xaf", 0, "\\ufffd\\ufffd\\ufffd", "overlong 3-byte, one each" },
	{ "\xed\xa0\x80", 0, "\\ufffd\\ufffd\\ufffd", "surrogate D800, one each" },
	{ "\xf4\x90\x80\x80", 0, "\\ufffd\\ufffd\\ufffd\\ufffd", "beyond U+10FFFF, one each" },
	{ "\xe2\x82" "A", 0, "\\ufffdA", "truncated 3-byte sequence, one in all" },
	{ "\xf0\x9f\x98", 0, "\\ufffd", "truncated at the end, one in all" },
	{ "\xc3", 0, "\\ufffd", "lone lead byte at the end" },
	{ "\xc3\"", 0, "\\ufffd\\\"", "lead byte then a quote" },
	{ "\xc3\n", 0, "\\ufffd\\u000a", "lead byte then a control character" },
	{ "\xf5\x80", 0, "\\ufffd\\ufffd", "F5 is never a lead byte" },
};

static void test_strings(void)
{
	size_t i;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		const struct string_case *t = &strings[i];
		size_t len = t->len ? t->len : strlen(t->in);
		char want[128];
		struct doc d;

		snprintf(want, sizeof(want), "\"%s\"\n", t->out);
		doc_open(&d);
		json_string_len(&d.j, t->in, len);
		expect(&d, want, t->what);
	}

	{
		struct doc d;

		doc_open(&d);
		json_object_begin(&d.j);
		json_kv_string(&d.j, "k\"\x01", "v");
		json_object_end(&d.j);
		expect(&d, "{\"k\\\"\\u0001\":\"v\"}\n", "keys are escaped too");
	}
}

static void test_write_error(void)
{
	FILE *f = fopen("/dev/full", "w");
	struct json j;
	int ret;

	if (!f) {
		tests++;
		printf("ok %u - write error reported # SKIP no /dev/full\n", tests);
		return;
	}
	json_init(&j, f);
	json_object_begin(&j);
	json_kv_string(&j, "a", "b");
	json_object_end(&j);
	ret = json_finish(&j);
	fclose(f);
	ok(ret == -EIO, "a complete document written to /dev/full: -EIO (got %d)", ret);
}

static bool have_python(void)
{
	return system("python3 -c '' >/dev/null 2>&1") == 0;
}

/* Write a document with fill() to a temporary file; returns its name. */
static char *to_file(void (*fill)(struct json *j), int *ret)
{
	char *name = strdup("/tmp/lyncedge-json-test.XXXXXX");
	struct json j;
	FILE *f;
	int fd;

	if (!name || (fd = mkstemp(name)) < 0 || !(f = fdopen(fd, "w"))) {
		perror("temporary file");
		exit(1);
	}
	json_init(&j, f);
	fill(&j);
	*ret = json_finish(&j);
	fclose(f);
	return name;
}

/* The shapes of "lyncedge -j show" and "explain" (the spec's examples). */
static void fill_show(struct json *j)
{
	static const char *const sets[] = { "edge", "partners", "clients", "messenger" };
	static const char *const reasons[] = { "no-rule", "invalid", "malformed" };
	unsigned int i;

	json_object_begin(j);
	json_kv_string(j, "mode", "enforce");
	json_kv_bool(j, "log", false);
	json_key(j, "sets");
	json_array_begin(j);
	for (i = 0; i < 4; i++) {
		json_object_begin(j);
		json_kv_string(j, "name", sets[i]);
		json_kv_uint(j, "prefixes4", i);
		json_kv_uint(j, "prefixes6", UINT32_MAX);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "rules");
	json_array_begin(j);
	json_object_begin(j);
	json_kv_uint(j, "index", 1);
	json_kv_string(j, "service", "SIP/MTLS");
	json_kv_string(j, "proto", "tcp");
	json_kv_uint(j, "port_min", 5061);
	json_kv_uint(j, "port_max", 5061);
	json_kv_string(j, "src", "partners");
	json_kv_string(j, "dst", "edge");
	json_kv_uint(j, "packets", UINT64_MAX);
	json_kv_uint(j, "bytes", 0);
	json_object_end(j);
	json_array_end(j);
	json_key(j, "deny");
	json_array_begin(j);
	for (i = 0; i < 3; i++) {
		json_object_begin(j);
		json_kv_string(j, "reason", reasons[i]);
		json_kv_uint(j, "packets", 0);
		json_kv_uint(j, "bytes", 0);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "established");
	json_object_begin(j);
	json_kv_uint(j, "packets", 0);
	json_kv_uint(j, "bytes", 0);
	json_object_end(j);
	json_object_end(j);
}

static void fill_explain(struct json *j)
{
	json_object_begin(j);
	json_kv_string(j, "mode", "enforce");
	json_kv_string(j, "proto", "tcp");
	json_kv_string(j, "src", "198.51.100.20");
	json_kv_null(j, "sport");
	json_kv_string(j, "dst", "203.0.113.10");
	json_kv_uint(j, "dport", 5061);
	json_kv_string(j, "verdict", "allow");
	json_key(j, "rule");
	json_object_begin(j);
	json_kv_uint(j, "index", 1);
	json_kv_string(j, "service", "SIP/MTLS");
	json_object_end(j);
	json_object_end(j);
}

/*
 * Random byte strings, weighted towards bytes that make or break UTF-8,
 * as an array of [hex of the input, the string as written].
 */
static void fill_random(struct json *j)
{
	static const unsigned char special[] = {
		0x00, 0x0a, 0x1f, '"', '\\', 0x7f, 0x80, 0x8f, 0x90, 0x9f,
		0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee,
		0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff,
	};
	unsigned char in[16];
	char hex[2 * sizeof(in) + 1];
	unsigned int i, k, len;

	srand(3478);
	json_array_begin(j);
	for (i = 0; i < 20000; i++) {
		len = (unsigned int)rand() % (sizeof(in) + 1);
		for (k = 0; k < len; k++)
			in[k] = rand() % 2 ? special[(size_t)rand() % sizeof(special)]
					   : (unsigned char)rand();
		for (k = 0; k < len; k++)
			snprintf(hex + 2 * k, 3, "%02x", in[k]);
		hex[2 * len] = '\0';
		json_array_begin(j);
		json_string(j, hex);
		json_string_len(j, (const char *)in, len);
		json_array_end(j);
	}
	json_array_end(j);
}

static const char check_random_py[] =
	"import json, sys\n"
	"cases = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	"bad = [c for c in cases if bytes.fromhex(c[0]).decode('utf-8', 'replace') != c[1]]\n"
	"print(len(cases), len(bad), bad[:3])\n"
	"sys.exit(1 if bad or len(cases) != 20000 else 0)\n";

static void test_python(void)
{
	static const struct {
		void (*fill)(struct json *j);
		const char *what;
	} docs[] = {
		{ fill_show, "a show-shaped document" },
		{ fill_explain, "an explain-shaped document" },
	};
	char cmd[512];
	size_t i;
	int ret;

	if (!have_python()) {
		for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
			skip("python3 -m json.tool accepts %s", docs[i].what);
		skip("20000 random byte strings decode as Python's UTF-8 'replace' does");
		return;
	}
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char *name = to_file(docs[i].fill, &ret);

		snprintf(cmd, sizeof(cmd), "python3 -m json.tool %s >/dev/null", name);
		ok(!ret && system(cmd) == 0, "python3 -m json.tool accepts %s",
		   docs[i].what);
		unlink(name);
		free(name);
	}
	{
		char *name = to_file(fill_random, &ret);
		char *script = strdup("/tmp/lyncedge-json-test-py.XXXXXX");
		FILE *f;
		int fd;

		if (!script || (fd = mkstemp(script)) < 0 || !(f = fdopen(fd, "w"))) {
			perror("temporary file");
			exit(1);
		}
		fputs(check_random_py, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "python3 %s %s > %s.out 2>&1", script,
			 name, script);
		ok(!ret && system(cmd) == 0,
		   "20000 random byte strings decode as Python's UTF-8 'replace' does");
		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s.out; rm -f %s.out",
			 script, script);
		fflush(stdout);
		if (system(cmd))
			printf("# could not show python's output\n");
		unlink(script);
		unlink(name);
		free(script);
		free(name);
	}
}

int main(void)
{
	test_scalars();
	test_nesting();
	test_misuse();
	test_strings();
	test_write_error();
	test_python();
	return tap_done();
}
