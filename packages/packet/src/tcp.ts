import { EMPTY_BUFFER, rangeInside, readU16, readU32, writeU16, writeU32 } from "./bytes.js";
import { ParseError } from "./errors.js";
import { computeL4Checksum, fillL4Checksum, type IpView, verifyL4Checksum } from "./l4-checksum.js";
import { IpProtocol } from "./protocols.js";

const MIN_HEADER_LENGTH = 20;
/** Ports and sequence number: all an ICMP error is guaranteed to quote (RFC 792). */
const QUOTED_MINIMUM = 8;

/** Bits of the TCP flags byte (byte 13). */
export const TcpFlag = {
  Fin: 0x01,
  Syn: 0x02,
  Rst: 0x04,
  Psh: 0x08,
  Ack: 0x10,
  Urg: 0x20,
  Ece: 0x40,
  Cwr: 0x80,
} as const;

/** TCP header (RFC 9293). `length` is the whole segment, as the IP layer delimits it. */
export class TcpView {
  private buf: Uint8Array = EMPTY_BUFFER;
  private off = 0;
  private len = 0;
  private hdrLen = 0;
  private complete = false;

  /** Points the view at a segment of `length` bytes (the IP payload). */
  attach(buffer: Uint8Array, offset: number, length: number): ParseError {
    this.buf = buffer;
    this.off = offset;
    this.len = length;
    this.hdrLen = 0;
    this.complete = false;
    if (length < MIN_HEADER_LENGTH || !rangeInside(buffer, offset, length)) {
      return ParseError.Truncated;
    }
    const headerLength = (buffer[offset + 12] >>> 4) * 4;
    if (headerLength < MIN_HEADER_LENGTH) return ParseError.BadHeaderLength;
    if (headerLength > length) return ParseError.Truncated;
    this.hdrLen = headerLength;
    this.complete = true;
    return ParseError.Ok;
  }

  /**
   * For a segment quoted in an ICMP error: needs only the first 8 bytes. When the whole
   * header is present `isComplete` is true and the view works as after attach(); otherwise
   * only the ports and the sequence number are meaningful.
   */
  attachQuoted(buffer: Uint8Array, offset: number, length: number): ParseError {
    const status = this.attach(buffer, offset, length);
    if (status === ParseError.Ok) return status;
    if (length < QUOTED_MINIMUM || !rangeInside(buffer, offset, length)) {
      return ParseError.Truncated;
    }
    this.buf = buffer;
    this.off = offset;
    this.len = length;
    this.hdrLen = 0;
    this.complete = false;
    return ParseError.Ok;
  }

  get buffer(): Uint8Array {
    return this.buf;
  }
  get offset(): number {
    return this.off;
  }
  get length(): number {
    return this.len;
  }
  /** Whether the whole header is present (always after a successful attach()). */
  get isComplete(): boolean {
    return this.complete;
  }
  get sourcePort(): number {
    return readU16(this.buf, this.off);
  }
  get destinationPort(): number {
    return readU16(this.buf, this.off + 2);
  }
  get sequenceNumber(): number {
    return readU32(this.buf, this.off + 4);
  }
  get acknowledgmentNumber(): number {
    return readU32(this.buf, this.off + 8);
  }
  /** Data offset field: header length in 32-bit words. */
  get dataOffset(): number {
    return this.buf[this.off + 12] >>> 4;
  }
  get headerLength(): number {
    return this.hdrLen;
  }
  /** The flags byte (CWR ECE URG ACK PSH RST SYN FIN); test with TcpFlag. */
  get flags(): number {
    return this.buf[this.off + 13];
  }
  get fin(): boolean {
    return (this.buf[this.off + 13] & TcpFlag.Fin) !== 0;
  }
  get syn(): boolean {
    return (this.buf[this.off + 13] & TcpFlag.Syn) !== 0;
  }
  get rst(): boolean {
    return (this.buf[this.off + 13] & TcpFlag.Rst) !== 0;
  }
  get psh(): boolean {
    return (this.buf[this.off + 13] & TcpFlag.Psh) !== 0;
  }
  get ack(): boolean {
    return (this.buf[this.off + 13] & TcpFlag.Ack) !== 0;
  }
  get urg(): boolean {
    return (this.buf[this.off + 13] & TcpFlag.Urg) !== 0;
  }
  get ece(): boolean {
    return (this.buf[this.off + 13] & TcpFlag.Ece) !== 0;
  }
  get cwr(): boolean {
    return (this.buf[this.off + 13] & TcpFlag.Cwr) !== 0;
  }
  get window(): number {
    return readU16(this.buf, this.off + 14);
  }
  get checksum(): number {
    return readU16(this.buf, this.off + 16);
  }
  get urgentPointer(): number {
    return readU16(this.buf, this.off + 18);
  }
  get optionsOffset(): number {
    return this.off + MIN_HEADER_LENGTH;
  }
  get optionsLength(): number {
    return this.complete ? this.hdrLen - MIN_HEADER_LENGTH : 0;
  }
  get payloadOffset(): number {
    return this.off + this.hdrLen;
  }
  get payloadLength(): number {
    return this.complete ? this.len - this.hdrLen : 0;
  }

  /** The checksum this segment should carry inside `ip` (which supplies the pseudo header). */
  computeChecksum(ip: IpView): number {
    return computeL4Checksum(ip, IpProtocol.Tcp, this.buf, this.off, this.len);
  }
  verifyChecksum(ip: IpView): boolean {
    return verifyL4Checksum(ip, IpProtocol.Tcp, this.buf, this.off, this.len);
  }
  fillChecksum(ip: IpView): void {
    fillL4Checksum(ip, IpProtocol.Tcp, this.buf, this.off, this.len);
  }

  setSourcePort(port: number): void {
    writeU16(this.buf, this.off, port);
  }
  setDestinationPort(port: number): void {
    writeU16(this.buf, this.off + 2, port);
  }
  setSequenceNumber(seq: number): void {
    writeU32(this.buf, this.off + 4, seq);
  }
  setAcknowledgmentNumber(ack: number): void {
    writeU32(this.buf, this.off + 8, ack);
  }
  setFlags(flags: number): void {
    this.buf[this.off + 13] = flags;
  }
  setWindow(window: number): void {
    writeU16(this.buf, this.off + 14, window);
  }
  setChecksum(checksum: number): void {
    writeU16(this.buf, this.off + 16, checksum);
  }
}
