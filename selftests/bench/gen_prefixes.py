#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate benchmark prefix sets: distinct, NON-overlapping prefixes.

  gen_prefixes.py --count N [--seed S] [--family mixed|4|6]
                  [--format list|lyncedge|nft|ipset] [--set NAME]
                  [--table T] [--maxelem M] [--exclude PREFIX]...
                  [--emit FORMAT=FILE]... [--spare K --spare-file FILE]

The same --count, --seed, --family and --exclude always give the same
prefixes, in the same (shuffled) order, whatever the format: the output of
one format can be compared with another's.

Prefixes: mixed is half IPv4 (the odd one out is IPv6), lengths spread over
/8../32 for IPv4 and /16../128 for IPv6. No prefix covers another and none
touches an excluded range, so a set of N prefixes holds nearly N lookup
ranges (adjacent prefixes fold into one: under 1%), and an address outside
them misses. A length gets an even share of the count,
capped so that no length covers more than 1% of its family's space (there
are only 256 /8s): big IPv4 sets lean to the long lengths, as real
routing tables do, and random addresses mostly miss (IPv4 sets cover at
most ~15% of the space, IPv6 ones a negligible part).

Always excluded: ::ffff:0:0/96 (IPv4-mapped, which lyncedge refuses) and
the test topology's networks (192.0.2.0/24, 198.18.0.0/15, 198.51.100.0/24,
203.0.113.0/24, 2001:db8::/32); --exclude adds more, e.g. the addresses a
benchmark stream uses, so that it misses (or add its own prefix yourself so
that it hits).

