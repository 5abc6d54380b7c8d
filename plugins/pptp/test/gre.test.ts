/**
 * The helper on a routed (not NATed) router, with real packets: the two GRE
 * expectations and keymap entries of a call, the GRE connection they make
 * RELATED (the only way through a drop-policy FORWARD filter), and the
 * teardowns — Call-Disconnect-Notify and the control connection's end.
 */
import { describe, expect, it } from "vitest";
import { msg, T } from "./messages.js";
import { Control, outgoingCall, PAC, Rig, startSession } from "./rig.js";

const PNS = "10.0.0.2";

async function callUp(o: { filter?: boolean } = {}) {
  const r = await Rig.create({ masquerade: false, filter: o.filter ?? true });
  const c = new Control(r, PNS, 40000).handshake();
  startSession(c);
  const ids = outgoingCall(c, 0x0001, 0x4a01);
  return { r, c, ids };
}

const EXP_ORIG =
  "300 proto=47 src=10.0.0.2 dst=198.51.100.2 srckey=0x1 dstkey=0x4a01 mask-src=255.255.255.255 mask-dst=255.255.255.255 srckey=0xffff dstkey=0xffff master-src=10.0.0.2 master-dst=198.51.100.2 sport=40000 dport=1723 class=0 helper=pptp";
const EXP_REPLY =
  "300 proto=47 src=198.51.100.2 dst=10.0.0.2 srckey=0x4a01 dstkey=0x1 mask-src=255.255.255.255 mask-dst=255.255.255.255 srckey=0xffff dstkey=0xffff master-src=10.0.0.2 master-dst=198.51.100.2 sport=40000 dport=1723 class=0 helper=pptp";

describe("a call's GRE", () => {
  it("is expected both ways once the PAC connects the call, keys from the call IDs", async () => {
    const { r, ids } = await callUp();
    // Without NAT the call IDs cross untouched.
    expect(ids).toEqual({ atPac: 1, atPns: 1 });
    expect(r.expectLines()).toEqual([EXP_ORIG, EXP_REPLY]);
    expect(r.keymap()).toEqual([
      "0 10.0.0.2>198.51.100.2 1/4a01",
      "1 198.51.100.2>10.0.0.2 4a01/1",
    ]);
    expect(r.logs()).toEqual([]);
  });

  it("passes a drop-policy filter as RELATED, one connection for both directions", async () => {
    const { r } = await callUp();
    const out = r.greFromPns(PNS, 0x4a01);
    expect(out).toMatchObject({ src: PNS, dst: PAC, proto: 47, dport: 0x4a01 });
    // One connection carries both directions: the PAC → PNS expectation went.
    expect(r.expectLines()).toEqual([]);
    expect(r.greFromPac(PNS, 0x0001)).toMatchObject({ src: PAC, dst: PNS, dport: 1 });
    expect(r.greFromPns(PNS, 0x4a01, 2)).not.toBeNull();
    // 300: the PNS has not acknowledged the PAC's last message yet (unacknowledged timeout).
    // use=2: the GRE connection holds its master, as in Linux.
    expect(r.conntrackLines()).toEqual([
      "gre      47 180 src=10.0.0.2 dst=198.51.100.2 srckey=0x1 dstkey=0x4a01 src=198.51.100.2 dst=10.0.0.2 srckey=0x4a01 dstkey=0x1 [ASSURED] mark=0 use=1",
      "tcp      6 300 ESTABLISHED src=10.0.0.2 dst=198.51.100.2 sport=40000 dport=1723 src=198.51.100.2 dst=10.0.0.2 sport=1723 dport=40000 [ASSURED] mark=0 helper=pptp use=2",
    ]);
  });

  it("may start from the PAC's side", async () => {
    const { r } = await callUp();
    expect(r.greFromPac(PNS, 0x0001)).not.toBeNull();
    expect(r.expectLines()).toEqual([]);
    expect(r.greConns()).toEqual(["198.51.100.2>10.0.0.2 4a01/1 | 10.0.0.2>198.51.100.2 1/4a01"]);
    expect(r.greFromPns(PNS, 0x4a01)).not.toBeNull();
    expect(r.greConns()).toHaveLength(1);
  });

  it("is not forwarded by the filter without the helper, nor with keys of another call", async () => {
    const bare = await Rig.create({ masquerade: false, filter: true, helper: false });
    const c = new Control(bare, PNS, 40000).handshake();
    startSession(c);
    outgoingCall(c, 1, 0x4a01);
    expect(bare.expectLines()).toEqual([]);
    expect(bare.greFromPns(PNS, 0x4a01)).toBeNull();
    expect(bare.greFromPac(PNS, 1)).toBeNull();
    const { r } = await callUp();
    expect(r.greFromPns(PNS, 0x4a02)).toBeNull();
    expect(r.greFromPac(PNS, 2)).toBeNull();
    expect(r.expectLines()).toHaveLength(2);
  });

  it("of a refused call is not expected", async () => {
    const r = await Rig.create({ masquerade: false });
    const c = new Control(r, PNS, 40000).handshake();
    startSession(c);
    outgoingCall(c, 1, 0x4a01, 3);
    expect(r.expectLines()).toEqual([]);
    expect(r.keymap()).toEqual([]);
  });

  it("is expected again by a retransmitted reply, without a keymap clash", async () => {
    const { r, c } = await callUp();
    c.pac(msg(T.OUT_REP, { callId: 0x4a01, peerCallId: 1, result: 1 }));
    expect(r.expectLines()).toEqual([EXP_ORIG, EXP_REPLY]);
    expect(r.keymap()).toHaveLength(2);
  });

  it("of a second call on the same control connection is refused by the keymap (Linux: one call at a time)", async () => {
    const { r, c } = await callUp();
    expect(r.greFromPns(PNS, 0x4a01)).not.toBeNull();
    outgoingCall(c, 2, 0x4a02);
    // The keymap holds call 1 for this connection: call 2's expectations are withdrawn.
    expect(r.expectLines()).toEqual([]);
    expect(r.keymap()).toEqual([
      "0 10.0.0.2>198.51.100.2 1/4a01",
      "1 198.51.100.2>10.0.0.2 4a01/1",
    ]);
    expect(r.greFromPns(PNS, 0x4a02)).toBeNull();
  });

  it("of an incoming call is expected on Incoming-Call-Connected", async () => {
    const r = await Rig.create({ masquerade: false, filter: true });
    const c = new Control(r, PNS, 40000).handshake();
    startSession(c);
    c.pac(msg(T.IN_REQ, { callId: 0x5001 }));
    c.pns(msg(T.IN_REP, { callId: 0x0007, peerCallId: 0x5001, result: 1 }));
    expect(r.expectLines()).toEqual([]);
    c.pac(msg(T.IN_CONN, { peerCallId: 0x0007 }));
    expect(r.keymap()).toEqual([
      "0 10.0.0.2>198.51.100.2 7/5001",
      "1 198.51.100.2>10.0.0.2 5001/7",
    ]);
    expect(r.greFromPac(PNS, 7)).not.toBeNull();
  });

  it("is not expected from a message that does not start the segment, or is cut", async () => {
    const r = await Rig.create({ masquerade: false });
    const c = new Control(r, PNS, 40000).handshake();
    startSession(c);
    c.pns(msg(T.OUT_REQ, { callId: 1 }));
    const reply = msg(T.OUT_REP, { callId: 0x4a01, peerCallId: 1, result: 1 });
    // Behind an echo reply in the same segment: only the echo is seen.
    const both = new Uint8Array(20 + reply.length);
    both.set(msg(T.ECHO_REP).subarray(0, 20), 0);
    both.set(reply, 20);
    expect(c.pac(both)).not.toBeNull();
    // Split over two segments: neither half is a whole message.
    expect(c.pac(reply.subarray(0, 20))).not.toBeNull();
    expect(c.pac(reply.subarray(20))).not.toBeNull();
    expect(r.expectLines()).toEqual([]);
    // The state still waits for the reply.
    expect(c.pac(reply)).not.toBeNull();
    expect(r.expectLines()).toHaveLength(2);
  });
});

