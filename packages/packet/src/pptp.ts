import { EMPTY_BUFFER, rangeInside, readU16, readU32, writeU16 } from "./bytes.js";
import { ParseError } from "./errors.js";

/** TCP port of the PPTP control connection. */
export const PPTP_CONTROL_PORT = 1723;
export const PPTP_MAGIC_COOKIE = 0x1a2b3c4d;
/** PPTP message type 1: control message (2, management, is never used). */
export const PPTP_MESSAGE_CONTROL = 1;

/** Length, PPTP message type, magic cookie, control message type, reserved. */
const HEADER_LENGTH = 12;

/** Control message types (RFC 2637 §2). */
export const PptpControlType = {
  StartControlConnectionRequest: 1,
  StartControlConnectionReply: 2,
  StopControlConnectionRequest: 3,
  StopControlConnectionReply: 4,
  EchoRequest: 5,
  EchoReply: 6,
  OutgoingCallRequest: 7,
  OutgoingCallReply: 8,
  IncomingCallRequest: 9,
  IncomingCallReply: 10,
  IncomingCallConnected: 11,
  CallClearRequest: 12,
  CallDisconnectNotify: 13,
  WanErrorNotify: 14,
  SetLinkInfo: 15,
} as const;

/**
 * Minimum body size (bytes after the 12-byte header) of each control message: the RFC 2637
 * structure sizes, as Linux's nf_conntrack_pptp (pptp_msg_size[]) demands them before it
 * looks at a message. Echo request/reply have no entry there, so no minimum (0) here either.
 */
const MINIMUM_BODY_SIZES: readonly number[] = [
  0, 144, 144, 4, 4, 0, 0, 156, 20, 208, 12, 16, 4, 136, 28, 12,
];

/** Minimum body size of control message `type`; 0 for echo and unknown types. */
export function pptpControlMinimumBodySize(type: number): number {
  return MINIMUM_BODY_SIZES[type] ?? 0;
}

/** Offsets from the message start of Call ID, Peer's Call ID and Result Code per type. */
const CALL_ID_OFFSETS: readonly number[] = [
  -1, -1, -1, -1, -1, -1, -1, 12, 12, 12, 12, -1, 12, 12, -1, -1,
];
const PEER_CALL_ID_OFFSETS: readonly number[] = [
  -1, -1, -1, -1, -1, -1, -1, -1, 14, -1, 14, 12, -1, -1, 12, 12,
];
const RESULT_CODE_OFFSETS: readonly number[] = [
  -1, -1, 14, -1, 12, -1, 16, -1, 16, -1, 16, -1, -1, 14, -1, -1,
];

/**
 * One PPTP control message at the start of a TCP payload (RFC 2637 §1.4). Like Linux, only
 * a message at payload offset 0 is considered; the length field is reported, not enforced.
 */
export class PptpControlView {
  private buf: Uint8Array = EMPTY_BUFFER;
  private off = 0;
  private len = 0;

  /**
   * Points the view at `length` bytes of TCP payload. BadMessageType / BadMagicCookie when it
   * is not a control message; Truncated when a known message type is shorter than its body.
   */
  attach(buffer: Uint8Array, offset: number, length: number): ParseError {
    this.buf = buffer;
    this.off = offset;
    this.len = length;
    if (length < HEADER_LENGTH || !rangeInside(buffer, offset, length)) {
      return ParseError.Truncated;
    }
    if (readU16(buffer, offset + 2) !== PPTP_MESSAGE_CONTROL) return ParseError.BadMessageType;
    if (readU32(buffer, offset + 4) !== PPTP_MAGIC_COOKIE) return ParseError.BadMagicCookie;
    const bodySize = pptpControlMinimumBodySize(readU16(buffer, offset + 8));
    if (bodySize > length - HEADER_LENGTH) return ParseError.Truncated;
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
  /** The message's own length field. */
  get messageLength(): number {
    return readU16(this.buf, this.off);
  }
  get pptpMessageType(): number {
    return readU16(this.buf, this.off + 2);
  }
  get magicCookie(): number {
    return readU32(this.buf, this.off + 4);
  }
  get controlType(): number {
    return readU16(this.buf, this.off + 8);
  }
  get bodyOffset(): number {
    return this.off + HEADER_LENGTH;
  }
  get bodyLength(): number {
    return this.len - HEADER_LENGTH;
  }
  /** Call ID of the sender (types 7, 8, 9, 10, 12, 13), -1 if this type has none. */
  get callId(): number {
    const at = this.fieldOffset(CALL_ID_OFFSETS, 2);
    return at < 0 ? -1 : readU16(this.buf, at);
  }
  /** Peer's Call ID (types 8, 10, 11, 14, 15), -1 if this type has none. */
  get peerCallId(): number {
    const at = this.fieldOffset(PEER_CALL_ID_OFFSETS, 2);
    return at < 0 ? -1 : readU16(this.buf, at);
  }
  /** Result Code (types 2, 4, 6, 8, 10, 13), -1 if this type has none. */
  get resultCode(): number {
    const at = this.fieldOffset(RESULT_CODE_OFFSETS, 1);
    return at < 0 ? -1 : this.buf[at];
  }
  /** Absolute offset of the Call ID field, -1 if this type has none (NAT rewrites it). */
  get callIdOffset(): number {
    return this.fieldOffset(CALL_ID_OFFSETS, 2);
  }
  get peerCallIdOffset(): number {
    return this.fieldOffset(PEER_CALL_ID_OFFSETS, 2);
  }

  /**
   * Absolute offset of a per-type field, or -1 when this type has no such field or the
   * message is too short to hold it (echo messages have no minimum size, as in Linux).
   */
  private fieldOffset(table: readonly number[], size: number): number {
    const at = table[this.controlType] ?? -1;
    return at < 0 || at + size > this.len ? -1 : this.off + at;
  }

  /** Writes the Call ID; returns false (and writes nothing) if this type has none. */
  setCallId(callId: number): boolean {
    const at = this.callIdOffset;
    if (at < 0) return false;
    writeU16(this.buf, at, callId);
    return true;
  }
  setPeerCallId(callId: number): boolean {
    const at = this.peerCallIdOffset;
    if (at < 0) return false;
    writeU16(this.buf, at, callId);
    return true;
  }
}
