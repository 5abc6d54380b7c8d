/**
 * Beyond Linux: nf_nat_pptp multi_call=1, several concurrent calls on one
 * control connection through MASQUERADE. Each call gets its own translated
 * ID (the TCP port first, then the next free one, unique per external
 * address and PAC), messages naming a call are rewritten per call, each
 * call's GRE flows both ways, and a call ends alone. With one call at a
 * time nothing differs from Linux, byte for byte.
 */
import type { Kernel } from "@ctkit/kernel";
import { describe, expect, it } from "vitest";
import { field16, msg, T } from "../../pptp/test/messages.js";
import { Control, outgoingCall, Rig, type Sent, startSession, WAN } from "../../pptp/test/rig.js";
import { NAT_PPTP_CALL_IDS } from "../dist/index.js";

const C1 = "10.0.0.2";
const C2 = "10.0.0.3";

async function multiRig(): Promise<Rig> {
  return Rig.create({ natParams: ["multi_call=1"] });
}

function callIdsInUse(k: Kernel): number {
  const reg = k.modules.find("nf_nat_pptp")?.symbols.get(NAT_PPTP_CALL_IDS) as { size: number };
  return reg.size;
}

describe("two calls on one control connection", () => {
  it("get their own IDs at the PAC, and both calls' GRE flows both ways", async () => {
    const r = await multiRig();
    const c = new Control(r, C1, 40000).handshake();
    startSession(c);
    expect(outgoingCall(c, 1, 0x4a01)).toEqual({ atPac: 40000, atPns: 1 });
    expect(r.greFromPns(C1, 0x4a01)).toMatchObject({ src: WAN, dport: 0x4a01 });
    expect(outgoingCall(c, 2, 0x4a02)).toEqual({ atPac: 40001, atPns: 2 });
    expect(r.greFromPns(C1, 0x4a02)).toMatchObject({ src: WAN, dport: 0x4a02 });
    expect(r.greFromPac(WAN, 40000)).toMatchObject({ dst: C1, dport: 1 });
    expect(r.greFromPac(WAN, 40001)).toMatchObject({ dst: C1, dport: 2 });
    expect(r.greConns()).toEqual([
      "10.0.0.2>198.51.100.2 1/4a01 | 198.51.100.2>198.51.100.1 4a01/9c40",
      "10.0.0.2>198.51.100.2 2/4a02 | 198.51.100.2>198.51.100.1 4a02/9c41",
    ]);
    // Each call's keymap entries moved onto its GRE connection.
    expect(r.keymap()).toEqual([
      "0 10.0.0.2>198.51.100.2 1/4a01",
      "1 198.51.100.2>198.51.100.1 4a01/9c40",
      "0 10.0.0.2>198.51.100.2 2/4a02",
      "1 198.51.100.2>198.51.100.1 4a02/9c41",
    ]);
    const owners = r.k.conntrack.greKeymap.list().map((e) => r.k.conntrack.table.proto[e.master]);
    expect(owners).toEqual([47, 47, 47, 47]);
    expect(r.expectLines()).toEqual([]);
    expect(callIdsInUse(r.k)).toBe(2);
  });

  it("rewrites per call: Set-Link-Info, WAN-Error-Notify, Call-Clear-Request, Call-Disconnect-Notify", async () => {
    const r = await multiRig();
    const c = new Control(r, C1, 40000).handshake();
    startSession(c);
    outgoingCall(c, 1, 0x4a01);
    r.greFromPns(C1, 0x4a01);
    outgoingCall(c, 2, 0x4a02);
    r.greFromPns(C1, 0x4a02);
    expect(field16(c.pac(msg(T.SET_LINK, { peerCallId: 40000 })) as Uint8Array, 12)).toBe(1);
    expect(field16(c.pac(msg(T.SET_LINK, { peerCallId: 40001 })) as Uint8Array, 12)).toBe(2);
    expect(field16(c.pac(msg(T.WAN_ERROR, { peerCallId: 40001 })) as Uint8Array, 12)).toBe(2);
    expect(field16(c.pns(msg(T.CLEAR, { callId: 1 })) as Uint8Array, 12)).toBe(40000);
    const cdn = c.pac(msg(T.DISCONNECT, { callId: 0x4a01, result: 4 })) as Uint8Array;
    expect(field16(cdn, 12)).toBe(1);
    // Call 1 is gone, call 2 goes on.
    expect(r.greConns()).toEqual([
      "10.0.0.2>198.51.100.2 2/4a02 | 198.51.100.2>198.51.100.1 4a02/9c41",
    ]);
    expect(r.keymap()).toEqual([
      "0 10.0.0.2>198.51.100.2 2/4a02",
      "1 198.51.100.2>198.51.100.1 4a02/9c41",
    ]);
    expect(r.greFromPac(WAN, 40001)).toMatchObject({ dst: C1, dport: 2 });
    expect(r.greFromPac(WAN, 40000)).toBeNull();
    expect(callIdsInUse(r.k)).toBe(1);
    // A new call takes the freed ID (the TCP port) again.
    expect(outgoingCall(c, 3, 0x4a03)).toEqual({ atPac: 40000, atPns: 3 });
  });

  it("a call answered before the previous one's GRE started replaces it", async () => {
    const r = await multiRig();
    const c = new Control(r, C1, 40000).handshake();
    startSession(c);
    outgoingCall(c, 1, 0x4a01);
    outgoingCall(c, 2, 0x4a02);
    // max_expected 2: call 1's expectations were evicted; the keymap is call 2's.
    expect(r.expectLines().map((l) => l.split(" mask-src")[0])).toEqual([
      "300 proto=47 src=10.0.0.2 dst=198.51.100.2 srckey=0x2 dstkey=0x4a02",
      "300 proto=47 src=198.51.100.2 dst=198.51.100.1 srckey=0x4a02 dstkey=0x9c41",
    ]);
    expect(r.keymap()).toEqual([
      "0 10.0.0.2>198.51.100.2 2/4a02",
      "1 198.51.100.2>198.51.100.1 4a02/9c41",
    ]);
    expect(r.greFromPac(WAN, 40001)).toMatchObject({ dst: C1, dport: 2 });
  });

  it("ends every call with the control connection, and frees their IDs", async () => {
    const r = await multiRig();
    const c = new Control(r, C1, 40000).handshake();
    startSession(c);
    for (const [pns, pac] of [
      [1, 0x4a01],
      [2, 0x4a02],
      [3, 0x4a03],
    ] as const) {
      outgoingCall(c, pns, pac);
      r.greFromPac(WAN, 40000 + pns - 1);
      r.greFromPns(C1, pac);
      r.greFromPac(WAN, 40000 + pns - 1, 2);
    }
    expect(r.greConns()).toHaveLength(3);
    c.close();
    r.advance(121);
    expect(r.conntrackLines()).toEqual([]);
    expect(r.keymap()).toEqual([]);
    expect(r.expectLines()).toEqual([]);
    expect(callIdsInUse(r.k)).toBe(0);
  });
});

