/**
 * Expectations (nf_conntrack_expect.c): a helper announces "a connection
 * matching this tuple/mask will come, and it belongs to this master". The
 * table is small (bounded by nf_conntrack_expect_max) and changes only on
 * helper events, so plain objects are fine here.
 */
import { Tuple } from "./tuple.js";

export const ExpectFlag = { PERMANENT: 1, INACTIVE: 2, USERSPACE: 4 } as const;

export interface Expectation {
  /** Expected connection's original tuple (source part masked). */
  readonly tuple: Tuple;
  /** Source address mask words and source port mask (0 = wildcard, 0xffff = exact). */
  readonly maskSrc: Uint32Array;
  maskSport: number;
  /** Master connection slot and its id (to notice slot reuse). */
  master: number;
  masterId: number;
  /** Index of the master's helper (the policy owner). */
  helper: number;
  cls: number;
  flags: number;
  /** Absolute expiry, seconds. */
  expires: number;
  /**
   * Called on the new connection that matched, before its first packet goes
   * on (NAT helpers set nf_nat_follow_master here). `now` is the packet's time.
   */
  expectfn: ((slot: number, exp: Expectation, now: number) => void) | null;
  /**
   * The port the helper read from the payload (exp->saved_proto), before a
   * NAT helper replaced the expected port with one of its own choosing.
   */
  savedPort: number;
  /** Order of creation, to evict the oldest. */
  seq: number;
  /** Direction of the master the expected connection relates to (NAT scratch). */
  dir: 0 | 1;
}

export function newExpectation(): Expectation {
  return {
    tuple: new Tuple(),
    maskSrc: new Uint32Array(4),
    maskSport: 0,
    master: -1,
    masterId: 0,
    helper: -1,
    cls: 0,
    flags: 0,
    expires: 0,
    expectfn: null,
    savedPort: 0,
    seq: 0,
    dir: 0,
  };
}

/** nf_ct_tuple_mask_cmp: destination exact, source under the mask. */
export function expectMatches(e: Expectation, t: Tuple): boolean {
  const et = e.tuple;
  if (et.family !== t.family || et.proto !== t.proto || et.dport !== t.dport) return false;
  for (let i = 0; i < 4; i++) {
    if (et.dst[i] !== t.dst[i]) return false;
    const m = e.maskSrc[i] as number;
    if (((et.src[i] as number) & m) !== ((t.src[i] as number) & m)) return false;
  }
  return (et.sport & e.maskSport) === (t.sport & e.maskSport);
}

/** Same tuple and mask (the "replace" case of __nf_ct_expect_check). */
export function expectSame(a: Expectation, b: Expectation): boolean {
  if (!a.tuple.equals(b.tuple) || a.maskSport !== b.maskSport) return false;
  for (let i = 0; i < 4; i++) if (a.maskSrc[i] !== b.maskSrc[i]) return false;
  return true;
}

/** Would a connection match both (under the intersection of their masks)? → -EBUSY. */
export function expectClash(a: Expectation, b: Expectation): boolean {
  const ta = a.tuple;
  const tb = b.tuple;
  if (ta.family !== tb.family || ta.proto !== tb.proto || ta.dport !== tb.dport) return false;
  for (let i = 0; i < 4; i++) {
    if (ta.dst[i] !== tb.dst[i]) return false;
    const m = (a.maskSrc[i] as number) & (b.maskSrc[i] as number);
    if (((ta.src[i] as number) & m) !== ((tb.src[i] as number) & m)) return false;
  }
  const pm = a.maskSport & b.maskSport;
  return (ta.sport & pm) === (tb.sport & pm);
}