Formats (NAME is --set, default messenger):
  list      one prefix a line (lyncedge's prefix-list file)
  lyncedge  "NAME PREFIX" lines: the set part of a lyncedge restore file
  nft       "add set inet T NAME4 { type ipv4_addr; flags interval; }", the
            same for NAME6 (ipv6_addr), then "add element" lines of up to
            1000 prefixes; the table T (--table, default lyncedge_bench)
            must be added before, e.g. "add table inet T" on the line above
  ipset     ipset restore input: "create NAME4 hash:net family inet
            hashsize H maxelem M", the same for NAME6 (family inet6)
            (M = --maxelem, default max(65536, 2 x count); hashsize H, the
            power of two >= the family's count, at least 1024, so that the
            restore need not grow the table), then "add" lines
Both sets of a family pair are always declared, even when one is empty.

--emit FORMAT=FILE writes one more format to FILE from the same
generation (repeatable; the prefixes are generated once). --spare K
generates K more prefixes by the same rules (their own length shares),
disjoint from the set and from each other, after the set (which stays the
same as without --spare), and writes them one a line to --spare-file:
prefixes to add to a full set, and delete again, without touching what it
holds.
"""
import argparse
import ipaddress
import random
import sys

DEFAULT_EXCLUDE = ["192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
                   "203.0.113.0/24", "2001:db8::/32", "::ffff:0:0/96"]
FAMILIES = {4: (32, range(8, 33)), 6: (128, range(16, 129))}
MAX_SHARE = 0.01	# of a family's space, per length


def quotas(n, bits, lengths, rnd):
    """How many prefixes of each length: even shares, capped, water-filled."""
    cap = {ln: int((1 << ln) * MAX_SHARE) for ln in lengths}
    if n > sum(cap.values()):
        sys.exit(f"gen_prefixes: {n} non-overlapping IPv{4 if bits == 32 else 6}"
                 " prefixes do not fit")
    count = dict.fromkeys(lengths, 0)
    left = n
    open_lengths = sorted(lengths, key=lambda ln: cap[ln])
    while open_lengths:
        share = left // len(open_lengths)
        ln = open_lengths[0]
        if cap[ln] <= share:
            count[ln] = cap[ln]
            left -= cap[ln]
            open_lengths.pop(0)
            continue
        for ln in open_lengths:
            count[ln] = share
        left -= share * len(open_lengths)
        # The remainder: one more for some lengths, chosen at random.
        for ln in rnd.sample(open_lengths, left):
            count[ln] += 1
        left = 0
        break
    assert left == 0 and sum(count.values()) == n
    return count


def generate(n, family, excluded, rnd):
    """n non-overlapping prefixes of one family, as (first, last, len)."""
    bits, lengths = FAMILIES[family]
    want = quotas(n, bits, lengths, rnd)
    pending = [ln for ln in lengths for _ in range(want[ln])]
    fixed = sorted(excluded)
    kept = []
    while pending:
        fresh = []
        for ln in pending:
            first = rnd.getrandbits(bits) >> (bits - ln) << (bits - ln)
            fresh.append((first, first | ((1 << (bits - ln)) - 1), ln))
        # One sweep in address order: a range that starts inside an earlier
        # one (or an excluded range) is dropped and drawn again, same length.
        pending = []
        merged = sorted(kept + fresh + [(f, la, -1) for f, la in fixed],
                        key=lambda r: (r[0], -r[1]))
        kept = []
        end = -1
        for first, last, ln in merged:
            if ln < 0:
                # An excluded range: drop the kept prefixes reaching into it.
                while kept and kept[-1][1] >= first:
                    pending.append(kept.pop()[2])
            elif first <= end:
                pending.append(ln)
                continue
            else:
                kept.append((first, last, ln))
            end = max(end, last)
    return kept


def to_text(family, first, ln):
    if family == 4:
        return f"{ipaddress.IPv4Address(first)}/{ln}"
    return f"{ipaddress.IPv6Address(first)}/{ln}"


def make(args):
    rnd = random.Random(args.seed)
    excluded = {4: [], 6: []}
    for text in DEFAULT_EXCLUDE + args.exclude:
        net = ipaddress.ip_network(text, strict=False)
        excluded[net.version].append((int(net.network_address),
                                      int(net.broadcast_address)))

    def split(n):
        if args.family == "mixed":
            return {4: n // 2, 6: n - n // 2}
        return {4: n if args.family == "4" else 0,
                6: n if args.family == "6" else 0}

    out, spares = [], []
    for fam in (4, 6):
        ranges = generate(split(args.count)[fam], fam, excluded[fam], rnd)
        out += [(fam, to_text(fam, first, ln)) for first, _, ln in ranges]
        excluded[fam] += [(first, last) for first, last, _ in ranges]
    rnd.shuffle(out)
    # Spares come after, so that asking for them leaves the set as it is.
    for fam in (4, 6):
        ranges = generate(split(args.spare)[fam], fam, excluded[fam], rnd)
        spares += [to_text(fam, first, ln) for first, _, ln in ranges]
    return out, spares


def render(fmt, prefixes, args):
    name = args.set
    if fmt == "list":
        return [p for _, p in prefixes]
    if fmt == "lyncedge":
        return [f"{name} {p}" for _, p in prefixes]
    lines = []
    if fmt == "nft":
        t = args.table
        lines.append(f"add set inet {t} {name}4 {{ type ipv4_addr; flags interval; }}")
        lines.append(f"add set inet {t} {name}6 {{ type ipv6_addr; flags interval; }}")
        for fam in (4, 6):
            mine = [p for f, p in prefixes if f == fam]
            for i in range(0, len(mine), 1000):
                lines.append(f"add element inet {t} {name}{fam} {{ " +
                             ", ".join(mine[i:i + 1000]) + " }")
        return lines
    maxelem = args.maxelem or max(65536, 2 * len(prefixes))
    for fam, family in ((4, "inet"), (6, "inet6")):
        # Room for every element from the start, as "ipset save" of a
        # loaded set would give: no resizing during the restore.
        hashsize = 1024
        while hashsize < sum(1 for f, _ in prefixes if f == fam):
            hashsize *= 2
        lines.append(f"create {name}{fam} hash:net family {family} "
                     f"hashsize {hashsize} maxelem {maxelem}")
    lines += [f"add {name}{fam} {p}" for fam, p in prefixes]
    return lines


def main():
    ap = argparse.ArgumentParser(
        description="Generate non-overlapping benchmark prefixes.",
        epilog="See the header of this file for the rules.")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--family", choices=["mixed", "4", "6"], default="mixed")
    ap.add_argument("--format", choices=["list", "lyncedge", "nft", "ipset"],
                    default="list")
    ap.add_argument("--set", default="messenger")
    ap.add_argument("--table", default="lyncedge_bench")
    ap.add_argument("--maxelem", type=int, default=0)
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--emit", action="append", default=[],
                    metavar="FORMAT=FILE")
    ap.add_argument("--spare", type=int, default=0)
    ap.add_argument("--spare-file")
    args = ap.parse_args()
    if args.count < 0 or args.spare < 0:
        ap.error("counts must not be negative")
    if args.spare and not args.spare_file:
        ap.error("--spare needs --spare-file")
    emits = []
    for e in args.emit:
        fmt, sep, path = e.partition("=")
        if not sep or fmt not in ("list", "lyncedge", "nft", "ipset"):
            ap.error(f"--emit {e}: want FORMAT=FILE")
        emits.append((fmt, path))

    prefixes, spares = make(args)
    for fmt, path in emits:
        with open(path, "w", encoding="ascii") as f:
            f.write("".join(line + "\n" for line in render(fmt, prefixes, args)))
    if args.spare_file:
        with open(args.spare_file, "w", encoding="ascii") as f:
            f.write("".join(p + "\n" for p in spares))
    sys.stdout.write("".join(line + "\n"
                             for line in render(args.format, prefixes, args)))


if __name__ == "__main__":
    main()
