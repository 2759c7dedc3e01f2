// SPDX-License-Identifier: GPL-2.0
/*
 * pktfuzz - crafted and mutated frames through the lyncedge gateway
 * (selftests/pktfuzz.sh).
 *
 *   pktfuzz -g GWNS -L LYNCEDGE -H ROLE=NETNS... [-s SEED] [-n COUNT]
 *           [-q QUIET_MS] CLASS...
 *   pktfuzz -l     list the classes
 *
 * The topology is lib.sh's, with the hosts' addresses removed and the
 * gateway's neighbour entries made permanent (pktfuzz.sh does that): a
 * host then neither answers nor resolves anything, so what a host's
 * interface receives is exactly what the gateway forwarded to it.
 *
 * Frames are whole Ethernet frames, written with an AF_PACKET socket on a
 * host's eth0 and addressed to the gateway's MAC: nothing in the sender's
 * stack fixes up a length, a checksum or an option. Every host's eth0 is
 * captured (AF_PACKET again, incoming frames only) for the whole run.
 * One process does every class of a phase, because under TCG starting a
 * process costs more than the traffic.
 *
 * For each CLASS in turn: the counters ("lyncedge show" in GWNS), the
 * class's frames, then the captures until QUIET_MS pass without a frame,
 * then the counters again. It prints one line per class:
 *
 *   class NAME sent N arrived A at HOST:N,... norow R frags F moved K=V,...
 *
 * "arrived" counts datagrams that reached a host (a forwarded datagram the
 * gateway fragmented again counts once; its later fragments are "frags");
 * "at" says where; "norow" counts arrivals that the rows of pic, with
 * config_sample's sets, do not allow: the ICMP errors that pass as
 * RELATED, and anything that should not have passed at all; "moved" lists
 * the counters that moved (as lib.sh's le_parse names them), "-" if none.
 * The mutation classes also print "edge E", the arrivals with an edge
 * address (a mutant whose edge address was flipped is no longer the
 * module's business, and passes untouched), and "violations V": arrivals
 * no row allows,
 * arrivals of edge traffic that no row or state counted, and (towards the
 * edge) more counted verdicts than frames sent. pktfuzz.sh holds the
 * expectation of every class.
 *
 * The seed picks source ports, IP identifications, sequence numbers and
 * the mutations; it is printed, and -s fixes it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define FRAME_MAX	2048
#define ETH_HLEN_	14
#define MAX_CTRS	64
#define MAX_FIRSTS	512

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20

#define NH_HOP	0
#define NH_TCP	6
#define NH_UDP	17
#define NH_FRAG	44
#define NH_ICMP6	58
#define NH_NONE	59
#define NH_DEST	60

/* The ports the classes use: rows 1/2 (SIP/MTLS), 3 (443), 5/6 (STUN). */
#define SIP	5061
#define STUN	3478

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pktfuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- the topology (lib.sh) ---- */

enum role { EDGE, PARTNER, CLIENT, MESSENGER, STRANGER, NR_ROLES };

struct host {
	const char *role;
	const char *a4, *a6, *gw4, *gw6;
	uint8_t addr4[4], addr6[16], gwaddr4[4], gwaddr6[16];
	const char *netns;
	int fd;				/* AF_PACKET on eth0 */
	int ifindex;
	uint8_t mac[6], gwmac[6];	/* eth0's, and the gateway's side */
	int arrived;			/* in the current class */
};

static struct host hosts[NR_ROLES] = {
	[EDGE] = { "edge", "203.0.113.10", "2001:db8:e::10",
		   "203.0.113.1", "2001:db8:e::1" },
	[PARTNER] = { "partner", "198.51.100.20", "2001:db8:1::20",
		      "198.51.100.1", "2001:db8:1::1" },
	[CLIENT] = { "client", "192.0.2.30", "2001:db8:2::30",
		     "192.0.2.1", "2001:db8:2::1" },
	[MESSENGER] = { "messenger", "198.18.0.40", "2001:db8:3::40",
			"198.18.0.1", "2001:db8:3::1" },
	[STRANGER] = { "stranger", "198.19.0.50", "2001:db8:4::50",
		       "198.19.0.1", "2001:db8:4::1" },
};

static const char *gw_netns, *lyncedge;
static int quiet_ms = 250;
static int mutate_count = 300;

/* ---- randomness: xorshift64*, from the seed ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/*
 * Every flow a class starts gets a source port of its own, below the A/V
 * range (50000-59999, which rows 4 reads as a source port too), so that
 * no class meets another's conntrack entry by chance.
 */
static uint16_t next_port;
static uint16_t new_port(void)
{
	if (next_port < 20000 || next_port >= 49000)
		next_port = 20000;
	return next_port++;
}

static uint32_t next_id;
static uint32_t new_id(void)
{
	return next_id++;
}

/* ---- namespaces ---- */

static int open_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

static void enter_netns(const char *name)
{
	int fd = open_netns(name);

	if (setns(fd, CLONE_NEWNET))
		die("setns %s: %s", name, strerror(errno));
	close(fd);
}

static void get_mac(const char *ifname, uint8_t *mac, int *ifindex)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		die("%s: SIOCGIFHWADDR: %s", ifname, strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ifindex) {
		if (ioctl(s, SIOCGIFINDEX, &ifr))
			die("%s: SIOCGIFINDEX: %s", ifname, strerror(errno));
		*ifindex = ifr.ifr_ifindex;
	}
	close(s);
}

/*
 * A socket lives in the namespace it was created in: enter each host's
 * namespace in turn, open its packet socket, and read the gateway's MACs
 * in the gateway's namespace last.
 */
static void setup_hosts(void)
{
	struct sockaddr_ll sll = { 0 };
	int i, one = 1, rcvbuf = 8 << 20;

	for (i = 0; i < NR_ROLES; i++) {
		struct host *h = &hosts[i];

		if (!h->netns)
			die("no namespace for %s (-H %s=NETNS)", h->role, h->role);
		inet_pton(AF_INET, h->a4, h->addr4);
		inet_pton(AF_INET6, h->a6, h->addr6);
		inet_pton(AF_INET, h->gw4, h->gwaddr4);
		inet_pton(AF_INET6, h->gw6, h->gwaddr6);
		enter_netns(h->netns);
		get_mac("eth0", h->mac, &h->ifindex);
		h->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       htons(ETH_P_ALL));
		if (h->fd < 0)
			die("AF_PACKET socket in %s: %s", h->netns, strerror(errno));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = h->ifindex;
		if (bind(h->fd, (struct sockaddr *)&sll, sizeof(sll)))
			die("bind in %s: %s", h->netns, strerror(errno));
		/*
		 * A mutation class sends hundreds of frames before it reads:
		 * room for what arrives, and none of the host's own frames.
		 */
		if (setsockopt(h->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			       sizeof(rcvbuf)))
			setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				   sizeof(rcvbuf));
		setsockopt(h->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
			   sizeof(one));
	}
	enter_netns(gw_netns);
	for (i = 0; i < NR_ROLES; i++)
		get_mac(hosts[i].role, hosts[i].gwmac, NULL);
}

/* ---- the counters, from "lyncedge show" in the gateway ---- */

struct ctrs {
	int n;
	char name[MAX_CTRS][40];
	long long v[MAX_CTRS];
};

static void ctr_set(struct ctrs *c, const char *name, long long v)
{
	if (c->n == MAX_CTRS)
		die("too many counters in lyncedge show");
	snprintf(c->name[c->n], sizeof(c->name[0]), "%s", name);
	c->v[c->n++] = v;
}

static long long ctr_get(const struct ctrs *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return c->v[i];
	return 0;
}

static bool ctr_has(const struct ctrs *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return true;
	return false;
}

