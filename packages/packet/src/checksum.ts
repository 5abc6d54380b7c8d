/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are plain JS numbers: adding 16-bit words cannot lose precision below 2^53, so the
 * carries are folded once at the end instead of after every word.
 */

/** Folds carries into 16 bits (end-around carry). The result is 0 only for a zero sum. */
export function foldChecksum(sum: number): number {
  if (sum === sum >>> 0) {
    // An integer below 2^32 (every packet's sum): two integer folds do what the loop does.
    const once = (sum & 0xffff) + (sum >>> 16);
    return (once & 0xffff) + (once >>> 16);
  }
  while (sum > 0xffff) {
    const low = sum & 0xffff; // & works on the low 32 bits, which keeps the low 16 intact
    sum = low + (sum - low) / 0x10000;
  }
  return sum;
}

/**
 * Ones' complement sum of `buf[off, off+len)` as big-endian 16-bit words, added to `initial`,
 * folded to 16 bits but not complemented. An odd last byte counts as the high byte of a word
 * padded with zero. When summing a message in pieces, every piece but the last must have an
 * even length, or the following bytes would land in the wrong half of their words.
 * Bytes outside `buf` count as zero.
 */
export function onesComplementSum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  if (
    LITTLE_ENDIAN &&
    len >= WORDWISE_MIN_LENGTH &&
    initial >= 0 &&
    initial <= MAX_EXACT_INITIAL &&
    (off | 0) === off &&
    (len | 0) === len &&
    off >= 0 &&
    off + len <= buf.length
  ) {
    const words = wordView(buf);
    const start = wordViewByteOffset + off;
    // The word holding the last byte inside the view too (the buffer's length need not be a
    // multiple of 4; it may have shrunk or been detached): otherwise the byte loop decides.
    if (start + len <= 0x7fffffff && (start + len + 3) >>> 2 <= words.length) {
      return foldChecksum(initial + wordwiseSum(words, start, len));
    }
  }
  let sum = initial;
  const last = off + len - 1;
  let i = off;
  for (; i < last; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i === last) sum += buf[i] << 8;
  return foldChecksum(sum);
}

/** Word-wise summing reads native words; its byte-weight argument assumes little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Below this many bytes the byte-pair loop is as fast as reading whole words (a UDP header
 * alone); the 16-byte IPv6 addresses of a pseudo header and TCP headers go word-wise.
 */
const WORDWISE_MIN_LENGTH = 16;

/**
 * Adding a folded sum instead of the raw one to `initial` leaves the fold unchanged only
 * while both are exact non-negative integers: keep `initial` far below 2^53.
 */
const MAX_EXACT_INITIAL = 2 ** 40;

/** Words summed between folds: 2^12 × 0xffff stays far below 2^31, so the sums stay int32. */
const WORDS_PER_FOLD = 1 << 12;

/**
 * Int32Array views over the buffers of two byte arrays summed word-wise,
 * with their byte offsets: the packets of a replay live in one or two
 * capture windows (two inputs merged by time alternate between theirs), so
 * views are made per window, not per packet. Reading `.buffer` per call
 * would cost more than the summing saves on a small packet. A miss replaces
 * the entry not used last, so two alternating arrays both stay.
 */
const NO_WORDS: Int32Array<ArrayBufferLike> = new Int32Array(0);
let bytesA: Uint8Array | null = null;
let wordsA = NO_WORDS;
let offsetA = 0;
let bytesB: Uint8Array | null = null;
let wordsB = NO_WORDS;
let offsetB = 0;
let lastUsedA = true;
/** Byte offset of the array wordView() was last asked about, within its buffer. */
let wordViewByteOffset = 0;

function wordView(buf: Uint8Array): Int32Array<ArrayBufferLike> {
  if (buf === bytesA) {
    lastUsedA = true;
    wordViewByteOffset = offsetA;
    return wordsA;
  }
  if (buf === bytesB) {
    lastUsedA = false;
    wordViewByteOffset = offsetB;
    return wordsB;
  }
  const b = buf.buffer;
  const words = new Int32Array(b, 0, b.byteLength >>> 2);
  wordViewByteOffset = buf.byteOffset;
  if (lastUsedA) {
    bytesB = buf;
    wordsB = words;
    offsetB = wordViewByteOffset;
  } else {
    bytesA = buf;
    wordsA = words;
    offsetA = wordViewByteOffset;
  }
  lastUsedA = !lastUsedA;
  return words;
}

