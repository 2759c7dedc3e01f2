// SPDX-License-Identifier: GPL-2.0
/*
 * probe - traffic generator and servers for the lyncedge selftests.
 *
 * Each probe is one short process: under TCG, starting a process costs far
 * more than the traffic itself, so this replaces what would otherwise be
 * python3 or a pipeline of socat/nc calls.
 *
 *   probe tcp-connect [-x] [-b SRC] [-s SPORT] [-t MS] [-d BYTES] ADDR PORT
 *       Connect; with -d, also send BYTES and read them back (data both ways).
 *       -x (here and for udp-*): every packet carries IPv4 options (4 bytes)
 *       or an IPv6 destination options header (8 bytes), so the transport
 *       header is not where a fixed-size IP header would put it.
 *       -b (here and for tcp-session and udp-*): send from the local
 *       address SRC, for a host that holds several (an Edge Server's
 *       Access, Web Conferencing and A/V addresses).
 *   probe tcp-session [-b SRC] [-s SPORT] [-t MS] ADDR PORT
 *       Connect, print "connected", then for each line read on stdin send it,
 *       wait for its echo and print "ok" (or the result word of the failure).
 *       Lets a test keep a connection open across configuration changes.
 *   probe udp-send [-x] [-b SRC] [-n COUNT] [-l LEN] [-s SPORT] [-i USEC] ADDR PORT
 *       Send COUNT datagrams of LEN payload bytes, expect no answer; stops
 *       early on SIGTERM or SIGINT and ends with "sent N".
 *   probe udp-request [-x] [-b SRC] [-l LEN] [-s SPORT] [-t MS] ADDR PORT
 *       Send one datagram and wait for its echo (or an ICMP error).
 *   probe udp-flows [-x] [-b SRC] [-n COUNT] [-l LEN] [-s SPORT] [-i USEC] ADDR PORT
 *       Send COUNT datagrams (default 1), each from a socket of its own
 *       bound to the next source port (SPORT, default 20000, then SPORT+1,
 *       ...), so that every datagram is the first of a new conntrack flow.
 *       Prints "started" once the first one is sent, stops early on
 *       SIGTERM or SIGINT, and ends with "sent N" (datagrams sent).
 *   probe icmp-echo [-t MS] ADDR
 *       Ping once (raw socket) and wait for the echo reply.
 *   probe tcp-raw [-f FLAGS] [-s SPORT] [-L LEN] SRC DST PORT
 *       Send one hand-made TCP segment (FLAGS from "SAFRPU", default "A")
 *       from SRC; -L cuts the 20-byte TCP header to LEN bytes.
 *   probe -N NETNS COMMAND...
 *       Any of these in the named network namespace (/run/netns/NETNS, or
 *       a path); "probe -N NETNS exec PROGRAM ARGS..." runs another
 *       program there. Cheaper than "ip netns exec", which matters when a
 *       test starts hundreds of processes under TCG.
 *   probe listen [-F] [-o LOGFILE] SPEC...
 *       Serve every SPEC ("tcp:PORT[-PORT]" or "udp:PORT[-PORT]") on all
 *       addresses, IPv4 and IPv6. TCP connections are echoed; a UDP
 *       datagram is echoed when its first byte is '?' (what udp-request
 *       sends) and silently absorbed otherwise (what udp-send sends), so one
 *       port serves both answered and one-way flows. Each connection and
 *       datagram appends a line "tcp|udp SRC SPORT DST DPORT [LEN]" to
 *       LOGFILE. Once every socket is bound the server goes to the
 *       background and prints its pid (so "pid=$(probe listen ...)" returns
 *       only when the ports are ready); -F stays in the foreground and
 *       prints "ready" instead.
 *
 * Exit status (see PROBE_* below): 0 connected/answered/sent, 3 timeout (the
 * packets were dropped silently), 4 refused (RST or ICMP port unreachable),
 * 5 unreachable (ICMP host/net unreachable), 6 EPERM (dropped by a local
 * netfilter hook), 2 usage, 1 any other failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum probe_status {
	PROBE_OK = 0,
	PROBE_ERROR = 1,
	PROBE_USAGE = 2,
	PROBE_TIMEOUT = 3,
	PROBE_REFUSED = 4,
	PROBE_UNREACHABLE = 5,
	PROBE_EPERM = 6,
};

#define DEFAULT_TIMEOUT_MS	2000
#define MAX_PAYLOAD		65507
#define MAX_LISTEN_SOCKETS	128
#define MAX_CONNECTIONS		256

static const char *prog = "probe";

static void __attribute__((format(printf, 1, 2))) warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: probe tcp-connect [-x] [-b SRC] [-s SPORT] [-t MS] [-d BYTES] ADDR PORT\n"
		"       probe tcp-session [-b SRC] [-s SPORT] [-t MS] ADDR PORT\n"
		"       probe udp-send [-x] [-b SRC] [-n COUNT] [-l LEN] [-s SPORT] [-i USEC] ADDR PORT\n"
		"       probe udp-request [-x] [-b SRC] [-l LEN] [-s SPORT] [-t MS] ADDR PORT\n"
		"       probe udp-flows [-x] [-b SRC] [-n COUNT] [-l LEN] [-s SPORT] [-i USEC] ADDR PORT\n"
		"       probe icmp-echo [-t MS] ADDR\n"
		"       probe tcp-raw [-f FLAGS] [-s SPORT] [-L LEN] SRC DST PORT\n"
		"       probe listen [-F] [-o LOGFILE] tcp|udp:PORT[-PORT]...\n"
		"       probe -N NETNS COMMAND... | probe -N NETNS exec PROGRAM [ARG...]\n"
		"exit: 0 ok, 3 timeout, 4 refused, 5 unreachable, 6 EPERM, 2 usage, 1 error\n");
	exit(PROBE_USAGE);
}

/* The result word a test script would print for an errno. */
static enum probe_status status_of_errno(int err)
{
	switch (err) {
	case ETIMEDOUT:
	case EAGAIN:
		return PROBE_TIMEOUT;
	case ECONNREFUSED:
	case ECONNRESET:
		return PROBE_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
		return PROBE_UNREACHABLE;
	case EPERM:
		return PROBE_EPERM;
	default:
		return PROBE_ERROR;
	}
}