describe("teardown", () => {
  it("Call-Disconnect-Notify kills the call's GRE connection and empties the keymap", async () => {
    const { r, c } = await callUp();
    r.greFromPns(PNS, 0x4a01);
    r.greFromPac(PNS, 1);
    c.pns(msg(T.CLEAR, { callId: 1 }));
    expect(r.greConns()).toHaveLength(1);
    expect(c.pac(msg(T.DISCONNECT, { callId: 0x4a01, result: 4 }))).not.toBeNull();
    expect(r.greConns()).toEqual([]);
    expect(r.keymap()).toEqual([]);
    expect(r.expectLines()).toEqual([]);
    // Later GRE of the call is NEW again: the filter drops it.
    expect(r.greFromPns(PNS, 0x4a01)).toBeNull();
  });

  it("Call-Disconnect-Notify before any GRE withdraws both expectations", async () => {
    const { r, c } = await callUp();
    c.pac(msg(T.DISCONNECT, { callId: 0x4a01 }));
    expect(r.expectLines()).toEqual([]);
    expect(r.keymap()).toEqual([]);
  });

  it("the control connection's end takes the call's GRE with it", async () => {
    const { r, c } = await callUp();
    r.greFromPns(PNS, 0x4a01);
    r.greFromPac(PNS, 1);
    r.greFromPns(PNS, 0x4a01, 2); // replied GRE: the 180 s stream timeout
    c.close();
    // TIME_WAIT keeps the control connection (and its GRE) for 120 s.
    r.advance(119);
    expect(r.greConns()).toHaveLength(1);
    expect(r.keymap()).toHaveLength(2);
    r.advance(2);
    expect(r.conntrackLines()).toEqual([]);
    expect(r.keymap()).toEqual([]);
    expect(r.k.conntrack.table.count).toBe(0);
  });

  it("a GRE connection outlives nothing: idle for 180 s it expires, the keymap stays with the call", async () => {
    const { r } = await callUp();
    r.greFromPns(PNS, 0x4a01);
    r.greFromPac(PNS, 1);
    r.greFromPns(PNS, 0x4a01, 2);
    r.advance(181);
    expect(r.greConns()).toEqual([]);
    expect(r.keymap()).toHaveLength(2);
  });
});
