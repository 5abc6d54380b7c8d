/**
 * PPTP through MASQUERADE with nf_conntrack_pptp and nf_nat_pptp, as Linux
 * does it: the PNS's call ID replaced by its translated TCP source port on
 * the way out and put back on the way in, GRE keyed accordingly in both
 * directions, two LAN clients with the same call ID (and the same TCP
 * source port) kept apart, no helper → the PAC's GRE goes nowhere, and the
 * teardowns. Every forwarded packet's IPv4 and TCP checksums are checked
 * by the rig.
 */
import { buildGreV1 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { field16, msg, T } from "../../pptp/test/messages.js";
import { Control, outgoingCall, PAC, Rig, startSession, WAN } from "../../pptp/test/rig.js";

const C1 = "10.0.0.2";
const C2 = "10.0.0.3";

async function dial(client = C1, sport = 40000, o: { helper?: boolean } = {}) {
  const r = await Rig.create({ helper: o.helper });
  const c = new Control(r, client, sport).handshake();
  startSession(c);
  return { r, c };
}

/** The bytes of `b` that differ from `a`, as "offset:old>new". */
function changed(a: Uint8Array, b: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) out.push(`${i}:${a[i]?.toString(16)}>${b[i]?.toString(16)}`);
  return out;
}

describe("one client through MASQUERADE", () => {
  it("the PAC sees the translated TCP source port as call ID; the PNS gets its own back", async () => {
    const { r, c } = await dial();
    const req = msg(T.OUT_REQ, { callId: 0x0001 });
    const atPac = c.pns(req) as Uint8Array;
    // 40000 = 0x9c40: only the call ID's two bytes change.
    expect(changed(req, atPac)).toEqual(["12:0>9c", "13:1>40"]);
    const rep = msg(T.OUT_REP, { callId: 0x4a01, peerCallId: 0x9c40, result: 1 });
    const atPns = c.pac(rep) as Uint8Array;
    expect(changed(rep, atPns)).toEqual(["14:9c>0", "15:40>1"]);
    // Set-Link-Info: the PAC's names the PNS by the translated ID; the PNS's is untouched.
    const fromPac = msg(T.SET_LINK, { peerCallId: 0x9c40 });
    expect(field16(c.pac(fromPac) as Uint8Array, 12)).toBe(1);
    const fromPns = msg(T.SET_LINK, { peerCallId: 0x4a01 });
    expect(changed(fromPns, c.pns(fromPns) as Uint8Array)).toEqual([]);
    expect(r.logs()).toEqual([]);
  });

  it("expects GRE with the PNS's own key one way and the translated one the other", async () => {
    const { r, c } = await dial();
    outgoingCall(c, 1, 0x4a01);
    expect(r.expectLines()).toEqual([
      "300 proto=47 src=10.0.0.2 dst=198.51.100.2 srckey=0x1 dstkey=0x4a01 mask-src=255.255.255.255 mask-dst=255.255.255.255 srckey=0xffff dstkey=0xffff master-src=10.0.0.2 master-dst=198.51.100.2 sport=40000 dport=1723 class=0 helper=pptp",
      "300 proto=47 src=198.51.100.2 dst=198.51.100.1 srckey=0x4a01 dstkey=0x9c40 mask-src=255.255.255.255 mask-dst=255.255.255.255 srckey=0xffff dstkey=0xffff master-src=10.0.0.2 master-dst=198.51.100.2 sport=40000 dport=1723 class=0 helper=pptp",
    ]);
    expect(r.keymap()).toEqual([
      "0 10.0.0.2>198.51.100.2 1/4a01",
      "1 198.51.100.2>198.51.100.1 4a01/9c40",
    ]);
  });

  it("GRE flows both ways: out masqueraded with the PAC's key, in with the PNS's key put back", async () => {
    const { r, c } = await dial();
    outgoingCall(c, 1, 0x4a01);
    expect(r.greFromPns(C1, 0x4a01)).toMatchObject({ src: WAN, dst: PAC, dport: 0x4a01 });
    const back = r.greFromPac(WAN, 0x9c40);
    expect(back).toMatchObject({ src: PAC, dst: C1, dport: 0x0001 });
    // Only the call ID changed in the GRE header (v1 has no checksum).
    expect(Array.from(back?.payload.subarray(0, 8) ?? [])).toEqual([
      0x30, 0x81, 0x88, 0x0b, 0, 0, 0, 1,
    ]);
    r.greFromPns(C1, 0x4a01, 2);
    expect(r.expectLines()).toEqual([]);
    expect(r.conntrackLines()[0]).toBe(
      "gre      47 180 src=10.0.0.2 dst=198.51.100.2 srckey=0x1 dstkey=0x4a01 src=198.51.100.2 dst=198.51.100.1 srckey=0x4a01 dstkey=0x9c40 [ASSURED] mark=0 use=1",
    );
  });

  it("Call-Clear-Request carries the translated ID; Call-Disconnect-Notify the PNS's (Linux) and ends the GRE", async () => {
    const { r, c } = await dial();
    outgoingCall(c, 1, 0x4a01);
    r.greFromPns(C1, 0x4a01);
    r.greFromPac(WAN, 0x9c40);
    expect(field16(c.pns(msg(T.CLEAR, { callId: 1 })) as Uint8Array, 12)).toBe(0x9c40);
    const cdn = c.pac(msg(T.DISCONNECT, { callId: 0x4a01, result: 4 })) as Uint8Array;
    // Linux writes the PNS's call ID over the PAC's in this message.
    expect(field16(cdn, 12)).toBe(1);
    expect(r.greConns()).toEqual([]);
    expect(r.keymap()).toEqual([]);
    expect(r.expectLines()).toEqual([]);
    expect(r.greFromPac(WAN, 0x9c40)).toBeNull();
  });
});

