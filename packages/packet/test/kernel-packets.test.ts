import { describe, expect, it } from "vitest";
import {
  DecodeLayer,
  EtherType,
  formatIpv4,
  formatIpv6,
  formatMac,
  IcmpType,
  Icmpv6Type,
  IpProtocol,
  Ipv4View,
  Ipv6View,
  PacketDecoder,
  ParseError,
  TcpOptions,
  UdpView,
} from "../src/index.js";
import { type KernelPacket, kernelPackets } from "./fixtures/kernel-packets.js";
import { fromHex } from "./support.js";

// Expected values below were read off `tcpdump -v` of the same capture, an independent decoder.

const decoder = new PacketDecoder();

function decode(packet: KernelPacket): Uint8Array {
  const frame = fromHex(packet.hex);
  expect(decoder.decodeEthernet(frame, 0, frame.length)).toBe(ParseError.Ok);
  expect(decoder.failedLayer).toBe(DecodeLayer.None);
  return frame;
}

describe("real kernel packets: every checksum verifies", () => {
  for (const [name, packet] of Object.entries(kernelPackets)) {
    it(name, () => {
      const frame = decode(packet);
      const d = decoder;
      if (d.ipVersion === 4) {
        expect(d.ipv4.verifyChecksum()).toBe(true);
        expect(d.ipv4.computeChecksum()).toBe(d.ipv4.checksum);
      }
      const ip = d.ipVersion === 4 ? d.ipv4 : d.ipv6;
      switch (d.transportProtocol) {
        case IpProtocol.Tcp:
          expect(d.tcp.verifyChecksum(ip)).toBe(true);
          expect(d.tcp.computeChecksum(ip)).toBe(d.tcp.checksum);
          break;
        case IpProtocol.Udp:
          expect(d.udp.hasChecksum).toBe(true);
          // A first fragment's UDP checksum covers the reassembled datagram, not this piece.
          if (!(d.ipVersion === 4 ? d.ipv4.isFragment : d.ipv6.isFragment)) {
            expect(d.udp.verifyChecksum(ip)).toBe(true);
            expect(d.udp.computeChecksum(ip)).toBe(d.udp.checksum);
          }
          break;
        case IpProtocol.Icmp:
          expect(d.icmp.verifyChecksum()).toBe(true);
          expect(d.icmp.computeChecksum()).toBe(d.icmp.checksum);
          break;
        case IpProtocol.Icmpv6:
          expect(d.icmpv6.verifyChecksum(d.ipv6)).toBe(true);
          expect(d.icmpv6.computeChecksum(d.ipv6)).toBe(d.icmpv6.checksum);
          break;
        default:
          // Non-IP (ARP) and later fragments carry no transport checksum to check.
          expect(name === "arpRequest" || name.endsWith("FragmentSecond")).toBe(true);
      }
      // Flipping any single payload bit must break some checksum.
      if (d.transportProtocol >= 0 && !name.includes("Fragment")) {
        frame[frame.length - 1] ^= 0x01;
        const t = d.transportProtocol;
        const ok =
          t === IpProtocol.Tcp
            ? d.tcp.verifyChecksum(ip)
            : t === IpProtocol.Udp
              ? d.udp.verifyChecksum(ip)
              : t === IpProtocol.Icmp
                ? d.icmp.verifyChecksum()
                : d.icmpv6.verifyChecksum(d.ipv6);
        expect(ok).toBe(false);
      }
    });
  }
});

