// SPDX-License-Identifier: GPL-2.0
/*
 * portid_reuse MODULE PREFIXES: a transaction belongs to the socket that
 * opened it, not to its portid.
 *
 * netlink_release() frees a closing socket's portid before it sends
 * NETLINK_URELEASE, and the notifier chain can be slow to run: another
 * socket may bind the same portid in between. Keyed by portid, that
 * socket would commit the dead socket's transaction, and the late release
 * would then end the new socket's own one.
 *
 * The window is held open on purpose, in the current network namespace
 * (a fresh one; run as root):
 *   - H stages PREFIXES prefixes and commits them: the commit holds the
 *     namespace's configuration lock for seconds;
 *   - C closes: its release waits on that lock inside the notifier
 *     chain, which it holds for reading;
 *   - "modprobe MODULE" (a module, not loaded, that registers a netlink
 *     notifier) then waits to write the chain, and so holds back every
 *     later reader;
 *   - A, which staged LOG=1 in its transaction, closes: its portid is
 *     free, its release is stuck behind modprobe;
 *   - B binds A's portid and asks to commit without a transaction of its
 *     own (must get ENOENT), then opens one, stages a mode, waits until
 *     A's release has run, and commits (must apply B's mode, not A's log).
 *
 * Prints TAP. Exit 0 when both checks pass, 1 when one fails, 4 (skip)
 * when the window could not be opened (H's commit ended too soon).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "lyncedge.h"

#define KSFT_SKIP	4
/* Prefixes per ADD_PREFIXES message: well inside a 64 KiB message. */
#define BATCH		3000
/* An arbitrary fixed portid, so that B can ask for A's. */
#define A_PORTID	0x7e57ab1eu

static uint16_t family;
static uint32_t next_seq = 1;

struct msg {
	uint8_t buf[65536];
	size_t len;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A generic netlink socket bound to portid (0: let the kernel choose). */
static int open_socket(uint32_t portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = portid };
	int fd, one = 1, big = 8 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void msg_start(struct msg *m, uint16_t type, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *genl = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = next_seq++;
	genl->cmd = cmd;
	genl->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

static size_t msg_put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + m->len);
	size_t at = m->len;

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(NLA_HDRLEN + len);
	return at;
}

static void msg_end_nest(struct msg *m, size_t at)
{
	((struct nlattr *)(m->buf + at))->nla_len = m->len - at;
}

static void msg_put_u8(struct msg *m, uint16_t type, uint8_t v)
{
	msg_put(m, type, &v, 1);
}

/*
 * Send m and read up to its ack; returns the ack's error. The attributes of
 * a data reply, if any, go to reply (reply_len bytes at most).
 */
