/**
 * nf_nat_pptp's rewrites of control messages (pptp_outbound_pkt,
 * pptp_inbound_pkt), called by the conntrack helper for each valid message
 * of a NATed control connection. Call IDs are 2 bytes and replaced by 2
 * bytes, so no sequence adjustment follows; the IP and TCP checksums are
 * made right by nf_nat's mangle call, whose failure drops the packet.
 *
 * Outbound (PNS → PAC):
 * - Outgoing-Call-Request: the PNS's call ID is remembered in the NAT data
 *   and replaced by the PNS's TCP source port as NAT made it (Linux cannot
 *   reserve an ID, so it borrows the port, unique per external address and
 *   server); the helper's state takes the new ID;
 * - Incoming-Call-Reply and Call-Clear-Request: the call ID becomes the
 *   helper's (translated) PNS call ID;
 * Inbound (PAC → PNS), the PNS's own call ID written back:
 * - the peer's call ID of Outgoing-Call-Reply, Incoming-Call-Connected,
 *   WAN-Error-Notify and Set-Link-Info;
 * - the call ID of Call-Disconnect-Notify (Linux writes the PNS's ID over
 *   the PAC's there; ctkit does the same).
 * Everything else passes untouched.
 *
 * With multi_call, per-call IDs replace the single pair (multi-call.ts).
 */
import {
  type ConnHandle,
  type CtInfo,
  NF_ACCEPT,
  NF_DROP,
  type NfNatMangle,
  Tuple,
  type Verdict,
} from "@ctkit/kernel";
import { writeU16 } from "@ctkit/packet";
import {
  Field,
  type NfNatPptpMsgFn,
  type PptpCallOps,
  PptpMsg,
  type PptpPacket,
  pptpMaster,
  RESULT_OK,
} from "@ctkit/plugin-pptp";
import { CallTable } from "./calls.js";
import type { MultiCall } from "./multi-call.js";
import { natPptpInfo } from "./nat-info.js";

export interface RewriteDeps {
  mangle: NfNatMangle;
  multi: MultiCall;
  ops: PptpCallOps;
  /** The multi_call parameter (writable at run time; read at a connection's first call). */
  multiCall: () => boolean;
}

export interface Rewriters {
  outbound: NfNatPptpMsgFn;
  inbound: NfNatPptpMsgFn;
}

export function createRewriters(deps: RewriteDeps): Rewriters {
  const { mangle, multi } = deps;
  const rep = new Uint8Array(2);
  const reply = new Tuple();

  function write(pkt: PptpPacket, off: number, id: number): Verdict {
    writeU16(rep, 0, id);
    return mangle(pkt, off, 2, rep, 2) ? NF_ACCEPT : NF_DROP;
  }

  const field = (pkt: PptpPacket, off: number) =>
    ((pkt.data[pkt.payloadOffset + off] as number) << 8) |
    (pkt.data[pkt.payloadOffset + off + 1] as number);

  function outbound(
    pkt: PptpPacket,
    ct: ConnHandle,
    _ctinfo: CtInfo,
    _protoff: number,
    type: number,
  ): Verdict {
    const m = pptpMaster(ct);
    const nat = natPptpInfo(ct);
    let id = m.pnsCallId;
    switch (type) {
      case PptpMsg.OUT_CALL_REQUEST: {
        // The helper has just stored the PNS's own ID.
        nat.pnsCallId = m.pnsCallId;
        if (!nat.modeChosen) {
          nat.modeChosen = true;
          if (deps.multiCall()) nat.calls = new CallTable();
        }
        if (nat.calls !== null) {
          id = multi.request(ct, nat.calls, m.pnsCallId, pkt.time);
          if (id === 0) return NF_DROP;
        } else {
          // Not the packet's source port: this runs after SNAT rewrote it,
          // but the reply tuple is right whichever hook NAT happened in.
          ct.tuple(1, reply);
          id = reply.dport;
        }
        m.pnsCallId = id;
        break;
      }
      case PptpMsg.IN_CALL_REPLY:
        break;
      case PptpMsg.CALL_CLEAR_REQUEST: {
        const call = nat.calls?.byPns(field(pkt, Field.CALL_ID));
        if (call !== undefined) id = call.natPns;
        break;
      }
      default:
        return NF_ACCEPT;
    }
    return write(pkt, Field.CALL_ID, id);
  }

  function inbound(
    pkt: PptpPacket,
    ct: ConnHandle,
    _ctinfo: CtInfo,
    _protoff: number,
    type: number,
  ): Verdict {
    const nat = natPptpInfo(ct);
    const calls = nat.calls;
    let id = nat.pnsCallId;
    let off: number;
    switch (type) {
      case PptpMsg.OUT_CALL_REPLY: {
        off = Field.REPLY_PEER_CALL_ID;
        const call = calls?.byNatPns(field(pkt, off));
        if (calls && call !== undefined) {
          id = call.pns;
          const result = pkt.data[pkt.payloadOffset + Field.CALL_RESULT];
          if (result !== RESULT_OK) multi.forget(ct, calls, call);
        }
        break;
      }
      case PptpMsg.IN_CALL_CONNECT:
        off = Field.PEER_CALL_ID;
        break;
      case PptpMsg.WAN_ERROR_NOTIFY:
      case PptpMsg.SET_LINK_INFO: {
        off = Field.PEER_CALL_ID;
        const call = calls?.byNatPns(field(pkt, off));
        if (call !== undefined) id = call.pns;
        break;
      }
      case PptpMsg.CALL_DISCONNECT_NOTIFY: {
        off = Field.CALL_ID;
        if (calls === null) break;
        // The helper left the teardown to us: end the call this names.
        const call = calls.byPac(field(pkt, off));
        if (call !== undefined) {
          id = call.pns;
          multi.end(ct, calls, call, pkt.time);
        } else deps.ops.destroySiblings(ct, pkt.time);
        break;
      }
      default:
        // Incoming-Call-Request names only the PAC's ID; the rest has none.
        return NF_ACCEPT;
    }
    return write(pkt, off, id);
  }

  return { outbound, inbound };
}
