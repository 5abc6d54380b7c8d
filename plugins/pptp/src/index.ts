/**
 * nf_conntrack_pptp as a ctkit module: the PPTP connection tracking helper.
 *
 * Like Linux, one helper "pptp" for IPv4 TCP port 1723 that follows the
 * control connection's session and call, expects the call's GRE (two
 * expectations per call, at most 2 pending per control connection, 300 s
 * each) and fills the GRE keymap, and ends the call's GRE when the call or
 * the control connection goes. A rule attaches it (`iptables -t raw -A
 * PREROUTING -p tcp --dport 1723 -j CT --helper pptp`), which loads this
 * module on demand by its alias nfct-helper-pptp.
 *
 * It exports the slot nf_nat_pptp plugs into (NF_NAT_PPTP_HOOK). The types
 * and wire facts nf_nat_pptp shares are exported from this package.
 */
import { defineModule } from "@ctkit/helper-kit";
import type { ConnHandle, NfCtGreKeymapAdd, NfCtGreKeymapDestroy } from "@ctkit/kernel";
import { GreExpecter } from "./exp-gre.js";
import { createPptpHelper } from "./help.js";
import { NF_CT_PPTP_CALL_OPS, type PptpCallOps } from "./keymap-ops.js";
import { NF_NAT_PPTP_HOOK, NfNatPptpHookSlot } from "./nat-hook.js";
import type { PptpPacket } from "./packet.js";
import { SiblingReaper } from "./siblings.js";
import { PPTP_MASTER_SIZE, pptpMaster } from "./state.js";
import { PPTP_CONTROL_PORT } from "./wire.js";

export { GreExpecter } from "./exp-gre.js";
export { NF_CT_PPTP_CALL_OPS, type PptpCallOps } from "./keymap-ops.js";
export {
  NF_NAT_PPTP_HOOK,
  type NfNatPptpHook,
  NfNatPptpHookSlot,
  type NfNatPptpMsgFn,
} from "./nat-hook.js";
export type { PptpPacket } from "./packet.js";
export { destroySiblingOrExp, IPPROTO_GRE, SiblingReaper } from "./siblings.js";
export {
  CallState,
  PPTP_DATA_KEY,
  PPTP_MASTER_SIZE,
  PptpMaster,
  pptpMaster,
  SessionState,
} from "./state.js";
export { type CallEvents, inboundMessage, outboundMessage } from "./state-machine.js";
export {
  controlMessageType,
  Field,
  HEADER_LEN,
  PPTP_CONTROL_PORT,
  PPTP_MSG_MAX,
  PptpMsg,
  RESULT_OK,
} from "./wire.js";

export default defineModule({
  init(ctx) {
    const natHook = new NfNatPptpHookSlot();
    ctx.exportSymbol(NF_NAT_PPTP_HOOK, natHook);
    const conntrack = ctx.kernel.conntrack;
    const keymapAdd = ctx.symbol<NfCtGreKeymapAdd>("nf_ct_gre_keymap_add");
    const keymapDestroy = ctx.symbol<NfCtGreKeymapDestroy>("nf_ct_gre_keymap_destroy");
    const gre = new GreExpecter({ conntrack, keymapAdd, keymapDestroy, natHook });
    const siblings = new SiblingReaper(conntrack, keymapDestroy);
    const callOps: PptpCallOps = {
      keymapAdd,
      keymapDestroy,
      destroySiblings: (ct, now) => siblings.destroy(ct, pptpMaster(ct), now),
    };
    ctx.exportSymbol(NF_CT_PPTP_CALL_OPS, callOps);
    const { help, destroy } = createPptpHelper({
      gre,
      siblings,
      natHook,
      now: () => ctx.kernel.now(),
    });
    ctx.registerHelper<PptpPacket, ConnHandle>({
      name: "pptp",
      l3: "ipv4",
      l4: "tcp",
      port: PPTP_CONTROL_PORT,
      // pptp_exp_policy names no class: the name stays empty.
      expectPolicy: [{ name: "", maxExpected: 2, timeout: 300 }],
      help,
      destroy,
      natModName: "ip_nat_pptp",
      dataLen: PPTP_MASTER_SIZE,
    });
  },
});