describe("two clients with the same call ID", () => {
  it("get different call IDs at the PAC (their translated ports) and each its own GRE", async () => {
    const r = await Rig.create();
    const c1 = new Control(r, C1, 40001).handshake();
    const c2 = new Control(r, C2, 40002).handshake();
    startSession(c1);
    startSession(c2);
    expect(outgoingCall(c1, 1, 0x4a01)).toEqual({ atPac: 40001, atPns: 1 });
    expect(outgoingCall(c2, 1, 0x4a02)).toEqual({ atPac: 40002, atPns: 1 });
    expect(r.greFromPns(C1, 0x4a01)).toMatchObject({ src: WAN, dport: 0x4a01 });
    expect(r.greFromPns(C2, 0x4a02)).toMatchObject({ src: WAN, dport: 0x4a02 });
    expect(r.greFromPac(WAN, 40001)).toMatchObject({ dst: C1, dport: 1 });
    expect(r.greFromPac(WAN, 40002)).toMatchObject({ dst: C2, dport: 1 });
    expect(r.greConns()).toEqual([
      "10.0.0.2>198.51.100.2 1/4a01 | 198.51.100.2>198.51.100.1 4a01/9c41",
      "10.0.0.3>198.51.100.2 1/4a02 | 198.51.100.2>198.51.100.1 4a02/9c42",
    ]);
  });

  it("and the same TCP source port: MASQUERADE moves the second's port, and with it its call ID", async () => {
    const r = await Rig.create();
    const c1 = new Control(r, C1, 40301).handshake();
    const c2 = new Control(r, C2, 40301).handshake();
    expect(c1.seenPort).toBe(40301);
    expect(c2.seenPort).not.toBe(40301);
    startSession(c1);
    startSession(c2);
    expect(outgoingCall(c1, 1, 0x4a01)).toEqual({ atPac: 40301, atPns: 1 });
    expect(outgoingCall(c2, 1, 0x4a02)).toEqual({ atPac: c2.seenPort, atPns: 1 });
    r.greFromPns(C1, 0x4a01);
    r.greFromPns(C2, 0x4a02);
    expect(r.greFromPac(WAN, 40301)).toMatchObject({ dst: C1, dport: 1 });
    expect(r.greFromPac(WAN, c2.seenPort)).toMatchObject({ dst: C2, dport: 1 });
    const key = `0x${c2.seenPort.toString(16)}`;
    expect(r.conntrackLines().filter((l) => l.startsWith("gre"))).toEqual([
      "gre      47 30 src=10.0.0.2 dst=198.51.100.2 srckey=0x1 dstkey=0x4a01 src=198.51.100.2 dst=198.51.100.1 srckey=0x4a01 dstkey=0x9d6d mark=0 use=1",
      `gre      47 30 src=10.0.0.3 dst=198.51.100.2 srckey=0x1 dstkey=0x4a02 src=198.51.100.2 dst=198.51.100.1 srckey=0x4a02 dstkey=${key} mark=0 use=1`,
    ]);
  });
});