static const char *status_word(enum probe_status st)
{
	switch (st) {
	case PROBE_OK:
		return "ok";
	case PROBE_TIMEOUT:
		return "timeout";
	case PROBE_REFUSED:
		return "refused";
	case PROBE_UNREACHABLE:
		return "unreachable";
	case PROBE_EPERM:
		return "eperm";
	case PROBE_USAGE:
		return "usage";
	default:
		return "error";
	}
}

static long parse_num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		warnx("bad %s: %s", what, s);
		usage();
	}
	return v;
}

static void parse_addr(const char *s, int port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	} else {
		warnx("bad address: %s", s);
		usage();
	}
}

/* "a.b.c.d" for IPv4 and IPv4-mapped addresses, else the IPv6 text. */
static void format_addr(const struct sockaddr_storage *ss, char *buf,
			size_t size, int *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, buf, size);
		*port = ntohs(sin->sin_port);
	} else if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], buf, size);
		*port = ntohs(sin6->sin6_port);
	} else {
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, size);
		*port = ntohs(sin6->sin6_port);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on one fd until an absolute deadline; 0 on timeout. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, (int)left);
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

/* -x: IP options / an IPv6 extension header on every packet of a socket. */
static bool ip_options;

static void set_ip_options(int fd, int family)
{
	/* Three NOPs and an end-of-options: the IPv4 header grows to 24 bytes. */
	static const uint8_t opts4[4] = { 1, 1, 1, 0 };
	/* Destination options: next header (kernel's), length 0, PadN of 4. */
	static const uint8_t opts6[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	int err;

	if (family == AF_INET)
		err = setsockopt(fd, IPPROTO_IP, IP_OPTIONS, opts4, sizeof(opts4));
	else
		err = setsockopt(fd, IPPROTO_IPV6, IPV6_DSTOPTS, opts6,
				 sizeof(opts6));
	if (err) {
		warnx("setting IP options: %s", strerror(errno));
		exit(PROBE_ERROR);
	}
}

/* -b: the local address client sockets send from (NULL: the kernel's). */
static const char *bind_addr;

static int socket_for(int family, int type, int sport)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		warnx("socket: %s", strerror(errno));
		exit(PROBE_ERROR);
	}
	if (ip_options)
		set_ip_options(fd, family);
	if (sport || bind_addr) {
		/* The port may be a server's too (probe listen sets both). */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		parse_addr(bind_addr ? bind_addr :
			   family == AF_INET ? "0.0.0.0" : "::", sport, &ss,
			   &len);
		if (ss.ss_family != family) {
			warnx("source address %s is not of the destination's family",
			      bind_addr);
			exit(PROBE_USAGE);
		}
		if (bind(fd, (struct sockaddr *)&ss, len)) {
			warnx("bind to %s port %d: %s",
			      bind_addr ? bind_addr : "any address", sport,
			      strerror(errno));
			exit(PROBE_ERROR);
		}
	}
	return fd;
}

