/**
 * An installed rule: what was parsed (for listing and for finding it again
 * with -D/-C) and, next to it, the same facts as plain numbers for the
 * datapath, plus its counters. Built once when the rule is added; the hot
 * path reads fields only.
 */
import type { RegisteredHelper } from "../helper/registry.js";
import type { CompiledMatch } from "./matches/compiled.js";
import type { RuleSpec } from "./parser.js";
import type { Chain } from "./tables.js";
import { CtTarget } from "./targets/ct.js";
import { type NatTarget, NatTargetBase } from "./targets/nat.js";
import { type RejectKind, RejectTarget } from "./targets/reject.js";
import { StandardTarget } from "./targets/target.js";

/** What the datapath does when a rule matches. */
export const Verdict = {
  DROP: 0,
  ACCEPT: 1,
  RETURN: 2,
  JUMP: 3,
  /** No target (-j omitted): count and go on. */
  NONE: 4,
  REJECT: 5,
  /** CT/NOTRACK: set up the packet for conntrack and go on. */
  CT: 6,
  /** A NAT target: ends the nat chain with a mapping. */
  NAT: 7,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** The conntrack template CT --helper attaches to skb.ctTemplate (helper null for a bare CT). */
export interface CtTemplate {
  readonly helper: RegisteredHelper | null;
}

export class Rule {
  pcnt = 0;
  bcnt = 0;
  /** Resolved jump target for user-chain jumps. */
  jump: Chain | null = null;
  /** The helper module reference a CT --helper rule holds. */
  helperRef: RegisteredHelper | null = null;
  ctTemplate: CtTemplate | null = null;

  // Compiled IP header tests.
  readonly proto: number;
  readonly protoSet: boolean;
  readonly invProto: boolean;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
  readonly s3: number;
  readonly sm0: number;
  readonly sm1: number;
  readonly sm2: number;
  readonly sm3: number;
  readonly d0: number;
  readonly d1: number;
  readonly d2: number;
  readonly d3: number;
  readonly dm0: number;
  readonly dm1: number;
  readonly dm2: number;
  readonly dm3: number;
  readonly invSrc: boolean;
  readonly invDst: boolean;
  /** Whether an address test is needed at all (mask not zero, or inverted). */
  readonly checkSrc: boolean;
  readonly checkDst: boolean;
  readonly inCheck: boolean;
  readonly inPrefix: string;
  readonly inWild: boolean;
  readonly invIn: boolean;
  readonly outCheck: boolean;
  readonly outPrefix: string;
  readonly outWild: boolean;
  readonly invOut: boolean;
  readonly fragment: boolean;
  readonly invFragment: boolean;
  readonly cm: readonly CompiledMatch[];
  readonly verdict: Verdict;
  readonly rejectKind: RejectKind;
  readonly ctNotrack: boolean;
  readonly nat: NatTarget | null;
  readonly needsConntrack: boolean;

  constructor(
    readonly spec: RuleSpec,
    readonly table: string,
  ) {
    this.proto = spec.proto;
    this.protoSet = spec.protoSet;
    this.invProto = spec.invProto;
    const s = spec.src;
    const d = spec.dst;
    [this.s0, this.s1, this.s2, this.s3] = s.addr;
    [this.sm0, this.sm1, this.sm2, this.sm3] = s.mask;
    [this.d0, this.d1, this.d2, this.d3] = d.addr;
    [this.dm0, this.dm1, this.dm2, this.dm3] = d.mask;
    this.invSrc = spec.invSrc;
    this.invDst = spec.invDst;
    this.checkSrc = spec.invSrc || s.mask.some((w) => w !== 0);
    this.checkDst = spec.invDst || d.mask.some((w) => w !== 0);
    this.inCheck = spec.iniface.text !== "";
    this.inPrefix = spec.iniface.prefix;
    this.inWild = spec.iniface.wildcard;
    this.invIn = spec.invIn;
    this.outCheck = spec.outiface.text !== "";
    this.outPrefix = spec.outiface.prefix;
    this.outWild = spec.outiface.wildcard;
    this.invOut = spec.invOut;
    this.fragment = spec.fragment;
    this.invFragment = spec.invFragment;
    this.cm = spec.matches.map((m) => m.compile());
    const t = spec.target;
    let verdict: Verdict = Verdict.NONE;
    let rejectKind: RejectKind = "icmp-port-unreachable";
    let ctNotrack = false;
    let nat: NatTarget | null = null;
    if (t instanceof StandardTarget) {
      verdict =
        t.name === "ACCEPT" ? Verdict.ACCEPT : t.name === "DROP" ? Verdict.DROP : Verdict.RETURN;
    } else if (t instanceof RejectTarget) {
      verdict = Verdict.REJECT;
      rejectKind = t.kind;
    } else if (t instanceof CtTarget) {
      verdict = Verdict.CT;
      ctNotrack = t.notrack;
    } else if (t instanceof NatTargetBase) {
      verdict = Verdict.NAT;
      nat = t.natTarget();
    } else if (spec.jumpto !== null) {
      verdict = Verdict.JUMP;
    }
    this.verdict = verdict;
    this.rejectKind = rejectKind;
    this.ctNotrack = ctNotrack;
    this.nat = nat;
    this.needsConntrack =
      table === "nat" || t instanceof CtTarget || spec.matches.some((m) => m.needsConntrack);
  }

  /** Name in the `-L` target column and after `-j` in `-S` ("" for none). */
  get targetName(): string {
    const t = this.spec.target;
    if (t !== null) return t.listName;
    return this.spec.jumpto ?? "";
  }
}
