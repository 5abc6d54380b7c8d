/**
 * Cold samples: one fresh Node process per sample (child.js), modprobe and
 * reference interleaved so machine noise hits both alike. One untimed run
 * of each mode first, so the OS file cache is warm: "cold" means an empty
 * ESM cache, not an empty page cache.
 */
import { spawnSync } from "node:child_process";
import type { ChildMode, ChildSample } from "./child.js";
import { CHILD_SCRIPT } from "./paths.js";

export interface ColdSamples {
  importKernelMs: number[];
  kernelDepmodMs: number[];
  modprobeMs: number[];
  referenceMs: number[];
}

function spawnChild(mode: ChildMode): ChildSample {
  const r = spawnSync(process.execPath, [CHILD_SCRIPT, mode], { encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`child.js ${mode} exited with ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout) as ChildSample;
}

export function runCold(samples: number): ColdSamples {
  spawnChild("modprobe");
  spawnChild("reference");
  const out: ColdSamples = {
    importKernelMs: [],
    kernelDepmodMs: [],
    modprobeMs: [],
    referenceMs: [],
  };
  for (let i = 0; i < samples; i++) {
    // Alternate which mode goes first within each pair.
    const order: ChildMode[] = i % 2 === 0 ? ["modprobe", "reference"] : ["reference", "modprobe"];
    for (const mode of order) {
      const s = spawnChild(mode);
      if (mode === "reference") out.referenceMs.push(s.measuredMs);
      else {
        out.importKernelMs.push(s.importKernelMs);
        out.kernelDepmodMs.push(s.kernelDepmodMs);
        out.modprobeMs.push(s.measuredMs);
      }
    }
  }
  return out;
}
