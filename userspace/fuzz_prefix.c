// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the prefix parser (prefix.c), what every PREFIX
 * and ADDRESS of the command line and of the files goes through. An
 * input is the text. Beyond the sanitizers, it checks what prefix.h
 * promises and the commands rely on:
 *   - an accepted prefix is well formed: a length within its family's, no
 *     host bits, not IPv4-mapped; it prints as text that parses back to
 *     the same prefix, and its wire form (prefix_from_wire()) is the same
 *     prefix too;
 *   - address_parse() accepts exactly the prefixes of full length;
 *   - a refusal writes a message of one line, of printable ASCII, that
 *     fits the buffer whatever its size (a message names the input, so it
 *     must not carry the input's control bytes to the terminal), and the
 *     size of the buffer changes nothing but the message;
 *   - echo_arg() keeps to its buffer and writes printable ASCII only.
 * The buffers are allocated at their exact size, so that ASan sees any
 * write past them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text)
{
	char echo[ECHO_MAX + 4];

	fprintf(stderr, "fuzz_prefix: %s: \"%s\"\n", what,
		echo_arg(text, echo, sizeof(echo)));
	abort();
}

static bool printable_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void check_refusal(const char *text, const char *err, size_t errlen)
{
	size_t len = strnlen(err, errlen);

	if (len == errlen)
		fail("the message is not terminated within its buffer", text);
	if (!len && errlen > 1)
		fail("a refusal without a message", text);
	if (!printable_line(err))
		fail("the message is not one line of printable ASCII", text);
}

static void check_accepted(const char *text, const struct prefix *p)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char buf[PREFIX_STRLEN], err[PREFIX_ERRLEN];
	struct prefix again, wire;

	if ((p->family != AF_INET && p->family != AF_INET6) ||
	    p->len > prefix_max_len(p))
		fail("accepted with a bad family or length", text);
	if (p->family == AF_INET6 && p->len >= 96 &&
	    !memcmp(p->addr, mapped, sizeof(mapped)))
		fail("accepted an IPv4-mapped prefix", text);
	if (prefix_from_wire(&wire, p->addr, prefix_addr_size(p), p->len) ||
	    memcmp(&wire, p, sizeof(wire)))
		fail("its wire form is refused or differs (host bits?)", text);
	prefix_format(p, buf, sizeof(buf));
	if (prefix_parse(buf, &again, err, sizeof(err)) ||
	    memcmp(&again, p, sizeof(again)))
		fail("printed, it does not parse back to the same prefix", text);
}

/* Both parsers on text, messages in a buffer of errlen bytes. */
static void parse_both(const char *text, size_t errlen,
		       struct prefix *as_prefix, int *prefix_ret,
		       struct prefix *as_address, int *address_ret)
{
	char *err = malloc(errlen);

	if (!err)
		abort();
	*prefix_ret = prefix_parse(text, as_prefix, err, errlen);
	if (*prefix_ret)
		check_refusal(text, err, errlen);
	else
		check_accepted(text, as_prefix);
	*address_ret = address_parse(text, as_address, err, errlen);
	if (*address_ret)
		check_refusal(text, err, errlen);
	else
		check_accepted(text, as_address);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prefix as_prefix, as_address, small_prefix, small_address;
	int prefix_ret, address_ret, small_prefix_ret, small_address_ret;
	/* Besides the CLI's size, one that cuts most messages short. */
	size_t small_errlen = 1 + size % 48, echolen = 1 + size % (ECHO_MAX + 8);
	char *text = malloc(size + 1), *echo = malloc(echolen);

	if (!text || !echo)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	parse_both(text, PREFIX_ERRLEN, &as_prefix, &prefix_ret, &as_address,
		   &address_ret);
	parse_both(text, small_errlen, &small_prefix, &small_prefix_ret,
		   &small_address, &small_address_ret);
	if (prefix_ret != small_prefix_ret || address_ret != small_address_ret ||
	    (!prefix_ret && memcmp(&as_prefix, &small_prefix, sizeof(as_prefix))) ||
	    (!address_ret && memcmp(&as_address, &small_address, sizeof(as_address))))
		fail("the size of the message buffer changes the result", text);
	if (!address_ret &&
	    (prefix_ret || memcmp(&as_address, &as_prefix, sizeof(as_prefix))))
		fail("an address that is not the same prefix", text);
	if (!prefix_ret && address_ret !=
	    (as_prefix.len == prefix_max_len(&as_prefix) ? 0 : -1))
		fail("address_parse() disagrees on a prefix of full length (or not)",
		     text);

	echo_arg(text, echo, echolen);
	if (strnlen(echo, echolen) == echolen || !printable_line(echo))
		fail("echo_arg() overflows or lets a control byte through", text);

	free(text);
	free(echo);
	return 0;
}
