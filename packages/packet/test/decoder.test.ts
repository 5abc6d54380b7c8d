import { describe, expect, it } from "vitest";
import { DecodeLayer, IpProtocol, PacketDecoder, ParseError } from "../src/index.js";
import { kernelPackets } from "./fixtures/kernel-packets.js";
import { concat, fromHex, u16, u32 } from "./support.js";

describe("PacketDecoder", () => {
  it("decodes raw IPv4 and IPv6 packets by version nibble", () => {
    const d = new PacketDecoder();
    const frame = fromHex(kernelPackets.udp4.hex);
    expect(d.decodeIp(frame, 14, frame.length - 14)).toBe(ParseError.Ok);
    expect(d.ipVersion).toBe(4);
    expect(d.transportProtocol).toBe(IpProtocol.Udp);
    expect(d.udp.destinationPort).toBe(9999);
    const frame6 = fromHex(kernelPackets.tcp6Syn.hex);
    expect(d.decodeIp(frame6, 14, frame6.length - 14)).toBe(ParseError.Ok);
    expect(d.ipVersion).toBe(6);
    expect(d.transportProtocol).toBe(IpProtocol.Tcp);
    expect(d.tcp.destinationPort).toBe(8080);
  });

  it("decodes GRE inside IPv4 behind a VLAN tag", () => {
    const gre = concat(u16(0x3001), u16(0x880b), u16(0), u16(0x1234), u32(9));
    const ip = concat(fromHex("45000024000000004000" + "0000"), fromHex("0a0000010a000002"), gre);
    ip[9] = IpProtocol.Gre;
    ip[3] = ip.length;
    const frame = concat(new Uint8Array(12), u16(0x8100), u16(42), u16(0x0800), ip);
    const d = new PacketDecoder();
    expect(d.decodeEthernet(frame, 0, frame.length)).toBe(ParseError.Ok);
    expect(d.ethernet.vlanId(0)).toBe(42);
    expect(d.transportProtocol).toBe(IpProtocol.Gre);
    expect(d.gre.callId).toBe(0x1234);
    expect(d.gre.sequence).toBe(9);
  });

  it("says which layer failed", () => {
    const d = new PacketDecoder();
    expect(d.decodeEthernet(new Uint8Array(10), 0, 10)).toBe(ParseError.Truncated);
    expect(d.failedLayer).toBe(DecodeLayer.Link);
    const badIp = concat(new Uint8Array(12), u16(0x0800), [0x55], new Uint8Array(19));
    expect(d.decodeEthernet(badIp, 0, badIp.length)).toBe(ParseError.BadVersion);
    expect(d.failedLayer).toBe(DecodeLayer.Network);
    expect(d.ipVersion).toBe(0);
    // A TCP header with data offset 4 inside a valid IPv4 packet.
    const ip = concat(
      fromHex("450000280000000040060000"),
      u32(1),
      u32(2),
      u16(1),
      u16(2),
      u32(0),
      u32(0),
      [0x40, 0],
      u16(0),
      u16(0),
      u16(0),
    );
    expect(d.decodeIp(ip, 0, ip.length)).toBe(ParseError.BadHeaderLength);
    expect(d.failedLayer).toBe(DecodeLayer.Transport);
    expect(d.ipVersion).toBe(4);
    expect(d.transportProtocol).toBe(-1);
    expect(d.decodeIp(new Uint8Array(0), 0, 0)).toBe(ParseError.Truncated);
  });

  it("leaves unknown transport protocols undecoded", () => {
    const ip = concat(fromHex("45000018000000004084" + "0000"), u32(1), u32(2), u32(0xdeadbeef));
    const d = new PacketDecoder();
    expect(d.decodeIp(ip, 0, ip.length)).toBe(ParseError.Ok);
    expect(d.ipv4.protocol).toBe(IpProtocol.Sctp);
    expect(d.transportProtocol).toBe(-1);
    expect(d.failedLayer).toBe(DecodeLayer.None);
  });

  it("throughput sanity: decodes a million headers quickly with one decoder", () => {
    const frames = Object.values(kernelPackets).map((p) => fromHex(p.hex));
    const d = new PacketDecoder();
    let ports = 0;
    const rounds = 1_000_000;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) {
      const f = frames[i % frames.length];
      if (
        d.decodeEthernet(f, 0, f.length) === ParseError.Ok &&
        d.transportProtocol === IpProtocol.Tcp
      ) {
        ports += d.tcp.sourcePort;
      }
    }
    const seconds = (performance.now() - start) / 1000;
    expect(ports).toBeGreaterThan(0);
    // Generous bound (typically well under 0.5 s); catches accidental per-packet allocation or O(n^2).
    expect(seconds).toBeLessThan(5);
  });
});