/* One line of show, as lib.sh's le_parse reads it. */
static void parse_show_line(struct ctrs *c, char *line)
{
	char *tok[12], *save = NULL, *p;
	char name[40];
	int n = 0;
	bool rule = !strncmp(line, "    ", 4) && line[4] != ' ';
	bool deny = !strncmp(line, "  ", 2) && line[2] != ' ';

	if (!strncmp(line, "accepted by conntrack state", 27)) {
		p = strstr(line, "packets ");
		if (p)
			ctr_set(c, "state", atoll(p + 8));
		return;
	}
	for (p = strtok_r(line, " \n", &save); p && n < 12;
	     p = strtok_r(NULL, " \n", &save))
		tok[n++] = p;
	if (rule && n == 9 && (!strcmp(tok[2], "tcp") || !strcmp(tok[2], "udp"))) {
		snprintf(name, sizeof(name), "rule%s", tok[0]);
		ctr_set(c, name, atoll(tok[7]));
	} else if (deny && n == 5 && !strcmp(tok[1], "packets") &&
		   (!strcmp(tok[0], "no-rule") || !strcmp(tok[0], "invalid") ||
		    !strcmp(tok[0], "malformed"))) {
		ctr_set(c, !strcmp(tok[0], "no-rule") ? "norule" : tok[0],
			atoll(tok[2]));
	}
}

static void read_counters(struct ctrs *c)
{
	static const char *const needed[] = { "norule", "invalid", "malformed", "state" };
	char line[512];
	int pipefd[2], status, i;
	pid_t pid;
	FILE *f;

	c->n = 0;
	if (pipe2(pipefd, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		/* This process already sits in the gateway's namespace. */
		dup2(pipefd[1], 1);
		execl(lyncedge, lyncedge, "show", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	if (!f)
		die("fdopen: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		parse_show_line(c, line);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("%s show failed", lyncedge);
	for (i = 0; i < 4; i++) {
		if (!ctr_has(c, needed[i]))
			die("'%s show' has no counter %s", lyncedge, needed[i]);
	}
}

/* ---- checksums ---- */

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
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- frames ---- */

struct frame {
	uint8_t b[FRAME_MAX];
	size_t len;
	int fam;		/* 4 or 6 */
	const struct host *from;
	size_t nh;		/* the byte that names the next header */
	size_t l4;		/* the transport header */
	uint8_t proto;
};

#define L3	ETH_HLEN_

static const uint8_t *addr_of(int fam, const struct host *h)
{
	return fam == 4 ? h->addr4 : h->addr6;
}

/* Ethernet and IP header, from host FROM (whose MACs it takes). */
static void fr_ip(struct frame *f, int fam, const struct host *from,
		  const uint8_t *src, const uint8_t *dst)
{
	uint8_t *ip = f->b + L3;

	memset(f, 0, sizeof(*f));
	f->fam = fam;
	f->from = from;
	memcpy(f->b, from->gwmac, 6);
	memcpy(f->b + 6, from->mac, 6);
	if (fam == 4) {
		put16(f->b + 12, ETH_P_IP);
		ip[0] = 0x45;
		put16(ip + 4, new_id() & 0xffff);
		ip[8] = 64;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		f->nh = L3 + 9;
		f->len = L3 + 20;
	} else {
		put16(f->b + 12, ETH_P_IPV6);
		ip[0] = 0x60;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		f->nh = L3 + 6;
		f->len = L3 + 40;
	}
}

static void fr_hosts(struct frame *f, int fam, const struct host *from,
		     const struct host *to)
{
	fr_ip(f, fam, from, addr_of(fam, from), addr_of(fam, to));
}

/* IPv4 options, N bytes (a multiple of 4), right after the header. */
static void fr_opts(struct frame *f, const uint8_t *opt, size_t n)
{
	memcpy(f->b + f->len, opt, n);
	f->len += n;
	f->b[L3] = 0x40 | (f->len - L3) / 4;
}

/*
 * An IPv6 extension header of 8 * (UNITS + 1) bytes: hop-by-hop or
 * destination options filled with a PadN (RFC 8200 allows at most 7 bytes
 * of padding in a row, and the gateway parses a leading hop-by-hop header,
 * so pad with several PadN options), or any other type as zeros.
 */
static void fr_ext(struct frame *f, uint8_t type, unsigned int units)
{
	uint8_t *h = f->b + f->len;
	size_t i, len = 8 * (units + 1);

	f->b[f->nh] = type;
	memset(h, 0, len);
	h[1] = units;
	if (type == NH_HOP || type == NH_DEST) {
		for (i = 2; i < len; i += 6) {
			h[i] = 1;			/* PadN */
			h[i + 1] = len - i >= 6 ? 4 : len - i - 2;
		}
	}
	f->nh = f->len;
	f->len += len;
}

/* Start the transport header: name it in the last next-header field. */
static void fr_l4(struct frame *f, uint8_t proto)
{
	f->b[f->nh] = proto;
	f->proto = proto;
	f->l4 = f->len;
}

static void fr_payload(struct frame *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		f->b[f->len++] = 'a' + i % 26;
}

static void fr_tcp(struct frame *f, uint16_t sport, uint16_t dport,
		   uint8_t flags, size_t payload)
{
	uint8_t *t;

	fr_l4(f, NH_TCP);
	t = f->b + f->len;
	put16(t, sport);
	put16(t + 2, dport);
	put16(t + 4, rnd() >> 16);
	put16(t + 6, rnd() >> 16);
	if (flags & TH_ACK)
		put16(t + 8, rnd() >> 16);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 64240);
	f->len += 20;
	fr_payload(f, payload);
}

static void fr_udp(struct frame *f, uint16_t sport, uint16_t dport,
		   size_t payload)
{
	uint8_t *u;

	fr_l4(f, NH_UDP);
	u = f->b + f->len;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, 8 + payload);
	f->len += 8;
	fr_payload(f, payload);
}

/* An ICMP (ICMPv6) error TYPE/CODE quoting INNER's IP packet, cut to QUOTE bytes. */
static void fr_icmp_error(struct frame *f, uint8_t type, uint8_t code,
			  const struct frame *inner, size_t quote)
{
	size_t n = inner->len - L3;

	fr_l4(f, f->fam == 4 ? 1 : NH_ICMP6);
	f->b[f->len] = type;
	f->b[f->len + 1] = code;
	f->len += 8;
	if (quote < n)
		n = quote;
	memcpy(f->b + f->len, inner->b + L3, n);
	f->len += n;
}

static void ip4_hdr_csum(struct frame *f)
{
	uint8_t *ip = f->b + L3;
	size_t ihl = (ip[0] & 0xf) * 4;

	put16(ip + 10, 0);
	if (ihl > f->len - L3)
		ihl = f->len - L3;
	put16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
}

/* The transport checksum of the bytes from l4 to the end of the frame. */
static void l4_csum(struct frame *f)
{
	size_t len = f->len - f->l4, off;
	uint8_t *l4 = f->b + f->l4;
	uint32_t sum = 0;
	uint8_t pseudo[4];

	switch (f->proto) {
	case NH_TCP:
		off = 16;
		break;
	case NH_UDP:
		off = 6;
		break;
	case 1:
	case NH_ICMP6:
		off = 2;
		break;
	default:
		return;
	}
	if (len < off + 2)
		return;
	put16(l4 + off, 0);
	if (f->proto != 1) {
		if (f->fam == 4)
			sum = csum_add(sum, f->b + L3 + 12, 8);
		else
			sum = csum_add(sum, f->b + L3 + 8, 32);
		put16(pseudo, 0);
		put16(pseudo + 2, f->proto);
		sum = csum_add(sum, pseudo, 4);
		put16(pseudo, len >> 16);
		put16(pseudo + 2, len & 0xffff);
		sum = csum_add(sum, pseudo, 4);
	}
	sum = csum_add(sum, l4, len);
	put16(l4 + off, csum_fold(sum) ? csum_fold(sum) : 0xffff);
}

/* The IP length field(s) for the frame as it is. */
static void ip_lengths(struct frame *f)
{
	if (f->fam == 4) {
		put16(f->b + L3 + 2, f->len - L3);
		ip4_hdr_csum(f);
	} else {
		put16(f->b + L3 + 4, f->len - L3 - 40);
	}
}

/* Lengths and checksums right: a valid packet. */
static void fr_done(struct frame *f)
{
	ip_lengths(f);
	l4_csum(f);
}

/* Cut the transport header to N bytes, keeping the IP layer consistent. */
static void fr_cut_l4(struct frame *f, size_t n)
{
	f->len = f->l4 + n;
	ip_lengths(f);
}

/* ---- sending and capturing ---- */

struct class_state {
	int sent;
	int datagrams;
	int frags;
	int norow;
	int edge_arrivals;	/* arrivals with an edge address */
	int nfirst;
	struct {
		int fam;
		uint8_t src[16], dst[16];
		uint32_t id;
	} first[MAX_FIRSTS];
	bool verbose_norow;
};

static struct class_state cs;

static void tx_raw(const struct host *h, const uint8_t *b, size_t len)
{
	struct pollfd pfd = { .fd = h->fd, .events = POLLOUT };

	while (send(h->fd, b, len, 0) < 0) {
		if (errno != EAGAIN && errno != ENOBUFS)
			die("send from %s (%zu bytes): %s", h->role, len,
			    strerror(errno));
		poll(&pfd, 1, 10);
	}
	cs.sent++;
}

static void tx(const struct frame *f)
{
	tx_raw(f->from, f->b, f->len);
}

/*
 * Send a valid datagram F as fragments: PIECES pairs of (offset, length)
 * into its transport part (the part after F's headers), in the order
 * given. IPv6 puts the fragment header after F's extension headers.
 */
static void tx_frags(const struct frame *f, const size_t (*pieces)[2],
		     int n, uint32_t id)
{
	size_t hlen = f->l4 - L3, plen = f->len - f->l4;
	struct frame g;
	int i;

	for (i = 0; i < n; i++) {
		size_t off = pieces[i][0], len = pieces[i][1];
		bool more = off + len < plen;
		uint8_t *ip;

		if (off + len > plen)
			die("fragment beyond the datagram");
		g = *f;
		ip = g.b + L3;
		if (f->fam == 4) {
			memcpy(g.b + f->l4, f->b + f->l4 + off, len);
			g.len = f->l4 + len;
			put16(ip + 4, id & 0xffff);
			put16(ip + 6, (more ? 0x2000 : 0) | off / 8);
			put16(ip + 2, hlen + len);
			ip4_hdr_csum(&g);
		} else {
			uint8_t *fh = g.b + f->l4;

			g.b[f->nh] = NH_FRAG;
			fh[0] = f->proto;
			fh[1] = 0;
			put16(fh + 2, off | (more ? 1 : 0));
			fh[4] = id >> 24;
			fh[5] = id >> 16;
			fh[6] = id >> 8;
			fh[7] = id;
			memcpy(fh + 8, f->b + f->l4 + off, len);
			g.len = f->l4 + 8 + len;
			put16(ip + 4, g.len - L3 - 40);
		}
		tx(&g);
	}
}

static bool v4_in(const uint8_t *a, const char *net, int bits)
{
	uint8_t n[4];
	uint32_t x, y, mask = bits ? ~0u << (32 - bits) : 0;

	inet_pton(AF_INET, net, n);
	x = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	y = (uint32_t)n[0] << 24 | n[1] << 16 | n[2] << 8 | n[3];
	return (x & mask) == (y & mask);
}

static bool v6_in(const uint8_t *a, const char *net, int bits)
{
	uint8_t n[16];

	inet_pton(AF_INET6, net, n);
	return !memcmp(a, n, bits / 8);
}

enum set { S_EDGE, S_PARTNERS, S_CLIENTS, S_MESSENGER };

/* config_sample's sets (lib.sh). */
static bool in_set(int fam, const uint8_t *a, enum set s)
{
	static const char *const v4[][2] = {
		{ "203.0.113.10", "32" }, { "198.51.100.0", "24" },
		{ "192.0.2.0", "24" }, { "198.18.0.0", "24" },
	};
	static const char *const v6[] = {
		"2001:db8:e::10", "2001:db8:1::", "2001:db8:2::", "2001:db8:3::",
	};

	if (fam == 4)
		return v4_in(a, v4[s][0], atoi(v4[s][1]));
	return v6_in(a, v6[s], s == S_EDGE ? 128 : 64);
}

/* The six rows of pic (README), for a flow's first packet. */
static bool rows_allow(int fam, const uint8_t *src, const uint8_t *dst,
		       uint8_t proto, uint16_t sport, uint16_t dport)
{
	bool se = in_set(fam, src, S_EDGE), de = in_set(fam, dst, S_EDGE);
	bool av = (dport >= 50000 && dport <= 59999) ||
		  (sport >= 50000 && sport <= 59999);

	if (!se && !de)
		return true;		/* not edge traffic: untouched */
	if (proto == NH_TCP)
		return (dport == SIP && in_set(fam, src, S_PARTNERS) && de) ||
		       (dport == SIP && se && in_set(fam, dst, S_PARTNERS)) ||
		       (dport == 443 && in_set(fam, src, S_CLIENTS) && de) ||
		       (av && se && in_set(fam, dst, S_MESSENGER));
	if (proto == NH_UDP)
		return (dport == STUN && se && in_set(fam, dst, S_MESSENGER)) ||
		       (dport == STUN && in_set(fam, src, S_MESSENGER) && de);
	return false;
}

static bool is_gateway(int fam, const uint8_t *a)
{
	int i;

	for (i = 0; i < NR_ROLES; i++)
		if (!memcmp(a, fam == 4 ? hosts[i].gwaddr4 : hosts[i].gwaddr6,
			    fam == 4 ? 4 : 16))
			return true;
	return false;
}

static void note_norow(const struct host *h, const char *why, int fam,
		       const uint8_t *src, const uint8_t *dst)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	cs.norow++;
	if (!cs.verbose_norow)
		return;
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, src, s, sizeof(s));
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, dst, d, sizeof(d));
	printf("# arrived at %s, no row allows it (%s): %s -> %s\n",
	       h->role, why, s, d);
}

