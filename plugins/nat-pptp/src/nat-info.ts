/**
 * nf_nat_pptp's own per-connection data (struct nf_nat_pptp, which Linux
 * keeps in the conntrack's NAT extension): the call IDs as the PNS and the
 * PAC chose them, before NAT. The conntrack helper's nf_ct_pptp_master
 * holds the IDs as they are on the wire after NAT.
 *
 * `calls` is ctkit's addition for multi_call: the table of the connection's
 * calls when multi_call was on at its first call, null otherwise (Linux's
 * one call per control connection). A connection keeps its mode, so
 * changing the parameter affects new control connections only.
 */
import type { ConnHandle } from "@ctkit/kernel";
import type { CallTable } from "./calls.js";

export const NAT_PPTP_DATA_KEY = "nat_pptp";

export interface NatPptpInfo {
  /** The PNS's own call ID of its last Outgoing-Call-Request (0 until one was NATed). */
  pnsCallId: number;
  /** The PAC's call ID of the last call that came up. */
  pacCallId: number;
  calls: CallTable | null;
  /** Whether multi_call was looked at (at the connection's first NATed call). */
  modeChosen: boolean;
}

/** The connection's NAT data, zeroed on first use as the NAT extension is. */
export function natPptpInfo(ct: ConnHandle): NatPptpInfo {
  const data = ct.data;
  let n = data[NAT_PPTP_DATA_KEY] as NatPptpInfo | undefined;
  if (n === undefined) {
    n = { pnsCallId: 0, pacCallId: 0, calls: null, modeChosen: false };
    data[NAT_PPTP_DATA_KEY] = n;
  }
  return n;
}
