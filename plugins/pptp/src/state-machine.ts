/**
 * The session and call state machines of nf_conntrack_pptp
 * (pptp_outbound_pkt, pptp_inbound_pkt). The helper assumes the TCP
 * initiator is the PNS (the client that dials), so ORIGINAL-direction
 * messages are "outbound" (PNS → PAC) and REPLY-direction ones "inbound".
 *
 * Each returns whether the message was valid. An invalid one (wrong state,
 * call IDs that do not match, a type that does not belong in that
 * direction) changes nothing and is not NATed, but the packet still
 * passes: Linux only notes it with pr_debug.
 */

import { CallState, type PptpMaster, SessionState } from "./state.js";
import { Field, PptpMsg, RESULT_OK, u8, u16 } from "./wire.js";

/** What an inbound message can set off besides state changes. */
export interface CallEvents {
  /** exp_gre: expect the call's GRE, PAC call ID `callId`, PNS call ID (as the PAC knows it) `peerCallId`. */
  callUp(callId: number, peerCallId: number): void;
  /** pptp_destroy_siblings on Call-Disconnect-Notify: the call's GRE goes. */
  callDown(): void;
}

/** PNS → PAC. `p` is the payload offset of the message in `d`. */
export function outboundMessage(m: PptpMaster, d: Uint8Array, p: number, type: number): boolean {
  switch (type) {
    case PptpMsg.START_SESSION_REQUEST:
      if (m.sstate !== SessionState.NONE) return false;
      m.sstate = SessionState.REQUESTED;
      return true;
    case PptpMsg.STOP_SESSION_REQUEST:
      m.sstate = SessionState.STOPREQ;
      return true;
    case PptpMsg.OUT_CALL_REQUEST:
      if (m.sstate !== SessionState.CONFIRMED) return false;
      m.cstate = CallState.OUT_REQ;
      m.pnsCallId = u16(d, p, Field.CALL_ID);
      return true;
    case PptpMsg.IN_CALL_REPLY: {
      // Answers the PAC's incoming call; no session check, as in Linux.
      if (m.cstate !== CallState.IN_REQ && m.cstate !== CallState.IN_REP) return false;
      if (u16(d, p, Field.REPLY_PEER_CALL_ID) !== m.pacCallId) return false;
      if (u8(d, p, Field.CALL_RESULT) === RESULT_OK) {
        m.cstate = CallState.IN_REP;
        m.pnsCallId = u16(d, p, Field.CALL_ID);
      } else m.cstate = CallState.NONE;
      return true;
    }
    case PptpMsg.CALL_CLEAR_REQUEST:
      // Linux knows only the last call, so it does not check which one is cleared.
      if (m.sstate !== SessionState.CONFIRMED) return false;
      m.cstate = CallState.CLEAR_REQ;
      return true;
    case PptpMsg.SET_LINK_INFO:
    case PptpMsg.ECHO_REQUEST:
    case PptpMsg.ECHO_REPLY:
      return true;
    default:
      return false;
  }
}

/** PAC → PNS. */
export function inboundMessage(
  m: PptpMaster,
  d: Uint8Array,
  p: number,
  type: number,
  events: CallEvents,
): boolean {
  switch (type) {
    case PptpMsg.START_SESSION_REPLY:
      if (m.sstate < SessionState.REQUESTED) return false;
      m.sstate =
        u8(d, p, Field.START_RESULT) === RESULT_OK ? SessionState.CONFIRMED : SessionState.ERROR;
      return true;
    case PptpMsg.STOP_SESSION_REPLY:
      if (m.sstate > SessionState.STOPREQ) return false;
      m.sstate = u8(d, p, Field.STOP_RESULT) === RESULT_OK ? SessionState.NONE : SessionState.ERROR;
      return true;
    case PptpMsg.OUT_CALL_REPLY: {
      if (m.sstate !== SessionState.CONFIRMED) return false;
      if (m.cstate !== CallState.OUT_REQ && m.cstate !== CallState.OUT_CONF) return false;
      const cid = u16(d, p, Field.CALL_ID);
      const pcid = u16(d, p, Field.REPLY_PEER_CALL_ID);
      // The reply must name the call ID the PAC received (after NAT).
      if (pcid !== m.pnsCallId) return false;
      if (u8(d, p, Field.CALL_RESULT) === RESULT_OK) {
        m.cstate = CallState.OUT_CONF;
        m.pacCallId = cid;
        events.callUp(cid, pcid);
      } else m.cstate = CallState.NONE;
      return true;
    }
    case PptpMsg.IN_CALL_REQUEST:
      if (m.sstate !== SessionState.CONFIRMED) return false;
      m.cstate = CallState.IN_REQ;
      m.pacCallId = u16(d, p, Field.CALL_ID);
      return true;
    case PptpMsg.IN_CALL_CONNECT: {
      if (m.sstate !== SessionState.CONFIRMED) return false;
      if (m.cstate !== CallState.IN_REP && m.cstate !== CallState.IN_CONF) return false;
      const pcid = u16(d, p, Field.PEER_CALL_ID);
      if (pcid !== m.pnsCallId) return false;
      m.cstate = CallState.IN_CONF;
      events.callUp(m.pacCallId, pcid);
      return true;
    }
    case PptpMsg.CALL_DISCONNECT_NOTIFY:
      // Whatever the state and whichever call it names.
      m.cstate = CallState.NONE;
      events.callDown();
      return true;
    case PptpMsg.WAN_ERROR_NOTIFY:
    case PptpMsg.SET_LINK_INFO:
    case PptpMsg.ECHO_REQUEST:
    case PptpMsg.ECHO_REPLY:
      return true;
    default:
      return false;
  }
}