static bool seen_first(int fam, const uint8_t *src, const uint8_t *dst,
		       uint32_t id)
{
	size_t alen = fam == 4 ? 4 : 16;
	int i;

	for (i = 0; i < cs.nfirst; i++)
		if (cs.first[i].fam == fam && cs.first[i].id == id &&
		    !memcmp(cs.first[i].src, src, alen) &&
		    !memcmp(cs.first[i].dst, dst, alen))
			return true;
	return false;
}

static void add_first(int fam, const uint8_t *src, const uint8_t *dst,
		      uint32_t id)
{
	size_t alen = fam == 4 ? 4 : 16;

	if (cs.nfirst == MAX_FIRSTS)
		return;
	cs.first[cs.nfirst].fam = fam;
	cs.first[cs.nfirst].id = id;
	memcpy(cs.first[cs.nfirst].src, src, alen);
	memcpy(cs.first[cs.nfirst].dst, dst, alen);
	cs.nfirst++;
}

/*
 * One frame a host received. The gateway's own packets (ICMP errors it
 * sends back to a sender, neighbour discovery, MLD) and multicast are not
 * forwarded traffic and do not count. A datagram counts once, by the
 * piece at offset 0; a later fragment counts only if its first piece did
 * not arrive (then no row could have judged it).
 */
