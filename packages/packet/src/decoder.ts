import { ParseError } from "./errors.js";
import { EthernetView } from "./ethernet.js";
import { GreView } from "./gre.js";
import { IcmpView, Icmpv6View } from "./icmp.js";
import { Ipv4View } from "./ipv4.js";
import { Ipv6View } from "./ipv6.js";
import { EtherType, IpProtocol } from "./protocols.js";
import { TcpView } from "./tcp.js";
import { UdpView } from "./udp.js";

/** Which layer a PacketDecoder stopped at when a view rejected its bytes. */
export const DecodeLayer = {
  None: 0,
  Link: 2,
  Network: 3,
  Transport: 4,
} as const;
export type DecodeLayer = (typeof DecodeLayer)[keyof typeof DecodeLayer];

/**
 * Decodes link, network and transport headers into one set of reusable views: the whole
 * per-packet cost is a few integer reads, with no allocation. Read the results from the
 * views the fields name; only the views the last decode reached are meaningful.
 * Fragments are not reassembled: a first fragment's transport header is decoded (a UDP one
 * with attachQuoted(), as its length counts the whole datagram), later fragments stop at IP.
 */
export class PacketDecoder {
  readonly ethernet = new EthernetView();
  readonly ipv4 = new Ipv4View();
  readonly ipv6 = new Ipv6View();
  readonly tcp = new TcpView();
  readonly udp = new UdpView();
  readonly icmp = new IcmpView();
  readonly icmpv6 = new Icmpv6View();
  readonly gre = new GreView();
  /** 4 or 6 when the network layer decoded, 0 for non-IP frames or failures. */
  ipVersion = 0;
  /**
   * IP protocol of the decoded transport view (TCP, UDP, ICMP, ICMPv6, GRE), or -1 when none
   * was decoded: another protocol, a non-first fragment, or a failure.
   */
  transportProtocol = -1;
  /** Where the last decode failed, DecodeLayer.None after success. */
  failedLayer: DecodeLayer = DecodeLayer.None;

  /** Decodes an Ethernet frame (VLAN tags included) and the IP packet it carries. */
  decodeEthernet(buffer: Uint8Array, offset: number, length: number): ParseError {
    this.ipVersion = 0;
    this.transportProtocol = -1;
    this.failedLayer = DecodeLayer.None;
    const status = this.ethernet.attach(buffer, offset, length);
    if (status !== ParseError.Ok) {
      this.failedLayer = DecodeLayer.Link;
      return status;
    }
    const etherType = this.ethernet.etherType;
    if (etherType === EtherType.Ipv4) {
      return this.decodeIpv4(buffer, this.ethernet.payloadOffset, this.ethernet.payloadLength);
    }
    if (etherType === EtherType.Ipv6) {
      return this.decodeIpv6(buffer, this.ethernet.payloadOffset, this.ethernet.payloadLength);
    }
    return ParseError.Ok;
  }

  /** Decodes a raw IP packet, choosing IPv4 or IPv6 by its version nibble. */
  decodeIp(buffer: Uint8Array, offset: number, length: number): ParseError {
    this.ipVersion = 0;
    this.transportProtocol = -1;
    this.failedLayer = DecodeLayer.None;
    if (length >= 1 && offset >= 0 && offset < buffer.length && buffer[offset] >>> 4 === 6) {
      return this.decodeIpv6(buffer, offset, length);
    }
    return this.decodeIpv4(buffer, offset, length);
  }

  private decodeIpv4(buffer: Uint8Array, offset: number, length: number): ParseError {
    const ip = this.ipv4;
    const status = ip.attach(buffer, offset, length);
    if (status !== ParseError.Ok) {
      this.failedLayer = DecodeLayer.Network;
      return status;
    }
    this.ipVersion = 4;
    // Later fragments carry no transport header; the first one does.
    if (ip.fragmentOffset !== 0) return ParseError.Ok;
    return this.decodeTransport(
      ip.protocol,
      buffer,
      ip.payloadOffset,
      ip.payloadLength,
      ip.moreFragments,
    );
  }

  private decodeIpv6(buffer: Uint8Array, offset: number, length: number): ParseError {
    const ip = this.ipv6;
    const status = ip.attach(buffer, offset, length);
    if (status !== ParseError.Ok) {
      this.failedLayer = DecodeLayer.Network;
      return status;
    }
    this.ipVersion = 6;
    if (ip.fragmentOffset !== 0) return ParseError.Ok;
    return this.decodeTransport(
      ip.upperProtocol,
      buffer,
      ip.upperOffset,
      ip.upperLength,
      ip.moreFragments,
    );
  }

  private decodeTransport(
    protocol: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    firstFragment: boolean,
  ): ParseError {
    let status: ParseError;
    switch (protocol) {
      case IpProtocol.Tcp:
        status = this.tcp.attach(buffer, offset, length);
        break;
      case IpProtocol.Udp:
        // A first fragment holds the UDP header, but its length field counts the whole
        // datagram: decode it like a quoted datagram.
        status = firstFragment
          ? this.udp.attachQuoted(buffer, offset, length)
          : this.udp.attach(buffer, offset, length);
        break;
      case IpProtocol.Icmp:
        status = this.icmp.attach(buffer, offset, length);
        break;
      case IpProtocol.Icmpv6:
        status = this.icmpv6.attach(buffer, offset, length);
        break;
      case IpProtocol.Gre:
        status = this.gre.attach(buffer, offset, length);
        break;
      default:
        return ParseError.Ok;
    }
    if (status !== ParseError.Ok) {
      this.failedLayer = DecodeLayer.Transport;
      return status;
    }
    this.transportProtocol = protocol;
    return ParseError.Ok;
  }
}
