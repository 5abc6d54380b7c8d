/**
 * Fuzzing the control channel (fast-check): random sequences of PPTP
 * control messages in both directions — every type, cut short, with a
 * wrong magic cookie or message type, a wrong length field, trailing or
 * leading junk, out of state, with call IDs from a small set so that real
 * calls come up too — mixed with GRE both ways and the clock moving, on a
 * routed router, through MASQUERADE, and through MASQUERADE with
 * multi_call.
 *
 * Properties: no exception escapes and nothing taints the kernel; like
 * Linux's helper, every control segment is forwarded (the helpers never
 * drop; the rewrites are same-length and cannot fail); a control
 * connection never holds more than two expectations; and once every
 * control connection has ended and the timeouts have passed, the
 * expectation table, the GRE keymap, the connection table and the call-ID
 * registry are empty.
 */
import type { Kernel } from "@ctkit/kernel";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { msg } from "../../pptp/test/messages.js";
import { Control, outgoingCall, Rig, startSession, WAN } from "../../pptp/test/rig.js";
import { NAT_PPTP_CALL_IDS } from "../dist/index.js";

type Mode = "routed" | "nat" | "multi";

/** -1 stands for the call ID the PAC last received on that connection (after NAT), -2 for the PAC's last own. */
const ID = fc.constantFrom(-1, -1, -2, -2, 0, 1, 2, 0x4a01, 0x4a02, 40000, 40001, 40002, 0xffff);

const message = fc.record({
  kind: fc.constant("msg" as const),
  conn: fc.integer({ min: 0, max: 1 }),
  fromPns: fc.boolean(),
  type: fc.integer({ min: 0, max: 16 }),
  callId: ID,
  peerCallId: ID,
  result: fc.integer({ min: 0, max: 2 }),
  damage: fc.constantFrom(
    "none",
    "none",
    "none",
    "none",
    "short",
    "magic",
    "ptype",
    "length",
    "trailing",
    "leading",
  ),
  cut: fc.integer({ min: 0, max: 220 }),
});

/** -3: the key of the connection's last call for that direction (what real GRE carries). */
const gre = fc.record({
  kind: fc.constant("gre" as const),
  conn: fc.integer({ min: 0, max: 1 }),
  fromPns: fc.boolean(),
  key: fc.oneof({ arbitrary: fc.constant(-3), weight: 3 }, { arbitrary: ID, weight: 1 }),
});

/**
 * A proper call set-up (possibly refused), as a client and server would do
 * it, after the previous call's disconnect and a session restart (stop,
 * start), so that calls can come up whatever the random messages did.
 */
const dial = fc.record({
  kind: fc.constant("dial" as const),
  conn: fc.integer({ min: 0, max: 1 }),
  pns: fc.integer({ min: 1, max: 3 }),
  pac: fc.constantFrom(0x4a01, 0x4a02, 0x4a03),
  result: fc.constantFrom(1, 1, 1, 2),
});

const clock = fc.record({
  kind: fc.constant("time" as const),
  dt: fc.integer({ min: 0, max: 90 }),
});

const action = fc.oneof(
  { arbitrary: message, weight: 6 },
  { arbitrary: gre, weight: 4 },
  { arbitrary: dial, weight: 2 },
  { arbitrary: clock, weight: 1 },
);

type Message = typeof message extends fc.Arbitrary<infer M> ? M : never;

/** The last call IDs seen on a connection: [at the PAC, the PAC's own]. */
type Last = [number, number];

function id(v: number, last: Last): number {
  return v === -1 ? last[0] : v === -2 ? last[1] : v;
}

