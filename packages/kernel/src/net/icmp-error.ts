/**
 * ICMP and ICMPv6 errors as Linux's __icmp_send() and icmp6_send() build
 * them, byte for byte except the fields Linux draws at random (IPv4 ID,
 * IPv6 flow label; see ident.ts):
 *
 * IPv4: TOS (orig & 0x1e) | 0xc0, no DF (the ICMP socket does not do PMTU
 * discovery), TTL net.ipv4.ip_default_ttl, source = the address the packet
 * was sent to when it was for us, else the source routing picks for the
 * way back (icmp_errors_use_inbound_ifaddr=0); the quote fills the message
 * up to 576 bytes. IPv6: traffic class 0, hop limit of the way back, source
 * = the destination if it is ours, else RFC 6724 selection on the input
 * interface; the quote fills the message up to 1280 bytes.
 *
 * Both refuse what RFC 1122/4443 forbid (errors about errors, later
 * fragments (IPv4), broadcast/multicast, unspecified sources) and apply the
 * global and per-destination rate limits before building anything.
 */
import { readU16, readU32, writeU32 } from "@ctkit/packet";
import { fillIcmp4Checksum, fillL4Checksum, writeIpv4Header, writeIpv6Header } from "./build.js";
import { Scope } from "./device.js";
import { autoFlowLabel } from "./ident.js";
import { isMulticastV6, isUnspecifiedV6 } from "./prefix.js";
import { xrlimAllow } from "./ratelimit.js";
import { RouteType } from "./route.js";
import { RtKind } from "./route-state.js";
import type { Skb } from "./skb.js";
import { routeSource4, selectAddr4, selectSource6 } from "./source-select.js";
import type { NetStack } from "./stack.js";

export const ICMP_DEST_UNREACH = 3;
export const ICMP_REDIRECT = 5;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_FRAG_NEEDED = 4;
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PKT_TOOBIG = 2;
export const ICMPV6_TIME_EXCEED = 3;
export const ICMPV6_PARAMPROB = 4;

/** NR_ICMP_TYPES: higher types are treated as errors ("think about it"). */
const NR_ICMP_TYPES = 18;
/** INADDR_DUMMY (192.0.0.8), used when no source address can be found. */
const INADDR_DUMMY = 0xc0000008;
const IPV6_MIN_MTU = 1280;

/** icmp_pointers[type].error. */
export function icmpTypeIsError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** icmpv4_mask_allow: true when the type is not rate limited. */
function maskAllows4(s: NetStack, type: number, code: number): boolean {
  if (type > NR_ICMP_TYPES) return true;
  if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) return true;
  return ((1 << type) & s.sys.icmpRatemask) === 0;
}

/** The default net.ipv6.icmp.ratemask "0-1,3-127": every error but Packet Too Big. */
function maskAllows6(type: number): boolean {
  return type >= 128 || type === ICMPV6_PKT_TOOBIG;
}

/**
 * icmpv4_global_allow / icmpv6_global_allow: -1 refused by the global
 * bucket, 0 allowed and not rate limited (type outside the ratemask),
 * 1 allowed and subject to the per-peer limit.
 */
export function globalAllow(s: NetStack, family: 4 | 6, type: number, code: number, now: number) {
  if (family === 4 ? maskAllows4(s, type, code) : maskAllows6(type)) return 0;
  return s.globalIcmp.allow(now, s.sys.icmpMsgsPerSec, s.sys.icmpMsgsBurst) ? 1 : -1;
}

/** icmpv4_xrlim_allow for a message to `dst`: net.ipv4.icmp_ratelimit per peer. */
export function peerAllow4(s: NetStack, dst: number, now: number): boolean {
  if (!xrlimAllow(s.peers.get4(dst, now), s.sys.msToJiffies(s.sys.icmpRatelimitMs), now))
    return false;
  s.globalIcmp.consume();
  return true;
}

/**
 * icmpv6_xrlim_allow: net.ipv6.icmp.ratelimit per peer, shortened for
 * destinations reached by wider routes ("give more bandwidth to wider prefixes").
 */
export function peerAllow6(
  s: NetStack,
  buf: Uint8Array,
  off: number,
  routePrefixLen: number,
  now: number,
): boolean {
  let tmo = s.sys.msToJiffies(s.sys.icmp6RatelimitMs);
  if (routePrefixLen < 128) tmo >>= (128 - routePrefixLen) >> 5;
  if (!xrlimAllow(s.peers.get6(buf, off, now), tmo, now)) return false;
  s.globalIcmp.consume();
  return true;
}

/**
 * Sends an ICMPv4 error about `skb`. `quoteLen` is the length Linux's skb
 * has at that point (UDP trims to its own length before answering).
 */
