/**
 * The conntrack table, struct-of-arrays: one slot per connection, each
 * field in its own typed array, and an open-addressing hash of both
 * directions' tuples (value slot*2+dir). No object per connection, so a
 * million connections cost a few hundred bytes each and the garbage
 * collector never walks them.
 *
 * Each hash entry carries, next to its value, the ports and the first
 * address words of the tuple it stands for: an IPv4 lookup is decided on
 * the entry's own cache line, without a second, dependent memory access to
 * the slot's addresses (per packet, the most expensive access of the path).
 */
import type { Tuple } from "./tuple.js";

const EMPTY = -1;
const TOMBSTONE = -2;

/** Int32 words per hash entry: value (slot*2+dir or EMPTY/TOMBSTONE), ports, src[0], dst[0]. */
const ENTRY = 4;
const E_PORTS = 1;
const E_SRC = 2;
const E_DST = 3;

/** Address words per connection: original src/dst, reply src/dst, 4 words each. */
const ADDR_STRIDE = 16;

export class ConnTable {
  capacity = 0;
  count = 0;
  addr = new Uint32Array(0);
  /** Per direction: sport << 16 | dport. */
  ports = new Uint32Array(0);
  family = new Uint8Array(0);
  proto = new Uint8Array(0);
  status = new Uint32Array(0);
  /** Absolute expiry time in seconds (virtual clock). */
  expires = new Float64Array(0);
  mark = new Uint32Array(0);
  /** Conntrack id shown by `conntrack -L -o id`; 0 marks a free slot. */
  id = new Uint32Array(0);
  /** Slot of the master connection (expected connections), -1 none. */
  master = new Int32Array(0);
  /** Index into the core's helper list, -1 none. */
  helper = new Int16Array(0);
  /** Packets and bytes, original then reply (acct). */
  acct = new Float64Array(0);
  private nextFree = new Int32Array(0);
  private freeHead = -1;
  /**
   * Per slot and direction (bit dir): the tuple has address words beyond
   * the first (an IPv6 address; 0 for IPv4), which the hash entry lacks.
   */
  private wide = new Uint8Array(0);
  /** The hash: ENTRY words per entry; `hashMask + 1` entries. */
  private hash = new Int32Array(0);
  private hashMask = 0;
  private hashUsed = 0;
  private nextId = 1;
  private readonly seed: number;

  constructor(initialCapacity = 1024, seed = 0x9e3779b9) {
    this.seed = seed | 0;
    this.grow(Math.max(16, initialCapacity));
  }

  /** Bytes of typed-array storage per connection slot (for the bench report). */
  static bytesPerSlot(): number {
    return ADDR_STRIDE * 4 + 2 * 4 + 1 + 1 + 4 + 8 + 4 + 4 + 4 + 2 + 4 * 8 + 4 + 1;
  }

  private grow(newCap: number): void {
    const old = this.capacity;
    const copy = <T extends { set(a: ArrayLike<number>): void }>(
      make: (n: number) => T,
      src: ArrayLike<number>,
      stride: number,
    ): T => {
      const a = make(newCap * stride);
      a.set(src);
      return a;
    };
    this.addr = copy((n) => new Uint32Array(n), this.addr, ADDR_STRIDE);
    this.ports = copy((n) => new Uint32Array(n), this.ports, 2);
    this.family = copy((n) => new Uint8Array(n), this.family, 1);
    this.proto = copy((n) => new Uint8Array(n), this.proto, 1);
    this.status = copy((n) => new Uint32Array(n), this.status, 1);
    this.expires = copy((n) => new Float64Array(n), this.expires, 1);
    this.mark = copy((n) => new Uint32Array(n), this.mark, 1);
    this.id = copy((n) => new Uint32Array(n), this.id, 1);
    this.master = copy((n) => new Int32Array(n), this.master, 1);
    this.helper = copy((n) => new Int16Array(n), this.helper, 1);
    this.acct = copy((n) => new Float64Array(n), this.acct, 4);
    this.nextFree = copy((n) => new Int32Array(n), this.nextFree, 1);
    this.wide = copy((n) => new Uint8Array(n), this.wide, 1);
    // Thread the new slots onto the free list, lowest first.
    for (let s = newCap - 1; s >= old; s--) {
      this.nextFree[s] = this.freeHead;
      this.freeHead = s;
    }
    this.capacity = newCap;
    this.rehash(Math.max(64, nextPow2(newCap * 4)));
  }

