/**
 * The mangle API on its own (nf_nat_helper.c): payload replacement with
 * the IP/UDP lengths and every checksum equal to a packet built from
 * scratch with the new payload, for TCP and UDP, IPv4 and IPv6, growing
 * and shrinking, and the limits.
 */
import { buildTcp, buildUdp, readU16 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { type Conntrack, Mangler, SeqAdjTable, Skb } from "../dist/index.js";

function harness() {
  const seqadj = new SeqAdjTable();
  const status = new Uint32Array(4);
  const ct = { seqadj, table: { status } } as unknown as Conntrack;
  return { m: new Mangler(ct), seqadj, status };
}

/** An Skb over `p` placed at `at` inside a larger buffer (bytes around it are sentinels). */
function skbOver(p: Uint8Array, at = 0, after = 0) {
  const buf = new Uint8Array(at + p.length + after).fill(0xee);
  buf.set(p, at);
  const skb = new Skb();
  skb.parse(buf, at, p.length);
  skb.ct = 1;
  skb.ctinfo = 0;
  return { skb, buf };
}

function sent(skb: Skb): string {
  const len =
    skb.family === 4
      ? readU16(skb.data, skb.l3Offset + 2)
      : 40 + readU16(skb.data, skb.l3Offset + 4);
  return Buffer.from(skb.data.subarray(skb.l3Offset, skb.l3Offset + len)).toString("hex");
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const rep = (s: string) => Buffer.from(s, "latin1");

const V4 = { src: "10.0.0.2", dst: "198.51.100.2", sport: 40000, dport: 21 };
const V6 = { src: "2001:db8:1::2", dst: "2001:db8:2::2", sport: 40000, dport: 21 };

describe("mangle TCP", () => {
  it("grows an IPv4 segment out of its buffer without touching the bytes after it", () => {
    const { m, seqadj, status } = harness();
    seqadj.add(1);
    const { skb, buf } = skbOver(
      buildTcp({ ...V4, seq: 10, payload: "PORT 10,0,0,2,4,1\r\n" }),
      14,
      8,
    );
    expect(m.tcp(skb, 5, 12, rep("198,51,100,1,4,1"))).toBe(true);
    expect(sent(skb)).toBe(hex(buildTcp({ ...V4, seq: 10, payload: "PORT 198,51,100,1,4,1\r\n" })));
    expect(buf.subarray(buf.length - 8).every((b) => b === 0xee)).toBe(true);
    expect(seqadj.state(1, 0)).toEqual([10, 0, 4]);
    expect(status[1]).toBe(0x40); // IPS_SEQ_ADJUST
    expect(skb.payloadLength).toBe(23);
  });

  it("shrinks in place and keeps the tail", () => {
    const { m, seqadj } = harness();
    seqadj.add(1);
    const { skb } = skbOver(
      buildTcp({ ...V4, seq: 7, payload: "227 Entering (10,100,100,100,4,1).\r\n" }),
    );
    expect(m.tcp(skb, 14, 18, rep("198,51,100,1,4,1"))).toBe(true);
    expect(sent(skb)).toBe(
      hex(buildTcp({ ...V4, seq: 7, payload: "227 Entering (198,51,100,1,4,1).\r\n" })),
    );
    expect(seqadj.state(1, 0)).toEqual([7, 0, -2]);
  });

  it("rewrites an IPv6 segment (payload length, pseudo-header checksum)", () => {
    const { m, seqadj } = harness();
    seqadj.add(1);
    const { skb } = skbOver(
      buildTcp({ ...V6, seq: 1, payload: "EPRT |2|2001:db8:1::2|5000|\r\n" }),
    );
    const to = "|2|2001:0db8:0002:0000:0000:0000:0000:0001|5000|";
    expect(m.tcp(skb, 5, "|2|2001:db8:1::2|5000|".length, rep(to))).toBe(true);
    expect(sent(skb)).toBe(hex(buildTcp({ ...V6, seq: 1, payload: `EPRT ${to}\r\n` })));
  });

  it("leaves the sequence state alone when asked not to adjust, or for equal lengths", () => {
    const { m, seqadj, status } = harness();
    seqadj.add(1);
    const a = skbOver(buildTcp({ ...V4, seq: 5, payload: "abc" })).skb;
    expect(m.tcp(a, 0, 3, rep("xyz"))).toBe(true);
    const b = skbOver(buildTcp({ ...V4, seq: 5, payload: "abc" })).skb;
    expect(m.tcp(b, 0, 1, rep("xyz"), 3, false)).toBe(true);
    expect(seqadj.state(1, 0)).toEqual([0, 0, 0]);
    expect(status[1]).toBe(0);
  });

  it("refuses a match outside the payload and a replacement longer than its buffer", () => {
    const { m } = harness();
    const p = buildTcp({ ...V4, seq: 5, payload: "abc" });
    const { skb } = skbOver(p);
    expect(m.tcp(skb, 2, 2, rep("x"))).toBe(false);
    expect(m.tcp(skb, 0, 1, rep("x"), 2)).toBe(false);
    expect(m.udp(skb, 0, 1, rep("x"))).toBe(false); // not UDP
    expect(sent(skb)).toBe(hex(p));
  });
});

describe("mangle UDP", () => {
  it("updates the UDP length and checksum", () => {
    const { m } = harness();
    const { skb } = skbOver(buildUdp({ ...V4, payload: "call 10.0.0.2 now" }));
    expect(m.udp(skb, 5, 8, rep("198.51.100.1"))).toBe(true);
    expect(sent(skb)).toBe(hex(buildUdp({ ...V4, payload: "call 198.51.100.1 now" })));
  });

  it("keeps an IPv4 datagram sent without a checksum without one", () => {
    const { m } = harness();
    const p = buildUdp({ ...V4, payload: "call 10.0.0.2 now" });
    p[26] = 0;
    p[27] = 0;
    const { skb } = skbOver(p);
    expect(m.udp(skb, 5, 8, rep("1.2.3.4"))).toBe(true);
    const want = buildUdp({ ...V4, payload: "call 1.2.3.4 now" });
    want[26] = 0;
    want[27] = 0;
    expect(sent(skb)).toBe(hex(want));
  });

  it("rewrites IPv6 UDP", () => {
    const { m } = harness();
    const { skb } = skbOver(buildUdp({ ...V6, payload: "a b c" }));
    expect(m.udp(skb, 2, 1, rep("bbbb"))).toBe(true);
    expect(sent(skb)).toBe(hex(buildUdp({ ...V6, payload: "a bbbb c" })));
  });
});
