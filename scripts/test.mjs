#!/usr/bin/env node
// Runs the whole vitest suite and ends with the plain line CI reads:
// "N passed, N failed". Exit status is vitest's.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

// Static checks first; each failing one counts as a failed test.
let checksFailed = 0;
for (const [what, args] of [
  [
    "typecheck",
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json", "--noEmit"],
  ],
  ["lint", [join(root, "node_modules", "@biomejs", "biome", "bin", "biome"), "check", "."]],
]) {
  const r = spawnSync(process.execPath, args, { stdio: "inherit", cwd: root });
  if (r.status !== 0) {
    console.error(`scripts/test.mjs: ${what} failed`);
    checksFailed++;
  }
}
const results = join(root, ".ci", "results.json");
rmSync(results, { force: true });
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const run = spawnSync(
  process.execPath,
  [
    vitest,
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${results}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", cwd: root },
);
let passed = 0;
let failed = 0;
if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, "utf8"));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
} else failed = 1;
failed += checksFailed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
