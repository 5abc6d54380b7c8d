/**
 * Property tests: every NAT rewrite keeps every checksum right. Random
 * IPv4 packets (header options included) carrying TCP (options, payload),
 * UDP (with a checksum, or with 0 = none, which must stay 0) or an ICMP
 * echo, rewritten by manipPkt4 to random mappings, must equal the same
 * packet with the new fields written in and every checksum recomputed from
 * scratch with packages/packet's functions. Likewise an ICMP error quoting a
 * random packet (whole, 8 bytes of it as RFC 792 asks, or anything between)
 * after nf_nat_icmp_reply_translation: the quoted packet translated back,
 * the ICMP checksum over the result, the outer header rewritten.
 *
 * The one place where an incremental update and a recomputation differ on
 * purpose is Linux's too: an ICMP message that ends up all zero (echo
 * reply, id 0, sequence 0, no data) gets 0x0000 from csum_replace2 where a
 * recomputation gives 0xFFFF (see packages/packet checksumReplace16).
 */
import {
  checksumSkippingField,
  ipv4HeaderChecksum,
  ipv4PseudoHeaderSum,
  readU16,
  readU32,
  udpChecksumOnWire,
  writeU16,
  writeU32,
} from "@ctkit/packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ips } from "../src/conntrack/status.js";
import { Tuple } from "../src/conntrack/tuple.js";
import { icmpReplyTranslation4 } from "../src/nat/icmp.js";
import { manipPkt4 } from "../src/nat/manip.js";
import { Manip } from "../src/nat/range.js";

// ---- packets, built and checked from scratch ----

interface IpFields {
  src: number;
  dst: number;
  tos: number;
  id: number;
  ttl: number;
  df: boolean;
  options: Uint8Array;
}

type L4 =
  | {
      kind: "tcp";
      sport: number;
      dport: number;
      seq: number;
      ack: number;
      flags: number;
      window: number;
      urgent: number;
      options: Uint8Array;
      payload: Uint8Array;
    }
  | { kind: "udp"; sport: number; dport: number; noChecksum: boolean; payload: Uint8Array }
  | { kind: "icmp"; type: 0 | 8; id: number; seq: number; payload: Uint8Array };

const PROTO = { tcp: 6, udp: 17, icmp: 1 } as const;

/** Pads option bytes to whole 32-bit words (the header length counts words). */
function padded(b: Uint8Array): Uint8Array {
  const out = new Uint8Array((b.length + 3) & ~3);
  out.set(b);
  return out;
}

function l4Bytes(l4: L4): Uint8Array {
  if (l4.kind === "tcp") {
    const opts = padded(l4.options);
    const b = new Uint8Array(20 + opts.length + l4.payload.length);
    writeU16(b, 0, l4.sport);
    writeU16(b, 2, l4.dport);
    writeU32(b, 4, l4.seq);
    writeU32(b, 8, l4.ack);
    b[12] = ((20 + opts.length) / 4) << 4;
    b[13] = l4.flags;
    writeU16(b, 14, l4.window);
    writeU16(b, 18, l4.urgent);
    b.set(opts, 20);
    b.set(l4.payload, 20 + opts.length);
    return b;
  }
  const b = new Uint8Array(8 + l4.payload.length);
  if (l4.kind === "udp") {
    writeU16(b, 0, l4.sport);
    writeU16(b, 2, l4.dport);
    writeU16(b, 4, b.length);
  } else {
    b[0] = l4.type;
    writeU16(b, 4, l4.id);
    writeU16(b, 6, l4.seq);
  }
  b.set(l4.payload, 8);
  return b;
}

function ipPacket(ip: IpFields, proto: number, l4: Uint8Array): Uint8Array {
  const opts = padded(ip.options);
  const hl = 20 + opts.length;
  const p = new Uint8Array(hl + l4.length);
  p[0] = 0x40 | (hl / 4);
  p[1] = ip.tos;
  writeU16(p, 2, p.length);
  writeU16(p, 4, ip.id);
  writeU16(p, 6, ip.df ? 0x4000 : 0);
  p[8] = ip.ttl;
  p[9] = proto;
  writeU32(p, 12, ip.src);
  writeU32(p, 16, ip.dst);
  p.set(opts, 20);
  p.set(l4, hl);
  return p;
}

