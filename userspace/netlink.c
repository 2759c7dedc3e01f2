// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include "netlink.h"
#include "lyncedge.h"

/*
 * A dump skb is at most 32 KiB (the kernel sizes it from our buffer, capped
 * there); a bigger buffer only makes sure nothing is ever truncated.
 */
#define NL_RX_SIZE 65536

__attribute__((format(printf, 3, 4)))
static int local_error(struct nl_error *err, int error, const char *fmt, ...)
{
	va_list ap;

	err->error = error ? error : EIO;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int extack_cb(const struct nlattr *attr, void *data)
{
	struct nl_error *err = data;
	size_t i;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			break;
		snprintf(err->msg, sizeof(err->msg), "%s",
			 mnl_attr_get_str(attr));
		/* one line, whatever the kernel wrote */
		for (i = 0; err->msg[i]; i++)
			if ((unsigned char)err->msg[i] < 0x20)
				err->msg[i] = ' ';
		break;
	case NLMSGERR_ATTR_OFFS:
		if (nl_attr_u32(attr, &err->offset))
			err->has_offset = true;
		break;
	case NLMSGERR_ATTR_COOKIE:
		if (mnl_attr_get_payload_len(attr) > sizeof(err->cookie))
			break;
		err->cookie_len = (uint8_t)mnl_attr_get_payload_len(attr);
		memcpy(err->cookie, mnl_attr_get_payload(attr), err->cookie_len);
		break;
	}
	return MNL_CB_OK;
}

static void parse_extack(const struct nlmsghdr *nlh, size_t offset,
			 struct nl_error *err)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	offset = MNL_ALIGN(offset);
	if (offset >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, (unsigned int)offset, extack_cb, err);
}

/*
 * The errno of an error field, which the kernel fills with -errno; INT_MIN
 * has no negation, and is no errno anyway.
 */
static int reply_errno(int error)
{
	if (error == INT_MIN)
		return EPROTO;
	return error < 0 ? -error : error;
}

/* NLMSG_ERROR: an ACK when error is 0. */
static void parse_error(const struct nlmsghdr *nlh, struct nl_error *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		local_error(err, EBADMSG, "truncated error message from the kernel");
		return;
	}
	/* without NETLINK_CAP_ACK the request's payload comes back too */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > sizeof(struct nlmsghdr))
		offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	parse_extack(nlh, offset, err);
	err->error = reply_errno(e->error);
	/* A success with a message: the message is a warning, kept for the
	 * caller; an offset means nothing then. */
	if (!err->error)
		err->has_offset = false;
}

/* NLMSG_DONE of a dump: an int error, then maybe extack TLVs. */
static void parse_done(const struct nlmsghdr *nlh, struct nl_error *err)
{
	int error;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(error))
		return;
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	parse_extack(nlh, sizeof(error), err);
	if (error < 0) {
		err->error = reply_errno(error);
	} else {
		err->msg[0] = '\0';
		err->has_offset = false;
	}
}

/*
 * mnl_nlmsg_ok() compares nlmsg_len to len as an int: a length of 2 GiB or
 * more passes it, and mnl_nlmsg_next() then jumps out of the buffer. The
 * kernel sends no such message, but any local process can send to our
 * port id.
 */
static bool reply_ok(const struct nlmsghdr *nlh, int len)
{
	return mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= (unsigned int)len;
}

/*
 * Send req and read until its end: the ACK or error of a doit request
 * (NLM_F_ACK is added), NLMSG_DONE or an error for a dump. Replies of
 * message type `type` go to cb; once cb fails the rest is still read, so
 * the socket is left clean.
 */
