/**
 * Warm samples, all in this process: probe + removeWithDeps of PLUGIN,
 * repeated. Every probe re-imports nf_conntrack and the plugin under a
 * fresh ?ctkit-load= URL (see ModuleSubsystem.importDefinition); what they
 * import is cached by then. The reference, interleaved, is an import() of
 * the trivial ESM file under a fresh query each time.
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import * as kernelPackage from "@ctkit/kernel";
import { REFERENCE_MODULE } from "./paths.js";
import { createKernel, probePlugin, removePlugin } from "./scenario.js";

/** Untimed iterations first: the first probe in this process is a cold one. */
export const WARM_UP_ITERATIONS = 2;

export interface WarmSamples {
  iterationMs: number[];
  probeMs: number[];
  referenceMs: number[];
}

export async function runWarm(iterations: number): Promise<WarmSamples> {
  const kernel = createKernel(kernelPackage);
  const referenceUrl = pathToFileURL(REFERENCE_MODULE).href;
  let query = 0;
  const out: WarmSamples = { iterationMs: [], probeMs: [], referenceMs: [] };
  for (let i = -WARM_UP_ITERATIONS; i < iterations; i++) {
    const r0 = performance.now();
    await import(`${referenceUrl}?warm-ref=${++query}`);
    const r1 = performance.now();
    const t0 = performance.now();
    await probePlugin(kernel);
    const t1 = performance.now();
    removePlugin(kernel);
    const t2 = performance.now();
    if (i < 0) continue;
    out.referenceMs.push(r1 - r0);
    out.probeMs.push(t1 - t0);
    out.iterationMs.push(t2 - t0);
  }
  return out;
}
