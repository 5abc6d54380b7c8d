import { describe, expect, it } from "vitest";
import { Ipv4View, Ipv6View, ParseError, UdpView } from "../src/index.js";
import { concat, fromHex, referenceChecksum, toHex, u16 } from "./support.js";

const datagram = fromHex("d431" + "0035" + "000c" + "0000" + "61626364");

function inIpv4(udp: Uint8Array): Uint8Array {
  return concat(fromHex("45000000000000004011000001020304c0a80001"), udp).map((b, i) =>
    i === 3 ? 20 + udp.length : b,
  );
}

describe("UdpView", () => {
  it("reads every header field", () => {
    const udp = new UdpView();
    expect(udp.attach(datagram, 0, datagram.length)).toBe(ParseError.Ok);
    expect(udp.sourcePort).toBe(54321);
    expect(udp.destinationPort).toBe(53);
    expect(udp.udpLength).toBe(12);
    expect(udp.length).toBe(12);
    expect(udp.checksum).toBe(0);
    expect(udp.hasChecksum).toBe(false);
    expect(udp.headerLength).toBe(8);
    expect(udp.payloadOffset).toBe(8);
    expect(udp.payloadLength).toBe(4);
  });

  it("uses the length field, not the bytes the IP layer carries", () => {
    const padded = concat(datagram, [0xff, 0xff, 0xff]);
    const udp = new UdpView();
    expect(udp.attach(padded, 0, padded.length)).toBe(ParseError.Ok);
    expect(udp.length).toBe(12);
    expect(udp.payloadLength).toBe(4);
  });

  it("reports bad lengths and truncation", () => {
    const udp = new UdpView();
    const short = datagram.slice();
    short[5] = 7;
    expect(udp.attach(short, 0, short.length)).toBe(ParseError.BadLength);
    expect(udp.attach(datagram, 0, 11)).toBe(ParseError.Truncated);
    expect(udp.attach(datagram, 0, 7)).toBe(ParseError.Truncated);
    expect(udp.attachQuoted(datagram, 0, 8)).toBe(ParseError.Ok);
    expect(udp.udpLength).toBe(12);
    expect(udp.length).toBe(8);
    expect(udp.payloadLength).toBe(0);
  });

  it("treats checksum 0 as absent over IPv4 and invalid over IPv6", () => {
    const v4 = inIpv4(datagram);
    const ip4 = new Ipv4View();
    expect(ip4.attach(v4, 0, v4.length)).toBe(ParseError.Ok);
    const udp = new UdpView();
    udp.attach(v4, ip4.payloadOffset, ip4.payloadLength);
    expect(udp.verifyChecksum(ip4)).toBe(true);

    const v6 = concat(
      fromHex("60000000000c1140"),
      new Uint8Array(15),
      [1],
      new Uint8Array(15),
      [2],
      datagram,
    );
    const ip6 = new Ipv6View();
    expect(ip6.attach(v6, 0, v6.length)).toBe(ParseError.Ok);
    udp.attach(v6, ip6.upperOffset, ip6.upperLength);
    expect(udp.verifyChecksum(ip6)).toBe(false);
    udp.fillChecksum(ip6);
    expect(udp.verifyChecksum(ip6)).toBe(true);
    const pseudo = concat(
      new Uint8Array(15),
      [1],
      new Uint8Array(15),
      [2],
      [0, 0, 0, 12, 0, 0, 0, 17],
    );
    expect(udp.checksum).toBe(referenceChecksum(concat(pseudo, datagram)));
  });

  it("sends a computed checksum of 0 as 0xFFFF", () => {
    // Choose the last payload word so that the full sum is 0xFFFF (checksum 0).
    const body = datagram.slice();
    const v4 = inIpv4(body);
    const ip = new Ipv4View();
    ip.attach(v4, 0, v4.length);
    const l4 = ip.payloadOffset;
    v4.set([0, 0], l4 + 10);
    const pseudo = concat(fromHex("01020304c0a80001"), [0, 17], u16(12));
    const rest = ~referenceChecksum(concat(pseudo, v4.slice(l4))) & 0xffff;
    v4.set(u16(~rest & 0xffff), l4 + 10);
    expect(referenceChecksum(concat(pseudo, v4.slice(l4)))).toBe(0);
    const udp = new UdpView();
    udp.attach(v4, l4, ip.payloadLength);
    expect(udp.computeChecksum(ip)).toBe(0xffff);
    udp.fillChecksum(ip);
    expect(udp.checksum).toBe(0xffff);
    expect(udp.verifyChecksum(ip)).toBe(true);
  });

  it("rewrites ports, length and checksum in place", () => {
    const d = datagram.slice();
    const udp = new UdpView();
    udp.attach(d, 0, d.length);
    udp.setSourcePort(1);
    udp.setDestinationPort(2);
    udp.setUdpLength(9);
    udp.setChecksum(0xfeed);
    expect(toHex(d)).toBe("000100020009feed61626364");
  });
});
