/**
 * Header rewriting (nf_nat_proto.c): nf_nat_ipv4_manip_pkt and the
 * per-protocol manip_pkt functions, with incremental checksums. The
 * transport header is changed first (its pseudo-header update reads the
 * old address), then the IP header.
 */
import {
  checksumReplace16,
  checksumReplace32,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from "@ctkit/packet";
import type { Tuple } from "../conntrack/tuple.js";
import { Manip } from "./range.js";

/**
 * Rewrites the IPv4 packet whose header starts at `iph` so its source
 * (SRC) or destination (DST) becomes the target tuple's. `skbEnd` is the
 * end of the whole packet (the skb's length decides whether a quoted TCP
 * header is complete enough for a checksum update). The protocol is the
 * target's (an ICMP error's outer header is manipulated with an ICMP target).
 */
export function manipPkt4(
  buf: Uint8Array,
  iph: number,
  skbEnd: number,
  target: Tuple,
  manip: Manip,
): void {
  const hdroff = iph + ((buf[iph] as number) & 0x0f) * 4;
  // `| 0`: int32 values stay unboxed; a uint32 above 2^31 (any address from
  // 128.0.0.0 up) passed on to the helpers below is a heap number per packet.
  const oldip = readU32(buf, iph + (manip === Manip.SRC ? 12 : 16)) | 0;
  const newip = ((manip === Manip.SRC ? target.src[0] : target.dst[0]) as number) | 0;
  switch (target.proto) {
    case 6:
      tcpManip(buf, hdroff, skbEnd, target, manip, oldip, newip);
      break;
    case 17:
    case 136:
      udpManip(buf, hdroff, target, manip, oldip, newip);
      break;
    case 1:
      icmpManip(buf, hdroff, target);
      break;
    case 47:
      greManip(buf, hdroff, target, manip);
      break;
  }
  const ck = readU16(buf, iph + 10);
  writeU16(buf, iph + 10, checksumReplace32(ck, oldip, newip));
  writeU32(buf, iph + (manip === Manip.SRC ? 12 : 16), newip);
}

function tcpManip(
  buf: Uint8Array,
  hdroff: number,
  skbEnd: number,
  t: Tuple,
  manip: Manip,
  oldip: number,
  newip: number,
): void {
  const portOff = hdroff + (manip === Manip.SRC ? 0 : 2);
  const newport = manip === Manip.SRC ? t.sport : t.dport;
  const oldport = readU16(buf, portOff);
  writeU16(buf, portOff, newport);
  // An inner header quoted in an ICMP error may lack the checksum field.
  if (skbEnd < hdroff + 20) return;
  let ck = readU16(buf, hdroff + 16);
  ck = checksumReplace32(ck, oldip, newip);
  ck = checksumReplace16(ck, oldport, newport);
  writeU16(buf, hdroff + 16, ck);
}

function udpManip(
  buf: Uint8Array,
  hdroff: number,
  t: Tuple,
  manip: Manip,
  oldip: number,
  newip: number,
): void {
  const portOff = hdroff + (manip === Manip.SRC ? 0 : 2);
  const newport = manip === Manip.SRC ? t.sport : t.dport;
  let ck = readU16(buf, hdroff + 6);
  // A zero UDP checksum means "none" and stays zero.
  if (ck !== 0) {
    ck = checksumReplace32(ck, oldip, newip);
    ck = checksumReplace16(ck, readU16(buf, portOff), newport);
    writeU16(buf, hdroff + 6, ck === 0 ? 0xffff : ck);
  }
  writeU16(buf, portOff, newport);
}

/**
 * Only query types carry an id; errors are left alone here. IPv6 NAT uses
 * it too: ICMP has no pseudo header, whatever the IP version.
 */
export function icmpManip(buf: Uint8Array, hdroff: number, t: Tuple): void {
  const type = buf[hdroff] as number;
  switch (type) {
    case 0:
    case 8:
    case 13:
    case 14:
    case 15:
    case 16:
    case 17:
    case 18:
      break;
    default:
      return;
  }
  const oldid = readU16(buf, hdroff + 4);
  writeU16(buf, hdroff + 2, checksumReplace16(readU16(buf, hdroff + 2), oldid, t.sport));
  writeU16(buf, hdroff + 4, t.sport);
}

/** gre_manip_pkt: only PPTP's enhanced GRE (version 1) has a key to change, on DST manips. */
function greManip(buf: Uint8Array, hdroff: number, t: Tuple, manip: Manip): void {
  if (manip !== Manip.DST) return;
  const version = (buf[hdroff + 1] as number) & 0x07;
  if (version !== 1) return;
  // Call id: bytes 6-7 of the enhanced GRE header; no checksum in version 1.
  writeU16(buf, hdroff + 6, t.dport);
}