/**
 * The ones' complement sum of `buf[off, off+len)` (`start` = its address in the underlying
 * buffer), folded to 16 bits, equal to the byte-pair loop's: 0 only when every byte is zero.
 *
 * The message is read as native little-endian 32-bit words, the first and last of them
 * masked down to the message's own bytes. Ones' complement arithmetic is arithmetic modulo
 * 0xffff, where 2^16 ≡ 1, so a byte weighs 1 at an even address and 2^8 at an odd one however
 * the words around it are grouped. That sum is the big-endian one with its two bytes swapped
 * when the message starts at an even address (RFC 1071 §2(B), byte order independence), and
 * the big-endian one itself when it starts at an odd address. The caller checked that the
 * words holding the first and last byte lie inside `words`.
 */
function wordwiseSum(words: Int32Array<ArrayBufferLike>, start: number, len: number): number {
  const end = start + len;
  const last = (end - 1) >>> 2;
  let w = start >>> 2;
  // Little-endian: the bytes before `start` are the low ones of the first word.
  const first = (words[w] as number) & (-1 << ((start & 3) << 3));
  let low = first & 0xffff;
  let high = first >>> 16;
  let sum = 0;
  w++;
  while (w < last) {
    const stop = Math.min(last, w + WORDS_PER_FOLD);
    // Four words per turn: independent loads and adds keep the loop from waiting on itself.
    for (; w + 3 < stop; w += 4) {
      const x0 = words[w] as number;
      const x1 = words[w + 1] as number;
      const x2 = words[w + 2] as number;
      const x3 = words[w + 3] as number;
      low += (x0 & 0xffff) + (x1 & 0xffff) + (x2 & 0xffff) + (x3 & 0xffff);
      high += (x0 >>> 16) + (x1 >>> 16) + (x2 >>> 16) + (x3 >>> 16);
    }
    for (; w < stop; w++) {
      const x = words[w] as number;
      low += x & 0xffff;
      high += x >>> 16;
    }
    sum += low + high;
    low = 0;
    high = 0;
  }
  // ... and the bytes from `end` on the high ones of the last word.
  const kept = end & 3;
  const tail =
    kept === 0 ? (words[last] as number) : (words[last] as number) & ((1 << (kept << 3)) - 1);
  sum += low + high + (tail & 0xffff) + (tail >>> 16);
  const folded = foldChecksum(sum);
  return (start & 1) === 0 ? ((folded & 0xff) << 8) | (folded >>> 8) : folded;
}

/** Ones' complement addition of two 16-bit sums. */
export function checksumAdd(a: number, b: number): number {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
}

/** The Internet checksum of a byte range: the complement of its ones' complement sum. */
export function internetChecksum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  return ~onesComplementSum(buf, off, len, initial) & 0xffff;
}

/**
 * Checksum of a message whose checksum field (at `off + checksumFieldOffset`, even) must count
 * as zero; `pseudoSum` is the folded pseudo-header sum (0 when the protocol has none).
 * Skipping the field rather than zeroing it keeps the buffer untouched.
 */
export function checksumSkippingField(
  buf: Uint8Array,
  off: number,
  len: number,
  checksumFieldOffset: number,
  pseudoSum = 0,
): number {
  const afterField = checksumFieldOffset + 2;
  let sum = onesComplementSum(buf, off, checksumFieldOffset, pseudoSum);
  sum = onesComplementSum(buf, off + afterField, len - afterField, sum);
  return ~sum & 0xffff;
}

/** Whether a message including its checksum field sums to 0xFFFF, i.e. its checksum is right. */
export function checksumIsValid(buf: Uint8Array, off: number, len: number, pseudoSum = 0): boolean {
  return onesComplementSum(buf, off, len, pseudoSum) === 0xffff;
}

/** IPv4 header checksum over `headerLength` bytes, the checksum field counted as zero. */
export function ipv4HeaderChecksum(buf: Uint8Array, off: number, headerLength: number): number {
  return checksumSkippingField(buf, off, headerLength, 10);
}

