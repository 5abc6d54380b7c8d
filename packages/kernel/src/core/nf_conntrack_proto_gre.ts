/**
 * GRE connection tracking: the protocol's timeouts as sysctls. The keymap
 * that maps enhanced-GRE call IDs to tuples belongs here too and arrives
 * with the PPTP work.
 */
import { defineModule } from "../module/definition.js";

export default defineModule({
  init(ctx) {
    // Linux: 30 s unreplied, 180 s once both directions have been seen.
    const onChange = () => ctx.kernel.conntrack.loadTimeouts();
    ctx.registerSysctl("net.netfilter.nf_conntrack_gre_timeout", { value: 30, min: 0, onChange });
    ctx.registerSysctl("net.netfilter.nf_conntrack_gre_timeout_stream", {
      value: 180,
      min: 0,
      onChange,
    });
  },
});