static void arrival(struct host *h, const uint8_t *b, size_t len)
{
	const uint8_t *ip = b + L3, *src, *dst, *p;
	size_t iplen, off, hl;
	bool frag = false, later = false;
	uint32_t id = 0;
	uint8_t nh;
	int fam, hops;

	if (len < L3 + 20)
		return;
	iplen = len - L3;
	if (get16(b + 12) == ETH_P_IP) {
		fam = 4;
		src = ip + 12;
		dst = ip + 16;
		if (dst[0] >= 224 || is_gateway(4, src))
			return;
		hl = (ip[0] & 0xf) * 4;
		nh = ip[9];
		frag = get16(ip + 6) & 0x3fff;
		later = get16(ip + 6) & 0x1fff;
		id = get16(ip + 4);
		off = hl;
	} else if (get16(b + 12) == ETH_P_IPV6 && iplen >= 40) {
		fam = 6;
		src = ip + 8;
		dst = ip + 24;
		if (dst[0] == 0xff || (src[0] == 0xfe && (src[1] & 0xc0) == 0x80) ||
		    is_gateway(6, src))
			return;
		nh = ip[6];
		off = 40;
		for (hops = 0; hops < 64 && off + 8 <= iplen; hops++) {
			p = ip + off;
			if (nh == NH_HOP || nh == NH_DEST || nh == 43) {
				nh = p[0];
				off += 8 * (p[1] + 1);
			} else if (nh == NH_FRAG) {
				frag = true;
				later = get16(p + 2) & 0xfff8;
				id = (uint32_t)p[4] << 24 | p[5] << 16 |
				     p[6] << 8 | p[7];
				nh = p[0];
				off += 8;
			} else if (nh == 51) {
				nh = p[0];
				off += 4 * (p[1] + 2);
			} else {
				break;
			}
		}
	} else {
		return;
	}

	if (later) {
		if (seen_first(fam, src, dst, id)) {
			cs.frags++;
			return;
		}
		h->arrived++;
		cs.datagrams++;
		note_norow(h, "a later fragment without its first", fam, src, dst);
		return;
	}
	h->arrived++;
	cs.datagrams++;
	if (in_set(fam, src, S_EDGE) || in_set(fam, dst, S_EDGE))
		cs.edge_arrivals++;
	if (frag)
		add_first(fam, src, dst, id);
	if ((nh == NH_TCP || nh == NH_UDP) && off + 4 <= iplen) {
		if (!rows_allow(fam, src, dst, nh, get16(ip + off),
				get16(ip + off + 2)))
			note_norow(h, "no row for its ports", fam, src, dst);
	} else if (!rows_allow(fam, src, dst, 0, 0, 0)) {
		note_norow(h, nh == 1 || nh == NH_ICMP6 ? "ICMP" : "no ports",
			   fam, src, dst);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read every host's capture until QUIET_MS pass without a frame. */
static void capture(bool count)
{
	struct pollfd pfd[NR_ROLES];
	uint8_t buf[FRAME_MAX + 64];
	struct sockaddr_ll sll;
	int64_t last = now_ms();
	socklen_t sl;
	ssize_t n;
	int i;

	for (i = 0; i < NR_ROLES; i++) {
		pfd[i].fd = hosts[i].fd;
		pfd[i].events = POLLIN;
	}
	for (;;) {
		int left = quiet_ms - (int)(now_ms() - last);

		if (left <= 0)
			break;
		if (poll(pfd, NR_ROLES, left) <= 0)
			continue;
		for (i = 0; i < NR_ROLES; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (;;) {
				sl = sizeof(sll);
				n = recvfrom(hosts[i].fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&sll, &sl);
				if (n < 0)
					break;
				/* The host's own frames go out, not in. */
				if (sll.sll_pkttype == PACKET_OUTGOING)
					continue;
				last = now_ms();
				if (count)
					arrival(&hosts[i], buf, n);
			}
		}
	}
}

/* A capture that lost frames would undercount what arrived. */
static void check_drops(void)
{
	struct tpacket_stats st;
	socklen_t len;
	int i;

	for (i = 0; i < NR_ROLES; i++) {
		len = sizeof(st);
		if (getsockopt(hosts[i].fd, SOL_PACKET, PACKET_STATISTICS, &st,
			       &len))
			die("PACKET_STATISTICS: %s", strerror(errno));
		if (st.tp_drops)
			die("the capture on %s dropped %u frames", hosts[i].role,
			    st.tp_drops);
	}
}

/* ---- the classes ---- */

static struct host *hp(enum role r)
{
	return &hosts[r];
}

/* A SYN (or FLAGS) from A to B:PORT, or a datagram, valid, sent. */
static void tcp_flow(int fam, enum role a, enum role b, uint16_t port,
		     uint8_t flags)
{
	struct frame f;

	fr_hosts(&f, fam, hp(a), hp(b));
	fr_tcp(&f, new_port(), port, flags, 0);
	fr_done(&f);
	tx(&f);
}

static void udp_flow(int fam, enum role a, enum role b, uint16_t sport,
		     uint16_t port)
{
	struct frame f;

	fr_hosts(&f, fam, hp(a), hp(b));
	fr_udp(&f, sport, port, 32);
	fr_done(&f);
	tx(&f);
}

/* The capture sees allowed flows both ways: the rest depends on it. */
static void c_baseline(int fam)
{
	tcp_flow(fam, PARTNER, EDGE, SIP, TH_SYN);
	udp_flow(fam, MESSENGER, EDGE, new_port(), STUN);
	tcp_flow(fam, EDGE, PARTNER, SIP, TH_SYN);
	udp_flow(fam, EDGE, MESSENGER, new_port(), STUN);
}

/* TCP SYNs from A to B:5061 cut to every length short of 20 bytes. */
static void tcp_trunc(int fam, enum role a, enum role b)
{
	struct frame f;
	size_t n;

	for (n = 0; n < 20; n++) {
		fr_hosts(&f, fam, hp(a), hp(b));
		fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
		l4_csum(&f);
		fr_cut_l4(&f, n);
		tx(&f);
	}
}

static void udp_trunc(int fam, enum role a, enum role b)
{
	struct frame f;
	size_t n;

	for (n = 0; n < 8; n++) {
		fr_hosts(&f, fam, hp(a), hp(b));
		fr_udp(&f, new_port(), STUN, 0);
		l4_csum(&f);
		fr_cut_l4(&f, n);
		tx(&f);
	}
}

static void c_tcp_trunc(int fam)
{
	tcp_trunc(fam, PARTNER, EDGE);
}

static void c_udp_trunc(int fam)
{
	udp_trunc(fam, MESSENGER, EDGE);
}

static void c_out_trunc(int fam)
{
	tcp_trunc(fam, EDGE, PARTNER);
	udp_trunc(fam, EDGE, MESSENGER);
}

/*
 * The IP length says the transport header is N bytes (0..19) while the
 * frame carries the whole SYN: the stack trims the packet to the length.
 */
static void c_len_short(int fam)
{
	struct frame f;
	size_t n;

	for (n = 0; n < 20; n++) {
		fr_hosts(&f, fam, hp(PARTNER), hp(EDGE));
		fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
		fr_done(&f);
		if (fam == 4) {
			put16(f.b + L3 + 2, 20 + n);
			ip4_hdr_csum(&f);
		} else {
			put16(f.b + L3 + 4, n);
		}
		tx(&f);
	}
}

/* The IP length claims more than the frame holds. */
static void c_len_long(int fam)
{
	static const unsigned int more[] = { 1, 100, 0 };
	struct frame f;
	unsigned int i, v;

	for (i = 0; i < 3; i++) {
		fr_hosts(&f, fam, hp(PARTNER), hp(EDGE));
		fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
		fr_done(&f);
		v = f.len - L3 - (fam == 4 ? 0 : 40) + more[i];
		if (!more[i])
			v = 0xffff;
		put16(f.b + L3 + (fam == 4 ? 2 : 4), v);
		if (fam == 4)
			ip4_hdr_csum(&f);
		tx(&f);
	}
}

/*
 * A whole 20-byte TCP header that conntrack refuses: a data offset below
 * 5 or beyond the segment, a bad checksum, flag combinations no
 * connection starts with (none, FIN, SYN+FIN, SYN+RST, RST).
 */
static void c_tcp_invalid(int fam)
{
	static const uint8_t flags[] = { 0, TH_FIN, TH_SYN | TH_FIN,
					 TH_SYN | TH_RST, TH_RST };
	struct frame f;
	unsigned int i;

	for (i = 0; i <= 15; i++) {
		if (i == 5)
			continue;
		fr_hosts(&f, fam, hp(PARTNER), hp(EDGE));
		fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
		f.b[f.l4 + 12] = i << 4;
		fr_done(&f);
		tx(&f);
	}
	fr_hosts(&f, fam, hp(PARTNER), hp(EDGE));
	fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
	fr_done(&f);
	f.b[f.l4 + 17] ^= 0x5a;
	tx(&f);
	for (i = 0; i < sizeof(flags); i++) {
		fr_hosts(&f, fam, hp(PARTNER), hp(EDGE));
		fr_tcp(&f, new_port(), SIP, flags[i], 0);
		fr_done(&f);
		tx(&f);
	}
}

/*
 * An ACK of no connection conntrack knows: nf_conntrack_tcp_loose (on by
 * default) picks it up as a new flow, so the rows judge it like a SYN.
 */
static void c_tcp_midstream(int fam)
{
	tcp_flow(fam, PARTNER, EDGE, SIP, TH_ACK);
	tcp_flow(fam, STRANGER, EDGE, SIP, TH_ACK);
}

/* UDP length below 8 or beyond the datagram, and a bad checksum. */
static void c_udp_invalid(int fam)
{
	static const unsigned int lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 41, 0xffff };
	struct frame f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		fr_hosts(&f, fam, hp(MESSENGER), hp(EDGE));
		fr_udp(&f, new_port(), STUN, 32);
		put16(f.b + f.l4 + 4, lens[i]);
		fr_done(&f);
		tx(&f);
	}
	fr_hosts(&f, fam, hp(MESSENGER), hp(EDGE));
	fr_udp(&f, new_port(), STUN, 32);
	fr_done(&f);
	f.b[f.l4 + 7] ^= 0x5a;
	tx(&f);
}

