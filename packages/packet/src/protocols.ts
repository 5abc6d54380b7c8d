/** IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol Numbers"). */
export const IpProtocol = {
  HopByHop: 0,
  Icmp: 1,
  Tcp: 6,
  Udp: 17,
  Dccp: 33,
  Routing: 43,
  Fragment: 44,
  Gre: 47,
  Esp: 50,
  Ah: 51,
  Icmpv6: 58,
  NoNextHeader: 59,
  DestinationOptions: 60,
  Sctp: 132,
  UdpLite: 136,
} as const;

/** EtherType values ctkit meets on the wire. */
export const EtherType = {
  Ipv4: 0x0800,
  Arp: 0x0806,
  /** 802.1Q customer VLAN tag. */
  Vlan: 0x8100,
  Ipv6: 0x86dd,
  /** PPP, also the GRE protocol type of PPTP's enhanced GRE. */
  Ppp: 0x880b,
  /** 802.1ad service VLAN tag (outer tag of QinQ). */
  QinQ: 0x88a8,
  /** Pre-standard QinQ outer tag still emitted by some switches. */
  QinQLegacy: 0x9100,
} as const;
