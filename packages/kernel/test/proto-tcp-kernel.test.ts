/**
 * Replays segments recorded on a real Linux kernel (fixtures/proto-tcp/
 * kernel-golden.json, made by fixtures/proto-tcp/record.py in network
 * namespaces) and checks, after every packet, that ctkit's tracker agrees
 * with what the kernel did: the packet's ctstate (NEW / ESTABLISHED /
 * INVALID), the conntrack entries (state, ASSURED, UNREPLIED, timeout left)
 * and the nf_conntrack_log_invalid lines.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hexToBytes, MiniConntrack } from "./proto-tcp-harness.js";

interface KEntry {
  orig: [string, string, number, number];
  state: string;
  timeout: number;
  assured: boolean;
  unreplied: boolean;
}
interface KStep {
  dir: "o" | "r";
  flags: string;
  seq: number;
  ack: number;
  /** IP + TCP headers as sent (hex). */
  packet: string;
  /** Payload length; the payload was that many "x" bytes. */
  payload: number;
  t: number;
  tSent: number;
  tObs: number;
  ctstate: string | string[];
  entries: KEntry[];
  logs: string[];
}
interface KScenario {
  name: string;
  group: string;
  sysctls: Record<string, number>;
  sport: number;
  steps: KStep[];
}
interface Golden {
  kernel: string;
  hz: number;
  scenarios: KScenario[];
}

const golden: Golden = JSON.parse(
  readFileSync(new URL("./fixtures/proto-tcp/kernel-golden.json", import.meta.url), "utf8"),
);

function replay(sc: KScenario): void {
  const ct = new MiniConntrack(sc.sysctls);
  ct.hz = golden.hz;
  sc.steps.forEach((step, i) => {
    const where = `${sc.name} step ${i + 1} (${step.dir} ${step.flags || "-"} seq=${step.seq} ack=${step.ack})`;
    const head = hexToBytes(step.packet);
    const pkt = new Uint8Array(head.length + step.payload).fill(0x78);
    pkt.set(head);
    const out = ct.packet(pkt, step.t);
    expect(out.ctstate, `${where}: ctstate`).toBe(step.ctstate);
    expect(out.logs, `${where}: log lines`).toEqual(step.logs);
    const mine = ct.list(step.tObs);
    expect(
      mine.map((e) => ({
        orig: e.orig,
        state: e.state,
        assured: e.assured,
        unreplied: e.unreplied,
      })),
      `${where}: entries`,
    ).toEqual(
      step.entries.map((e) => ({
        orig: e.orig,
        state: e.state,
        assured: e.assured,
        unreplied: e.unreplied,
      })),
    );
    // /proc prints whole seconds left, rounded down. The model dates every
    // refresh at the moment the packet was sent and reads at tObs, so the
    // kernel's true remainder is at most a few milliseconds above ours.
    for (let k = 0; k < mine.length; k++) {
      const printed = step.entries[k].timeout;
      const rem = mine[k].remaining;
      const msg = `${where}: timeout printed ${printed}, model ${rem.toFixed(3)}`;
      expect(printed, msg).toBeGreaterThanOrEqual(Math.floor(rem - 0.02));
      expect(printed, msg).toBeLessThanOrEqual(rem + 0.05);
    }
  });
}

describe(`TCP tracker vs Linux ${golden.kernel} (recorded)`, () => {
  const groups = new Map<string, KScenario[]>();
  for (const sc of golden.scenarios) {
    const list = groups.get(sc.group) ?? [];
    list.push(sc);
    groups.set(sc.group, list);
  }
  for (const [group, list] of groups) {
    describe(group, () => {
      for (const sc of list) it(sc.name, () => replay(sc));
    });
  }

  it("covers every state x packet kind x direction", () => {
    const names = new Set(golden.scenarios.filter((s) => s.group === "matrix").map((s) => s.name));
    expect(names.size).toBe(6 + 9 * 6 * 2);
  });
});