describe("call IDs are unique per external address and PAC", () => {
  it("across control connections: a later connection's port taken by a call moves its first call", async () => {
    const r = await multiRig();
    const c1 = new Control(r, C1, 40000).handshake();
    startSession(c1);
    outgoingCall(c1, 1, 0x4a01);
    outgoingCall(c1, 2, 0x4a02); // 40001
    const c2 = new Control(r, C2, 40001).handshake();
    expect(c2.seenPort).toBe(40001); // the TCP tuple is free, so MASQUERADE keeps the port
    startSession(c2);
    expect(outgoingCall(c2, 1, 0x4a03)).toEqual({ atPac: 40002, atPns: 1 });
    expect(r.greFromPac(WAN, 40001)).toMatchObject({ dst: C1, dport: 2 });
    expect(r.greFromPac(WAN, 40002)).toMatchObject({ dst: C2, dport: 1 });
  });

  it("and a call skips the port of another control connection to the same PAC", async () => {
    const r = await multiRig();
    const c1 = new Control(r, C1, 40000).handshake();
    const c2 = new Control(r, C2, 40001).handshake();
    startSession(c1);
    outgoingCall(c1, 1, 0x4a01);
    expect(outgoingCall(c1, 2, 0x4a02)).toEqual({ atPac: 40002, atPns: 2 });
    startSession(c2);
    expect(outgoingCall(c2, 1, 0x4a03)).toEqual({ atPac: 40001, atPns: 1 });
  });
});

describe("one call at a time", () => {
  /** A whole session: two calls one after the other, GRE, clear, stop, close. */
  async function session(params: string[]): Promise<Sent[]> {
    const r = await Rig.create({ natParams: params });
    const c = new Control(r, C1, 40000).handshake();
    startSession(c);
    for (const [pns, pac] of [
      [1, 0x4a01],
      [1, 0x4a02],
    ] as const) {
      const ids = outgoingCall(c, pns, pac);
      c.pns(msg(T.SET_LINK, { peerCallId: pac }));
      c.pac(msg(T.SET_LINK, { peerCallId: ids.atPac }));
      r.greFromPns(C1, pac);
      r.greFromPac(WAN, ids.atPac);
      c.pns(msg(T.CLEAR, { callId: pns }));
      c.pac(msg(T.DISCONNECT, { callId: pac, result: 4 }));
      r.advance(1);
    }
    c.pns(msg(T.STOP_REQ));
    c.pac(msg(T.STOP_REP, { result: 1 }));
    c.close();
    return r.out;
  }

  it("is byte for byte what Linux's NAT helper sends", async () => {
    const linux = await session([]);
    const multi = await session(["multi_call=1"]);
    expect(multi.length).toBe(linux.length);
    expect(multi.length).toBe(26); // every packet was forwarded
    for (let i = 0; i < linux.length; i++) expect(multi[i]).toEqual(linux[i]);
  });
});

describe("the parameter", () => {
  it("is read at a control connection's first call: switching it leaves running connections alone", async () => {
    const r = await Rig.create({ natParams: [] });
    const c = new Control(r, C1, 40000).handshake();
    startSession(c);
    outgoingCall(c, 1, 0x4a01);
    r.k.modules.setParam("nf_nat_pptp", "multi_call", "1");
    r.greFromPns(C1, 0x4a01);
    // Still Linux's mode for this connection: the second call gets the port again.
    expect(outgoingCall(c, 2, 0x4a02)).toEqual({ atPac: 40000, atPns: 2 });
    const c2 = new Control(r, C2, 40005).handshake();
    startSession(c2);
    outgoingCall(c2, 1, 0x4b01);
    r.greFromPns(C2, 0x4b01);
    expect(outgoingCall(c2, 2, 0x4b02)).toEqual({ atPac: 40006, atPns: 2 });
  });
});
