/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A streaming JSON writer for "lyncedge -j": compact output straight to a
 * FILE, one document. The writer places the commas and colons and checks
 * the nesting, so callers only say what comes next:
 *
 *	struct json j;
 *
 *	json_init(&j, stdout);
 *	json_object_begin(&j);
 *	json_kv_string(&j, "set", "partners");
 *	json_key(&j, "prefixes");
 *	json_array_begin(&j);
 *	json_string(&j, "198.51.100.0/24");
 *	json_array_end(&j);
 *	json_object_end(&j);
 *	if (json_finish(&j))
 *		...
 *
 * prints {"set":"partners","prefixes":["198.51.100.0/24"]} and a newline.
 *
 * Strings are bytes, written as UTF-8: '"', '\\' and control characters
 * are escaped (the latter as \u00XX), valid UTF-8 sequences pass as they
 * are, and each maximal invalid subsequence becomes \ufffd (the Unicode
 * replacement practice, which Python's "replace" decoder follows too), so
 * the output is valid JSON whatever the input.
 *
 * A call that would make the document invalid (a value where a key is
 * due, a key in an array, an end that closes the wrong thing, a second
 * top-level value, nesting deeper than JSON_MAX_DEPTH) is a bug of the
 * caller: it is ignored, as is everything after it, and json_finish()
 * reports it.
 */
#ifndef LYNCEDGE_JSON_H
#define LYNCEDGE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	unsigned int depth;
	bool is_array[JSON_MAX_DEPTH];	/* per level: array, or object */
	bool first;		/* nothing yet in the innermost container */
	bool key;		/* a key was written, its value is due */
	bool done;		/* the top-level value is complete */
	bool misuse;
	bool write_error;
};

void json_init(struct json *j, FILE *f);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

/* An object member's name; its value is the next call. */
void json_key(struct json *j, const char *key);

/* s NULL writes null. */
void json_string(struct json *j, const char *s);
void json_string_len(struct json *j, const char *s, size_t len);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* json_key() then the value */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_null(struct json *j, const char *key);

/*
 * End the document: print "\n" and flush f, so that a full disk or a
 * closed pipe shows here. Returns 0; -EIO when a write to f failed; else
 * -EINVAL when the document is incomplete (nothing written, a container
 * left open) or a call was refused.
 */
int json_finish(struct json *j);

#endif /* LYNCEDGE_JSON_H */
