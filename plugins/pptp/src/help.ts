/**
 * help() and destroy() of nf_conntrack_pptp (conntrack_pptp_help,
 * pptp_destroy_siblings).
 *
 * help runs on every packet of a control connection, after NAT. Once the
 * TCP handshake is done it looks at the control message that starts the
 * segment — one per segment, no reassembly, as Linux — and feeds it to the
 * outbound (PNS → PAC) or inbound (PAC → PNS) state machine. A valid
 * message on a NATed connection is then handed to nf_nat_pptp to rewrite
 * call IDs; its verdict is the packet's. Everything else is accepted
 * untouched: Linux's helper never drops on its own and logs only with
 * pr_debug, so nothing is logged here.
 */
import { CtInfo, type HelpFn, NF_ACCEPT, type Verdict } from "@ctkit/helper-kit";
import type { ConnHandle } from "@ctkit/kernel";
import type { GreExpecter } from "./exp-gre.js";
import type { NfNatPptpHookSlot } from "./nat-hook.js";
import type { PptpPacket } from "./packet.js";
import type { SiblingReaper } from "./siblings.js";
import { type PptpMaster, pptpMaster } from "./state.js";
import { type CallEvents, inboundMessage, outboundMessage } from "./state-machine.js";
import { controlMessageType } from "./wire.js";

export interface PptpHelpDeps {
  gre: GreExpecter;
  siblings: SiblingReaper;
  natHook: NfNatPptpHookSlot;
  /** The kernel's clock, for a destroy that comes without a packet. */
  now: () => number;
}

export interface PptpHelper {
  help: HelpFn<PptpPacket, ConnHandle>;
  destroy: (ct: ConnHandle) => void;
}

export function createPptpHelper(deps: PptpHelpDeps): PptpHelper {
  const { gre, siblings, natHook } = deps;

  // The connection and packet time of the inbound message being handled,
  // so the state machine's events need no closure per packet.
  let cur: ConnHandle | null = null;
  let curMaster: PptpMaster | null = null;
  let curTime = 0;
  const events: CallEvents = {
    callUp(callId, peerCallId) {
      gre.expectGre(cur as ConnHandle, callId, peerCallId, curTime);
    },
    callDown() {
      const ct = cur as ConnHandle;
      // With several calls tracked by the NAT side, its inbound ends the
      // call the message names; Linux's teardown knows only the last one.
      const nat = natHook.current;
      if (nat !== null && ct.isNatted && nat.tracksCalls(ct)) return;
      siblings.destroy(ct, curMaster as PptpMaster, curTime);
    },
  };

  function help(pkt: PptpPacket, protoff: number, ct: ConnHandle, ctinfo: CtInfo): Verdict {
    // Nothing to track before the TCP handshake is complete.
    if (ctinfo !== CtInfo.ESTABLISHED && ctinfo !== CtInfo.ESTABLISHED_REPLY) return NF_ACCEPT;
    const d = pkt.data;
    const p = pkt.payloadOffset;
    const type = controlMessageType(d, p, pkt.payloadLength);
    if (type < 0) return NF_ACCEPT;
    const m = pptpMaster(ct);
    let valid: boolean;
    if (ctinfo === CtInfo.ESTABLISHED) valid = outboundMessage(m, d, p, type);
    else {
      cur = ct;
      curMaster = m;
      curTime = pkt.time;
      try {
        valid = inboundMessage(m, d, p, type, events);
      } finally {
        cur = null;
        curMaster = null;
      }
    }
    if (!valid) return NF_ACCEPT;
    const nat = natHook.current;
    if (nat === null || !ct.isNatted) return NF_ACCEPT;
    return ctinfo === CtInfo.ESTABLISHED
      ? nat.outbound(pkt, ct, ctinfo, protoff, type)
      : nat.inbound(pkt, ct, ctinfo, protoff, type);
  }

  function destroy(ct: ConnHandle): void {
    const now = deps.now();
    siblings.destroy(ct, pptpMaster(ct), now);
    // Calls beyond the current one exist only when nf_nat_pptp tracks them.
    natHook.current?.destroy(ct, now);
  }

  return { help, destroy };
}
