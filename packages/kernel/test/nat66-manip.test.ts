/**
 * IPv6 header rewriting on its own (nat/manip6.ts, nat/icmp6.ts,
 * nat/exthdr6.ts against nf_nat_ipv6_manip_pkt, the per-protocol
 * manip_pkt functions, nf_nat_icmpv6_reply_translation and
 * ipv6_skip_exthdr): each result is compared with the packet built from
 * scratch, i.e. with checksums recomputed over the final bytes.
 */
import {
  buildIcmp,
  buildTcp,
  buildUdp,
  Ipv6View,
  parseIpv6,
  readU16,
  readU32,
  verifyL4Checksum,
  writeU16,
} from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { Ips } from "../src/conntrack/status.js";
import { Tuple } from "../src/conntrack/tuple.js";
import { icmpv6ReplyTranslation } from "../src/nat/icmp6.js";
import { manipPkt6 } from "../src/nat/manip6.js";
import { Manip } from "../src/nat/range.js";
import { ExtHeaderWalk } from "../src/net/ipv6-exthdr.js";

const C1 = "2001:db8:1::2";
const SRV = "2001:db8:2::2";
const WAN = "2001:db8:2::1";

function words(text: string): Uint32Array {
  const b = parseIpv6(text) as Uint8Array;
  return Uint32Array.from([0, 4, 8, 12], (o) => readU32(b, o));
}

