/**
 * record SCENARIO --out DIR: runs the python recorder (namespaces, tcpdump,
 * traffic, conntrack snapshots) as root, then writes setup and manifest.json.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { release } from "node:os";
import { basename, join, resolve } from "node:path";
import { writeManifest } from "./manifest.js";
import { RECORDER, SCENARIOS_DIR } from "./paths.js";

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  const text = `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n")[0].trim();
  return r.error ? "missing" : text;
}

export function scenarioDir(nameOrPath: string): string {
  const asPath = resolve(nameOrPath);
  if (existsSync(join(asPath, "setup"))) return asPath;
  const named = join(SCENARIOS_DIR, nameOrPath);
  if (existsSync(join(named, "setup"))) return named;
  throw new Error(
    `no scenario '${nameOrPath}' (neither a directory with a setup file nor in ${SCENARIOS_DIR})`,
  );
}

export function recordScenario(scenario: string, out: string): void {
  const dir = scenarioDir(scenario);
  mkdirSync(out, { recursive: true });
  const r = spawnSync("python3", ["-B", RECORDER, dir, out], {
    encoding: "utf8",
    stdio: ["ignore", "inherit", "pipe"],
  });
  if (r.status !== 0)
    throw new Error(
      `recording ${basename(dir)} failed: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`,
    );
  copyFileSync(join(dir, "setup"), join(out, "setup"));
  const timing = JSON.parse(readFileSync(join(out, "record.json"), "utf8")) as { snapshot: number };
  rmSync(join(out, "record.json"));
  const pendingFile = join(dir, "pending");
  writeManifest(out, {
    scenario: basename(dir),
    kernel: release(),
    date: new Date().toISOString(),
    tools: {
      iptables: version("iptables", ["-V"]),
      conntrack: version("conntrack", ["-V"]),
      tcpdump: version("tcpdump", ["--version"]),
      python: version("python3", ["--version"]),
      node: process.version,
    },
    snapshot: timing.snapshot,
    ...(existsSync(pendingFile) ? { pending: readFileSync(pendingFile, "utf8").trim() } : {}),
  });
}
