/**
 * The per-packet context (the kernel's sk_buff, reduced to what ctkit
 * needs). One Skb is reused for every packet: the datapath re-fills it, so
 * processing a packet allocates nothing. Fields are plain numbers so the
 * hot path stays monomorphic.
 */
import { PacketDecoder, ParseError } from "@ctkit/packet";
import type { HelperPacket } from "../helper/types.js";
import type { Family } from "./hooks.js";

const EMPTY = new Uint8Array(0);

export class Skb implements HelperPacket {
  /** Packet bytes; the IP header starts at l3Offset. May be rewritten in place (TTL, NAT). */
  data: Uint8Array = EMPTY;
  l3Offset = 0;
  l3Length = 0;
  family: Family = 4;
  /** Views over the headers, valid after parse(). */
  readonly dec = new PacketDecoder();
  /** IP protocol of the transport header the decoder reached (-1: none, e.g. non-first fragment). */
  l4Proto = -1;
  /** IPv4 addresses as unsigned 32-bit numbers (family 4). */
  saddr4 = 0;
  daddr4 = 0;
  /** Offsets of the 16-byte IPv6 addresses in `data` (family 6). */
  saddr6Off = 0;
  daddr6Off = 0;
  /** TCP/UDP ports, 0 for other protocols. */
  sport = 0;
  dport = 0;
  /** Start of the transport header (when l4Proto >= 0). */
  l4Offset = 0;
  /** TCP/UDP payload (helpers parse it); 0/0 for other protocols. */
  payloadOffset = 0;
  payloadLength = 0;
  /** A fragment other than the first: no transport header to look at. */
  isLaterFragment = false;
  /** Input and output interface indexes, -1 when none (locally generated / not yet routed). */
  iif = -1;
  oif = -1;
  /** Packet mark (skb->mark). */
  mark = 0;
  /** Conntrack entry id, -1 for none. */
  ct = -1;
  /** enum ip_conntrack_info of this packet relative to `ct` (see CtInfo), -1 when no ct. */
  ctinfo = -1;
  /** Set by the raw table's CT --notrack. */
  untracked = false;
  /** Template attached by the raw table's CT target (helper to assign on a new connection). */
  ctTemplate: unknown = null;
  /** Capture time of this packet (seconds, virtual clock). */
  time = 0;

  /**
   * Points the Skb at an IP packet and decodes its headers. Returns the
   * decoder's status; on failure the Skb must not be routed.
   */
  parse(data: Uint8Array, offset: number, length: number): ParseError {
    this.data = data;
    this.l3Offset = offset;
    this.l3Length = length;
    this.iif = -1;
    this.oif = -1;
    this.mark = 0;
    this.ct = -1;
    this.ctinfo = -1;
    this.untracked = false;
    this.ctTemplate = null;
    this.sport = 0;
    this.dport = 0;
    const status = this.dec.decodeIp(data, offset, length);
    if (status !== ParseError.Ok && this.dec.ipVersion === 0) return status;
    return this.refresh(status);
  }

  /**
   * The packet now lives at data[l3Offset, l3Offset + length) — moved or
   * resized by a NAT helper's mangling: decode its headers again, keeping
   * everything the datapath attached to it (interfaces, conntrack, mark).
   */
  redecode(length: number): ParseError {
    this.l3Length = length;
    return this.refresh(this.dec.decodeIp(this.data, this.l3Offset, length));
  }

  /** Re-reads cached fields from the views (after a header rewrite). */
  refresh(status: ParseError = ParseError.Ok): ParseError {
    const d = this.dec;
    this.l4Proto = d.transportProtocol;
    if (d.ipVersion === 4) {
      this.family = 4;
      // Read inline: the getters' results above 2^31 would be boxed per packet.
      const b = this.data;
      const o = this.l3Offset;
      this.saddr4 =
        (((b[o + 12] as number) << 24) |
          ((b[o + 13] as number) << 16) |
          ((b[o + 14] as number) << 8) |
          (b[o + 15] as number)) >>>
        0;
      this.daddr4 =
        (((b[o + 16] as number) << 24) |
          ((b[o + 17] as number) << 16) |
          ((b[o + 18] as number) << 8) |
          (b[o + 19] as number)) >>>
        0;
      this.l3Length = d.ipv4.length;
      this.isLaterFragment = d.ipv4.fragmentOffset !== 0;
    } else {
      this.family = 6;
      this.saddr6Off = d.ipv6.sourceOffset;
      this.daddr6Off = d.ipv6.destinationOffset;
      this.l3Length = d.ipv6.length;
      this.isLaterFragment = d.ipv6.isFragment && d.ipv6.fragmentOffset !== 0;
    }
    this.payloadOffset = 0;
    this.payloadLength = 0;
    if (this.l4Proto === 6) {
      this.sport = d.tcp.sourcePort;
      this.dport = d.tcp.destinationPort;
      this.l4Offset = d.tcp.offset;
      this.payloadOffset = d.tcp.payloadOffset;
      this.payloadLength = d.tcp.payloadLength;
    } else if (this.l4Proto === 17) {
      this.sport = d.udp.sourcePort;
      this.dport = d.udp.destinationPort;
      this.l4Offset = d.udp.offset;
      this.payloadOffset = d.udp.offset + 8;
      this.payloadLength = d.udp.length - 8;
    } else if (this.l4Proto >= 0) {
      this.l4Offset = this.family === 4 ? d.ipv4.payloadOffset : d.ipv6.upperOffset;
    }
    return status;
  }
}
