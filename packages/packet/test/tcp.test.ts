import { describe, expect, it } from "vitest";
import {
  Ipv4View,
  Ipv6View,
  ParseError,
  TCP_OPTIONS_END,
  TCP_OPTIONS_MALFORMED,
  TcpFlag,
  TcpOptionCursor,
  TcpOptionKind,
  TcpOptions,
  TcpView,
} from "../src/index.js";
import { concat, fromHex, referenceChecksum, toHex, u16, u32 } from "./support.js";

/** SYN with MSS 1460, SACK-permitted, timestamps (0x01020304, 0), NOP, window scale 7. */
const synOptions = fromHex("020405b4" + "0402" + "080a0102030400000000" + "01" + "030307");
const syn = concat(
  u16(12345),
  u16(80),
  u32(0xfffffff0),
  u32(0),
  [0xa0, 0xc2], // data offset 10, flags CWR|ECE|SYN
  u16(65535),
  u16(0),
  u16(0),
  synOptions,
);

describe("TcpView", () => {
  it("reads every header field", () => {
    const tcp = new TcpView();
    expect(tcp.attach(syn, 0, syn.length)).toBe(ParseError.Ok);
    expect(tcp.sourcePort).toBe(12345);
    expect(tcp.destinationPort).toBe(80);
    expect(tcp.sequenceNumber).toBe(0xfffffff0);
    expect(tcp.acknowledgmentNumber).toBe(0);
    expect(tcp.dataOffset).toBe(10);
    expect(tcp.headerLength).toBe(40);
    expect(tcp.flags).toBe(TcpFlag.Cwr | TcpFlag.Ece | TcpFlag.Syn);
    expect([tcp.syn, tcp.ece, tcp.cwr]).toEqual([true, true, true]);
    expect([tcp.fin, tcp.rst, tcp.psh, tcp.ack, tcp.urg]).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(tcp.window).toBe(65535);
    expect(tcp.checksum).toBe(0);
    expect(tcp.urgentPointer).toBe(0);
    expect(tcp.optionsOffset).toBe(20);
    expect(tcp.optionsLength).toBe(20);
    expect(tcp.payloadOffset).toBe(40);
    expect(tcp.payloadLength).toBe(0);
    expect(tcp.isComplete).toBe(true);
  });

  it("reads each flag bit on its own", () => {
    const tcp = new TcpView();
    const seg = syn.slice(0, 20);
    seg[12] = 0x50;
    const names = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"] as const;
    for (let bit = 0; bit < 8; bit++) {
      seg[13] = 1 << bit;
      tcp.attach(seg, 0, 20);
      for (let other = 0; other < 8; other++) expect(tcp[names[other]]).toBe(other === bit);
    }
  });

  it("rejects bad data offsets and truncation", () => {
    const tcp = new TcpView();
    const bad = syn.slice();
    bad[12] = 0x40;
    expect(tcp.attach(bad, 0, bad.length)).toBe(ParseError.BadHeaderLength);
    expect(tcp.attach(syn, 0, 39)).toBe(ParseError.Truncated);
    expect(tcp.attach(syn, 0, 19)).toBe(ParseError.Truncated);
  });

  it("attachQuoted needs only ports and sequence number", () => {
    const tcp = new TcpView();
    expect(tcp.attachQuoted(syn, 0, 8)).toBe(ParseError.Ok);
    expect(tcp.isComplete).toBe(false);
    expect(tcp.sourcePort).toBe(12345);
    expect(tcp.destinationPort).toBe(80);
    expect(tcp.sequenceNumber).toBe(0xfffffff0);
    expect(tcp.payloadLength).toBe(0);
    expect(tcp.optionsLength).toBe(0);
    expect(tcp.attachQuoted(syn, 0, 7)).toBe(ParseError.Truncated);
    expect(tcp.attachQuoted(syn, 0, syn.length)).toBe(ParseError.Ok);
    expect(tcp.isComplete).toBe(true);
    expect(tcp.headerLength).toBe(40);
  });

  it("computes and verifies checksums over IPv4 and IPv6 pseudo headers", () => {
    const payload = fromHex("68656c6c6f");
    const segment = concat(syn, payload);
    const v4 = concat(fromHex("45000041000000004006000001020304c0a80001"), segment);
    const ip4 = new Ipv4View();
    expect(ip4.attach(v4, 0, v4.length)).toBe(ParseError.Ok);
    const tcp = new TcpView();
    expect(tcp.attach(v4, ip4.payloadOffset, ip4.payloadLength)).toBe(ParseError.Ok);
    const pseudo4 = concat(fromHex("01020304c0a80001"), [0, 6], u16(segment.length));
    const expected4 = referenceChecksum(concat(pseudo4, segment));
    expect(tcp.computeChecksum(ip4)).toBe(expected4);
    expect(tcp.verifyChecksum(ip4)).toBe(false);
    tcp.fillChecksum(ip4);
    expect(tcp.checksum).toBe(expected4);
    expect(tcp.verifyChecksum(ip4)).toBe(true);

    const src = fromHex("fe800000000000000000000000000001");
    const dst = fromHex("ff020000000000000000000000000002");
    const v6 = concat(fromHex("60000000"), u16(segment.length), [6, 64], src, dst, segment);
    const ip6 = new Ipv6View();
    expect(ip6.attach(v6, 0, v6.length)).toBe(ParseError.Ok);
    expect(tcp.attach(v6, ip6.upperOffset, ip6.upperLength)).toBe(ParseError.Ok);
    const pseudo6 = concat(src, dst, u32(segment.length), [0, 0, 0, 6]);
    expect(tcp.computeChecksum(ip6)).toBe(referenceChecksum(concat(pseudo6, segment)));
    tcp.fillChecksum(ip6);
    expect(tcp.verifyChecksum(ip6)).toBe(true);
    v6[v6.length - 1] ^= 1;
    expect(tcp.verifyChecksum(ip6)).toBe(false);
  });

  it("rewrites ports, seq, ack, flags, window and checksum in place", () => {
    const seg = syn.slice();
    const tcp = new TcpView();
    tcp.attach(seg, 0, seg.length);
    tcp.setSourcePort(1);
    tcp.setDestinationPort(0xffff);
    tcp.setSequenceNumber(0x80000000);
    tcp.setAcknowledgmentNumber(0xdeadbeef);
    tcp.setFlags(TcpFlag.Ack | TcpFlag.Fin);
    tcp.setWindow(512);
    tcp.setChecksum(0xabcd);
    expect(toHex(seg.slice(0, 20))).toBe("0001ffff80000000deadbeefa0110200abcd0000");
    expect(tcp.acknowledgmentNumber).toBe(0xdeadbeef);
    expect(tcp.fin && tcp.ack && !tcp.syn).toBe(true);
  });
});