struct client_opts {
	int sport;
	int timeout_ms;
	long count;
	long len;
	long data;
	long interval_us;
	struct sockaddr_storage dst;
	socklen_t dst_len;
};

/* Parse the options shared by the client commands, then ADDR PORT. */
static void parse_client(int argc, char **argv, const char *optstring,
			 struct client_opts *o)
{
	int c;

	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	o->count = 1;
	o->len = 16;
	optind = 1;
	while ((c = getopt(argc, argv, optstring)) != -1) {
		switch (c) {
		case 's':
			o->sport = parse_num(optarg, 1, 65535, "source port");
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'x':
			ip_options = true;
			break;
		case 't':
			o->timeout_ms = parse_num(optarg, 1, 600000, "timeout");
			break;
		case 'n':
			o->count = parse_num(optarg, 1, 100000000, "count");
			break;
		case 'l':
			o->len = parse_num(optarg, 1, MAX_PAYLOAD, "length");
			break;
		case 'd':
			o->data = parse_num(optarg, 1, 1 << 24, "data size");
			break;
		case 'i':
			o->interval_us = parse_num(optarg, 0, 10000000,
						   "interval");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	parse_addr(argv[optind], parse_num(argv[optind + 1], 1, 65535, "port"),
		   &o->dst, &o->dst_len);
}

/* Connect with a deadline. Returns the connected fd or -(status). */
static int tcp_connect(const struct client_opts *o)
{
	int fd, err = 0, flags;
	socklen_t len = sizeof(err);

	fd = socket_for(o->dst.ss_family, SOCK_STREAM, o->sport);
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)&o->dst, o->dst_len)) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		if (wait_fd(fd, POLLOUT, now_ms() + o->timeout_ms) == 0) {
			err = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err)
			goto fail;
	}
	fcntl(fd, F_SETFL, flags);
	return fd;
fail:
	close(fd);
	if (status_of_errno(err) == PROBE_ERROR)
		warnx("connect: %s", strerror(err));
	return -(int)status_of_errno(err);
}

/* Send buf and read the same number of bytes back before the deadline. */
static enum probe_status tcp_echo(int fd, const char *buf, size_t len,
				  int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t got = 0;
	char rbuf[4096];
	ssize_t n;

	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return status_of_errno(errno);
	while (got < len) {
		if (wait_fd(fd, POLLIN, deadline) == 0)
			return PROBE_TIMEOUT;
		n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			return status_of_errno(errno);
		if (n == 0)
			return PROBE_REFUSED;
		got += n;
	}
	return PROBE_OK;
}