  private rehash(size: number): void {
    const old = this.hash;
    this.hash = new Int32Array(size * ENTRY).fill(EMPTY);
    this.hashMask = size - 1;
    this.hashUsed = 0;
    for (let i = 0; i < old.length; i += ENTRY) {
      const v = old[i] as number;
      if (v >= 0) this.hashPlace(v);
    }
  }

  /** Allocates a slot (not yet in the hash: an unconfirmed connection). */
  alloc(): number {
    if (this.freeHead < 0) this.grow(this.capacity * 2);
    const s = this.freeHead;
    this.freeHead = this.nextFree[s] as number;
    this.count++;
    this.id[s] = this.nextId;
    this.nextId = this.nextId === 0xffffffff ? 1 : this.nextId + 1;
    this.status[s] = 0;
    this.mark[s] = 0;
    this.master[s] = -1;
    this.helper[s] = -1;
    this.expires[s] = 0;
    const a = s * 4;
    this.acct[a] = 0;
    this.acct[a + 1] = 0;
    this.acct[a + 2] = 0;
    this.acct[a + 3] = 0;
    return s;
  }

  /** Returns a slot to the free list; it must already be out of the hash. */
  free(s: number): void {
    this.id[s] = 0;
    this.nextFree[s] = this.freeHead;
    this.freeHead = s;
    this.count--;
  }

  isLive(s: number): boolean {
    return s >= 0 && s < this.capacity && this.id[s] !== 0;
  }

  /** Reserves room for `n` connections up front (nf_conntrack hashsize given), sparing rehashes later. */
  reserve(n: number): void {
    if (n > this.capacity) this.grow(nextPow2(n));
  }

  /** Stores a direction's tuple in slot s. */
  setTuple(s: number, dir: 0 | 1, t: Tuple): void {
    const base = s * ADDR_STRIDE + dir * 8;
    // Plain stores: TypedArray.set costs more than eight of them.
    const a = this.addr;
    const src = t.src;
    const dst = t.dst;
    a[base] = src[0] as number;
    a[base + 1] = src[1] as number;
    a[base + 2] = src[2] as number;
    a[base + 3] = src[3] as number;
    a[base + 4] = dst[0] as number;
    a[base + 5] = dst[1] as number;
    a[base + 6] = dst[2] as number;
    a[base + 7] = dst[3] as number;
    this.ports[s * 2 + dir] = ((t.sport & 0xffff) << 16) | (t.dport & 0xffff);
    this.family[s] = t.family;
    this.proto[s] = t.proto;
    const beyond = src[1] | src[2] | src[3] | dst[1] | dst[2] | dst[3];
    const bit = 1 << dir;
    this.wide[s] = beyond === 0 ? (this.wide[s] as number) & ~bit : (this.wide[s] as number) | bit;
  }

  /** Reads a direction's tuple of slot s into `out`. */
  getTuple(s: number, dir: 0 | 1, out: Tuple): void {
    const base = s * ADDR_STRIDE + dir * 8;
    for (let i = 0; i < 4; i++) {
      out.src[i] = this.addr[base + i] as number;
      out.dst[i] = this.addr[base + 4 + i] as number;
    }
    const p = this.ports[s * 2 + dir] as number;
    out.sport = p >>> 16;
    out.dport = p & 0xffff;
    out.family = this.family[s] as 4 | 6;
    out.proto = this.proto[s] as number;
  }

