/**
 * The datapath: walks a table's chains for one packet like ipt_do_table()
 * (ip_packet_match, then each match, then the target; jumps push the
 * return position, RETURN and the end of a user chain pop it, the end of a
 * built-in chain applies its policy) and updates counters. Runs for every
 * packet: no allocation, rules and matches are read as plain fields, the
 * jump stack is preallocated, IPv6 addresses are compared as four 32-bit
 * words straight from the packet buffer.
 */
import type { ConntrackQuery } from "../net/ct-query.js";
import { type Hook, NfVerdict } from "../net/hooks.js";
import type { Skb } from "../net/skb.js";
import { type CompiledMatch, MatchKind } from "./matches/compiled.js";
import { type Rule, Verdict } from "./rule.js";
import type { Chain, Table } from "./tables.js";
import type { NatTarget } from "./targets/nat.js";
import type { RejectKind } from "./targets/reject.js";

export type IfnameResolver = (index: number) => string | undefined;
export type RejectFn = (skb: Skb, kind: RejectKind, hook: Hook) => void;

/** (addr & mask) == want for the IPv6 address at data[off..off+16). */
function v6Match(
  d: Uint8Array,
  o: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  m0: number,
  m1: number,
  m2: number,
  m3: number,
): boolean {
  const w0 = (d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3];
  if ((w0 & m0) >>> 0 !== a0) return false;
  const w1 = (d[o + 4] << 24) | (d[o + 5] << 16) | (d[o + 6] << 8) | d[o + 7];
  if ((w1 & m1) >>> 0 !== a1) return false;
  const w2 = (d[o + 8] << 24) | (d[o + 9] << 16) | (d[o + 10] << 8) | d[o + 11];
  if ((w2 & m2) >>> 0 !== a2) return false;
  const w3 = (d[o + 12] << 24) | (d[o + 13] << 16) | (d[o + 14] << 8) | d[o + 15];
  return (w3 & m3) >>> 0 === a3;
}

export class Evaluator {
  private stackChain: Chain[] = new Array<Chain>(32);
  private stackPos = new Int32Array(32);
  /** The NAT target the last nat-table walk ended on. */
  natHit: NatTarget | null = null;

  constructor(
    private readonly ct: ConntrackQuery,
    private readonly ifname: IfnameResolver,
    private readonly reject: RejectFn,
  ) {}

  /** Runs the built-in chain of `hook` in `table`; the packet's verdict. */
  run(table: Table, hook: Hook, skb: Skb): NfVerdict {
    const base = table.base[hook];
    if (base === null || base === undefined) return NfVerdict.ACCEPT;
    const family = table.family;
    const len = skb.l3Length;
    let chain: Chain = base;
    let rules = chain.rules;
    let i = 0;
    let sp = 0;
    for (;;) {
      let pop = i >= rules.length;
      if (!pop) {
        const r = rules[i] as Rule;
        if (!this.matchRule(r, skb, family)) {
          i++;
          continue;
        }
        r.pcnt++;
        r.bcnt += len;
        switch (r.verdict) {
          case Verdict.ACCEPT:
            return NfVerdict.ACCEPT;
          case Verdict.DROP:
            return NfVerdict.DROP;
          case Verdict.REJECT:
            this.reject(skb, r.rejectKind, hook);
            return NfVerdict.DROP;
          case Verdict.NAT:
            this.natHit = r.nat;
            return NfVerdict.ACCEPT;
          case Verdict.JUMP:
            if (sp === this.stackPos.length) this.growStack();
            this.stackChain[sp] = chain;
            this.stackPos[sp] = i + 1;
            sp++;
            chain = r.jump as Chain;
            rules = chain.rules;
            i = 0;
            continue;
          case Verdict.RETURN:
            pop = true;
            break;
          case Verdict.CT:
            // xt_CT: only a packet without conntrack state yet gets one.
            if (skb.ct === -1 && !skb.untracked && skb.ctTemplate === null) {
              if (r.ctNotrack) skb.untracked = true;
              else skb.ctTemplate = r.ctTemplate;
            }
            i++;
            continue;
          default:
            i++;
            continue;
        }
      }
      if (sp === 0) {
        // End of (or RETURN from) the built-in chain: its policy.
        base.pcnt++;
        base.bcnt += len;
        return base.policy;
      }
      sp--;
      chain = this.stackChain[sp] as Chain;
      i = this.stackPos[sp] as number;
      rules = chain.rules;
    }
  }