/* UDP with checksum 0, "none": legal in IPv4, not in IPv6 (RFC 8200). */
static void c_udp_nocsum(int fam)
{
	struct frame f;

	fr_hosts(&f, fam, hp(MESSENGER), hp(EDGE));
	fr_udp(&f, new_port(), STUN, 32);
	ip_lengths(&f);
	tx(&f);
}

/*
 * IPv4 headers ip_rcv() refuses before any hook: a bad header checksum,
 * IHL 0-4, IHL beyond the total length, version 5.
 */
static void c_v4_hdr_bad(int fam)
{
	struct frame f;
	unsigned int ihl;

	(void)fam;
	fr_hosts(&f, 4, hp(PARTNER), hp(EDGE));
	fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
	fr_done(&f);
	f.b[L3 + 10] ^= 0x5a;
	tx(&f);
	for (ihl = 0; ihl <= 15; ihl++) {
		if (ihl >= 5 && ihl <= 10)
			continue;
		fr_hosts(&f, 4, hp(PARTNER), hp(EDGE));
		fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
		fr_done(&f);
		f.b[L3] = 0x40 | ihl;
		ip4_hdr_csum(&f);
		tx(&f);
	}
	fr_hosts(&f, 4, hp(PARTNER), hp(EDGE));
	fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
	fr_done(&f);
	f.b[L3] = 0x55;
	ip4_hdr_csum(&f);
	tx(&f);
}

/*
 * Well-formed IPv4 options the gateway accepts (and, for the timestamp,
 * fills in as it forwards): NOPs and an end of list; an unknown option of
 * 40 bytes, the most there is room for; a timestamp with room for two.
 */
static void opts_ok(enum role from, uint16_t port)
{
	static const uint8_t nops[4] = { 1, 1, 1, 0 };
	static const uint8_t ts[12] = { 68, 12, 5, 0 };
	uint8_t big[40] = { 30, 40 };
	struct frame f;

	fr_hosts(&f, 4, hp(from), hp(EDGE));
	fr_opts(&f, nops, sizeof(nops));
	fr_tcp(&f, new_port(), port, TH_SYN, 0);
	fr_done(&f);
	tx(&f);
	fr_hosts(&f, 4, hp(from), hp(EDGE));
	fr_opts(&f, big, sizeof(big));
	fr_tcp(&f, new_port(), port, TH_SYN, 0);
	fr_done(&f);
	tx(&f);
	fr_hosts(&f, 4, hp(from), hp(EDGE));
	fr_opts(&f, ts, sizeof(ts));
	fr_tcp(&f, new_port(), port, TH_SYN, 0);
	fr_done(&f);
	tx(&f);
}

static void c_v4_opts_allowed(int fam)
{
	(void)fam;
	opts_ok(PARTNER, SIP);
}

static void c_v4_opts_denied(int fam)
{
	(void)fam;
	opts_ok(STRANGER, SIP);
}

/*
 * Options ip_options_compile() refuses (the gateway drops the packet
 * after PREROUTING and answers the sender): a length of 1, a length past
 * the header, a length of 8 in an IHL that leaves 4 bytes of options, a
 * timestamp pointer below its minimum.
 */
static void c_v4_opts_bad(int fam)
{
	static const uint8_t bad[][8] = {
		{ 30, 1, 0, 0 }, { 30, 44, 0, 0 }, { 30, 8, 0, 0 },
		{ 68, 8, 1, 0, 0, 0, 0, 0 },
	};
	static const size_t len[] = { 4, 4, 4, 8 };
	struct frame f;
	unsigned int i;

	(void)fam;
	for (i = 0; i < 4; i++) {
		fr_hosts(&f, 4, hp(PARTNER), hp(EDGE));
		fr_opts(&f, bad[i], len[i]);
		fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
		fr_done(&f);
		tx(&f);
	}
}

/* A SYN behind a chain of extension headers, TYPES[0] first. */
static void ext_syn(enum role from, uint16_t port, const uint8_t *types,
		    int n, unsigned int units)
{
	struct frame f;
	int i;

	fr_hosts(&f, 6, hp(from), hp(EDGE));
	for (i = 0; i < n; i++)
		fr_ext(&f, types[i], units);
	fr_tcp(&f, new_port(), port, TH_SYN, 0);
	fr_done(&f);
	tx(&f);
}

/*
 * Long chains: 1, 8 and 32 destination options headers, one of 64
 * bytes, hop-by-hop first then 16 destination options, and a second
 * hop-by-hop header later in the chain (only a leading one is processed
 * by a router; conntrack and lyncedge skip the others).
 */
static void c_v6_ext_allowed(int fam)
{
	uint8_t t[40];

	(void)fam;
	memset(t, NH_DEST, sizeof(t));
	ext_syn(PARTNER, SIP, t, 1, 0);
	ext_syn(PARTNER, SIP, t, 8, 0);
	ext_syn(PARTNER, SIP, t, 32, 0);
	ext_syn(PARTNER, SIP, t, 1, 7);
	t[0] = NH_HOP;
	ext_syn(PARTNER, SIP, t, 17, 0);
	t[2] = NH_HOP;
	ext_syn(PARTNER, SIP, t, 3, 0);
}

static void c_v6_ext_denied(int fam)
{
	uint8_t t[32];

	(void)fam;
	memset(t, NH_DEST, sizeof(t));
	ext_syn(STRANGER, SIP, t, 8, 0);
	ext_syn(PARTNER, 443, t, 32, 0);
}

