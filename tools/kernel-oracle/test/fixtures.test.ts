/**
 * Every committed fixture (recorded on a real Linux router by ctkit-oracle)
 * replayed through ctkit: zero differences, unless the fixture is pending.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareFixture } from "../src/compare.js";
import { readManifest } from "../src/manifest.js";
import { FIXTURES_DIR } from "../src/paths.js";

const fixtures = readdirSync(FIXTURES_DIR).sort();

describe("kernel fixtures replayed through ctkit", () => {
  it("has at least 8 fixtures that are not pending", () => {
    expect(
      fixtures.filter((f) => !readManifest(join(FIXTURES_DIR, f)).pending).length,
    ).toBeGreaterThanOrEqual(8);
  });
  for (const name of fixtures) {
    const dir = join(FIXTURES_DIR, name);
    const pending = readManifest(dir).pending;
    it.skipIf(pending !== undefined)(`${name}${pending ? ` (pending: ${pending})` : ""}`, () => {
      const r = compareFixture(dir);
      expect(r.differences).toEqual([]);
    });
  }
});
