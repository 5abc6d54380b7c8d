/**
 * compare FIXTURE: replay the fixture's set-up and inputs through ctkit and
 * compare with what the kernel sent (per interface) and its conntrack tables.
 * Where NAT chose a port / ICMP id freely, the recorded replies are rewritten
 * to ctkit's choice and replayed again (rewrite-inputs.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareConntrack } from "./compare-conntrack.js";
import { compareInterface } from "./compare-packets.js";
import { readManifest } from "./manifest.js";
import { CTKIT_CLI } from "./paths.js";
import { editPcap, readPcap } from "./pcap.js";
import { Renamer } from "./rename.js";
import {
  completeRenaming,
  describeRenaming,
  type NatRenaming,
  natRenaming,
  renameConntrack,
  rewriteInput,
} from "./rewrite-inputs.js";
import { isNatSide, readSetupInfo, type SetupInfo } from "./setup-info.js";

export const INTERFACES = ["lan", "wan"] as const;

export interface CompareOptions {
  /** Test hook: change ctkit's output packets before they are compared. */
  mutate?: (ifname: string, packets: Uint8Array[]) => void;
}

export interface CompareResult {
  differences: string[];
  /** One line, e.g. "tcp-routed: lan-out 5/5, wan-out 6/6 packets equal; conntrack equal". */
  summary: string;
}

function ipPackets(file: string): Uint8Array[] {
  if (!existsSync(file)) return [];
  return readPcap(new Uint8Array(readFileSync(file)), file).map((r) => r.ip);
}

function lastInputTime(dir: string): number {
  let t = 0;
  for (const i of INTERFACES) {
    const f = join(dir, `${i}-in.pcap`);
    if (existsSync(f))
      for (const r of readPcap(new Uint8Array(readFileSync(f)), f)) t = Math.max(t, r.time);
  }
  return t;
}

/** Runs ctkit replay into out (inputs: per interface, default the fixture's); throws with ctkit's message when it fails. */
export function runCtkit(dir: string, out: string, inputs: Record<string, string> = {}): void {
  const args = [CTKIT_CLI, "replay", join(dir, "setup"), "--out-dir", out];
  for (const i of INTERFACES) args.push("--in", `${i}=${inputs[i] ?? join(dir, `${i}-in.pcap`)}`);
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`ctkit replay failed (${r.status}): ${(r.stderr || r.stdout).trim()}`);
}

/**
 * At most this many replays: the first with the recorded inputs, then with the
 * inputs rewritten by the renaming learned from the previous replay (a
 * comparison stops at an interface's first difference, so one replay may
 * learn only part of the renaming, e.g. a port but not a later ICMP id).
 */
export const MAX_REPLAYS = 3;

interface Replay {
  differences: string[];
  counts: string[];
  renamer: Renamer;
}

function compareOutputs(dir: string, out: string, info: SetupInfo, opts: CompareOptions): Replay {
  const differences: string[] = [];
  const counts: string[] = [];
  const renamer = new Renamer();
  for (const i of INTERFACES) {
    const kernel = ipPackets(join(dir, `${i}-out.pcap`));
    const ctkit = ipPackets(join(out, `${i}-out.pcap`));
    opts.mutate?.(i, ctkit);
    const ctx = { natSide: isNatSide(info, i), routerAddresses: info.routerAddresses };
    const d = compareInterface(`${i}-out`, kernel, ctkit, ctx, renamer);
    if (d) differences.push(d.message);
    counts.push(`${i}-out ${kernel.length} kernel/${ctkit.length} ctkit`);
  }
  return { differences, counts, renamer };
}

/**
 * The recorded inputs of the NAT interfaces rewritten with renaming (see
 * rewrite-inputs.ts for why that is sound), written under into; returns the
 * paths for runCtkit and how many packets changed.
 */
function rewriteInputs(
  dir: string,
  info: SetupInfo,
  renaming: NatRenaming,
  into: string,
): { inputs: Record<string, string>; changed: number } {
  const inputs: Record<string, string> = {};
  let changed = 0;
  const perm = completeRenaming(renaming);
  mkdirSync(into, { recursive: true });
  for (const i of INTERFACES) {
    const f = join(dir, `${i}-in.pcap`);
    if (!isNatSide(info, i) || !existsSync(f)) continue;
    const r = editPcap(new Uint8Array(readFileSync(f)), (ip) => rewriteInput(ip, perm), f);
    inputs[i] = join(into, `${i}-in.pcap`);
    writeFileSync(inputs[i], r.bytes);
    changed += r.changed;
  }
  return { inputs, changed };
}

export function compareFixture(dir: string, opts: CompareOptions = {}): CompareResult {
  const manifest = readManifest(dir);
  const name = manifest.scenario;
  const info = readSetupInfo(readFileSync(join(dir, "setup"), "utf8"));
  const tmp = mkdtempSync(join(tmpdir(), "ctkit-oracle-replay-"));
  try {
    // Replay, learn NAT's choices, rewrite the inputs with them, replay again,
    // until the renaming the outputs show is the one the inputs were given.
    let applied: NatRenaming = new Map();
    let rewritten = 0;
    let replays = 0;
    let replay: Replay;
    const unstable: string[] = [];
    for (;;) {
      replays++;
      const out = join(tmp, `out-${replays}`);
      mkdirSync(out);
      const { inputs, changed } =
        replays === 1
          ? { inputs: {}, changed: 0 }
          : rewriteInputs(dir, info, applied, join(tmp, `in-${replays}`));
      rewritten = changed;
      runCtkit(dir, out, inputs);
      replay = compareOutputs(dir, out, info, opts);
      const learned = natRenaming(replay.renamer);
      if (describeRenaming(learned) === describeRenaming(applied)) break;
      if (replays === MAX_REPLAYS) {
        unstable.push(
          `NAT renaming not stable after ${replays} replays: inputs rewritten with {${describeRenaming(applied)}}, outputs show {${describeRenaming(learned)}}`,
        );
        break;
      }
      applied = learned;
    }
    const out = join(tmp, `out-${replays}`);
    const differences = [...replay.differences, ...unstable];
    const elapsed = Math.max(0, manifest.snapshot - lastInputTime(dir));
    const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : "");
    differences.push(
      ...compareConntrack(
        renameConntrack(read(join(dir, "conntrack.txt")), completeRenaming(applied)),
        read(join(out, "conntrack.txt")),
        elapsed,
      ),
      ...compareConntrack(
        read(join(dir, "expect.txt")),
        read(join(out, "expect.txt")),
        elapsed,
        "expect",
      ),
    );
    const renamed = replay.renamer.nonIdentity();
    const inputsNote =
      replays > 1 ? `; ${replays} replays, ${rewritten} input packet(s) rewritten` : "";
    const summary = `${name}: ${differences.length === 0 ? "equal" : `${differences.length} difference(s)`} (${replay.counts.join(", ")}${renamed.length ? `; renamed ${renamed.join(", ")}` : ""}${inputsNote})`;
    return { differences, summary };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