static int cmd_tcp_connect(int argc, char **argv)
{
	struct client_opts o = { 0 };
	enum probe_status st = PROBE_OK;
	char *buf;
	int fd;

	parse_client(argc, argv, "xb:s:t:d:", &o);
	fd = tcp_connect(&o);
	if (fd < 0)
		return -fd;
	if (o.data) {
		buf = malloc(o.data);
		if (!buf)
			return PROBE_ERROR;
		memset(buf, 'd', o.data);
		st = tcp_echo(fd, buf, o.data, o.timeout_ms);
		free(buf);
	}
	close(fd);
	return st;
}

static int cmd_tcp_session(int argc, char **argv)
{
	struct client_opts o = { 0 };
	char line[1024];
	int fd;

	parse_client(argc, argv, "b:s:t:", &o);
	fd = tcp_connect(&o);
	if (fd < 0) {
		printf("%s\n", status_word(-fd));
		return -fd;
	}
	printf("connected\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		printf("%s\n", status_word(tcp_echo(fd, line, strlen(line),
						    o.timeout_ms)));
		fflush(stdout);
	}
	close(fd);
	return PROBE_OK;
}

static volatile sig_atomic_t stop_sending;

static void on_stop_sending(int sig)
{
	(void)sig;
	stop_sending = 1;
}

/* No SA_RESTART: a signal cuts usleep() short. */
static void stop_on_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_sending };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static int cmd_udp_send(int argc, char **argv)
{
	struct client_opts o = { 0 };
	enum probe_status st = PROBE_OK;
	long i, sent = 0;
	char *buf;
	int fd;

	parse_client(argc, argv, "xb:n:l:s:i:", &o);
	fd = socket_for(o.dst.ss_family, SOCK_DGRAM, o.sport);
	buf = malloc(o.len);
	if (!buf)
		return PROBE_ERROR;
	memset(buf, 'x', o.len);
	stop_on_signals();
	for (i = 0; i < o.count && !stop_sending; i++) {
		if (sendto(fd, buf, o.len, 0, (struct sockaddr *)&o.dst,
			   o.dst_len) == o.len) {
			sent++;
		} else {
			st = status_of_errno(errno);
			if (st != PROBE_EPERM)
				warnx("send: %s", strerror(errno));
		}
		if (o.interval_us && !stop_sending)
			usleep(o.interval_us);
	}
	free(buf);
	close(fd);
	printf("sent %ld\n", sent);
	return st;
}

static int cmd_udp_request(int argc, char **argv)
{
	struct client_opts o = { 0 };
	char *buf, rbuf[2048];
	ssize_t n;
	int fd;

	parse_client(argc, argv, "xb:l:s:t:", &o);
	fd = socket_for(o.dst.ss_family, SOCK_DGRAM, o.sport);
	/* Connected, so that ICMP errors come back as ECONNREFUSED etc. */
	if (connect(fd, (struct sockaddr *)&o.dst, o.dst_len))
		return status_of_errno(errno);
	buf = malloc(o.len);
	if (!buf)
		return PROBE_ERROR;
	memset(buf, 'q', o.len);
	buf[0] = '?';
	if (send(fd, buf, o.len, 0) != o.len)
		return status_of_errno(errno);
	free(buf);
	if (wait_fd(fd, POLLIN, now_ms() + o.timeout_ms) == 0)
		return PROBE_TIMEOUT;
	n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
	if (n < 0)
		return status_of_errno(errno);
	return PROBE_OK;
}

