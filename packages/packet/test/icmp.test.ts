import { describe, expect, it } from "vitest";
import {
  formatIpv4,
  IcmpType,
  IcmpView,
  Icmpv6Type,
  Icmpv6View,
  Ipv4View,
  Ipv6View,
  isIcmpError,
  isIcmpQuery,
  isIcmpv6Error,
  ParseError,
  UdpView,
} from "../src/index.js";
import { concat, fromHex, referenceChecksum, toHex, u16, u32 } from "./support.js";

describe("IcmpView", () => {
  it("reads an echo request and computes its checksum without a pseudo header", () => {
    const echo = fromHex("08000000" + "1234" + "0001" + "61626364");
    const icmp = new IcmpView();
    expect(icmp.attach(echo, 0, echo.length)).toBe(ParseError.Ok);
    expect(icmp.type).toBe(IcmpType.EchoRequest);
    expect(icmp.code).toBe(0);
    expect(icmp.identifier).toBe(0x1234);
    expect(icmp.sequence).toBe(1);
    expect(icmp.restOfHeader).toBe(0x12340001);
    expect(icmp.isQuery).toBe(true);
    expect(icmp.isError).toBe(false);
    expect(icmp.payloadOffset).toBe(8);
    expect(icmp.payloadLength).toBe(4);
    expect(icmp.computeChecksum()).toBe(referenceChecksum(echo));
    expect(icmp.verifyChecksum()).toBe(false);
    icmp.fillChecksum();
    expect(icmp.verifyChecksum()).toBe(true);
    expect(toHex(echo.slice(2, 4))).toBe(
      referenceChecksum(fromHex("0800000012340001" + "61626364"))
        .toString(16)
        .padStart(4, "0"),
    );
  });

  it("locates the quoted packet of a port unreachable error", () => {
    // Quoted: IPv4 header of a 100-byte UDP datagram plus only the first 8 UDP bytes.
    const innerIp = fromHex("45000064abcd40004011000001020304c0a80001");
    const innerUdp = fromHex("d4310035" + "0050" + "beef");
    const error = concat([3, 3, 0, 0, 0, 0, 0, 0], innerIp, innerUdp);
    const icmp = new IcmpView();
    expect(icmp.attach(error, 0, error.length)).toBe(ParseError.Ok);
    expect(icmp.isError).toBe(true);
    expect(icmp.isQuery).toBe(false);
    expect(icmp.innerOffset).toBe(8);
    expect(icmp.innerLength).toBe(28);
    const ip = new Ipv4View();
    expect(ip.attach(error, icmp.innerOffset, icmp.innerLength)).toBe(ParseError.Truncated);
    expect(ip.attachQuoted(error, icmp.innerOffset, icmp.innerLength)).toBe(ParseError.Ok);
    expect(formatIpv4(ip.source)).toBe("1.2.3.4");
    expect(ip.totalLength).toBe(100);
    expect(ip.protocol).toBe(17);
    const udp = new UdpView();
    expect(udp.attachQuoted(error, ip.payloadOffset, ip.payloadLength)).toBe(ParseError.Ok);
    expect(udp.sourcePort).toBe(54321);
    expect(udp.destinationPort).toBe(53);
    expect(udp.udpLength).toBe(80);
    expect(udp.checksum).toBe(0xbeef);
  });

  it("reads next-hop MTU, redirect gateway and parameter-problem pointer", () => {
    const icmp = new IcmpView();
    const fragNeeded = fromHex("0304000000000578");
    icmp.attach(fragNeeded, 0, 8);
    expect(icmp.nextHopMtu).toBe(1400);
    const redirect = fromHex("05010000c0a80001");
    icmp.attach(redirect, 0, 8);
    expect(formatIpv4(icmp.gateway)).toBe("192.168.0.1");
    const problem = fromHex("0c00000014000000");
    icmp.attach(problem, 0, 8);
    expect(icmp.pointer).toBe(20);
  });

  it("classifies types", () => {
    expect([3, 4, 5, 11, 12].every(isIcmpError)).toBe(true);
    expect([0, 8, 9, 10, 13, 14, 17, 18].some(isIcmpError)).toBe(false);
    expect([0, 8, 13, 14, 15, 16, 17, 18].every(isIcmpQuery)).toBe(true);
    expect([3, 5, 9, 11, 19].some(isIcmpQuery)).toBe(false);
  });

  it("rejects messages shorter than the 8-byte header", () => {
    const icmp = new IcmpView();
    expect(icmp.attach(fromHex("08000000123400"), 0, 7)).toBe(ParseError.Truncated);
  });

  it("rewrites type, code, identifier, sequence and checksum", () => {
    const msg = fromHex("0800000012340001");
    const icmp = new IcmpView();
    icmp.attach(msg, 0, 8);
    icmp.setType(0);
    icmp.setCode(1);
    icmp.setIdentifier(0xaaaa);
    icmp.setSequence(0xbbbb);
    icmp.setChecksum(0xcccc);
    expect(toHex(msg)).toBe("0001ccccaaaabbbb");
  });
});

describe("Icmpv6View", () => {
  const src = fromHex("fd990000000000000000000000000001");
  const dst = fromHex("fd990000000000000000000000000002");
  const ipv6 = (payload: Uint8Array) =>
    concat(fromHex("60000000"), u16(payload.length), [58, 64], src, dst, payload);

  it("reads an echo request and checksums it with the IPv6 pseudo header", () => {
    const echo = fromHex("80000000" + "abcd" + "0007" + "6869");
    const pkt = ipv6(echo);
    const ip = new Ipv6View();
    expect(ip.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    const icmp = new Icmpv6View();
    expect(icmp.attach(pkt, ip.upperOffset, ip.upperLength)).toBe(ParseError.Ok);
    expect(icmp.type).toBe(Icmpv6Type.EchoRequest);
    expect(icmp.isEcho).toBe(true);
    expect(icmp.isError).toBe(false);
    expect(icmp.identifier).toBe(0xabcd);
    expect(icmp.sequence).toBe(7);
    const pseudo = concat(src, dst, u32(echo.length), [0, 0, 0, 58]);
    expect(icmp.computeChecksum(ip)).toBe(referenceChecksum(concat(pseudo, echo)));
    icmp.fillChecksum(ip);
    expect(icmp.verifyChecksum(ip)).toBe(true);
    icmp.setIdentifier(1);
    expect(icmp.verifyChecksum(ip)).toBe(false);
  });

  it("reads packet-too-big MTU and the quoted packet", () => {
    const quoted = concat(fromHex("6000000000501140"), dst, src, fromHex("00350035005000000000"));
    const tooBig = concat(fromHex("02000000"), u32(1280), quoted);
    const icmp = new Icmpv6View();
    expect(icmp.attach(tooBig, 0, tooBig.length)).toBe(ParseError.Ok);
    expect(icmp.isError).toBe(true);
    expect(icmp.isEcho).toBe(false);
    expect(icmp.mtu).toBe(1280);
    const inner = new Ipv6View();
    expect(inner.attachQuoted(tooBig, icmp.innerOffset, icmp.innerLength)).toBe(ParseError.Ok);
    expect(inner.payloadLength).toBe(0x50);
    expect(inner.upperProtocol).toBe(17);
    expect(inner.upperLength).toBe(10);
    const problem = fromHex("0400000000000028");
    icmp.attach(problem, 0, 8);
    expect(icmp.pointer).toBe(40);
  });

  it("classifies types", () => {
    expect([1, 2, 3, 4, 127].every(isIcmpv6Error)).toBe(true);
    expect([128, 129, 133, 135, 255].some(isIcmpv6Error)).toBe(false);
  });
});
