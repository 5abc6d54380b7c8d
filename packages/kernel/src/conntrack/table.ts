/**
 * The conntrack table, struct-of-arrays: one slot per connection, each
 * field in its own typed array, and an open-addressing hash of both
 * directions' tuples (value slot*2+dir). No object per connection, so a
 * million connections cost a few hundred bytes each and the garbage
 * collector never walks them.
 */
import type { Tuple } from "./tuple.js";

const EMPTY = -1;
const TOMBSTONE = -2;

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
    return ADDR_STRIDE * 4 + 2 * 4 + 1 + 1 + 4 + 8 + 4 + 4 + 4 + 2 + 4 * 8 + 4;
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
    this.hash = new Int32Array(size).fill(EMPTY);
    this.hashMask = size - 1;
    this.hashUsed = 0;
    for (let i = 0; i < old.length; i++) {
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

  private hashTuple(
    family: number,
    proto: number,
    src: Uint32Array,
    dst: Uint32Array,
    ports: number,
  ): number {
    let h = this.seed ^ (family << 8) ^ proto;
    h = mix(h, src[0] as number);
    h = mix(h, src[1] as number);
    h = mix(h, src[2] as number);
    h = mix(h, src[3] as number);
    h = mix(h, dst[0] as number);
    h = mix(h, dst[1] as number);
    h = mix(h, dst[2] as number);
    h = mix(h, dst[3] as number);
    h = mix(h, ports);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    // Stays a small integer (no boxing); callers mask it anyway.
    return h ^ (h >>> 13);
  }

  private slotHash(v: number): number {
    const s = v >> 1;
    const dir = v & 1;
    const base = s * ADDR_STRIDE + dir * 8;
    const a = this.addr;
    let h = this.seed ^ ((this.family[s] as number) << 8) ^ (this.proto[s] as number);
    for (let i = 0; i < 8; i++) h = mix(h, a[base + i] as number);
    h = mix(h, this.ports[s * 2 + dir] as number);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    // Stays a small integer (no boxing); callers mask it anyway.
    return h ^ (h >>> 13);
  }

  private hashPlace(v: number): void {
    let i = this.slotHash(v) & this.hashMask;
    while ((this.hash[i] as number) >= 0) i = (i + 1) & this.hashMask;
    if (this.hash[i] === EMPTY) this.hashUsed++;
    this.hash[i] = v;
  }

  /** Inserts both directions of slot s (confirmation). */
  insert(s: number): void {
    if ((this.hashUsed + 2) * 2 > this.hash.length) {
      // Mostly tombstones: clean up at the same size; mostly live: double.
      const live = this.count * 2;
      this.rehash(live * 4 > this.hash.length ? this.hash.length * 2 : this.hash.length);
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
        const cur = this.hash[i] as number;
        if (cur === EMPTY) break;
        if (cur === v) {
          this.hash[i] = TOMBSTONE;
          break;
        }
        i = (i + 1) & this.hashMask;
      }
    }
  }

  /** Finds a confirmed connection by tuple: slot*2+dir, or -1. */
  find(t: Tuple): number {
    const ports = ((t.sport & 0xffff) << 16) | (t.dport & 0xffff);
    let i = this.hashTuple(t.family, t.proto, t.src, t.dst, ports) & this.hashMask;
    const a = this.addr;
    for (;;) {
      const v = this.hash[i] as number;
      if (v === EMPTY) return -1;
      if (v >= 0) {
        const s = v >> 1;
        const base = s * ADDR_STRIDE + (v & 1) * 8;
        if (
          this.ports[s * 2 + (v & 1)] === ports >>> 0 &&
          this.proto[s] === t.proto &&
          this.family[s] === t.family &&
          a[base] === t.src[0] &&
          a[base + 4] === t.dst[0] &&
          a[base + 1] === t.src[1] &&
          a[base + 2] === t.src[2] &&
          a[base + 3] === t.src[3] &&
          a[base + 5] === t.dst[1] &&
          a[base + 6] === t.dst[2] &&
          a[base + 7] === t.dst[3]
        ) {
          return v;
        }
      }
      i = (i + 1) & this.hashMask;
    }
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
      this.hash.byteLength
    );
  }
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
