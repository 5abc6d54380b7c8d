/**
 * GRE connection tracking: the protocol's timeouts as sysctls, and the
 * keymap calls the PPTP helper uses to give enhanced-GRE packets their
 * source key (exported under the kernel's symbol names).
 */
import type { NfCtGreKeymapAdd, NfCtGreKeymapDestroy } from "../conntrack/gre-keymap.js";
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
    const keymap = ctx.kernel.conntrack.greKeymap;
    const add: NfCtGreKeymapAdd = (ct, dir, t) => keymap.add(ct.slot, ct.id, dir, t);
    const destroy: NfCtGreKeymapDestroy = (ct) => keymap.destroy(ct.slot, ct.id);
    ctx.exportSymbol("nf_ct_gre_keymap_add", add);
    ctx.exportSymbol("nf_ct_gre_keymap_destroy", destroy);
    ctx.onCleanup(() => keymap.flush());
  },
});
