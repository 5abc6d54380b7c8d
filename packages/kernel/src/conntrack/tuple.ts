/**
 * Connection tuples (struct nf_conntrack_tuple): addresses, protocol and
 * the two 16-bit protocol words — ports for TCP/UDP, (id, type<<8|code)
 * for ICMP queries, keys for GRE. Scratch tuples are reused objects with
 * fixed typed arrays, so extracting and inverting allocates nothing.
 */
export class Tuple {
  family: 4 | 6 = 4;
  proto = 0;
  /** Source and destination address words (IPv4 uses word 0 only). */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** Source port / ICMP id / GRE source key. */
  sport = 0;
  /** Destination port / ICMP type<<8|code / GRE destination key. */
  dport = 0;

  copyFrom(t: Tuple): void {
    this.family = t.family;
    this.proto = t.proto;
    this.src.set(t.src);
    this.dst.set(t.dst);
    this.sport = t.sport;
    this.dport = t.dport;
  }

  equals(t: Tuple): boolean {
    const a = this.src;
    const b = this.dst;
    return (
      this.family === t.family &&
      this.proto === t.proto &&
      this.sport === t.sport &&
      this.dport === t.dport &&
      a[0] === t.src[0] &&
      a[1] === t.src[1] &&
      a[2] === t.src[2] &&
      a[3] === t.src[3] &&
      b[0] === t.dst[0] &&
      b[1] === t.dst[1] &&
      b[2] === t.dst[2] &&
      b[3] === t.dst[3]
    );
  }
}

/** ICMP query types and their answers (icmp_invert_tuple's table). */
const ICMP_INVERSE = new Int16Array(256).fill(-1);
for (const [q, r] of [
  [8, 0],
  [13, 14],
  [15, 16],
  [17, 18],
]) {
  ICMP_INVERSE[q as number] = r as number;
  ICMP_INVERSE[r as number] = q as number;
}
const ICMPV6_INVERSE = new Int16Array(256).fill(-1);
for (const [q, r] of [
  [128, 129],
  [139, 140],
]) {
  ICMPV6_INVERSE[q as number] = r as number;
  ICMPV6_INVERSE[r as number] = q as number;
}

/** Types that may start an ICMP "connection" (icmp_new's valid_new). */
export function icmpTypeMayCreate(family: 4 | 6, type: number): boolean {
  return family === 4
    ? type === 8 || type === 13 || type === 15 || type === 17
    : type === 128 || type === 139;
}

/** Writes the reply-direction tuple of `t` into `out`. False when it has none (an ICMP type without an answer). */
export function invertTuple(t: Tuple, out: Tuple): boolean {
  out.family = t.family;
  out.proto = t.proto;
  // Element copies: TypedArray.set costs more than four of them (a new connection's hot path).
  const os = out.src;
  const od = out.dst;
  const ts = t.src;
  const td = t.dst;
  os[0] = td[0] as number;
  os[1] = td[1] as number;
  os[2] = td[2] as number;
  os[3] = td[3] as number;
  od[0] = ts[0] as number;
  od[1] = ts[1] as number;
  od[2] = ts[2] as number;
  od[3] = ts[3] as number;
  if (t.proto === 1 || t.proto === 58) {
    const type = t.dport >>> 8;
    const inv = (t.proto === 1 ? ICMP_INVERSE : ICMPV6_INVERSE)[type] as number;
    if (inv < 0) return false;
    out.sport = t.sport;
    out.dport = (inv << 8) | (t.dport & 0xff);
    return true;
  }
  out.sport = t.dport;
  out.dport = t.sport;
  return true;
}
