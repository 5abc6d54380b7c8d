/**
 * Replies of the router's own ICMP/ICMPv6 layer: echo (icmp_echo /
 * icmpv6_echo_reply) and IPv4 timestamp (icmp_timestamp). An echo reply
 * keeps the request's TOS/traffic class (ECN bits included), code,
 * identifier, sequence and data; it carries no DF and the default TTL.
 * IP options of a request are not echoed (ctkit ignores IPv4 options).
 */
import { readU32, writeU32 } from "@ctkit/packet";
import { fillIcmp4Checksum, fillL4Checksum, writeIpv4Header, writeIpv6Header } from "./build.js";
import { Scope } from "./device.js";
import { globalAllow, peerAllow4 } from "./icmp-error.js";
import { autoFlowLabel } from "./ident.js";
import { RouteType } from "./route.js";
import { RtKind } from "./route-state.js";
import type { Skb } from "./skb.js";
import { routeSource4, selectAddr4, selectSource6 } from "./source-select.js";
import type { NetStack } from "./stack.js";

/**
 * icmp_reply: source = the address the request went to (for broadcasts,
 * fib_compute_spec_dst's choice), route back to the requester, the global
 * and peer limits when the ratemask covers the reply type.
 */
function reply4(s: NetStack, skb: Skb, icmpLen: number, type: number, code: number): boolean {
  const buf = skb.data;
  const off = skb.l3Offset;
  const origSrc = readU32(buf, off + 12);
  const now = s.jiffies(skb.time);
  const limit = globalAllow(s, 4, type, code, now);
  if (limit < 0) return false;
  const r = s.fib.lookup4(origSrc);
  if (r === null || r.type !== RouteType.UNICAST) return false;
  let saddr = readU32(buf, off + 16);
  if (s.rxRoute.kind !== RtKind.LOCAL) {
    saddr =
      routeSource4(s.devices, r) ||
      selectAddr4(s.devices, s.devices.get(skb.iif), origSrc, Scope.LINK);
  }
  if (limit > 0 && !peerAllow4(s, origSrc, now)) return false;
  writeIpv4Header(
    s.txBuf,
    0,
    buf[off + 1] as number,
    20 + icmpLen,
    s.idents.next(origSrc, saddr, 1),
    0,
    s.sys.ipDefaultTtl,
    1,
    saddr,
    origSrc,
  );
  s.txBuf[20] = type;
  s.txBuf[21] = code;
  fillIcmp4Checksum(s.txBuf, 20, icmpLen);
  s.output4(20 + icmpLen, r.oif, skb.time, null);
  return true;
}

/** Answers the echo request at buf[l4, l4+len). */
export function echoReply4(s: NetStack, skb: Skb, l4: number, len: number): void {
  // txBuf may only be written when no generated packet is on its way out.
  if (s.sys.icmpEchoIgnoreAll || s.generating) return;
  // The message is copied first; reply4 then fixes type and checksum.
  s.txBuf.set(skb.data.subarray(l4, l4 + len), 20);
  reply4(s, skb, len, 0, skb.data[l4 + 1] as number);
}

/** Milliseconds since midnight UT on the virtual clock (inet_current_timestamp). */
function msSinceMidnight(time: number): number {
  return Math.floor(time * 1000) % 86400000;
}

/** Answers a timestamp request: originate copied, receive = transmit = now. */
export function timestampReply4(s: NetStack, skb: Skb, l4: number, len: number): void {
  if (len < 12 || s.generating) return;
  const out = s.txBuf;
  out.set(skb.data.subarray(l4, l4 + 12), 20);
  const now = msSinceMidnight(skb.time);
  writeU32(out, 32, now);
  writeU32(out, 36, now);
  reply4(s, skb, 20, 14, 0);
}

/** icmpv6_echo_reply for the request at buf[l4, l4+len). */
export function echoReply6(s: NetStack, skb: Skb, l4: number, len: number): void {
  if (s.sys.icmp6EchoIgnoreAll || s.generating) return;
  const anycast = s.rxRoute.anycast;
  if (anycast && s.sys.icmp6EchoIgnoreAnycast) return;
  const buf = skb.data;
  const off = skb.l3Offset;
  const r = s.fib.lookup6(buf, off + 8);
  if (r === null || r.type !== RouteType.UNICAST) return;
  const now = s.jiffies(skb.time);
  if (globalAllow(s, 6, 129, 0, now) < 0) return;
  const src = s.addr6;
  if (!anycast) src.set(buf.subarray(off + 24, off + 40));
  else if (!selectSource6(s.devices, buf, off + 8, s.devices.get(r.oif), src)) return;
  const out = s.txBuf;
  const tclass = (((buf[off] as number) & 0x0f) << 4) | ((buf[off + 1] as number) >>> 4);
  writeIpv6Header(out, 0, tclass, 0, len, 58, s.hopLimit6(r.oif), src, 0, buf, off + 8);
  writeU32(out, 0, ((6 << 28) | (tclass << 20) | autoFlowLabel(out, 8, 24, 58)) >>> 0);
  out.set(buf.subarray(l4, l4 + len), 40);
  out[40] = 129;
  fillL4Checksum(out, 0, 6, 58, 40, len, 2);
  s.output6(40 + len, r.oif, skb.time, null);
}
