// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "prefix.h"

/* echo_arg() output: ECHO_MAX characters, "..." and the NUL */
#define ECHO_SIZE (ECHO_MAX + 4)

size_t prefix_addr_size(const struct prefix *p)
{
	return p->family == AF_INET ? 4 : 16;
}

unsigned int prefix_max_len(const struct prefix *p)
{
	return p->family == AF_INET ? 32 : 128;
}

const char *echo_arg(const char *in, char *out, size_t size)
{
	size_t len = strlen(in), room, keep, i;
	bool cut = false;

	if (!size)
		return out;
	room = size - 1;
	keep = len;
	if (keep > ECHO_MAX) {
		keep = ECHO_MAX;
		cut = true;
	}
	if (keep + (cut ? 3 : 0) > room) {
		cut = true;
		keep = room >= 3 ? room - 3 : 0;
	}
	for (i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (cut && room >= keep + 3) {
		memcpy(out + keep, "...", 3);
		keep += 3;
	}
	out[keep] = '\0';
	return out;
}

static void clear_host_bits(struct prefix *p)
{
	size_t size = prefix_addr_size(p), i;

	for (i = 0; i < size; i++) {
		unsigned int bit = (unsigned int)i * 8;

		if (bit >= p->len)
			p->addr[i] = 0;
		else if (p->len - bit < 8)
			p->addr[i] &= (uint8_t)(0xff << (8 - (p->len - bit)));
	}
}

static bool host_bits_set(const struct prefix *p)
{
	struct prefix masked = *p;

	clear_host_bits(&masked);
	return memcmp(masked.addr, p->addr, sizeof(p->addr)) != 0;
}

static bool is_v4_mapped(const struct prefix *p)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return p->family == AF_INET6 && p->len >= 96 &&
	       memcmp(p->addr, mapped, sizeof(mapped)) == 0;
}

int prefix_from_wire(struct prefix *p, const void *addr, size_t addr_len,
		     unsigned int len)
{
	memset(p, 0, sizeof(*p));
	if (addr_len == 4)
		p->family = AF_INET;
	else if (addr_len == 16)
		p->family = AF_INET6;
	else
		return -1;
	if (len > prefix_max_len(p))
		return -1;
	memcpy(p->addr, addr, addr_len);
	p->len = (uint8_t)len;
	return host_bits_set(p) ? -1 : 0;
}

const char *prefix_format(const struct prefix *p, char *buf, size_t size)
{
	size_t used;

	if (!inet_ntop(p->family, p->addr, buf, (socklen_t)size)) {
		snprintf(buf, size, "?");
		return buf;
	}
	used = strlen(buf);
	if (p->len != prefix_max_len(p))
		snprintf(buf + used, size - used, "/%u", p->len);
	return buf;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Decimal, 0..max, no sign, no spaces, no leading zero (is "010" ten, or
 * eight as inet_aton would read it?). Returns 0, or -1 with a message.
 */
static int parse_len(const char *s, const char *in, unsigned int max,
		     unsigned int *len, char *err, size_t errlen)
{
	char lenecho[ECHO_SIZE];
	unsigned int v = 0;
	size_t i, n = strlen(s);

	if (!n)
		return fail(err, errlen, "%s: missing prefix length after '/'", in);
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return fail(err, errlen,
				    "%s: prefix length \"%s\" is not a decimal number 0..%u",
				    in, echo_arg(s, lenecho, sizeof(lenecho)), max);
	if (n > 1 && s[0] == '0')
		return fail(err, errlen,
			    "%s: prefix length \"%s\" has a leading zero", in,
			    echo_arg(s, lenecho, sizeof(lenecho)));
	if (n > 3)
		v = max + 1;
	else
		for (i = 0; i < n; i++)
			v = v * 10 + (unsigned int)(s[i] - '0');
	if (v > max)
		return fail(err, errlen,
			    "%s: prefix length %s is out of range for %s (0..%u)",
			    in, echo_arg(s, lenecho, sizeof(lenecho)),
			    max == 32 ? "IPv4" : "IPv6", max);
	*len = v;
	return 0;
}

static int parse(const char *text, struct prefix *p, bool address_only,
		 char *err, size_t errlen)
{
	const char *what = address_only ? "address" : "prefix";
	char in[ECHO_SIZE], buf[INET6_ADDRSTRLEN], hint[PREFIX_STRLEN];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned int len;

	memset(p, 0, sizeof(*p));
	echo_arg(text, in, sizeof(in));
	if (!*text)
		return fail(err, errlen, "empty %s", what);
	if (memchr(text, '%', alen))
		return fail(err, errlen,
			    "%s: scoped addresses (%%zone) are not supported", in);
	if (!alen || alen >= sizeof(buf))
		return fail(err, errlen, "%s: not an IPv4 or IPv6 %s", in, what);
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6;
	else
		return fail(err, errlen, "%s: not an IPv4 or IPv6 %s", in, what);

	len = prefix_max_len(p);
	if (slash && parse_len(slash + 1, in, prefix_max_len(p), &len,
			       err, errlen))
		return -1;
	if (address_only && len != prefix_max_len(p))
		return fail(err, errlen,
			    "%s: expected a single address, not a prefix", in);
	p->len = (uint8_t)len;

	if (host_bits_set(p)) {
		struct prefix masked = *p;

		clear_host_bits(&masked);
		return fail(err, errlen, "%s: host bits set (did you mean %s?)",
			    in, prefix_format(&masked, hint, sizeof(hint)));
	}
	if (is_v4_mapped(p)) {
		struct prefix v4 = { .family = AF_INET,
				     .len = (uint8_t)(p->len - 96) };

		memcpy(v4.addr, p->addr + 12, 4);
		return fail(err, errlen,
			    "%s: IPv4-mapped IPv6 %s, write it as %s (IPv4 traffic is matched as IPv4)",
			    in, what, prefix_format(&v4, hint, sizeof(hint)));
	}
	return 0;
}

int prefix_parse(const char *text, struct prefix *p, char *err, size_t errlen)
{
	return parse(text, p, false, err, errlen);
}

int address_parse(const char *text, struct prefix *p, char *err, size_t errlen)
{
	return parse(text, p, true, err, errlen);
}
