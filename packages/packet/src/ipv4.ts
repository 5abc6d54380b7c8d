import { EMPTY_BUFFER, rangeInside, readU16, readU32, writeU16, writeU32 } from "./bytes.js";
import { ipv4HeaderChecksum, verifyIpv4HeaderChecksum } from "./checksum.js";
import { ParseError } from "./errors.js";

const MIN_HEADER_LENGTH = 20;

/**
 * IPv4 header (RFC 791) over caller-owned bytes. Addresses are unsigned 32-bit numbers.
 * After a successful attach every getter reads inside the header, so none can fail.
 */
export class Ipv4View {
  /** Discriminates Ipv4View from Ipv6View in `Ipv4View | Ipv6View` unions. */
  readonly ipVersion = 4 as const;
  private buf: Uint8Array = EMPTY_BUFFER;
  private off = 0;
  private len = 0;
  private hdrLen = 0;

  /**
   * Points the view at an IPv4 packet of up to `length` bytes. Bytes beyond the header's
   * total length (Ethernet padding) are ignored; fewer bytes than it announces is Truncated.
   */
  attach(buffer: Uint8Array, offset: number, length: number): ParseError {
    return this.attachInternal(buffer, offset, length, false);
  }

  /**
   * Like attach(), for the packet an ICMP error quotes: the total length may exceed the bytes
   * present, because the quote keeps only a prefix. `length`/`payloadLength` then count the
   * bytes present, while `totalLength` still reports the header field.
   */
  attachQuoted(buffer: Uint8Array, offset: number, length: number): ParseError {
    return this.attachInternal(buffer, offset, length, true);
  }

  private attachInternal(
    buffer: Uint8Array,
    offset: number,
    length: number,
    quoted: boolean,
  ): ParseError {
    this.buf = buffer;
    this.off = offset;
    this.len = 0;
    this.hdrLen = 0;
    if (length < MIN_HEADER_LENGTH || !rangeInside(buffer, offset, length)) {
      return ParseError.Truncated;
    }
    const versionIhl = buffer[offset];
    if (versionIhl >>> 4 !== 4) return ParseError.BadVersion;
    const headerLength = (versionIhl & 0x0f) * 4;
    if (headerLength < MIN_HEADER_LENGTH) return ParseError.BadHeaderLength;
    if (headerLength > length) return ParseError.Truncated;
    const total = readU16(buffer, offset + 2);
    if (total < headerLength) return ParseError.BadTotalLength;
    if (total > length && !quoted) return ParseError.Truncated;
    this.hdrLen = headerLength;
    this.len = Math.min(total, length);
    return ParseError.Ok;
  }

  get buffer(): Uint8Array {
    return this.buf;
  }
  get offset(): number {
    return this.off;
  }
  /** Bytes of this packet in `buffer`: the total length (less for a quoted packet). */
  get length(): number {
    return this.len;
  }
  get version(): number {
    return this.buf[this.off] >>> 4;
  }
  /** Header length in bytes (IHL * 4), options included. */
  get headerLength(): number {
    return this.hdrLen;
  }
  /** The whole second byte: DSCP and ECN. */
  get tos(): number {
    return this.buf[this.off + 1];
  }
  get dscp(): number {
    return this.buf[this.off + 1] >>> 2;
  }
  get ecn(): number {
    return this.buf[this.off + 1] & 0x03;
  }
  get totalLength(): number {
    return readU16(this.buf, this.off + 2);
  }
  get identification(): number {
    return readU16(this.buf, this.off + 4);
  }
  /** The three flag bits (reserved, DF, MF) as a number 0-7. */
  get flags(): number {
    return this.buf[this.off + 6] >>> 5;
  }
  get dontFragment(): boolean {
    return (this.buf[this.off + 6] & 0x40) !== 0;
  }
  get moreFragments(): boolean {
    return (this.buf[this.off + 6] & 0x20) !== 0;
  }
  /** Fragment offset in units of 8 bytes, as on the wire. */
  get fragmentOffset(): number {
    return readU16(this.buf, this.off + 6) & 0x1fff;
  }
  /** A fragment of a larger datagram (first, middle or last): MF set or offset non-zero. */
  get isFragment(): boolean {
    return (readU16(this.buf, this.off + 6) & 0x3fff) !== 0;
  }
  get ttl(): number {
    return this.buf[this.off + 8];
  }
  get protocol(): number {
    return this.buf[this.off + 9];
  }
  get checksum(): number {
    return readU16(this.buf, this.off + 10);
  }
  get source(): number {
    return readU32(this.buf, this.off + 12);
  }
  get destination(): number {
    return readU32(this.buf, this.off + 16);
  }
  get optionsOffset(): number {
    return this.off + MIN_HEADER_LENGTH;
  }
  get optionsLength(): number {
    return this.hdrLen - MIN_HEADER_LENGTH;
  }
  get payloadOffset(): number {
    return this.off + this.hdrLen;
  }
  get payloadLength(): number {
    return this.len - this.hdrLen;
  }

  /** The header checksum this header should carry (its checksum field counted as zero). */
  computeChecksum(): number {
    return ipv4HeaderChecksum(this.buf, this.off, this.hdrLen);
  }
  verifyChecksum(): boolean {
    return verifyIpv4HeaderChecksum(this.buf, this.off, this.hdrLen);
  }
  /** Recomputes and stores the header checksum (after edits that did not update it). */
  fillChecksum(): void {
    writeU16(this.buf, this.off + 10, this.computeChecksum());
  }

  setSource(address: number): void {
    writeU32(this.buf, this.off + 12, address);
  }
  setDestination(address: number): void {
    writeU32(this.buf, this.off + 16, address);
  }
  setTtl(ttl: number): void {
    this.buf[this.off + 8] = ttl;
  }
  setChecksum(checksum: number): void {
    writeU16(this.buf, this.off + 10, checksum);
  }
  setIdentification(id: number): void {
    writeU16(this.buf, this.off + 4, id);
  }
  setTos(tos: number): void {
    this.buf[this.off + 1] = tos;
  }
  /**
   * Writes the total length field, e.g. after a helper resized the payload. The view keeps
   * its attached length: attach again to see the new size.
   */
  setTotalLength(totalLength: number): void {
    writeU16(this.buf, this.off + 2, totalLength);
  }
}