describe("TCP options", () => {
  it("collects MSS, window scale, SACK-permitted and timestamps", () => {
    const tcp = new TcpView();
    tcp.attach(syn, 0, syn.length);
    const opts = new TcpOptions();
    expect(opts.parse(tcp)).toBe(ParseError.Ok);
    expect(opts.mss).toBe(1460);
    expect(opts.windowScale).toBe(7);
    expect(opts.sackPermitted).toBe(true);
    expect(opts.hasTimestamp).toBe(true);
    expect(opts.timestampValue).toBe(0x01020304);
    expect(opts.timestampEcho).toBe(0);
    expect(opts.timestampOffset).toBe(26);
    expect(opts.sackBlockCount).toBe(0);
  });

  it("walks options one by one with the cursor, skipping NOPs", () => {
    const tcp = new TcpView();
    tcp.attach(syn, 0, syn.length);
    const cursor = new TcpOptionCursor();
    cursor.reset(tcp);
    const seen: [number, number, number][] = [];
    for (let kind = cursor.next(); kind >= 0; kind = cursor.next()) {
      seen.push([kind, cursor.offset, cursor.length]);
    }
    expect(seen).toEqual([
      [TcpOptionKind.Mss, 20, 4],
      [TcpOptionKind.SackPermitted, 24, 2],
      [TcpOptionKind.Timestamp, 26, 10],
      [TcpOptionKind.WindowScale, 37, 3],
    ]);
    expect(cursor.next()).toBe(TCP_OPTIONS_END);
  });

  it("reads and rewrites SACK blocks", () => {
    const options = fromHex("0101" + "0512" + "0000100000002000" + "fffffff000000010");
    const seg = concat(
      u16(80),
      u16(12345),
      u32(1),
      u32(2),
      [0xa0, 0x10],
      u16(100),
      u16(0),
      u16(0),
      options,
    );
    const tcp = new TcpView();
    expect(tcp.attach(seg, 0, seg.length)).toBe(ParseError.Ok);
    const opts = new TcpOptions();
    expect(opts.parse(tcp)).toBe(ParseError.Ok);
    expect(opts.sackBlockCount).toBe(2);
    expect(opts.sackLeft(0)).toBe(0x1000);
    expect(opts.sackRight(0)).toBe(0x2000);
    expect(opts.sackLeft(1)).toBe(0xfffffff0);
    expect(opts.sackRight(1)).toBe(0x10);
    expect(opts.sackBlockOffset(1)).toBe(32);
    opts.setSackLeft(1, 0x11111111);
    opts.setSackRight(0, 0x22222222);
    expect(toHex(seg.slice(24, 40))).toBe("0000100022222222" + "1111111100000010");
    expect(opts.mss).toBe(-1);
    expect(opts.windowScale).toBe(-1);
    expect(opts.hasTimestamp).toBe(false);
  });

  it("ignores options of the wrong size and stops at EOL, like Linux", () => {
    // MSS with length 6 (ignored), window scale 14, EOL, then a MSS that must not be seen.
    const options = fromHex("020605b40000" + "03030e" + "00" + "020405b4");
    const seg = concat(
      u16(1),
      u16(2),
      u32(0),
      u32(0),
      [0x80, 0x02],
      u16(0),
      u16(0),
      u16(0),
      options,
    );
    const tcp = new TcpView();
    expect(tcp.attach(seg, 0, seg.length)).toBe(ParseError.Ok);
    const opts = new TcpOptions();
    expect(opts.parse(tcp)).toBe(ParseError.Ok);
    expect(opts.mss).toBe(-1);
    expect(opts.windowScale).toBe(14);
  });

  it("reports malformed lengths but keeps what came before", () => {
    const cases: [string, number][] = [
      ["020405b4" + "0801" + "000000000000", 1460], // length 1 < 2
      ["020405b4" + "0820" + "000000000000", 1460], // length runs past the header
      ["020405b4" + "01010101010101" + "08", 1460], // kind without a length byte
    ];
    for (const [hex, mss] of cases) {
      const seg = concat(
        u16(1),
        u16(2),
        u32(0),
        u32(0),
        [0x80, 0x02],
        u16(0),
        u16(0),
        u16(0),
        fromHex(hex),
      );
      const tcp = new TcpView();
      expect(tcp.attach(seg, 0, seg.length), hex).toBe(ParseError.Ok);
      const opts = new TcpOptions();
      expect(opts.parse(tcp), hex).toBe(ParseError.BadOption);
      expect(opts.mss).toBe(mss);
      const cursor = new TcpOptionCursor();
      cursor.reset(tcp);
      expect(cursor.next()).toBe(TcpOptionKind.Mss);
      expect(cursor.next()).toBe(TCP_OPTIONS_MALFORMED);
      expect(cursor.next()).toBe(TCP_OPTIONS_END);
    }
  });

  it("finds nothing in a header without options", () => {
    const seg = concat(u16(1), u16(2), u32(0), u32(0), [0x50, 0x10], u16(0), u16(0), u16(0));
    const tcp = new TcpView();
    tcp.attach(seg, 0, seg.length);
    const opts = new TcpOptions();
    expect(opts.parse(tcp)).toBe(ParseError.Ok);
    expect([opts.mss, opts.windowScale, opts.sackBlockCount]).toEqual([-1, -1, 0]);
    expect(opts.sackPermitted || opts.hasTimestamp).toBe(false);
  });
});
