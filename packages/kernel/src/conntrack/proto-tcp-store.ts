/**
 * Per-connection TCP tracking state, stored struct-of-arrays: one 64-byte
 * record per conntrack slot inside a single ArrayBuffer, read through four
 * typed-array views. No object exists per connection.
 *
 * Record layout (byte offsets within a slot), mirroring struct ip_ct_tcp:
 *
 * | bytes | field                                   |
 * |-------|-----------------------------------------|
 * | 0-15  | seen[0]: td_end, td_maxend, td_maxwin, td_maxack (u32 each) |
 * | 16-31 | seen[1]: the same for the reply direction |
 * | 32-35 | last_seq  (u32)                          |
 * | 36-39 | last_ack  (u32)                          |
 * | 40-43 | last_end  (u32)                          |
 * | 44-45 | last_win  (u16, host order)              |
 * | 46    | state (enum tcp_conntrack)              |
 * | 47    | retrans (u8, wraps like the kernel's)   |
 * | 48/50 | td_scale of seen[0] / seen[1]            |
 * | 49/51 | flags of seen[0] / seen[1] (TcpFlags)    |
 * | 52    | last_dir                                 |
 * | 53    | last_index                               |
 * | 54    | last_wscale                              |
 * | 55    | last_flags (TcpFlags incl. CHALLENGE_ACK / SIMULTANEOUS_OPEN) |
 * | 56-63 | unused                                   |
 */

/** Bytes per connection. */
export const TCP_STATE_BYTES = 64;
const WORDS = TCP_STATE_BYTES / 4;
const HALVES = TCP_STATE_BYTES / 2;

/** IP_CT_TCP_FLAG_* (per direction) and the two last_flags-only bits. */
export const TcpFlags = {
  /** The sender offered window scaling. */
  WindowScale: 0x01,
  /** The sender offered SACK. */
  SackPerm: 0x02,
  /** This side sent the first FIN. */
  CloseInit: 0x04,
  /** Window checks failing for this side are not enforced. */
  BeLiberal: 0x08,
  /** This side has sent data the other side has not acknowledged yet. */
  DataUnacknowledged: 0x10,
  /** td_maxack holds a value. */
  MaxackSet: 0x20,
  /** last_flags: an RFC 5961 challenge ACK may follow an ignored SYN in LAST_ACK. */
  ExpChallengeAck: 0x40,
  /** last_flags: the connection went through SYN_SENT2. */
  SimultaneousOpen: 0x80,
} as const;

// Word indexes (u32) within a record.
export const W_TD_END = 0;
export const W_TD_MAXEND = 1;
export const W_TD_MAXWIN = 2;
export const W_TD_MAXACK = 3;
/** Words per direction block: add dir * W_DIR to the W_TD_* indexes. */
export const W_DIR = 4;
export const W_LAST_SEQ = 8;
export const W_LAST_ACK = 9;
export const W_LAST_END = 10;
// Half-word index (u16).
export const H_LAST_WIN = 22;
// Byte indexes.
export const B_STATE = 46;
export const B_RETRANS = 47;
/** td_scale of direction d is at B_SCALE + 2 * d, its flags at B_FLAGS + 2 * d. */
export const B_SCALE = 48;
export const B_FLAGS = 49;
export const B_LAST_DIR = 52;
export const B_LAST_INDEX = 53;
export const B_LAST_WSCALE = 54;
export const B_LAST_FLAGS = 55;

export class TcpStateStore {
  /** u32 view: index slot * 16 + W_*. */
  u32: Uint32Array;
  /**
   * The same words as int32: the tracker keeps sequence numbers as int32, which V8 never
   * boxes, where a uint32 above 2^31 becomes a heap number at every call boundary.
   */
  i32: Int32Array;
  /** u16 view: index slot * 32 + H_*. */
  u16: Uint16Array;
  /** u8 view: index slot * 64 + B_*. */
  u8: Uint8Array;
  private cap: number;

  constructor(capacity = 1024) {
    this.cap = Math.max(1, capacity | 0);
    const buf = new ArrayBuffer(this.cap * TCP_STATE_BYTES);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u16 = new Uint16Array(buf);
    this.u8 = new Uint8Array(buf);
  }

  get capacity(): number {
    return this.cap;
  }

  /** Bytes the store occupies (capacity × 64). */
  get byteLength(): number {
    return this.u8.byteLength;
  }

