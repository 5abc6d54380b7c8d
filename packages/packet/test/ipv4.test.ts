import { describe, expect, it } from "vitest";
import { formatIpv4, Ipv4View, ParseError, parseIpv4 } from "../src/index.js";
import { concat, fromHex, referenceChecksum, toHex } from "./support.js";

// The well-known example header: 192.168.0.1 -> 192.168.0.199, UDP, DF, checksum 0xb861.
const exampleHeader = "4500007300004000" + "4011b861c0a80001c0a800c7";

function examplePacket(): Uint8Array {
  const payload = new Uint8Array(0x73 - 20).map((_, i) => i);
  return concat(fromHex(exampleHeader), payload);
}

describe("Ipv4View", () => {
  it("reads every header field", () => {
    const pkt = examplePacket();
    const ip = new Ipv4View();
    expect(ip.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(ip.ipVersion).toBe(4);
    expect(ip.version).toBe(4);
    expect(ip.headerLength).toBe(20);
    expect(ip.tos).toBe(0);
    expect(ip.totalLength).toBe(115);
    expect(ip.length).toBe(115);
    expect(ip.identification).toBe(0);
    expect(ip.flags).toBe(2);
    expect(ip.dontFragment).toBe(true);
    expect(ip.moreFragments).toBe(false);
    expect(ip.fragmentOffset).toBe(0);
    expect(ip.isFragment).toBe(false);
    expect(ip.ttl).toBe(64);
    expect(ip.protocol).toBe(17);
    expect(ip.checksum).toBe(0xb861);
    expect(ip.source).toBe(0xc0a80001);
    expect(formatIpv4(ip.destination)).toBe("192.168.0.199");
    expect(ip.optionsLength).toBe(0);
    expect(ip.payloadOffset).toBe(20);
    expect(ip.payloadLength).toBe(95);
    expect(ip.verifyChecksum()).toBe(true);
    expect(ip.computeChecksum()).toBe(0xb861);
  });

  it("reads DSCP/ECN, fragment fields and unsigned addresses", () => {
    const pkt = fromHex("45b9001cabcd2171" + "ff060000ffffffff80000001" + "0102030405060708");
    const ip = new Ipv4View();
    expect(ip.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(ip.tos).toBe(0xb9);
    expect(ip.dscp).toBe(46);
    expect(ip.ecn).toBe(1);
    expect(ip.identification).toBe(0xabcd);
    expect(ip.flags).toBe(1);
    expect(ip.moreFragments).toBe(true);
    expect(ip.dontFragment).toBe(false);
    expect(ip.fragmentOffset).toBe(0x171);
    expect(ip.isFragment).toBe(true);
    expect(ip.ttl).toBe(255);
    expect(ip.source).toBe(0xffffffff);
    expect(ip.destination).toBe(0x80000001);
    expect(ip.payloadLength).toBe(8);
  });

  it("handles options (IHL 6) and ignores Ethernet padding past the total length", () => {
    const header = fromHex("4600001c00000000400100000a0000010a00000294040000");
    const pkt = concat([0xaa, 0xbb], header, fromHex("0800f7ff00000000"), new Uint8Array(10));
    const ip = new Ipv4View();
    expect(ip.attach(pkt, 2, pkt.length - 2)).toBe(ParseError.Ok);
    expect(ip.headerLength).toBe(24);
    expect(ip.optionsOffset).toBe(22);
    expect(ip.optionsLength).toBe(4);
    expect(pkt[ip.optionsOffset]).toBe(0x94); // router alert
    expect(ip.payloadOffset).toBe(26);
    expect(ip.payloadLength).toBe(4);
    expect(ip.length).toBe(28);
    ip.fillChecksum();
    expect(ip.checksum).toBe(
      referenceChecksum(concat(header.slice(0, 10), [0, 0], header.slice(12))),
    );
    expect(ip.verifyChecksum()).toBe(true);
  });

  it("reports each kind of malformed header", () => {
    const ip = new Ipv4View();
    const good = examplePacket();
    const with0 = (i: number, v: number) => {
      const p = good.slice();
      p[i] = v;
      return p;
    };
    expect(ip.attach(with0(0, 0x65), 0, good.length)).toBe(ParseError.BadVersion);
    expect(ip.attach(with0(0, 0x44), 0, good.length)).toBe(ParseError.BadHeaderLength);
    expect(ip.attach(with0(3, 19), 0, good.length)).toBe(ParseError.BadTotalLength);
    expect(ip.attach(with0(3, 0x74), 0, good.length)).toBe(ParseError.Truncated);
    expect(ip.attach(with0(0, 0x4f), 0, 40)).toBe(ParseError.Truncated); // IHL 60 > 40 bytes
    expect(ip.attach(good, 0, 19)).toBe(ParseError.Truncated);
    expect(ip.attach(good, 10, good.length)).toBe(ParseError.Truncated); // past the buffer
    expect(ip.attach(good, -1, 20)).toBe(ParseError.Truncated);
  });

  it("attachQuoted accepts a cut-off packet and reports the bytes present", () => {
    const pkt = examplePacket().slice(0, 28);
    const ip = new Ipv4View();
    expect(ip.attach(pkt, 0, 28)).toBe(ParseError.Truncated);
    expect(ip.attachQuoted(pkt, 0, 28)).toBe(ParseError.Ok);
    expect(ip.totalLength).toBe(115);
    expect(ip.length).toBe(28);
    expect(ip.payloadLength).toBe(8);
    expect(ip.attachQuoted(pkt, 0, 19)).toBe(ParseError.Truncated);
  });

  it("rewrites NAT fields in place", () => {
    const pkt = examplePacket();
    const ip = new Ipv4View();
    ip.attach(pkt, 0, pkt.length);
    ip.setSource(parseIpv4("10.0.0.1") as number);
    ip.setDestination(0xfffffffe);
    ip.setTtl(63);
    ip.setIdentification(0x1234);
    ip.setTos(0x10);
    ip.setTotalLength(100);
    expect(ip.verifyChecksum()).toBe(false);
    ip.fillChecksum();
    expect(ip.verifyChecksum()).toBe(true);
    const check = ip.checksum;
    expect(toHex(pkt.slice(0, 20))).toBe(
      `45100064123440003f11${check.toString(16).padStart(4, "0")}0a000001fffffffe`,
    );
    ip.setChecksum(0xbeef);
    expect(toHex(pkt.slice(10, 12))).toBe("beef");
  });

  it("is reusable: one view re-pointed at different packets", () => {
    const a = examplePacket();
    const b = fromHex("450000140001000001020000010203040a0b0c0d");
    const ip = new Ipv4View();
    expect(ip.attach(a, 0, a.length)).toBe(ParseError.Ok);
    expect(ip.protocol).toBe(17);
    expect(ip.attach(b, 0, b.length)).toBe(ParseError.Ok);
    expect(ip.protocol).toBe(2);
    expect(formatIpv4(ip.source)).toBe("1.2.3.4");
    expect(ip.payloadLength).toBe(0);
  });
});
