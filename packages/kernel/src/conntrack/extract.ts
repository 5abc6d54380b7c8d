/**
 * Tuple extraction from a packet (nf_ct_get_tuple and the per-protocol
 * pkt_to_tuple functions), reading only the Skb's views.
 */
import { readU16, readU32 } from "@ctkit/packet";
import { ExtHeaderWalk } from "../net/ipv6-exthdr.js";
import type { Skb } from "../net/skb.js";
import type { GreKeymap } from "./gre-keymap.js";
import type { Tuple } from "./tuple.js";

/** Fills `t` with the addresses of the packet's IP header. */
function addresses(skb: Skb, t: Tuple): void {
  if (skb.family === 4) {
    t.family = 4;
    t.src[0] = skb.saddr4;
    t.dst[0] = skb.daddr4;
    t.src[1] = t.src[2] = t.src[3] = 0;
    t.dst[1] = t.dst[2] = t.dst[3] = 0;
  } else {
    t.family = 6;
    const d = skb.data;
    for (let i = 0; i < 4; i++) {
      t.src[i] = readU32(d, skb.saddr6Off + i * 4);
      t.dst[i] = readU32(d, skb.daddr6Off + i * 4);
    }
  }
}

/**
 * The packet's tuple. False when the transport header is missing or cut
 * (the kernel then leaves the packet without a connection: INVALID).
 */
export function packetTuple(skb: Skb, t: Tuple, keymap: GreKeymap | null = null): boolean {
  addresses(skb, t);
  const proto = skb.family === 4 ? skb.dec.ipv4.protocol : skb.dec.ipv6.upperProtocol;
  t.proto = proto;
  t.sport = 0;
  t.dport = 0;
  if (skb.isLaterFragment) return false;
  const l4 = skb.l4Proto;
  if (proto === 6 || proto === 17) {
    if (l4 !== proto) return false;
    t.sport = skb.sport;
    t.dport = skb.dport;
    return true;
  }
  if (proto === 1 || proto === 58) {
    if (l4 !== proto) return false;
    const icmp = proto === 1 ? skb.dec.icmp : skb.dec.icmpv6;
    t.sport = icmp.identifier;
    t.dport = (icmp.type << 8) | icmp.code;
    return true;
  }
  if (proto === 47) {
    const off = skb.family === 4 ? skb.dec.ipv4.payloadOffset : skb.dec.ipv6.upperOffset;
    return greKeys(skb.data, off, skb.l3Offset + skb.l3Length - off, t, keymap);
  }
  return true;
}

const GRE_PROTO_PPP = 0x880b;
/** Scratch walker for quoted IPv6 headers (one per process: extraction is synchronous). */
const quotedWalk = new ExtHeaderWalk();

/**
 * gre_pkt_to_tuple: only enhanced GRE (version 1, PPTP) has keys — the
 * destination key is the call ID in the header, the source key comes from
 * the keymap the PPTP helper filled. Any other GRE, even a cut one, is
 * tracked keyless like a generic protocol; enhanced GRE that does not
 * carry PPP gets no connection at all.
 */
function greKeys(
  d: Uint8Array,
  off: number,
  len: number,
  t: Tuple,
  keymap: GreKeymap | null,
): boolean {
  if (len < 4 || ((d[off + 1] as number) & 0x07) !== 1) return true;
  if (len < 8) return true;
  if (readU16(d, off + 2) !== GRE_PROTO_PPP) return false;
  t.dport = readU16(d, off + 6);
  t.sport = keymap === null || keymap.size === 0 ? 0 : keymap.lookup(t);
  return true;
}

/**
 * The tuple of the packet quoted inside an ICMP error, from the inner IP
 * header at `off` (bytes present: `len`). Only the first 8 transport bytes
 * are guaranteed, which is all ports and ICMP ids need.
 */
export function quotedTuple(
  skb: Skb,
  off: number,
  len: number,
  t: Tuple,
  keymap: GreKeymap | null = null,
): boolean {
  const d = skb.data;
  if (len < 1) return false;
  const version = (d[off] as number) >>> 4;
  let l4off: number;
  let proto: number;
  if (version === 4 && skb.family === 4) {
    if (len < 20) return false;
    const ihl = ((d[off] as number) & 0x0f) * 4;
    if (ihl < 20 || len < ihl) return false;
    // A quoted later fragment has no transport header to match on.
    if ((readU16(d, off + 6) & 0x1fff) !== 0) return false;
    t.family = 4;
    t.src[0] = readU32(d, off + 12);
    t.dst[0] = readU32(d, off + 16);
    t.src[1] = t.src[2] = t.src[3] = 0;
    t.dst[1] = t.dst[2] = t.dst[3] = 0;
    proto = d[off + 9] as number;
    l4off = off + ihl;
  } else if (version === 6 && skb.family === 6) {
    if (len < 40) return false;
    t.family = 6;
    for (let i = 0; i < 4; i++) {
      t.src[i] = readU32(d, off + 8 + i * 4);
      t.dst[i] = readU32(d, off + 24 + i * 4);
    }
    // The quoted packet's extension headers are walked as Linux does; a
    // quoted later fragment has no transport header to match on.
    l4off = quotedWalk.skip(d, off + 40, off + len, d[off + 6] as number);
    if (l4off < 0 || (quotedWalk.fragOff & 0xfff8) !== 0) return false;
    proto = quotedWalk.nexthdr;
  } else return false;
  t.proto = proto;
  t.sport = 0;
  t.dport = 0;
  const l4len = off + len - l4off;
  if (proto === 6 || proto === 17) {
    if (l4len < 4) return false;
    t.sport = readU16(d, l4off);
    t.dport = readU16(d, l4off + 2);
  } else if (proto === 1 || proto === 58) {
    if (l4len < 8) return false;
    t.sport = readU16(d, l4off + 4);
    t.dport = ((d[l4off] as number) << 8) | (d[l4off + 1] as number);
  } else if (proto === 47) {
    return greKeys(d, l4off, l4len, t, keymap);
  }
  return true;
}
