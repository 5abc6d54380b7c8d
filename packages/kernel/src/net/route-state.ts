/**
 * How the packet in hand was routed: what icmp_send() learns from the
 * skb's route (rt_flags RTCF_LOCAL/RTCF_BROADCAST, input or output route)
 * and the forwarding decisions taken on the way (redirect, anycast).
 */
import type { Route } from "./route.js";

/** How the current packet was routed (the rt_flags / rt_type icmp_send looks at). */
export const RtKind = {
  /** Not routed (yet). */
  NONE: 0,
  /** Addressed to the router. */
  LOCAL: 1,
  /** Addressed to a broadcast address of the router's networks. */
  BROADCAST: 2,
  /** Being forwarded. */
  FORWARD: 3,
  /** Built by the router itself (local output). */
  OUTPUT: 4,
  /** Routed to an error (no route, unreachable/prohibit route). */
  ERROR: 5,
} as const;
export type RtKind = (typeof RtKind)[keyof typeof RtKind];

export class RouteState {
  kind: RtKind = RtKind.NONE;
  route: Route | null = null;
  /** IPSKB_DOREDIRECT: forwarded back out of its input interface to an on-link source. */
  redirect = false;
  /** For LOCAL IPv6: the destination is a subnet-router anycast address. */
  anycast = false;

  reset(): void {
    this.kind = RtKind.NONE;
    this.route = null;
    this.redirect = false;
    this.anycast = false;
  }
}
