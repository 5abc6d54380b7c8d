/**
 * IPv6 receive: ipv6_rcv's address checks, PREROUTING, and the input route
 * (ip6_route_input): the router's own and subnet-router anycast addresses
 * are delivered locally, others forwarded, unroutable ones answered by
 * ip6_pkt_discard/ip6_pkt_prohibit (even with forwarding off, as Linux).
 */

import { forward6 } from "./forward.js";
import { Hook, NfVerdict } from "./hooks.js";
import { ICMPV6_DEST_UNREACH, icmpSend6 } from "./icmp-error.js";
import { deliver6 } from "./local6.js";
import { isLoopbackV6, isMulticastV6, multicastScopeV6 } from "./prefix.js";
import { RouteType } from "./route.js";
import { RtKind } from "./route-state.js";
import type { Skb } from "./skb.js";
import type { NetStack } from "./stack.js";
import { Drop } from "./stats.js";

export function receive6(s: NetStack, skb: Skb): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  const src = off + 8;
  const dst = off + 24;
  // RFC 4291 2.5.3 / 2.7: no loopback from the wire, no multicast source,
  // no interface-local or reserved-scope multicast destination.
  if (isLoopbackV6(buf, src) || isLoopbackV6(buf, dst)) {
    s.drop(Drop.MARTIAN_SOURCE, skb);
    return;
  }
  if (isMulticastV6(buf, dst) && multicastScopeV6(buf, dst) <= 1) {
    s.drop(Drop.MARTIAN_DESTINATION, skb);
    return;
  }
  if (isMulticastV6(buf, src)) {
    s.drop(Drop.MARTIAN_SOURCE, skb);
    return;
  }
  const v = s.hooks.run(6, Hook.PREROUTING, skb);
  if (v !== NfVerdict.ACCEPT) {
    s.hookVerdict(v, skb);
    return;
  }
  routeInput6(s, skb);
}

function routeInput6(s: NetStack, skb: Skb): void {
  const buf = skb.data;
  const dst = skb.l3Offset + 24;
  const rt = s.rxRoute;
  // ctkit joins no groups (no neighbour discovery, no MLD).
  if (isMulticastV6(buf, dst)) {
    s.drop(Drop.MULTICAST, skb);
    return;
  }
  const local = s.localKind6(buf, dst);
  if (local !== 0) {
    rt.kind = RtKind.LOCAL;
    rt.anycast = local === 2;
    deliver6(s, skb);
    return;
  }
  const r = s.fib.lookup6(buf, dst);
  rt.route = r;
  if (r === null) {
    discard6(s, skb, 0);
    return;
  }
  if (r.type === RouteType.UNICAST) {
    rt.kind = RtKind.FORWARD;
    forward6(s, skb, r);
  } else if (r.type === RouteType.BLACKHOLE) {
    s.drop(Drop.NO_ROUTE, skb);
  } else {
    // ip6_pkt_prohibit for prohibit routes, ip6_pkt_discard for the rest.
    discard6(s, skb, r.type === RouteType.PROHIBIT ? 1 : 0);
  }
}

/** ip6_pkt_drop: destination unreachable (no route / administratively prohibited). */
function discard6(s: NetStack, skb: Skb, code: number): void {
  s.rxRoute.kind = RtKind.ERROR;
  icmpSend6(s, skb, ICMPV6_DEST_UNREACH, code, 0);
  s.drop(Drop.NO_ROUTE, skb);
}
