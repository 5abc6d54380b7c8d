/**
 * The four tables and their chains. Each table exists per family, has
 * built-in chains bound to netfilter hooks at Linux's priorities, and any
 * number of user chains. Built-in chains have a policy and policy counters;
 * user chains are reached by jumps and return at their end.
 */
import { Hook, NfVerdict, Priority } from "../net/hooks.js";
import type { Rule } from "./rule.js";

export interface TableDef {
  name: "raw" | "mangle" | "nat" | "filter";
  /** Built-in chains in listing order. */
  hooks: readonly Hook[];
  priority(hook: Hook): number;
}

export const TABLES: Readonly<Record<string, TableDef>> = {
  filter: {
    name: "filter",
    hooks: [Hook.INPUT, Hook.FORWARD, Hook.OUTPUT],
    priority: () => Priority.FILTER,
  },
  mangle: {
    name: "mangle",
    hooks: [Hook.PREROUTING, Hook.INPUT, Hook.FORWARD, Hook.OUTPUT, Hook.POSTROUTING],
    priority: () => Priority.MANGLE,
  },
  nat: {
    name: "nat",
    hooks: [Hook.PREROUTING, Hook.INPUT, Hook.OUTPUT, Hook.POSTROUTING],
    // Destination NAT before routing, source NAT after.
    priority: (h) =>
      h === Hook.PREROUTING || h === Hook.OUTPUT ? Priority.NAT_DST : Priority.NAT_SRC,
  },
  raw: {
    name: "raw",
    hooks: [Hook.PREROUTING, Hook.OUTPUT],
    priority: () => Priority.RAW,
  },
};

export const HOOK_CHAIN_NAMES = [
  "PREROUTING",
  "INPUT",
  "FORWARD",
  "OUTPUT",
  "POSTROUTING",
] as const;

export class Chain {
  rules: Rule[] = [];
  /** NF_ACCEPT or NF_DROP; meaningful for built-in chains only. */
  policy: NfVerdict = NfVerdict.ACCEPT;
  /** Packets and bytes that got the policy verdict. */
  pcnt = 0;
  bcnt = 0;

  constructor(
    readonly name: string,
    /** The hook of a built-in chain, null for a user chain. */
    readonly hook: Hook | null,
    /** Creation order (the order nft batches user chains in). */
    readonly seq: number,
  ) {}

  get builtin(): boolean {
    return this.hook !== null;
  }
}

/** strcmp order, as iptables-nft sorts user chains. */
function byName(a: Chain, b: Chain): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class Table {
  readonly chains = new Map<string, Chain>();
  /** Built-in chain per hook, null where the table has none. */
  readonly base: (Chain | null)[] = [null, null, null, null, null];
  /** Hook functions registered in the HookTable (first rule or policy). */
  hooked = false;
  private seq = 0;

  constructor(
    readonly family: 4 | 6,
    readonly def: TableDef,
  ) {
    for (const h of def.hooks) {
      const c = new Chain(HOOK_CHAIN_NAMES[h], h, this.seq++);
      this.chains.set(c.name, c);
      this.base[h] = c;
    }
  }

  newChain(name: string): Chain {
    const c = new Chain(name, null, this.seq++);
    this.chains.set(name, c);
    return c;
  }

  /** Built-in chains in table order, then user chains by name: the listing order. */
  listOrder(): Chain[] {
    const builtin = this.def.hooks.map((h) => this.base[h] as Chain);
    const user = [...this.chains.values()].filter((c) => !c.builtin).sort(byName);
    return [...builtin, ...user];
  }

  /** User chains in creation order. */
  userChainsByAge(): Chain[] {
    return [...this.chains.values()].filter((c) => !c.builtin).sort((a, b) => a.seq - b.seq);
  }

  /** Rules jumping to `chain` (the "references" of `iptables -L`). */
  references(chain: Chain): number {
    let n = 0;
    for (const c of this.chains.values()) for (const r of c.rules) if (r.jump === chain) n++;
    return n;
  }
}