/*
 * Chains that run past the packet: a header claiming 24 bytes with 8
 * left, a chain whose last header names another that is not there, the
 * TCP header cut to 10 bytes after 8 headers.
 */
static void c_v6_ext_trunc(int fam)
{
	struct frame f;
	int i;

	(void)fam;
	fr_hosts(&f, 6, hp(PARTNER), hp(EDGE));
	fr_ext(&f, NH_DEST, 0);
	f.b[f.nh + 1] = 2;
	fr_l4(&f, NH_TCP);
	ip_lengths(&f);
	tx(&f);

	fr_hosts(&f, 6, hp(PARTNER), hp(EDGE));
	for (i = 0; i < 8; i++)
		fr_ext(&f, NH_DEST, 0);
	f.b[f.nh] = NH_DEST;
	ip_lengths(&f);
	tx(&f);

	fr_hosts(&f, 6, hp(PARTNER), hp(EDGE));
	for (i = 0; i < 8; i++)
		fr_ext(&f, NH_DEST, 0);
	fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
	l4_csum(&f);
	fr_cut_l4(&f, 10);
	tx(&f);
}

/* "No next header" (59), right after the IPv6 header and after two headers. */
static void c_v6_nonext(int fam)
{
	struct frame f;

	(void)fam;
	fr_hosts(&f, 6, hp(PARTNER), hp(EDGE));
	fr_l4(&f, NH_NONE);
	fr_payload(&f, 8);
	ip_lengths(&f);
	tx(&f);
	fr_hosts(&f, 6, hp(PARTNER), hp(EDGE));
	fr_ext(&f, NH_DEST, 0);
	fr_ext(&f, NH_DEST, 0);
	fr_l4(&f, NH_NONE);
	ip_lengths(&f);
	tx(&f);
}

/*
 * Hop-by-hop headers ip6_rcv() refuses before any hook: an unknown option
 * whose type says "discard" (0x7e), 8 bytes of padding in a row, a header
 * longer than the packet.
 */
static void c_v6_hbh_bad(int fam)
{
	struct frame f;

	(void)fam;
	fr_hosts(&f, 6, hp(PARTNER), hp(EDGE));
	fr_ext(&f, NH_HOP, 0);
	f.b[f.nh + 2] = 0x7e;
	fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
	fr_done(&f);
	tx(&f);

	fr_hosts(&f, 6, hp(PARTNER), hp(EDGE));
	fr_ext(&f, NH_HOP, 1);
	f.b[f.nh + 2] = 1;
	f.b[f.nh + 3] = 12;
	memset(f.b + f.nh + 4, 0, 12);
	fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
	fr_done(&f);
	tx(&f);

	fr_hosts(&f, 6, hp(PARTNER), hp(EDGE));
	fr_ext(&f, NH_HOP, 0);
	f.b[f.nh + 1] = 200;
	fr_tcp(&f, new_port(), SIP, TH_SYN, 0);
	fr_done(&f);
	tx(&f);
}

/* Protocols no row names: experimental 253 and 254, Ethernet (143). */
static void c_proto(int fam)
{
	static const uint8_t protos[] = { 253, 254, 143 };
	struct frame f;
	unsigned int i;

	for (i = 0; i < sizeof(protos); i++) {
		fr_hosts(&f, fam, hp(PARTNER), hp(EDGE));
		fr_l4(&f, protos[i]);
		fr_payload(&f, 20);
		ip_lengths(&f);
		tx(&f);
	}
	fr_hosts(&f, fam, hp(EDGE), hp(PARTNER));
	fr_l4(&f, 253);
	fr_payload(&f, 20);
	ip_lengths(&f);
	tx(&f);
}

/* ---- fragments ---- */

static const size_t three[][2] = { { 0, 64 }, { 64, 64 }, { 128, 80 } };
static const size_t three_rev[][2] = { { 128, 80 }, { 64, 64 }, { 0, 64 } };

static void udp_datagram(struct frame *f, int fam, enum role a, enum role b,
			 uint16_t port, size_t payload, int exts)
{
	int i;

	fr_hosts(f, fam, hp(a), hp(b));
	for (i = 0; i < exts; i++)
		fr_ext(f, NH_DEST, 0);
	fr_udp(f, new_port(), port, payload);
	fr_done(f);
}

static void tcp_syn_payload(struct frame *f, int fam, enum role a,
			    enum role b, uint16_t port, size_t payload)
{
	fr_hosts(f, fam, hp(a), hp(b));
	fr_tcp(f, new_port(), port, TH_SYN, payload);
	fr_done(f);
}

/*
 * Datagrams of allowed flows in fragments: UDP in order and reversed,
 * and a SYN whose first fragment holds only its ports (IPv4: 8 bytes, the
 * "tiny fragment" of RFC 1858; IPv6, which needs the whole header chain
 * in the first fragment, RFC 8200: 24 bytes). IPv6 adds a datagram whose
 * fragment header follows 8 destination options headers. Defrag
 * reassembles each before conntrack: one verdict per datagram.
 */
static void c_frag_allowed(int fam)
{
	const size_t tiny[][2] = { { 0, fam == 4 ? 8 : 24 },
				   { fam == 4 ? 8 : 24, fam == 4 ? 36 : 20 } };
	const size_t two[][2] = { { 0, 16 }, { 16, 24 } };
	struct frame f;

	udp_datagram(&f, fam, MESSENGER, EDGE, STUN, 200, 0);
	tx_frags(&f, three, 3, new_id());
	udp_datagram(&f, fam, MESSENGER, EDGE, STUN, 200, 0);
	tx_frags(&f, three_rev, 3, new_id());
	tcp_syn_payload(&f, fam, PARTNER, EDGE, SIP, 24);
	tx_frags(&f, tiny, 2, new_id());
	if (fam == 6) {
		udp_datagram(&f, fam, MESSENGER, EDGE, STUN, 32, 8);
		tx_frags(&f, two, 2, new_id());
	}
}

static void c_frag_denied(int fam)
{
	const size_t two[][2] = { { 0, 24 }, { 24, 20 } };
	struct frame f;

	tcp_syn_payload(&f, fam, STRANGER, EDGE, SIP, 24);
	tx_frags(&f, two, 2, new_id());
	udp_datagram(&f, fam, PARTNER, EDGE, STUN, 200, 0);
	tx_frags(&f, three_rev, 3, new_id());
}

/* Pieces that never make a datagram: later fragments alone, a first alone. */
static void c_frag_held(int fam)
{
	struct frame f;

	udp_datagram(&f, fam, MESSENGER, EDGE, STUN, 200, 0);
	tx_frags(&f, three + 1, 2, new_id());
	udp_datagram(&f, fam, MESSENGER, EDGE, STUN, 200, 0);
	tx_frags(&f, three, 1, new_id());
}

/*
 * Overlapping fragments (RFC 5722 for IPv6; Linux does the same for
 * IPv4): the second piece rewrites bytes 8-15 of the first. The whole
 * queue is dropped.
 */
static void c_frag_overlap(int fam)
{
	const size_t overlap[][2] = { { 0, 16 }, { 8, 32 } };
	struct frame f;

	udp_datagram(&f, fam, MESSENGER, EDGE, STUN, 32, 0);
	tx_frags(&f, overlap, 2, new_id());
}

/*
 * A second first fragment with the same offset and length but other ports
 * (22 for 5061): a duplicate, which defrag drops. The datagram that
 * arrives carries the ports the rows judged.
 */
static void c_frag_dup(int fam)
{
	const size_t first[][2] = { { 0, 24 } }, rest[][2] = { { 24, 20 } };
	struct frame f, g;
	uint32_t id = new_id();

	tcp_syn_payload(&f, fam, PARTNER, EDGE, SIP, 24);
	g = f;
	put16(g.b + g.l4 + 2, 22);
	tx_frags(&f, first, 1, id);
	tx_frags(&g, first, 1, id);
	tx_frags(&f, rest, 1, id);
}

