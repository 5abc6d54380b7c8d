import { describe, expect, it } from "vitest";
import { formatIpv6, IpProtocol, Ipv6View, ParseError, parseIpv6 } from "../src/index.js";
import { concat, fromHex, toHex, u16, u32 } from "./support.js";

const SRC = "20010db8000000000000000000000001";
const DST = "20010db8000000000000000000000002";

/** Fixed header with version 6, traffic class 0x12, flow label 0xabcde. */
function ipv6(
  nextHeader: number,
  payload: Uint8Array | number[],
  payloadLength?: number,
): Uint8Array {
  return concat(
    u32(0x612abcde),
    u16(payloadLength ?? payload.length),
    [nextHeader, 57],
    fromHex(SRC),
    fromHex(DST),
    payload,
  );
}

const tcpHeader = fromHex("3039005000000001000000005002ffff00000000");

describe("Ipv6View", () => {
  it("reads the fixed header", () => {
    const pkt = ipv6(IpProtocol.Tcp, tcpHeader);
    const ip = new Ipv6View();
    expect(ip.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(ip.ipVersion).toBe(6);
    expect(ip.version).toBe(6);
    expect(ip.trafficClass).toBe(0x12);
    expect(ip.flowLabel).toBe(0xabcde);
    expect(ip.payloadLength).toBe(20);
    expect(ip.nextHeader).toBe(6);
    expect(ip.hopLimit).toBe(57);
    expect(ip.headerLength).toBe(40);
    expect(ip.length).toBe(60);
    expect(formatIpv6(pkt, ip.sourceOffset)).toBe("2001:db8::1");
    expect(formatIpv6(pkt, ip.destinationOffset)).toBe("2001:db8::2");
    expect(ip.upperProtocol).toBe(IpProtocol.Tcp);
    expect(ip.upperOffset).toBe(40);
    expect(ip.upperLength).toBe(20);
    expect(ip.extensionHeaderCount).toBe(0);
    expect(ip.hasFragmentHeader).toBe(false);
    expect(ip.fragmentHeaderOffset).toBe(-1);
    expect(ip.isFragment).toBe(false);
    expect(ip.fragmentOffset).toBe(0);
    expect(ip.moreFragments).toBe(false);
  });

  it("walks hop-by-hop, routing, destination options, AH and fragment headers", () => {
    const hopByHop = [IpProtocol.Routing, 0, 1, 4, 0, 0, 0, 0]; // PadN
    const routing = [
      IpProtocol.DestinationOptions,
      1,
      4,
      0,
      0,
      0,
      0,
      0,
      ...new Array(8).fill(0xaa),
    ];
    const destOpts = [IpProtocol.Ah, 0, 1, 4, 0, 0, 0, 0];
    const ah = [
      IpProtocol.Fragment,
      4,
      0,
      0,
      ...u32(0x100),
      ...u32(7),
      ...new Array(12).fill(0x55),
    ];
    const fragment = [IpProtocol.Tcp, 0, ...u16((0 << 3) | 1), ...u32(0xdeadbeef)];
    const pkt = ipv6(
      IpProtocol.HopByHop,
      concat(hopByHop, routing, destOpts, ah, fragment, tcpHeader),
    );
    const ip = new Ipv6View();
    expect(ip.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(ip.extensionHeaderCount).toBe(5);
    expect(ah.length).toBe(24); // (4 + 2) * 4
    const fragAt = 40 + 8 + 16 + 8 + 24;
    expect(ip.fragmentHeaderOffset).toBe(fragAt);
    expect(ip.hasFragmentHeader).toBe(true);
    expect(ip.fragmentOffset).toBe(0);
    expect(ip.moreFragments).toBe(true);
    expect(ip.isFragment).toBe(true);
    expect(ip.fragmentIdentification).toBe(0xdeadbeef);
    expect(ip.upperProtocol).toBe(IpProtocol.Tcp);
    expect(ip.upperOffset).toBe(fragAt + 8);
    expect(ip.upperLength).toBe(20);
    expect(pkt[ip.upperOffset]).toBe(0x30); // TCP source port 12345
  });

  it("stops at the fragment header of a non-first fragment", () => {
    const fragment = [IpProtocol.Udp, 0, ...u16((100 << 3) | 1), ...u32(42)];
    const pkt = ipv6(IpProtocol.Fragment, concat(fragment, new Uint8Array(16).fill(0x11)));
    const ip = new Ipv6View();
    expect(ip.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(ip.fragmentOffset).toBe(100);
    expect(ip.moreFragments).toBe(true);
    expect(ip.isFragment).toBe(true);
    expect(ip.upperProtocol).toBe(IpProtocol.Udp);
    expect(ip.upperOffset).toBe(48);
    expect(ip.upperLength).toBe(16);
  });

  it("treats an atomic fragment (offset 0, M clear) as not fragmented", () => {
    const fragment = [IpProtocol.Udp, 0, 0, 0, ...u32(42)];
    const pkt = ipv6(IpProtocol.Fragment, concat(fragment, fromHex("0001000200080000")));
    const ip = new Ipv6View();
    expect(ip.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(ip.hasFragmentHeader).toBe(true);
    expect(ip.isFragment).toBe(false);
    expect(ip.upperProtocol).toBe(IpProtocol.Udp);
    expect(ip.upperOffset).toBe(48);
  });

  it("ends the walk at ESP and at no-next-header", () => {
    const ip = new Ipv6View();
    const esp = ipv6(IpProtocol.Esp, new Uint8Array(16));
    expect(ip.attach(esp, 0, esp.length)).toBe(ParseError.Ok);
    expect(ip.upperProtocol).toBe(IpProtocol.Esp);
    expect(ip.upperOffset).toBe(40);
    const none = ipv6(IpProtocol.DestinationOptions, [
      IpProtocol.NoNextHeader,
      0,
      1,
      4,
      0,
      0,
      0,
      0,
    ]);
    expect(ip.attach(none, 0, none.length)).toBe(ParseError.Ok);
    expect(ip.upperProtocol).toBe(IpProtocol.NoNextHeader);
    expect(ip.upperLength).toBe(0);
  });

  it("reports malformed packets", () => {
    const ip = new Ipv6View();
    const good = ipv6(IpProtocol.Tcp, tcpHeader);
    const v4 = good.slice();
    v4[0] = 0x45;
    expect(ip.attach(v4, 0, v4.length)).toBe(ParseError.BadVersion);
    expect(ip.attach(good, 0, 39)).toBe(ParseError.Truncated);
    expect(ip.attach(good, 0, 59)).toBe(ParseError.Truncated);
    // A hop-by-hop header announcing 16 bytes where only 8 remain.
    const long = ipv6(IpProtocol.HopByHop, [IpProtocol.Tcp, 1, 1, 4, 0, 0, 0, 0]);
    expect(ip.attach(long, 0, long.length)).toBe(ParseError.BadExtensionHeader);
    // An extension header with fewer than 8 bytes left.
    const short = ipv6(IpProtocol.DestinationOptions, [IpProtocol.Tcp, 0, 1, 2]);
    expect(ip.attach(short, 0, short.length)).toBe(ParseError.BadExtensionHeader);
  });

  it("ignores padding past the payload length; attachQuoted accepts a cut-off packet", () => {
    const pkt = concat(ipv6(IpProtocol.Tcp, tcpHeader), [0, 0, 0, 0]);
    const ip = new Ipv6View();
    expect(ip.attach(pkt, 0, pkt.length)).toBe(ParseError.Ok);
    expect(ip.length).toBe(60);
    const cut = ipv6(IpProtocol.Udp, fromHex("1234abcd00640000"), 100);
    expect(ip.attach(cut, 0, cut.length)).toBe(ParseError.Truncated);
    expect(ip.attachQuoted(cut, 0, cut.length)).toBe(ParseError.Ok);
    expect(ip.payloadLength).toBe(100);
    expect(ip.length).toBe(48);
    expect(ip.upperLength).toBe(8);
  });

  it("copies and rewrites addresses, hop limit and payload length", () => {
    const pkt = concat([0xee, 0xee], ipv6(IpProtocol.Tcp, tcpHeader));
    const ip = new Ipv6View();
    expect(ip.attach(pkt, 2, pkt.length - 2)).toBe(ParseError.Ok);
    const out = new Uint8Array(18);
    ip.copySource(out, 1);
    expect(toHex(out)).toBe(`00${SRC}00`);
    ip.copyDestination(out);
    expect(formatIpv6(out)).toBe("2001:db8::2");
    ip.setSource(parseIpv6("fd00::5") as Uint8Array);
    const holder = concat([1, 2, 3], parseIpv6("fd00::6") as Uint8Array);
    ip.setDestination(holder, 3);
    ip.setHopLimit(1);
    ip.setPayloadLength(0x1234);
    expect(formatIpv6(pkt, 10)).toBe("fd00::5");
    expect(formatIpv6(pkt, 26)).toBe("fd00::6");
    expect(toHex(pkt.slice(6, 10))).toBe("12340601");
  });
});
