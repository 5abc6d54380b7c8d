/**
 * IPv4 receive: ip_rcv_core's checks, PREROUTING, and the input route
 * decision of ip_route_input_slow (martians, source validation, local or
 * broadcast delivery, forwarding, ip_error for unroutable packets).
 */
import { readU32, verifyIpv4HeaderChecksum } from "@ctkit/packet";
import { forward4 } from "./forward.js";
import { Hook, NfVerdict } from "./hooks.js";
import { ICMP_DEST_UNREACH, icmpSend4 } from "./icmp-error.js";
import { deliver4 } from "./local4.js";
import { isLoopbackV4, isMulticastV4, isZeronetV4, LIMITED_BROADCAST } from "./prefix.js";
import { ipErrorAllow } from "./ratelimit.js";
import { RouteType } from "./route.js";
import { RtKind } from "./route-state.js";
import type { Skb } from "./skb.js";
import type { NetStack } from "./stack.js";
import { Drop } from "./stats.js";

/** Returned by the routing steps once the packet has been handed on (delivered, forwarded, answered). */
const HANDED_ON = -1;

export function receive4(s: NetStack, skb: Skb): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  // Version, IHL and total length were checked by the parse; the checksum is next.
  if (!verifyIpv4HeaderChecksum(buf, off, ((buf[off] as number) & 0x0f) * 4)) {
    s.drop(Drop.IP_CSUM, skb);
    return;
  }
  const v = s.hooks.run(4, Hook.PREROUTING, skb);
  if (v !== NfVerdict.ACCEPT) {
    s.hookVerdict(v, skb);
    return;
  }
  const why = routeInput4(s, skb);
  if (why !== HANDED_ON) s.drop(why, skb);
}

/** ip_route_input_slow: a Drop reason, or HANDED_ON. Addresses are read after PREROUTING (DNAT). */
function routeInput4(s: NetStack, skb: Skb): Drop | typeof HANDED_ON {
  const buf = skb.data;
  const off = skb.l3Offset;
  const saddr = readU32(buf, off + 12);
  const daddr = readU32(buf, off + 16);
  const rt = s.rxRoute;
  // ctkit joins no multicast groups and routes no multicast.
  if (isMulticastV4(daddr)) return Drop.MULTICAST;
  if (isMulticastV4(saddr) || saddr === LIMITED_BROADCAST) return Drop.MARTIAN_SOURCE;
  if (daddr === LIMITED_BROADCAST || (saddr === 0 && daddr === 0)) {
    if (saddr !== 0 && validateSource4(s, skb) < 0) return Drop.MARTIAN_SOURCE;
    rt.kind = RtKind.BROADCAST;
    deliver4(s, skb);
    return HANDED_ON;
  }
  if (isZeronetV4(saddr)) return Drop.MARTIAN_SOURCE;
  if (isZeronetV4(daddr) || isLoopbackV4(daddr)) return Drop.MARTIAN_DESTINATION;
  if (isLoopbackV4(saddr)) return Drop.MARTIAN_SOURCE;
  // `| 0`: an int32 argument is never boxed, a uint32 above 2^31 would be (an allocation).
  const r = s.fib.lookup4(daddr | 0);
  if (r === null) return ipError4(s, skb, Err.ENETUNREACH);
  rt.route = r;
  switch (r.type) {
    case RouteType.LOCAL:
    case RouteType.BROADCAST:
      if (validateSource4(s, skb) < 0) return Drop.MARTIAN_SOURCE;
      rt.kind = r.type === RouteType.LOCAL ? RtKind.LOCAL : RtKind.BROADCAST;
      deliver4(s, skb);
      return HANDED_ON;
    case RouteType.UNICAST: {
      if (!s.sys.forwarding4()) return ipError4(s, skb, Err.EHOSTUNREACH);
      const direct = validateSource4(s, skb, r.oif);
      if (direct < 0) return Drop.MARTIAN_SOURCE;
      rt.kind = RtKind.FORWARD;
      // IPSKB_DOREDIRECT: out the way it came, toward a source that link reaches
      // directly (shared_media, on by default, skips the gateway's on-link check).
      rt.redirect = r.oif === skb.iif && direct === 1 && s.sys.sendRedirects();
      forward4(s, skb, r);
      return HANDED_ON;
    }
    case RouteType.UNREACHABLE:
      return ipError4(s, skb, Err.EHOSTUNREACH);
    case RouteType.PROHIBIT:
      return ipError4(s, skb, Err.EACCES);
    case RouteType.BLACKHOLE:
      return ipError4(s, skb, Err.EINVAL);
    default:
      return Drop.MARTIAN_DESTINATION;
  }
}

/**
 * fib_validate_source: -1 for a martian (our own address, unless
 * accept_local; no acceptable way back under rp_filter), 1 when the
 * source is reached directly through the input interface, else 0.
 * Without rp_filter and with no redirect to consider (`oif` is where the
 * packet goes, 0 for local delivery) only the own-address test applies.
 */
function validateSource4(s: NetStack, skb: Skb, oif = 0): number {
  const saddr = readU32(skb.data, skb.l3Offset + 12) | 0;
  const rpf = s.sys.rpFilter();
  const acceptLocal = s.sys.acceptLocal();
  if (rpf === 0 && (oif !== skb.iif || !s.sys.sendRedirects())) {
    return !acceptLocal && s.isLocal4(saddr) ? -1 : 0;
  }
  const back = s.fib.lookup4(saddr);
  // fib_lookup fails for no route and for reject routes: "last resort".
  if (back === null || back.type >= RouteType.BLACKHOLE) return rpf ? -1 : 0;
  if (back.type !== RouteType.UNICAST && (back.type !== RouteType.LOCAL || !acceptLocal)) return -1;
  if (back.oif === skb.iif) return back.gw4 === 0 ? 1 : 0;
  const dev = s.devices.get(skb.iif);
  if (dev === undefined || dev.v4.length === 0) return rpf ? -1 : 0;
  if (rpf === 1) return -1;
  return 0;
}

/** The errnos a failed input route carries into ip_error(). */
const Err = { ENETUNREACH: 1, EHOSTUNREACH: 2, EACCES: 3, EINVAL: 4 } as const;
type Err = (typeof Err)[keyof typeof Err];

/**
 * ip_error(): with forwarding off nothing is said; otherwise a destination
 * unreachable, limited by its own per-source bucket (error_cost/burst)
 * before icmp_send's limits.
 */
function ipError4(s: NetStack, skb: Skb, err: Err): Drop {
  s.rxRoute.kind = RtKind.ERROR;
  if (!s.sys.forwarding4()) return Drop.NOT_FORWARDING;
  const code =
    err === Err.ENETUNREACH ? 0 : err === Err.EHOSTUNREACH ? 1 : err === Err.EACCES ? 13 : -1;
  if (code < 0) return Drop.NO_ROUTE;
  const now = s.jiffies(skb.time);
  const peer = s.peers.get4(readU32(skb.data, skb.l3Offset + 12), now);
  if (ipErrorAllow(peer, s.sys.routeErrorCost, s.sys.routeErrorBurst, now))
    icmpSend4(s, skb, ICMP_DEST_UNREACH, code, 0);
  return Drop.NO_ROUTE;
}
