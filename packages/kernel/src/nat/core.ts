/**
 * The NAT core of one kernel (nf_nat_core.c): nf_nat_setup_info (choose
 * the mapping of a new connection, alter its reply tuple, set the status
 * bits), the null binding, the by-source table of existing source
 * mappings, nf_nat_packet, and the tuple space tuple selection searches.
 */
import type { Conntrack } from "../conntrack/core.js";
import type { Expectation } from "../conntrack/expect.js";
import { Ips } from "../conntrack/status.js";
import { invertTuple, Tuple } from "../conntrack/tuple.js";
import { NfVerdict } from "../net/hooks.js";
import type { Skb } from "../net/skb.js";
import { Mangler } from "./mangle.js";
import { manipPkt4 } from "./manip.js";
import { manipPkt6 } from "./manip6.js";
import { Manip, NatRange, NatRangeFlag } from "./range.js";
import { getUniqueTuple, inRange, type TupleSpace } from "./unique-tuple.js";

const NAT_MASK = Ips.SRC_NAT | Ips.DST_NAT;
/** NF_NAT_HARDER_THRESH: the last quarter of NF_NAT_MAX_ATTEMPTS (128). */
const HARDER_THRESHOLD = 32;

export class NatCore implements TupleSpace {
  /** by-source table: hash of (proto, source address, source port) → [slot, id, slot, id, ...]. */
  private readonly bySource = new Map<number, number[]>();
  private readonly curr = new Tuple();
  private readonly next = new Tuple();
  private readonly tmp = new Tuple();
  private readonly tmp2 = new Tuple();
  readonly nullRange = new NatRange();
  private readonly followRange = new NatRange();
  /** The connection being set up and the packet's time (for used()). */
  private slot = -1;
  private now = 0;
  private rnd = 0x2545f491;

  private listening = false;
  /** The mangle API NAT helpers resize payloads with. */
  readonly mangler: Mangler;

  constructor(private readonly ct: Conntrack) {
    this.mangler = new Mangler(ct);
  }

  /**
   * Linux unlinks a connection from the by-source table when it is
   * destroyed; without this, keys never seen again would pile up in a
   * long-running kernel. Only once NAT is in use: a kernel without nat
   * rules pays nothing per destroyed connection.
   */
  watchDestroys(): void {
    if (this.listening) return;
    this.listening = true;
    this.ct.onEvent((type, slot) => {
      if (type === "DESTROY") this.forget(slot);
    });
  }

