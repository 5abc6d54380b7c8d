/**
 * Unique tuple selection (nf_nat_core.c: get_unique_tuple,
 * find_best_ips_proto, nf_nat_l4proto_unique_tuple). Tuples here are the
 * original-direction tuple as it will look after the manip; "used" means
 * its inverse is already some other connection's tuple.
 */
import type { Tuple } from "../conntrack/tuple.js";
import { jhash2, le32, reciprocalScale } from "./jhash.js";
import { Manip, type NatRange, NatRangeFlag, PROTO_RANDOM_ALL } from "./range.js";

/** NF_NAT_MAX_ATTEMPTS. */
const MAX_ATTEMPTS = 128;

/** What tuple selection asks the NAT core. */
export interface TupleSpace {
  /** nf_nat_used_tuple: the tuple's inverse belongs to another connection. */
  used(t: Tuple): boolean;
  /**
   * nf_nat_used_tuple_harder: as used(), but in the last attempts of a port
   * search a TCP SYN may evict a TIME_WAIT holder it has overtaken.
   */
  usedHarder(t: Tuple, attemptsLeft: number): boolean;
  /** find_appropriate_src: an existing mapping of this source that fits the range, into `out`. */
  findSrc(orig: Tuple, range: NatRange, out: Tuple): boolean;
  /** get_random_u16 (any value is allowed; ctkit's is a seeded generator). */
  random16(): number;
  /** The connection has a master (GRE keys are only remapped for PPTP's). */
  hasMaster(): boolean;
}

function isPortProto(p: number): boolean {
  return p === 6 || p === 17 || p === 136 || p === 132 || p === 33;
}

/** nf_nat_inet_in_range: the source address lies in the range. */
function addrInRange(t: Tuple, r: NatRange): boolean {
  if (t.family === 4) {
    const a = t.src[0] as number;
    return a >= (r.minAddr[0] as number) && a <= (r.maxAddr[0] as number);
  }
  return cmp6(t.src, r.minAddr) >= 0 && cmp6(t.src, r.maxAddr) <= 0;
}

