import { copyIpv6 } from "./addr.js";
import { EMPTY_BUFFER, rangeInside, readU16, readU32, writeU16 } from "./bytes.js";
import { ParseError } from "./errors.js";
import { IpProtocol } from "./protocols.js";

const HEADER_LENGTH = 40;

/**
 * The extension headers walked to reach the upper layer: the set Linux's ipv6_ext_hdr()
 * names (hop-by-hop, routing, fragment, destination options, AH). ESP and anything else end
 * the walk, as in the kernel, because their contents cannot be skipped blindly.
 */
export function isIpv6ExtensionHeader(nextHeader: number): boolean {
  return (
    nextHeader === IpProtocol.HopByHop ||
    nextHeader === IpProtocol.Routing ||
    nextHeader === IpProtocol.Fragment ||
    nextHeader === IpProtocol.DestinationOptions ||
    nextHeader === IpProtocol.Ah
  );
}

/**
 * IPv6 header (RFC 8200) plus the result of walking its extension-header chain. Addresses
 * stay in the packet: use the *Offset getters with `buffer`, or copy them out.
 */
export class Ipv6View {
  /** Discriminates Ipv6View from Ipv4View in `Ipv4View | Ipv6View` unions. */
  readonly ipVersion = 6 as const;
  private buf: Uint8Array = EMPTY_BUFFER;
  private off = 0;
  private len = 0;
  private upperProto = 0;
  private upperOff = 0;
  private fragOff = -1;
  private extCount = 0;

  /**
   * Points the view at an IPv6 packet and walks the extension headers. Bytes past
   * 40 + payload length (padding) are ignored; fewer than that is Truncated, and a header
   * chain running past the packet is BadExtensionHeader.
   */
  attach(buffer: Uint8Array, offset: number, length: number): ParseError {
    return this.attachInternal(buffer, offset, length, false);
  }

  /**
   * Like attach(), for the packet an ICMPv6 error quotes: the payload length may exceed the
   * bytes present; `length` then counts the bytes present.
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
    this.fragOff = -1;
    this.extCount = 0;
    this.upperProto = 0;
    this.upperOff = offset + HEADER_LENGTH;
    if (length < HEADER_LENGTH || !rangeInside(buffer, offset, length)) {
      return ParseError.Truncated;
    }
    if (buffer[offset] >>> 4 !== 6) return ParseError.BadVersion;
    const total = HEADER_LENGTH + readU16(buffer, offset + 4);
    if (total > length && !quoted) return ParseError.Truncated;
    this.len = Math.min(total, length);
    return this.walkExtensionHeaders(buffer[offset + 6]);
  }

  /**
   * Follows the chain like Linux's ipv6_skip_exthdr(), except that the view stops with an
   * error when a header does not fit instead of returning an offset past the end. A fragment
   * header with a non-zero offset ends the walk: what follows is a slice of the payload, not
   * a header.
   */
  private walkExtensionHeaders(firstNextHeader: number): ParseError {
    const buf = this.buf;
    const end = this.off + this.len;
    let next = firstNextHeader;
    let pos = this.off + HEADER_LENGTH;
    while (isIpv6ExtensionHeader(next)) {
      if (pos + 8 > end) return ParseError.BadExtensionHeader;
      let headerLength: number;
      if (next === IpProtocol.Fragment) {
        this.fragOff = pos;
        headerLength = 8;
      } else if (next === IpProtocol.Ah) {
        headerLength = (buf[pos + 1] + 2) * 4; // RFC 4302 counts AH in 32-bit words
      } else {
        headerLength = (buf[pos + 1] + 1) * 8;
      }
      if (pos + headerLength > end) return ParseError.BadExtensionHeader;
      this.extCount++;
      next = buf[pos];
      pos += headerLength;
      if (this.fragOff >= 0 && (readU16(buf, this.fragOff + 2) & 0xfff8) !== 0) break;
    }
    this.upperProto = next;
    this.upperOff = pos;
    return ParseError.Ok;
  }

