/**
 * The NAT hooks (nf_nat_ipv4_ops, nf_nat_ipv6_ops): DST manips at
 * PREROUTING and OUTPUT (priority -100), SRC manips at POSTROUTING and
 * INPUT (100). An ICMP/ICMPv6 error related to a connection is translated
 * as a whole (quoted packet included); a new or related connection without
 * the hook's manip set up gets it from the nat table's first matching NAT
 * rule, else a null binding; then the packet is rewritten as its
 * connection says (nf_nat_ipv4_fn / nf_nat_ipv6_fn / nf_nat_inet_fn).
 * Registered per family once that family's nat table is in use.
 */

import { Tuple } from "../conntrack/tuple.js";
import { CtInfo } from "../helper/types.js";
import type { Kernel } from "../kernel.js";
import { type Family, Hook, NfVerdict, Priority } from "../net/hooks.js";
import { ExtHeaderWalk } from "../net/ipv6-exthdr.js";
import type { Skb } from "../net/skb.js";
import { NatCore } from "./core.js";
import { icmpReplyTranslation4 } from "./icmp.js";
import { icmpv6ReplyTranslation } from "./icmp6.js";
import { Manip } from "./range.js";
import { runNatTarget } from "./targets.js";

/** The hook functions' names per family, as the kernel registers them (for --trace and tests). */
const HOOK_NAMES = {
  4: {
    pre: "nf_nat_ipv4_pre_routing",
    out: "nf_nat_ipv4_out",
    local: "nf_nat_ipv4_local_fn",
    in: "nf_nat_ipv4_local_in",
  },
  6: {
    pre: "nf_nat_ipv6_in",
    out: "nf_nat_ipv6_out",
    local: "nf_nat_ipv6_local_fn",
    in: "nf_nat_ipv6_local_in",
  },
} as const;

/** Verdict of a packet that is not an ICMP error to translate. */
const NOT_AN_ERROR = -1;

export class Nat {
  readonly core: NatCore;
  private readonly registered = [false, false];
  private readonly other = new Tuple();
  private readonly walk = new ExtHeaderWalk();

  constructor(private readonly kernel: Kernel) {
    this.core = new NatCore(kernel.conntrack);
  }

  /** The nat table of `family` got a rule: NAT hooks go in (once). */
  enable(family: Family): void {
    const i = family === 4 ? 0 : 1;
    if (this.registered[i]) return;
    this.registered[i] = true;
    // As iptable_nat and ip6table_nat depend on nf_nat: the family's first
    // nat rule loads nf_nat on demand and holds a reference on it; the
    // hooks exist once it is there.
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
    const names = HOOK_NAMES[family];
    const fn = (skb: Skb, hook: Hook) => this.fn(skb, hook);
    h.register(family, Hook.PREROUTING, Priority.NAT_DST, names.pre, fn);
    h.register(family, Hook.POSTROUTING, Priority.NAT_SRC, names.out, fn);
    h.register(family, Hook.OUTPUT, Priority.NAT_DST, names.local, fn);
    h.register(family, Hook.INPUT, Priority.NAT_SRC, names.in, fn);
  }

  /** nf_nat_ipv4_fn / nf_nat_ipv6_fn, then nf_nat_inet_fn. */
  private fn(skb: Skb, hook: Hook): NfVerdict {
    const slot = skb.ct;
    if (slot < 0) return NfVerdict.ACCEPT;
    const ctinfo = skb.ctinfo;
    const manip: Manip = hook === Hook.POSTROUTING || hook === Hook.INPUT ? Manip.SRC : Manip.DST;
    if (ctinfo === CtInfo.RELATED || ctinfo === CtInfo.RELATED_REPLY) {
      const v = skb.family === 4 ? this.icmpError4(skb, manip) : this.icmpError6(skb, manip);
      if (v !== NOT_AN_ERROR) return v as NfVerdict;
    }
    if (
      (ctinfo === CtInfo.NEW || ctinfo === CtInfo.RELATED || ctinfo === CtInfo.RELATED_REPLY) &&
      !this.core.initialized(slot, manip)
    ) {
      const target = this.kernel.xtables.natLookup(skb.family, hook, skb);
      if (target !== null) {
        const v = runNatTarget(this.kernel, this.core, target, skb, hook, manip);
        if (v !== NfVerdict.ACCEPT) return v as NfVerdict;
      }
      if (!this.core.initialized(slot, manip)) {
        const v = this.core.nullBinding(slot, manip, skb.time);
        if (v !== NfVerdict.ACCEPT) return v as NfVerdict;
      }
    }
    if (!this.core.packet(skb, manip)) return NfVerdict.DROP;
    return NfVerdict.ACCEPT;
  }

  /** An IPv4 ICMP packet related to a connection: nf_nat_icmp_reply_translation. */
  private icmpError4(skb: Skb, manip: Manip): number {
    if (skb.dec.ipv4.protocol !== 1) return NOT_AN_ERROR;
    const table = this.kernel.conntrack.table;
    const slot = skb.ct;
    const dir = skb.ctinfo === CtInfo.RELATED_REPLY ? 1 : 0;
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

  /**
   * An IPv6 packet related to a connection whose extension headers lead to
   * ICMPv6: nf_nat_icmpv6_reply_translation. Anything else (a related
   * connection's own packets, a later fragment) is NATed like any packet.
   */
  private icmpError6(skb: Skb, manip: Manip): number {
    const buf = skb.data;
    const l3 = skb.l3Offset;
    const end = l3 + skb.l3Length;
    const icmp = this.walk.skip(buf, l3 + 40, end, buf[l3 + 6] as number);
    if (icmp < 0 || this.walk.nexthdr !== 58) return NOT_AN_ERROR;
    const table = this.kernel.conntrack.table;
    const slot = skb.ct;
    const dir = skb.ctinfo === CtInfo.RELATED_REPLY ? 1 : 0;
    table.getTuple(slot, (dir ^ 1) as 0 | 1, this.other);
    const ok = icmpv6ReplyTranslation(
      buf,
      l3,
      icmp,
      end,
      table.status[slot] as number,
      dir,
      this.other,
      manip,
    );
    if (!ok) return NfVerdict.DROP;
    skb.refresh();
    return NfVerdict.ACCEPT;
  }
}