  private forget(slot: number): void {
    const table = this.ct.table;
    table.getTuple(slot, 0, this.tmp2);
    const key = srcKey(this.tmp2);
    const list = this.bySource.get(key);
    if (list === undefined) return;
    const id = table.id[slot] as number;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === slot && list[i + 1] === id) {
        list.splice(i, 2);
        break;
      }
    }
    if (list.length === 0) this.bySource.delete(key);
  }

  /** Keys in the by-source table (for tests of its cleanup). */
  get bySourceSize(): number {
    return this.bySource.size;
  }

  /** nf_nat_initialized. */
  initialized(slot: number, manip: Manip): boolean {
    const st = this.ct.table.status[slot] as number;
    return (st & (manip === Manip.SRC ? Ips.SRC_NAT_DONE : Ips.DST_NAT_DONE)) !== 0;
  }

  /** nf_nat_setup_info. */
  setupInfo(slot: number, range: NatRange, manip: Manip, now: number): number {
    const t = this.ct.table;
    if ((t.status[slot] as number) & Ips.CONFIRMED) return NfVerdict.ACCEPT;
    if (this.initialized(slot, manip)) return NfVerdict.DROP;
    t.getTuple(slot, 1, this.tmp);
    invertTuple(this.tmp, this.curr);
    this.slot = slot;
    this.now = now;
    getUniqueTuple(this.next, this.curr, range, manip, this);
    this.slot = -1;
    if (!this.next.equals(this.curr)) {
      invertTuple(this.next, this.tmp);
      this.ct.alterReply(slot, this.tmp);
      t.status[slot] =
        (t.status[slot] as number) | (manip === Manip.SRC ? Ips.SRC_NAT : Ips.DST_NAT);
      // A helper on a translated connection may have to resize payloads.
      if ((t.helper[slot] as number) >= 0) {
        this.ct.seqadj.add(slot);
        this.ct.natHelperNeeded(slot);
      }
    }
    if (manip === Manip.SRC) this.addBySource(slot);
    t.status[slot] =
      (t.status[slot] as number) | (manip === Manip.DST ? Ips.DST_NAT_DONE : Ips.SRC_NAT_DONE);
    return NfVerdict.ACCEPT;
  }

  /** nf_nat_alloc_null_binding: the address stays (from the reply tuple), ports only if they clash. */
  nullBinding(slot: number, manip: Manip, now: number): number {
    const r = this.nullRange;
    r.clear();
    r.flags = NatRangeFlag.MAP_IPS;
    this.ct.table.getTuple(slot, 1, this.tmp2);
    const ip = manip === Manip.SRC ? this.tmp2.dst : this.tmp2.src;
    r.minAddr.set(ip);
    r.maxAddr.set(ip);
    return this.setupInfo(slot, r, manip, now);
  }

  /**
   * nf_nat_follow_master, the expectfn of NAT helpers: the connection a
   * master's helper expected is translated like the master — its source
   * becomes the address the master's packets went to, its destination the
   * peer of that direction at the port the helper read from the payload.
   */
  followMaster(slot: number, exp: Expectation, now: number): void {
    const r = this.followRange;
    const back = (exp.dir ^ 1) as 0 | 1;
    this.ct.table.getTuple(exp.master, back, this.tmp2);
    r.clear();
    r.flags = NatRangeFlag.MAP_IPS;
    r.minAddr.set(this.tmp2.dst);
    r.maxAddr.set(this.tmp2.dst);
    this.setupInfo(slot, r, Manip.SRC, now);
    this.ct.table.getTuple(exp.master, back, this.tmp2);
    r.clear();
    r.flags = NatRangeFlag.MAP_IPS | NatRangeFlag.PROTO_SPECIFIED;
    r.minAddr.set(this.tmp2.src);
    r.maxAddr.set(this.tmp2.src);
    r.minProto = exp.savedPort;
    r.maxProto = exp.savedPort;
    this.setupInfo(slot, r, Manip.DST, now);
  }

  /**
   * nf_nat_packet: rewrites the packet when its direction needs this
   * hook's manip; the target is the inverse of the other direction's tuple.
   * False: the packet cannot be rewritten and must be dropped.
   */
  packet(skb: Skb, manip: Manip): boolean {
    const slot = skb.ct;
    const dir = skb.ctinfo >= 3 ? 1 : 0;
    let statusbit: number = manip === Manip.SRC ? Ips.SRC_NAT : Ips.DST_NAT;
    if (dir === 1) statusbit ^= NAT_MASK;
    if (((this.ct.table.status[slot] as number) & statusbit) === 0) return true;
    this.ct.table.getTuple(slot, (dir ^ 1) as 0 | 1, this.tmp2);
    invertTuple(this.tmp2, this.next);
    if (skb.family === 4) {
      manipPkt4(skb.data, skb.l3Offset, skb.l3Offset + skb.l3Length, this.next, manip);
      skb.refresh();
      return true;
    }
    // A transport header too short for the bytes to rewrite (or a GRE
    // version NAT cannot handle): nothing is written and, as in
    // nf_nat_ipv6_manip_pkt, the packet is dropped.
    if (!manipPkt6(skb.data, skb.l3Offset, skb.l3Offset + skb.l3Length, this.next, manip))
      return false;
    skb.refresh();
    return true;
  }

  // ---- TupleSpace ----

  used(t: Tuple): boolean {
    if (!invertTuple(t, this.tmp)) return false;
    return this.ct.tupleTaken(this.tmp, this.slot, this.now);
  }

  usedHarder(t: Tuple, attemptsLeft: number): boolean {
    if (attemptsLeft > HARDER_THRESHOLD) return this.used(t);
    if (!invertTuple(t, this.tmp)) return false;
    return this.ct.takenUnlessEvictable(this.tmp, this.slot, this.now);
  }

  findSrc(orig: Tuple, range: NatRange, out: Tuple): boolean {
    const list = this.bySource.get(srcKey(orig));
    if (list === undefined) return false;
    const table = this.ct.table;
    for (let i = 0; i < list.length; i += 2) {
      const s = list[i] as number;
      if (table.id[s] !== list[i + 1]) continue;
      table.getTuple(s, 0, this.tmp2);
      if (
        this.tmp2.proto !== orig.proto ||
        this.tmp2.family !== orig.family ||
        this.tmp2.sport !== orig.sport ||
        this.tmp2.src[0] !== orig.src[0] ||
        this.tmp2.src[1] !== orig.src[1] ||
        this.tmp2.src[2] !== orig.src[2] ||
        this.tmp2.src[3] !== orig.src[3]
      )
        continue;
      table.getTuple(s, 1, this.tmp2);
      if (!invertTuple(this.tmp2, out)) continue;
      out.dst.set(orig.dst);
      out.dport = orig.dport;
      if (inRange(out, range)) return true;
    }
    return false;
  }

  random16(): number {
    // xorshift32: deterministic, where Linux uses get_random_u16().
    let x = this.rnd;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rnd = x;
    return (x >>> 8) & 0xffff;
  }

  hasMaster(): boolean {
    return this.slot >= 0 && (this.ct.table.master[this.slot] as number) >= 0;
  }

  // ---- by-source table ----

  private addBySource(slot: number): void {
    const table = this.ct.table;
    table.getTuple(slot, 0, this.tmp2);
    const key = srcKey(this.tmp2);
    let list = this.bySource.get(key);
    if (list === undefined) {
      list = [];
      this.bySource.set(key, list);
    } else {
      // Forget entries whose connection is gone (Linux unlinks them on destroy).
      let w = 0;
      for (let i = 0; i < list.length; i += 2) {
        const s = list[i] as number;
        if (table.id[s] !== list[i + 1]) continue;
        list[w++] = s;
        list[w++] = list[i + 1] as number;
      }
      list.length = w;
    }
    // Newest first, as hlist_add_head.
    list.unshift(slot, table.id[slot] as number);
  }
}

function srcKey(t: Tuple): number {
  // Port, protocol and family go in whole before any address word, and each
  // word is mixed before the next: an address and a port that rise together
  // (sequential clients, sequential ports) must not cancel out.
  let h = Math.imul(t.proto | (t.family << 8) | (t.sport << 16), 0x9e3779b1);
  for (let i = 0; i < 4; i++) {
    h = Math.imul(h ^ (t.src[i] as number), 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h | 0;
}