static int cmd_udp_flows(int argc, char **argv)
{
	struct client_opts o = { 0 };
	enum probe_status st = PROBE_OK;
	long i, sent = 0;
	char *buf;
	int fd;

	parse_client(argc, argv, "xb:n:l:s:i:", &o);
	if (!o.sport)
		o.sport = 20000;
	if (o.sport + o.count - 1 > 65535) {
		warnx("%ld flows from source port %d run past port 65535",
		      o.count, o.sport);
		usage();
	}
	stop_on_signals();
	buf = malloc(o.len);
	if (!buf)
		return PROBE_ERROR;
	memset(buf, 'f', o.len);
	for (i = 0; i < o.count && !stop_sending; i++) {
		fd = socket_for(o.dst.ss_family, SOCK_DGRAM, o.sport + (int)i);
		if (sendto(fd, buf, o.len, 0, (struct sockaddr *)&o.dst,
			   o.dst_len) == o.len) {
			if (!sent++) {
				printf("started\n");
				fflush(stdout);
			}
		} else {
			st = status_of_errno(errno);
			if (st != PROBE_EPERM)
				warnx("send: %s", strerror(errno));
		}
		close(fd);
		if (o.interval_us && !stop_sending)
			usleep(o.interval_us);
	}
	free(buf);
	printf("sent %ld\n", sent);
	return st;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static int cmd_tcp_raw(int argc, char **argv)
{
	struct sockaddr_storage src, dst;
	socklen_t src_len, dst_len;
	const char *flags = "A", *f;
	struct tcphdr th = { 0 };
	uint32_t sum;
	int c, fd, sport = 40000 + getpid() % 20000, hdr_len = sizeof(th);
	uint8_t pseudo[40];
	size_t pseudo_len;

	optind = 1;
	while ((c = getopt(argc, argv, "f:s:L:")) != -1) {
		switch (c) {
		case 'f':
			flags = optarg;
			break;
		case 's':
			sport = parse_num(optarg, 1, 65535, "source port");
			break;
		case 'L':
			hdr_len = parse_num(optarg, 1, sizeof(th), "length");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	parse_addr(argv[optind], 0, &src, &src_len);
	parse_addr(argv[optind + 1], 0, &dst, &dst_len);
	if (src.ss_family != dst.ss_family)
		usage();

	th.source = htons(sport);
	th.dest = htons(parse_num(argv[optind + 2], 1, 65535, "port"));
	th.seq = htonl(0x10000000u + getpid());
	th.doff = sizeof(th) / 4;
	th.window = htons(65535);
	for (f = flags; *f; f++) {
		switch (*f) {
		case 'S': th.syn = 1; break;
		case 'A': th.ack = 1; th.ack_seq = htonl(0x20000000u); break;
		case 'F': th.fin = 1; break;
		case 'R': th.rst = 1; break;
		case 'P': th.psh = 1; break;
		case 'U': th.urg = 1; break;
		default:
			warnx("bad TCP flag '%c' (use SAFRPU)", *f);
			usage();
		}
	}

	/* Pseudo header: addresses, protocol, TCP length. */
	if (src.ss_family == AF_INET) {
		memcpy(pseudo, &((struct sockaddr_in *)&src)->sin_addr, 4);
		memcpy(pseudo + 4, &((struct sockaddr_in *)&dst)->sin_addr, 4);
		pseudo[8] = 0;
		pseudo[9] = IPPROTO_TCP;
		pseudo[10] = hdr_len >> 8;
		pseudo[11] = hdr_len & 0xff;
		pseudo_len = 12;
	} else {
		memcpy(pseudo, &((struct sockaddr_in6 *)&src)->sin6_addr, 16);
		memcpy(pseudo + 16, &((struct sockaddr_in6 *)&dst)->sin6_addr, 16);
		memset(pseudo + 32, 0, 8);
		pseudo[34] = hdr_len >> 8;
		pseudo[35] = hdr_len & 0xff;
		pseudo[39] = IPPROTO_TCP;
		pseudo_len = 40;
	}
	sum = csum_add(0, pseudo, pseudo_len);
	sum = csum_add(sum, &th, hdr_len);
	if (hdr_len >= 18)
		th.check = csum_fold(sum);

	fd = socket(src.ss_family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		warnx("raw socket: %s", strerror(errno));
		return PROBE_ERROR;
	}
	if (bind(fd, (struct sockaddr *)&src, src_len)) {
		warnx("bind: %s", strerror(errno));
		return PROBE_ERROR;
	}
	if (sendto(fd, &th, hdr_len, 0, (struct sockaddr *)&dst, dst_len) !=
	    hdr_len) {
		if (errno != EPERM)
			warnx("send: %s", strerror(errno));
		return status_of_errno(errno);
	}
	close(fd);
	return PROBE_OK;
}

static int cmd_icmp_echo(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dst_len;
	uint8_t pkt[64] = { 0 }, buf[1500];
	int c, fd, v6, timeout_ms = DEFAULT_TIMEOUT_MS;
	uint16_t id = htons(getpid() & 0xffff);
	int64_t deadline;
	ssize_t n;

	optind = 1;
	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't')
			usage();
		timeout_ms = parse_num(optarg, 1, 600000, "timeout");
	}
	if (argc - optind != 1)
		usage();
	parse_addr(argv[optind], 0, &dst, &dst_len);
	v6 = dst.ss_family == AF_INET6;
	fd = socket(dst.ss_family, SOCK_RAW | SOCK_CLOEXEC,
		    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0) {
		warnx("raw socket: %s", strerror(errno));
		return PROBE_ERROR;
	}
	/* type, code, checksum, identifier, sequence 1, payload */
	pkt[0] = v6 ? 128 : 8;
	memcpy(pkt + 4, &id, 2);
	pkt[7] = 1;
	memset(pkt + 8, 'p', sizeof(pkt) - 8);
	if (!v6) {	/* the kernel sums ICMPv6 itself */
		uint16_t sum = csum_fold(csum_add(0, pkt, sizeof(pkt)));

		memcpy(pkt + 2, &sum, 2);
	}
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst,
		   dst_len) < 0)
		return status_of_errno(errno);
	deadline = now_ms() + timeout_ms;
	for (;;) {
		uint8_t *icmp = buf;

		if (wait_fd(fd, POLLIN, deadline) == 0)
			return PROBE_TIMEOUT;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			continue;
		if (!v6) {	/* IPv4 raw sockets see the IP header */
			if (n < 20 || n < (buf[0] & 0xf) * 4 + 8)
				continue;
			icmp = buf + (buf[0] & 0xf) * 4;
		} else if (n < 8) {
			continue;
		}
		if (icmp[0] == (v6 ? 129 : 0) && !memcmp(icmp + 4, &id, 2))
			return PROBE_OK;
	}
}

