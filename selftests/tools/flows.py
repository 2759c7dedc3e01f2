#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""flows.py - random configurations and flows for selftests/explain.sh.

  flows.py gen SEED COUNT CONFIG FLOWS
      Write a random configuration (CONFIG, the restore format: "SET PREFIX"
      lines) and the flows to try (FLOWS), both decided by SEED alone. FLOWS
      has one line per flow:
          NAME FAMILY PROTO SRC SPORT DST DPORT WITH-SPORT MODEL
      NAME is "rowN-F" (a flow row N allows, family F), "rowN-F-deny" (the
      same pair on a port no row has) or "sample" (COUNT of them). WITH-SPORT
      is 1 when explain is to be given the source port. MODEL is the verdict
      of a model of the table written here, independent of the module's
      code: "allow:N", "deny" or "not-edge".
  flows.py send IFNAME MAC FLOWS
      Send each flow's first packet (TCP SYN or UDP datagram), source
      address spoofed, as an Ethernet frame to MAC out of IFNAME, then an
      end marker (UDP END_SRC:9 -> END_DST:9, in no set).
  flows.py capture IFNAME OUT READY [TIMEOUT]
      Record every TCP/UDP packet IFNAME receives as "PROTO SRC SPORT DST
      DPORT" in OUT; the stack may drop them after (foreign destinations),
      the packet socket sees them first. Creates READY once listening; stops
      1 s after the end marker (or TIMEOUT s, default 300, after start) and
      ends OUT with "end SEEN DROPS" (SEEN 1 when the marker came, DROPS the
      packets the socket itself lost).

Addresses are written as Python's ipaddress module writes them, which is
RFC 5952 like inet_ntop(). Only the standard library: no scapy.
"""
import ipaddress
import os
import random
import socket
import struct
import sys
import time

END_SRC = "10.99.2.1"
END_DST = "10.99.3.1"

SETS = ("edge", "partners", "clients", "messenger")
# The table (the reference's rows): proto, dport range, source, destination.
ROWS = (
    ("tcp", 5061, 5061, "partners", "edge"),
    ("tcp", 5061, 5061, "edge", "partners"),
    ("tcp", 443, 443, "clients", "edge"),
    ("tcp", 50000, 59999, "edge", "messenger"),
    ("udp", 3478, 3478, "edge", "messenger"),
    ("udp", 3478, 3478, "messenger", "edge"),
)
# A port no row has, per row: the denied twin of each row's flow.
OFF_PORT = {1: 5060, 2: 5062, 3: 444, 4: (60000, 49999), 5: 3479, 6: 3477}
PORTS = (5061, 443, 3478, 50000, 59999, 60000, 49999,
         5060, 5062, 442, 444, 3477, 3479, 55555)

WIDTH = {4: 32, 6: 128}


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
    def __init__(self, seed):
        self.rng = random.Random(seed)
        # set -> family -> [Prefix]; lists, so that order is the seed's
        self.sets = {s: {4: [], 6: []} for s in SETS}
        self.seen = set()

    # ---- configuration ----

    def fresh_length(self, fam, name):
        r = self.rng
        if name == "edge":
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
        minlen = 24 if name == "edge" and fam == 4 else \
            112 if name == "edge" else 4 if fam == 4 else 16
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

    def config(self, path):
        counts = {"edge": 14, "partners": 40, "clients": 40, "messenger": 40}
        # Round robin, so that overlaps run between all sets both ways.
        for i in range(max(counts.values())):
            for name in SETS:
                for fam in (4, 6):
                    if i < counts[name]:
                        self.new_prefix(name, fam)
        with open(path, "w") as f:
            for name in SETS:
                for fam in (4, 6):
                    for p in self.sets[name][fam]:
                        f.write("%s %s\n" % (name, p.text()))

    # ---- the model ----

    def member(self, name, fam, a):
        return any(a in p for p in self.sets[name][fam])

    def model(self, fam, proto, src, dst, dport):
        if not self.member("edge", fam, src) and \
           not self.member("edge", fam, dst):
            return "not-edge"
        for i, (p, lo, hi, s, d) in enumerate(ROWS):
            if p == proto and lo <= dport <= hi and \
               self.member(s, fam, src) and self.member(d, fam, dst):
                return "allow:%d" % (i + 1)
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
        """An address in set NAME ("outside": anywhere), now and then at or
        just beyond a prefix's first or last address."""
        r = self.rng
        if name == "outside":
            return self.random_address(fam)
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
        return r.choice(PORTS) if r.random() < 0.8 else r.randint(1, 65535)

    def flow(self, name, fam, proto, src, dst, dport, with_sport=None):
        """Record a flow unless it (or its reverse, which conntrack would
        take for a reply) exists already; its line, or None."""
        r = self.rng
        if src == dst:
            return None
        sport = r.randint(1024, 65535)
        key = (fam, proto, src, sport, dst, dport)
        rkey = (fam, proto, dst, dport, src, sport)
        if key in self.seen or rkey in self.seen:
            return None
        self.seen.add(key)
        if with_sport is None:
            with_sport = r.random() < 0.8
        return "%s %d %s %s %d %s %d %d %s" % (
            name, fam, proto, fmt(fam, src), sport, fmt(fam, dst), dport,
            int(with_sport), self.model(fam, proto, src, dst, dport))

    def row_flow(self, row, fam):
        proto, lo, hi, s, d = ROWS[row - 1]
        dport = lo if lo == hi else self.rng.choice((lo, hi, self.rng.randint(lo, hi)))
        return proto, self.draw(s, fam), self.draw(d, fam), dport

    def row_cases(self):
        """Per row and family: a flow the row allows (and no earlier row),
        then the same pair on a port no row has."""
        out = []
        for fam in (4, 6):
            for row in range(1, 7):
                while True:
                    proto, src, dst, dport = self.row_flow(row, fam)
                    if row == 4:
                        dport = 59999 if fam == 4 else 50000
                    if self.model(fam, proto, src, dst, dport) != "allow:%d" % row:
                        continue
                    off = OFF_PORT[row]
                    if isinstance(off, tuple):
                        off = off[0] if fam == 4 else off[1]
                    a = self.flow("row%d-%d" % (row, fam), fam, proto, src, dst,
                                  dport, True)
                    b = a and self.flow("row%d-%d-deny" % (row, fam), fam,
                                        proto, src, dst, off, True)
                    if a and b:
                        out += [a, b]
                        break
        return out

    def sample(self, count):
        r = self.rng
        out = []
        others = ("partners", "clients", "messenger", "outside")
        while len(out) < count:
            fam = r.choice((4, 6))
            kind = r.random()
            if kind < 0.65:
                row = r.randint(1, 6)
                proto, src, dst, dport = self.row_flow(row, fam)
                if kind >= 0.35:
                    # A near miss: one thing of the row's flow wrong.
                    what = r.randint(0, 4)
                    if what == 0:
                        dport = self.port()
                    elif what == 1:
                        proto = "udp" if proto == "tcp" else "tcp"
                    elif what == 2:
                        src, dst = dst, src
                    elif what == 3:
                        src = self.draw(r.choice(SETS[1:] + ("outside",)), fam)
                    else:
                        dst = self.draw(r.choice(SETS[1:] + ("outside",)), fam)
            elif kind < 0.8:
                # Edge on one side, anything on the other.
                peer = self.draw(r.choice(SETS + ("outside",)), fam)
                edge = self.draw("edge", fam)
                src, dst = (edge, peer) if r.random() < 0.5 else (peer, edge)
                proto, dport = r.choice(("tcp", "udp")), self.port()
            else:
                # Most likely no edge at all.
                src = self.draw(r.choice(others), fam)
                dst = self.draw(r.choice(others), fam)
                proto, dport = r.choice(("tcp", "udp")), self.port()
            line = self.flow("sample", fam, proto, src, dst, dport)
            if line:
                out.append(line)
        return out


