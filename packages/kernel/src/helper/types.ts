/**
 * Conntrack helper registration, modelled on the kernel's struct
 * nf_conntrack_helper: a name, the tuple it serves (l3, l4, port), the
 * expectation policies and the callbacks.
 */

/** Address family the helper serves; "unspec" matches both. */
export type L3Family = "ipv4" | "ipv6" | "unspec";

/** IANA protocol numbers of the L4 protocols helpers attach to. */
export const L4_PROTOCOLS = { tcp: 6, udp: 17, gre: 47, sctp: 132, icmp: 1, icmpv6: 58 } as const;
export type L4Name = keyof typeof L4_PROTOCOLS;

/** The kernel's NF_CT_HELPER_NAME_LEN is 16 including the NUL. */
export const HELPER_NAME_MAX = 15;
/** NF_CT_MAX_EXPECT_CLASSES. */
export const MAX_EXPECT_CLASSES = 4;
/** Upper bound the kernel enforces on a policy's max_expected. */
export const EXPECT_MAX_CNT = 255;

export interface ExpectPolicy {
  name: string;
  /** How many live expectations of this class one master may hold. */
  maxExpected: number;
  /** Lifetime of an expectation, in seconds. */
  timeout: number;
}

/** Verdicts a helper returns, as in netfilter (NF_DROP 0, NF_ACCEPT 1). */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export type Verdict = typeof NF_DROP | typeof NF_ACCEPT;

/**
 * ctinfo values (enum ip_conntrack_info): the helper is told which
 * direction and state the packet belongs to.
 */
export const CtInfo = {
  ESTABLISHED: 0,
  RELATED: 1,
  NEW: 2,
  ESTABLISHED_REPLY: 3,
  RELATED_REPLY: 4,
} as const;
export type CtInfo = (typeof CtInfo)[keyof typeof CtInfo];

/**
 * The packet as a helper sees it: the bytes plus where each layer starts.
 * Views, not copies: a helper must not keep it beyond the call.
 */
export interface HelperPacket {
  readonly data: Uint8Array;
  readonly l3Offset: number;
  readonly l4Offset: number;
  /** Start of the L4 payload (TCP/UDP data) and its length. */
  readonly payloadOffset: number;
  readonly payloadLength: number;
  /** The packet's time in seconds (the kernel clock; capture time in a replay). Expectations count from it. */
  readonly time: number;
}

/**
 * What a helper is given for one packet. `Pkt` and `Conn` are the
 * datapath's packet and connection types; they are parameters here so that
 * the registry does not depend on the datapath.
 */
export type HelpFn<Pkt = HelperPacket, Conn = unknown> = (
  pkt: Pkt,
  protoff: number,
  ct: Conn,
  ctinfo: CtInfo,
) => Verdict;

export interface HelperSpec<Pkt = HelperPacket, Conn = unknown> {
  /** e.g. "ftp", or "ftp-2121" for a non-default port. */
  name: string;
  l3: L3Family;
  l4: L4Name;
  /** Server port for legacy automatic assignment (0 = none). */
  port: number;
  expectPolicy: ExpectPolicy[];
  help: HelpFn<Pkt, Conn>;
  /** Called when a connection using this helper is destroyed. */
  destroy?: (ct: Conn) => void;
  /** Module whose NAT side this helper needs: "ip_nat_" + base name. */
  natModName?: string;
  /** Bytes of per-connection private data the helper keeps (for accounting). */
  dataLen?: number;
}

/** The NAT half of a helper (nf_nat_ftp, nf_nat_pptp …). */
export interface NatHelperSpec {
  /** Module name it is requested by, e.g. "ip_nat_ftp". */
  modName: string;
}
