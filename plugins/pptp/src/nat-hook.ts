/**
 * The slot through which nf_nat_pptp takes part in the PPTP helper's work:
 * Linux's `const struct nf_nat_pptp_hook __rcu *nf_nat_pptp_hook`,
 * EXPORT_SYMBOL_GPL'd by nf_conntrack_pptp. nf_conntrack_pptp exports one
 * NfNatPptpHookSlot under NF_NAT_PPTP_HOOK; nf_nat_pptp (which depends on
 * nf_conntrack_pptp, so the slot's owner cannot go first) installs its
 * struct with `set` in its init and removes it with `clear` on cleanup.
 *
 * The helper uses the struct only for a connection NAT changed
 * (ct->status & IPS_NAT_MASK; for expectfn: the master's status), as Linux.
 */
import {
  type ConnHandle,
  type CtInfo,
  type Expectation,
  KernelError,
  type Verdict,
} from "@ctkit/kernel";
import type { PptpPacket } from "./packet.js";

/** The symbol name, as in Linux. */
export const NF_NAT_PPTP_HOOK = "nf_nat_pptp_hook";

/**
 * outbound (PNS → PAC, ORIGINAL) / inbound (PAC → PNS, REPLY): called
 * after the helper accepted a message of `type` and updated its state, to
 * rewrite call IDs in it. The message starts the TCP payload
 * (pkt.payloadOffset); its fields are at the offsets of wire.ts.
 * Returns the packet's verdict (DROP when the rewrite failed).
 */
export type NfNatPptpMsgFn = (
  pkt: PptpPacket,
  ct: ConnHandle,
  ctinfo: CtInfo,
  protoff: number,
  type: number,
) => Verdict;

export interface NfNatPptpHook {
  outbound: NfNatPptpMsgFn;
  inbound: NfNatPptpMsgFn;
  /**
   * exp_gre: rewrites the two GRE expectations the helper built for a call
   * (keys, saved key, direction) before they are registered; `ct` is
   * their master.
   */
  expGre(ct: ConnHandle, expOrig: Expectation, expReply: Expectation): void;
  /** expectfn: sets up NAT for a new GRE connection (slot) that matched `exp`. */
  expectfn(slot: number, exp: Expectation, now: number): void;
  /**
   * Beyond Linux (nf_nat_pptp multi_call=1): true when the NAT side tracks
   * this control connection's calls one by one. A Call-Disconnect-Notify
   * then ends only the call it names, which the NAT side's `inbound` does
   * (it alone knows which call that is); the helper skips Linux's
   * teardown of the connection's single call.
   */
  tracksCalls(ct: ConnHandle): boolean;
  /**
   * Beyond Linux: the control connection is going away; end the calls the
   * NAT side tracks (Linux's teardown has just ended the current one).
   */
  destroy(ct: ConnHandle, now: number): void;
}

export class NfNatPptpHookSlot {
  private hook: NfNatPptpHook | null = null;

  /** The installed struct, or null. */
  get current(): NfNatPptpHook | null {
    return this.hook;
  }

  /** Installs `hook`; a second NAT module cannot take the slot over. */
  set(hook: NfNatPptpHook): void {
    if (this.hook !== null && this.hook !== hook)
      throw new KernelError("EBUSY", `${NF_NAT_PPTP_HOOK} is already set by another module`);
    this.hook = hook;
  }

  /** Removes `hook` if it is the one installed. */
  clear(hook: NfNatPptpHook): void {
    if (this.hook === hook) this.hook = null;
  }
}