def cmd_gen(seed, count, config, flows):
    g = Gen(int(seed))
    g.config(config)
    end = g.model(4, "udp", int(ipaddress.IPv4Address(END_SRC)),
                  int(ipaddress.IPv4Address(END_DST)), 9)
    if end != "not-edge":
        sys.exit("flows.py: the end marker is edge traffic (%s)" % end)
    lines = g.row_cases() + g.sample(int(count))
    with open(flows, "w") as f:
        f.write("".join(line + "\n" for line in lines))


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


def cmd_send(ifname, mac, flows):
    hw = bytes(int(x, 16) for x in mac.split(":"))
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
    todo = []
    with open(flows) as f:
        for line in f:
            w = line.split()
            todo.append((int(w[1]), w[2], w[3], int(w[4]), w[5], int(w[6])))
    todo.append((4, "udp", END_SRC, 9, END_DST, 9))
    for i, (fam, proto, src, sport, dst, dport) in enumerate(todo):
        ethertype, pkt = packet(fam, proto, src, sport, dst, dport, i)
        sk.sendto(pkt, (ifname, ethertype, 0, 0, hw))
        # Small bursts: the receiver keeps up and no queue on the way
        # (netdev backlog, socket buffer) overflows.
        if i % 16 == 15:
            time.sleep(0.005)


def cmd_capture(ifname, out, ready, timeout="300"):
    eth_p_all = 0x0003
    packet_outgoing = 4
    sol_packet, packet_statistics = 263, 6
    so_rcvbufforce = 33
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                       socket.htons(eth_p_all))
    sk.setsockopt(socket.SOL_SOCKET, so_rcvbufforce, 32 << 20)
    sk.bind((ifname, eth_p_all))
    open(ready, "w").close()
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
        if (src, dst) == (END_SRC, END_DST) and not seen:
            seen = 1
            deadline = time.monotonic() + 1.0
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
    cmds = {"gen": (cmd_gen, 4, 4), "send": (cmd_send, 3, 3),
            "capture": (cmd_capture, 3, 4)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or \
       not cmds[sys.argv[1]][1] <= len(sys.argv) - 2 <= cmds[sys.argv[1]][2]:
        sys.stderr.write(__doc__)
        sys.exit(2)
    cmds[sys.argv[1]][0](*sys.argv[2:])


if __name__ == "__main__":
    main()
