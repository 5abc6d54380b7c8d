/**
 * The rule engine of one network namespace: the raw, mangle, nat and filter
 * tables for IPv4 and IPv6, changed with iptables/ip6tables command lines.
 *
 * Every command is all-or-nothing, as an nf_tables batch is: it is parsed,
 * checked against the tables and the kernel's rules for targets (table,
 * hooks, checkentry, jump loops), its helper modules are looked up, and only
 * then are the tables changed. Any error leaves them as they were.
 *
 * A table registers its hook functions the first time it gets a rule or a
 * policy (the nat table never does: the NAT engine walks it through
 * natLookup). Rules that need conntrack take a reference on it in the
 * namespace (ConntrackQuery.netnsGet) for as long as they exist; CT --helper
 * rules hold a reference on their helper's module.
 */
import type { HelperRegistry, RegisteredHelper } from "../helper/registry.js";
import { L4_PROTOCOLS, type L4Name } from "../helper/types.js";
import type { LogLevel } from "../log.js";
import type { ConntrackQuery } from "../net/ct-query.js";
import { type Hook, type HookTable, NfVerdict } from "../net/hooks.js";
import type { Skb } from "../net/skb.js";
import {
  type BatchErrno,
  batchError,
  NftMessage,
  nftError,
  otherProblem,
  type Program,
  paramProblem,
  versionProblem,
  XtablesError,
} from "./errors.js";
import { Evaluator, type IfnameResolver, type RejectFn } from "./eval.js";
import { FMT_PRINT_RULE, Fmt, listHeader, listRule } from "./listing.js";
import { Cmd, Opt, type ParsedCommand, parseCommand, type RuleSpec } from "./parser.js";
import { Rule, Verdict } from "./rule.js";
import { saveChain, saveRuleSpec } from "./save.js";
import { type Chain, HOOK_CHAIN_NAMES, TABLES, Table } from "./tables.js";
import { CtTarget } from "./targets/ct.js";
import type { NatTarget } from "./targets/nat.js";
import { HOOKS_ALL, type KernelRefusal } from "./targets/target.js";

export interface XtablesOptions {
  hooks: HookTable;
  helpers: HelperRegistry;
  conntrack: ConntrackQuery;
  /** Interface name of an ifindex (for -i/-o), undefined when unknown. */
  ifname: IfnameResolver;
  /** REJECT: the router builds and sends the ICMP error or TCP RST. */
  reject: RejectFn;
  /** Kernel log (dmesg) for the kernel's complaints about rules. */
  log?: (level: LogLevel, text: string) => void;
  /** The nat table of a family got its first rule or policy: the NAT engine hooks in. */
  natInUse?: (family: 4 | 6) => void;
}

export interface XtablesResult {
  stdout: string;
  /** Warnings iptables prints on stderr even when it succeeds. */
  stderr: string;
}

type RuleOp = "RULE_APPEND" | "RULE_INSERT";

const HOOK_BITS_TEXT = (mask: number) =>
  HOOK_CHAIN_NAMES.filter((_, h) => (mask & (1 << h)) !== 0).join("/");

