// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the configuration and prefix-list file parsers
 * ("make fuzz"). Each input is read as both kinds of file. Beyond the
 * sanitizers, it checks what "lyncedge save | lyncedge restore" relies on:
 * an error is one "fuzz:LINE: ..." line; an accepted file writes out in the
 * save format, which parses back to the same configuration and writes out
 * the same again; and its -j form is a complete JSON document.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *open_input(const uint8_t *data, size_t size)
{
	/* fmemopen() of nothing is refused by some C libraries. */
	if (!size)
		return fopen("/dev/null", "r");
	return fmemopen((void *)data, size, "r");
}

static void check_error(const char *err)
{
	if (strncmp(err, "fuzz:", 5) || strchr(err, '\n')) {
		fprintf(stderr, "bad message: \"%s\"\n", err);
		abort();
	}
}

/* c as save would see it live: a mode and a log, whatever the file said. */
static struct conf as_live(const struct conf *c)
{
	struct conf live = *c;	/* shares c's sets: never freed */

	if (live.mode < 0)
		live.mode = LYNCEDGE_MODE_OFF;
	live.log = c->log == 1;
	return live;
}

static char *write_text(const struct conf *c, size_t *len)
{
	struct conf live = as_live(c);
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	if (conf_write(f, &live))
		abort();
	fclose(f);
	return text;
}

static void check_json(const struct conf *c)
{
	struct conf live = as_live(c);
	char *text = NULL;
	struct json j;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	json_init(&j, f);
	if (conf_write_json(&j, &live) || json_finish(&j))
		abort();
	fclose(f);
	free(text);
}

static bool same_sets(const struct conf *a, const struct conf *b)
{
	unsigned int set;

	for (set = 0; set < LYNCEDGE_SET_COUNT; set++)
		if (a->sets[set].n != b->sets[set].n ||
		    (a->sets[set].n &&
		     memcmp(a->sets[set].prefixes, b->sets[set].prefixes,
			    a->sets[set].n * sizeof(struct prefix))))
			return false;
	return true;
}

static void fuzz_conf(const uint8_t *data, size_t size)
{
	char err[CONF_ERRLEN], *first, *second;
	struct conf c, again;
	size_t len, len2;
	FILE *f = open_input(data, size);

	if (!f)
		return;
	if (conf_parse("fuzz", f, &c, err, sizeof(err))) {
		fclose(f);
		check_error(err);
		conf_free(&c);
		return;
	}
	fclose(f);
	check_json(&c);
	first = write_text(&c, &len);
	f = fmemopen(first, len, "r");
	if (!f)
		abort();
	if (conf_parse("fuzz", f, &again, err, sizeof(err))) {
		fprintf(stderr, "save output refused: %s\n%s", err, first);
		abort();
	}
	fclose(f);
	if (!same_sets(&c, &again) || (c.log == 1) != (again.log == 1) ||
	    again.mode != (c.mode >= 0 ? c.mode : LYNCEDGE_MODE_OFF) ||
	    again.profiles != c.profiles)
		abort();
	second = write_text(&again, &len2);
	if (len != len2 || memcmp(first, second, len))
		abort();
	free(first);
	free(second);
	conf_free(&c);
	conf_free(&again);
}

static void fuzz_list(const uint8_t *data, size_t size)
{
	char err[CONF_ERRLEN], buf[PREFIX_STRLEN], perr[PREFIX_ERRLEN];
	struct prefix_list l;
	struct prefix p;
	size_t i;
	FILE *f = open_input(data, size);

	if (!f)
		return;
	if (prefix_list_parse("fuzz", f, &l, err, sizeof(err))) {
		check_error(err);
	} else {
		for (i = 0; i < l.n; i++) {
			prefix_format(&l.prefixes[i], buf, sizeof(buf));
			if (prefix_parse(buf, &p, perr, sizeof(perr)) ||
			    memcmp(&p, &l.prefixes[i], sizeof(p)))
				abort();
		}
	}
	fclose(f);
	prefix_list_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_conf(data, size);
	fuzz_list(data, size);
	return 0;
}
