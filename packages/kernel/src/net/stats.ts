/**
 * Packet counters of the router, and why packets were dropped (a subset of
 * Linux's skb drop reasons / SNMP counters). Plain typed-array slots: the
 * packet path increments them without allocating.
 */
export const Drop = {
  /** Arrived on an interface the stack does not know. */
  NO_DEVICE: 0,
  /** Not a well-formed IP packet (version, header or total length). */
  MALFORMED: 1,
  /** IPv4 header checksum wrong (ip_rcv_core csum_error). */
  IP_CSUM: 2,
  MARTIAN_SOURCE: 3,
  MARTIAN_DESTINATION: 4,
  /** Multicast: ctkit joins no groups and routes no multicast. */
  MULTICAST: 5,
  /** A netfilter hook returned DROP. */
  NETFILTER: 6,
  /** No route, or an unreachable/prohibit/blackhole route. */
  NO_ROUTE: 7,
  /** Not for us, and forwarding is off. */
  NOT_FORWARDING: 8,
  TTL_EXPIRED: 9,
  /** Larger than the outgoing MTU and may not be fragmented. */
  TOO_BIG: 10,
  /** A fragment for local delivery: ctkit does not reassemble. */
  LOCAL_FRAGMENT: 11,
  /** Transport checksum wrong on a locally delivered packet. */
  L4_CSUM: 12,
  /** Transport header unusable on a locally delivered packet. */
  L4_MALFORMED: 13,
  /** An IPv6 packet to forward whose source may not leave its link. */
  BAD_SOURCE: 14,
  /** A packet the stack cannot send (IPv6 output fragmentation, DF over the MTU at output). */
  OUTPUT_FAILED: 15,
} as const;
export type Drop = (typeof Drop)[keyof typeof Drop];

export const DROP_NAMES = [
  "no-device",
  "malformed",
  "ip-checksum",
  "martian-source",
  "martian-destination",
  "multicast",
  "netfilter",
  "no-route",
  "not-forwarding",
  "ttl-expired",
  "too-big",
  "local-fragment",
  "l4-checksum",
  "l4-malformed",
  "bad-source",
  "output-failed",
] as const;

export class NetStats {
  received = 0;
  forwarded = 0;
  delivered = 0;
  /** Packets the stack built itself (ICMP, RST, echo replies) and transmitted. */
  generated = 0;
  /** Every packet handed to the transmit callback (fragments count one each). */
  transmitted = 0;
  readonly drops = new Float64Array(DROP_NAMES.length);

  /** Non-zero drop counters by name (for reports; allocates). */
  dropCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    this.drops.forEach((n, i) => {
      if (n) out[DROP_NAMES[i] as string] = n;
    });
    return out;
  }
}
