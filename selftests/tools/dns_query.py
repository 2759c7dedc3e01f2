#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""dns_query.py - one DNS query, as the Edge Server's resolver makes it.

  dns_query.py {udp|tcp} SERVER NAME [SOURCE [TIMEOUT]]

Asks SERVER (port 53) for the A record (AAAA when SERVER is an IPv6
address) of NAME over UDP or TCP, from the local address SOURCE when given
(an Edge Server sends from its Access address), and prints each address of
the answer, one a line. Exit status: 0 answered with at least one address,
1 an answer without one (or a malformed one, or another error), 3 no
answer within TIMEOUT seconds (default 2), 4 refused (ICMP port
unreachable or RST), 5 unreachable, 6 EPERM (a local netfilter drop), 2
usage: the codes of tools/probe.

Only the standard library: no dig in the test images.
"""
import errno
import ipaddress
import random
import socket
import struct
import sys


def query(name, qtype, ident):
    labels = b"".join(bytes([len(p)]) + p.encode("ascii")
                      for p in name.rstrip(".").split("."))
    # Header: id, recursion desired, one question.
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + \
        labels + b"\0" + struct.pack("!HH", qtype, 1)


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xc0 == 0xc0:
            return off + 2
        off += 1 + n


def answers(msg, ident, qtype):
    """The addresses of the answer section; ValueError when malformed."""
    if len(msg) < 12:
        raise ValueError("short reply")
    rid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    if rid != ident or not flags & 0x8000:
        raise ValueError("not the reply to this query")
    if flags & 0xf:
        raise ValueError("rcode %d" % (flags & 0xf))
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    out = []
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        off += rdlen
        if rtype == qtype == 1 and rdlen == 4:
            out.append(str(ipaddress.IPv4Address(rdata)))
        elif rtype == qtype == 28 and rdlen == 16:
            out.append(str(ipaddress.IPv6Address(rdata)))
    return out


def main():
    if len(sys.argv) not in (4, 5, 6) or sys.argv[1] not in ("udp", "tcp"):
        sys.stderr.write(__doc__)
        return 2
    proto, server, name = sys.argv[1:4]
    source = sys.argv[4] if len(sys.argv) > 4 else None
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    qtype = 28 if fam == socket.AF_INET6 else 1
    ident = random.randrange(1 << 16)
    q = query(name, qtype, ident)
    sk = socket.socket(fam, socket.SOCK_DGRAM if proto == "udp"
                       else socket.SOCK_STREAM)
    sk.settimeout(timeout)
    try:
        if source:
            sk.bind((source, 0))
        if proto == "udp":
            sk.sendto(q, (server, 53))
            reply = sk.recv(65535)
        else:
            sk.connect((server, 53))
            sk.sendall(struct.pack("!H", len(q)) + q)
            reply = b""
            while len(reply) < 2 or len(reply) < 2 + \
                    struct.unpack("!H", reply[:2])[0]:
                chunk = sk.recv(65535)
                if not chunk:
                    raise ValueError("connection closed mid-reply")
                reply += chunk
            reply = reply[2:]
    except socket.timeout:
        sys.stderr.write("dns_query.py: no answer from %s over %s\n" %
                         (server, proto))
        return 3
    except (ConnectionRefusedError, ConnectionResetError) as e:
        sys.stderr.write("dns_query.py: %s\n" % e)
        return 4
    except OSError as e:
        sys.stderr.write("dns_query.py: %s\n" % e)
        return {errno.ENETUNREACH: 5, errno.EHOSTUNREACH: 5,
                errno.EPERM: 6}.get(e.errno, 1)
    try:
        addrs = answers(reply, ident, qtype)
    except (ValueError, IndexError, struct.error) as e:
        sys.stderr.write("dns_query.py: bad reply: %s\n" % e)
        return 1
    for a in addrs:
        print(a)
    return 0 if addrs else 1


if __name__ == "__main__":
    sys.exit(main())