/** The ICMP checksum Linux leaves after an incremental update (see the file comment). */
function icmpChecksumAfterUpdate(p: Uint8Array, off: number, len: number): number {
  for (let i = off; i < off + len; i++)
    if (i !== off + 2 && i !== off + 3 && p[i] !== 0) {
      return checksumSkippingField(p, off, len, 2);
    }
  return 0;
}

/**
 * Every checksum of the whole packet `p` recomputed: IPv4 header, then
 * (unless `transport` is false) TCP/UDP with the pseudo header (a UDP
 * checksum field of 0 means none and stays 0) or ICMP. `icmpUpdated`: the
 * ICMP checksum went through an incremental update (the all-zero case then
 * gives 0x0000).
 */
function recomputeChecksums(p: Uint8Array, icmpUpdated: boolean, transport = true): void {
  const hl = headerLength(p);
  writeU16(p, 10, ipv4HeaderChecksum(p, 0, hl));
  if (!transport) return;
  const len = p.length - hl;
  const pseudo = (proto: number) => ipv4PseudoHeaderSum(readU32(p, 12), readU32(p, 16), proto, len);
  switch (p[9]) {
    case 6:
      writeU16(p, hl + 16, checksumSkippingField(p, hl, len, 16, pseudo(6)));
      break;
    case 17:
      if (readU16(p, hl + 6) !== 0)
        writeU16(p, hl + 6, udpChecksumOnWire(checksumSkippingField(p, hl, len, 6, pseudo(17))));
      break;
    case 1:
      writeU16(
        p,
        hl + 2,
        icmpUpdated ? icmpChecksumAfterUpdate(p, hl, len) : checksumSkippingField(p, hl, len, 2),
      );
      break;
  }
}

function headerLength(p: Uint8Array): number {
  return ((p[0] as number) & 0x0f) * 4;
}

function packet(ip: IpFields, l4: L4): Uint8Array {
  const p = ipPacket(ip, PROTO[l4.kind], l4Bytes(l4));
  // Any non-zero value: "this datagram has a checksum", filled in below.
  if (l4.kind === "udp" && !l4.noChecksum) writeU16(p, headerLength(p) + 6, 1);
  recomputeChecksums(p, false);
  return p;
}

/**
 * What a SRC (DST) manip to `t` means for the whole packet `p`: the source
 * (destination) address and port, or for an ICMP echo its id (the id is
 * the tuple's source side in both manips). Checksums are left stale.
 */
function writeMapping(p: Uint8Array, t: Tuple, manip: Manip): void {
  const hl = headerLength(p);
  writeU32(p, manip === Manip.SRC ? 12 : 16, (manip === Manip.SRC ? t.src[0] : t.dst[0]) as number);
  if (p[9] === 6 || p[9] === 17) {
    writeU16(p, hl + (manip === Manip.SRC ? 0 : 2), manip === Manip.SRC ? t.sport : t.dport);
  } else if (p[9] === 1 && (p[hl] === 0 || p[hl] === 8)) {
    writeU16(p, hl + 4, t.sport);
  }
}

