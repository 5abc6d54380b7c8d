/**
 * NAT for a call's GRE: pptp_exp_gre rewrites the two expectations the
 * helper built, pptp_nat_expected sets up the GRE connection that matched
 * one of them.
 *
 * The helper's call IDs are the wire's after NAT; the NAT data holds the
 * PNS's own. So the PNS → PAC expectation wants the PNS's own ID as source
 * key and remembers the translated one (the key the connection is mapped
 * to on its way out); the PAC → public-address expectation wants the
 * translated ID as destination key and remembers the PNS's own (the key
 * written back into the PAC's GRE on its way in).
 *
 * The GRE connection gets both manips at once, so NAT rules are never
 * consulted for it: its source becomes the address the control connection
 * sends to in that direction (PNS → PAC: the public address, and the
 * translated key), its destination the peer (PAC → PNS: the PNS, and its own key).
 */
import {
  ConnHandle,
  type Conntrack,
  type Expectation,
  Manip,
  NatRange,
  NatRangeFlag,
  type NfNatSetupInfo,
  Tuple,
} from "@ctkit/kernel";
import { IPPROTO_GRE, pptpMaster } from "@ctkit/plugin-pptp";
import type { MultiCall } from "./multi-call.js";
import { natPptpInfo } from "./nat-info.js";

export interface ExpectDeps {
  conntrack: Conntrack;
  setupInfo: NfNatSetupInfo;
  multi: MultiCall;
}

export class GreNat {
  private readonly master: ConnHandle;
  private readonly peer = new Tuple();
  private readonly other = new Tuple();
  private readonly range = new NatRange();

  constructor(private readonly deps: ExpectDeps) {
    this.master = new ConnHandle(deps.conntrack);
  }

  /** pptp_exp_gre. */
  expGre(ct: ConnHandle, expOrig: Expectation, expReply: Expectation): void {
    const m = pptpMaster(ct);
    const nat = natPptpInfo(ct);
    nat.pacCallId = m.pacCallId;
    expOrig.savedPort = m.pnsCallId;
    expOrig.tuple.sport = nat.pnsCallId;
    expOrig.tuple.dport = m.pacCallId;
    expOrig.dir = 0;
    expReply.savedPort = nat.pnsCallId;
    expReply.tuple.sport = nat.pacCallId;
    expReply.tuple.dport = m.pnsCallId;
    expReply.dir = 1;
    if (nat.calls !== null) this.deps.multi.answered(ct, nat.calls, m.pnsCallId, m.pacCallId);
  }

  /** pptp_nat_expected, on the new GRE connection `slot`. */
  expected(slot: number, exp: Expectation, now: number): void {
    const { conntrack, setupInfo } = this.deps;
    const master = this.master;
    master.slot = exp.master;
    const m = pptpMaster(master);
    const nat = natPptpInfo(master);
    const d = exp.dir;
    // The master's tuple of the other direction: where this GRE's packets
    // go to, and whom they come from.
    master.tuple((d ^ 1) as 0 | 1, this.peer);
    const call = nat.calls?.byPac(d === 0 ? exp.tuple.dport : exp.tuple.sport);

    // One connection carries both directions: the other expectation goes.
    const o = this.other;
    o.copyFrom(this.peer);
    o.proto = IPPROTO_GRE;
    if (call !== undefined) {
      o.sport = d === 0 ? call.pac : call.pns;
      o.dport = d === 0 ? call.natPns : call.pac;
    } else if (d === 0) {
      o.sport = m.pacCallId;
      o.dport = m.pnsCallId;
    } else {
      // Linux reads these IDs from the NAT area of the *new* GRE connection,
      // which was just zeroed: keys 0/0 find nothing, and the PNS → PAC
      // expectation stays until it expires or the control connection ends.
      o.sport = 0;
      o.dport = 0;
    }
    const other = conntrack.findExpectationFor(o, now);
    if (other !== null) conntrack.unexpect(other);

    const r = this.range;
    r.clear();
    r.flags = NatRangeFlag.MAP_IPS;
    r.minAddr.set(this.peer.dst);
    r.maxAddr.set(this.peer.dst);
    if (d === 0) {
      r.flags |= NatRangeFlag.PROTO_SPECIFIED;
      r.minProto = r.maxProto = exp.savedPort;
    }
    setupInfo(slot, r, Manip.SRC, now);
    r.clear();
    r.flags = NatRangeFlag.MAP_IPS;
    r.minAddr.set(this.peer.src);
    r.maxAddr.set(this.peer.src);
    if (d === 1) {
      r.flags |= NatRangeFlag.PROTO_SPECIFIED;
      r.minProto = r.maxProto = exp.savedPort;
    }
    setupInfo(slot, r, Manip.DST, now);

    if (call !== undefined && nat.calls !== null) this.deps.multi.moveKeymap(master, call, slot);
  }
}
