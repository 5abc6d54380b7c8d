/**
 * The nf_nat_pptp_hook slot: exported by nf_conntrack_pptp, used only for
 * connections NAT changed, at the points Linux uses its struct — outbound
 * and inbound after a valid message (the packet's verdict is theirs),
 * exp_gre before the expectations are registered, expectfn on the new GRE
 * connection. A recorder stands in for nf_nat_pptp.
 */
import type { ConnHandle, Expectation } from "@ctkit/kernel";
import { describe, expect, it } from "vitest";
import { NF_NAT_PPTP_HOOK, type NfNatPptpHook, NfNatPptpHookSlot } from "../dist/index.js";
import { msg, T } from "./messages.js";
import { Control, outgoingCall, Rig, startSession } from "./rig.js";

function keys(e: Expectation): string {
  return `${e.tuple.sport.toString(16)}/${e.tuple.dport.toString(16)}`;
}

/** A rig (MASQUERADE or not, without nf_nat_pptp) whose slot holds a recorder. */
async function recorded(masquerade: boolean, verdict: 0 | 1 = 1) {
  // nf_nat_pptp cannot be found, so nothing but the recorder fills the slot.
  const r = await Rig.create({ masquerade, natParams: null, natModule: false });
  const slot = r.k.modules
    .find("nf_conntrack_pptp")
    ?.symbols.get(NF_NAT_PPTP_HOOK) as NfNatPptpHookSlot;
  const log: string[] = [];
  const hook: NfNatPptpHook = {
    outbound: (_p, ct, ctinfo, protoff, type) => {
      log.push(`out ${type} ctinfo=${ctinfo} protoff=${protoff} natted=${ct.isNatted}`);
      return verdict;
    },
    inbound: (_p, _ct, ctinfo, _protoff, type) => {
      log.push(`in ${type} ctinfo=${ctinfo}`);
      return verdict;
    },
    expGre: (_ct: ConnHandle, o: Expectation, rep: Expectation) => {
      log.push(`expGre ${keys(o)} ${keys(rep)} registered=${r.k.conntrack.expectations.length}`);
    },
    expectfn: (_slot, exp) => log.push(`expectfn dir=${exp.dir} ${keys(exp)}`),
    tracksCalls: () => false,
    destroy: () => log.push("destroy"),
  };
  slot.set(hook);
  return { r, log, slot, hook };
}

describe("nf_nat_pptp_hook", () => {
  it("is not called for a connection NAT did not change (destroy aside)", async () => {
    const { r, log } = await recorded(false);
    const c = new Control(r, "10.0.0.2", 40000).handshake();
    startSession(c);
    outgoingCall(c, 1, 0x4a01);
    r.greFromPns("10.0.0.2", 0x4a01);
    expect(log).toEqual([]);
    r.k.conntrack.flush();
    expect(log).toEqual(["destroy"]);
  });

  it("gets every valid message of a NATed connection, and the GRE set-up, in Linux's order", async () => {
    const { r, log } = await recorded(true);
    const c = new Control(r, "10.0.0.2", 40000).handshake();
    startSession(c);
    c.pns(msg(T.OUT_REQ, { callId: 1 }));
    c.pac(msg(T.OUT_REP, { callId: 0x4a01, peerCallId: 1, result: 1 }));
    c.pac(msg(T.OUT_REP, { callId: 0x4a01, peerCallId: 7, result: 1 })); // invalid: not passed on
    c.pns(msg(T.STOP_REP)); // invalid in this direction
    r.greFromPns("10.0.0.2", 0x4a01);
    expect(log).toEqual([
      "out 1 ctinfo=0 protoff=20 natted=true",
      "in 2 ctinfo=3",
      "out 7 ctinfo=0 protoff=20 natted=true",
      // Before registration: the NAT side may still change the keys.
      "expGre 1/4a01 4a01/1 registered=0",
      "in 8 ctinfo=3",
      "expectfn dir=0 1/4a01",
    ]);
  });

  it("its verdict is the packet's", async () => {
    const { r } = await recorded(true, 0);
    const c = new Control(r, "10.0.0.2", 40000).handshake();
    expect(c.pns(msg(T.START_REQ))).toBeNull();
    // A segment that is no valid message never reaches it, so passes.
    expect(c.pns(msg(T.START_REP))).not.toBeNull();
  });

  it("cannot be taken by a second struct, and clear only removes its own", () => {
    const slot = new NfNatPptpHookSlot();
    const a = {} as NfNatPptpHook;
    const b = {} as NfNatPptpHook;
    slot.set(a);
    slot.set(a);
    expect(() => slot.set(b)).toThrow("nf_nat_pptp_hook is already set by another module");
    slot.clear(b);
    expect(slot.current).toBe(a);
    slot.clear(a);
    expect(slot.current).toBeNull();
  });
});
