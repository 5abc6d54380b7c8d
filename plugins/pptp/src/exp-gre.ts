/**
 * A call came up: expect its GRE (exp_gre) and, when the GRE connection
 * arrives, tidy up (pptp_expectfn).
 *
 * Two expectations, one per direction, all address and key bits exact:
 * PNS → PAC keyed (PNS call ID, PAC call ID) between the control
 * connection's ORIGINAL addresses, and PAC → PNS keyed (PAC, PNS) between
 * its REPLY addresses. nf_nat_pptp rewrites them first on a NATed
 * connection. Then the GRE keymap learns both tuples, so a GRE packet,
 * which carries only the receiver's call ID, gets its source key.
 *
 * Failures are silent (the packet passes): a refused expectation
 * withdraws the first one, a refused keymap entry (this connection already
 * maps another call, Linux's one-call limit) withdraws both expectations
 * and the keymap entries.
 */
import {
  type ConnHandle,
  type Conntrack,
  type Expectation,
  Ips,
  invertTuple,
  type NfCtGreKeymapAdd,
  type NfCtGreKeymapDestroy,
  Tuple,
} from "@ctkit/kernel";
import type { NfNatPptpHookSlot } from "./nat-hook.js";
import { IPPROTO_GRE } from "./siblings.js";

const NAT_MASK = Ips.SRC_NAT | Ips.DST_NAT;

export interface GreExpectDeps {
  conntrack: Conntrack;
  keymapAdd: NfCtGreKeymapAdd;
  keymapDestroy: NfCtGreKeymapDestroy;
  natHook: NfNatPptpHookSlot;
}

export class GreExpecter {
  private readonly orig = new Tuple();
  private readonly reply = new Tuple();
  private readonly inverse = new Tuple();
  /** pptp_expectfn, bound once: every GRE expectation of every call uses it. */
  readonly expectfn: (slot: number, exp: Expectation, now: number) => void;

  constructor(private readonly deps: GreExpectDeps) {
    this.expectfn = (slot, exp, now) => this.expected(slot, exp, now);
  }

  /** exp_gre(ct, callid, peer_callid): 0 on success, 1 when the call's GRE is not expected. */
  expectGre(ct: ConnHandle, callId: number, peerCallId: number, now: number): number {
    const { keymapAdd, keymapDestroy, natHook } = this.deps;
    ct.tuple(0, this.orig);
    ct.tuple(1, this.reply);
    const expOrig = ct.expectation(
      0,
      4,
      this.orig.src,
      this.orig.dst,
      IPPROTO_GRE,
      peerCallId,
      callId,
    );
    expOrig.expectfn = this.expectfn;
    const expReply = ct.expectation(
      0,
      4,
      this.reply.src,
      this.reply.dst,
      IPPROTO_GRE,
      callId,
      peerCallId,
    );
    expReply.expectfn = this.expectfn;

    const nat = natHook.current;
    if (nat !== null && ct.isNatted) nat.expGre(ct, expOrig, expReply);
    if (ct.expectRelated(expOrig, now) !== 0) return 1;
    if (ct.expectRelated(expReply, now) !== 0) {
      ct.unexpectRelated(expOrig);
      return 1;
    }
    if (keymapAdd(ct, 0, expOrig.tuple) !== 0) {
      ct.unexpectRelated(expReply);
      ct.unexpectRelated(expOrig);
      return 1;
    }
    if (keymapAdd(ct, 1, expReply.tuple) !== 0) {
      keymapDestroy(ct);
      ct.unexpectRelated(expReply);
      ct.unexpectRelated(expOrig);
      return 1;
    }
    return 0;
  }

  /**
   * pptp_expectfn, on the new GRE connection `slot`. Linux first raises
   * the connection's GRE timeouts to 10 min / 5 h, but in 6.x the GRE
   * tracker resets them to its sysctl defaults when it sees the
   * connection's first packet, right after: the defaults are what apply,
   * and ctkit's GRE tracker uses them. Then either nf_nat_pptp sets the
   * connection's NAT up, or the other direction's expectation goes, since
   * one connection carries both directions.
   */
  private expected(slot: number, exp: Expectation, now: number): void {
    const { conntrack, natHook } = this.deps;
    const nat = natHook.current;
    if (nat !== null && ((conntrack.table.status[exp.master] as number) & NAT_MASK) !== 0) {
      nat.expectfn(slot, exp, now);
      return;
    }
    // Only right without NAT: the inverse of this direction is the other one.
    invertTuple(exp.tuple, this.inverse);
    const other = conntrack.findExpectationFor(this.inverse, now);
    if (other !== null) conntrack.unexpect(other);
  }
}