function build(a: Message, last: Last): Uint8Array {
  let m = msg(a.type, {
    callId: id(a.callId, last),
    peerCallId: id(a.peerCallId, last),
    result: a.result,
    bodyLength: a.type === 16 || a.type === 0 ? 8 : undefined,
  });
  switch (a.damage) {
    case "short":
      m = m.subarray(0, Math.min(a.cut, m.length));
      break;
    case "magic":
      m[4] ^= 1 << (a.cut % 8);
      break;
    case "ptype":
      m[3] = 2;
      break;
    case "length":
      m[0] = a.cut & 0xff;
      m[1] = (a.cut * 7) & 0xff;
      break;
    case "trailing": {
      const t = new Uint8Array(m.length + (a.cut % 40) + 1);
      t.set(m);
      t.fill(0xa5, m.length);
      m = t;
      break;
    }
    case "leading": {
      // A message behind junk is not at the segment's start: never parsed.
      const t = new Uint8Array(m.length + 4);
      t.set([0, 0, 0, 1]);
      t.set(m, 4);
      m = t;
      break;
    }
  }
  return m.length === 0 ? new Uint8Array([0]) : m;
}

function callIds(k: Kernel): number {
  const reg = k.modules.find("nf_nat_pptp")?.symbols.get(NAT_PPTP_CALL_IDS) as
    | { size: number }
    | undefined;
  return reg?.size ?? 0;
}

/** How deep the runs got: expectations created and GRE connections they made RELATED. */
const reached = { expectations: 0, related: 0 };

async function run(
  mode: Mode,
  actions: (typeof action extends fc.Arbitrary<infer A> ? A : never)[],
) {
  const r = await Rig.create({
    masquerade: mode !== "routed",
    natParams: mode === "multi" ? ["multi_call=1"] : [],
  });
  const conns = [
    new Control(r, "10.0.0.2", 40000).handshake(),
    new Control(r, "10.0.0.3", 40001).handshake(),
  ];
  // A proper start, so that the random calls have a session to live in.
  for (const c of conns) startSession(c);
  const last: Last[] = [
    [0, 0],
    [0, 0],
  ];
  for (const a of actions) {
    if (a.kind === "time") {
      r.advance(a.dt);
      continue;
    }
    const c = conns[a.conn] as Control;
    const l = last[a.conn] as Last;
    if (a.kind === "dial") {
      // The previous call hangs up first (Linux follows one call at a time).
      c.pac(msg(13, { callId: l[1] }));
      c.pns(msg(3));
      c.pac(msg(4, { result: 1 }));
      startSession(c);
      l[0] = outgoingCall(c, a.pns, a.pac, a.result).atPac;
      l[1] = a.pac;
      continue;
    }
    if (a.kind === "gre") {
      const dst = a.fromPns ? null : mode === "routed" ? c.client : WAN;
      const key = a.key === -3 ? (a.fromPns ? l[1] : l[0]) : id(a.key, l);
      if (dst === null) r.greFromPns(c.client, key);
      else r.greFromPac(dst, key);
      continue;
    }
    const bytes = build(a, l);
    const through = a.fromPns ? c.pns(bytes) : c.pac(bytes);
    // The helpers accept every segment, as Linux's do.
    expect(through?.length).toBe(bytes.length);
    for (const cc of conns) {
      const slot = cc.slot();
      expect(r.k.conntrack.expectations.filter((e) => e.master === slot).length).toBeLessThan(3);
    }
  }
  reached.expectations += r.k.conntrack.stats.expectCreate;
  reached.related += r.k.conntrack.stats.expectNew;
  for (const c of conns) c.close();
  r.advance(200);
  r.advance(432000);
  expect(r.k.conntrack.expectations).toEqual([]);
  expect(r.keymap()).toEqual([]);
  expect(r.k.conntrack.table.count).toBe(0);
  expect(callIds(r.k)).toBe(0);
  expect(r.k.taint.size).toBe(0);
  expect(r.logs().filter((l) => /helper|pptp/i.test(l))).toEqual([]);
}

describe("the control channel under fuzzing", () => {
  for (const mode of ["routed", "nat", "multi"] as const) {
    it(`${mode}: nothing escapes, every segment passes, nothing is left behind`, async () => {
      reached.expectations = 0;
      reached.related = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(action, { minLength: 1, maxLength: 40, size: "max" }),
          (actions) => run(mode, actions),
        ),
        { numRuns: 40 },
      );
      // The random messages do bring calls up and their GRE in.
      expect(reached.expectations).toBeGreaterThan(60);
      expect(reached.related).toBeGreaterThan(10);
    }, 120_000);
  }
});