function tuple(proto: number, src: string, sport: number, dst: string, dport: number): Tuple {
  const t = new Tuple();
  t.family = 6;
  t.proto = proto;
  t.src.set(words(src));
  t.dst.set(words(dst));
  t.sport = sport;
  t.dport = dport;
  return t;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function manip(p: Uint8Array, t: Tuple, m: 0 | 1): boolean {
  return manipPkt6(p, 0, p.length, t, m);
}

/** Inserts a destination-options header (PadN, 8 bytes) before the upper layer. */
function withDstOpts(p: Uint8Array): Uint8Array {
  const out = new Uint8Array(p.length + 8);
  out.set(p.subarray(0, 40));
  out[6] = 60;
  out.set([p[6] as number, 0, 1, 4, 0, 0, 0, 0], 40);
  out.set(p.subarray(40), 48);
  writeU16(out, 4, p.length - 40 + 8);
  return out;
}

describe("manipPkt6: source and destination rewrites", () => {
  it("UDP SRC: address, port and checksum as a full recomputation", () => {
    const p = buildUdp({ src: C1, dst: SRV, sport: 40000, dport: 53, payload: "query" });
    expect(manip(p, tuple(17, WAN, 2000, SRV, 53), Manip.SRC)).toBe(true);
    expect(hex(p)).toBe(
      hex(buildUdp({ src: WAN, dst: SRV, sport: 2000, dport: 53, payload: "query" })),
    );
  });

  it("TCP DST: address, port and checksum as a full recomputation", () => {
    const seg = { sport: 5555, seq: 1, ack: 2, flags: 0x18, payload: "data" };
    const p = buildTcp({ src: SRV, dst: WAN, dport: 8080, ...seg });
    expect(manip(p, tuple(6, SRV, 5555, C1, 80), Manip.DST)).toBe(true);
    expect(hex(p)).toBe(hex(buildTcp({ src: SRV, dst: C1, dport: 80, ...seg })));
  });

  it("ICMPv6 echo: the pseudo header and the id go into the checksum", () => {
    const p = buildIcmp({ src: C1, dst: SRV, type: 128, id16: 0x3333, seq16: 4, payload: "x" });
    expect(manip(p, tuple(58, WAN, 0x4444, SRV, 128 << 8), Manip.SRC)).toBe(true);
    expect(hex(p)).toBe(
      hex(buildIcmp({ src: WAN, dst: SRV, type: 128, id16: 0x4444, seq16: 4, payload: "x" })),
    );
  });

  it("an ICMPv6 error's header: the pseudo header changes, no id is mapped", () => {
    const p = buildIcmp({ src: SRV, dst: WAN, type: 1, code: 4, id16: 0x0102, payload: "quoted" });
    expect(manip(p, tuple(58, SRV, 0x9999, C1, 0), Manip.DST)).toBe(true);
    expect(hex(p)).toBe(
      hex(buildIcmp({ src: SRV, dst: C1, type: 1, code: 4, id16: 0x0102, payload: "quoted" })),
    );
  });

  it("a UDP checksum that would become 0 is sent as 0xffff (CSUM_MANGLED_0)", () => {
    const after = (payload: Uint8Array) =>
      buildUdp({ src: WAN, dst: SRV, sport: 2000, dport: 53, payload });
    // The payload word that makes the translated packet's sum 0xffff.
    const word = readU16(after(new Uint8Array(2)), 46);
    const payload = new Uint8Array([word >>> 8, word & 0xff]);
    const p = buildUdp({ src: C1, dst: SRV, sport: 40000, dport: 53, payload });
    expect(manip(p, tuple(17, WAN, 2000, SRV, 53), Manip.SRC)).toBe(true);
    expect(readU16(p, 46)).toBe(0xffff);
    expect(hex(p)).toBe(hex(after(payload)));
  });

  it("a zero UDP checksum stays zero", () => {
    const p = buildUdp({ src: C1, dst: SRV, sport: 40000, dport: 53, payload: "q" });
    writeU16(p, 46, 0);
    expect(manip(p, tuple(17, WAN, 2000, SRV, 53), Manip.SRC)).toBe(true);
    expect(readU16(p, 46)).toBe(0);
    expect(readU16(p, 40)).toBe(2000);
  });

  it("finds the transport header behind extension headers", () => {
    const p = withDstOpts(buildUdp({ src: C1, dst: SRV, sport: 40000, dport: 53, payload: "q" }));
    expect(manip(p, tuple(17, WAN, 2000, SRV, 53), Manip.SRC)).toBe(true);
    const want = withDstOpts(
      buildUdp({ src: WAN, dst: SRV, sport: 2000, dport: 53, payload: "q" }),
    );
    expect(hex(p)).toBe(hex(want));
    const ip = new Ipv6View();
    ip.attach(p, 0, p.length);
    expect(verifyL4Checksum(ip, 17, p, ip.upperOffset, ip.upperLength)).toBe(true);
  });

  it("changes only the address of a later fragment", () => {
    const body = new Uint8Array(16).fill(0xab);
    const p = new Uint8Array(40 + 8 + 16);
    p.set(buildUdp({ src: C1, dst: SRV, sport: 1, dport: 2 }).subarray(0, 40));
    p[6] = 44;
    writeU16(p, 4, 24);
    p.set([17, 0, 0x00, 0xb9, 0, 0, 0, 7], 40); // offset 23 * 8, M set
    p.set(body, 48);
    expect(manip(p, tuple(17, WAN, 2000, SRV, 2), Manip.SRC)).toBe(true);
    expect(hex(p.subarray(8, 24))).toBe(hex(parseIpv6(WAN) as Uint8Array));
    expect(hex(p.subarray(40))).toBe(hex(new Uint8Array([17, 0, 0, 0xb9, 0, 0, 0, 7, ...body])));
  });

  it("fails, changing nothing, when the transport header is cut short", () => {
    const p = buildTcp({ src: C1, dst: SRV, sport: 1, dport: 2, flags: 0x02 }).subarray(0, 46);
    const before = hex(p);
    expect(manipPkt6(p, 0, p.length, tuple(6, WAN, 2000, SRV, 2), Manip.SRC)).toBe(false);
    expect(hex(p)).toBe(before);
  });

  it("rewrites the call id of PPTP's GRE on DST manips and drops an unknown GRE version", () => {
    const gre = (version: number) => {
      const p = buildUdp({ src: SRV, dst: WAN, sport: 0, dport: 0 }).slice(0, 48);
      p[6] = 47;
      writeU16(p, 4, 8);
      p.set([0x20, 0x80 | version, 0x88, 0x0b, 0, 4, 0x12, 0x34], 40);
      return p;
    };
    const v1 = gre(1);
    expect(manip(v1, tuple(47, SRV, 0, C1, 0x5678), Manip.DST)).toBe(true);
    expect(readU16(v1, 46)).toBe(0x5678);
    expect(manip(gre(2), tuple(47, SRV, 0, C1, 0x5678), Manip.DST)).toBe(false);
  });
});

describe("ExtHeaderWalk (ipv6_skip_exthdr)", () => {
  const walk = new ExtHeaderWalk();
  it("steps over hop-by-hop, routing, AH and destination options", () => {
    const b = new Uint8Array(64);
    b.set([43, 0], 0); // hop-by-hop, 8 bytes
    b.set([51, 0], 8); // routing, 8 bytes
    b.set([60, 1], 16); // AH, (1 + 2) * 4 = 12 bytes
    b.set([6, 0], 28); // destination options, 8 bytes
    expect(walk.skip(b, 0, b.length, 0)).toBe(36);
    expect(walk.nexthdr).toBe(6);
    expect(walk.fragOff).toBe(0);
  });

  it("stops at a later fragment and at 'no next header'; needs two bytes of each header", () => {
    const frag = new Uint8Array([17, 0, 0x01, 0x00, 0, 0, 0, 1]);
    expect(walk.skip(frag, 0, 8, 44)).toBe(0);
    expect(walk.nexthdr).toBe(44);
    expect(walk.fragOff).toBe(0x100);
    const first = new Uint8Array([17, 0, 0x00, 0x01, 0, 0, 0, 1]);
    expect(walk.skip(first, 0, 8, 44)).toBe(8);
    expect(walk.nexthdr).toBe(17);
    expect(walk.skip(first, 0, 8, 59)).toBe(-1);
    expect(walk.skip(first, 0, 1, 60)).toBe(-1);
  });
});

describe("icmpv6ReplyTranslation", () => {
  /** The connection c1:40000 -> srv:53 (UDP) masqueraded to WAN:2000. */
  const orig = tuple(17, C1, 40000, SRV, 53);
  const status = Ips.SRC_NAT | Ips.SRC_NAT_DONE | Ips.DST_NAT_DONE;

  function error(quoted: Uint8Array): Uint8Array {
    return buildIcmp({ src: SRV, dst: WAN, type: 1, code: 4, payload: quoted });
  }

  it("translates the quoted packet back, recomputes the checksum and rewrites the outer header", () => {
    const sent = buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: 2000, dport: 53, payload: "q" });
    const p = error(sent);
    // Reply direction, at PREROUTING (DST manip); `other` is the original tuple.
    expect(icmpv6ReplyTranslation(p, 0, 40, p.length, status, 1, orig, Manip.DST)).toBe(true);
    const seen = buildUdp({ src: C1, dst: SRV, ttl: 63, sport: 40000, dport: 53, payload: "q" });
    expect(hex(p)).toBe(hex(buildIcmp({ src: SRV, dst: C1, type: 1, code: 4, payload: seen })));
  });

  it("translates a quoted packet with extension headers", () => {
    const sent = buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: 2000, dport: 53, payload: "q" });
    const p = error(withDstOpts(sent));
    expect(icmpv6ReplyTranslation(p, 0, 40, p.length, status, 1, orig, Manip.DST)).toBe(true);
    const seen = buildUdp({ src: C1, dst: SRV, ttl: 63, sport: 40000, dport: 53, payload: "q" });
    expect(hex(p)).toBe(
      hex(buildIcmp({ src: SRV, dst: C1, type: 1, code: 4, payload: withDstOpts(seen) })),
    );
  });

  it("leaves the packet alone at the hook whose manip the connection does not have", () => {
    const p = error(buildUdp({ src: WAN, dst: SRV, sport: 2000, dport: 53 }));
    const before = hex(p);
    expect(icmpv6ReplyTranslation(p, 0, 40, p.length, status, 1, orig, Manip.SRC)).toBe(true);
    expect(hex(p)).toBe(before);
  });

  it("refuses a bad checksum, a cut quoted header and a redirect about a NATed connection", () => {
    const good = error(buildUdp({ src: WAN, dst: SRV, sport: 2000, dport: 53 }));
    const bad = good.slice();
    bad[42] = (bad[42] as number) ^ 1;
    expect(icmpv6ReplyTranslation(bad, 0, 40, bad.length, status, 1, orig, Manip.DST)).toBe(false);
    const cut = buildIcmp({ src: SRV, dst: WAN, type: 1, code: 4, payload: good.subarray(48, 80) });
    expect(icmpv6ReplyTranslation(cut, 0, 40, cut.length, status, 1, orig, Manip.DST)).toBe(false);
    const redirect = buildIcmp({ src: SRV, dst: WAN, type: 137, payload: good.subarray(48) });
    expect(
      icmpv6ReplyTranslation(redirect, 0, 40, redirect.length, status, 1, orig, Manip.DST),
    ).toBe(false);
  });
});
