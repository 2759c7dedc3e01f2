#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make_seeds.py DIR: write the seed corpus of fuzz_prefixset into DIR.

Each seed is a program in the format fuzz_prefixset.c describes: a few
updates of one kind (nested, adjacent, IPv6, refused, bulk), then lookups
at the edges of what they added. libFuzzer grows the rest from these.
"""
import ipaddress
import os
import sys

OP_UPDATE, OP_LOOKUP, OP_BULK, OP_FLUSH = range(4)
RAW = 4          # read_prefix(): keep the host bits as read


def prefix(text, raw=False):
    """read_prefix() kinds 0 and 1: a literal IPv4 or IPv6 prefix."""
    net = ipaddress.ip_network(text, strict=not raw)
    addr = ipaddress.ip_interface(text).ip.packed if raw else net.network_address.packed
    flags = RAW if raw else 0
    if net.version == 4:
        return bytes([0 | flags, net.prefixlen]) + addr
    # Only the bytes up to the last non-zero one are given.
    used = max(1, len(addr.rstrip(b"\0")))
    return bytes([1 | flags | (used - 1) << 3, net.prefixlen]) + addr[:used]


def bad_family(family, length):
    """read_prefix() kind 0 with the 0xff escape: a family the core refuses."""
    return bytes([0, length, 0xff, family, 0, 0])


def derived(index, delta):
    """read_prefix() kind 2: the model's prefix at index/256 of the set, length moved by delta."""
    return bytes([2, index, delta & 0xff])


def neighbour(index):
    """read_prefix() kind 3: the prefix the last bit of index's flips to."""
    return bytes([3, index])


def update(adds, dels=(), limit=None):
    # limit: max_prefixes = the set's size + limit (-8..7), else none.
    limit_byte = 0 if limit is None else 0x80 | (limit + 8)
    return bytes([OP_UPDATE, len(adds), len(dels), limit_byte]) + \
        b"".join(adds) + b"".join(dels)


def edges(index):
    """Lookups at the first and last address of a prefix, and beside them."""
    return b"".join(bytes([OP_LOOKUP, 1 | which << 1, index])
                    for which in range(4))


def lookup(text):
    addr = ipaddress.ip_address(text).packed
    if len(addr) == 4:
        return bytes([OP_LOOKUP, 0]) + addr
    used = max(1, len(addr.rstrip(b"\0")))
    return bytes([OP_LOOKUP, 2 | (used - 1) << 3]) + addr[:used]


def bulk(ipv4, count, seed):
    return bytes([OP_BULK, 1 if ipv4 else 0, count]) + seed.to_bytes(8, "big")


SEEDS = {
    "nested-adjacent-v4": update([prefix("10.0.0.0/8"), prefix("10.1.0.0/16"),
                                  prefix("192.0.2.0/24"), prefix("192.0.3.0/24"),
                                  prefix("0.0.0.0/32"), prefix("255.255.255.255/32")])
    + b"".join(edges(i) for i in range(6))
    + update([], [prefix("10.0.0.0/8")]) + lookup("10.2.0.1") + lookup("10.1.255.255"),
    "nested-v6": update([prefix("2001:db8::/32"), prefix("2001:db8:1::/48"),
                         prefix("2001:db8:0:1::/64"), prefix("::/0"),
                         prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")])
    + b"".join(edges(i) for i in range(5))
    + update([], [prefix("::/0")]) + lookup("2001:db9::") + lookup("2001:db8:ffff::1"),
    "derived": update([prefix("198.51.100.0/24"), prefix("2001:db8:e::/48")])
    + update([derived(0, 1), derived(0, -1), neighbour(0), neighbour(1)])
    + update([], [derived(1, 0)]) + b"".join(edges(i) for i in range(4)),
    "errors": update([prefix("203.0.113.0/24")])
    + update([], [prefix("203.0.114.0/24")])                  # absent: -ENOENT
    + update([prefix("203.0.113.1/24", raw=True)])            # host bits: -EINVAL
    + update([bad_family(5, 8)])                              # family: -EINVAL
    + update([prefix("192.0.2.0/24"), prefix("198.51.100.0/24")], limit=-7)  # -ENOSPC
    + update([prefix("192.0.2.0/24")], [prefix("192.0.2.0/24")])  # add then delete
    + bytes([OP_FLUSH]) + lookup("203.0.113.5"),
    # Small updates of a big set: the ranges are patched, not rebuilt.
    "bulk-v4-then-patch": bulk(True, 16, 0x1dcedea1)
    + update([prefix("10.0.0.0/8"), prefix("2001:db8::/32")], [derived(100, 0)])
    + update([neighbour(5), derived(200, 3)]) + edges(50) + edges(255)
    + lookup("10.255.255.255") + bytes([OP_FLUSH]),
    "bulk-v6-then-patch": update([prefix("192.0.2.0/24")]) + bulk(False, 0, 42)
    + update([neighbour(128), derived(60, -2), prefix("2001:db8::/29")],
             [derived(255, 0)])
    + edges(0) + edges(128) + edges(255) + lookup("2001:db8:ffff:ffff::1"),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "corpus/prefixset"
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
