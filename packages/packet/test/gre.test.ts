import { describe, expect, it } from "vitest";
import { GreFlag, GreView, ParseError } from "../src/index.js";
import { concat, fromHex, referenceChecksum, toHex, u16, u32 } from "./support.js";

describe("GreView version 0", () => {
  it("decodes the plain 4-byte header", () => {
    const pkt = fromHex("00000800" + "4500");
    const gre = new GreView();
    expect(gre.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(gre.version).toBe(0);
    expect(gre.protocolType).toBe(0x0800);
    expect(gre.headerLength).toBe(4);
    expect(gre.payloadOffset).toBe(4);
    expect(gre.payloadLength).toBe(2);
    expect([gre.hasChecksum, gre.hasKey, gre.hasSequence, gre.hasAcknowledgment]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect([gre.checksum, gre.key, gre.sequence]).toEqual([0, 0, 0]);
    expect(gre.verifyChecksum()).toBe(true);
    expect(gre.computeChecksum()).toBe(-1);
  });

  it("decodes checksum, key and sequence number (RFC 2784 + RFC 2890)", () => {
    const payload = fromHex("450000140000000040010000");
    const pkt = concat(
      u16(GreFlag.Checksum | GreFlag.Key | GreFlag.Sequence),
      u16(0x0800),
      [0, 0, 0, 0],
      u32(0x01020304),
      u32(5),
      payload,
    );
    const gre = new GreView();
    expect(gre.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(gre.flags).toBe(0xb000);
    expect(gre.hasChecksum && gre.hasKey && gre.hasSequence).toBe(true);
    expect(gre.key).toBe(0x01020304);
    expect(gre.sequence).toBe(5);
    expect(gre.headerLength).toBe(16);
    expect(gre.payloadLength).toBe(12);
    expect(gre.computeChecksum()).toBe(referenceChecksum(pkt));
    expect(gre.verifyChecksum()).toBe(false);
    gre.fillChecksum();
    expect(gre.checksum).toBe(referenceChecksum(concat(pkt.slice(0, 4), [0, 0], pkt.slice(6))));
    expect(gre.verifyChecksum()).toBe(true);
  });

  it("places the key right after the base header when C is clear", () => {
    const pkt = concat(u16(GreFlag.Key), u16(0x86dd), u32(0xcafebabe));
    const gre = new GreView();
    expect(gre.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(gre.key).toBe(0xcafebabe);
    expect(gre.headerLength).toBe(8);
    gre.setKey(0x11223344);
    gre.setChecksum(0xffff); // no checksum field: no-op
    gre.setCallId(0x5555); // v0 with K: writes the low half of the key field
    expect(toHex(pkt)).toBe("200086dd11225555");
  });

  it("refuses RFC 1701 routing, unknown versions and truncation", () => {
    const gre = new GreView();
    expect(gre.attach(fromHex("40000800000000000000"), 0, 10)).toBe(ParseError.BadFlags);
    expect(gre.attach(fromHex("00020800"), 0, 4)).toBe(ParseError.BadVersion);
    expect(gre.attach(fromHex("b0000800000000000102"), 0, 10)).toBe(ParseError.Truncated);
    expect(gre.attach(fromHex("000008"), 0, 3)).toBe(ParseError.Truncated);
  });
});

describe("GreView version 1 (PPTP enhanced GRE)", () => {
  it("decodes payload length, call ID, sequence and acknowledgment", () => {
    const ppp = fromHex("ff0300210102");
    const pkt = concat(u16(0x3081), u16(0x880b), u16(ppp.length), u16(0x4d2), u32(7), u32(6), ppp);
    const gre = new GreView();
    expect(gre.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(gre.version).toBe(1);
    expect(gre.protocolType).toBe(0x880b);
    expect(gre.hasKey).toBe(true);
    expect(gre.keyPayloadLength).toBe(6);
    expect(gre.callId).toBe(1234);
    expect(gre.key).toBe(0x000604d2);
    expect(gre.hasSequence && gre.hasAcknowledgment).toBe(true);
    expect(gre.sequence).toBe(7);
    expect(gre.acknowledgment).toBe(6);
    expect(gre.headerLength).toBe(16);
    expect(gre.payloadOffset).toBe(16);
    expect(gre.payloadLength).toBe(6);
    expect(gre.hasChecksum).toBe(false);
  });

  it("places the acknowledgment right after the key when S is clear", () => {
    const pkt = concat(u16(0x2081), u16(0x880b), u16(0), u16(99), u32(0xabcdef01));
    const gre = new GreView();
    expect(gre.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(gre.hasSequence).toBe(false);
    expect(gre.acknowledgment).toBe(0xabcdef01);
    expect(gre.headerLength).toBe(12);
  });

  it("decodes a data packet with sequence only", () => {
    const pkt = concat(u16(0x3001), u16(0x880b), u16(2), u16(77), u32(1), [0xff, 0x03]);
    const gre = new GreView();
    expect(gre.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(gre.hasAcknowledgment).toBe(false);
    expect(gre.sequence).toBe(1);
    expect(gre.callId).toBe(77);
    expect(gre.headerLength).toBe(12);
    expect(gre.attach(pkt, 0, 11)).toBe(ParseError.Truncated);
  });

  it("rewrites the call ID (what nf_nat_pptp changes) and other fields in place", () => {
    const pkt = concat(u16(0x3081), u16(0x880b), u16(6), u16(0x4d2), u32(7), u32(6));
    const gre = new GreView();
    gre.attach(pkt, 0, pkt.length);
    gre.setCallId(0xbeef);
    gre.setKeyPayloadLength(0x10);
    gre.setSequence(0x01020304);
    gre.setAcknowledgment(0x05060708);
    expect(toHex(pkt)).toBe("3081880b0010beef0102030405060708");
    expect(gre.callId).toBe(0xbeef);
  });
});
