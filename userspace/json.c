// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void put(struct json *j, const void *s, size_t len)
{
	if (len && fwrite(s, 1, len, j->f) != len)
		j->write_error = true;
}

static void puts_json(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

static bool refuse(struct json *j)
{
	j->misuse = true;
	return false;
}

/* Before any value: the comma, and whether a value may come here at all. */
static bool value_begin(struct json *j)
{
	if (j->misuse || j->done)
		return refuse(j);
	if (!j->depth)
		return true;
	if (!j->is_array[j->depth - 1]) {
		if (!j->key)
			return refuse(j);
		j->key = false;
		return true;
	}
	if (!j->first)
		put(j, ",", 1);
	j->first = false;
	return true;
}

static void value_end(struct json *j)
{
	if (!j->depth)
		j->done = true;
}

static void begin(struct json *j, bool array)
{
	if (!value_begin(j))
		return;
	if (j->depth == JSON_MAX_DEPTH) {
		refuse(j);
		return;
	}
	j->is_array[j->depth++] = array;
	j->first = true;
	put(j, array ? "[" : "{", 1);
}

static void end(struct json *j, bool array)
{
	if (j->misuse || !j->depth || j->is_array[j->depth - 1] != array ||
	    j->key) {
		refuse(j);
		return;
	}
	j->depth--;
	/* The parent, if any, already holds this value: no longer first. */
	j->first = false;
	put(j, array ? "]" : "}", 1);
	value_end(j);
}

void json_object_begin(struct json *j)
{
	begin(j, false);
}

void json_object_end(struct json *j)
{
	end(j, false);
}

void json_array_begin(struct json *j)
{
	begin(j, true);
}

void json_array_end(struct json *j)
{
	end(j, true);
}

/*
 * Length of the valid UTF-8 sequence at s (2..4), or, when there is none,
 * of its maximal invalid subpart (1..3): the lead byte and the continuation
 * bytes that could still have made it valid. Surrogates, overlong forms and
 * code points beyond U+10FFFF are invalid (RFC 3629).
 */
static size_t utf8_seq(const unsigned char *s, size_t len, bool *valid)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*valid = false;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*valid = false;
			return i;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	*valid = true;
	return need + 1;
}

static void put_string(struct json *j, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;
	char esc[8];

	put(j, "\"", 1);
	while (i < len) {
		unsigned char c = s[i];
		size_t n = 1;
		bool valid = true;

		if (c >= 0x80)
			n = utf8_seq(s + i, len - i, &valid);
		if (valid && c >= 0x20 && c != '"' && c != '\\') {
			i += n;
			continue;
		}
		/* Write the plain run before this byte in one go. */
		put(j, s + run, i - run);
		if (!valid) {
			put(j, "\\ufffd", 6);
		} else if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(j, esc, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(j, esc, 6);
		}
		i += n;
		run = i;
	}
	put(j, s + run, i - run);
	put(j, "\"", 1);
}

void json_key(struct json *j, const char *key)
{
	if (j->misuse || !j->depth || j->is_array[j->depth - 1] || j->key) {
		refuse(j);
		return;
	}
	if (!j->first)
		put(j, ",", 1);
	j->first = false;
	put_string(j, key, strlen(key));
	put(j, ":", 1);
	j->key = true;
}

void json_string_len(struct json *j, const char *s, size_t len)
{
	if (!value_begin(j))
		return;
	put_string(j, s, len);
	value_end(j);
}

void json_string(struct json *j, const char *s)
{
	if (!s)
		json_null(j);
	else
		json_string_len(j, s, strlen(s));
}

void json_uint(struct json *j, uint64_t v)
{
	char buf[24];

	if (!value_begin(j))
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	puts_json(j, buf);
	value_end(j);
}

void json_int(struct json *j, int64_t v)
{
	char buf[24];

	if (!value_begin(j))
		return;
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	puts_json(j, buf);
	value_end(j);
}

void json_bool(struct json *j, bool v)
{
	if (!value_begin(j))
		return;
	puts_json(j, v ? "true" : "false");
	value_end(j);
}

void json_null(struct json *j)
{
	if (!value_begin(j))
		return;
	puts_json(j, "null");
	value_end(j);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

void json_kv_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_null(j);
}

int json_finish(struct json *j)
{
	put(j, "\n", 1);
	if (fflush(j->f) || ferror(j->f))
		j->write_error = true;
	if (j->write_error)
		return -EIO;
	if (j->misuse || !j->done)
		return -EINVAL;
	return 0;
}
