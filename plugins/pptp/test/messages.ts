/**
 * PPTP control messages for tests, built as RFC 2637 lays them out: the
 * 12-byte header (length, message type 1, magic cookie, control type,
 * reserved) and a zero-filled body of the structure's size, with the call
 * IDs and result code the helpers read set where they sit.
 */
import { pptpControlMinimumBodySize, writeU16, writeU32 } from "@ctkit/packet";

export const MAGIC = 0x1a2b3c4d;

export const T = {
  START_REQ: 1,
  START_REP: 2,
  STOP_REQ: 3,
  STOP_REP: 4,
  ECHO_REQ: 5,
  ECHO_REP: 6,
  OUT_REQ: 7,
  OUT_REP: 8,
  IN_REQ: 9,
  IN_REP: 10,
  IN_CONN: 11,
  CLEAR: 12,
  DISCONNECT: 13,
  WAN_ERROR: 14,
  SET_LINK: 15,
} as const;

/** RFC body sizes of the echo messages, which the kernel's size table leaves out. */
const ECHO_BODY = { 5: 4, 6: 8 } as Record<number, number>;

export interface MsgFields {
  callId?: number;
  peerCallId?: number;
  result?: number;
  /** Body bytes (default: the structure's size). */
  bodyLength?: number;
  /** Override the header's PPTP message type (1 = control). */
  pptpType?: number;
  magic?: number;
}

/** Body offsets (from the message start) of peer call ID: first in the body or after the call ID. */
function peerOffset(type: number): number {
  return type === T.OUT_REP || type === T.IN_REP ? 14 : 12;
}

function resultOffset(type: number): number {
  switch (type) {
    case T.START_REP:
      return 14;
    case T.STOP_REP:
      return 12;
    case T.DISCONNECT:
      return 14;
    default:
      return 16;
  }
}

export function bodySize(type: number): number {
  return ECHO_BODY[type] ?? pptpControlMinimumBodySize(type);
}

export function msg(type: number, f: MsgFields = {}): Uint8Array {
  const body = f.bodyLength ?? bodySize(type);
  const m = new Uint8Array(12 + body);
  writeU16(m, 0, m.length);
  writeU16(m, 2, f.pptpType ?? 1);
  writeU32(m, 4, f.magic ?? MAGIC);
  writeU16(m, 8, type);
  const put16 = (off: number, v: number | undefined) => {
    if (v !== undefined && off + 2 <= m.length) writeU16(m, off, v);
  };
  put16(12, f.callId);
  put16(peerOffset(type), f.peerCallId);
  const r = resultOffset(type);
  if (f.result !== undefined && r < m.length) m[r] = f.result;
  return m;
}

/** The message's 16-bit field at `off` (from the message start). */
export function field16(m: Uint8Array, off: number): number {
  return ((m[off] as number) << 8) | (m[off + 1] as number);
}