  /**
   * The tuple's hash. An IPv4 tuple mixes its two endpoints (address and
   * port) in a canonical order, so a connection's two directions — the
   * same endpoints swapped, unless NAT changed the reply — start probing at
   * the same entry and usually share one cache line: a connection's lookups
   * touch one line of the hash instead of two. Other tuples (IPv6: address
   * words beyond the first) mix every word in tuple order.
   * Words are read as int32 (`| 0`): a uint32 above 2^31 handed to mix()
   * would be boxed.
   */
  private hashTuple(
    family: number,
    proto: number,
    src: Uint32Array,
    dst: Uint32Array,
    ports: number,
  ): number {
    const wide =
      ((src[1] as number) |
        (src[2] as number) |
        (src[3] as number) |
        (dst[1] as number) |
        (dst[2] as number) |
        (dst[3] as number)) !==
      0;
    return this.hashWords(family, proto, src, 0, dst, 0, ports, wide);
  }

  /** hashTuple of the tuple stored in slot*2+dir = v. */
  private slotHash(v: number): number {
    const s = v >> 1;
    const dir = v & 1;
    const base = s * ADDR_STRIDE + dir * 8;
    return this.hashWords(
      this.family[s] as number,
      this.proto[s] as number,
      this.addr,
      base,
      this.addr,
      base + 4,
      (this.ports[s * 2 + dir] as number) | 0,
      ((this.wide[s] as number) & (1 << dir)) !== 0,
    );
  }

  /** The hash of a tuple whose address words are src[so..so+3] and dst[dso..dso+3]. */
  private hashWords(
    family: number,
    proto: number,
    src: Uint32Array,
    so: number,
    dst: Uint32Array,
    dso: number,
    ports: number,
    wide: boolean,
  ): number {
    let h = this.seed ^ (family << 8) ^ proto;
    const a = (src[so] as number) | 0;
    const b = (dst[dso] as number) | 0;
    if (!wide) {
      const pa = ports >>> 16;
      const pb = ports & 0xffff;
      if (a < b || (a === b && pa <= pb)) {
        h = mix(h, a);
        h = mix(h, b);
        h = mix(h, (pa << 16) | pb);
      } else {
        h = mix(h, b);
        h = mix(h, a);
        h = mix(h, (pb << 16) | pa);
      }
      return finish(h);
    }
    h = mix(h, a);
    h = mix(h, b);
    h = mix(h, ports);
    for (let i = 1; i < 4; i++) h = mix(h, (src[so + i] as number) | 0);
    for (let i = 1; i < 4; i++) h = mix(h, (dst[dso + i] as number) | 0);
    return finish(h);
  }

  private hashPlace(v: number): void {
    const h = this.hash;
    let i = this.slotHash(v) & this.hashMask;
    while ((h[i * ENTRY] as number) >= 0) i = (i + 1) & this.hashMask;
    const e = i * ENTRY;
    if (h[e] === EMPTY) this.hashUsed++;
    const s = v >> 1;
    const dir = v & 1;
    const base = s * ADDR_STRIDE + dir * 8;
    h[e] = v;
    h[e + E_PORTS] = this.ports[s * 2 + dir] as number;
    h[e + E_SRC] = this.addr[base] as number;
    h[e + E_DST] = this.addr[base + 4] as number;
  }

  /** Inserts both directions of slot s (confirmation). */
  insert(s: number): void {
    const size = this.hashMask + 1;
    if ((this.hashUsed + 2) * 2 > size) {
      // Mostly tombstones: clean up at the same size; mostly live: double.
      const live = this.count * 2;
      this.rehash(live * 4 > size ? size * 2 : size);
    }
    this.hashPlace(s * 2);
    this.hashPlace(s * 2 + 1);
  }

  /** Removes both directions of slot s from the hash. */
  remove(s: number): void {
    for (let dir = 0; dir < 2; dir++) {
      const v = s * 2 + dir;
      let i = this.slotHash(v) & this.hashMask;
      for (;;) {
        const cur = this.hash[i * ENTRY] as number;
        if (cur === EMPTY) break;
        if (cur === v) {
          this.hash[i * ENTRY] = TOMBSTONE;
          break;
        }
        i = (i + 1) & this.hashMask;
      }
    }
  }

