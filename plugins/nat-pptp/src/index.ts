/**
 * nf_nat_pptp as a ctkit module: the NAT half of the PPTP helper. It
 * installs its rewrites in nf_conntrack_pptp's hook (so it depends on, and
 * holds a reference on, nf_conntrack_pptp) and uses nf_nat's mangle call
 * and nf_nat_setup_info (a reference on nf_nat). Registered as the NAT
 * helper "ip_nat_pptp", the name the kernel requests it by when a PPTP
 * control connection gets translated.
 *
 * Parameter multi_call (bool, default off, writable): beyond Linux,
 * several concurrent calls on one control connection, each with its own
 * translated call ID (calls.ts).
 */
import { defineModule } from "@ctkit/helper-kit";
import { NAT_HELPER_SYMBOLS, type NfNatMangle, type NfNatSetupInfo } from "@ctkit/kernel";
import {
  NF_CT_PPTP_CALL_OPS,
  NF_NAT_PPTP_HOOK,
  type NfNatPptpHook,
  type NfNatPptpHookSlot,
  type PptpCallOps,
} from "@ctkit/plugin-pptp";
import { CallIdRegistry } from "./calls.js";
import { GreNat } from "./expect.js";
import { MultiCall } from "./multi-call.js";
import { NAT_PPTP_DATA_KEY, type NatPptpInfo } from "./nat-info.js";
import { createRewriters } from "./rewrite.js";

export { CallIdRegistry, CallTable, type PptpCall } from "./calls.js";
export { GreNat } from "./expect.js";
export { MultiCall } from "./multi-call.js";
export { NAT_PPTP_DATA_KEY, type NatPptpInfo, natPptpInfo } from "./nat-info.js";
export { createRewriters } from "./rewrite.js";

type Params = {
  /** Give every call of a control connection its own translated call ID. */
  multi_call: boolean;
};

/** The symbol under which the module exposes its call-ID registry (for tests and inspection). */
export const NAT_PPTP_CALL_IDS = "nf_nat_pptp_call_ids";

export default defineModule<Params>({
  init(ctx) {
    const slot = ctx.symbol<NfNatPptpHookSlot>(NF_NAT_PPTP_HOOK);
    const ops = ctx.symbol<PptpCallOps>(NF_CT_PPTP_CALL_OPS);
    const conntrack = ctx.kernel.conntrack;
    const registry = new CallIdRegistry();
    ctx.exportSymbol(NAT_PPTP_CALL_IDS, registry);
    const multi = new MultiCall({ conntrack, ops, registry });
    const gre = new GreNat({
      conntrack,
      setupInfo: ctx.symbol<NfNatSetupInfo>(NAT_HELPER_SYMBOLS.setupInfo),
      multi,
    });
    const { outbound, inbound } = createRewriters({
      mangle: ctx.symbol<NfNatMangle>(NAT_HELPER_SYMBOLS.mangleTcp),
      multi,
      ops,
      multiCall: () => ctx.params.multi_call,
    });
    const info = (ct: { data: Record<string, unknown> }) =>
      ct.data[NAT_PPTP_DATA_KEY] as NatPptpInfo | undefined;
    const hook: NfNatPptpHook = {
      outbound,
      inbound,
      expGre: (ct, expOrig, expReply) => gre.expGre(ct, expOrig, expReply),
      expectfn: (child, exp, now) => gre.expected(child, exp, now),
      tracksCalls: (ct) => (info(ct)?.calls ?? null) !== null,
      destroy(ct, now) {
        const calls = info(ct)?.calls;
        if (calls) multi.endAll(ct, calls, now);
      },
    };
    ctx.registerNatHelper({ modName: "ip_nat_pptp" });
    slot.set(hook);
    ctx.onCleanup(() => {
      slot.clear(hook);
      registry.clear();
    });
  },
});
