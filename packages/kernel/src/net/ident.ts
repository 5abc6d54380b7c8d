/**
 * Identifiers Linux draws at random for packets it originates, made
 * deterministic: IPv4 IDs of non-DF packets (__ip_select_ident: a counter
 * per hash bucket of (daddr, saddr, protocol), so IDs to one destination
 * count up) and IPv6 automatic flow labels (ip6_make_flowlabel: a hash of
 * the flow). Replays compare these fields masked; what matters is that
 * they behave like Linux's (consecutive per destination, stable per flow).
 */
import { hashV6, mix32 } from "./prefix.js";

const BUCKETS = 2048;

export class IpIdents {
  private readonly ids = new Uint16Array(BUCKETS);

  constructor(seed = 0x5eed) {
    for (let i = 0; i < BUCKETS; i++) this.ids[i] = mix32(seed ^ (i * 0x9e3779b1)) & 0xffff;
  }

  /** The ID for the next packet of this flow (ip_idents_reserve with segs = 1). */
  next(daddr: number, saddr: number, protocol: number): number {
    const h = mix32(daddr ^ mix32(saddr ^ mix32(protocol))) & (BUCKETS - 1);
    const id = this.ids[h] as number;
    this.ids[h] = id + 1;
    return id;
  }
}

/** The 20-bit automatic flow label of a flow between two IPv6 addresses. */
export function autoFlowLabel(
  buf: Uint8Array,
  srcOff: number,
  dstOff: number,
  protocol: number,
): number {
  const h = mix32(hashV6(buf, dstOff, hashV6(buf, srcOff)) ^ protocol);
  return ((h << 16) | (h >>> 16)) & 0xfffff;
}
