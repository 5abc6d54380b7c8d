/**
 * The session and call state machines, message by message: which messages
 * are valid in which state and direction, what they change, and when a
 * call's GRE is expected or torn down (pptp_outbound_pkt,
 * pptp_inbound_pkt in Linux 6.x).
 */
import { describe, expect, it } from "vitest";
import {
  type CallEvents,
  CallState,
  inboundMessage,
  outboundMessage,
  PptpMaster,
  SessionState,
} from "../dist/index.js";
import { msg, T } from "./messages.js";

const S = SessionState;
const C = CallState;

function master(sstate: number, cstate: number, pns = 0, pac = 0): PptpMaster {
  const m = new PptpMaster();
  m.sstate = sstate;
  m.cstate = cstate;
  m.pnsCallId = pns;
  m.pacCallId = pac;
  return m;
}

function recorder(): CallEvents & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    callUp: (c, p) => log.push(`up ${c.toString(16)}/${p.toString(16)}`),
    callDown: () => log.push("down"),
  };
}

function out(m: PptpMaster, type: number, f = {}): boolean {
  return outboundMessage(m, msg(type, f), 0, type);
}

function inb(m: PptpMaster, type: number, f = {}, ev = recorder()): boolean {
  return inboundMessage(m, msg(type, f), 0, type, ev);
}

function state(m: PptpMaster) {
  return [m.sstate, m.cstate, m.pnsCallId, m.pacCallId];
}

describe("outbound (PNS → PAC)", () => {
  it("Start-Control-Connection-Request only from NONE", () => {
    const m = master(S.NONE, C.NONE);
    expect(out(m, T.START_REQ)).toBe(true);
    expect(m.sstate).toBe(S.REQUESTED);
    for (const s of [S.ERROR, S.STOPREQ, S.REQUESTED, S.CONFIRMED]) {
      const n = master(s, C.NONE);
      expect(out(n, T.START_REQ)).toBe(false);
      expect(n.sstate).toBe(s);
    }
  });

  it("Stop-Control-Connection-Request from any state", () => {
    for (const s of [S.NONE, S.ERROR, S.STOPREQ, S.REQUESTED, S.CONFIRMED]) {
      const m = master(s, C.OUT_CONF, 5, 6);
      expect(out(m, T.STOP_REQ)).toBe(true);
      expect(state(m)).toEqual([S.STOPREQ, C.OUT_CONF, 5, 6]);
    }
  });

  it("Outgoing-Call-Request needs a confirmed session and records the PNS call ID", () => {
    const m = master(S.CONFIRMED, C.OUT_CONF, 1, 2);
    expect(out(m, T.OUT_REQ, { callId: 0xbeef })).toBe(true);
    expect(state(m)).toEqual([S.CONFIRMED, C.OUT_REQ, 0xbeef, 2]);
    const n = master(S.REQUESTED, C.NONE);
    expect(out(n, T.OUT_REQ, { callId: 7 })).toBe(false);
    expect(state(n)).toEqual([S.REQUESTED, C.NONE, 0, 0]);
  });

  it("Incoming-Call-Reply must answer the PAC's call, in IN_REQ or IN_REP, any session state", () => {
    const ok = master(S.NONE, C.IN_REQ, 0, 0x44);
    expect(out(ok, T.IN_REP, { callId: 0x99, peerCallId: 0x44, result: 1 })).toBe(true);
    expect(state(ok)).toEqual([S.NONE, C.IN_REP, 0x99, 0x44]);
    const again = master(S.CONFIRMED, C.IN_REP, 0x99, 0x44);
    expect(out(again, T.IN_REP, { callId: 0x98, peerCallId: 0x44, result: 2 })).toBe(true);
    expect(state(again)).toEqual([S.CONFIRMED, C.NONE, 0x99, 0x44]);
    const wrongPeer = master(S.CONFIRMED, C.IN_REQ, 0, 0x44);
    expect(out(wrongPeer, T.IN_REP, { callId: 1, peerCallId: 0x45, result: 1 })).toBe(false);
    expect(state(wrongPeer)).toEqual([S.CONFIRMED, C.IN_REQ, 0, 0x44]);
    const wrongState = master(S.CONFIRMED, C.OUT_CONF, 0, 0x44);
    expect(out(wrongState, T.IN_REP, { callId: 1, peerCallId: 0x44, result: 1 })).toBe(false);
  });

  it("Call-Clear-Request needs a confirmed session, whichever call it names", () => {
    const m = master(S.CONFIRMED, C.OUT_CONF, 1, 2);
    expect(out(m, T.CLEAR, { callId: 0x1234 })).toBe(true);
    expect(state(m)).toEqual([S.CONFIRMED, C.CLEAR_REQ, 1, 2]);
    expect(out(master(S.STOPREQ, C.OUT_CONF), T.CLEAR)).toBe(false);
  });

  it("passes Set-Link-Info and echoes without change; refuses PAC-side and unknown types", () => {
    for (const t of [T.SET_LINK, T.ECHO_REQ, T.ECHO_REP]) {
      const m = master(S.NONE, C.NONE);
      expect(out(m, t)).toBe(true);
      expect(state(m)).toEqual([S.NONE, C.NONE, 0, 0]);
    }
    for (const t of [0, T.START_REP, T.STOP_REP, T.OUT_REP, T.IN_REQ, 11, 13, 14, 16, 255]) {
      const m = master(S.CONFIRMED, C.OUT_REQ, 1, 2);
      expect(out(m, t, { callId: 9, peerCallId: 2, result: 1 })).toBe(false);
      expect(state(m)).toEqual([S.CONFIRMED, C.OUT_REQ, 1, 2]);
    }
  });
});