export function icmpSend4(
  s: NetStack,
  skb: Skb,
  type: number,
  code: number,
  info: number,
  quoteLen = skb.l3Length,
): void {
  if (s.generating) return; // icmp_xmit_lock: no error while sending one
  const buf = skb.data;
  const off = skb.l3Offset;
  const rt = s.routeStateOf(skb);
  if (rt.kind === RtKind.BROADCAST || rt.kind === RtKind.NONE) return;
  if ((readU16(buf, off + 6) & 0x1fff) !== 0) return; // only fragment 0
  const ihl = ((buf[off] as number) & 0x0f) * 4;
  if (icmpTypeIsError(type) && buf[off + 9] === 1) {
    if (ihl >= quoteLen) return;
    const inner = buf[off + ihl] as number;
    if (inner > NR_ICMP_TYPES || icmpTypeIsError(inner)) return;
  }
  const now = s.jiffies(skb.time);
  const limit = globalAllow(s, 4, type, code, now);
  if (limit < 0) return;
  const origSrc = readU32(buf, off + 12);
  let saddr = 0;
  if (rt.kind === RtKind.LOCAL) saddr = readU32(buf, off + 16);
  else if (s.sys.icmpErrorsUseInboundIfaddr && skb.iif >= 0 && rt.kind !== RtKind.OUTPUT) {
    saddr = selectAddr4(s.devices, s.devices.get(skb.iif), origSrc, Scope.LINK);
  }
  const tos = icmpTypeIsError(type)
    ? ((buf[off + 1] as number) & 0x1e) | 0xc0
    : (buf[off + 1] as number);
  const r = s.fib.lookup4(origSrc);
  if (r === null || r.type !== RouteType.UNICAST) return;
  if (saddr === 0) saddr = routeSource4(s.devices, r);
  if (limit > 0 && !peerAllow4(s, origSrc, now)) return;
  const dev = s.devices.get(r.oif);
  const room = Math.min(dev ? dev.mtu : 576, 576) - 20 - 8;
  if (room <= 20) return;
  const dataLen = Math.min(quoteLen, room);
  if (saddr === 0) saddr = INADDR_DUMMY;
  const out = s.txBuf;
  const total = 20 + 8 + dataLen;
  writeIpv4Header(
    out,
    0,
    tos,
    total,
    s.idents.next(origSrc, saddr, 1),
    0,
    s.sys.ipDefaultTtl,
    1,
    saddr,
    origSrc,
  );
  out[20] = type;
  out[21] = code;
  writeU32(out, 24, info >>> 0);
  out.set(buf.subarray(off, off + dataLen), 28);
  fillIcmp4Checksum(out, 20, 8 + dataLen);
  s.output4(total, r.oif, skb.time, skb);
}

/** is_ineligible(): never answer an ICMPv6 error (or what may be one in a later fragment). */
function ineligible6(skb: Skb, quoteLen: number): boolean {
  const ip = skb.dec.ipv6;
  if (skb.dec.ipVersion !== 6) return true;
  if (ip.upperProtocol !== 58) return false;
  const at = ip.upperOffset;
  if (at >= skb.l3Offset + quoteLen) return ip.fragmentOffset === 0;
  return ((skb.data[at] as number) & 0x80) === 0;
}

/** Sends an ICMPv6 error about `skb` (icmp6_send). */
export function icmpSend6(
  s: NetStack,
  skb: Skb,
  type: number,
  code: number,
  info: number,
  quoteLen = skb.l3Length,
): void {
  if (s.generating) return;
  const buf = skb.data;
  const off = skb.l3Offset;
  const srcOff = off + 8;
  const dstOff = off + 24;
  const rt = s.routeStateOf(skb);
  if (rt.kind === RtKind.NONE) return;
  let replyFromDst = s.localKind6(buf, dstOff) !== 0;
  if (isMulticastV6(buf, dstOff)) {
    if (type !== ICMPV6_PKT_TOOBIG) return;
    replyFromDst = false;
  }
  if (isUnspecifiedV6(buf, srcOff) || isMulticastV6(buf, srcOff)) return;
  if (ineligible6(skb, quoteLen)) return;
  const now = s.jiffies(skb.time);
  const limit = globalAllow(s, 6, type, code, now);
  if (limit < 0) return;
  const src = s.addr6;
  const r = s.fib.lookup6(buf, srcOff);
  if (replyFromDst) src.set(buf.subarray(dstOff, dstOff + 16));
  else if (r?.prefsrc6) src.set(r.prefsrc6);
  else if (!selectSource6(s.devices, buf, srcOff, s.devices.get(skb.iif), src)) {
    if (!r || !selectSource6(s.devices, buf, srcOff, s.devices.get(r.oif), src)) return;
  }
  // icmpv6_xrlim_allow: no way back means no message; wider routes get a faster refill.
  if (r === null || r.type !== RouteType.UNICAST) return;
  if (limit > 0 && !peerAllow6(s, buf, srcOff, r.prefixLen, now)) return;
  const dataLen = Math.min(quoteLen, IPV6_MIN_MTU - 40 - 8);
  const out = s.txBuf;
  // The header's own addresses feed the flow hash, so write them first.
  writeIpv6Header(out, 0, 0, 0, 8 + dataLen, 58, s.hopLimit6(r.oif), src, 0, buf, srcOff);
  const flow = autoFlowLabel(out, 8, 24, 58);
  writeU32(out, 0, ((6 << 28) | flow) >>> 0);
  out[40] = type;
  out[41] = code;
  writeU32(out, 44, info >>> 0);
  out.set(buf.subarray(off, off + dataLen), 48);
  fillL4Checksum(out, 0, 6, 58, 40, 8 + dataLen, 2);
  s.output6(40 + 8 + dataLen, r.oif, skb.time, skb);
}
