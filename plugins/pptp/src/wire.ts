/**
 * The PPTP control message as nf_conntrack_pptp reads it (RFC 2637 §1.4,
 * Linux's struct pptp_pkt_hdr + struct PptpControlHeader + the message
 * bodies of include/linux/netfilter/nf_conntrack_pptp.h). All offsets are
 * counted from the start of the TCP payload: the helper only ever looks at
 * a message that starts a segment.
 *
 * The 12-byte header: length (not checked), PPTP message type (must be 1,
 * control), magic cookie, control message type, reserved.
 */
import {
  PPTP_CONTROL_PORT,
  PPTP_MAGIC_COOKIE,
  PPTP_MESSAGE_CONTROL,
  PptpControlType,
  pptpControlMinimumBodySize,
  readU16,
  readU32,
} from "@ctkit/packet";

export { PPTP_CONTROL_PORT };

/** Control message types (enum PptpControlMessageType), in Linux's names. */
export const PptpMsg = {
  START_SESSION_REQUEST: PptpControlType.StartControlConnectionRequest,
  START_SESSION_REPLY: PptpControlType.StartControlConnectionReply,
  STOP_SESSION_REQUEST: PptpControlType.StopControlConnectionRequest,
  STOP_SESSION_REPLY: PptpControlType.StopControlConnectionReply,
  ECHO_REQUEST: PptpControlType.EchoRequest,
  ECHO_REPLY: PptpControlType.EchoReply,
  OUT_CALL_REQUEST: PptpControlType.OutgoingCallRequest,
  OUT_CALL_REPLY: PptpControlType.OutgoingCallReply,
  IN_CALL_REQUEST: PptpControlType.IncomingCallRequest,
  IN_CALL_REPLY: PptpControlType.IncomingCallReply,
  IN_CALL_CONNECT: PptpControlType.IncomingCallConnected,
  CALL_CLEAR_REQUEST: PptpControlType.CallClearRequest,
  CALL_DISCONNECT_NOTIFY: PptpControlType.CallDisconnectNotify,
  WAN_ERROR_NOTIFY: PptpControlType.WanErrorNotify,
  SET_LINK_INFO: PptpControlType.SetLinkInfo,
} as const;

/** PPTP_MSG_MAX: the highest control message type. */
export const PPTP_MSG_MAX = 15;

/** Header bytes before the message body (pptp_pkt_hdr 8 + PptpControlHeader 4). */
export const HEADER_LEN = 12;

/**
 * Where the fields the helpers read or rewrite sit, from the start of the
 * payload. Every message the helpers care about starts its body with a
 * 16-bit call ID or peer's call ID, so most fields are at 12.
 */
export const Field = {
  /** Call ID of OUT_CALL_REQUEST/REPLY, IN_CALL_REQUEST/REPLY, CALL_CLEAR_REQUEST, CALL_DISCONNECT_NOTIFY. */
  CALL_ID: 12,
  /** Peer's call ID of OUT_CALL_REPLY and IN_CALL_REPLY (after their own call ID). */
  REPLY_PEER_CALL_ID: 14,
  /** Peer's call ID of IN_CALL_CONNECT, WAN_ERROR_NOTIFY and SET_LINK_INFO (first in the body). */
  PEER_CALL_ID: 12,
  /** Result code (u8) of START_SESSION_REPLY, after the protocol version. */
  START_RESULT: 14,
  /** Result code (u8) of STOP_SESSION_REPLY, first in the body. */
  STOP_RESULT: 12,
  /** Result code (u8) of OUT_CALL_REPLY and IN_CALL_REPLY, after both call IDs. */
  CALL_RESULT: 16,
} as const;

/** The "it worked" result codes: PPTP_START_OK, PPTP_STOP_OK, PPTP_OUTCALL_CONNECT, PPTP_INCALL_ACCEPT. */
export const RESULT_OK = 1;

/**
 * The control message type of the segment's payload, or -1 when the helper
 * must leave the segment alone: shorter than the headers, not a control
 * message (type or cookie), or a known type whose body is shorter than its
 * structure (pptp_msg_size). Types 0 and above 15 have no size and go on,
 * to be refused by the state machines. Reads only; allocates nothing.
 */
export function controlMessageType(d: Uint8Array, off: number, len: number): number {
  if (len < HEADER_LEN) return -1;
  if (readU16(d, off + 2) !== PPTP_MESSAGE_CONTROL || readU32(d, off + 4) !== PPTP_MAGIC_COOKIE)
    return -1;
  const type = readU16(d, off + 8);
  if (type > 0 && type <= PPTP_MSG_MAX && len - HEADER_LEN < pptpControlMinimumBodySize(type))
    return -1;
  return type;
}

/** A 16-bit field of the message at payload offset `off`. */
export function u16(d: Uint8Array, payload: number, off: number): number {
  return readU16(d, payload + off);
}

/** An 8-bit field (result codes). */
export function u8(d: Uint8Array, payload: number, off: number): number {
  return d[payload + off] as number;
}
