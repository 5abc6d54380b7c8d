import { EMPTY_BUFFER, rangeInside, readU16, writeU16 } from "./bytes.js";
import { ParseError } from "./errors.js";
import { computeL4Checksum, fillL4Checksum, type IpView, verifyL4Checksum } from "./l4-checksum.js";
import { IpProtocol } from "./protocols.js";

const HEADER_LENGTH = 8;

/**
 * UDP header (RFC 768). The UDP length field delimits the datagram: bytes the IP layer
 * carries past it are ignored (Linux trims them too), fewer is Truncated.
 */
export class UdpView {
  private buf: Uint8Array = EMPTY_BUFFER;
  private off = 0;
  private len = 0;

  /** Points the view at a datagram inside `length` bytes of IP payload. */
  attach(buffer: Uint8Array, offset: number, length: number): ParseError {
    return this.attachInternal(buffer, offset, length, false);
  }

  /**
   * For a datagram quoted in an ICMP error: the length field may exceed the bytes present;
   * `length` then counts the bytes present.
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
    if (length < HEADER_LENGTH || !rangeInside(buffer, offset, length)) {
      return ParseError.Truncated;
    }
    const udpLength = readU16(buffer, offset + 4);
    if (udpLength < HEADER_LENGTH) return ParseError.BadLength;
    if (udpLength > length && !quoted) return ParseError.Truncated;
    this.len = Math.min(udpLength, length);
    return ParseError.Ok;
  }

  get buffer(): Uint8Array {
    return this.buf;
  }
  get offset(): number {
    return this.off;
  }
  /** Bytes of the datagram in `buffer` (the length field, less for a quoted datagram). */
  get length(): number {
    return this.len;
  }
  get sourcePort(): number {
    return readU16(this.buf, this.off);
  }
  get destinationPort(): number {
    return readU16(this.buf, this.off + 2);
  }
  /** The length field: header plus data. */
  get udpLength(): number {
    return readU16(this.buf, this.off + 4);
  }
  get checksum(): number {
    return readU16(this.buf, this.off + 6);
  }
  /** Zero means the sender computed no checksum (allowed over IPv4 only). */
  get hasChecksum(): boolean {
    return this.checksum !== 0;
  }
  get headerLength(): number {
    return HEADER_LENGTH;
  }
  get payloadOffset(): number {
    return this.off + HEADER_LENGTH;
  }
  get payloadLength(): number {
    return this.len - HEADER_LENGTH;
  }

  /** The checksum this datagram should carry inside `ip`; never 0 (0 maps to 0xFFFF). */
  computeChecksum(ip: IpView): number {
    return computeL4Checksum(ip, IpProtocol.Udp, this.buf, this.off, this.len);
  }
  /** True when correct, or when absent over IPv4. */
  verifyChecksum(ip: IpView): boolean {
    return verifyL4Checksum(ip, IpProtocol.Udp, this.buf, this.off, this.len);
  }
  fillChecksum(ip: IpView): void {
    fillL4Checksum(ip, IpProtocol.Udp, this.buf, this.off, this.len);
  }

  setSourcePort(port: number): void {
    writeU16(this.buf, this.off, port);
  }
  setDestinationPort(port: number): void {
    writeU16(this.buf, this.off + 2, port);
  }
  /** Writes the length field; attach again to see the new size. */
  setUdpLength(length: number): void {
    writeU16(this.buf, this.off + 4, length);
  }
  setChecksum(checksum: number): void {
    writeU16(this.buf, this.off + 6, checksum);
  }
}
