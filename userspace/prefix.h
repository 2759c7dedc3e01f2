/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing and printing of IPv4/IPv6 prefixes and addresses. Pure functions:
 * no netlink, no global state, so they are unit-tested on the host
 * (prefix_test.c, "make check").
 */
#ifndef LYNCEDGE_PREFIX_H
#define LYNCEDGE_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct prefix {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t len;		/* 0..32 or 0..128 */
	uint8_t addr[16];	/* network order; IPv4 uses the first 4 bytes */
};

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and its NUL */
#define PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

/* Room for any message prefix_parse() or address_parse() writes. */
#define PREFIX_ERRLEN 256

/* Longest echo of user input in a message, before it is cut with "...". */
#define ECHO_MAX 64

/*
 * Parse "ADDR" or "ADDR/LEN" (LEN decimal, no sign, no leading zero, no
 * spaces). Host bits beyond LEN are an error, not masked, and so is an
 * IPv4-mapped IPv6 prefix (::ffff:a.b.c.d/96 and longer), which would never
 * match: IPv4 traffic reaches netfilter as IPv4. On error returns -1 and
 * writes a one-line message, starting with the input, to err.
 */
int prefix_parse(const char *text, struct prefix *p, char *err, size_t errlen);

/*
 * Parse a single address: as prefix_parse(), but the only length accepted
 * is the full one (/32, /128), which may be omitted.
 */
int address_parse(const char *text, struct prefix *p, char *err, size_t errlen);

/*
 * Build a prefix from its wire form (the netlink attributes); returns -1
 * when addr_len is not 4 or 16, len is out of range or host bits are set.
 */
int prefix_from_wire(struct prefix *p, const void *addr, size_t addr_len,
		     unsigned int len);

/* Address length in bytes (4 or 16) and full prefix length (32 or 128). */
size_t prefix_addr_size(const struct prefix *p);
unsigned int prefix_max_len(const struct prefix *p);

/*
 * "addr/len", or just "addr" when the length is full. IPv6 in inet_ntop's
 * canonical form. buf must hold PREFIX_STRLEN bytes; returns buf.
 */
const char *prefix_format(const struct prefix *p, char *buf, size_t size);

/*
 * Copy user input into out for an error message: non-printable bytes
 * become '?', and input longer than ECHO_MAX is cut with "...". Returns out.
 */
const char *echo_arg(const char *in, char *out, size_t size);

#endif /* LYNCEDGE_PREFIX_H */
