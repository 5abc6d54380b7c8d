/**
 * compare FIXTURE: replay the fixture's set-up and inputs through ctkit and
 * compare with what the kernel sent (per interface) and its conntrack tables.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareConntrack } from "./compare-conntrack.js";
import { compareInterface } from "./compare-packets.js";
import { readManifest } from "./manifest.js";
import { CTKIT_CLI } from "./paths.js";
import { readPcap } from "./pcap.js";
import { Renamer } from "./rename.js";
import { isNatSide, readSetupInfo } from "./setup-info.js";

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

/** Runs ctkit replay into out; throws with ctkit's message when it fails. */
export function runCtkit(dir: string, out: string): void {
  const args = [CTKIT_CLI, "replay", join(dir, "setup"), "--out-dir", out];
  for (const i of INTERFACES) args.push("--in", `${i}=${join(dir, `${i}-in.pcap`)}`);
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`ctkit replay failed (${r.status}): ${(r.stderr || r.stdout).trim()}`);
}

export function compareFixture(dir: string, opts: CompareOptions = {}): CompareResult {
  const manifest = readManifest(dir);
  const name = manifest.scenario;
  const info = readSetupInfo(readFileSync(join(dir, "setup"), "utf8"));
  const out = mkdtempSync(join(tmpdir(), "ctkit-oracle-replay-"));
  try {
    runCtkit(dir, out);
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
    const elapsed = Math.max(0, manifest.snapshot - lastInputTime(dir));
    const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : "");
    differences.push(
      ...compareConntrack(
        read(join(dir, "conntrack.txt")),
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
    const renamed = renamer.nonIdentity();
    const summary = `${name}: ${differences.length === 0 ? "equal" : `${differences.length} difference(s)`} (${counts.join(", ")}${renamed.length ? `; renamed ${renamed.join(", ")}` : ""})`;
    return { differences, summary };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