/* ---- listen ---- */

enum slot_kind { SLOT_TCP_LISTEN, SLOT_UDP, SLOT_TCP_CONN };

struct server {
	struct pollfd pfd[MAX_LISTEN_SOCKETS + MAX_CONNECTIONS];
	enum slot_kind kind[MAX_LISTEN_SOCKETS + MAX_CONNECTIONS];
	int n;
	int log_fd;
};

static void log_flow(struct server *s, const char *proto,
		     const struct sockaddr_storage *from,
		     const struct sockaddr_storage *to, long len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], line[160];
	int pa, pb, n;

	if (s->log_fd < 0)
		return;
	format_addr(from, a, sizeof(a), &pa);
	format_addr(to, b, sizeof(b), &pb);
	if (len >= 0)
		n = snprintf(line, sizeof(line), "%s %s %d %s %d %ld\n", proto,
			     a, pa, b, pb, len);
	else
		n = snprintf(line, sizeof(line), "%s %s %d %s %d\n", proto, a,
			     pa, b, pb);
	/* One write per line on an O_APPEND fd: lines never interleave. */
	if (write(s->log_fd, line, n) != n)
		warnx("log: %s", strerror(errno));
}

static void add_slot(struct server *s, int fd, enum slot_kind kind)
{
	s->pfd[s->n].fd = fd;
	s->pfd[s->n].events = POLLIN;
	s->kind[s->n] = kind;
	s->n++;
}

