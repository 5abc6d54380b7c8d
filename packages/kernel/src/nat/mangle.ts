/**
 * The mangle API of NAT helpers (nf_nat_helper.c): replace `matchLen`
 * bytes of a TCP or UDP payload, starting `matchOff` bytes into it, with
 * other bytes. Everything that depends on the payload is fixed in one
 * place: the tail moves, the IP length and header checksum, the transport
 * length (UDP) and checksum, and — for TCP — the connection's sequence
 * adjustment, so later segments, ACKs and SACK edges stay consistent.
 *
 * A packet that grows cannot stay in the buffer it arrived in (the bytes
 * after it may be the next packet of a capture); it moves into a buffer
 * this object owns, reused for every packet, so mangling allocates nothing.
 */
import {
  fillL4Checksum,
  type IpView,
  ipv4HeaderChecksum,
  readU16,
  readU32,
  writeU16,
} from "@ctkit/packet";
import type { Conntrack } from "../conntrack/core.js";
import { Ips } from "../conntrack/status.js";
import type { Skb } from "../net/skb.js";

/** An IP packet may not grow past what its 16-bit length fields can say (enlarge_skb). */
const MAX_PACKET = 65535;
const IP_CT_IS_REPLY = 3;

export class Mangler {
  private readonly room = new Uint8Array(MAX_PACKET);

  constructor(private readonly ct: Conntrack) {}

  /**
   * __nf_nat_mangle_tcp_packet. False when the packet cannot take the
   * change (the match lies outside the payload, or the result would exceed
   * 65535 bytes); the packet is then untouched.
   */
  tcp(
    skb: Skb,
    matchOff: number,
    matchLen: number,
    rep: Uint8Array,
    repLen = rep.length,
    adjust = true,
  ): boolean {
    if (skb.l4Proto !== 6 || skb.ct < 0) return false;
    const seq = readU32(skb.data, skb.l4Offset + 4);
    if (!this.replace(skb, matchOff, matchLen, rep, repLen)) return false;
    this.fillChecksum(skb, 6);
    if (adjust && repLen !== matchLen) {
      const slot = skb.ct;
      const dir = skb.ctinfo >= IP_CT_IS_REPLY ? 1 : 0;
      // Linux warns once and goes on when the connection has no seqadj
      // extension (its tuple was not changed by NAT); so does ctkit.
      if (this.ct.seqadj.set(slot, dir, seq, repLen - matchLen)) {
        const t = this.ct.table;
        t.status[slot] = (t.status[slot] as number) | Ips.SEQ_ADJUST;
      }
    }
    return true;
  }

  /**
   * nf_nat_mangle_udp_packet: as for TCP, plus the UDP length; a UDP
   * datagram sent without a checksum (0, IPv4 only) keeps none. There is no
   * sequence space to adjust.
   */
  udp(skb: Skb, matchOff: number, matchLen: number, rep: Uint8Array, repLen = rep.length): boolean {
    if (skb.l4Proto !== 17 || skb.ct < 0) return false;
    const hadChecksum = readU16(skb.data, skb.l4Offset + 6) !== 0 || skb.family === 6;
    if (!this.replace(skb, matchOff, matchLen, rep, repLen)) return false;
    if (hadChecksum) this.fillChecksum(skb, 17);
    return true;
  }

  /** mangle_contents: move the tail, write the replacement, fix the IP header, decode again. */
  private replace(
    skb: Skb,
    matchOff: number,
    matchLen: number,
    rep: Uint8Array,
    repLen: number,
  ): boolean {
    if (
      matchOff < 0 ||
      matchLen < 0 ||
      repLen < 0 ||
      repLen > rep.length ||
      matchOff + matchLen > skb.payloadLength
    ) {
      return false;
    }
    const oldTotal = skb.l3Length;
    const newTotal = oldTotal - matchLen + repLen;
    if (newTotal > MAX_PACKET) return false;
    if (repLen > matchLen && skb.data !== this.room) this.moveIntoRoom(skb);
    const buf = skb.data;
    const l3 = skb.l3Offset;
    const start = skb.payloadOffset + matchOff;
    const tail = start + matchLen;
    buf.copyWithin(start + repLen, tail, l3 + oldTotal);
    for (let i = 0; i < repLen; i++) buf[start + i] = rep[i] as number;
    if (skb.family === 4) {
      writeU16(buf, l3 + 2, newTotal);
      // ip_send_check: the header checksum is computed afresh, not patched.
      writeU16(buf, l3 + 10, ipv4HeaderChecksum(buf, l3, ((buf[l3] as number) & 0x0f) * 4));
    } else {
      writeU16(buf, l3 + 4, newTotal - 40);
    }
    // The UDP length goes before decoding again: the decoder trusts it.
    if (skb.l4Proto === 17) writeU16(buf, skb.l4Offset + 4, l3 + newTotal - skb.l4Offset);
    skb.redecode(newTotal);
    return true;
  }

  private moveIntoRoom(skb: Skb): void {
    const src = skb.data;
    const from = skb.l3Offset;
    const n = skb.l3Length;
    const room = this.room;
    for (let i = 0; i < n; i++) room[i] = src[from + i] as number;
    skb.data = room;
    skb.l3Offset = 0;
    skb.redecode(n); // every header offset moved with the bytes
  }

  /**
   * nf_nat_csum_recalc, as it ends up on the wire of a device without
   * checksum offload: the transport checksum over the whole new segment.
   */
  private fillChecksum(skb: Skb, proto: number): void {
    const ip: IpView = skb.family === 4 ? skb.dec.ipv4 : skb.dec.ipv6;
    fillL4Checksum(ip, proto, skb.data, skb.l4Offset, skb.l3Offset + skb.l3Length - skb.l4Offset);
  }
}
