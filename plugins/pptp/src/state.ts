/**
 * Per control connection state (struct nf_ct_pptp_master): where the
 * session and the call stand, and the two call IDs of the current call.
 * Linux keeps one pair, so it follows one call per control connection.
 *
 * The call IDs are the ones seen on the wire at the point the helper runs,
 * i.e. after NAT: nf_nat_pptp overwrites pnsCallId with the ID it puts on
 * the wire (the TCP source port) and keeps the PNS's own in its NAT data.
 * The keymap entries Linux also hangs here (keymap[2]) are owned by the
 * kernel's GRE keymap, keyed by this connection.
 */
import type { ConnHandle } from "@ctkit/kernel";

/** enum pptp_ctrlsess_state. */
export const SessionState = {
  NONE: 0,
  ERROR: 1,
  STOPREQ: 2,
  REQUESTED: 3,
  CONFIRMED: 4,
} as const;

/** enum pptp_ctrlcall_state. */
export const CallState = {
  NONE: 0,
  ERROR: 1,
  OUT_REQ: 2,
  OUT_CONF: 3,
  IN_REQ: 4,
  IN_REP: 5,
  IN_CONF: 6,
  CLEAR_REQ: 7,
} as const;

/** sizeof(struct nf_ct_pptp_master) on a 64-bit kernel: two enums, two ids, two pointers. */
export const PPTP_MASTER_SIZE = 28;

/** The key under which the helper's state sits in the connection's helper data. */
export const PPTP_DATA_KEY = "pptp";

export class PptpMaster {
  sstate: number = SessionState.NONE;
  cstate: number = CallState.NONE;
  /** The PAC's call ID (the server's). */
  pacCallId = 0;
  /** The PNS's call ID as the PAC sees it (NATed when nf_nat_pptp rewrote it). */
  pnsCallId = 0;
}

/**
 * The connection's state, zeroed on first use as the helper extension is.
 * nf_nat_pptp reads and writes it through this function, as Linux's NAT
 * half uses nfct_help_data().
 */
export function pptpMaster(ct: ConnHandle): PptpMaster {
  const data = ct.data;
  let m = data[PPTP_DATA_KEY] as PptpMaster | undefined;
  if (m === undefined) {
    m = new PptpMaster();
    data[PPTP_DATA_KEY] = m;
  }
  return m;
}
