/**
 * live [SCENARIO...]: re-record every scenario into a temp dir and compare at
 * once (pnpm test:kernel). Needs root and network namespaces; otherwise it
 * prints one skip line and succeeds. Pending scenarios are reported, not failed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareFixture } from "./compare.js";
import { readManifest } from "./manifest.js";
import { SCENARIOS_DIR } from "./paths.js";
import { recordScenario } from "./record.js";

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
      recordScenario(s, dir);
      const pending = readManifest(dir).pending;
      const r = compareFixture(dir);
      const bad = r.differences.length > 0;
      out(
        `${bad ? (pending ? "PENDING" : "FAIL") : "ok"} ${r.summary}${pending ? ` [pending: ${pending}]` : ""}\n`,
      );
      for (const d of r.differences.slice(0, 3)) out(`    ${d}\n`);
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
