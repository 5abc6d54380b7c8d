/**
 * nf_nat_ftp as a ctkit module: the NAT half of the FTP helper. It plugs
 * its rewrite into nf_conntrack_ftp's hook (so it depends on, and holds a
 * reference on, nf_conntrack_ftp) and builds on nf_nat's mangle API and
 * expectation helpers (a reference on nf_nat). Registered as the NAT
 * helper "ip_nat_ftp", the name the kernel requests it by when an FTP
 * control connection gets translated.
 */
import {
  defineModule,
  NAT_HELPER_SYMBOLS,
  type NfNatExpFindPort,
  type NfNatFollowMaster,
  type NfNatMangle,
} from "@ctkit/helper-kit";
import { NF_NAT_FTP_HOOK, type NfNatFtpHook } from "@ctkit/plugin-ftp";
import { createNatFtp } from "./nat-ftp.js";

export { formatAnnouncement, MAX_FORMATTED } from "./format.js";
export { createNatFtp, type NatFtpDeps } from "./nat-ftp.js";

export default defineModule({
  init(ctx) {
    const hook = ctx.symbol<NfNatFtpHook>(NF_NAT_FTP_HOOK);
    const fn = createNatFtp({
      mangleTcp: ctx.symbol<NfNatMangle>(NAT_HELPER_SYMBOLS.mangleTcp),
      followMaster: ctx.symbol<NfNatFollowMaster>(NAT_HELPER_SYMBOLS.followMaster),
      expFindPort: ctx.symbol<NfNatExpFindPort>(NAT_HELPER_SYMBOLS.expFindPort),
      helperLog: (ct, msg) =>
        ctx.kernel.log.write("notice", `nf_ct_${ct.helperName}: dropping packet: ${msg} `),
    });
    ctx.registerNatHelper({ modName: "ip_nat_ftp" });
    hook.set(fn);
    ctx.onCleanup(() => hook.clear(fn));
  },
});