/*
 * IPv6 first fragment that does not hold the whole TCP header (8 of 20
 * bytes, against RFC 8200): defrag leaves it alone, conntrack cannot read
 * it, lyncedge counts it as malformed. Its second fragment waits for a
 * first that never comes.
 */
static void c_v6_frag_tiny(int fam)
{
	const size_t tiny[][2] = { { 0, 8 }, { 8, 36 } };
	struct frame f;

	(void)fam;
	tcp_syn_payload(&f, 6, PARTNER, EDGE, SIP, 24);
	tx_frags(&f, tiny, 2, new_id());
}

/* Atomic fragments (offset 0, M=0, RFC 6946). */
static void atomic(int fam, enum role a, bool udp, uint16_t port)
{
	const size_t whole[][2] = { { 0, udp ? 40 : 20 } };
	struct frame f;

	if (udp)
		udp_datagram(&f, fam, a, EDGE, port, 32, 0);
	else
		tcp_syn_payload(&f, fam, a, EDGE, port, 0);
	tx_frags(&f, whole, 1, new_id());
}

static void c_v6_atomic_allowed(int fam)
{
	(void)fam;
	atomic(6, PARTNER, false, SIP);
	atomic(6, MESSENGER, true, STUN);
}

static void c_v6_atomic_denied(int fam)
{
	(void)fam;
	atomic(6, STRANGER, false, SIP);
	atomic(6, PARTNER, true, STUN);
}

/* ---- ICMP errors ---- */

/*
 * The flows the ICMP classes quote: messenger:P1 -> edge:3478 (row 6) and
 * edge:P2 -> messenger:3478 (row 5), each a single datagram (conntrack:
 * NEW, unreplied; an ICMP error about it is RELATED).
 */
static struct frame icmp_flow_in[2], icmp_flow_out[2];

static void c_icmp_setup(int fam)
{
	struct frame *in = &icmp_flow_in[fam == 6], *out = &icmp_flow_out[fam == 6];

	udp_datagram(in, fam, MESSENGER, EDGE, STUN, 32, 0);
	tx(in);
	udp_datagram(out, fam, EDGE, MESSENGER, STUN, 32, 0);
	tx(out);
}

/* Port unreachable from FROM to TO about INNER, its IP header + 8 bytes. */
static void icmp_unreach(int fam, enum role from, enum role to,
			 const struct frame *inner, size_t quote)
{
	struct frame f;

	fr_hosts(&f, fam, hp(from), hp(to));
	if (fam == 4)
		fr_icmp_error(&f, 3, 3, inner, quote);
	else
		fr_icmp_error(&f, 1, 4, inner, quote);
	fr_done(&f);
	tx(&f);
}

static size_t quote_of(int fam)
{
	return (fam == 4 ? 20 : 40) + 8;
}

/* Each end answers the other's datagram with an error: RELATED. */
static void c_icmp_related(int fam)
{
	icmp_unreach(fam, EDGE, MESSENGER, &icmp_flow_in[fam == 6], quote_of(fam));
	icmp_unreach(fam, MESSENGER, EDGE, &icmp_flow_out[fam == 6], quote_of(fam));
}

/*
 * A stranger sends the edge an error about the edge's live flow to the
 * messenger: conntrack checks the error's destination against the flow,
 * not its source, so this is RELATED too (and passes as state).
 */
static void c_icmp_thirdparty(int fam)
{
	icmp_unreach(fam, STRANGER, EDGE, &icmp_flow_out[fam == 6], quote_of(fam));
}

/*
 * Errors about flows that do not exist (a port never used; a flow from
 * the edge to a partner that was never sent), and about a live flow but
 * sent to the wrong end of it (to the edge, about the messenger's datagram
 * to the edge).
 */
static void c_icmp_unrelated(int fam)
{
	struct frame ghost;

	udp_datagram(&ghost, fam, MESSENGER, EDGE, STUN, 32, 0);
	icmp_unreach(fam, EDGE, MESSENGER, &ghost, quote_of(fam));
	tcp_syn_payload(&ghost, fam, EDGE, PARTNER, SIP, 0);
	icmp_unreach(fam, PARTNER, EDGE, &ghost, quote_of(fam));
	icmp_unreach(fam, MESSENGER, EDGE, &icmp_flow_in[fam == 6], quote_of(fam));
}

/*
 * An error quoting only the IP header of a live flow's packet (no ports),
 * and an ICMP message of 4 bytes (type, code, checksum).
 */
static void c_icmp_trunc(int fam)
{
	struct frame f;

	icmp_unreach(fam, EDGE, MESSENGER, &icmp_flow_in[fam == 6],
		     fam == 4 ? 20 : 40);
	fr_hosts(&f, fam, hp(EDGE), hp(MESSENGER));
	fr_l4(&f, fam == 4 ? 1 : NH_ICMP6);
	f.b[f.len] = fam == 4 ? 3 : 1;
	f.len += 4;
	fr_done(&f);
	tx(&f);
}

/* ---- mutation ---- */

/*
 * A valid packet of an allowed flow (towards the edge, or from it), with
 * IPv4 options or IPv6 destination options now and then, mutated: bits
 * flipped, a byte set, the frame cut, a length field given a random
 * value; the IPv4 header checksum and the transport checksum are then
 * fixed up or not, at random, so that mutants get past ip_rcv() and
 * conntrack's checksum as well as not.
 */
static void mutant(int fam, bool out)
{
	static const uint8_t nops[4] = { 1, 1, 1, 0 };
	bool udp = rnd() & 1;
	enum role peer = udp ? MESSENGER : PARTNER;
	struct frame f;
	int ops, k, i;
	size_t pos;

	if (out)
		fr_hosts(&f, fam, hp(EDGE), hp(peer));
	else
		fr_hosts(&f, fam, hp(peer), hp(EDGE));
	if (!rnd_below(4)) {
		if (fam == 4) {
			fr_opts(&f, nops, sizeof(nops));
		} else {
			for (i = rnd_below(3) + 1; i > 0; i--)
				fr_ext(&f, NH_DEST, rnd_below(2));
		}
	}
	if (udp)
		fr_udp(&f, new_port(), STUN, rnd_below(64));
	else
		fr_tcp(&f, new_port(), SIP, TH_SYN, rnd_below(32));
	fr_done(&f);

	ops = rnd_below(3) + 1;
	for (k = 0; k < ops; k++) {
		switch (rnd_below(5)) {
		case 0:
		case 1:		/* bit flips in the IP and transport headers */
			for (i = rnd_below(4) + 1; i > 0; i--) {
				pos = L3 + rnd_below(f.len - L3);
				f.b[pos] ^= 1 << rnd_below(8);
			}
			break;
		case 2:		/* a byte set */
			f.b[L3 + rnd_below(f.len - L3)] = rnd();
			break;
		case 3:		/* cut */
			f.len = L3 + 1 + rnd_below(f.len - L3 - 1);
			break;
		case 4:		/* a length that lies */
			switch (rnd_below(3)) {
			case 0:
				if (fam == 4)
					put16(f.b + L3 + 2, rnd());
				else
					put16(f.b + L3 + 4, rnd());
				break;
			case 1:
				if (fam == 4)
					f.b[L3] = (f.b[L3] & 0xf0) | rnd_below(16);
				else
					f.b[L3 + 4] = 0;
				break;
			default:
				if (f.l4 + 14 > f.len)
					break;
				if (udp)
					put16(f.b + f.l4 + 4, rnd_below(80));
				else
					f.b[f.l4 + 12] = rnd_below(16) << 4;
			}
			break;
		}
	}
	if (fam == 4 && f.len >= L3 + 20 && rnd_below(10) < 7)
		ip4_hdr_csum(&f);
	if (f.l4 < f.len && rnd_below(2))
		l4_csum(&f);
	tx(&f);
}