  /** Makes room for slots below `minCapacity` (doubling); existing records are kept. */
  ensureCapacity(minCapacity: number): void {
    if (minCapacity <= this.cap) return;
    let next = this.cap * 2;
    while (next < minCapacity) next *= 2;
    const buf = new ArrayBuffer(next * TCP_STATE_BYTES);
    const u8 = new Uint8Array(buf);
    u8.set(this.u8);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u16 = new Uint16Array(buf);
    this.u8 = u8;
    this.cap = next;
  }

  /** Zeroes a record (the kernel's memset of ct->proto.tcp). */
  clear(slot: number): void {
    // Plain stores: TypedArray.fill costs more than sixteen of them (once per new connection).
    const u32 = this.u32;
    const w = slot * WORDS;
    for (let i = 0; i < WORDS; i++) u32[w + i] = 0;
  }

  /** Copies one record to another slot (e.g. when the table compacts). */
  copy(from: number, to: number): void {
    this.u32.copyWithin(to * WORDS, from * WORDS, from * WORDS + WORDS);
  }

  /**
   * The first and last byte of a record: loads its cache lines early (see
   * ConnTable.warm). The buffer's start need not be line-aligned, so a
   * 64-byte record may span two.
   */
  warm(slot: number): number {
    const b = slot * TCP_STATE_BYTES;
    return (this.u8[b] as number) ^ (this.u8[b + TCP_STATE_BYTES - 1] as number);
  }

  // Readable accessors (listing, ctnetlink-style dumps, tests). The tracker
  // itself indexes the arrays directly.

  state(slot: number): number {
    return this.u8[slot * TCP_STATE_BYTES + B_STATE];
  }
  setState(slot: number, state: number): void {
    this.u8[slot * TCP_STATE_BYTES + B_STATE] = state;
  }
  tdEnd(slot: number, dir: number): number {
    return this.u32[slot * WORDS + dir * W_DIR + W_TD_END];
  }
  tdMaxend(slot: number, dir: number): number {
    return this.u32[slot * WORDS + dir * W_DIR + W_TD_MAXEND];
  }
  tdMaxwin(slot: number, dir: number): number {
    return this.u32[slot * WORDS + dir * W_DIR + W_TD_MAXWIN];
  }
  tdMaxack(slot: number, dir: number): number {
    return this.u32[slot * WORDS + dir * W_DIR + W_TD_MAXACK];
  }
  tdScale(slot: number, dir: number): number {
    return this.u8[slot * TCP_STATE_BYTES + B_SCALE + 2 * dir];
  }
  flags(slot: number, dir: number): number {
    return this.u8[slot * TCP_STATE_BYTES + B_FLAGS + 2 * dir];
  }
  setFlags(slot: number, dir: number, flags: number): void {
    this.u8[slot * TCP_STATE_BYTES + B_FLAGS + 2 * dir] = flags;
  }
  retrans(slot: number): number {
    return this.u8[slot * TCP_STATE_BYTES + B_RETRANS];
  }
  lastDir(slot: number): number {
    return this.u8[slot * TCP_STATE_BYTES + B_LAST_DIR];
  }
  lastIndex(slot: number): number {
    return this.u8[slot * TCP_STATE_BYTES + B_LAST_INDEX];
  }
  lastSeq(slot: number): number {
    return this.u32[slot * WORDS + W_LAST_SEQ];
  }
  lastAck(slot: number): number {
    return this.u32[slot * WORDS + W_LAST_ACK];
  }
  lastEnd(slot: number): number {
    return this.u32[slot * WORDS + W_LAST_END];
  }
  lastWin(slot: number): number {
    return this.u16[slot * HALVES + H_LAST_WIN];
  }
  lastWscale(slot: number): number {
    return this.u8[slot * TCP_STATE_BYTES + B_LAST_WSCALE];
  }
  lastFlags(slot: number): number {
    return this.u8[slot * TCP_STATE_BYTES + B_LAST_FLAGS];
  }

  /** nf_ct_set_tcp_be_liberal: stop enforcing the window in both directions. */
  setBeLiberal(slot: number): void {
    const b = slot * TCP_STATE_BYTES;
    this.u8[b + B_FLAGS] |= TcpFlags.BeLiberal;
    this.u8[b + B_FLAGS + 2] |= TcpFlags.BeLiberal;
  }
}
