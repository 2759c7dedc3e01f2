#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""flows.py - random configurations and flows for selftests/explain.sh.

  flows.py gen SEED COUNT DIR
      Write into DIR, decided by SEED alone, one random configuration per
      combination of the optional profiles (pic is always on), and the
      flows to try under it:
        DIR/combos    one line per combination: "K PROFILES ROLES", K from
                      0, PROFILES the enabled ones ("pic,base"), ROLES the
                      role sets loaded ("access,av", or "-": all stand for
                      edge)
        DIR/config.K  the configuration, in the restore format: "mode
                      enforce", "profile NAME" lines, "SET PREFIX" lines.
                      The peer and edge sets are the same in every one;
                      the role sets are loaded or left empty per
                      combination, all three in the last one
        DIR/flows.K   one line per flow:
                        NAME FAMILY PROTO SRC SPORT DST DPORT WITH-SPORT MODEL
      In the last combination (every profile on) NAME is "row:LABEL:F" (a
      flow that row allows by its destination port, family F),
      "row:LABEL:F:sport" (one it allows by its source port, for the rows
      that read it) and "row:LABEL:F:deny" (the same addresses on a port
      that no row allows); every other flow is "sample", COUNT of them
      over all combinations. WITH-SPORT is 1 when explain is to be given
      the source port (when it is not, the port is outside every range a
      row reads it in). MODEL is the verdict of a model of the table
      written here: "allow:LABEL:dport" or "allow:LABEL:sport" (the row
      and the port that matched), "deny" or "not-edge".
  flows.py serve IFNAME MAC DIR
      For each line K read on stdin, send the first packet (TCP SYN or UDP
      datagram, source address spoofed) of each flow of DIR/flows.K as an
      Ethernet frame to MAC out of IFNAME, then combination K's end marker
      (UDP END_SRC:1000+K -> END_DST:9). "stop" sends the last marker
      (UDP END_SRC:9 -> END_DST:9) and ends.
  flows.py capture IFNAME OUT [TIMEOUT]
      Record every TCP/UDP packet IFNAME receives as "PROTO SRC SPORT DST
      DPORT" in OUT; the stack may drop them after (foreign destinations),
      the packet socket sees them first. Prints "ready" on stdout once
      listening and "end K" when combination K's end marker arrives; stops
      1 s after the last marker (or TIMEOUT s, default 900, after start)
      and ends OUT with "end SEEN DROPS" (SEEN 1 when the last marker came,
      DROPS the packets the socket itself lost).

The rows come from the module's table through table-rows ($TABLE_ROWS,
else build/selftests/table-rows): index, profile, label, proto, port
range, whether the row reads the source port too, source and destination.
What the model adds is the README's reading of them, written here
independently of the module's code: rows match in index order, first match
wins, only those of enabled profiles; an empty role set (access, webconf,
av) stands for edge; "any" is every address; a packet is the module's
business when one of its addresses is in edge or a role set.

