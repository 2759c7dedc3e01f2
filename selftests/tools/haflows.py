#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""haflows.py - the flows that selftests/ha.sh holds across gateway failovers.

  haflows.py [-i MS] [-p PORT] EDGE PARTNER CLIENT MESSENGER

One process holds every flow, both ends of each: it enters each host's
network namespace (the arguments, /run/netns names) in turn to make that
host's sockets, so under TCG one start-up serves them all. Per family (4,
6), with the addresses of selftests/lib.sh:

  sip-in     TCP partner -> edge:5061        row 1
  sip-out    TCP edge -> partner:5061        row 2
  https      TCP client -> edge:443          row 3
  stun-in    UDP messenger -> edge:3478      row 6
  stun-out   UDP edge -> messenger:3478      row 5

Each comes twice. The plain flow carries traffic all the time: TCP lines
from the initiator every -i MS (default 50), echoed by the responder; UDP
a datagram with a sequence number every MS in each direction (RTP-like).
The "-rf" flow is quiet across a failover and then the responder speaks
first: what a backup gateway without the flow's state sees as a new flow
in the wrong direction. Initiators use source ports from -p PORT (default
41000) up, so no reply is matched by a row by chance and runs do not
reuse each other's ports.

Commands, one a line on standard input; each answers on standard output:
  hold      the -rf flows stop their keepalives (an initiator's datagram
            every 2 s that keeps a quiet UDP flow's conntrack entry alive);
            answers "held"
  mark      the failover starts now: gaps and losses are counted from
            here; answers "marked"
  speak     the new gateway is ready: each -rf responder sends (again every
            500 ms until answered); answers "spoken"
  wait S    until every flow has carried traffic since "speak" (a plain
            flow: an answer to a message sent after it; an -rf flow: the
            initiator's answer), or S seconds; then one line per flow
              flow NAME F survived=yes|no gap_ms=N lost=N sent=N
            gap_ms: a plain flow's longest silence since "mark" (answers
            received by the initiator, either direction for UDP), still
            running if it never resumed; an -rf flow's time from "speak"
            to the answer. lost and sent: UDP datagrams since "mark", both
            directions (lost: missing from the sequence up to the last one
            received); 0 for TCP. Then "done". The -rf flows go back to
            their keepalives.
  quit      exit
Setup prints "ready" once every flow is established, or "error ..." and
exits 1.
"""

import ctypes
import os
import select
import socket
import sys
import time

CLONE_NEWNET = 0x40000000
A4 = {"edge": "203.0.113.10", "partner": "198.51.100.20",
      "client": "192.0.2.30", "messenger": "198.18.0.40"}
A6 = {"edge": "2001:db8:e::10", "partner": "2001:db8:1::20",
      "client": "2001:db8:2::30", "messenger": "2001:db8:3::40"}
# name, protocol, initiator, responder, destination port
FLOWS = [("sip-in", "tcp", "partner", "edge", 5061),
         ("sip-out", "tcp", "edge", "partner", 5061),
         ("https", "tcp", "client", "edge", 443),
         ("stun-in", "udp", "messenger", "edge", 3478),
         ("stun-out", "udp", "edge", "messenger", 3478)]
KEEPALIVE_S = 2.0
RESEND_S = 0.5

libc = ctypes.CDLL(None, use_errno=True)
now = time.monotonic


def die(msg):
    print("error " + msg, flush=True)
    sys.exit(1)


class Netns:
    """Enter a host's namespace; sockets made there stay there."""

    def __init__(self, names):
        self.fds = {}
        for role, name in names.items():
            path = name if "/" in name else "/run/netns/" + name
            self.fds[role] = os.open(path, os.O_RDONLY)

    def enter(self, role):
        if libc.setns(self.fds[role], CLONE_NEWNET) != 0:
            die("setns %s: %s" % (role, os.strerror(ctypes.get_errno())))


class Flow:
    def __init__(self, name, proto, fam, ini, resp, dport, sport, rf):
        self.name = name + ("-rf" if rf else "")
        self.proto, self.fam, self.rf = proto, fam, rf
        self.ini, self.resp, self.dport, self.sport = ini, resp, dport, sport
        self.addr = A4 if fam == 4 else A6
        self.af = socket.AF_INET if fam == 4 else socket.AF_INET6
        self.isock = self.rsock = None
        self.buf = {"i": b"", "r": b""}
        # Per receiving side ("i" the initiator, "r" the responder): the
        # next sequence number it sends, what it received since "mark",
        # its last reception and longest silence.
        self.seq = {"i": 0, "r": 0}
        self.rcvd = {"i": set(), "r": set()}
        self.top = {"i": -1, "r": -1}
        self.last_rx = {"i": 0.0, "r": 0.0}
        self.gap = {"i": 0.0, "r": 0.0}
        self.base = {"i": 0, "r": 0}	# seq sent by each side at "mark"
        self.thr = {"i": 0, "r": 0}	# seq sent by each side at "speak"
        self.marked = False
        # A UDP responder streams only once its initiator's first datagram
        # made the conntrack entry: before that it would be a new flow
        # in the wrong direction.
        self.r_started = False
        self.next_tx = 0.0
        self.speak_at = None	# -rf: when the responder spoke
        self.answered = None	# -rf: when the initiator's answer came
        self.established = False
        self.last_keepalive = 0.0

    def receivers(self):
        return ("i", "r") if self.proto == "udp" else ("i",)

    def alive(self):
        """Traffic since "speak": the -rf answer, or answers (both
        directions for UDP) to messages sent after it."""
        if self.rf:
            return self.answered is not None
        # A TCP initiator receives the echo of its own numbers; a UDP
        # side the other side's.
        if self.proto == "tcp":
            return self.top["i"] >= self.thr["i"]
        return self.top["i"] >= self.thr["r"] and self.top["r"] >= self.thr["i"]

    # ---- setup ----

    def setup(self, ns, listeners):
        i_addr, r_addr = self.addr[self.ini], self.addr[self.resp]
        if self.proto == "udp":
            ns.enter(self.resp)
            self.rsock = socket.socket(self.af, socket.SOCK_DGRAM)
            # Every responder of this port shares it; each is connected
            # to its initiator, and the kernel prefers the connected one.
            self.rsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.rsock.bind((r_addr, self.dport))
            self.rsock.connect((i_addr, self.sport))
            ns.enter(self.ini)
            self.isock = socket.socket(self.af, socket.SOCK_DGRAM)
            self.isock.bind((i_addr, self.sport))
            self.isock.connect((r_addr, self.dport))
        else:
            key = (self.resp, self.fam, self.dport)
            if key not in listeners:
                ns.enter(self.resp)
                ls = socket.socket(self.af, socket.SOCK_STREAM)
                ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                ls.bind((r_addr, self.dport))
                ls.listen(64)
                listeners[key] = ls
            ns.enter(self.ini)
            self.isock = socket.socket(self.af, socket.SOCK_STREAM)
            self.isock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.isock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.isock.bind((i_addr, self.sport))
            self.isock.settimeout(20)
            self.isock.connect((r_addr, self.dport))
            ls = listeners[key]
            ls.settimeout(20)
            pending = PENDING.setdefault(key, {})
            while self.sport not in pending:
                c, peer = ls.accept()
                pending[peer[1]] = c
            self.rsock = pending.pop(self.sport)
            self.rsock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.isock.setblocking(False)
        self.rsock.setblocking(False)

    # ---- traffic ----

    def send(self, side, word):
        s = self.isock if side == "i" else self.rsock
        try:
            s.send(word + (b"\n" if self.proto == "tcp" else b""))
        except OSError:
            pass	# a full buffer or an ICMP error: the flow shows it

    def tick(self, t, held):
        if self.rf:
            if self.speak_at is not None and self.answered is None:
                if t >= self.next_tx:
                    self.send("r", b"S")
                    # TCP retransmits by itself; a datagram is resent.
                    self.next_tx = t + (RESEND_S if self.proto == "udp"
                                        else 1e9)
            elif (not held and self.proto == "udp" and
                  t - self.last_keepalive >= KEEPALIVE_S):
                self.last_keepalive = t
                self.send("i", b"K")
            return
        if t < self.next_tx:
            return
        self.next_tx = t + INTERVAL
        self.send("i", b"%d" % self.seq["i"])
        self.seq["i"] += 1
        if self.proto == "udp" and self.r_started:
            self.send("r", b"%d" % self.seq["r"])
            self.seq["r"] += 1

    def readable(self, s, t):
        side = "i" if s is self.isock else "r"
        try:
            data = s.recv(65536)
        except OSError:
            return	# nothing yet, or an ICMP error on a UDP socket
        if self.proto == "udp":
            self.message(side, data, t)
            return
        if not data:
            return
        lines = (self.buf[side] + data).split(b"\n")
        self.buf[side] = lines[-1]
        for line in lines[:-1]:
            self.message(side, line, t)

    def message(self, side, msg, t):
        if msg == b"K":		# keepalive: answered
            self.send("r", b"k")
            return
        if msg == b"k":
            self.established = True
            return
        if msg == b"S":		# the -rf responder spoke: answer it
            self.send("i", b"A")
            return
        if msg == b"A":
            if self.speak_at is not None and self.answered is None:
                self.answered = t
            return
        n = int(msg)
        if self.proto == "tcp" and side == "r":
            self.send("r", msg)	# the echo
            return
        if side == "r":
            self.r_started = True
        self.established = True
        if self.marked:
            if self.last_rx[side]:
                self.gap[side] = max(self.gap[side], t - self.last_rx[side])
            self.rcvd[side].add(n)
        self.top[side] = max(self.top[side], n)
        self.last_rx[side] = t

    def mark(self, t):
        self.marked = True
        for s in ("i", "r"):
            self.base[s] = self.seq[s]
            self.rcvd[s] = set()
            self.gap[s] = 0.0
            # A silence that began before the mark counts from it.
            self.last_rx[s] = t
        self.speak_at = self.answered = None

    def speak(self, t):
        self.thr = dict(self.seq)
        if self.rf:
            self.speak_at = self.next_tx = t

    def report(self, t):
        ok = self.alive()
        lost = sent = 0
        if self.rf:
            gap = (self.answered if ok else t) - self.speak_at
        else:
            gap = 0.0
            for s in self.receivers():
                g = self.gap[s]
                if not ok:	# still silent: that counts too
                    g = max(g, t - self.last_rx[s])
                gap = max(gap, g)
        if self.proto == "udp" and not self.rf:
            for s in self.receivers():
                other = "r" if s == "i" else "i"
                n = self.seq[other] - self.base[other]
                got = len(self.rcvd[s])
                top = max(self.rcvd[s]) - self.base[other] + 1 if got else n
                lost += top - got
                sent += n
        return "flow %s %d survived=%s gap_ms=%d lost=%d sent=%d" % (
            self.name, self.fam, "yes" if ok else "no", gap * 1000, lost,
            sent)


PENDING = {}
INTERVAL = 0.05


def main(argv):
    global INTERVAL
    base = 41000
    usage = "usage: haflows.py [-i MS] [-p PORT] EDGE PARTNER CLIENT MESSENGER"
    args = argv[1:]
    while len(args) > 1 and args[0] in ("-i", "-p"):
        if args[0] == "-i":
            INTERVAL = int(args[1]) / 1000.0
        else:
            base = int(args[1])
        args = args[2:]
    if len(args) != 4:
        die(usage)
    ns = Netns(dict(zip(("edge", "partner", "client", "messenger"), args)))
    flows, listeners = [], {}
    port = base
    for fam in (4, 6):
        for rf in (False, True):
            for name, proto, ini, resp, dport in FLOWS:
                f = Flow(name, proto, fam, ini, resp, dport, port, rf)
                port += 1
                try:
                    f.setup(ns, listeners)
                except OSError as e:
                    die("%s IPv%d: %s" % (f.name, fam, e))
                flows.append(f)
    by_fd = {}
    poller = select.poll()
    for f in flows:
        for s in (f.isock, f.rsock):
            by_fd[s.fileno()] = (f, s)
            poller.register(s.fileno(), select.POLLIN)
    stdin = sys.stdin.fileno()
    poller.register(stdin, select.POLLIN)
    t = now()
    for f in flows:
        if f.rf:	# one exchange: the entry is replied, the flow works
            f.send("i", b"K")
            f.last_keepalive = t
    inbuf = b""
    held = ready = False
    deadline = None
    start = now()
    while True:
        t = now()
        for f in flows:
            f.tick(t, held)
        if not ready:
            if all(f.established for f in flows):
                ready = True
                print("ready", flush=True)
            elif t - start > 30:
                die("not established: " + " ".join(
                    "%s/%d" % (f.name, f.fam) for f in flows
                    if not f.established))
        if deadline is not None and (t >= deadline or
                                     all(f.alive() for f in flows)):
            for f in flows:
                print(f.report(t))
            print("done", flush=True)
            deadline = None
            held = False
            for f in flows:
                f.speak_at = None
        # Sleep until the next send is due: under TCG a busy loop would
        # take the CPU the gateways need.
        due = min([f.next_tx for f in flows if not f.rf] +
                  [f.next_tx for f in flows if f.speak_at is not None and
                   f.answered is None] + [t + 0.05])
        for fd, _ in poller.poll(max(0, int((due - now()) * 1000) + 1)):
            if fd != stdin:
                f, s = by_fd[fd]
                f.readable(s, now())
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                return 0
            inbuf += chunk
            while b"\n" in inbuf:
                line, inbuf = inbuf.split(b"\n", 1)
                cmd = line.decode().split()
                t = now()
                if not cmd:
                    continue
                if cmd[0] == "hold":
                    held = True
                    print("held", flush=True)
                elif cmd[0] == "mark":
                    for f in flows:
                        f.mark(t)
                    print("marked", flush=True)
                elif cmd[0] == "speak":
                    for f in flows:
                        f.speak(t)
                    print("spoken", flush=True)
                elif cmd[0] == "wait":
                    deadline = t + float(cmd[1])
                elif cmd[0] == "quit":
                    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
