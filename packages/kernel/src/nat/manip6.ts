/**
 * IPv6 header rewriting (nf_nat_ipv6_manip_pkt and the per-protocol
 * manip_pkt functions of nf_nat_proto.c). IPv6 has no header checksum, so
 * the address change only shows in the transport checksums that cover the
 * pseudo header (TCP, UDP, ICMPv6): they get the 16-byte difference
 * (inet_proto_csum_replace16) before the address itself is overwritten.
 * Every length check is the kernel's skb_ensure_writable: a header that
 * is not all there makes the rewrite fail, and the caller drops.
 */
import { checksumReplace16, checksumReplaceBytes, readU16, writeU16 } from "@ctkit/packet";
import type { Tuple } from "../conntrack/tuple.js";
import { ExtHeaderWalk } from "../net/ipv6-exthdr.js";
import { icmpManip } from "./manip.js";
import { Manip } from "./range.js";

/** The new address as bytes, read by the checksum update and then copied in. */
const newAddr = new Uint8Array(16);
const walk = new ExtHeaderWalk();

/**
 * Rewrites the IPv6 packet whose header starts at `iph` so its source (SRC)
 * or destination (DST) becomes the target tuple's. `skbEnd` is the end of
 * the whole packet: an ICMPv6 error's quoted packet is rewritten with the
 * error's end, so a quoted TCP header shorter than 20 bytes keeps its
 * checksum. The transport protocol is the target's (the outer header of an
 * ICMPv6 error is rewritten with an ICMPv6 target). False: drop the packet.
 */
export function manipPkt6(
  buf: Uint8Array,
  iph: number,
  skbEnd: number,
  target: Tuple,
  manip: Manip,
): boolean {
  if (iph + 40 > skbEnd) return false;
  const addrOff = iph + (manip === Manip.SRC ? 8 : 24);
  const words = manip === Manip.SRC ? target.src : target.dst;
  for (let i = 0; i < 4; i++) {
    const w = words[i] as number;
    newAddr[i * 4] = w >>> 24;
    newAddr[i * 4 + 1] = (w >>> 16) & 0xff;
    newAddr[i * 4 + 2] = (w >>> 8) & 0xff;
    newAddr[i * 4 + 3] = w & 0xff;
  }
  const hdroff = walk.skip(buf, iph + 40, skbEnd, buf[iph + 6] as number);
  // No transport header to find, or a later fragment: only the address changes.
  if (hdroff >= 0 && (walk.fragOff & 0xfff8) === 0) {
    if (!l4Manip(buf, hdroff, skbEnd, target, manip, addrOff)) return false;
  }
  buf.set(newAddr, addrOff);
  return true;
}

/** l4proto_manip_pkt: dispatched on the target's protocol, not the packet's. */
function l4Manip(
  buf: Uint8Array,
  hdroff: number,
  skbEnd: number,
  t: Tuple,
  manip: Manip,
  addrOff: number,
): boolean {
  switch (t.proto) {
    case 6:
      return tcpManip(buf, hdroff, skbEnd, t, manip, addrOff);
    case 17:
    case 136: {
      if (hdroff + 8 > skbEnd) return false;
      // UDP-Lite always has a checksum; for UDP 0 means none and stays 0.
      const doCsum = t.proto === 136 || readU16(buf, hdroff + 6) !== 0;
      udpManip(buf, hdroff, t, manip, addrOff, doCsum);
      return true;
    }
    case 58:
      return icmpv6Manip(buf, hdroff, skbEnd, t, addrOff);
    case 1:
      if (hdroff + 8 > skbEnd) return false;
      icmpManip(buf, hdroff, t);
      return true;
    case 47:
      return greManip(buf, hdroff, skbEnd, t, manip);
  }
  // A protocol NAT does not know passes unmodified.
  return true;
}

/** The transport checksum at `ck` after the address at addrOff becomes newAddr. */
function pseudoUpdate(buf: Uint8Array, ck: number, addrOff: number): void {
  writeU16(buf, ck, checksumReplaceBytes(readU16(buf, ck), buf, addrOff, newAddr, 0, 16));
}

function tcpManip(
  buf: Uint8Array,
  hdroff: number,
  skbEnd: number,
  t: Tuple,
  manip: Manip,
  addrOff: number,
): boolean {
  // Only the ports are sure to be there in a header an ICMPv6 error quotes.
  const full = skbEnd >= hdroff + 20;
  if (hdroff + (full ? 20 : 8) > skbEnd) return false;
  const portOff = hdroff + (manip === Manip.SRC ? 0 : 2);
  const newport = manip === Manip.SRC ? t.sport : t.dport;
  const oldport = readU16(buf, portOff);
  writeU16(buf, portOff, newport);
  if (!full) return true;
  pseudoUpdate(buf, hdroff + 16, addrOff);
  writeU16(buf, hdroff + 16, checksumReplace16(readU16(buf, hdroff + 16), oldport, newport));
  return true;
}

function udpManip(
  buf: Uint8Array,
  hdroff: number,
  t: Tuple,
  manip: Manip,
  addrOff: number,
  doCsum: boolean,
): void {
  const portOff = hdroff + (manip === Manip.SRC ? 0 : 2);
  const newport = manip === Manip.SRC ? t.sport : t.dport;
  if (doCsum) {
    pseudoUpdate(buf, hdroff + 6, addrOff);
    const ck = checksumReplace16(readU16(buf, hdroff + 6), readU16(buf, portOff), newport);
    // CSUM_MANGLED_0: a computed 0 goes on the wire as 0xffff.
    writeU16(buf, hdroff + 6, ck === 0 ? 0xffff : ck);
  }
  writeU16(buf, portOff, newport);
}

/**
 * icmpv6_manip_pkt: the pseudo header changes for every ICMPv6 message
 * (errors included); only echo requests and replies carry an id to map.
 */
function icmpv6Manip(
  buf: Uint8Array,
  hdroff: number,
  skbEnd: number,
  t: Tuple,
  addrOff: number,
): boolean {
  if (hdroff + 8 > skbEnd) return false;
  pseudoUpdate(buf, hdroff + 2, addrOff);
  const type = buf[hdroff] as number;
  if (type === 128 || type === 129) {
    const oldid = readU16(buf, hdroff + 4);
    writeU16(buf, hdroff + 2, checksumReplace16(readU16(buf, hdroff + 2), oldid, t.sport));
    writeU16(buf, hdroff + 4, t.sport);
  }
  return true;
}

/**
 * gre_manip_pkt: only a destination rewrite of PPTP's enhanced GRE
 * (version 1) has a key to change; a version NAT cannot read is dropped.
 */
function greManip(
  buf: Uint8Array,
  hdroff: number,
  skbEnd: number,
  t: Tuple,
  manip: Manip,
): boolean {
  if (hdroff + 8 > skbEnd) return false;
  if (manip !== Manip.DST) return true;
  const version = (buf[hdroff + 1] as number) & 0x07;
  if (version === 0) return true;
  if (version !== 1) return false;
  writeU16(buf, hdroff + 6, t.dport);
  return true;
}