/** Whether the IPv4 header at `off` carries a correct checksum. */
export function verifyIpv4HeaderChecksum(
  buf: Uint8Array,
  off: number,
  headerLength: number,
): boolean {
  return checksumIsValid(buf, off, headerLength);
}

/** Folded sum of the IPv4 pseudo header (RFC 793/768): addresses, protocol, L4 length. */
export function ipv4PseudoHeaderSum(
  source: number,
  destination: number,
  protocol: number,
  length: number,
): number {
  return foldChecksum(
    (source >>> 16) +
      (source & 0xffff) +
      (destination >>> 16) +
      (destination & 0xffff) +
      protocol +
      length,
  );
}

/**
 * Folded sum of the IPv6 pseudo header (RFC 8200 §8.1); the addresses are read from `buf`
 * where the IPv6 header holds them, and `length` is the upper-layer packet length (32 bits).
 */
export function ipv6PseudoHeaderSum(
  buf: Uint8Array,
  sourceOffset: number,
  destinationOffset: number,
  nextHeader: number,
  length: number,
): number {
  let sum = onesComplementSum(buf, sourceOffset, 16);
  sum = onesComplementSum(buf, destinationOffset, 16, sum);
  return foldChecksum(sum + (length >>> 16) + (length & 0xffff) + nextHeader);
}

/**
 * UDP transmits a computed checksum of 0 as 0xFFFF, because 0 on the wire means "no
 * checksum" (RFC 768). Apply after computing or incrementally updating a UDP checksum.
 */
export function udpChecksumOnWire(checksum: number): number {
  return checksum === 0 ? 0xffff : checksum;
}

/**
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for one 16-bit field changing from `from` to `to`.
 *
 * Ones' complement addition with end-around carry yields 0 only when every term is 0, so for
 * any message whose bytes are not all zero this equals a full recomputation, 0x0000 vs 0xFFFF
 * included; a pseudo header or an IPv4 header is never all zero. The one divergence: if the
 * edit leaves every covered byte zero (an ICMPv4 echo reply with id 0, seq 0 and no data),
 * this yields 0x0000 where recomputation yields 0xFFFF. Linux's csum_replace2/4 compute the
 * same eqn. 3, so ctkit keeps its result to stay byte-identical with the kernel.
 */
export function checksumReplace16(checksum: number, from: number, to: number): number {
  let sum = checksumAdd(~checksum & 0xffff, ~from & 0xffff);
  sum = checksumAdd(sum, to & 0xffff);
  return ~sum & 0xffff;
}

/** RFC 1624 eqn. 3 for a 32-bit field (an IPv4 address, a TCP sequence number). */
export function checksumReplace32(checksum: number, from: number, to: number): number {
  let sum = checksumAdd(~checksum & 0xffff, ~(from >>> 16) & 0xffff);
  sum = checksumAdd(sum, ~from & 0xffff);
  sum = checksumAdd(sum, to >>> 16);
  sum = checksumAdd(sum, to & 0xffff);
  return ~sum & 0xffff;
}

/**
 * RFC 1624 eqn. 3 for `length` bytes (even) changing from `from[fromOff..]` to `to[toOff..]`,
 * e.g. a 16-byte IPv6 address. Read the old bytes before overwriting them in place.
 */
export function checksumReplaceBytes(
  checksum: number,
  from: Uint8Array,
  fromOff: number,
  to: Uint8Array,
  toOff: number,
  length: number,
): number {
  let sum = ~checksum & 0xffff;
  for (let i = 0; i < length; i += 2) {
    sum = checksumAdd(sum, ~((from[fromOff + i] << 8) | from[fromOff + i + 1]) & 0xffff);
    sum = checksumAdd(sum, (to[toOff + i] << 8) | to[toOff + i + 1]);
  }
  return ~sum & 0xffff;
}

/** RFC 1624 eqn. 3 for a 16-byte IPv6 address. */
export function checksumReplaceIpv6Address(
  checksum: number,
  from: Uint8Array,
  fromOff: number,
  to: Uint8Array,
  toOff: number,
): number {
  return checksumReplaceBytes(checksum, from, fromOff, to, toOff, 16);
}
