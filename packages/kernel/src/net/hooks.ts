/**
 * Netfilter hook points and the priority-ordered hook chains, as in
 * include/uapi/linux/netfilter.h and netfilter_ipv4.h. Every piece of the
 * datapath (conntrack, xtables tables, NAT, helpers/confirm) registers a
 * function at a (family, hook, priority); the router runs the chain at each
 * point. Priorities are Linux's, so the order is Linux's.
 */
import type { Skb } from "./skb.js";

export const Hook = {
  PREROUTING: 0,
  INPUT: 1,
  FORWARD: 2,
  OUTPUT: 3,
  POSTROUTING: 4,
} as const;
export type Hook = (typeof Hook)[keyof typeof Hook];
export const HOOK_NAMES = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"] as const;

/** enum nf_ip_hook_priorities. */
export const Priority = {
  CONNTRACK_DEFRAG: -400,
  RAW: -300,
  CONNTRACK: -200,
  MANGLE: -150,
  NAT_DST: -100,
  FILTER: 0,
  SECURITY: 50,
  NAT_SRC: 100,
  CONNTRACK_HELPER: 300,
  CONNTRACK_CONFIRM: 0x7fffffff,
} as const;

/** Hook verdicts (NF_DROP, NF_ACCEPT, NF_STOLEN). */
export const NfVerdict = { DROP: 0, ACCEPT: 1, STOLEN: 2 } as const;
export type NfVerdict = (typeof NfVerdict)[keyof typeof NfVerdict];

export type Family = 4 | 6;

export type HookFn = (skb: Skb, hook: Hook) => NfVerdict;

interface Entry {
  priority: number;
  fn: HookFn;
  name: string;
}

/**
 * The chains. Run is the hot path: a plain loop over a small array, no
 * allocation. Registration rebuilds the array (rare).
 */
export class HookTable {
  private readonly chains: Entry[][] = Array.from({ length: 10 }, () => []);

  private index(family: Family, hook: Hook): number {
    return (family === 4 ? 0 : 5) + hook;
  }

  register(family: Family, hook: Hook, priority: number, name: string, fn: HookFn): () => void {
    const i = this.index(family, hook);
    const entry = { priority, fn, name };
    // Stable: equal priorities run in registration order, as nf_register_net_hook inserts after equals.
    const chain = [...(this.chains[i] as Entry[]), entry].sort((a, b) => a.priority - b.priority);
    this.chains[i] = chain;
    return () => {
      this.chains[i] = (this.chains[i] as Entry[]).filter((e) => e !== entry);
    };
  }

  /** Set by `replay --trace`: told every hook function's verdict. */
  tracer:
    | ((family: Family, hook: Hook, name: string, verdict: NfVerdict, skb: Skb) => void)
    | null = null;

  run(family: Family, hook: Hook, skb: Skb): NfVerdict {
    const chain = this.chains[this.index(family, hook)] as Entry[];
    const tracer = this.tracer;
    for (let i = 0; i < chain.length; i++) {
      const e = chain[i] as Entry;
      const v = e.fn(skb, hook);
      if (tracer !== null) tracer(family, hook, e.name, v, skb);
      if (v !== NfVerdict.ACCEPT) return v;
    }
    return NfVerdict.ACCEPT;
  }

  /** Names in order, for --trace and tests. */
  names(family: Family, hook: Hook): string[] {
    return (this.chains[this.index(family, hook)] as Entry[]).map((e) => `${e.name}@${e.priority}`);
  }
}