Addresses are written as Python's ipaddress module writes them, which is
RFC 5952 like inet_ntop(). Only the standard library: no scapy.
"""
import ipaddress
import os
import random
import socket
import struct
import subprocess
import sys
import time

END_SRC = "10.99.2.1"
END_DST = "10.99.3.1"
LAST_MARKER_SPORT = 9
MARKER_SPORT_BASE = 1000

PEER_SETS = ("partners", "clients", "messenger")
ROLE_SETS = ("access", "webconf", "av")
# The sets whose addresses make a packet the module's business.
EDGE_SIDE = ("edge",) + ROLE_SETS
SETS = ("edge",) + PEER_SETS + ROLE_SETS

WIDTH = {4: 32, 6: 128}


class Row:
    def __init__(self, line):
        w = line.split()
        if len(w) != 10:
            raise ValueError("table-rows: bad line %r" % line)
        self.index = int(w[0])
        self.profile, self.label, self.service, self.proto = w[1:5]
        self.lo, self.hi = int(w[5]), int(w[6])
        self.reads_sport = w[7] == "dport|sport"
        if w[7] not in ("dport", "dport|sport"):
            raise ValueError("table-rows: unknown port reading %r" % w[7])
        self.src, self.dst = w[8], w[9]
        for e in (self.src, self.dst):
            if e != "any" and e not in SETS:
                raise ValueError("table-rows: unknown set %r" % e)

    def covers(self, port):
        return self.lo <= port <= self.hi


def table_rows():
    path = os.environ.get("TABLE_ROWS") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build",
        "selftests", "table-rows")
    out = subprocess.run([path], check=True, stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    rows = [Row(line) for line in out.splitlines() if line.strip()]
    if not rows or rows[0].profile != "pic":
        raise ValueError("table-rows: no rows, or pic's not first")
    profiles = []
    for r in rows:
        if r.profile not in profiles:
            profiles.append(r.profile)
    return rows, profiles


def bad_address(fam, a):
    """Addresses a router will not forward (or that are the test's own)."""
    if fam == 4:
        for base, length in ((0x00000000, 8), (0x0a630000, 16),  # 10.99/16
                             (0x7f000000, 8), (0xa9fe0000, 16),
                             (0xe0000000, 3)):  # multicast, class E, bcast
            if a >> (32 - length) == base >> (32 - length):
                return True
        return False
    # Global unicast (2000::/3) and unique local (fc00::/7) only.
    return not (a >> 125 == 1 or a >> 121 == 0x7e)


def fmt(fam, a):
    if fam == 4:
        return str(ipaddress.IPv4Address(a))
    return str(ipaddress.IPv6Address(a))


class Prefix:
    def __init__(self, fam, base, length):
        self.fam = fam
        self.length = length
        self.host = WIDTH[fam] - length
        self.base = base >> self.host << self.host
        self.last = self.base | ((1 << self.host) - 1)

    def __contains__(self, a):
        return a >> self.host == self.base >> self.host

    def text(self):
        if self.host == 0:
            return fmt(self.fam, self.base)
        return "%s/%d" % (fmt(self.fam, self.base), self.length)


class Gen:
    def __init__(self, seed, rows, profiles):
        self.rng = random.Random(seed)
        self.rows = rows
        self.profiles = profiles
        # set -> family -> [Prefix]; lists, so that order is the seed's
        self.sets = {s: {4: [], 6: []} for s in SETS}
        self.seen = set()
        # The combination being generated: enabled profiles, loaded roles.
        self.enabled = set(profiles)
        self.loaded = set(ROLE_SETS)
        # Every range a row reads the source port in: a flow explain is
        # not told the source port of must keep its port out of them.
        self.sport_ranges = [(r.lo, r.hi) for r in rows if r.reads_sport]
        ports = set()
        for r in rows:
            ports.update((r.lo, r.hi, r.lo - 1, r.hi + 1,
                          (r.lo + r.hi) // 2))
        self.ports = sorted(p for p in ports if 1 <= p <= 65535)

    # ---- configuration ----

    def edge_like(self, name):
        return name == "edge" or name in ROLE_SETS

    def fresh_length(self, fam, name):
        r = self.rng
        if self.edge_like(name):
            return r.choice((32, 32, 32, 31, 30, 29, 28, 24)) if fam == 4 else \
                r.choice((128, 128, 128, 127, 126, 124, 120, 112))
        if fam == 4:
            return r.choice((r.randint(4, 7),) + (r.randint(8, 15),) * 6 +
                            (r.randint(16, 23),) * 10 +
                            (r.randint(24, 31),) * 9 + (32,) * 4)
        return r.choice((r.randint(16, 31),) * 2 + (r.randint(32, 47),) * 5 +
                        (r.randint(48, 63),) * 5 + (64,) * 3 +
                        (r.randint(65, 127),) * 3 + (128,) * 2)

    def new_prefix(self, name, fam):
        r = self.rng
        w = WIDTH[fam]
        minlen = 24 if self.edge_like(name) and fam == 4 else \
            112 if self.edge_like(name) else 4 if fam == 4 else 16
        every = [p for s in SETS for p in self.sets[s][fam]]
        while True:
            if every and r.random() < 0.3:
                # Overlap on purpose: inside or around a prefix of any set.
                p = r.choice(every)
                inside = p.length < w
                around = p.length - 1 >= minlen
                if not inside and not around:
                    continue
                if inside and (not around or r.random() < 0.6):
                    length = r.randint(max(p.length + 1, minlen),
                                       min(w, max(p.length + 16, minlen)))
                    base = p.base | (r.getrandbits(w) & ((1 << p.host) - 1))
                else:
                    length = r.randint(max(minlen, p.length - 8),
                                       p.length - 1)
                    base = p.base
            else:
                length = max(self.fresh_length(fam, name), minlen)
                base = self.random_address(fam)
            q = Prefix(fam, base, length)
            if bad_address(fam, q.base) or bad_address(fam, q.last):
                continue
            if any(o.base == q.base and o.length == q.length
                   for o in self.sets[name][fam]):
                continue
            self.sets[name][fam].append(q)
            return

    def make_sets(self):
        counts = {"edge": 10, "partners": 40, "clients": 40, "messenger": 40,
                  "access": 5, "webconf": 5, "av": 5}
        # Round robin, so that overlaps run between all sets both ways.
        for i in range(max(counts.values())):
            for name in SETS:
                for fam in (4, 6):
                    if i < counts[name]:
                        self.new_prefix(name, fam)

    def write_config(self, path):
        with open(path, "w") as f:
            f.write("mode enforce\n")
            for p in self.profiles[1:]:
                if p in self.enabled:
                    f.write("profile %s\n" % p)
            for name in SETS:
                if name in ROLE_SETS and name not in self.loaded:
                    continue
                for fam in (4, 6):
                    for p in self.sets[name][fam]:
                        f.write("%s %s\n" % (name, p.text()))

    # ---- the model ----

    def effective(self, name):
        """The set an endpoint reads: an empty role set stands for edge."""
        if name in ROLE_SETS and name not in self.loaded:
            return "edge"
        return name

    def member(self, name, fam, a):
        if name in ROLE_SETS and name not in self.loaded:
            return False
        return any(a in p for p in self.sets[name][fam])

    def endpoint_has(self, endpoint, fam, a):
        return endpoint == "any" or \
            self.member(self.effective(endpoint), fam, a)

    def model(self, fam, proto, src, sport, dst, dport):
        if not any(self.member(s, fam, src) or self.member(s, fam, dst)
                   for s in EDGE_SIDE):
            return "not-edge"
        for r in self.rows:
            if r.profile not in self.enabled or r.proto != proto:
                continue
            if r.covers(dport):
                matched = "dport"
            elif r.reads_sport and r.covers(sport):
                matched = "sport"
            else:
                continue
            if self.endpoint_has(r.src, fam, src) and \
               self.endpoint_has(r.dst, fam, dst):
                return "allow:%s:%s" % (r.label, matched)
        return "deny"

    # ---- addresses and flows ----

    def random_address(self, fam):
        r = self.rng
        while True:
            if fam == 4:
                a = r.getrandbits(32)
            elif r.random() < 0.9:
                a = 1 << 125 | r.getrandbits(125)
            else:
                a = 0x7e << 121 | r.getrandbits(121)
            if not bad_address(fam, a):
                return a

    def draw(self, name, fam):
        """An address in set NAME as the current combination reads it ("any"
        or "outside": anywhere), now and then at or just beyond a prefix's
        first or last address."""
        r = self.rng
        if name in ("any", "outside"):
            return self.random_address(fam)
        name = self.effective(name)
        for _ in range(100):
            p = r.choice(self.sets[name][fam])
            x = r.random()
            if x < 0.1:
                a = r.choice((p.base, p.last))
            elif x < 0.18:
                a = r.choice((p.base - 1, p.last + 1))
            else:
                a = p.base | (r.getrandbits(WIDTH[fam]) & ((1 << p.host) - 1))
            if 0 <= a < 1 << WIDTH[fam] and not bad_address(fam, a):
                return a
        return self.random_address(fam)

    def port(self):
        r = self.rng
        return r.choice(self.ports) if r.random() < 0.8 else r.randint(1, 65535)

    def in_sport_range(self, port):
        return any(lo <= port <= hi for lo, hi in self.sport_ranges)

    def plain_sport(self):
        """A source port no row reads."""
        while True:
            p = self.rng.randint(1024, 65535)
            if not self.in_sport_range(p):
                return p

    def flow(self, name, fam, proto, src, dst, dport, sport=None,
             with_sport=None):
        """Record a flow unless it (or its reverse, which conntrack would
        take for a reply) exists already; its line, or None."""
        r = self.rng
        if src == dst:
            return None
        if with_sport is None:
            with_sport = r.random() < 0.8 or \
                (sport is not None and self.in_sport_range(sport))
        if sport is None:
            sport = r.randint(1024, 65535) if with_sport else self.plain_sport()
        if not with_sport and self.in_sport_range(sport):
            raise ValueError("explain would not see source port %d" % sport)
        key = (fam, proto, src, sport, dst, dport)
        rkey = (fam, proto, dst, dport, src, sport)
        if key in self.seen or rkey in self.seen:
            return None
        self.seen.add(key)
        return "%s %d %s %s %d %s %d %d %s" % (
            name, fam, proto, fmt(fam, src), sport, fmt(fam, dst), dport,
            int(with_sport), self.model(fam, proto, src, sport, dst, dport))

    def row_flow(self, row, fam, reading):
        """A flow shaped like ROW: addresses from its endpoints, the port
        READING reads in its range, the other port outside every range."""
        r = self.rng
        in_range = r.choice((row.lo, row.hi, r.randint(row.lo, row.hi)))
        if reading == "dport":
            dport, sport = in_range, self.plain_sport()
        else:
            sport, dport = in_range, self.off_port(row)
        return row.proto, self.draw(row.src, fam), self.draw(row.dst, fam), \
            sport, dport

    def off_port(self, row):
        """A destination port outside ROW's range, near it or not."""
        r = self.rng
        while True:
            p = r.choice((row.lo - 1, row.hi + 1, r.randint(1, 65535)))
            if 1 <= p <= 65535 and not row.covers(p):
                return p

    def row_cases(self):
        """Every row, in both families, as the combination with every
        profile on and every role set loaded reads it: a flow it allows
        by the destination port (and, for a row that reads it, one by the
        source port), then the same addresses on a port nothing allows."""
        out = []
        for fam in (4, 6):
            for row in self.rows:
                readings = ("dport", "sport") if row.reads_sport else ("dport",)
                for reading in readings:
                    out += self.row_case(row, fam, reading)
        return out

    def row_case(self, row, fam, reading):
        name = "row:%s:%d" % (row.label, fam)
        want = "allow:%s:%s" % (row.label, reading)
        for _ in range(10000):
            proto, src, dst, sport, dport = self.row_flow(row, fam, reading)
            if self.model(fam, proto, src, sport, dst, dport) != want:
                continue
            # The denied twin: a port none of the rows allows these
            # addresses on, the source port read by none either.
            twin_sport = self.plain_sport()
            for _ in range(100):
                off = self.off_port(row)
                if self.model(fam, proto, src, twin_sport, dst, off) == "deny":
                    break
            else:
                continue
            suffix = ":sport" if reading == "sport" else ""
            a = self.flow(name + suffix, fam, proto, src, dst, dport, sport, True)
            b = a and self.flow(name + ":deny" + suffix, fam, proto, src, dst,
                                off, twin_sport, True)
            if a and b:
                return [a, b]
        raise ValueError("no flow that row %s allows by %s in IPv%d" %
                         (row.label, reading, fam))

    def sample(self, count):
        r = self.rng
        out = []
        others = PEER_SETS + ("outside",)
        edge_side = ("edge",) + tuple(s for s in ROLE_SETS if s in self.loaded)
        while len(out) < count:
            fam = r.choice((4, 6))
            kind = r.random()
            sport = None
            if kind < 0.6:
                # Shaped like any row, its profile enabled or not.
                row = r.choice(self.rows)
                reading = "sport" if row.reads_sport and r.random() < 0.4 \
                    else "dport"
                proto, src, dst, sport, dport = self.row_flow(row, fam, reading)
                if kind >= 0.3:
                    # A near miss: one thing of the row's flow wrong.
                    what = r.randint(0, 5)
                    if what == 0:
                        dport = self.port()
                    elif what == 1:
                        proto = "udp" if proto == "tcp" else "tcp"
                    elif what == 2:
                        # The other side starts it.
                        src, dst = dst, src
                    elif what == 3:
                        src = self.draw(r.choice(SETS[1:] + ("outside",)), fam)
                    elif what == 4:
                        dst = self.draw(r.choice(SETS[1:] + ("outside",)), fam)
                    else:
                        # The row's range on the port it does not read.
                        sport, dport = (r.randint(row.lo, row.hi),
                                        self.off_port(row))
            elif kind < 0.8:
                # An edge-side address on one side, anything on the other.
                peer = self.draw(r.choice(SETS + ("outside",)), fam)
                edge = self.draw(r.choice(edge_side), fam)
                src, dst = (edge, peer) if r.random() < 0.5 else (peer, edge)
                proto, dport = r.choice(("tcp", "udp")), self.port()
            else:
                # Most likely no edge at all.
                src = self.draw(r.choice(others), fam)
                dst = self.draw(r.choice(others), fam)
                proto, dport = r.choice(("tcp", "udp")), self.port()
            line = self.flow("sample", fam, proto, src, dst, dport, sport)
            if line:
                out.append(line)
        return out


def cmd_gen(seed, count, outdir):
    rows, profiles = table_rows()
    g = Gen(int(seed), rows, profiles)
    g.make_sets()
    optional = profiles[1:]
    n = 1 << len(optional)
    count = int(count)
    combos = []
    for k in range(n):
        g.enabled = {"pic"} | {p for i, p in enumerate(optional) if k >> i & 1}
        if k == n - 1:
            g.loaded = set(ROLE_SETS)
        else:
            g.loaded = {s for s in ROLE_SETS if g.rng.random() < 0.5}
        end = g.model(4, "udp", int(ipaddress.IPv4Address(END_SRC)),
                      MARKER_SPORT_BASE + k,
                      int(ipaddress.IPv4Address(END_DST)), 9)
        if end != "not-edge":
            sys.exit("flows.py: the end marker is edge traffic (%s)" % end)
        lines = g.row_cases() if k == n - 1 else []
        # COUNT spread over the combinations, the first ones one more.
        lines += g.sample(count // n + (k < count % n))
        g.write_config(os.path.join(outdir, "config.%d" % k))
        with open(os.path.join(outdir, "flows.%d" % k), "w") as f:
            f.write("".join(line + "\n" for line in lines))
        combos.append("%d %s %s\n" % (
            k, ",".join(p for p in profiles if p in g.enabled),
            ",".join(s for s in ROLE_SETS if s in g.loaded) or "-"))
    with open(os.path.join(outdir, "combos"), "w") as f:
        f.write("".join(combos))


# ---- packets ----

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def packet(fam, proto, src, sport, dst, dport, ident):
    s = ipaddress.ip_address(src).packed
    d = ipaddress.ip_address(dst).packed
    if proto == "tcp":
        pnum = socket.IPPROTO_TCP
        # SYN, no options, 20 bytes.
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 0x10000000 + ident, 0,
                         5 << 4, 0x02, 64240, 0, 0)
        where = 16
    else:
        pnum = socket.IPPROTO_UDP
        payload = b"lyncedge"
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        where = 6
    if fam == 4:
        pseudo = s + d + struct.pack("!BBH", 0, pnum, len(l4))
    else:
        pseudo = s + d + struct.pack("!IxxxB", len(l4), pnum)
    c = csum(pseudo + l4)
    if pnum == socket.IPPROTO_UDP and c == 0:
        c = 0xffff
    l4 = l4[:where] + struct.pack("!H", c) + l4[where + 2:]
    if fam == 4:
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident & 0xffff,
                        0x4000, 64, pnum, 0, s, d)
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        return 0x0800, h + l4
    return 0x86dd, struct.pack("!IHBB16s16s", 6 << 28, len(l4), pnum, 64,
                               s, d) + l4


def read_flows(path):
    todo = []
    with open(path) as f:
        for line in f:
            w = line.split()
            todo.append((int(w[1]), w[2], w[3], int(w[4]), w[5], int(w[6])))
    return todo


def cmd_serve(ifname, mac, flowdir):
    hw = bytes(int(x, 16) for x in mac.split(":"))
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
    ident = 0
    for line in sys.stdin:
        k = line.strip()
        if k == "stop":
            todo = [(4, "udp", END_SRC, LAST_MARKER_SPORT, END_DST, 9)]
        else:
            todo = read_flows(os.path.join(flowdir, "flows." + k))
            todo.append((4, "udp", END_SRC, MARKER_SPORT_BASE + int(k),
                         END_DST, 9))
        for i, (fam, proto, src, sport, dst, dport) in enumerate(todo):
            ethertype, pkt = packet(fam, proto, src, sport, dst, dport, ident)
            ident += 1
            sk.sendto(pkt, (ifname, ethertype, 0, 0, hw))
            # Small bursts: the receiver keeps up and no queue on the way
            # (netdev backlog, socket buffer) overflows.
            if i % 16 == 15:
                time.sleep(0.005)
        if k == "stop":
            return


def cmd_capture(ifname, out, timeout="900"):
    eth_p_all = 0x0003
    packet_outgoing = 4
    sol_packet, packet_statistics = 263, 6
    so_rcvbufforce = 33
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                       socket.htons(eth_p_all))
    sk.setsockopt(socket.SOL_SOCKET, so_rcvbufforce, 32 << 20)
    sk.bind((ifname, eth_p_all))
    print("ready", flush=True)
    deadline = time.monotonic() + float(timeout)
    seen = 0
    lines = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sk.settimeout(left)
        try:
            data, addr = sk.recvfrom(65536)
        except socket.timeout:
            break
        if addr[2] == packet_outgoing:
            continue
        if addr[1] == 0x0800 and len(data) >= 20:
            fam, pnum = 4, data[9]
            src, dst = data[12:16], data[16:20]
            l4 = data[(data[0] & 0xf) * 4:]
        elif addr[1] == 0x86dd and len(data) >= 40:
            fam, pnum = 6, data[6]
            src, dst = data[8:24], data[24:40]
            l4 = data[40:]
        else:
            continue
        if pnum not in (socket.IPPROTO_TCP, socket.IPPROTO_UDP) or len(l4) < 4:
            continue
        sport, dport = struct.unpack("!HH", l4[:4])
        src = str(ipaddress.ip_address(src))
        dst = str(ipaddress.ip_address(dst))
        if (src, dst) == (END_SRC, END_DST):
            if sport == LAST_MARKER_SPORT and not seen:
                seen = 1
                deadline = time.monotonic() + 1.0
            elif sport >= MARKER_SPORT_BASE:
                print("end %d" % (sport - MARKER_SPORT_BASE), flush=True)
            continue
        lines.append("%s %s %d %s %d\n" % (
            "tcp" if pnum == socket.IPPROTO_TCP else "udp", src, sport, dst,
            dport))
    _, drops = struct.unpack("II", sk.getsockopt(sol_packet,
                                                 packet_statistics, 8))
    with open(out + ".tmp", "w") as f:
        f.write("".join(lines))
        f.write("end %d %d\n" % (seen, drops))
    os.rename(out + ".tmp", out)


def main():
    cmds = {"gen": (cmd_gen, 3, 3), "serve": (cmd_serve, 3, 3),
            "capture": (cmd_capture, 2, 3)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or \
       not cmds[sys.argv[1]][1] <= len(sys.argv) - 2 <= cmds[sys.argv[1]][2]:
        sys.stderr.write(__doc__)
        sys.exit(2)
    cmds[sys.argv[1]][0](*sys.argv[2:])


if __name__ == "__main__":
    main()
