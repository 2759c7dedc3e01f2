// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of prefix.c and names.c, run by "make check" under ASan and
 * UBSan. Prints TAP.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "prefix.h"
#include "lyncedge.h"
#include "tap.h"


struct good_case {
	const char *in;
	const char *out;	/* prefix_format() of the result */
};

/* Accepted by prefix_parse(). */
static const struct good_case good_prefixes[] = {
	{ "10.0.0.0/8", "10.0.0.0/8" },
	{ "0.0.0.0/0", "0.0.0.0/0" },
	{ "192.0.2.1", "192.0.2.1" },
	{ "192.0.2.1/32", "192.0.2.1" },
	{ "198.51.100.0/24", "198.51.100.0/24" },
	{ "203.0.113.128/25", "203.0.113.128/25" },
	{ "255.255.255.255/32", "255.255.255.255" },
	{ "::/0", "::/0" },
	{ "::", "::" },
	{ "::1", "::1" },
	{ "2001:db8::/32", "2001:db8::/32" },
	{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
	{ "2001:db8::1/128", "2001:db8::1" },
	{ "2001:0db8:0000:0000::/48", "2001:db8::/48" },
	{ "2001:db8:0:1::/64", "2001:db8:0:1::/64" },
	{ "fe80::/10", "fe80::/10" },
	{ "64:ff9b::/96", "64:ff9b::/96" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "::/95", "::/95" },
	{ "10.0.0.0/9", "10.0.0.0/9" },
	{ "1.2.3.4/32", "1.2.3.4" },
	{ "0.0.0.0/32", "0.0.0.0" },
};

struct bad_case {
	const char *in;
	const char *err;	/* the exact message, or a part of it */
	int exact;
};

/* Refused by prefix_parse(). */
static const struct bad_case bad_prefixes[] = {
	{ "10.0.0.1/8", "10.0.0.1/8: host bits set (did you mean 10.0.0.0/8?)", 1 },
	{ "198.51.100.1/24",
	  "198.51.100.1/24: host bits set (did you mean 198.51.100.0/24?)", 1 },
	{ "1.2.3.4/0", "1.2.3.4/0: host bits set (did you mean 0.0.0.0/0?)", 1 },
	{ "11.0.0.0/7", "did you mean 10.0.0.0/7?", 0 },
	{ "2001:db8::1/64", "2001:db8::1/64: host bits set (did you mean 2001:db8::/64?)", 1 },
	{ "::1/0", "(did you mean ::/0?)", 0 },
	{ "::ffff:0:0/80", "(did you mean ::/80?)", 0 },
	{ "2001:db8::/129",
	  "2001:db8::/129: prefix length 129 is out of range for IPv6 (0..128)", 1 },
	{ "1.2.3.4/33", "1.2.3.4/33: prefix length 33 is out of range for IPv4 (0..32)", 1 },
	{ "1.2.3.4/999", "out of range for IPv4", 0 },
	{ "1.2.3.4/1000", "prefix length 1000 is out of range", 0 },
	{ "1.2.3.4/99999999999999999999999", "is out of range for IPv4", 0 },
	{ "1.2.3.4/", "1.2.3.4/: missing prefix length after '/'", 1 },
	{ "1.2.3.4/ 8",
	  "1.2.3.4/ 8: prefix length \" 8\" is not a decimal number 0..32", 1 },
	{ "1.2.3.4/8 ", "is not a decimal number", 0 },
	{ "1.2.3.4/08", "1.2.3.4/08: prefix length \"08\" has a leading zero", 1 },
	{ "1.2.3.4/00", "has a leading zero", 0 },
	{ "10.0.0.0/00", "has a leading zero", 0 },
	{ "1.2.3.4/-1", "prefix length \"-1\" is not a decimal number", 0 },
	{ "1.2.3.4/+8", "prefix length \"+8\" is not a decimal number", 0 },
	{ "1.2.3.4/0x8", "is not a decimal number", 0 },
	{ "1.2.3.4/8/8", "prefix length \"8/8\" is not a decimal number", 0 },
	{ "1.2.3.4/8.0", "is not a decimal number", 0 },
	{ "", "empty prefix", 1 },
	{ "/8", "/8: not an IPv4 or IPv6 prefix", 1 },
	{ "/", "not an IPv4 or IPv6 prefix", 0 },
	{ " 1.2.3.4", "not an IPv4 or IPv6 prefix", 0 },
	{ "1.2.3.4 ", "not an IPv4 or IPv6 prefix", 0 },
	{ "1.2.3", "1.2.3: not an IPv4 or IPv6 prefix", 1 },
	{ "1.2.3.4.5", "not an IPv4 or IPv6 prefix", 0 },
	{ "01.2.3.4", "not an IPv4 or IPv6 prefix", 0 },
	{ "1.2.3.256", "not an IPv4 or IPv6 prefix", 0 },
	{ "0x1.2.3.4", "not an IPv4 or IPv6 prefix", 0 },
	{ "1.2.3.-4", "not an IPv4 or IPv6 prefix", 0 },
	{ "edge", "edge: not an IPv4 or IPv6 prefix", 1 },
	{ "gggg::", "not an IPv4 or IPv6 prefix", 0 },
	{ "1:2:3:4:5:6:7:8:9", "not an IPv4 or IPv6 prefix", 0 },
	{ "2001:db8:::1", "not an IPv4 or IPv6 prefix", 0 },
	{ "[2001:db8::1]", "not an IPv4 or IPv6 prefix", 0 },
	{ "2001:db8::/64x", "is not a decimal number 0..128", 0 },
	{ "fe80::1%eth0", "fe80::1%eth0: scoped addresses (%zone) are not supported", 1 },
	{ "fe80::1%eth0/64", "scoped addresses", 0 },
	{ "fe80::%1/64", "scoped addresses", 0 },
	{ "::ffff:192.0.2.1",
	  "::ffff:192.0.2.1: IPv4-mapped IPv6 prefix, write it as 192.0.2.1 (IPv4 traffic is matched as IPv4)", 1 },
	{ "::ffff:192.0.2.0/120", "write it as 192.0.2.0/24", 0 },
	{ "::ffff:c000:200/120", "write it as 192.0.2.0/24", 0 },
	{ "::ffff:0.0.0.0/96", "write it as 0.0.0.0/0", 0 },
	{ "::ffff:192.0.2.1/120", "host bits set (did you mean ::ffff:192.0.2.0/120?)", 0 },
	{ "1.2.3.4\n", "1.2.3.4?: not an IPv4 or IPv6 prefix", 1 },
	{ "1.2.3.4/8\t", "prefix length \"8?\"", 0 },
};

/* address_parse() */
static const struct good_case good_addresses[] = {
	{ "203.0.113.10", "203.0.113.10" },
	{ "203.0.113.10/32", "203.0.113.10" },
	{ "0.0.0.0", "0.0.0.0" },
	{ "2001:db8::1", "2001:db8::1" },
	{ "2001:DB8::1/128", "2001:db8::1" },
	{ "::", "::" },
};

static const struct bad_case bad_addresses[] = {
	{ "203.0.113.0/24",
	  "203.0.113.0/24: expected a single address, not a prefix", 1 },
	{ "203.0.113.10/31", "expected a single address", 0 },
	{ "0.0.0.0/0", "expected a single address", 0 },
	{ "2001:db8::/64", "expected a single address", 0 },
	{ "203.0.113.10/33", "out of range for IPv4", 0 },
	{ "203.0.113.10/032", "leading zero", 0 },
	{ "2001:db8::1/129", "out of range for IPv6", 0 },
	{ "", "empty address", 1 },
	{ "example.com", "example.com: not an IPv4 or IPv6 address", 1 },
	{ "fe80::1%eth0", "scoped addresses", 0 },
	{ "::ffff:1.2.3.4",
	  "::ffff:1.2.3.4: IPv4-mapped IPv6 address, write it as 1.2.3.4", 0 },
};

static void test_good(const struct good_case *c, size_t n, int address)
{
	char err[PREFIX_ERRLEN], out[PREFIX_STRLEN];
	struct prefix p;
	size_t i;

	for (i = 0; i < n; i++) {
		int ret;

		memset(err, 0, sizeof(err));
		ret = address ? address_parse(c[i].in, &p, err, sizeof(err)) :
				prefix_parse(c[i].in, &p, err, sizeof(err));
		if (ret) {
			ok(0, "%s \"%s\" accepted (got: %s)",
			   address ? "address" : "prefix", c[i].in, err);
			continue;
		}
		prefix_format(&p, out, sizeof(out));
		ok(!strcmp(out, c[i].out), "%s \"%s\" prints as \"%s\" (got \"%s\")",
		   address ? "address" : "prefix", c[i].in, c[i].out, out);
	}
}

static void test_bad(const struct bad_case *c, size_t n, int address)
{
	char err[PREFIX_ERRLEN], echo[ECHO_MAX + 4];
	struct prefix p;
	size_t i;

	for (i = 0; i < n; i++) {
		int ret, match;

		strcpy(err, "(none)");
		ret = address ? address_parse(c[i].in, &p, err, sizeof(err)) :
				prefix_parse(c[i].in, &p, err, sizeof(err));
		match = c[i].exact ? !strcmp(err, c[i].err) :
				     strstr(err, c[i].err) != NULL;
		ok(ret == -1 && match && !strchr(err, '\n'),
		   "%s \"%s\" refused: %s", address ? "address" : "prefix",
		   echo_arg(c[i].in, echo, sizeof(echo)), err);
	}
}

static void test_wire(void)
{
	static const uint8_t v4[4] = { 198, 51, 100, 0 };
	static const uint8_t v4host[4] = { 198, 51, 100, 1 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char out[PREFIX_STRLEN];
	struct prefix p;

	ok(prefix_from_wire(&p, v4, 4, 24) == 0 &&
	   !strcmp(prefix_format(&p, out, sizeof(out)), "198.51.100.0/24"),
	   "wire IPv4 /24 reads back as 198.51.100.0/24");
	ok(prefix_from_wire(&p, v4host, 4, 32) == 0 &&
	   !strcmp(prefix_format(&p, out, sizeof(out)), "198.51.100.1"),
	   "wire IPv4 /32 prints without a suffix");
	ok(prefix_from_wire(&p, v4host, 4, 24) == -1, "wire: host bits refused");
	ok(prefix_from_wire(&p, v4, 4, 33) == -1, "wire: IPv4 /33 refused");
	ok(prefix_from_wire(&p, v4, 3, 8) == -1, "wire: 3-byte address refused");
	ok(prefix_from_wire(&p, v6, 16, 32) == 0 &&
	   !strcmp(prefix_format(&p, out, sizeof(out)), "2001:db8::/32"),
	   "wire IPv6 /32 reads back as 2001:db8::/32");
	ok(prefix_from_wire(&p, v6, 16, 129) == -1, "wire: IPv6 /129 refused");
	ok(prefix_from_wire(&p, v6, 16, 0) == -1, "wire: IPv6 /0 with bits refused");
}

static void test_echo(void)
{
	char big[300], out[ECHO_MAX + 4], tiny[6], err[PREFIX_ERRLEN];
	struct prefix p;

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	echo_arg(big, out, sizeof(out));
	ok(strlen(out) == ECHO_MAX + 3 && !strcmp(out + ECHO_MAX, "..."),
	   "echo_arg cuts long input to %d characters and \"...\"", ECHO_MAX);
	echo_arg("abcdefgh", tiny, sizeof(tiny));
	ok(!strcmp(tiny, "ab..."), "echo_arg respects a small buffer (\"%s\")", tiny);
	echo_arg("a\x01\x7f\xff" "b", out, sizeof(out));
	ok(!strcmp(out, "a???b"), "echo_arg masks control and 8-bit bytes");
	echo_arg("", out, sizeof(out));
	ok(!strcmp(out, ""), "echo_arg of an empty string");

	ok(prefix_parse(big, &p, err, sizeof(err)) == -1 &&
	   strstr(err, "...: not an IPv4 or IPv6 prefix") &&
	   strlen(err) < ECHO_MAX + 64,
	   "a 299-character argument is refused with a short message");
	ok(prefix_parse("1.2.3.4/111111111111111111111111111111111111111111111111111111111111111111111111111111111", &p, err, sizeof(err)) == -1 &&
	   strstr(err, "out of range") && strlen(err) < 2 * ECHO_MAX + 64,
	   "a very long length is refused with a short message");
	ok(prefix_parse("1.2.3.4/9", &p, err, 8) == -1 && strlen(err) == 7,
	   "an error message is cut to the buffer");
}

static void test_names(void)
{
	unsigned int id;
	bool all_named = true;

	ok(set_from_name("edge") == LYNCEDGE_SET_EDGE &&
	   set_from_name("partners") == LYNCEDGE_SET_PARTNERS &&
	   set_from_name("clients") == LYNCEDGE_SET_CLIENTS &&
	   set_from_name("messenger") == LYNCEDGE_SET_MESSENGER &&
	   set_from_name("access") == LYNCEDGE_SET_ACCESS &&
	   set_from_name("webconf") == LYNCEDGE_SET_WEBCONF &&
	   set_from_name("av") == LYNCEDGE_SET_AV,
	   "set names map to the uapi ids");
	ok(set_from_name("Edge") < 0 && set_from_name("") < 0 &&
	   set_from_name("all") < 0 && set_from_name("edges") < 0 &&
	   set_from_name("any") < 0 && set_from_name("a/v") < 0,
	   "set names are exact; \"any\" is not a set");
	ok(!strcmp(set_name(LYNCEDGE_SET_MESSENGER), "messenger") &&
	   !strcmp(set_name(LYNCEDGE_SET_AV), "av") &&
	   !set_name(LYNCEDGE_SET_COUNT) && !set_name(LYNCEDGE_ANY),
	   "set_name of known and unknown ids");
	for (id = 0; id < LYNCEDGE_SET_COUNT; id++)
		all_named = all_named && set_name(id) &&
			    strstr(set_names_hint, set_name(id));
	ok(all_named, "every set has a name, and the hint lists it");
	ok(!strcmp(endpoint_name(LYNCEDGE_ANY), "any") &&
	   !strcmp(endpoint_name(LYNCEDGE_SET_WEBCONF), "webconf") &&
	   !endpoint_name(LYNCEDGE_SET_COUNT),
	   "a row's endpoint: a set, or any");
	ok(profile_from_name("pic") == LYNCEDGE_PROFILE_PIC &&
	   profile_from_name("base") == LYNCEDGE_PROFILE_BASE &&
	   profile_from_name("remote-users") == LYNCEDGE_PROFILE_REMOTE_USERS &&
	   profile_from_name("federation") == LYNCEDGE_PROFILE_FEDERATION &&
	   profile_from_name("xmpp") == LYNCEDGE_PROFILE_XMPP &&
	   profile_from_name("ocs2007") == LYNCEDGE_PROFILE_OCS2007 &&
	   profile_from_name("PIC") < 0 && profile_from_name("all") < 0,
	   "profile names map to the uapi ids, exactly");
	all_named = true;
	for (id = 0; id < LYNCEDGE_PROFILE_COUNT; id++)
		all_named = all_named && profile_name(id) &&
			    profile_description(id) &&
			    strstr(profile_names_hint, profile_name(id));
	ok(all_named && !profile_name(LYNCEDGE_PROFILE_COUNT) &&
	   !profile_description(LYNCEDGE_PROFILE_COUNT),
	   "every profile has a name and a description, and the hint lists it");
	ok(!strcmp(port_match_name(LYNCEDGE_PORT_DST), "dport") &&
	   !strcmp(port_match_name(LYNCEDGE_PORT_DST_OR_SRC), "dport|sport") &&
	   !port_match_name(__LYNCEDGE_PORT_LAST) &&
	   !strcmp(port_matched_name(LYNCEDGE_MATCHED_SPORT), "sport") &&
	   !strcmp(port_matched_name(LYNCEDGE_MATCHED_DPORT), "dport") &&
	   !port_matched_name(2),
	   "port reading names");
	ok(mode_from_name("off") == LYNCEDGE_MODE_OFF &&
	   mode_from_name("monitor") == LYNCEDGE_MODE_MONITOR &&
	   mode_from_name("enforce") == LYNCEDGE_MODE_ENFORCE &&
	   mode_from_name("on") < 0 && !mode_name(LYNCEDGE_MODE_MAX + 1),
	   "mode names");
	ok(!strcmp(deny_name(LYNCEDGE_DENY_NO_RULE), "no-rule") &&
	   !strcmp(deny_name(LYNCEDGE_DENY_INVALID), "invalid") &&
	   !strcmp(deny_name(LYNCEDGE_DENY_MALFORMED), "malformed") &&
	   !deny_name(LYNCEDGE_DENY_COUNT),
	   "deny reason names");
	ok(!strcmp(proto_name(6), "tcp") && !strcmp(proto_name(17), "udp") &&
	   !proto_name(1), "protocol names");
}

/* Random prefixes print and parse back to themselves. */
static void test_roundtrip(void)
{
	char text[PREFIX_STRLEN], err[PREFIX_ERRLEN];
	unsigned int i, bad = 0;

	srand(20130315);
	for (i = 0; i < 100000; i++) {
		struct prefix p = { 0 }, q;
		int v6 = rand() & 1;
		unsigned int max = v6 ? 128 : 32, len = (unsigned int)rand() % (max + 1);
		unsigned int b;

		p.family = v6 ? AF_INET6 : AF_INET;
		p.len = (uint8_t)len;
		for (b = 0; b < max / 8; b++)
			p.addr[b] = (uint8_t)rand();
		/* IPv4-mapped space is refused on purpose; steer clear */
		if (v6 && (rand() & 7) == 0)
			memset(p.addr, 0, 10);
		for (b = 0; b < max; b++)
			if (b >= len)
				p.addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
		if (v6 && len >= 96 && !memcmp(p.addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
			continue;
		prefix_format(&p, text, sizeof(text));
		if (prefix_parse(text, &q, err, sizeof(err)) ||
		    memcmp(&p, &q, sizeof(p))) {
			if (!bad++)
				printf("# %s did not round-trip: %s\n", text, err);
		}
	}
	ok(!bad, "100000 random prefixes round-trip (%u failed)", bad);
}

/* Random junk is refused or accepted, never crashes (ASan watches). */
static void test_junk(void)
{
	static const char alphabet[] = "0123456789abcdefABCDEF:./%-+ x\x01\xff";
	char in[80], err[PREFIX_ERRLEN], out[PREFIX_STRLEN];
	unsigned int i, accepted = 0, inconsistent = 0;

	srand(3478);
	for (i = 0; i < 200000; i++) {
		size_t n = (size_t)rand() % (sizeof(in) - 1), j;
		struct prefix p, q;

		for (j = 0; j < n; j++)
			in[j] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
		in[n] = '\0';
		if (prefix_parse(in, &p, err, sizeof(err)))
			continue;
		accepted++;
		prefix_format(&p, out, sizeof(out));
		if (prefix_parse(out, &q, err, sizeof(err)) ||
		    memcmp(&p, &q, sizeof(p)))
			inconsistent++;
	}
	ok(!inconsistent, "200000 random strings: %u accepted, all print and parse back",
	   accepted);
}

/* Valid prefixes with a byte or two changed: closer to the edge cases. */
static void test_mutations(void)
{
	static const char alphabet[] = "0123456789af:./%- ";
	static const char *const seeds[] = {
		"198.51.100.0/24", "2001:db8::/32", "::/0", "0.0.0.0/0",
		"10.0.0.1", "fe80::1", "::ffff:192.0.2.0/120", "1.2.3.4/32",
		"2001:db8:1:2:3:4:5:6/128", "::1.2.3.4",
	};
	char in[64], err[PREFIX_ERRLEN], out[PREFIX_STRLEN];
	unsigned int i, accepted = 0, inconsistent = 0;

	srand(5061);
	for (i = 0; i < 200000; i++) {
		const char *seed = seeds[(size_t)rand() % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t n = strlen(seed), pos;
		struct prefix p, q;
		int edits = 1 + rand() % 2, e;

		memcpy(in, seed, n + 1);
		for (e = 0; e < edits; e++) {
			pos = (size_t)rand() % (n + 1);
			switch (rand() % 3) {
			case 0: /* replace */
				if (pos < n)
					in[pos] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* delete */
				if (pos < n) {
					memmove(in + pos, in + pos + 1, n - pos);
					n--;
				}
				break;
			default: /* insert */
				if (n + 2 < sizeof(in)) {
					memmove(in + pos + 1, in + pos, n - pos + 1);
					in[pos] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
					n++;
				}
			}
		}
		if (prefix_parse(in, &p, err, sizeof(err)))
			continue;
		accepted++;
		prefix_format(&p, out, sizeof(out));
		if (prefix_parse(out, &q, err, sizeof(err)) ||
		    memcmp(&p, &q, sizeof(p))) {
			if (!inconsistent++)
				printf("# %s -> %s: %s\n", in, out, err);
		}
	}
	ok(!inconsistent, "200000 mutated prefixes: %u accepted, all print and parse back",
	   accepted);
}

int main(void)
{
	test_good(good_prefixes, sizeof(good_prefixes) / sizeof(good_prefixes[0]), 0);
	test_bad(bad_prefixes, sizeof(bad_prefixes) / sizeof(bad_prefixes[0]), 0);
	test_good(good_addresses, sizeof(good_addresses) / sizeof(good_addresses[0]), 1);
	test_bad(bad_addresses, sizeof(bad_addresses) / sizeof(bad_addresses[0]), 1);
	test_wire();
	test_echo();
	test_names();
	test_roundtrip();
	test_junk();
	test_mutations();
	return tap_done();
}
