/**
 * nf_nat: turns on network address translation for the kernel instance.
 * NAT helpers (nf_nat_ftp, nf_nat_pptp) depend on it.
 */
import { defineModule } from "../module/definition.js";

export default defineModule({
  init(ctx) {
    ctx.kernel.natConfig.enabled = true;
    ctx.onCleanup(() => {
      ctx.kernel.natConfig.enabled = false;
    });
  },
});
