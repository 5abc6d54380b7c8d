/**
 * The NAT hooks (nf_nat_ipv4_ops): DST manips at PREROUTING and OUTPUT
 * (priority -100), SRC manips at POSTROUTING and INPUT (100). A new or
 * related connection without the hook's manip set up gets it from the nat
 * table's first matching NAT rule, else a null binding; then the packet is
 * rewritten as its connection says (nf_nat_ipv4_fn / nf_nat_inet_fn).
 * Registered once the nat table of the family is in use.
 */

import { Tuple } from "../conntrack/tuple.js";
import { CtInfo } from "../helper/types.js";
import type { Kernel } from "../kernel.js";
import { type Family, Hook, NfVerdict, Priority } from "../net/hooks.js";
import type { Skb } from "../net/skb.js";
import { NatCore } from "./core.js";
import { icmpReplyTranslation4 } from "./icmp.js";
import { Manip } from "./range.js";
import { runNatTarget } from "./targets.js";

export class Nat {
  readonly core: NatCore;
  private readonly registered = [false, false];
  private readonly other = new Tuple();

  constructor(private readonly kernel: Kernel) {
    this.core = new NatCore(kernel.conntrack);
  }

  /** The nat table of `family` got a rule: NAT hooks go in (once). */
  enable(family: Family): void {
    const i = family === 4 ? 0 : 1;
    if (this.registered[i] || family === 6) return; // NAT66 is not implemented yet.
    this.registered[i] = true;
    // As iptable_nat depends on nf_nat: the first nat rule loads nf_nat on
    // demand and holds a reference on it; the hooks exist once it is there.
    const mods = this.kernel.modules;
    const load = mods.isLoaded("nf_nat") ? Promise.resolve(true) : mods.requestModule("nf_nat");
    this.kernel.defer(
      load.then(() => {
        const m = mods.find("nf_nat");
        if (!m || !this.kernel.natConfig.enabled || !mods.tryGet(m)) {
          this.registered[i] = false;
          this.kernel.log.write("err", "nf_nat: cannot load nf_nat, the nat table stays inactive");
          return;
        }
        this.registerHooks(family);
      }),
    );
  }

  private registerHooks(family: Family): void {
    this.core.watchDestroys();
    const h = this.kernel.hooks;
    const fn = (skb: Skb, hook: Hook) => this.fn4(skb, hook);
    h.register(family, Hook.PREROUTING, Priority.NAT_DST, "nf_nat_ipv4_pre_routing", fn);
    h.register(family, Hook.POSTROUTING, Priority.NAT_SRC, "nf_nat_ipv4_out", fn);
    h.register(family, Hook.OUTPUT, Priority.NAT_DST, "nf_nat_ipv4_local_fn", fn);
    h.register(family, Hook.INPUT, Priority.NAT_SRC, "nf_nat_ipv4_local_in", fn);
  }

  /** nf_nat_ipv4_fn. */
  private fn4(skb: Skb, hook: Hook): NfVerdict {
    const slot = skb.ct;
    if (slot < 0) return NfVerdict.ACCEPT;
    const ctinfo = skb.ctinfo;
    const manip: Manip = hook === Hook.POSTROUTING || hook === Hook.INPUT ? Manip.SRC : Manip.DST;
    const table = this.kernel.conntrack.table;
    if (
      (ctinfo === CtInfo.RELATED || ctinfo === CtInfo.RELATED_REPLY) &&
      skb.dec.ipv4.protocol === 1
    ) {
      const dir = ctinfo === CtInfo.RELATED_REPLY ? 1 : 0;
      table.getTuple(slot, (dir ^ 1) as 0 | 1, this.other);
      const ok = icmpReplyTranslation4(
        skb.data,
        skb.l3Offset,
        skb.l3Length,
        table.status[slot] as number,
        dir,
        this.other,
        manip,
      );
      if (!ok) return NfVerdict.DROP;
      skb.refresh();
      return NfVerdict.ACCEPT;
    }
    if (
      (ctinfo === CtInfo.NEW || ctinfo === CtInfo.RELATED || ctinfo === CtInfo.RELATED_REPLY) &&
      !this.core.initialized(slot, manip)
    ) {
      const target = this.kernel.xtables.natLookup(4, hook, skb);
      if (target !== null) {
        const v = runNatTarget(this.kernel, this.core, target, skb, hook, manip);
        if (v !== NfVerdict.ACCEPT) return v as NfVerdict;
      }
      if (!this.core.initialized(slot, manip)) {
        const v = this.core.nullBinding(slot, manip, skb.time);
        if (v !== NfVerdict.ACCEPT) return v as NfVerdict;
      }
    }
    this.core.packet(skb, manip);
    return NfVerdict.ACCEPT;
  }
}