function cmp6(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < 4; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** l4proto_in_range. */
function l4InRange(t: Tuple, manip: Manip, min: number, max: number): boolean {
  const p = t.proto;
  if (p === 1 || p === 58) return t.sport >= min && t.sport <= max;
  if (p === 47 || isPortProto(p)) {
    const port = manip === Manip.SRC ? t.sport : t.dport;
    return port >= min && port <= max;
  }
  return true;
}

/** nf_in_range: would source-mapping to this tuple meet the range? */
export function inRange(t: Tuple, r: NatRange): boolean {
  if (r.flags & NatRangeFlag.MAP_IPS && !addrInRange(t, r)) return false;
  if ((r.flags & NatRangeFlag.PROTO_SPECIFIED) === 0) return true;
  return l4InRange(t, Manip.SRC, r.minProto, r.maxProto);
}

const jwords = new Uint32Array(4);

/** find_best_ips_proto: the address, by jhash of the addresses for a multi-address range. */
function findBestIps(t: Tuple, r: NatRange, manip: Manip): void {
  if ((r.flags & NatRangeFlag.MAP_IPS) === 0) return;
  const v = manip === Manip.SRC ? t.src : t.dst;
  if (cmp6(r.minAddr, r.maxAddr) === 0) {
    v.set(r.minAddr);
    return;
  }
  const max = t.family === 4 ? 0 : 3;
  const persistent = (r.flags & NatRangeFlag.PERSISTENT) !== 0;
  for (let i = 0; i < 4; i++) jwords[i] = le32(t.src[i] as number);
  let j = jhash2(jwords, persistent ? 0 : le32(t.dst[max] as number));
  let full = false;
  for (let i = 0; i <= max; i++) {
    let minip: number;
    let dist: number;
    if (!full) {
      minip = r.minAddr[i] as number;
      dist = ((r.maxAddr[i] as number) - minip + 1) >>> 0;
    } else {
      minip = 0;
      dist = 0xffffffff;
    }
    v[i] = (minip + reciprocalScale(j, dist)) >>> 0;
    if (v[i] !== r.maxAddr[i]) full = true;
    if (!persistent) j = (j ^ le32(t.dst[i] as number)) >>> 0;
  }
}

/**
 * nf_nat_l4proto_unique_tuple: the port (ICMP id, GRE key) moved into the
 * range until the tuple is free; the last candidate stays when none is.
 */
export function l4UniqueTuple(t: Tuple, r: NatRange, manip: Manip, space: TupleSpace): void {
  const p = t.proto;
  let min: number;
  let size: number;
  let useSrc: boolean;
  if (p === 1 || p === 58) {
    useSrc = true;
    if ((r.flags & NatRangeFlag.PROTO_SPECIFIED) === 0) {
      min = 0;
      size = 65536;
    } else {
      min = r.minProto;
      size = r.maxProto - r.minProto + 1;
    }
  } else if (p === 47) {
    if (!space.hasMaster()) return;
    useSrc = manip === Manip.SRC;
    if ((r.flags & NatRangeFlag.PROTO_SPECIFIED) === 0) {
      min = 1;
      size = 65535;
    } else {
      min = r.minProto;
      size = r.maxProto - min + 1;
    }
  } else if (isPortProto(p)) {
    useSrc = manip === Manip.SRC;
    if ((r.flags & NatRangeFlag.PROTO_SPECIFIED) === 0) {
      // A destination rewrite without ports keeps the port.
      if (manip === Manip.DST) return;
      const port = t.sport;
      if (port < 1024) {
        // Loose convention: >= 512 is credential passing.
        if (port < 512) {
          min = 1;
          size = 511;
        } else {
          min = 600;
          size = 1023 - 600 + 1;
        }
      } else {
        min = 1024;
        size = 65535 - 1024 + 1;
      }
    } else {
      let lo = r.minProto;
      let hi = r.maxProto;
      if (hi < lo) [lo, hi] = [hi, lo];
      min = lo;
      size = hi - lo + 1;
    }
  } else return;
  let off: number;
  if ((r.flags & PROTO_RANDOM_ALL) !== 0 || manip !== Manip.DST) off = space.random16();
  else off = 0;
  let attempts = Math.min(size, MAX_ATTEMPTS);
  for (;;) {
    for (let i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
      const key = min + (off % size);
      if (useSrc) t.sport = key;
      else t.dport = key;
      if (!space.usedHarder(t, attempts - i)) return;
    }
    if (attempts >= size || attempts < 16) return;
    attempts = attempts >>> 1;
    off = space.random16();
  }
}

/**
 * get_unique_tuple: `out` becomes the original tuple `orig` mapped into
 * `r` for `manip`, unique when possible.
 */
export function getUniqueTuple(
  out: Tuple,
  orig: Tuple,
  r: NatRange,
  manip: Manip,
  space: TupleSpace,
): void {
  if (manip === Manip.SRC && (r.flags & PROTO_RANDOM_ALL) === 0) {
    if (inRange(orig, r)) {
      if (!space.used(orig)) {
        out.copyFrom(orig);
        return;
      }
    } else if (space.findSrc(orig, r, out)) {
      if (!space.used(out)) return;
    }
  }
  out.copyFrom(orig);
  findBestIps(out, r, manip);
  if ((r.flags & PROTO_RANDOM_ALL) === 0) {
    if (r.flags & NatRangeFlag.PROTO_SPECIFIED) {
      if (
        l4InRange(out, manip, r.minProto, r.maxProto) &&
        (r.minProto === r.maxProto || !space.used(out))
      )
        return;
    } else if (!space.used(out)) return;
  }
  l4UniqueTuple(out, r, manip, space);
}
