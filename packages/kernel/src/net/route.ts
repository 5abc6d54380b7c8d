/**
 * One routing table entry (a fib_alias + fib_info, or a fib6_info), with the
 * rtnetlink numbers iproute2 prints and parses.
 */

/** Routing tables (RT_TABLE_*). */
export const Table = { UNSPEC: 0, MAIN: 254, LOCAL: 255 } as const;

/** Route types (RTN_*). */
export const RouteType = {
  UNSPEC: 0,
  UNICAST: 1,
  LOCAL: 2,
  BROADCAST: 3,
  ANYCAST: 4,
  MULTICAST: 5,
  BLACKHOLE: 6,
  UNREACHABLE: 7,
  PROHIBIT: 8,
  THROW: 9,
  NAT: 10,
  XRESOLVE: 11,
} as const;

export const ROUTE_TYPE_NAMES = [
  "none",
  "unicast",
  "local",
  "broadcast",
  "anycast",
  "multicast",
  "blackhole",
  "unreachable",
  "prohibit",
  "throw",
  "nat",
  "xresolve",
] as const;

/** Route protocols (RTPROT_*) and the names of iproute2's rt_protos table. */
export const Proto = { UNSPEC: 0, REDIRECT: 1, KERNEL: 2, BOOT: 3, STATIC: 4 } as const;
export const PROTO_NAMES: Record<number, string> = {
  0: "unspec",
  1: "redirect",
  2: "kernel",
  3: "boot",
  4: "static",
  8: "gated",
  9: "ra",
  10: "mrt",
  11: "zebra",
  12: "bird",
  13: "dnrouted",
  14: "xorp",
  15: "ntk",
  16: "dhcp",
  18: "keepalived",
  42: "babel",
  99: "openr",
  186: "bgp",
  187: "isis",
  188: "ospf",
  189: "rip",
  192: "eigrp",
};

/** Kernel-chosen metric of IPv6 prefix routes and the default of user ones. */
export const IP6_RT_PRIO_ADDRCONF = 256;
export const IP6_RT_PRIO_USER = 1024;

export interface RouteSpec {
  family: 4 | 6;
  table: number;
  type: number;
  /** IPv4 destination (host bits clear) or the IPv6 one (16 bytes, host bits clear). */
  dst4?: number;
  dst6?: Uint8Array;
  prefixLen: number;
  gw4?: number;
  gw6?: Uint8Array | null;
  /** Output device index; 0 for none (reject routes). */
  oif: number;
  proto: number;
  scope: number;
  prefsrc4?: number;
  prefsrc6?: Uint8Array | null;
  metric: number;
  seq: number;
  /** Derived from an address (proto kernel): rebuilt when addresses change. */
  kernel?: boolean;
}

export class Route {
  readonly family: 4 | 6;
  readonly table: number;
  readonly type: number;
  readonly dst4: number;
  readonly dst6: Uint8Array;
  readonly prefixLen: number;
  readonly gw4: number;
  readonly gw6: Uint8Array | null;
  readonly oif: number;
  readonly proto: number;
  readonly scope: number;
  readonly prefsrc4: number;
  readonly prefsrc6: Uint8Array | null;
  readonly metric: number;
  readonly seq: number;
  readonly kernel: boolean;
  /** Cached source address chosen for this route (fib_nh nh_saddr) and the genid it was chosen at. */
  srcCache = 0;
  srcGen = -1;

  constructor(s: RouteSpec) {
    this.family = s.family;
    this.table = s.table;
    this.type = s.type;
    this.dst4 = s.dst4 ?? 0;
    this.dst6 = s.dst6 ?? NO_ADDR6;
    this.prefixLen = s.prefixLen;
    this.gw4 = s.gw4 ?? 0;
    this.gw6 = s.gw6 ?? null;
    this.oif = s.oif;
    this.proto = s.proto;
    this.scope = s.scope;
    this.prefsrc4 = s.prefsrc4 ?? 0;
    this.prefsrc6 = s.prefsrc6 ?? null;
    this.metric = s.metric;
    this.seq = s.seq;
    this.kernel = s.kernel ?? false;
  }

  get hasGateway(): boolean {
    return this.family === 4 ? this.gw4 !== 0 : this.gw6 !== null;
  }

  /** A stable identity for "the same route" (duplicate kernel routes, deleted kernel routes). */
  key(): string {
    const d = this.family === 4 ? this.dst4 : Array.from(this.dst6).join(".");
    return `${this.family}/${this.table}/${this.type}/${d}/${this.prefixLen}/${this.oif}/${this.prefsrc4}`;
  }
}

const NO_ADDR6 = new Uint8Array(16);