describe("real kernel packets: field values", () => {
  it("IPv4 TCP SYN", () => {
    const frame = decode(kernelPackets.tcp4Syn);
    const { ethernet: eth, ipv4: ip, tcp } = decoder;
    expect(formatMac(frame, eth.destinationOffset)).toBe("02:00:00:00:00:0b");
    expect(formatMac(frame, eth.sourceOffset)).toBe("02:00:00:00:00:0a");
    expect(eth.etherType).toBe(EtherType.Ipv4);
    expect(decoder.ipVersion).toBe(4);
    expect(ip.totalLength).toBe(60);
    expect(ip.identification).toBe(63178);
    expect(ip.dontFragment).toBe(true);
    expect(ip.ttl).toBe(64);
    expect(ip.protocol).toBe(IpProtocol.Tcp);
    expect(formatIpv4(ip.source)).toBe("10.99.0.1");
    expect(formatIpv4(ip.destination)).toBe("10.99.0.2");
    expect(tcp.sourcePort).toBe(40864);
    expect(tcp.destinationPort).toBe(8080);
    expect(tcp.sequenceNumber).toBe(887134470);
    expect(tcp.syn && !tcp.ack).toBe(true);
    expect(tcp.window).toBe(64480);
    expect(tcp.checksum).toBe(0x0196);
    expect(tcp.headerLength).toBe(40);
    expect(tcp.payloadLength).toBe(0);
    const opts = new TcpOptions();
    expect(opts.parse(tcp)).toBe(ParseError.Ok);
    expect(opts.mss).toBe(1240);
    expect(opts.sackPermitted).toBe(true);
    expect(opts.timestampValue).toBe(1607485874);
    expect(opts.timestampEcho).toBe(0);
    expect(opts.windowScale).toBe(10);
  });

  it("IPv4 TCP SYN-ACK and data segment", () => {
    decode(kernelPackets.tcp4SynAck);
    expect(decoder.tcp.sequenceNumber).toBe(3043424379);
    expect(decoder.tcp.acknowledgmentNumber).toBe(887134471);
    expect(decoder.tcp.syn && decoder.tcp.ack).toBe(true);
    expect(decoder.tcp.window).toBe(65084);
    const opts = new TcpOptions();
    opts.parse(decoder.tcp);
    expect([opts.mss, opts.windowScale, opts.timestampValue, opts.timestampEcho]).toEqual([
      1240, 10, 4140142011, 1607485874,
    ]);

    const frame = decode(kernelPackets.tcp4Data);
    const tcp = decoder.tcp;
    expect(tcp.psh && tcp.ack).toBe(true);
    expect(tcp.checksum).toBe(0x71c7);
    expect(tcp.payloadLength).toBe(12);
    const text = new TextDecoder().decode(
      frame.subarray(tcp.payloadOffset, tcp.payloadOffset + tcp.payloadLength),
    );
    expect(text).toBe("hello ctkit\n");
    decode(kernelPackets.tcp4Fin);
    expect(decoder.tcp.fin).toBe(true);
  });

  it("IPv4 UDP and UDP with a record-route option", () => {
    const frame = decode(kernelPackets.udp4);
    expect(decoder.transportProtocol).toBe(IpProtocol.Udp);
    expect(decoder.ipv4.identification).toBe(5731);
    expect(decoder.udp.sourcePort).toBe(50146);
    expect(decoder.udp.destinationPort).toBe(9999);
    expect(decoder.udp.udpLength).toBe(18);
    const u = decoder.udp;
    expect(
      new TextDecoder().decode(frame.subarray(u.payloadOffset, u.payloadOffset + u.payloadLength)),
    ).toBe("ctkit udp\n");

    const withOptions = decode(kernelPackets.udp4WithOptions);
    const ip = decoder.ipv4;
    expect(ip.headerLength).toBe(32);
    expect(ip.optionsLength).toBe(12);
    expect(ip.totalLength).toBe(52);
    const rr = ip.optionsOffset;
    expect([withOptions[rr], withOptions[rr + 1], withOptions[rr + 2]]).toEqual([7, 11, 8]);
    expect(
      formatIpv4(
        ((withOptions[rr + 3] << 24) |
          (withOptions[rr + 4] << 16) |
          (withOptions[rr + 5] << 8) |
          withOptions[rr + 6]) >>>
          0,
      ),
    ).toBe("10.99.0.1");
    expect(decoder.udp.sourcePort).toBe(54184);
    expect(decoder.udp.udpLength).toBe(20);
  });

  it("ICMP echo request and reply", () => {
    decode(kernelPackets.icmp4EchoRequest);
    expect(decoder.icmp.type).toBe(IcmpType.EchoRequest);
    expect(decoder.icmp.identifier).toBe(9217);
    expect(decoder.icmp.sequence).toBe(7);
    expect(decoder.icmp.payloadLength).toBe(16);
    decode(kernelPackets.icmp4EchoReply);
    expect(decoder.icmp.type).toBe(IcmpType.EchoReply);
    expect(decoder.icmp.identifier).toBe(9217);
    expect(decoder.ipv4.identification).toBe(11542);
    expect(decoder.ipv4.dontFragment).toBe(false);
  });

  it("ICMP port unreachable and its quoted UDP datagram", () => {
    const frame = decode(kernelPackets.icmp4PortUnreachable);
    const icmp = decoder.icmp;
    expect(decoder.ipv4.tos).toBe(0xc0);
    expect(decoder.ipv4.totalLength).toBe(69);
    expect([icmp.type, icmp.code, icmp.isError]).toEqual([3, 3, true]);
    const inner = new Ipv4View();
    expect(inner.attachQuoted(frame, icmp.innerOffset, icmp.innerLength)).toBe(ParseError.Ok);
    expect(inner.identification).toBe(5810);
    expect(formatIpv4(inner.source)).toBe("10.99.0.1");
    expect(formatIpv4(inner.destination)).toBe("10.99.0.2");
    expect(inner.verifyChecksum()).toBe(true);
    const udp = new UdpView();
    expect(udp.attachQuoted(frame, inner.payloadOffset, inner.payloadLength)).toBe(ParseError.Ok);
    expect(udp.sourcePort).toBe(49655);
    expect(udp.destinationPort).toBe(9);
    expect(udp.udpLength).toBe(21);
    // Linux quotes the whole datagram here, so its checksum verifies against the inner header.
    expect(udp.verifyChecksum(inner)).toBe(true);
  });

  it("IPv4 fragments", () => {
    decode(kernelPackets.udp4FragmentFirst);
    let ip = decoder.ipv4;
    expect(ip.identification).toBe(5867);
    expect([ip.moreFragments, ip.fragmentOffset, ip.isFragment, ip.totalLength]).toEqual([
      true,
      0,
      true,
      1276,
    ]);
    expect(decoder.transportProtocol).toBe(IpProtocol.Udp);
    expect(decoder.udp.udpLength).toBe(3080);
    decode(kernelPackets.udp4FragmentSecond);
    ip = decoder.ipv4;
    expect([ip.moreFragments, ip.fragmentOffset * 8, ip.isFragment]).toEqual([true, 1256, true]);
    expect(decoder.transportProtocol).toBe(-1);
  });

  it("IPv6 TCP handshake", () => {
    const frame = decode(kernelPackets.tcp6Syn);
    const ip = decoder.ipv6;
    expect(decoder.ethernet.etherType).toBe(EtherType.Ipv6);
    expect(decoder.ipVersion).toBe(6);
    expect(ip.flowLabel).toBe(0x46099);
    expect(ip.hopLimit).toBe(64);
    expect(ip.payloadLength).toBe(40);
    expect(formatIpv6(frame, ip.sourceOffset)).toBe("fd99::1");
    expect(formatIpv6(frame, ip.destinationOffset)).toBe("fd99::2");
    expect(decoder.tcp.sourcePort).toBe(45384);
    expect(decoder.tcp.sequenceNumber).toBe(1872588645);
    expect(decoder.tcp.checksum).toBe(0x6d05);
    const opts = new TcpOptions();
    opts.parse(decoder.tcp);
    expect([opts.mss, opts.windowScale, opts.sackPermitted]).toEqual([1220, 10, true]);
    decode(kernelPackets.tcp6SynAck);
    expect(decoder.ipv6.flowLabel).toBe(0x3ac2a);
    expect(decoder.tcp.sequenceNumber).toBe(3983365009);
    expect(decoder.tcp.acknowledgmentNumber).toBe(1872588646);
  });

  it("IPv6 UDP, ICMPv6 echo and neighbor solicitation", () => {
    decode(kernelPackets.udp6);
    expect(decoder.ipv6.flowLabel).toBe(0xe789e);
    expect([decoder.udp.sourcePort, decoder.udp.destinationPort, decoder.udp.udpLength]).toEqual([
      37377, 9999, 19,
    ]);
    decode(kernelPackets.icmp6EchoRequest);
    expect([decoder.icmpv6.type, decoder.icmpv6.identifier, decoder.icmpv6.sequence]).toEqual([
      Icmpv6Type.EchoRequest,
      9218,
      7,
    ]);
    decode(kernelPackets.icmp6EchoReply);
    expect(decoder.icmpv6.type).toBe(Icmpv6Type.EchoReply);
    const frame = decode(kernelPackets.icmp6NeighborSolicitation);
    expect(decoder.icmpv6.type).toBe(Icmpv6Type.NeighborSolicitation);
    expect(decoder.ipv6.hopLimit).toBe(255);
    expect(formatIpv6(frame, decoder.ipv6.sourceOffset)).toBe("::");
    expect(formatIpv6(frame, decoder.icmpv6.payloadOffset)).toBe("fe80::ff:fe00:a");
  });

  it("ICMPv6 port unreachable and its quoted packet", () => {
    const frame = decode(kernelPackets.icmp6PortUnreachable);
    const icmp = decoder.icmpv6;
    expect([icmp.type, icmp.code, icmp.isError]).toEqual([1, 4, true]);
    expect(decoder.ipv6.payloadLength).toBe(69);
    const inner = new Ipv6View();
    expect(inner.attachQuoted(frame, icmp.innerOffset, icmp.innerLength)).toBe(ParseError.Ok);
    expect(formatIpv6(frame, inner.sourceOffset)).toBe("fd99::1");
    expect(inner.upperProtocol).toBe(IpProtocol.Udp);
    const udp = new UdpView();
    expect(udp.attachQuoted(frame, inner.upperOffset, inner.upperLength)).toBe(ParseError.Ok);
    expect([udp.sourcePort, udp.destinationPort, udp.udpLength]).toEqual([33157, 9, 21]);
    expect(udp.verifyChecksum(inner)).toBe(true);
  });

  it("IPv6 hop-by-hop and destination options headers", () => {
    decode(kernelPackets.udp6ExtensionHeaders);
    const ip = decoder.ipv6;
    expect(ip.nextHeader).toBe(IpProtocol.HopByHop);
    expect(ip.payloadLength).toBe(35);
    expect(ip.extensionHeaderCount).toBe(2);
    expect(ip.upperProtocol).toBe(IpProtocol.Udp);
    expect(ip.upperOffset - ip.offset).toBe(56);
    expect(ip.upperLength).toBe(19);
    expect(decoder.udp.sourcePort).toBe(37077);
    expect(decoder.udp.verifyChecksum(ip)).toBe(true);
  });

  it("IPv6 fragments", () => {
    decode(kernelPackets.udp6FragmentFirst);
    let ip = decoder.ipv6;
    expect(ip.hasFragmentHeader).toBe(true);
    expect(ip.fragmentIdentification).toBe(0xb3af8ec2);
    expect([ip.fragmentOffset, ip.moreFragments, ip.isFragment]).toEqual([0, true, true]);
    expect(ip.upperProtocol).toBe(IpProtocol.Udp);
    expect(decoder.transportProtocol).toBe(IpProtocol.Udp);
    expect([decoder.udp.sourcePort, decoder.udp.udpLength]).toEqual([53123, 3080]);
    decode(kernelPackets.udp6FragmentSecond);
    ip = decoder.ipv6;
    expect(ip.fragmentIdentification).toBe(0xb3af8ec2);
    expect([ip.fragmentOffset * 8, ip.moreFragments]).toEqual([1232, true]);
    expect(ip.upperProtocol).toBe(IpProtocol.Udp);
    expect(ip.upperLength).toBe(1232);
    expect(decoder.transportProtocol).toBe(-1);
  });

  it("ARP is left undecoded above the link layer", () => {
    decode(kernelPackets.arpRequest);
    expect(decoder.ethernet.etherType).toBe(EtherType.Arp);
    expect(decoder.ipVersion).toBe(0);
    expect(decoder.transportProtocol).toBe(-1);
  });
});
