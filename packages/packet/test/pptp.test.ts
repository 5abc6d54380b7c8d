import { describe, expect, it } from "vitest";
import {
  ParseError,
  PPTP_MAGIC_COOKIE,
  PptpControlType,
  PptpControlView,
  pptpControlMinimumBodySize,
} from "../src/index.js";
import { concat, toHex, u16, u32 } from "./support.js";

function message(type: number, body: Uint8Array | number[], declaredLength?: number): Uint8Array {
  const length = declaredLength ?? 12 + body.length;
  return concat(u16(length), u16(1), u32(PPTP_MAGIC_COOKIE), u16(type), u16(0), body);
}

describe("PptpControlView", () => {
  it("reads an Outgoing-Call-Reply", () => {
    const body = concat(
      u16(0x1111),
      u16(0x2222),
      [1, 0],
      u16(0),
      u32(64000),
      u16(64),
      u16(0),
      u32(0),
    );
    const msg = message(PptpControlType.OutgoingCallReply, body);
    expect(msg.length).toBe(32);
    const pptp = new PptpControlView();
    expect(pptp.attach(msg, 0, msg.length)).toBe(ParseError.Ok);
    expect(pptp.messageLength).toBe(32);
    expect(pptp.pptpMessageType).toBe(1);
    expect(pptp.magicCookie).toBe(0x1a2b3c4d);
    expect(pptp.controlType).toBe(8);
    expect(pptp.bodyOffset).toBe(12);
    expect(pptp.bodyLength).toBe(20);
    expect(pptp.callId).toBe(0x1111);
    expect(pptp.peerCallId).toBe(0x2222);
    expect(pptp.resultCode).toBe(1);
    expect(pptp.callIdOffset).toBe(12);
    expect(pptp.peerCallIdOffset).toBe(14);
  });

  it("knows where each message type keeps its call IDs and result code", () => {
    const expectations: [number, number, number, number][] = [
      // type, callId field, peerCallId field, resultCode field (-1 = none; values are offsets)
      [PptpControlType.StartControlConnectionReply, -1, -1, 14],
      [PptpControlType.StopControlConnectionReply, -1, -1, 12],
      [PptpControlType.EchoReply, -1, -1, 16],
      [PptpControlType.OutgoingCallRequest, 12, -1, -1],
      [PptpControlType.IncomingCallRequest, 12, -1, -1],
      [PptpControlType.IncomingCallReply, 12, 14, 16],
      [PptpControlType.IncomingCallConnected, -1, 12, -1],
      [PptpControlType.CallClearRequest, 12, -1, -1],
      [PptpControlType.CallDisconnectNotify, 12, -1, 14],
      [PptpControlType.WanErrorNotify, -1, 12, -1],
      [PptpControlType.SetLinkInfo, -1, 12, -1],
    ];
    const pptp = new PptpControlView();
    for (const [type, callAt, peerAt, resultAt] of expectations) {
      // Body bytes equal their own offset in the message, so a read reveals where it looked.
      const body = new Uint8Array(220).map((_, i) => i + 12);
      const msg = message(type, body);
      expect(pptp.attach(msg, 0, msg.length), `type ${type}`).toBe(ParseError.Ok);
      expect(pptp.callId, `type ${type}`).toBe(callAt < 0 ? -1 : (callAt << 8) | (callAt + 1));
      expect(pptp.peerCallId, `type ${type}`).toBe(peerAt < 0 ? -1 : (peerAt << 8) | (peerAt + 1));
      expect(pptp.resultCode, `type ${type}`).toBe(resultAt);
    }
  });

  it("demands the minimum body sizes Linux demands", () => {
    expect(pptpControlMinimumBodySize(PptpControlType.StartControlConnectionRequest)).toBe(144);
    expect(pptpControlMinimumBodySize(PptpControlType.OutgoingCallRequest)).toBe(156);
    expect(pptpControlMinimumBodySize(PptpControlType.IncomingCallRequest)).toBe(208);
    expect(pptpControlMinimumBodySize(PptpControlType.EchoRequest)).toBe(0);
    expect(pptpControlMinimumBodySize(99)).toBe(0);
    const pptp = new PptpControlView();
    const short = message(PptpControlType.OutgoingCallRequest, new Uint8Array(155));
    expect(pptp.attach(short, 0, short.length)).toBe(ParseError.Truncated);
    const enough = message(PptpControlType.OutgoingCallRequest, new Uint8Array(156));
    expect(pptp.attach(enough, 0, enough.length)).toBe(ParseError.Ok);
    const echo = message(PptpControlType.EchoRequest, []);
    expect(pptp.attach(echo, 0, echo.length)).toBe(ParseError.Ok);
    const unknown = message(42, []);
    expect(pptp.attach(unknown, 0, unknown.length)).toBe(ParseError.Ok);
    expect(pptp.callId).toBe(-1);
  });

  it("rejects non-control messages, a wrong cookie and short headers", () => {
    const pptp = new PptpControlView();
    const msg = message(PptpControlType.CallClearRequest, [0, 1, 0, 0]);
    const management = msg.slice();
    management[3] = 2;
    expect(pptp.attach(management, 0, msg.length)).toBe(ParseError.BadMessageType);
    const cookie = msg.slice();
    cookie[7] ^= 1;
    expect(pptp.attach(cookie, 0, msg.length)).toBe(ParseError.BadMagicCookie);
    expect(pptp.attach(msg, 0, 11)).toBe(ParseError.Truncated);
  });

  it("rewrites call IDs where the message type has them", () => {
    const msg = message(
      PptpControlType.IncomingCallReply,
      concat(u16(1), u16(2), [1, 0], new Uint8Array(6)),
    );
    const pptp = new PptpControlView();
    expect(pptp.attach(msg, 0, msg.length)).toBe(ParseError.Ok);
    expect(pptp.setCallId(0xaaaa)).toBe(true);
    expect(pptp.setPeerCallId(0xbbbb)).toBe(true);
    expect(toHex(msg.slice(12, 16))).toBe("aaaabbbb");
    const connected = message(PptpControlType.IncomingCallConnected, new Uint8Array(16));
    pptp.attach(connected, 0, connected.length);
    expect(pptp.setCallId(1)).toBe(false);
    expect(pptp.setPeerCallId(0x0102)).toBe(true);
    expect(toHex(connected.slice(12, 14))).toBe("0102");
  });
});