export class Xtables {
  private readonly tables = new Map<string, Table>();
  private readonly evaluator: Evaluator;
  /** Commands run one at a time (the xtables lock). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: XtablesOptions) {
    this.evaluator = new Evaluator(opts.conntrack, opts.ifname, opts.reject);
  }

  /**
   * Runs one iptables (family 4) or ip6tables (family 6) command; `argv`
   * is what follows the program name. Rejects with an XtablesError (the
   * real program's stderr and exit status) without changing anything.
   */
  apply(family: 4 | 6, argv: readonly string[]): Promise<XtablesResult> {
    const run = this.queue.then(() => this.execute(family, argv));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The nat table's verdict for a packet that starts a connection: the NAT
   * target of the first matching NAT rule, or null (ACCEPT, RETURN to the
   * policy, or no rule) for "no mapping". Counters are updated.
   */
  natLookup(family: 4 | 6, hook: Hook, skb: Skb): NatTarget | null {
    const t = this.tables.get(`${family}:nat`);
    if (t === undefined) return null;
    this.evaluator.natHit = null;
    this.evaluator.run(t, hook, skb);
    return this.evaluator.natHit;
  }

  /** Whether the nat table of the family has any rule (the NAT engine may skip it otherwise). */
  hasNatRules(family: 4 | 6): boolean {
    const t = this.tables.get(`${family}:nat`);
    return t !== undefined && [...t.chains.values()].some((c) => c.rules.length > 0);
  }

  private table(family: 4 | 6, name: string): Table {
    const key = `${family}:${name}`;
    let t = this.tables.get(key);
    if (t === undefined) {
      t = new Table(family, TABLES[name] as (typeof TABLES)[string]);
      this.tables.set(key, t);
    }
    return t;
  }

  private async execute(family: 4 | 6, argv: readonly string[]): Promise<XtablesResult> {
    const p = parseCommand(family, argv);
    if (p.version !== null) return { stdout: p.version, stderr: "" };
    if (!Object.hasOwn(TABLES, p.table)) {
      throw versionProblem(p.prog, `table '${p.table}' does not exist`);
    }
    const t = this.table(family, p.table);
    const out = new Output();
    try {
      await this.dispatch(p, t, out);
    } catch (e) {
      if (e instanceof XtablesError) {
        const err = out.text === "" ? e : e.withStdout(out.text);
        throw p.warnings === ""
          ? err
          : new XtablesError(p.warnings + err.stderr, err.exitCode, err.stdout);
      }
      throw e;
    }
    return { stdout: out.text, stderr: p.warnings };
  }

  private async dispatch(p: ParsedCommand, t: Table, out: Output): Promise<void> {
    const verbose = (p.options & Opt.VERBOSE) !== 0;
    switch (p.command) {
      case Cmd.APPEND:
        return this.addRules(p, t, out, "RULE_APPEND", -1);
      case Cmd.INSERT:
        return this.addRules(p, t, out, "RULE_INSERT", p.rulenum - 1);
      case Cmd.DELETE:
      case Cmd.CHECK:
        return this.deleteOrCheck(p, t, out);
      case Cmd.DELETE_NUM:
        return this.deleteNum(p, t);
      case Cmd.FLUSH:
        return this.flush(p, t, out, verbose);
      case Cmd.ZERO:
        return this.zero(p, t, out, verbose);
      case Cmd.ZERO_NUM:
        return this.zeroNum(p, t);
      case Cmd.NEW_CHAIN:
        return this.newChain(p, t);
      case Cmd.DELETE_CHAIN:
        return this.deleteChain(p, t, out, verbose);
      case Cmd.SET_POLICY:
        return this.setPolicy(p, t);
      default:
        if ((p.command & Cmd.LIST) !== 0) this.list(p, t, out);
        else if ((p.command & Cmd.LIST_RULES) !== 0) this.listRules(p, t, out);
        if ((p.command & Cmd.ZERO) !== 0) this.zero(p, t, out, verbose);
        return;
    }
  }

  // ---- rules ---------------------------------------------------------------

  /** The user chain a rule jumps to; "Chain 'X' does not exist" as iptables-nft says. */
  private jumpTarget(p: ParsedCommand, t: Table, spec: RuleSpec): Chain | null {
    if (spec.jumpto === null) return null;
    const c = t.chains.get(spec.jumpto);
    if (c === undefined) throw paramProblem(p.prog, `Chain '${spec.jumpto}' does not exist`);
    return c;
  }

  private async addRules(
    p: ParsedCommand,
    t: Table,
    out: Output,
    op: RuleOp,
    index: number,
  ): Promise<void> {
    const chainName = p.chain as string;
    const jumps = p.rules.map((spec) => this.jumpTarget(p, t, spec));
    const chain = t.chains.get(chainName);
    if (chain === undefined) throw nftError(p.prog, NftMessage.NO_CHAIN);
    if (index > chain.rules.length) throw nftError(p.prog, NftMessage.INSERT_TOO_BIG);
    const rules: Rule[] = [];
    for (let k = 0; k < p.rules.length; k++) {
      const spec = p.rules[k] as RuleSpec;
      const r = new Rule(spec, t.def.name);
      r.jump = jumps[k] as Chain | null;
      if (p.family === 4) {
        r.pcnt = p.counters[0];
        r.bcnt = p.counters[1];
      }
      if ((p.options & Opt.VERBOSE) !== 0) out.write(listRule(r, 0, FMT_PRINT_RULE));
      rules.push(r);
    }
    // The kernel's checks, rule by rule in batch order.
    for (const r of rules) {
      const refusal = this.kernelCheck(p, t, chain, r);
      if (refusal !== null) {
        if (refusal.log !== null) this.klog(refusal.log);
        throw batchError(p.prog, op, refusal.errno, chainName);
      }
    }
    // The table as it would be after the batch must validate. Only jumps and
    // hook-bound targets in user chains can make it fail; skip the walk otherwise.
    const needsWalk = rules.some(
      (r) =>
        r.jump !== null || (!chain.builtin && (r.spec.target?.hooks ?? HOOKS_ALL) !== HOOKS_ALL),
    );
    if (needsWalk) {
      const at = index < 0 ? chain.rules.length : index;
      chain.rules.splice(at, 0, ...(index < 0 ? rules : [...rules].reverse()));
      const invalid = this.validate(t);
      chain.rules.splice(at, rules.length);
      if (invalid !== null) throw batchError(p.prog, op, invalid, chainName);
    }
    // Helper modules, possibly loaded on demand; all or nothing.
    const taken: RegisteredHelper[] = [];
    try {
      for (const r of rules) {
        const target = r.spec.target;
        if (!(target instanceof CtTarget) || target.notrack || target.helper === "") continue;
        const h = await this.getHelper(p.family, target.helper, r.spec.proto);
        if (h === null) {
          this.klog(`xt_CT: No such helper "${target.helper}"`);
          throw batchError(p.prog, op, "ENOENT", chainName);
        }
        taken.push(h);
        r.helperRef = h;
        r.ctTemplate = { helper: h };
      }
    } catch (e) {
      for (const h of taken) this.opts.helpers.put(h);
      throw e;
    }
    // Commit.
    for (const r of rules) {
      if (r.verdict === Verdict.CT && !r.ctNotrack && r.ctTemplate === null) {
        r.ctTemplate = { helper: null };
      }
      if (index < 0) chain.rules.push(r);
      else chain.rules.splice(index, 0, r);
      if (r.needsConntrack) this.opts.conntrack.netnsGet(p.family);
    }
    this.hook(t);
  }

  private async getHelper(
    family: 4 | 6,
    name: string,
    proto: number,
  ): Promise<RegisteredHelper | null> {
    const l4 = (Object.keys(L4_PROTOCOLS) as L4Name[]).find((k) => L4_PROTOCOLS[k] === proto);
    if (l4 === undefined) return null;
    try {
      return await this.opts.helpers.tryGet(name, family === 4 ? "ipv4" : "ipv6", l4);
    } catch {
      return null;
    }
  }

  /**
   * What the kernel says when the rule is created in `chain`: address
   * prefixes nf_tables cannot invert, xt_check_match() (protocol), jumps to
   * built-in chains, and xt_check_target(): table, hooks (for a built-in
   * chain; user chains are checked by validate()), checkentry.
   */
  private kernelCheck(p: ParsedCommand, t: Table, chain: Chain, r: Rule): KernelRefusal | null {
    const spec = r.spec;
    const tables = p.family === 4 ? "ip_tables" : "ip6_tables";
    const zero = (m: readonly number[]) => m.every((w) => w === 0);
    if ((spec.invSrc && zero(spec.src.mask)) || (spec.invDst && zero(spec.dst.mask))) {
      return { errno: "EINVAL", log: null };
    }
    for (const m of spec.matches) {
      const need = m.kernelProto;
      if (need !== 0 && (spec.proto !== need || spec.invProto)) {
        return {
          errno: "EINVAL",
          log: `x_tables: ${tables}: ${m.name} match: only valid for protocol ${need}`,
        };
      }
    }
    if (r.jump?.builtin) return { errno: "EOPNOTSUPP", log: null };
    const target = spec.target;
    if (target === null) return null;
    if (target.table !== null && target.table !== t.def.name) {
      return {
        errno: "EINVAL",
        log: `x_tables: ${tables}: ${target.kernelName} target: only valid in ${target.table} table, not ${t.def.name}`,
      };
    }
    if (chain.hook !== null) {
      const mask = 1 << chain.hook;
      if ((mask & ~target.hooks) !== 0) {
        return {
          errno: "EINVAL",
          log: `x_tables: ${tables}: ${target.kernelName} target: used from hooks ${HOOK_BITS_TEXT(mask)}, but only usable from ${HOOK_BITS_TEXT(target.hooks)}`,
        };
      }
    }
    return target.checkEntry({
      prog: p.prog,
      family: p.family,
      proto: spec.proto,
      invProto: spec.invProto,
      table: t.def.name,
    });
  }

  /**
   * nf_tables' validation at commit: from every built-in chain, every chain
   * reachable by jumps must be free of loops (ELOOP) and hold only targets
   * usable from that hook (EINVAL, nothing logged). Chains no built-in
   * chain reaches are not checked at all.
   */
  private validate(t: Table): BatchErrno | null {
    for (const base of t.base) {
      if (base === null || base.hook === null) continue;
      const mask = 1 << base.hook;
      const onPath = new Set<Chain>();
      const done = new Set<Chain>();
      const walk = (c: Chain): BatchErrno | null => {
        if (onPath.has(c)) return "ELOOP";
        if (done.has(c)) return null;
        onPath.add(c);
        for (const r of c.rules) {
          const target = r.spec.target;
          if (target !== null && (mask & ~target.hooks) !== 0) return "EINVAL";
          if (r.jump !== null && !r.jump.builtin) {
            const e = walk(r.jump);
            if (e !== null) return e;
          }
        }
        onPath.delete(c);
        done.add(c);
        return null;
      };
      const e = walk(base);
      if (e !== null) return e;
    }
    return null;
  }

  private deleteOrCheck(p: ParsedCommand, t: Table, out: Output): void {
    for (const spec of p.rules) this.jumpTarget(p, t, spec);
    const chain = t.chains.get(p.chain as string);
    const check = p.command === Cmd.CHECK;
    // Deleting several address combinations removes one rule each, all or nothing.
    const victims: Rule[] = [];
    for (const spec of p.rules) {
      if ((p.options & Opt.VERBOSE) !== 0) {
        out.write(listRule(new Rule(spec, t.def.name), 0, FMT_PRINT_RULE));
      }
      if (chain === undefined) throw nftError(p.prog, NftMessage.BAD_RULE);
      const remaining = chain.rules.filter((r) => !victims.includes(r));
      const want = saveRuleSpec(spec, null);
      const hit = remaining.find((r) => saveRuleSpec(r.spec, null) === want);
      if (hit === undefined) throw nftError(p.prog, NftMessage.BAD_RULE);
      victims.push(hit);
    }
    if (check || chain === undefined) return;
    for (const v of victims) this.removeRule(p.family, chain, chain.rules.indexOf(v));
  }

  private deleteNum(p: ParsedCommand, t: Table): void {
    const chain = t.chains.get(p.chain as string);
    if (chain === undefined) throw nftError(p.prog, NftMessage.NO_CHAIN);
    if (p.rulenum > chain.rules.length) throw nftError(p.prog, NftMessage.DELETE_TOO_BIG);
    this.removeRule(p.family, chain, p.rulenum - 1);
  }

  /** Takes a rule out and drops what it held (helper module, conntrack use). */
  private removeRule(family: 4 | 6, chain: Chain, i: number): void {
    const [r] = chain.rules.splice(i, 1);
    if (r === undefined) return;
    if (r.helperRef !== null) {
      this.opts.helpers.put(r.helperRef);
      r.helperRef = null;
    }
    if (r.needsConntrack) this.opts.conntrack.netnsPut(family);
  }

  // ---- chains --------------------------------------------------------------

  private chainOrAll(p: ParsedCommand, t: Table): Chain[] {
    if (p.chain === null) return t.listOrder();
    const c = t.chains.get(p.chain);
    if (c === undefined) throw nftError(p.prog, NftMessage.NO_CHAIN);
    return [c];
  }

  private flush(p: ParsedCommand, t: Table, out: Output, verbose: boolean): void {
    const chains = this.chainOrAll(p, t);
    for (const c of chains) {
      if (verbose) out.write(`Flushing chain \`${c.name}'\n`);
      while (c.rules.length > 0) this.removeRule(p.family, c, c.rules.length - 1);
    }
  }

  private zero(p: ParsedCommand, t: Table, out: Output, verbose: boolean): void {
    const chains = this.chainOrAll(p, t);
    for (const c of chains) {
      if (verbose) out.write(`Zeroing chain \`${c.name}'\n`);
      c.pcnt = 0;
      c.bcnt = 0;
      for (const r of c.rules) {
        r.pcnt = 0;
        r.bcnt = 0;
      }
    }
  }

  private zeroNum(p: ParsedCommand, t: Table): void {
    const chain = t.chains.get(p.chain as string);
    if (chain === undefined) throw nftError(p.prog, NftMessage.NO_CHAIN);
    const r = chain.rules[p.rulenum - 1];
    if (r !== undefined) {
      r.pcnt = 0;
      r.bcnt = 0;
    }
  }

  private newChain(p: ParsedCommand, t: Table): void {
    const name = p.chain as string;
    if (t.chains.has(name)) throw nftError(p.prog, NftMessage.CHAIN_EXISTS);
    t.newChain(name);
  }

  private deleteChain(p: ParsedCommand, t: Table, out: Output, verbose: boolean): void {
    const busy = (c: Chain) => c.rules.length > 0 || t.references(c) > 0;
    if (p.chain !== null) {
      const c = t.chains.get(p.chain);
      if (c === undefined) throw nftError(p.prog, NftMessage.NO_CHAIN);
      if (verbose) out.write(`Deleting chain \`${c.name}'\n`);
      if (busy(c)) throw batchError(p.prog, "CHAIN_DEL", "EBUSY", c.name);
      if (c.builtin) {
        // A built-in chain "exists" in nf_tables only while it has a non-default policy.
        if (c.policy !== NfVerdict.ACCEPT) throw nftError(p.prog, NftMessage.NOT_EMPTY);
        return;
      }
      t.chains.delete(c.name);
      return;
    }
    const sorted = t.listOrder().filter((c) => !c.builtin);
    if (verbose) for (const c of sorted) out.write(`Deleting chain \`${c.name}'\n`);
    // iptables-nft batches them in cache order: creation order, sorted with -v.
    const batch = verbose ? sorted : t.userChainsByAge();
    const failed = batch.find(busy);
    if (failed !== undefined) throw batchError(p.prog, "CHAIN_DEL", "EBUSY", failed.name);
    for (const c of batch) t.chains.delete(c.name);
  }

  private setPolicy(p: ParsedCommand, t: Table): void {
    const policy = p.policy as string;
    if (policy !== "ACCEPT" && policy !== "DROP") {
      throw nftError(p.prog, NftMessage.BAD_POLICY, true);
    }
    const c = t.chains.get(p.chain as string);
    if (c === undefined || !c.builtin) throw nftError(p.prog, NftMessage.BAD_BUILTIN_CHAIN);
    c.policy = policy === "ACCEPT" ? NfVerdict.ACCEPT : NfVerdict.DROP;
    this.hook(t);
  }

  // ---- listing -------------------------------------------------------------

  private incompatible(prog: Program, chain: string, table: string): XtablesError {
    return otherProblem(
      prog,
      `chain \`${chain}' in table \`${table}' is incompatible, use 'nft' tool.`,
    );
  }

  private list(p: ParsedCommand, t: Table, out: Output): void {
    let format = Fmt.OPTIONS;
    if ((p.options & Opt.VERBOSE) === 0) format |= Fmt.NOCOUNTS;
    else format |= Fmt.VIA;
    if ((p.options & Opt.NUMERIC) !== 0) format |= Fmt.NUMERIC;
    if ((p.options & Opt.EXPANDED) === 0) format |= Fmt.KILOMEGAGIGA;
    if ((p.options & Opt.LINENUMBERS) !== 0) format |= Fmt.LINENUMBERS;
    let chains: Chain[];
    if (p.chain !== null) {
      const c = t.chains.get(p.chain);
      if (c === undefined) throw this.incompatible(p.prog, p.chain, p.table);
      chains = [c];
    } else chains = t.listOrder();
    if (p.rulenum > 0) {
      // One rule, no headers.
      const c = chains[0] as Chain;
      const r = c.rules[p.rulenum - 1];
      if (r !== undefined) out.write(listRule(r, p.rulenum, format));
      return;
    }
    let first = true;
    for (const c of chains) {
      if (!first) out.write("\n");
      first = false;
      out.write(listHeader(t, c, format));
      c.rules.forEach((r, i) => {
        out.write(listRule(r, i + 1, format));
      });
    }
  }

  private listRules(p: ParsedCommand, t: Table, out: Output): void {
    const counters = (p.options & Opt.VERBOSE) !== 0;
    const line = (c: Chain, r: Rule) =>
      `-A ${c.name}${saveRuleSpec(r.spec, counters ? [r.pcnt, r.bcnt] : null)}\n`;
    if (p.chain !== null) {
      const c = t.chains.get(p.chain);
      if (c === undefined) throw this.incompatible(p.prog, p.chain, p.table);
      if (p.rulenum > 0) {
        const r = c.rules[p.rulenum - 1];
        if (r !== undefined) out.write(line(c, r));
        return;
      }
      out.write(saveChain(c, counters));
      for (const r of c.rules) out.write(line(c, r));
      return;
    }
    const chains = t.listOrder();
    for (const c of chains) out.write(saveChain(c, counters));
    for (const c of chains) for (const r of c.rules) out.write(line(c, r));
  }

  // ---- plumbing ------------------------------------------------------------

  /** Registers the table's hook functions once it is in use (the nat table: tells the NAT engine). */
  private hook(t: Table): void {
    if (t.hooked) return;
    t.hooked = true;
    if (t.def.name === "nat") {
      this.opts.natInUse?.(t.family);
      return;
    }
    const prefix = t.family === 4 ? "iptable" : "ip6table";
    for (const h of t.def.hooks) {
      this.opts.hooks.register(
        t.family,
        h,
        t.def.priority(h),
        `${prefix}_${t.def.name}`,
        (skb: Skb, hook: Hook) => this.evaluator.run(t, hook, skb),
      );
    }
  }

  private klog(text: string): void {
    this.opts.log?.("info", text);
  }
}

/** What a command prints on stdout, kept even when it then fails. */
class Output {
  text = "";
  write(s: string): void {
    this.text += s;
  }
}