static int talk(struct nl *nl, struct nlmsghdr *req, uint16_t type,
		nl_reply_cb cb, void *data, struct nl_error *err)
{
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	bool bad_reply = false;
	unsigned int seq;

	memset(err, 0, sizeof(*err));
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	seq = req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return local_error(err, errno, "cannot send to the kernel");

	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		n = mnl_socket_recvfrom(nl->sock, nl->rx, NL_RX_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return local_error(err, errno,
					   "cannot receive from the kernel");
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)nl->rx; reply_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq ||
			    !mnl_nlmsg_portid_ok(nlh, nl->portid))
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				err->dump_intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				continue;
			case NLMSG_ERROR:
				parse_error(nlh, err);
				goto done;
			case NLMSG_DONE:
				if (!dump)
					continue;
				parse_done(nlh, err);
				goto done;
			default:
				if (nlh->nlmsg_type != type || bad_reply)
					continue;
				if (cb && cb(nlh, data) < 0)
					bad_reply = true;
			}
		}
	}
done:
	if (err->error)
		return -1;
	if (bad_reply)
		return local_error(err, EPROTO, "malformed reply from the kernel");
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *nl = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    !nl_attr_u16(attr, &nl->family))
			return -1;
	return 0;
}

static int resolve_family(struct nl *nl, struct nl_error *err)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->tx);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, LYNCEDGE_GENL_NAME);

	if (talk(nl, nlh, GENL_ID_CTRL, family_cb, nl, err)) {
		if (err->error == ENOENT)
			err->no_family = true;
		return -1;
	}
	if (!nl->family)
		return local_error(err, EPROTO,
				   "the kernel's reply names no family id");
	return 0;
}

int nl_open(struct nl *nl, struct nl_error *err)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	memset(err, 0, sizeof(*err));
	nl->tx = malloc(NL_TX_SIZE);
	nl->rx = malloc(NL_RX_SIZE);
	if (!nl->tx || !nl->rx) {
		local_error(err, ENOMEM, "out of memory");
		goto fail;
	}
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		local_error(err, errno, "cannot open a generic netlink socket");
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		local_error(err, errno, "cannot bind the netlink socket");
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Kernels before 4.12 lack these; their errors just carry no text. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (resolve_family(nl, err))
		goto fail;
	return 0;
fail:
	nl_close(nl);
	return -1;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->tx);
	free(nl->rx);
	memset(nl, 0, sizeof(*nl));
}

struct nlmsghdr *nl_start(struct nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->tx);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = LYNCEDGE_GENL_VERSION;
	return nlh;
}

int nl_request(struct nl *nl, struct nlmsghdr *req, nl_reply_cb cb,
	       void *data, struct nl_error *err)
{
	req->nlmsg_flags &= (uint16_t)~NLM_F_DUMP;
	return talk(nl, req, nl->family, cb, data, err);
}

int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_reply_cb cb,
	    nl_reset_cb reset, void *data, struct nl_error *err)
{
	unsigned int attempt;

	req->nlmsg_flags |= NLM_F_DUMP;
	for (attempt = 0; attempt <= NL_DUMP_RETRIES; attempt++) {
		if (attempt && reset)
			reset(data);
		if (talk(nl, req, nl->family, cb, data, err))
			return -1;
		if (!err->dump_intr)
			return 0;
	}
	local_error(err, EAGAIN,
		    "the dump raced with updates %u times in a row",
		    NL_DUMP_RETRIES + 1);
	err->dump_intr = true;
	return -1;
}

bool nl_attr_u8(const struct nlattr *attr, uint8_t *v)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
		return false;
	*v = mnl_attr_get_u8(attr);
	return true;
}

bool nl_attr_u16(const struct nlattr *attr, uint16_t *v)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
		return false;
	*v = mnl_attr_get_u16(attr);
	return true;
}

bool nl_attr_u32(const struct nlattr *attr, uint32_t *v)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(attr);
	return true;
}

bool nl_attr_u64(const struct nlattr *attr, uint64_t *v)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return false;
	*v = mnl_attr_get_u64(attr);
	return true;
}

const char *nl_attr_str(const struct nlattr *attr)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(attr);
}

void nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
		     unsigned int max)
{
	const struct nlattr *attr;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each_nested(attr, nest) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type <= max)
			tb[type] = attr;
	}
}