static int transfer(int fd, struct msg *m, uint8_t *reply, size_t *reply_len)
{
	/*
	 * Not static: H's commit waits in here on its own thread while the
	 * main thread talks for B. Sharing one buffer, B's replies could
	 * overwrite H's ack before H read it, and H waited for ever.
	 */
	uint8_t rx[1 << 16];
	struct nlmsghdr *nlh;
	int n, rem;

	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
	if (send(fd, m->buf, m->len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, rx, sizeof(rx), 0);
		if (n < 0)
			return -errno;
		rem = n;
		for (nlh = (struct nlmsghdr *)rx; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			size_t len = nlh->nlmsg_len - NLMSG_HDRLEN;

			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (!reply || len < GENL_HDRLEN)
				continue;
			len -= GENL_HDRLEN;
			if (len > *reply_len)
				len = *reply_len;
			memcpy(reply, (uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN, len);
			*reply_len = len;
		}
	}
}

/* The u8 attribute type of a reply's attributes, or -1. */
static int reply_u8(const uint8_t *attrs, size_t len, uint16_t type)
{
	const struct nlattr *nla = (const struct nlattr *)attrs;
	int rem = len;

	while (rem >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN && nla->nla_len <= rem) {
		if ((nla->nla_type & NLA_TYPE_MASK) == type)
			return *((const uint8_t *)nla + NLA_HDRLEN);
		rem -= NLA_ALIGN(nla->nla_len);
		nla = (const struct nlattr *)((const uint8_t *)nla + NLA_ALIGN(nla->nla_len));
	}
	return -1;
}

static void resolve_family(void)
{
	uint8_t reply[8192];
	size_t len = sizeof(reply);
	const struct nlattr *nla = (const struct nlattr *)reply;
	struct msg m;
	int fd = open_socket(0), rem;

	msg_start(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	msg_put(&m, CTRL_ATTR_FAMILY_NAME, LYNCEDGE_GENL_NAME,
		sizeof(LYNCEDGE_GENL_NAME));
	errno = -transfer(fd, &m, reply, &len);
	if (errno)
		die("resolving the lyncedge family");
	for (rem = len; rem >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	     nla->nla_len <= rem; rem -= NLA_ALIGN(nla->nla_len),
	     nla = (const struct nlattr *)((const uint8_t *)nla + NLA_ALIGN(nla->nla_len)))
		if (nla->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&family, (const uint8_t *)nla + NLA_HDRLEN, 2);
	close(fd);
}

/* The configuration's u8 attribute type (LOG, MODE), or -1. */
static int config_u8(int fd, uint16_t type)
{
	static uint8_t reply[65536];
	size_t len = sizeof(reply);
	struct msg m;

	msg_start(&m, family, LYNCEDGE_CMD_GET_CONFIG, LYNCEDGE_GENL_VERSION);
	if (transfer(fd, &m, reply, &len))
		return -1;
	return reply_u8(reply, len, type);
}

static int command(int fd, uint8_t cmd)
{
	struct msg m;

	msg_start(&m, family, cmd, LYNCEDGE_GENL_VERSION);
	return transfer(fd, &m, NULL, NULL);
}

/* CONFIGURE one u8 attribute, staged in the socket's transaction. */
static int stage_u8(int fd, uint16_t type, uint8_t value)
{
	struct msg m;

	msg_start(&m, family, LYNCEDGE_CMD_CONFIGURE, LYNCEDGE_GENL_VERSION);
	msg_put_u8(&m, type, value);
	msg_put(&m, LYNCEDGE_A_TXN, NULL, 0);
	return transfer(fd, &m, NULL, NULL);
}

/* Stage n distinct IPv4 prefixes, half into partners, half into clients. */
static int stage_prefixes(int fd, unsigned int n)
{
	unsigned int i, k;
	struct msg m;
	int err;

	for (i = 0; i < n; i += BATCH) {
		size_t nest;

		msg_start(&m, family, LYNCEDGE_CMD_ADD_PREFIXES, LYNCEDGE_GENL_VERSION);
		msg_put_u8(&m, LYNCEDGE_A_SET, i < n / 2 ? LYNCEDGE_SET_PARTNERS :
			   LYNCEDGE_SET_CLIENTS);
		msg_put(&m, LYNCEDGE_A_TXN, NULL, 0);
		nest = msg_put(&m, LYNCEDGE_A_PREFIXES | NLA_F_NESTED, NULL, 0);
		for (k = 0; k < BATCH && i + k < n; k++) {
			uint32_t addr = htonl(0x0a000000u + (i + k) * 4);
			size_t p = msg_put(&m, LYNCEDGE_PREFIXES_A_PREFIX | NLA_F_NESTED,
					   NULL, 0);

			msg_put(&m, LYNCEDGE_PREFIX_A_ADDR4, &addr, 4);
			msg_end_nest(&m, p);
		}
		msg_end_nest(&m, nest);
		err = transfer(fd, &m, NULL, NULL);
		if (err)
			return err;
	}
	return 0;
}

static int sock_h, sock_c, sock_a;
static volatile double h_started, h_ended;
static volatile bool a_released;

static void *commit_big(void *arg)
{
	int err;

	(void)arg;
	h_started = now();
	err = command(sock_h, LYNCEDGE_CMD_TXN_COMMIT);
	h_ended = now();
	printf("# H: commit of the big transaction: %s after %.1f s\n",
	       err ? strerror(-err) : "done", h_ended - h_started);
	return NULL;
}

static void *close_socket(void *arg)
{
	int *fd = arg;

	close(*fd);
	if (fd == &sock_a)
		a_released = true;
	return NULL;
}

/*
 * wchan names the function that sleeps, past the scheduler's own: asleep
 * in the chain's registration is asleep on its rwsem.
 */
static bool writer_blocked(const char *wchan)
{
	return strstr(wchan, "notifier_chain_register") ||
	       strstr(wchan, "rwsem_down_write");
}

/*
 * Start "modprobe module" and wait until it waits to write the chain;
 * *waiting says whether it got there.
 */
static pid_t start_chain_writer(const char *module, bool *waiting)
{
	char path[64], wchan[128] = "";
	pid_t pid = fork();
	int tries;

	if (pid < 0)
		die("fork");
	if (!pid) {
		execlp("modprobe", "modprobe", module, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	for (tries = 0; tries < 3000 && !h_ended; tries++) {
		FILE *f = fopen(path, "r");

		if (f) {
			if (!fgets(wchan, sizeof(wchan), f))
				wchan[0] = 0;
			fclose(f);
		}
		if (writer_blocked(wchan))
			break;
		usleep(10000);
	}
	*waiting = writer_blocked(wchan);
	printf("# modprobe %s waits in %s, %.1f s into H's commit\n", module,
	       wchan[0] ? wchan : "?", now() - h_started);
	return pid;
}

int main(int argc, char **argv)
{
	pthread_t commit_thread, c_thread, a_thread;
	int sock_b, err, log_before, mode_before, mode_b, status;
	bool window, writer_waiting, ok1, ok2;
	unsigned int prefixes;
	pid_t writer;

	if (argc != 3) {
		fprintf(stderr, "usage: %s MODULE PREFIXES\n", argv[0]);
		return 2;
	}
	prefixes = strtoul(argv[2], NULL, 0);
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("TAP version 13\n1..2\n");
	resolve_family();

	sock_a = open_socket(A_PORTID);
	sock_h = open_socket(0);
	sock_c = open_socket(0);
	if (sock_a < 0 || sock_h < 0 || sock_c < 0) {
		errno = -(sock_a < 0 ? sock_a : sock_h < 0 ? sock_h : sock_c);
		die("binding the sockets");
	}
	log_before = config_u8(sock_h, LYNCEDGE_A_LOG);
	mode_before = config_u8(sock_h, LYNCEDGE_A_MODE);
	if (log_before != 0 || mode_before < 0) {
		printf("Bail out! the namespace must be fresh (log %d, mode %d)\n",
		       log_before, mode_before);
		return 1;
	}
	mode_b = mode_before == LYNCEDGE_MODE_MONITOR ? LYNCEDGE_MODE_ENFORCE :
		 LYNCEDGE_MODE_MONITOR;

	err = command(sock_a, LYNCEDGE_CMD_TXN_BEGIN);
	if (!err)
		err = stage_u8(sock_a, LYNCEDGE_A_LOG, 1);
	if (!err)
		err = command(sock_h, LYNCEDGE_CMD_TXN_BEGIN);
	if (!err)
		err = stage_prefixes(sock_h, prefixes);
	if (err) {
		errno = -err;
		die("staging");
	}
	printf("# A (portid %#x) staged log 1; H staged %u prefixes\n",
	       A_PORTID, prefixes);

	pthread_create(&commit_thread, NULL, commit_big, NULL);
	usleep(300000);
	pthread_create(&c_thread, NULL, close_socket, &sock_c);
	usleep(300000);
	writer = start_chain_writer(argv[1], &writer_waiting);
	pthread_create(&a_thread, NULL, close_socket, &sock_a);
	usleep(300000);

	sock_b = open_socket(A_PORTID);
	window = writer_waiting && sock_b >= 0 && !a_released && !h_ended;
	if (sock_b < 0)
		printf("# B could not bind A's portid: %s\n", strerror(-sock_b));
	else
		printf("# B bound A's portid %.1f s into H's commit; A's release %s\n",
		       now() - h_started, a_released ? "already ran" : "is pending");

	if (sock_b < 0) {
		ok1 = ok2 = false;
	} else {
		err = command(sock_b, LYNCEDGE_CMD_TXN_COMMIT);
		printf("# B: commit without a transaction: %s\n",
		       err ? strerror(-err) : "accepted");
		ok1 = err == -ENOENT;
		err = command(sock_b, LYNCEDGE_CMD_TXN_BEGIN);
		if (!err)
			err = stage_u8(sock_b, LYNCEDGE_A_MODE, mode_b);
		/* Only now may A's release run: B's transaction must outlive it. */
		pthread_join(a_thread, NULL);
		if (!err)
			err = command(sock_b, LYNCEDGE_CMD_TXN_COMMIT);
		printf("# B: its own transaction, committed after A's release: %s\n",
		       err ? strerror(-err) : "done");
		ok2 = !err && config_u8(sock_b, LYNCEDGE_A_MODE) == mode_b;
	}
	pthread_join(commit_thread, NULL);
	pthread_join(c_thread, NULL);
	if (sock_b < 0)
		pthread_join(a_thread, NULL);
	waitpid(writer, &status, 0);
	if (sock_b >= 0) {
		printf("# afterwards: log %d (A staged 1), mode %d (B staged %d)\n",
		       config_u8(sock_b, LYNCEDGE_A_LOG),
		       config_u8(sock_b, LYNCEDGE_A_MODE), mode_b);
		ok1 = ok1 && config_u8(sock_b, LYNCEDGE_A_LOG) == 0;
	}

	if (!window) {
		printf("ok 1 # SKIP the window did not open: use more prefixes\n");
		printf("ok 2 # SKIP the window did not open\n");
		return KSFT_SKIP;
	}
	printf("%s 1 - a socket that reuses a closed socket's portid cannot commit its transaction\n",
	       ok1 ? "ok" : "not ok");
	printf("%s 2 - the closed socket's late release leaves the new socket's transaction alone\n",
	       ok2 ? "ok" : "not ok");
	return ok1 && ok2 ? 0 : 1;
}
