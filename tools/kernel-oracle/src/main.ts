#!/usr/bin/env node
/**
 * ctkit-oracle record SCENARIO --out FIXTURE_DIR
 * ctkit-oracle compare FIXTURE_DIR...
 * ctkit-oracle live [SCENARIO...]
 */
import { compareFixture } from "./compare.js";
import { live } from "./live.js";
import { readManifest } from "./manifest.js";
import { recordScenario } from "./record.js";

const HELP = `Usage:
  ctkit-oracle record SCENARIO --out FIXTURE_DIR   record on the real kernel (root, netns)
  ctkit-oracle compare FIXTURE_DIR...              replay through ctkit and compare
  ctkit-oracle live [SCENARIO...]                  record into a temp dir and compare
SCENARIO is a directory with 'setup' and 'traffic.py', or a name under scenarios/.
compare exits 1 on any difference (pending fixtures included).
`;

function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  const write = (s: string) => process.stdout.write(s);
  if (cmd === "record") {
    const o = rest.indexOf("--out");
    const outDir = o >= 0 ? rest[o + 1] : undefined;
    const scenario = rest.filter((_, i) => i !== o && i !== o + 1)[0];
    if (!scenario || !outDir) throw new Error("record: expected SCENARIO --out FIXTURE_DIR");
    recordScenario(scenario, outDir);
    write(`recorded ${scenario} into ${outDir}\n`);
    return 0;
  }
  if (cmd === "compare") {
    if (rest.length === 0) throw new Error("compare: expected FIXTURE_DIR");
    let bad = 0;
    for (const dir of rest) {
      const r = compareFixture(dir);
      for (const d of r.differences) write(`${d}\n`);
      const pending = readManifest(dir).pending;
      write(`${r.summary}${pending ? ` [pending: ${pending}]` : ""}\n`);
      if (r.differences.length) bad++;
    }
    return bad ? 1 : 0;
  }
  if (cmd === "live") return live(rest, write);
  write(HELP);
  return cmd === "--help" || cmd === "-h" ? 0 : 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`ctkit-oracle: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
