/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are plain JS numbers: adding 16-bit words cannot lose precision below 2^53, so the
 * carries are folded once at the end instead of after every word.
 */

/** Folds carries into 16 bits (end-around carry). The result is 0 only for a zero sum. */
export function foldChecksum(sum: number): number {
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
 */
export function onesComplementSum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  const last = off + len - 1;
  let i = off;
  for (; i < last; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i === last) sum += buf[i] << 8;
  return foldChecksum(sum);
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
