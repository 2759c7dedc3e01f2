/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink transport for the lyncedge family: the socket, family
 * resolution, request/ACK with extended ACK, and the dump loop. Nothing
 * here prints: errors, and the kernel's warnings, come back in struct
 * nl_error for the caller to report.
 */
#ifndef LYNCEDGE_NETLINK_H
#define LYNCEDGE_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* Requests are built in a buffer of this size (see nl_start()). */
#define NL_TX_SIZE 65536

/* Dumps whose every attempt raced with an update give up after this. */
#define NL_DUMP_RETRIES 10

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;	/* generic netlink id of LYNCEDGE_GENL_NAME */
	char *tx;
	char *rx;
};

struct nl_error {
	int error;		/* positive errno; 0 when there is none */
	bool no_family;		/* the family is not registered */
	bool dump_intr;		/* every dump attempt was interrupted */
	bool has_offset;	/* offset is set */
	uint32_t offset;	/* of the attribute the kernel rejected */
	uint8_t cookie_len;	/* bytes of cookie the kernel sent, or 0 */
	uint8_t cookie[20];	/* NLMSGERR_ATTR_COOKIE: details of a refusal */
	char msg[256];		/* the kernel's extack message, or ours; on
				 * success, a warning of the kernel's */
};

/* Called for each reply message of the family; returns 0, or -1 when the
 * message is malformed (the request then fails with EPROTO). */
typedef int (*nl_reply_cb)(const struct nlmsghdr *nlh, void *data);

/* Called before a dump is restarted, to drop what the last attempt got. */
typedef void (*nl_reset_cb)(void *data);

/* Open a socket with NETLINK_EXT_ACK/NETLINK_CAP_ACK and resolve the
 * family. On failure the socket is closed and err says why. */
int nl_open(struct nl *nl, struct nl_error *err);
void nl_close(struct nl *nl);

/* Start a request of the family in nl->tx (NL_TX_SIZE bytes): netlink and
 * genetlink headers; NLM_F_REQUEST is added to flags. */
struct nlmsghdr *nl_start(struct nl *nl, uint8_t cmd, uint16_t flags);

/* Send a doit request with NLM_F_ACK, pass each reply to cb (may be NULL)
 * and wait for the ACK. Returns 0 (err->msg is then a warning, or empty),
 * or -1 with err filled. */
int nl_request(struct nl *nl, struct nlmsghdr *req, nl_reply_cb cb,
	       void *data, struct nl_error *err);

/* Send a dump request and pass each reply to cb until NLMSG_DONE. A dump
 * flagged NLM_F_DUMP_INTR is read to its end, then reset is called and the
 * dump restarted, at most NL_DUMP_RETRIES times. Returns 0 or -1. */
int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_reply_cb cb,
	    nl_reset_cb reset, void *data, struct nl_error *err);

/* Attribute getters that check the payload length first; false when the
 * attribute is NULL or of the wrong size. */
bool nl_attr_u8(const struct nlattr *attr, uint8_t *v);
bool nl_attr_u16(const struct nlattr *attr, uint16_t *v);
bool nl_attr_u32(const struct nlattr *attr, uint32_t *v);
bool nl_attr_u64(const struct nlattr *attr, uint64_t *v);
/* NULL unless NUL-terminated */
const char *nl_attr_str(const struct nlattr *attr);

/* Fill tb[0..max] with the attributes of a nest; unknown types (above max)
 * are skipped so that newer kernels can add attributes. */
void nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
		     unsigned int max);

#endif /* LYNCEDGE_NETLINK_H */
