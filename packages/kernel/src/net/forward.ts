/**
 * Forwarding (ip_forward / ip6_forward): hop limit, MTU, redirect, the TTL
 * decrement, then the FORWARD and POSTROUTING hooks and out. The packet is
 * changed in place; nothing here allocates.
 */
import { readU16, readU32 } from "@ctkit/packet";
import { Hook, NfVerdict } from "./hooks.js";
import {
  ICMP_DEST_UNREACH,
  ICMP_FRAG_NEEDED,
  ICMP_REDIRECT,
  ICMP_TIME_EXCEEDED,
  ICMPV6_DEST_UNREACH,
  ICMPV6_PKT_TOOBIG,
  ICMPV6_TIME_EXCEED,
  icmpSend4,
  icmpSend6,
} from "./icmp-error.js";
import { isLinkLocalV6, isLoopbackV6, isMulticastV6, isUnspecifiedV6 } from "./prefix.js";
import { xrlimAllow } from "./ratelimit.js";
import type { Route } from "./route.js";
import type { Skb } from "./skb.js";
import type { NetStack } from "./stack.js";
import { Drop } from "./stats.js";

const IPV6_MIN_MTU = 1280;

export function forward4(s: NetStack, skb: Skb, r: Route): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  skb.oif = r.oif;
  const ttl = buf[off + 8] as number;
  if (ttl <= 1) {
    icmpSend4(s, skb, ICMP_TIME_EXCEEDED, 0, 0);
    s.drop(Drop.TTL_EXPIRED, skb);
    return;
  }
  const dev = s.devices.get(r.oif);
  const mtu = dev ? dev.mtu : 1500;
  // ip_exceeds_mtu: only DF packets are refused here; others are fragmented on the way out.
  if (readU16(buf, off + 2) > mtu && ((buf[off + 6] as number) & 0x40) !== 0) {
    icmpSend4(s, skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
    s.drop(Drop.TOO_BIG, skb);
    return;
  }
  decreaseTtl(buf, off);
  if (s.rxRoute.redirect) sendRedirect4(s, skb, r);
  let v = s.hooks.run(4, Hook.FORWARD, skb);
  if (v !== NfVerdict.ACCEPT) {
    s.hookVerdict(v, skb);
    return;
  }
  v = s.hooks.run(4, Hook.POSTROUTING, skb);
  if (v !== NfVerdict.ACCEPT) {
    s.hookVerdict(v, skb);
    return;
  }
  s.stats.forwarded++;
  s.finishOutput4(skb);
}

/**
 * ip_decrease_ttl: checksum += htons(0x0100) with Linux's end-around carry,
 * computed as an x86 kernel computes it (on the little-endian view of the
 * field), so even the 0x0000/0xffff corner cases match.
 */
export function decreaseTtl(buf: Uint8Array, off: number): void {
  let check = (buf[off + 10] as number) | ((buf[off + 11] as number) << 8);
  check += 0x0001;
  check = (check + (check >= 0xffff ? 1 : 0)) & 0xffff;
  buf[off + 10] = check & 0xff;
  buf[off + 11] = check >>> 8;
  buf[off + 8] = (buf[off + 8] as number) - 1;
}

/**
 * ip_rt_send_redirect: a host redirect to the next hop, at most
 * redirect_number per peer with exponential back-off (redirect_load <<
 * n), the count forgotten after redirect_silence.
 */
function sendRedirect4(s: NetStack, skb: Skb, r: Route): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  const now = s.jiffies(skb.time);
  const peer = s.peers.get4(readU32(buf, off + 12), now);
  if (now > peer.rateLast + s.sys.redirectSilence) {
    peer.rateTokens = 0;
    peer.nRedirects = 0;
  }
  if (peer.nRedirects >= s.sys.redirectNumber) {
    peer.rateLast = now;
    return;
  }
  if (peer.nRedirects === 0 || now > peer.rateLast + (s.sys.redirectLoad << peer.nRedirects)) {
    const gw = r.gw4 !== 0 ? r.gw4 : readU32(buf, off + 16);
    icmpSend4(s, skb, ICMP_REDIRECT, 1, gw);
    peer.rateLast = now;
    peer.nRedirects++;
  }
}

export function forward6(s: NetStack, skb: Skb, r: Route): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  if (!s.sys.forwarding6()) {
    s.drop(Drop.NOT_FORWARDING, skb);
    return;
  }
  skb.oif = r.oif;
  if ((buf[off + 7] as number) <= 1) {
    icmpSend6(s, skb, ICMPV6_TIME_EXCEED, 0, 0);
    s.drop(Drop.TTL_EXPIRED, skb);
    return;
  }
  const src = off + 8;
  if (r.oif === skb.iif) {
    // A redirect would go out here, but ndisc needs a link-local source and
    // ctkit devices have none; the destination's peer bucket is charged anyway.
    const now = s.jiffies(skb.time);
    xrlimAllow(s.peers.get6(buf, off + 24, now), s.hz, now);
  } else {
    if (isUnspecifiedV6(buf, src) || isMulticastV6(buf, src) || isLoopbackV6(buf, src)) {
      s.drop(Drop.BAD_SOURCE, skb);
      return;
    }
    if (isLinkLocalV6(buf, src)) {
      icmpSend6(s, skb, ICMPV6_DEST_UNREACH, 2, 0);
      s.drop(Drop.BAD_SOURCE, skb);
      return;
    }
  }
  const dev = s.devices.get(r.oif);
  const mtu = Math.max(dev ? dev.mtu : 1500, IPV6_MIN_MTU);
  if (40 + readU16(buf, off + 4) > mtu) {
    icmpSend6(s, skb, ICMPV6_PKT_TOOBIG, 0, mtu);
    s.drop(Drop.TOO_BIG, skb);
    return;
  }
  buf[off + 7] = (buf[off + 7] as number) - 1;
  let v = s.hooks.run(6, Hook.FORWARD, skb);
  if (v !== NfVerdict.ACCEPT) {
    s.hookVerdict(v, skb);
    return;
  }
  v = s.hooks.run(6, Hook.POSTROUTING, skb);
  if (v !== NfVerdict.ACCEPT) {
    s.hookVerdict(v, skb);
    return;
  }
  s.stats.forwarded++;
  s.finishOutput6(skb);
}
