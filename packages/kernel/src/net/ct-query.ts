/**
 * What rule matches ask of conntrack about a packet: its ctstate bits (as
 * xt_conntrack computes them) and the name of the helper of its connection.
 * Conntrack implements this; the rule engine only depends on the interface.
 */
import type { Skb } from "./skb.js";

/** xt_conntrack state bits: XT_CONNTRACK_STATE_BIT(ctinfo) and friends. */
export const CtStateBit = {
  INVALID: 1 << 0,
  ESTABLISHED: 1 << 1,
  RELATED: 1 << 2,
  NEW: 1 << 3,
  UNTRACKED: 1 << 6,
  SNAT: 1 << 8,
  DNAT: 1 << 9,
} as const;

export interface ConntrackQuery {
  /** OR of CtStateBit for the packet (INVALID when it has no connection and is not untracked). */
  stateBits(skb: Skb): number;
  /** Helper name of the packet's connection (for -m helper), null when none. */
  helperName(skb: Skb): string | null;
  /**
   * A rule that needs conntrack was added (or removed): Linux only tracks
   * in a namespace once something asks for it (nf_ct_netns_get/put).
   */
  netnsGet(family: 4 | 6): void;
  netnsPut(family: 4 | 6): void;
}