static bool mutating;
static bool mutating_out;

static void mutate(int fam, bool out)
{
	int i;

	mutating = true;
	mutating_out = out;
	for (i = 0; i < mutate_count; i++)
		mutant(fam, out);
}

static void c_mutate_in(int fam)
{
	mutate(fam, false);
}

static void c_mutate_out(int fam)
{
	mutate(fam, true);
}

struct class {
	const char *name;
	int fam;
	void (*fn)(int fam);
};

#define BOTH(name, fn) { "v4-" name, 4, fn }, { "v6-" name, 6, fn }

static const struct class classes[] = {
	BOTH("baseline", c_baseline),
	BOTH("tcp-trunc", c_tcp_trunc),
	BOTH("udp-trunc", c_udp_trunc),
	BOTH("out-trunc", c_out_trunc),
	BOTH("len-short", c_len_short),
	BOTH("len-long", c_len_long),
	BOTH("tcp-invalid", c_tcp_invalid),
	BOTH("tcp-midstream", c_tcp_midstream),
	BOTH("udp-invalid", c_udp_invalid),
	BOTH("udp-nocsum", c_udp_nocsum),
	{ "v4-hdr-bad", 4, c_v4_hdr_bad },
	{ "v4-opts-allowed", 4, c_v4_opts_allowed },
	{ "v4-opts-denied", 4, c_v4_opts_denied },
	{ "v4-opts-bad", 4, c_v4_opts_bad },
	{ "v6-ext-allowed", 6, c_v6_ext_allowed },
	{ "v6-ext-denied", 6, c_v6_ext_denied },
	{ "v6-ext-trunc", 6, c_v6_ext_trunc },
	{ "v6-nonext", 6, c_v6_nonext },
	{ "v6-hbh-bad", 6, c_v6_hbh_bad },
	BOTH("proto", c_proto),
	BOTH("frag-allowed", c_frag_allowed),
	BOTH("frag-denied", c_frag_denied),
	BOTH("frag-held", c_frag_held),
	BOTH("frag-overlap", c_frag_overlap),
	BOTH("frag-dup", c_frag_dup),
	{ "v6-frag-tiny", 6, c_v6_frag_tiny },
	{ "v6-atomic-allowed", 6, c_v6_atomic_allowed },
	{ "v6-atomic-denied", 6, c_v6_atomic_denied },
	BOTH("icmp-setup", c_icmp_setup),
	BOTH("icmp-related", c_icmp_related),
	BOTH("icmp-thirdparty", c_icmp_thirdparty),
	BOTH("icmp-unrelated", c_icmp_unrelated),
	BOTH("icmp-trunc", c_icmp_trunc),
	BOTH("mutate-in", c_mutate_in),
	BOTH("mutate-out", c_mutate_out),
};

#define NR_CLASSES	ARRAY_SIZE(classes)

static const struct class *find_class(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CLASSES; i++)
		if (!strcmp(classes[i].name, name))
			return &classes[i];
	return NULL;
}

static bool is_row_or_state(const char *name)
{
	return !strncmp(name, "rule", 4) || !strcmp(name, "state");
}

/*
 * Run one class and print its line. BEFORE holds the counters on entry
 * and the counters on exit on return.
 */
static int run_class(const struct class *c, struct ctrs *before)
{
	struct ctrs after;
	long long d, passed = 0, total = 0;
	char moved[1024] = "", at[256] = "";
	int i, violations = 0;

	memset(&cs, 0, sizeof(cs));
	mutating = false;
	for (i = 0; i < NR_ROLES; i++)
		hosts[i].arrived = 0;
	cs.verbose_norow = !!strstr(c->name, "mutate");
	c->fn(c->fam);
	capture(true);
	check_drops();
	read_counters(&after);

	for (i = 0; i < after.n; i++) {
		d = after.v[i] - ctr_get(before, after.name[i]);
		if (!d)
			continue;
		total += d;
		if (is_row_or_state(after.name[i]))
			passed += d;
		snprintf(moved + strlen(moved), sizeof(moved) - strlen(moved),
			 "%s%s=%lld", *moved ? "," : "", after.name[i], d);
	}
	for (i = 0; i < NR_ROLES; i++) {
		if (!hosts[i].arrived)
			continue;
		snprintf(at + strlen(at), sizeof(at) - strlen(at), "%s%s:%d",
			 *at ? "," : "", hosts[i].role, hosts[i].arrived);
	}
	printf("class %s sent %d arrived %d at %s norow %d frags %d moved %s",
	       c->name, cs.sent, cs.datagrams, *at ? at : "-", cs.norow,
	       cs.frags, *moved ? moved : "-");
	if (mutating) {
		violations = cs.norow;
		/* Every datagram of edge traffic that arrived was let through
		 * by a row or by conntrack state, and counted there.
		 */
		if (cs.edge_arrivals > passed) {
			printf("\n# %d datagrams of edge traffic arrived, ",
			       cs.edge_arrivals);
			printf("rows and state counted %lld", passed);
			violations++;
		}
		/* Towards the edge, a frame gets at most one verdict (the
		 * gateway's ICMP errors go to the sender, which is not an
		 * edge address). From the edge, the gateway's errors to the
		 * edge address are judged too.
		 */
		if (!mutating_out && total > cs.sent) {
			printf("\n# %lld verdicts counted for %d frames sent",
			       total, cs.sent);
			violations++;
		}
		printf(" edge %d violations %d", cs.edge_arrivals, violations);
	}
	printf("\n");
	fflush(stdout);
	*before = after;
	return violations;
}

static const char usage[] =
	"usage: pktfuzz -g GWNS -L LYNCEDGE -H ROLE=NETNS... [-s SEED] [-n COUNT]\n"
	"               [-q QUIET_MS] CLASS...\n"
	"       pktfuzz -l";

int main(int argc, char **argv)
{
	const char *env_seed = NULL;
	struct ctrs ctrs;
	uint64_t seed;
	char *eq;
	int opt, i, r;
	size_t k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "g:L:H:s:n:q:l")) != -1) {
		switch (opt) {
		case 'g':
			gw_netns = optarg;
			break;
		case 'L':
			lyncedge = optarg;
			break;
		case 'H':
			eq = strchr(optarg, '=');
			if (!eq)
				die("-H ROLE=NETNS");
			*eq = '\0';
			for (r = 0; r < NR_ROLES; r++)
				if (!strcmp(hosts[r].role, optarg))
					hosts[r].netns = eq + 1;
			break;
		case 's':
			env_seed = optarg;
			break;
		case 'n':
			mutate_count = atoi(optarg);
			break;
		case 'q':
			quiet_ms = atoi(optarg);
			break;
		case 'l':
			for (k = 0; k < NR_CLASSES; k++)
				printf("%s\n", classes[k].name);
			return 0;
		default:
			die("%s", usage);
		}
	}
	if (!gw_netns || !lyncedge || optind == argc)
		die("%s", usage);
	for (i = optind; i < argc; i++)
		if (!find_class(argv[i]))
			die("no class '%s' (pktfuzz -l lists them)", argv[i]);

	if (env_seed)
		seed = strtoull(env_seed, NULL, 10);
	else
		seed = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
	printf("# pktfuzz: seed %llu\n", (unsigned long long)seed);
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	next_port = 20000 + rnd_below(20000);
	next_id = rnd();

	setup_hosts();
	/* Whatever the hosts received before this run is not ours. */
	capture(false);
	read_counters(&ctrs);
	for (i = optind; i < argc; i++)
		run_class(find_class(argv[i]), &ctrs);
	return 0;
}
