/**
 * Sequence adjustment (nf_conntrack_seqadj.c): when a NAT helper makes a
 * TCP payload longer or shorter, every later sequence number of that
 * direction — and every ACK and SACK edge the peer sends back — must be
 * shifted by the accumulated difference.
 *
 * Per direction Linux remembers only the last correction point: the
 * sequence number of the mangled segment, the offset that applies up to and
 * including it (`before`) and the one after it (`after`). A retransmission
 * of that segment, mangled again, finds `before !== after` and a position
 * that is not older, so it is not counted twice.
 *
 * The state exists only for connections that have a helper and whose tuple
 * NAT changed (the kernel's seqadj extension); a sparse map keeps the
 * other connections free of it.
 */
import { checksumReplace32, readU16, readU32, writeU16, writeU32 } from "@ctkit/packet";

/** Words per connection: [pos, before, after] for ORIGINAL, then for REPLY. */
const WORDS = 6;
const POS = 0;
const BEFORE = 1;
const AFTER = 2;

const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_SACK = 5;
const SACK_BLOCK = 8;

/** after(a, b) of the kernel: a is later than b in sequence space. */
function seqAfter(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

export class SeqAdjTable {
  private readonly bySlot = new Map<number, Int32Array>();

  /** nfct_seqadj_ext_add: give the connection its (zeroed) adjustment state. */
  add(slot: number): void {
    if (!this.bySlot.has(slot)) this.bySlot.set(slot, new Int32Array(WORDS));
  }

  has(slot: number): boolean {
    return this.bySlot.has(slot);
  }

  /** The connection is gone: its slot may be reused by an unrelated one. */
  free(slot: number): void {
    this.bySlot.delete(slot);
  }

  /**
   * nf_ct_seqadj_set: the segment of direction `dir` starting at `seq` was
   * made `delta` bytes longer (negative: shorter). Returns false when the
   * connection has no adjustment state (Linux warns once and ignores it).
   */
  set(slot: number, dir: 0 | 1, seq: number, delta: number): boolean {
    const s = this.bySlot.get(slot);
    if (s === undefined) return false;
    if (delta === 0) return true;
    const w = dir * 3;
    if (s[w + BEFORE] === s[w + AFTER] || seqAfter(seq >>> 0, (s[w + POS] as number) >>> 0)) {
      s[w + POS] = seq | 0;
      s[w + BEFORE] = s[w + AFTER] as number;
      s[w + AFTER] = ((s[w + AFTER] as number) + delta) | 0;
    }
    return true;
  }

  /** nf_ct_seq_offset: the offset direction `dir` applies to sequence number `seq`. */
  offset(slot: number, dir: 0 | 1, seq: number): number {
    const s = this.bySlot.get(slot);
    if (s === undefined) return 0;
    const w = dir * 3;
    return seqAfter(seq >>> 0, (s[w + POS] as number) >>> 0)
      ? (s[w + AFTER] as number)
      : (s[w + BEFORE] as number);
  }

  /** Correction state of one direction, for listings and tests: [pos, before, after]. */
  state(slot: number, dir: 0 | 1): [number, number, number] | null {
    const s = this.bySlot.get(slot);
    if (s === undefined) return null;
    const w = dir * 3;
    return [(s[w + POS] as number) >>> 0, s[w + BEFORE] as number, s[w + AFTER] as number];
  }

  /**
   * nf_ct_seq_adjust: rewrite the TCP segment at `tcpOff` of direction
   * `dir` — its sequence number by this direction's offset, and (with the
   * ACK flag) its ACK number and SACK edges by the other direction's —
   * keeping the TCP checksum right incrementally. False means the options
   * are malformed and the packet must be dropped, as Linux does.
   */
  adjust(slot: number, dir: 0 | 1, buf: Uint8Array, tcpOff: number, tcpLen: number): boolean {
    const s = this.bySlot.get(slot);
    if (s === undefined) return true;
    const csumOff = tcpOff + 16;
    const tw = dir * 3;
    const ow = (dir ^ 1) * 3;

    const seq = readU32(buf, tcpOff + 4);
    const seqOff = seqAfter(seq, (s[tw + POS] as number) >>> 0) ? s[tw + AFTER] : s[tw + BEFORE];
    this.replace(buf, csumOff, tcpOff + 4, seq, (seq + (seqOff as number)) >>> 0);

    if (((buf[tcpOff + 13] as number) & 0x10) === 0) return true;
    const ack = readU32(buf, tcpOff + 8);
    this.replace(buf, csumOff, tcpOff + 8, ack, this.unshift(s, ow, ack));
    return this.adjustSack(s, ow, buf, tcpOff, tcpLen);
  }

  /** A peer's ACK/SACK edge back into the sender's original numbering. */
  private unshift(s: Int32Array, ow: number, v: number): number {
    const before = s[ow + BEFORE] as number;
    const off = seqAfter((v - before) >>> 0, (s[ow + POS] as number) >>> 0)
      ? (s[ow + AFTER] as number)
      : before;
    return (v - off) >>> 0;
  }

  private adjustSack(
    s: Int32Array,
    ow: number,
    buf: Uint8Array,
    tcpOff: number,
    tcpLen: number,
  ): boolean {
    const optEnd = tcpOff + Math.min(((buf[tcpOff + 12] as number) >> 4) * 4, tcpLen);
    let o = tcpOff + 20;
    while (o < optEnd) {
      const kind = buf[o] as number;
      if (kind === TCPOPT_EOL) return true;
      if (kind === TCPOPT_NOP) {
        o++;
        continue;
      }
      // No partial options: a missing or impossible length drops the packet.
      if (o + 1 === optEnd) return false;
      const len = buf[o + 1] as number;
      if (len < 2 || o + len > optEnd) return false;
      if (kind === TCPOPT_SACK && len >= 2 + SACK_BLOCK && (len - 2) % SACK_BLOCK === 0) {
        for (let b = o + 2; b < o + len; b += 4) {
          const edge = readU32(buf, b);
          this.replace(buf, tcpOff + 16, b, edge, this.unshift(s, ow, edge));
        }
      }
      o += len;
    }
    return true;
  }

  private replace(buf: Uint8Array, csumOff: number, at: number, from: number, to: number): void {
    if (from === to) return;
    writeU32(buf, at, to);
    writeU16(buf, csumOff, checksumReplace32(readU16(buf, csumOff), from, to));
  }
}