  get buffer(): Uint8Array {
    return this.buf;
  }
  get offset(): number {
    return this.off;
  }
  /** Bytes of this packet in `buffer`: 40 + payload length (less for a quoted packet). */
  get length(): number {
    return this.len;
  }
  get version(): number {
    return this.buf[this.off] >>> 4;
  }
  get headerLength(): number {
    return HEADER_LENGTH;
  }
  get trafficClass(): number {
    return (readU16(this.buf, this.off) >>> 4) & 0xff;
  }
  get flowLabel(): number {
    return readU32(this.buf, this.off) & 0xfffff;
  }
  get payloadLength(): number {
    return readU16(this.buf, this.off + 4);
  }
  /** The next-header field of the fixed header (first extension header or upper layer). */
  get nextHeader(): number {
    return this.buf[this.off + 6];
  }
  get hopLimit(): number {
    return this.buf[this.off + 7];
  }
  /** Absolute offset of the 16-byte source address in `buffer`. */
  get sourceOffset(): number {
    return this.off + 8;
  }
  /** Absolute offset of the 16-byte destination address in `buffer`. */
  get destinationOffset(): number {
    return this.off + 24;
  }
  /** Extension headers walked before the upper layer. */
  get extensionHeaderCount(): number {
    return this.extCount;
  }
  /**
   * Protocol after the extension headers (TCP, UDP, ICMPv6, ESP, no-next-header...). For a
   * non-first fragment it is the fragment header's next header, and there is no header at
   * `upperOffset`, only payload bytes.
   */
  get upperProtocol(): number {
    return this.upperProto;
  }
  /** Absolute offset where the upper-layer data begins. */
  get upperOffset(): number {
    return this.upperOff;
  }
  get upperLength(): number {
    return this.off + this.len - this.upperOff;
  }
  get hasFragmentHeader(): boolean {
    return this.fragOff >= 0;
  }
  /** Absolute offset of the fragment header, -1 if there is none. */
  get fragmentHeaderOffset(): number {
    return this.fragOff;
  }
  /** Fragment offset in units of 8 bytes (0 without a fragment header). */
  get fragmentOffset(): number {
    return this.fragOff < 0 ? 0 : readU16(this.buf, this.fragOff + 2) >>> 3;
  }
  get moreFragments(): boolean {
    return this.fragOff >= 0 && (this.buf[this.fragOff + 3] & 1) !== 0;
  }
  get fragmentIdentification(): number {
    return this.fragOff < 0 ? 0 : readU32(this.buf, this.fragOff + 4);
  }
  /**
   * Part of a fragmented datagram. A fragment header with offset 0 and M clear (an "atomic
   * fragment", RFC 6946) is not: Linux processes such packets as whole datagrams.
   */
  get isFragment(): boolean {
    return this.fragOff >= 0 && (readU16(this.buf, this.fragOff + 2) & 0xfff9) !== 0;
  }

  /** Copies the source address into `out[outOff..outOff+16)`. */
  copySource(out: Uint8Array, outOff = 0): void {
    copyIpv6(this.buf, this.off + 8, out, outOff);
  }
  copyDestination(out: Uint8Array, outOff = 0): void {
    copyIpv6(this.buf, this.off + 24, out, outOff);
  }
  /** Overwrites the source address with `address[addressOff..addressOff+16)`. */
  setSource(address: Uint8Array, addressOff = 0): void {
    copyIpv6(address, addressOff, this.buf, this.off + 8);
  }
  setDestination(address: Uint8Array, addressOff = 0): void {
    copyIpv6(address, addressOff, this.buf, this.off + 24);
  }
  setHopLimit(hopLimit: number): void {
    this.buf[this.off + 7] = hopLimit;
  }
  /** Writes the payload length field; attach again to see the new size. */
  setPayloadLength(payloadLength: number): void {
    writeU16(this.buf, this.off + 4, payloadLength);
  }
}