describe("without the helper", () => {
  it("the control messages pass untouched and the PAC's GRE to the public address goes nowhere", async () => {
    const { r, c } = await dial(C1, 40401, { helper: false });
    expect(outgoingCall(c, 1, 0x4a01)).toEqual({ atPac: 1, atPns: 1 });
    expect(r.expectLines()).toEqual([]);
    // The PNS's GRE leaves masqueraded, keyless tracking by its call ID.
    expect(r.greFromPns(C1, 0x4a01)).toMatchObject({ src: WAN, dst: PAC, dport: 0x4a01 });
    const sent = r.feed("wan", buildGreV1({ src: PAC, dst: WAN, callId: 1, seq: 1 }));
    expect(sent.filter((s) => s.ifname === "lan")).toEqual([]);
    expect(r.conntrackLines().filter((l) => l.startsWith("gre"))).toEqual([
      "gre      47 30 src=10.0.0.2 dst=198.51.100.2 srckey=0x0 dstkey=0x4a01 [UNREPLIED] src=198.51.100.2 dst=198.51.100.1 srckey=0x4a01 dstkey=0x0 mark=0 use=1",
      "gre      47 30 src=198.51.100.2 dst=198.51.100.1 srckey=0x0 dstkey=0x1 [UNREPLIED] src=198.51.100.1 dst=198.51.100.2 srckey=0x1 dstkey=0x0 mark=0 use=1",
    ]);
  });
});

describe("Linux's limits, reproduced", () => {
  it("Call-Disconnect-Notify before any GRE leaves the PNS → PAC expectation (its key is the PNS's own)", async () => {
    const { r, c } = await dial();
    outgoingCall(c, 1, 0x4a01);
    c.pac(msg(T.DISCONNECT, { callId: 0x4a01 }));
    expect(r.keymap()).toEqual([]);
    expect(r.expectLines().map((l) => l.split(" mask-src")[0])).toEqual([
      "300 proto=47 src=10.0.0.2 dst=198.51.100.2 srckey=0x1 dstkey=0x4a01",
    ]);
    // It goes with the control connection.
    c.close();
    r.advance(121);
    expect(r.expectLines()).toEqual([]);
  });

  it("GRE first from the PAC leaves the PNS → PAC expectation (Linux reads zero keys)", async () => {
    const { r, c } = await dial();
    outgoingCall(c, 1, 0x4a01);
    expect(r.greFromPac(WAN, 0x9c40)).toMatchObject({ dst: C1, dport: 1 });
    expect(r.expectLines().map((l) => l.split(" mask-src")[0])).toEqual([
      "300 proto=47 src=10.0.0.2 dst=198.51.100.2 srckey=0x1 dstkey=0x4a01",
    ]);
    // The PNS's GRE finds the connection the PAC's made.
    expect(r.greFromPns(C1, 0x4a01)).toMatchObject({ src: WAN, dport: 0x4a01 });
    expect(r.greConns()).toEqual([
      "198.51.100.2>198.51.100.1 4a01/9c40 | 10.0.0.2>198.51.100.2 1/4a01",
    ]);
  });

  it("a second call on one control connection gets the same call ID, and its GRE lands in the first call", async () => {
    const { r, c } = await dial();
    outgoingCall(c, 1, 0x4a01);
    r.greFromPns(C1, 0x4a01);
    expect(outgoingCall(c, 2, 0x4a02)).toEqual({ atPac: 40000, atPns: 2 });
    // The keymap still maps call 1: call 2's expectations were withdrawn.
    expect(r.expectLines()).toEqual([]);
    expect(r.greFromPac(WAN, 40000)).toMatchObject({ dst: C1, dport: 1 });
  });

  it("an incoming call's Incoming-Call-Connected gets the PNS's last outgoing call ID (0 before any)", async () => {
    const { c } = await dial();
    expect(c.pac(msg(T.IN_REQ, { callId: 0x5001 }))).not.toBeNull();
    const rep = c.pns(msg(T.IN_REP, { callId: 7, peerCallId: 0x5001, result: 1 })) as Uint8Array;
    expect(field16(rep, 12)).toBe(7);
    const conn = c.pac(msg(T.IN_CONN, { peerCallId: 7 })) as Uint8Array;
    expect(field16(conn, 12)).toBe(0);
  });
});

describe("the control connection's end", () => {
  it("removes the GRE connection, expectations and keymap entries once it is gone", async () => {
    const { r, c } = await dial();
    outgoingCall(c, 1, 0x4a01);
    r.greFromPns(C1, 0x4a01);
    r.greFromPac(WAN, 0x9c40);
    r.greFromPns(C1, 0x4a01, 2);
    c.close();
    r.advance(121);
    expect(r.conntrackLines()).toEqual([]);
    expect(r.keymap()).toEqual([]);
    expect(r.expectLines()).toEqual([]);
    expect(r.k.nat.core.bySourceSize).toBe(0);
  });
});
