/** Where things are: the workspace root, the ctkit CLI, the python recorder, scenarios, fixtures. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findUp(from: string, marker: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, marker))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find ${marker} above ${from}`);
    dir = up;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
/** tools/kernel-oracle, from src/ (tests) or dist/ (the bin). */
export const ORACLE_DIR = findUp(here, "tsup.config.ts");
export const WORKSPACE_DIR = findUp(ORACLE_DIR, "pnpm-workspace.yaml");
export const CTKIT_CLI = join(WORKSPACE_DIR, "packages", "cli", "dist", "main.js");
export const RECORDER = join(ORACLE_DIR, "py", "oracle.py");
export const SCENARIOS_DIR = join(ORACLE_DIR, "scenarios");
export const FIXTURES_DIR = join(ORACLE_DIR, "fixtures");
