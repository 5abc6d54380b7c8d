/**
 * nf_nat: turns on network address translation for the kernel instance
 * and exports the calls NAT helpers (nf_nat_ftp, nf_nat_pptp) build on.
 */
import { defineModule } from "../module/definition.js";
import { natHelperSymbols } from "../nat/helper-api.js";

export default defineModule({
  init(ctx) {
    ctx.kernel.natConfig.enabled = true;
    for (const [name, fn] of Object.entries(natHelperSymbols(ctx.kernel)))
      ctx.exportSymbol(name, fn);
    ctx.onCleanup(() => {
      ctx.kernel.natConfig.enabled = false;
    });
  },
});