  private growStack(): void {
    const n = this.stackPos.length * 2;
    const pos = new Int32Array(n);
    pos.set(this.stackPos);
    this.stackPos = pos;
    this.stackChain.length = n;
  }

  private ifaceMatch(index: number, prefix: string, wild: boolean): boolean {
    const name = index < 0 ? "" : (this.ifname(index) ?? "");
    return wild ? name.startsWith(prefix) : name === prefix;
  }

  /** ip_packet_match()/ip6_packet_match() and the rule's matches. */
  private matchRule(r: Rule, skb: Skb, family: 4 | 6): boolean {
    if (family === 4) {
      if (r.checkSrc && ((skb.saddr4 & r.sm0) >>> 0 === r.s0) === r.invSrc) return false;
      if (r.checkDst && ((skb.daddr4 & r.dm0) >>> 0 === r.d0) === r.invDst) return false;
    } else {
      const d = skb.data;
      if (
        r.checkSrc &&
        v6Match(d, skb.saddr6Off, r.s0, r.s1, r.s2, r.s3, r.sm0, r.sm1, r.sm2, r.sm3) === r.invSrc
      ) {
        return false;
      }
      if (
        r.checkDst &&
        v6Match(d, skb.daddr6Off, r.d0, r.d1, r.d2, r.d3, r.dm0, r.dm1, r.dm2, r.dm3) === r.invDst
      ) {
        return false;
      }
    }
    if (r.inCheck && this.ifaceMatch(skb.iif, r.inPrefix, r.inWild) === r.invIn) return false;
    if (r.outCheck && this.ifaceMatch(skb.oif, r.outPrefix, r.outWild) === r.invOut) return false;
    if (family === 4) {
      if (r.proto !== 0 && (skb.dec.ipv4.protocol === r.proto) === r.invProto) return false;
      // -f matches second and later fragments.
      if (r.fragment && !skb.isLaterFragment !== r.invFragment) return false;
    } else if (r.protoSet) {
      // The protocol after the extension headers; "-p all" matches any.
      const p = skb.dec.ipv6.upperProtocol;
      if (p === r.proto) {
        if (r.invProto) return false;
      } else if (r.proto !== 0 && !r.invProto) {
        return false;
      }
    }
    const cm = r.cm;
    for (let k = 0; k < cm.length; k++)
      if (!this.matchOne(cm[k] as CompiledMatch, skb)) return false;
    return true;
  }

  private matchOne(m: CompiledMatch, skb: Skb): boolean {
    switch (m.kind) {
      case MatchKind.PORTS: {
        // tcp/udp matches never match a fragment other than the first.
        if (skb.isLaterFragment) return false;
        const sp = skb.sport;
        const dp = skb.dport;
        if ((sp >= m.a && sp <= m.b) === ((m.inv & 1) !== 0)) return false;
        return (dp >= m.c && dp <= m.d) !== ((m.inv & 2) !== 0);
      }
      case MatchKind.ICMP: {
        if (skb.isLaterFragment || skb.l4Proto !== 1) return false;
        const t = skb.dec.icmp.type;
        const c = skb.dec.icmp.code;
        const hit = (t === m.a && c >= m.b && c <= m.c) || m.a === 0xff;
        return hit !== (m.inv !== 0);
      }
      case MatchKind.ICMP6: {
        if (skb.isLaterFragment || skb.l4Proto !== 58) return false;
        const t = skb.dec.icmpv6.type;
        const c = skb.dec.icmpv6.code;
        return (t === m.a && c >= m.b && c <= m.c) !== (m.inv !== 0);
      }
      case MatchKind.CTSTATE:
        return ((this.ct.stateBits(skb) & m.a) !== 0) !== (m.inv !== 0);
      case MatchKind.HELPER: {
        // xt_helper: the master connection's helper; the rule's name may be longer.
        const h = this.ct.helperName(skb);
        if (h === null) return m.inv !== 0;
        return (m.str === "" || m.str.startsWith(h)) !== (m.inv !== 0);
      }
      default:
        return false;
    }
  }
}