static void open_listener(struct server *s, int type, int port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = htons(port),
	};
	int fd, one = 1, zero = 0;

	if (s->n >= MAX_LISTEN_SOCKETS) {
		warnx("too many ports (at most %d)", MAX_LISTEN_SOCKETS);
		exit(PROBE_USAGE);
	}
	fd = socket(AF_INET6, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		warnx("socket: %s", strerror(errno));
		exit(PROBE_ERROR);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (type == SOCK_DGRAM) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			   sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6))) {
		warnx("bind %s port %d: %s", type == SOCK_DGRAM ? "udp" : "tcp",
		      port, strerror(errno));
		exit(PROBE_ERROR);
	}
	if (type == SOCK_STREAM && listen(fd, 64)) {
		warnx("listen: %s", strerror(errno));
		exit(PROBE_ERROR);
	}
	add_slot(s, fd, type == SOCK_DGRAM ? SLOT_UDP : SLOT_TCP_LISTEN);
}

static void parse_spec(struct server *s, const char *spec)
{
	const char *ports;
	char *end;
	long lo, hi;
	int type;

	if (!strncmp(spec, "tcp:", 4))
		type = SOCK_STREAM;
	else if (!strncmp(spec, "udp:", 4))
		type = SOCK_DGRAM;
	else
		goto bad;
	ports = spec + 4;
	lo = strtol(ports, &end, 10);
	hi = lo;
	if (*end == '-')
		hi = strtol(end + 1, &end, 10);
	if (*end || end == ports || lo < 1 || hi > 65535 || lo > hi)
		goto bad;
	for (; lo <= hi; lo++)
		open_listener(s, type, lo);
	return;
bad:
	warnx("bad listen spec: %s (want tcp:PORT[-PORT] or udp:PORT[-PORT])",
	      spec);
	usage();
}

static void serve_udp(struct server *s, int fd)
{
	struct sockaddr_storage from, to = { 0 };
	char buf[MAX_PAYLOAD + 1];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} reply_ctl;
	struct msghdr reply = {
		.msg_name = &from,
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	struct sockaddr_in6 local;
	socklen_t local_len = sizeof(local);
	struct cmsghdr *cm, *rcm;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return;
	getsockname(fd, (struct sockaddr *)&local, &local_len);
	memset(&reply_ctl, 0, sizeof(reply_ctl));
	rcm = (struct cmsghdr *)reply_ctl.buf;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo *pi = (void *)CMSG_DATA(cm);
			struct sockaddr_in *sin = (struct sockaddr_in *)&to;
			struct in_pktinfo rpi = { .ipi_spec_dst = pi->ipi_addr };

			sin->sin_family = AF_INET;
			sin->sin_addr = pi->ipi_addr;
			sin->sin_port = local.sin6_port;
			rcm->cmsg_level = IPPROTO_IP;
			rcm->cmsg_type = IP_PKTINFO;
			rcm->cmsg_len = CMSG_LEN(sizeof(rpi));
			memcpy(CMSG_DATA(rcm), &rpi, sizeof(rpi));
			reply.msg_control = reply_ctl.buf;
			reply.msg_controllen = CMSG_SPACE(sizeof(rpi));
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo *pi = (void *)CMSG_DATA(cm);
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;
			struct in6_pktinfo rpi = { .ipi6_addr = pi->ipi6_addr };

			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = pi->ipi6_addr;
			sin6->sin6_port = local.sin6_port;
			rcm->cmsg_level = IPPROTO_IPV6;
			rcm->cmsg_type = IPV6_PKTINFO;
			rcm->cmsg_len = CMSG_LEN(sizeof(rpi));
			memcpy(CMSG_DATA(rcm), &rpi, sizeof(rpi));
			reply.msg_control = reply_ctl.buf;
			reply.msg_controllen = CMSG_SPACE(sizeof(rpi));
		}
	}
	log_flow(s, "udp", &from, &to, n);
	if (n > 0 && buf[0] == '?') {
		/*
		 * From the address the datagram came to: on a host with
		 * several (an Edge's role addresses) the kernel would pick
		 * its own, and conntrack would not take the echo for a reply.
		 */
		iov.iov_len = n;
		reply.msg_namelen = msg.msg_namelen;
		sendmsg(fd, &reply, 0);
	}
}