function u8(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

// ---- arbitraries ----

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Often 0: ids, sequence numbers and payloads of 0 reach the corner cases. */
const u16or0 = fc.oneof(u16, fc.constant(0));
const bytes = (max: number) =>
  fc.oneof(fc.uint8Array({ maxLength: max }), fc.constant(new Uint8Array(0)));

const ipArb: fc.Arbitrary<IpFields> = fc.record({
  src: u32,
  dst: u32,
  tos: fc.integer({ min: 0, max: 255 }),
  id: u16,
  ttl: fc.integer({ min: 1, max: 255 }),
  df: fc.boolean(),
  options: bytes(40),
});

const l4Arb: fc.Arbitrary<L4> = fc.oneof(
  fc.record({
    kind: fc.constant("tcp" as const),
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: fc.integer({ min: 0, max: 255 }),
    window: u16,
    urgent: u16,
    options: bytes(40),
    payload: bytes(80),
  }),
  fc.record({
    kind: fc.constant("udp" as const),
    sport: u16,
    dport: u16,
    noChecksum: fc.boolean(),
    payload: bytes(80),
  }),
  fc.record({
    kind: fc.constant("icmp" as const),
    type: fc.constantFrom(0 as const, 8 as const),
    id: u16or0,
    seq: u16or0,
    payload: bytes(80),
  }),
);

const mappingArb = fc.record({
  src: u32,
  dst: u32,
  sport: u16or0,
  dport: u16,
  manip: fc.constantFrom(Manip.SRC, Manip.DST),
});

function tupleFor(proto: number, m: { src: number; dst: number; sport: number; dport: number }) {
  const t = new Tuple();
  t.family = 4;
  t.proto = proto;
  t.src[0] = m.src;
  t.dst[0] = m.dst;
  t.sport = m.sport;
  t.dport = m.dport;
  return t;
}

// ---- properties ----

describe("manipPkt4: incremental checksums equal a recomputation", () => {
  it("for random TCP, UDP and ICMP echo packets and random mappings", () => {
    fc.assert(
      fc.property(ipArb, l4Arb, mappingArb, (ip, l4, m) => {
        const orig = packet(ip, l4);
        const target = tupleFor(PROTO[l4.kind], m);
        const actual = orig.slice();
        manipPkt4(actual, 0, actual.length, target, m.manip);
        const expected = orig.slice();
        writeMapping(expected, target, m.manip);
        recomputeChecksums(expected, true);
        expect(hex(actual)).toBe(hex(expected));
        if (l4.kind === "udp" && l4.noChecksum) {
          expect(readU16(actual, headerLength(actual) + 6)).toBe(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a UDP checksum that comes out 0 is sent as 0xFFFF (0 would mean none)", () => {
    const ip: IpFields = {
      src: 0x0a000002,
      dst: 0xc6336402,
      tos: 0,
      id: 9,
      ttl: 64,
      df: true,
      options: new Uint8Array(0),
    };
    const mapped = { src: 0xc6336401, dst: 0xc6336402, sport: 1000, dport: 5000 };
    // Pick the payload word that makes the datagram's sum 0xFFFF after the mapping.
    const udp = { kind: "udp" as const, sport: 40001, dport: 5000, noChecksum: false };
    const after = packet({ ...ip, src: mapped.src }, { ...udp, sport: 1000, payload: u8(0, 0) });
    const hl = headerLength(after);
    writeU16(after, hl + 6, 0);
    const len = after.length - hl;
    let sum = ipv4PseudoHeaderSum(mapped.src, mapped.dst, 17, len);
    for (let i = hl; i < after.length; i += 2) sum += readU16(after, i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const word = ~sum & 0xffff;
    const p = packet(ip, { ...udp, payload: u8(word >>> 8, word & 0xff) });
    manipPkt4(p, 0, p.length, tupleFor(17, mapped), Manip.SRC);
    expect(
      checksumSkippingField(p, hl, len, 6, ipv4PseudoHeaderSum(mapped.src, mapped.dst, 17, len)),
    ).toBe(0);
    expect(readU16(p, hl + 6)).toBe(0xffff);
  });

  it("an echo reply rewritten to id 0 with sequence 0 and no data gets 0x0000, as Linux's csum_replace2", () => {
    const ip: IpFields = {
      src: 0xc6336402,
      dst: 0x0a000002,
      tos: 0,
      id: 1,
      ttl: 64,
      df: false,
      options: new Uint8Array(0),
    };
    const p = packet(ip, { kind: "icmp", type: 0, id: 0x3333, seq: 0, payload: new Uint8Array(0) });
    expect(readU16(p, 22)).toBe(0xcccc);
    manipPkt4(p, 0, p.length, tupleFor(1, { src: 0, dst: 0, sport: 0, dport: 0 }), Manip.DST);
    expect(readU16(p, 22)).toBe(0x0000);
    expect(readU16(p, 24)).toBe(0);
  });
});

const NAT_BOTH = Ips.SRC_NAT | Ips.DST_NAT | Ips.SRC_NAT_DONE | Ips.DST_NAT_DONE;

const errorArb = fc.oneof(
  fc.record({ type: fc.constant(3), code: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ type: fc.constant(11), code: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ type: fc.constant(12), code: fc.integer({ min: 0, max: 2 }) }),
);

describe("icmpReplyTranslation4: the quoted packet translated back", () => {
  it("for random errors quoting random packets, whole or cut short", () => {
    fc.assert(
      fc.property(
        ipArb,
        l4Arb,
        fc.record({
          outer: ipArb,
          error: errorArb,
          rest: u32,
          cut: fc.oneof(fc.constant(-1), fc.constant(0), fc.nat()),
          other: mappingArb,
          dir: fc.constantFrom(0 as const, 1 as const),
        }),
        (innerIp, l4, e) => {
          const inner = packet(innerIp, l4);
          const innerHl = headerLength(inner);
          // -1: the whole packet; 0: header + 8 bytes (RFC 792); else something between.
          const spare = inner.length - innerHl - 8;
          const quoted = innerHl + 8 + (e.cut < 0 ? spare : e.cut === 0 ? 0 : e.cut % (spare + 1));
          const icmp = new Uint8Array(8 + quoted);
          icmp[0] = e.error.type;
          icmp[1] = e.error.code;
          writeU32(icmp, 4, e.rest);
          icmp.set(inner.subarray(0, quoted), 8);
          const err = ipPacket(e.outer, 1, icmp);
          recomputeChecksums(err, false);

          const other = tupleFor(PROTO[l4.kind], e.other);
          // An echo connection's tuples carry the echo request or reply type (type << 8 | code).
          if (l4.kind === "icmp") other.dport = (e.other.dport & 1 ? 8 : 0) << 8;
          const actual = err.slice();
          const ok = icmpReplyTranslation4(
            actual,
            0,
            actual.length,
            NAT_BOTH,
            e.dir,
            other,
            e.other.manip,
          );
          expect(ok).toBe(true);

          // The quoted packet, whole, gets the opposite manip toward `other`. A
          // quoted TCP header cut before its end keeps its checksum bytes as
          // they were: Linux only counts on the 8 bytes with the ports there.
          const translated = inner.slice();
          writeMapping(translated, other, (e.other.manip ^ 1) as Manip);
          const tcpCut = l4.kind === "tcp" && quoted < innerHl + 20;
          recomputeChecksums(translated, true, !tcpCut);
          // ... the error carries as much of it as before, and its outer header
          // gets the manip toward the inverse of `other`.
          const expected = err.slice();
          const outerHl = headerLength(err);
          expected.set(translated.subarray(0, quoted), outerHl + 8);
          const inverse = tupleFor(1, {
            src: e.other.dst,
            dst: e.other.src,
            sport: 0,
            dport: 0,
          });
          writeMapping(expected, inverse, e.other.manip);
          recomputeChecksums(expected, false);
          expect(hex(actual)).toBe(hex(expected));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("leaves a quoted UDP packet without checksum at 0", () => {
    const ip: IpFields = {
      src: 0xc6336401,
      dst: 0xc6336402,
      tos: 0,
      id: 7,
      ttl: 63,
      df: true,
      options: new Uint8Array(0),
    };
    const inner = packet(ip, {
      kind: "udp",
      sport: 1000,
      dport: 9,
      noChecksum: true,
      payload: new Uint8Array([1, 2, 3]),
    });
    const icmp = new Uint8Array(8 + inner.length);
    icmp[0] = 3;
    icmp[1] = 3;
    icmp.set(inner, 8);
    const err = ipPacket({ ...ip, src: 0xc6336402, dst: 0xc6336401 }, 1, icmp);
    recomputeChecksums(err, false);
    const orig = tupleFor(17, { src: 0x0a000002, dst: 0xc6336402, sport: 40052, dport: 9 });
    expect(icmpReplyTranslation4(err, 0, err.length, NAT_BOTH, 1, orig, Manip.DST)).toBe(true);
    expect(readU32(err, 16)).toBe(0x0a000002);
    expect(readU32(err, 28 + 12)).toBe(0x0a000002);
    expect(readU16(err, 28 + 20)).toBe(40052);
    expect(readU16(err, 28 + 26)).toBe(0);
  });
});
