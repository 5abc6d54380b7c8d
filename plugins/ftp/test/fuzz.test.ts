/**
 * Fuzzing the control channel: random and mutated segments, in both
 * directions, with retransmissions and `loose` flips, through a real kernel
 * with the helper. Nothing may escape (a throwing helper taints the
 * kernel), each control connection holds at most one expectation (the
 * policy's max_expected), and every expectation belongs to a live FTP
 * connection. The parser on its own must not read outside the payload.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FtpCommand } from "../src/command.js";
import type { MatchSpan } from "../src/numbers.js";
import { findPattern, SEARCH } from "../src/search.js";
import { FtpRig } from "./support.js";

const enc = (s: string) => new TextEncoder().encode(s);

const TEMPLATES = [
  "PORT 10,0,0,2,19,137\r\n",
  "PORT 10,0,0,99,19,137\r\n",
  "EPRT |1|10.0.0.2|5282|\r\n",
  "EPRT |2|2001:db8:1::2|5282|\r\n",
  "227 Entering Passive Mode (198,51,100,2,195,110).\r\n",
  "229 Entering Extended Passive Mode (|||6446|)\r\n",
  "USER anonymous\r\n",
  "200 OK\r\n",
].map(enc);

/** Bytes that matter to the parser, so mutations hit its edges. */
const TRICKY = enc("0123456789,.|!()\r\n :aAfFpP\0\xff");

type Mutation = { at: number; op: "del" | "ins" | "set"; byte: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("del", "ins", "set"),
  byte: fc.oneof(fc.constantFrom(...TRICKY), fc.integer({ min: 0, max: 255 })),
});

function mutate(base: Uint8Array, muts: Mutation[], cut: number | null): Uint8Array {
  const b = Array.from(base);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.op === "ins" ? 1 : 0));
    if (m.op === "del") b.splice(at, 1);
    else if (m.op === "ins") b.splice(at, 0, m.byte);
    else if (b.length > 0) b[at] = m.byte;
  }
  return Uint8Array.from(cut === null ? b : b.slice(0, cut % (b.length + 1)));
}

const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom(...TEMPLATES),
      fc.array(mutation, { maxLength: 4 }),
      fc.option(fc.nat(), { freq: 3 }),
    )
    .map(([t, m, cut]) => mutate(t, m, cut))
    .filter((p) => p.length > 0),
);

type Step =
  | { kind: "send"; fromClient: boolean; payload: Uint8Array }
  | { kind: "resend"; fromClient: boolean; payload: Uint8Array; back: number }
  | { kind: "loose"; on: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant("send" as const), fromClient: fc.boolean(), payload }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("resend" as const),
      fromClient: fc.boolean(),
      payload,
      back: fc.nat({ max: 400 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("loose" as const), on: fc.boolean() }) },
);

/** Tables stay consistent: ≤ 1 expectation per master, each of a live connection with the ftp helper. */
function checkTables(r: FtpRig): void {
  expect(r.k.taint.size).toBe(0);
  const perMaster = new Map<number, number>();
  for (const e of r.expectations()) {
    perMaster.set(e.master, (perMaster.get(e.master) ?? 0) + 1);
    expect(r.k.conntrack.table.isLive(e.master)).toBe(true);
    expect(r.k.conntrack.helperOf(e.master)?.spec.name).toBe("ftp");
    expect(e.tuple.proto).toBe(6);
    expect(e.tuple.family).toBe(r.family);
    expect(e.maskSport).toBe(0);
  }
  for (const n of perMaster.values()) expect(n).toBeLessThanOrEqual(1);
}

describe.each([4, 6] as const)("control channel fuzz (IPv%i)", (family) => {
  it("never throws and keeps the expectation table consistent", async () => {
    const r = await FtpRig.create({ family });
    let conn = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        // A fresh control connection per run, in the same kernel.
        r.k.conntrack.flush();
        r.clientPort = 20000 + (conn++ % 40000);
        r.nextSeq[0] = 1000;
        r.nextSeq[1] = 50000;
        r.openSession();
        for (const s of steps) {
          if (s.kind === "loose") {
            r.k.modules.setParam("nf_conntrack_ftp", "loose", s.on ? "1" : "0");
          } else if (s.kind === "send") {
            r.send(s.fromClient, s.payload);
          } else {
            const next = r.nextSeq[s.fromClient ? 0 : 1] as number;
            r.resend(s.fromClient, s.payload, (next - s.back) >>> 0);
          }
          checkTables(r);
        }
      }),
      { numRuns: 150 },
    );
    // The fuzz reached the interesting paths, not only "nothing to see".
    expect(r.logs().join("\n")).toContain("partial matching of");
    expect(r.k.conntrack.stats.expectCreate).toBeGreaterThan(0);
  });
});

describe("findPattern in isolation", () => {
  it("reads only the payload: the same answer whatever surrounds it", () => {
    fc.assert(
      fc.property(
        fc.oneof(payload, fc.uint8Array({ maxLength: 80 })),
        fc.uint8Array({ maxLength: 16 }),
        fc.uint8Array({ maxLength: 16 }),
        fc.constantFrom(0, 1),
        fc.constantFrom(4, 6),
        (p, before, after, dir, family) => {
          const run = (pre: Uint8Array, post: Uint8Array) => {
            const data = new Uint8Array(pre.length + p.length + post.length);
            data.set(pre, 0);
            data.set(p, pre.length);
            data.set(post, pre.length + p.length);
            const cmd = new FtpCommand();
            cmd.family = family as 4 | 6;
            cmd.addr.set([0x0a000002, 7, 8, 9]);
            const span: MatchSpan = { off: 0, len: 0 };
            const found = (SEARCH[dir] ?? []).map((s) =>
              findPattern(data, pre.length, p.length, s, span, cmd),
            );
            return JSON.stringify([found, span, Array.from(cmd.addr), cmd.port]);
          };
          expect(run(before, after)).toBe(
            run(new Uint8Array(before.length).fill(0x31), new Uint8Array(after.length).fill(0x7c)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