static void serve_tcp_accept(struct server *s, int fd)
{
	struct sockaddr_storage from, to;
	socklen_t from_len = sizeof(from), to_len = sizeof(to);
	int c;

	c = accept4(fd, (struct sockaddr *)&from, &from_len, SOCK_CLOEXEC);
	if (c < 0)
		return;
	getsockname(c, (struct sockaddr *)&to, &to_len);
	log_flow(s, "tcp", &from, &to, -1);
	if (s->n >= MAX_LISTEN_SOCKETS + MAX_CONNECTIONS) {
		close(c);
		return;
	}
	add_slot(s, c, SLOT_TCP_CONN);
}

/* Echo what arrived; false when the connection is over. */
static bool serve_tcp_conn(int fd)
{
	char buf[65536];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	return send(fd, buf, n, MSG_NOSIGNAL) == n;
}

static void serve(struct server *s)
{
	int i;

	for (;;) {
		if (poll(s->pfd, s->n, -1) < 0) {
			if (errno == EINTR)
				continue;
			exit(PROBE_ERROR);
		}
		for (i = 0; i < s->n; i++) {
			if (!s->pfd[i].revents)
				continue;
			switch (s->kind[i]) {
			case SLOT_TCP_LISTEN:
				serve_tcp_accept(s, s->pfd[i].fd);
				break;
			case SLOT_UDP:
				serve_udp(s, s->pfd[i].fd);
				break;
			case SLOT_TCP_CONN:
				if (serve_tcp_conn(s->pfd[i].fd))
					break;
				close(s->pfd[i].fd);
				s->n--;
				s->pfd[i] = s->pfd[s->n];
				s->kind[i] = s->kind[s->n];
				i--;
				break;
			}
		}
	}
}

static int cmd_listen(int argc, char **argv)
{
	static struct server s;
	bool foreground = false;
	const char *log = NULL;
	pid_t pid;
	int c, fd;

	optind = 1;
	while ((c = getopt(argc, argv, "Fo:")) != -1) {
		switch (c) {
		case 'F':
			foreground = true;
			break;
		case 'o':
			log = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind == argc)
		usage();
	s.log_fd = -1;
	if (log) {
		s.log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				0644);
		if (s.log_fd < 0) {
			warnx("%s: %s", log, strerror(errno));
			return PROBE_ERROR;
		}
	}
	for (; optind < argc; optind++)
		parse_spec(&s, argv[optind]);

	if (foreground) {
		printf("ready\n");
		fflush(stdout);
		serve(&s);
	}
	pid = fork();
	if (pid < 0) {
		warnx("fork: %s", strerror(errno));
		return PROBE_ERROR;
	}
	if (pid) {
		printf("%d\n", (int)pid);
		return PROBE_OK;
	}
	/* Let "$(probe listen ...)" return: nothing may hold its pipe. */
	setsid();
	fd = open("/dev/null", O_RDWR);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	serve(&s);
	return PROBE_OK;
}

/* Enter a named network namespace (as "ip netns exec" would, minus /sys). */
static void enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		warnx("netns %s: %s", path, strerror(errno));
		exit(PROBE_ERROR);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "tcp-connect", cmd_tcp_connect },
		{ "tcp-session", cmd_tcp_session },
		{ "udp-send", cmd_udp_send },
		{ "udp-request", cmd_udp_request },
		{ "udp-flows", cmd_udp_flows },
		{ "tcp-raw", cmd_tcp_raw },
		{ "icmp-echo", cmd_icmp_echo },
		{ "listen", cmd_listen },
	};
	size_t i;

	if (argc > 2 && !strcmp(argv[1], "-N")) {
		enter_netns(argv[2]);
		argc -= 2;
		argv += 2;
		if (argc > 2 && !strcmp(argv[1], "exec")) {
			execvp(argv[2], argv + 2);
			warnx("%s: %s", argv[2], strerror(errno));
			return errno == ENOENT ? 127 : 126;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	}
	warnx("unknown command: %s", argv[1]);
	usage();
	return PROBE_USAGE;
}