describe("inbound (PAC → PNS)", () => {
  it("Start-Control-Connection-Reply needs REQUESTED or CONFIRMED; result 1 confirms, else ERROR", () => {
    const m = master(S.REQUESTED, C.NONE);
    expect(inb(m, T.START_REP, { result: 1 })).toBe(true);
    expect(m.sstate).toBe(S.CONFIRMED);
    const again = master(S.CONFIRMED, C.NONE);
    expect(inb(again, T.START_REP, { result: 2 })).toBe(true);
    expect(again.sstate).toBe(S.ERROR);
    for (const s of [S.NONE, S.ERROR, S.STOPREQ]) {
      const n = master(s, C.NONE);
      expect(inb(n, T.START_REP, { result: 1 })).toBe(false);
      expect(n.sstate).toBe(s);
    }
  });

  it("Stop-Control-Connection-Reply needs STOPREQ or below; result 1 ends the session", () => {
    const m = master(S.STOPREQ, C.OUT_CONF);
    expect(inb(m, T.STOP_REP, { result: 1 })).toBe(true);
    expect(m.sstate).toBe(S.NONE);
    const e = master(S.NONE, C.NONE);
    expect(inb(e, T.STOP_REP, { result: 0 })).toBe(true);
    expect(e.sstate).toBe(S.ERROR);
    for (const s of [S.REQUESTED, S.CONFIRMED]) {
      const n = master(s, C.NONE);
      expect(inb(n, T.STOP_REP, { result: 1 })).toBe(false);
      expect(n.sstate).toBe(s);
    }
  });

  it("Outgoing-Call-Reply connects the call named by the request and expects its GRE", () => {
    const ev = recorder();
    const m = master(S.CONFIRMED, C.OUT_REQ, 0x9c40);
    expect(inb(m, T.OUT_REP, { callId: 0x4a01, peerCallId: 0x9c40, result: 1 }, ev)).toBe(true);
    expect(state(m)).toEqual([S.CONFIRMED, C.OUT_CONF, 0x9c40, 0x4a01]);
    expect(ev.log).toEqual(["up 4a01/9c40"]);
    // A retransmitted reply in OUT_CONF expects again.
    expect(inb(m, T.OUT_REP, { callId: 0x4a01, peerCallId: 0x9c40, result: 1 }, ev)).toBe(true);
    expect(ev.log).toEqual(["up 4a01/9c40", "up 4a01/9c40"]);
  });

  it("a refused Outgoing-Call-Reply clears the call; a reply to another call ID changes nothing", () => {
    const ev = recorder();
    const m = master(S.CONFIRMED, C.OUT_REQ, 5);
    expect(inb(m, T.OUT_REP, { callId: 0x4a01, peerCallId: 6, result: 1 }, ev)).toBe(false);
    expect(state(m)).toEqual([S.CONFIRMED, C.OUT_REQ, 5, 0]);
    expect(inb(m, T.OUT_REP, { callId: 0x4a01, peerCallId: 5, result: 3 }, ev)).toBe(true);
    expect(state(m)).toEqual([S.CONFIRMED, C.NONE, 5, 0]);
    expect(inb(master(S.REQUESTED, C.OUT_REQ, 5), T.OUT_REP, { peerCallId: 5, result: 1 })).toBe(
      false,
    );
    expect(inb(master(S.CONFIRMED, C.IN_REQ, 5), T.OUT_REP, { peerCallId: 5, result: 1 })).toBe(
      false,
    );
    expect(ev.log).toEqual([]);
  });

  it("Incoming-Call-Request records the PAC's ID; Incoming-Call-Connected expects GRE", () => {
    const ev = recorder();
    const m = master(S.CONFIRMED, C.NONE);
    expect(inb(m, T.IN_REQ, { callId: 0x77 }, ev)).toBe(true);
    expect(state(m)).toEqual([S.CONFIRMED, C.IN_REQ, 0, 0x77]);
    expect(out(m, T.IN_REP, { callId: 0x11, peerCallId: 0x77, result: 1 })).toBe(true);
    expect(inb(m, T.IN_CONN, { peerCallId: 0x12 }, ev)).toBe(false);
    expect(inb(m, T.IN_CONN, { peerCallId: 0x11 }, ev)).toBe(true);
    expect(state(m)).toEqual([S.CONFIRMED, C.IN_CONF, 0x11, 0x77]);
    expect(ev.log).toEqual(["up 77/11"]);
    expect(inb(master(S.NONE, C.NONE), T.IN_REQ, { callId: 1 })).toBe(false);
    expect(inb(master(S.CONFIRMED, C.IN_REQ, 0x11), T.IN_CONN, { peerCallId: 0x11 })).toBe(false);
  });

  it("Call-Disconnect-Notify in any state ends the call", () => {
    for (const s of [S.NONE, S.ERROR, S.CONFIRMED]) {
      const ev = recorder();
      const m = master(s, C.OUT_CONF, 1, 2);
      expect(inb(m, T.DISCONNECT, { callId: 0x999 }, ev)).toBe(true);
      expect(state(m)).toEqual([s, C.NONE, 1, 2]);
      expect(ev.log).toEqual(["down"]);
    }
  });

  it("passes WAN-Error-Notify, Set-Link-Info and echoes; refuses PNS-side and unknown types", () => {
    for (const t of [T.WAN_ERROR, T.SET_LINK, T.ECHO_REQ, T.ECHO_REP]) {
      const m = master(S.CONFIRMED, C.OUT_CONF, 1, 2);
      expect(inb(m, t)).toBe(true);
      expect(state(m)).toEqual([S.CONFIRMED, C.OUT_CONF, 1, 2]);
    }
    for (const t of [0, T.START_REQ, T.STOP_REQ, T.OUT_REQ, T.IN_REP, T.CLEAR, 16, 0x100]) {
      const ev = recorder();
      const m = master(S.REQUESTED, C.IN_REQ, 1, 2);
      expect(inb(m, t, { callId: 3, peerCallId: 2, result: 1 }, ev)).toBe(false);
      expect(state(m)).toEqual([S.REQUESTED, C.IN_REQ, 1, 2]);
      expect(ev.log).toEqual([]);
    }
  });
});
