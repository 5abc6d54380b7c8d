/**
 * Ending a call's GRE (pptp_destroy_siblings, destroy_sibling_or_exp):
 * run when the PAC reports the call disconnected and, as the helper's
 * destroy, when the control connection itself goes away.
 *
 * The GRE connection is looked up by tuples built from the control
 * connection's addresses and the call IDs it knows: PNS → PAC with
 * (pns, pac) keys, PAC → PNS with (pac, pns). A connection found is killed
 * (Linux zeroes its GRE timeouts first, which only matters to its timer);
 * otherwise an expectation still waiting for it is withdrawn.
 *
 * Through NAT the PNS call ID known here is the translated one, so the
 * PNS → PAC tuple names no real GRE flow: only the PAC → PNS lookup finds
 * the connection, and a PNS → PAC expectation that was never used stays
 * until it expires or the control connection ends — as in Linux.
 */
import type { ConnHandle, Conntrack, NfCtGreKeymapDestroy } from "@ctkit/kernel";
import { Tuple } from "@ctkit/kernel";
import type { PptpMaster } from "./state.js";

export const IPPROTO_GRE = 47;

/** destroy_sibling_or_exp: true when a connection or an expectation went. */
export function destroySiblingOrExp(conntrack: Conntrack, t: Tuple, now: number): boolean {
  const slot = conntrack.findConn(t, now);
  if (slot >= 0) {
    conntrack.kill(slot);
    return true;
  }
  const exp = conntrack.findExpectationFor(t, now);
  if (exp !== null) {
    conntrack.unexpect(exp);
    return true;
  }
  return false;
}

export class SiblingReaper {
  private readonly t = new Tuple();

  constructor(
    private readonly conntrack: Conntrack,
    private readonly keymapDestroy: NfCtGreKeymapDestroy,
  ) {}

  /** pptp_destroy_siblings for the call `m` describes, on master `ct`. */
  destroy(ct: ConnHandle, m: PptpMaster, now: number): void {
    this.keymapDestroy(ct);
    const t = this.t;
    ct.tuple(0, t);
    t.proto = IPPROTO_GRE;
    t.sport = m.pnsCallId;
    t.dport = m.pacCallId;
    destroySiblingOrExp(this.conntrack, t, now);
    ct.tuple(1, t);
    t.proto = IPPROTO_GRE;
    t.sport = m.pacCallId;
    t.dport = m.pnsCallId;
    destroySiblingOrExp(this.conntrack, t, now);
  }
}
