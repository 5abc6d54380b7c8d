/** manifest.json of a fixture directory. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Manifest {
  scenario: string;
  kernel: string;
  date: string;
  tools: Record<string, string>;
  /** Epoch seconds of the conntrack snapshot (timeouts are compared against it). */
  snapshot: number;
  /** Set when ctkit is known not to match yet; the reason. Pending fixtures are not asserted. */
  pending?: string;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
}

export function writeManifest(dir: string, m: Manifest): void {
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(m, null, 2)}\n`);
}
