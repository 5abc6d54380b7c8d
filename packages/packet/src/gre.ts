import { EMPTY_BUFFER, rangeInside, readU16, readU32, writeU16, writeU32 } from "./bytes.js";
import { checksumIsValid, checksumSkippingField } from "./checksum.js";
import { ParseError } from "./errors.js";

/** Bits of the first 16-bit word of a GRE header (flags and version). */
export const GreFlag = {
  Checksum: 0x8000,
  /** RFC 1701 routing present; obsolete, and unsupported as in Linux. */
  Routing: 0x4000,
  Key: 0x2000,
  Sequence: 0x1000,
  StrictSourceRoute: 0x0800,
  /** Enhanced GRE (v1) acknowledgment number present. */
  Acknowledgment: 0x0080,
  VersionMask: 0x0007,
} as const;

/**
 * GRE header: version 0 (RFC 2784 with the RFC 2890 key and sequence extensions) and
 * version 1, PPTP's enhanced GRE (RFC 2637 §4.1), whose key field holds a 16-bit payload
 * length and a 16-bit call ID and which may carry an acknowledgment number.
 *
 * Version 1 is laid out like Linux's struct pptp_gre_header: the key field is always taken
 * as present (RFC 2637 requires K=1; Linux reads it without checking K, and so do we).
 */
export class GreView {
  private buf: Uint8Array = EMPTY_BUFFER;
  private off = 0;
  private len = 0;
  private hdrLen = 0;
  private checksumOff = -1;
  private keyOff = -1;
  private seqOff = -1;
  private ackOff = -1;

  /** Points the view at a GRE packet of `length` bytes (the IP payload). */
  attach(buffer: Uint8Array, offset: number, length: number): ParseError {
    this.buf = buffer;
    this.off = offset;
    this.len = length;
    this.hdrLen = 0;
    this.checksumOff = -1;
    this.keyOff = -1;
    this.seqOff = -1;
    this.ackOff = -1;
    if (length < 4 || !rangeInside(buffer, offset, length)) return ParseError.Truncated;
    const flags = readU16(buffer, offset);
    const version = flags & GreFlag.VersionMask;
    let headerLength = 4;
    if (version === 0) {
      // Linux's gre_parse_header() refuses RFC 1701 routing; the offset field it would bring
      // shares the word with the checksum (RFC 1701 §2.1), so C alone decides that word.
      if ((flags & GreFlag.Routing) !== 0) return ParseError.BadFlags;
      if ((flags & GreFlag.Checksum) !== 0) {
        this.checksumOff = offset + headerLength;
        headerLength += 4;
      }
      if ((flags & GreFlag.Key) !== 0) {
        this.keyOff = offset + headerLength;
        headerLength += 4;
      }
      if ((flags & GreFlag.Sequence) !== 0) {
        this.seqOff = offset + headerLength;
        headerLength += 4;
      }
    } else if (version === 1) {
      this.keyOff = offset + headerLength;
      headerLength += 4;
      if ((flags & GreFlag.Sequence) !== 0) {
        this.seqOff = offset + headerLength;
        headerLength += 4;
      }
      if ((flags & GreFlag.Acknowledgment) !== 0) {
        this.ackOff = offset + headerLength;
        headerLength += 4;
      }
    } else {
      return ParseError.BadVersion;
    }
    if (headerLength > length) return ParseError.Truncated;
    this.hdrLen = headerLength;
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
  /** The whole first word: flag bits (see GreFlag) and version. */
  get flags(): number {
    return readU16(this.buf, this.off);
  }
  get version(): number {
    return this.buf[this.off + 1] & GreFlag.VersionMask;
  }
  /** EtherType of the payload (0x880B, PPP, for PPTP). */
  get protocolType(): number {
    return readU16(this.buf, this.off + 2);
  }
  get headerLength(): number {
    return this.hdrLen;
  }
  get payloadOffset(): number {
    return this.off + this.hdrLen;
  }
  get payloadLength(): number {
    return this.len - this.hdrLen;
  }
  get hasChecksum(): boolean {
    return this.checksumOff >= 0;
  }
  /** Checksum field (v0 with C set), 0 when absent. */
  get checksum(): number {
    return this.checksumOff < 0 ? 0 : readU16(this.buf, this.checksumOff);
  }
  /** Whether the K bit is set (a v1 header has its key field regardless). */
  get hasKey(): boolean {
    return (this.buf[this.off] & 0x20) !== 0;
  }
  /** The 32-bit key field (v0 with K set, or any v1), 0 when absent. */
  get key(): number {
    return this.keyOff < 0 ? 0 : readU32(this.buf, this.keyOff);
  }
  /** v1: payload length, the high half of the key field. */
  get keyPayloadLength(): number {
    return this.keyOff < 0 ? 0 : readU16(this.buf, this.keyOff);
  }
  /** v1: call ID of the peer that receives this packet, the low half of the key field. */
  get callId(): number {
    return this.keyOff < 0 ? 0 : readU16(this.buf, this.keyOff + 2);
  }
  get hasSequence(): boolean {
    return this.seqOff >= 0;
  }
  get sequence(): number {
    return this.seqOff < 0 ? 0 : readU32(this.buf, this.seqOff);
  }
  get hasAcknowledgment(): boolean {
    return this.ackOff >= 0;
  }
  get acknowledgment(): number {
    return this.ackOff < 0 ? 0 : readU32(this.buf, this.ackOff);
  }

  /** Checksum over header and payload (field counted as zero); -1 without a checksum field. */
  computeChecksum(): number {
    if (this.checksumOff < 0) return -1;
    return checksumSkippingField(this.buf, this.off, this.len, 4);
  }
  /** True when the checksum is correct or the header has none. */
  verifyChecksum(): boolean {
    return this.checksumOff < 0 || checksumIsValid(this.buf, this.off, this.len);
  }
  fillChecksum(): void {
    if (this.checksumOff >= 0) writeU16(this.buf, this.checksumOff, this.computeChecksum());
  }

  /** Field setters write only where the header has the field; they are no-ops otherwise. */
  setChecksum(checksum: number): void {
    if (this.checksumOff >= 0) writeU16(this.buf, this.checksumOff, checksum);
  }
  setKey(key: number): void {
    if (this.keyOff >= 0) writeU32(this.buf, this.keyOff, key);
  }
  setKeyPayloadLength(length: number): void {
    if (this.keyOff >= 0) writeU16(this.buf, this.keyOff, length);
  }
  setCallId(callId: number): void {
    if (this.keyOff >= 0) writeU16(this.buf, this.keyOff + 2, callId);
  }
  setSequence(sequence: number): void {
    if (this.seqOff >= 0) writeU32(this.buf, this.seqOff, sequence);
  }
  setAcknowledgment(ack: number): void {
    if (this.ackOff >= 0) writeU32(this.buf, this.ackOff, ack);
  }
}
