/**
 * live [SCENARIO...]: re-record every scenario into a temp dir and compare at
 * once (pnpm test:kernel). Needs root and network namespaces; otherwise it
 * prints one skip line and succeeds. Pending scenarios are reported, not failed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareFixture } from "./compare.js";
import { SCENARIOS_DIR } from "./paths.js";
import { recordScenario } from "./record.js";

/** The scenario's pending reason (its `pending` file), as record copies it into the manifest. */
function scenarioPending(name: string): string | undefined {
  const f = join(SCENARIOS_DIR, name, "pending");
  return existsSync(f) ? readFileSync(f, "utf8").trim() : undefined;
}

function whyNot(): string | null {
  if (process.getuid?.() !== 0) return "not root";
  const r = spawnSync("ip", ["netns", "add", `ctkit-oracle-probe-${process.pid}`], {
    encoding: "utf8",
  });
  if (r.status !== 0)
    return `network namespaces unavailable (${(r.stderr ?? "").trim() || r.error?.message})`;
  spawnSync("ip", ["netns", "del", `ctkit-oracle-probe-${process.pid}`]);
  for (const tool of ["tcpdump", "conntrack", "iptables", "python3"]) {
    const t = spawnSync(tool, ["--version"], { encoding: "utf8" });
    if (t.error) return `${tool} missing`;
  }
  return null;
}

export function live(names: string[], out: (s: string) => void): number {
  const skip = whyNot();
  if (skip) {
    out(
      `test:kernel: SKIPPED (${skip}): live recording needs root, network namespaces, tcpdump, conntrack, iptables\n`,
    );
    return 0;
  }
  const scenarios = names.length ? names : readdirSync(SCENARIOS_DIR).sort();
  const tmp = mkdtempSync(join(tmpdir(), "ctkit-oracle-live-"));
  let failed = 0;
  try {
    for (const s of scenarios) {
      const dir = join(tmp, s);
      const pending = scenarioPending(s);
      let summary: string;
      let differences: string[];
      try {
        recordScenario(s, dir);
        const r = compareFixture(dir);
        summary = r.summary;
        differences = r.differences;
      } catch (e) {
        // One scenario that cannot be recorded or replayed (a helper ctkit
        // does not have yet) must not hide the others' results.
        summary = `${s}: ${(e as Error).message.split("\n")[0]}`;
        differences = [summary];
      }
      const bad = differences.length > 0;
      out(
        `${bad ? (pending ? "PENDING" : "FAIL") : "ok"} ${summary}${pending ? ` [pending: ${pending}]` : ""}\n`,
      );
      for (const d of differences.slice(0, 3)) if (d !== summary) out(`    ${d}\n`);
      if (bad && !pending) failed++;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  out(
    `test:kernel: ${scenarios.length - failed} of ${scenarios.length} scenarios ok or pending, ${failed} failed\n`,
  );
  return failed ? 1 : 0;
}
