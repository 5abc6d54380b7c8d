/**
 * `ctkit-bench ab` through the built CLI (its per-build loop is a bundle
 * entry of its own): a checkout compared with itself replays the same
 * packets into the same connections in both lanes; a base that was never
 * built is refused in one line.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAbArgs } from "../src/ab/command.js";
import { UsageError } from "../src/args.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const main = join(root, "tools", "bench", "dist", "main.js");

function bench(args: string[]) {
  return spawnSync(process.execPath, ["--expose-gc", main, "ab", ...args], { encoding: "utf8" });
}

describe("ctkit-bench ab", () => {
  it("replays the same capture through both builds, chunk by chunk", () => {
    const r = bench([
      "--base",
      root,
      "--flows",
      "300",
      "--packets",
      "3000",
      "--runs",
      "2",
      "--chunk",
      "700",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.packets).toBe(3000);
    expect(out.runs).toBe(2);
    expect(out.builds.map((b: { name: string }) => b.name)).toEqual(["base", "this"]);
    expect(out.builds.map((b: { connections: number }) => b.connections)).toEqual([300, 300]);
    for (const b of out.builds) {
      expect(b.ct.n).toBe(2);
      expect(b.ct.median).toBeGreaterThan(b.ref.median);
    }
    expect(out.ctRatio.median).toBeGreaterThan(0);
    expect(Number.isFinite(out.hooksRatio.median)).toBe(true);
  }, 60_000);

  it("refuses a base whose packages are not built, naming the missing file", () => {
    const r = bench(["--base", "/nonexistent-ctkit", "--flows", "10", "--packets", "100"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      "bench: ab: /nonexistent-ctkit/packages/kernel/dist/index.js does not exist: build that checkout first\n",
    );
  });

  it("needs --base", () => {
    expect(() => parseAbArgs(["--runs", "3"])).toThrow(UsageError);
    expect(() => parseAbArgs(["--runs", "3"])).toThrow(/^ab: --base DIR is required\n/);
  });
});