  /** Finds a confirmed connection by tuple: slot*2+dir, or -1. */
  find(t: Tuple): number {
    const ports = ((t.sport & 0xffff) << 16) | (t.dport & 0xffff);
    const tsrc = t.src;
    const tdst = t.dst;
    const src0 = (tsrc[0] as number) | 0;
    const dst0 = (tdst[0] as number) | 0;
    const beyond =
      (tsrc[1] as number) |
      (tsrc[2] as number) |
      (tsrc[3] as number) |
      (tdst[1] as number) |
      (tdst[2] as number) |
      (tdst[3] as number);
    const h = this.hash;
    let i = this.hashTuple(t.family, t.proto, tsrc, tdst, ports) & this.hashMask;
    for (;;) {
      const e = i * ENTRY;
      const v = h[e] as number;
      if (v === EMPTY) return -1;
      if (
        v >= 0 &&
        h[e + E_PORTS] === ports &&
        h[e + E_SRC] === src0 &&
        h[e + E_DST] === dst0 &&
        this.sameRest(v, t, beyond)
      ) {
        return v;
      }
      i = (i + 1) & this.hashMask;
    }
  }

  /**
   * The rest of find()'s comparison, once ports and first address words
   * matched: protocol, family, and the other address words — read from the
   * slot only when either side has any (`beyond`: the tuple's, OR-ed).
   */
  private sameRest(v: number, t: Tuple, beyond: number): boolean {
    const s = v >> 1;
    const dir = v & 1;
    if (this.proto[s] !== t.proto || this.family[s] !== t.family) return false;
    if (beyond === 0 && ((this.wide[s] as number) & (1 << dir)) === 0) return true;
    const a = this.addr;
    const base = s * ADDR_STRIDE + dir * 8;
    return (
      a[base + 1] === t.src[1] &&
      a[base + 2] === t.src[2] &&
      a[base + 3] === t.src[3] &&
      a[base + 5] === t.dst[1] &&
      a[base + 6] === t.dst[2] &&
      a[base + 7] === t.dst[3]
    );
  }

  /**
   * Reads one cell of each per-connection array a packet of slot `s` goes on
   * to read and write (expiry, status, counters). With a large table these
   * are cache misses; loaded back to back right after the lookup, they wait
   * for memory together instead of one after another as the tracking code
   * reaches each. The result means nothing: the caller keeps it so the
   * loads stay.
   */
  warm(s: number): number {
    // Both ends of the counters: an array's start need not be cache-line
    // aligned, so one slot's 32 bytes may span two lines.
    // Folded to an int32: a fractional result would be boxed on its way out.
    return (
      ((this.expires[s] as number) | 0) ^
      (this.status[s] as number) ^
      ((this.acct[s * 4] as number) | 0) ^
      ((this.acct[s * 4 + 3] as number) | 0)
    );
  }

  /** Live slots in id order (for listings). */
  slots(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.capacity; s++) if (this.id[s] !== 0) out.push(s);
    return out.sort((x, y) => (this.id[x] as number) - (this.id[y] as number));
  }

  /** Heap bytes of all arrays (for the bench's bytes-per-connection figure). */
  byteSize(): number {
    return (
      this.addr.byteLength +
      this.ports.byteLength +
      this.family.byteLength +
      this.proto.byteLength +
      this.status.byteLength +
      this.expires.byteLength +
      this.mark.byteLength +
      this.id.byteLength +
      this.master.byteLength +
      this.helper.byteLength +
      this.acct.byteLength +
      this.nextFree.byteLength +
      this.wide.byteLength +
      this.hash.byteLength
    );
  }
}

/** Final avalanche; stays a small integer (no boxing), callers mask it anyway. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

function mix(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
