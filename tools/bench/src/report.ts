/**
 * The benchmark's result: summaries, ratios against the reference measured
 * in the same invocation, the verdict against the target, and its text
 * table. Ratios compare like with like (median with median, p90 with p90).
 */
import { cpus } from "node:os";
import type { ColdSamples } from "./cold.js";
import { PLUGIN } from "./scenario.js";
import { type Ratio, ratio, type Summary, summarize } from "./stats.js";
import { WARM_UP_ITERATIONS, type WarmSamples } from "./warm.js";

/** From the issue: cold modprobe of a plugin, median, on this machine. */
export const TARGET_COLD_MODPROBE_MS = 20;

export interface BenchResult {
  plugin: string;
  environment: { node: string; platform: string; arch: string; cpu: string; cpus: number };
  samples: number;
  cold: {
    importKernel: Summary;
    kernelDepmod: Summary;
    modprobe: Summary;
    reference: Summary;
    modprobeToReference: Ratio;
  };
  warm: {
    warmUpIterations: number;
    iteration: Summary;
    probe: Summary;
    reference: Summary;
    iterationToReference: Ratio;
  };
  target: { coldModprobeMedianMs: number; measuredMs: number; pass: boolean };
  raw: { cold: ColdSamples; warm: WarmSamples };
}

export function buildResult(samples: number, cold: ColdSamples, warm: WarmSamples): BenchResult {
  const c = {
    importKernel: summarize(cold.importKernelMs),
    kernelDepmod: summarize(cold.kernelDepmodMs),
    modprobe: summarize(cold.modprobeMs),
    reference: summarize(cold.referenceMs),
  };
  const w = {
    iteration: summarize(warm.iterationMs),
    probe: summarize(warm.probeMs),
    reference: summarize(warm.referenceMs),
  };
  const cpuList = cpus();
  return {
    plugin: PLUGIN,
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpu: cpuList[0]?.model ?? "unknown",
      cpus: cpuList.length,
    },
    samples,
    cold: { ...c, modprobeToReference: ratio(c.modprobe, c.reference) },
    warm: {
      warmUpIterations: WARM_UP_ITERATIONS,
      ...w,
      iterationToReference: ratio(w.iteration, w.reference),
    },
    target: {
      coldModprobeMedianMs: TARGET_COLD_MODPROBE_MS,
      measuredMs: c.modprobe.median,
      pass: c.modprobe.median <= TARGET_COLD_MODPROBE_MS,
    },
    raw: { cold, warm },
  };
}

const LABEL = 46;
const COL = 10;

function ms(v: number): string {
  return v < 1 ? v.toFixed(3) : v.toFixed(2);
}

function row(label: string, cells: string[]): string {
  return `  ${label.padEnd(LABEL)}${cells.map((c) => c.padStart(COL)).join("")}`;
}

function timeRow(label: string, s: Summary): string {
  return row(label, [ms(s.median), ms(s.p90), ms(s.min), ms(s.max)]);
}

function ratioRow(label: string, r: Ratio): string {
  return row(label, [`×${r.median.toFixed(2)}`, `×${r.p90.toFixed(2)}`]);
}

export function formatResult(r: BenchResult): string {
  const e = r.environment;
  const header = row("", ["median", "p90", "min", "max"]);
  return [
    `ctkit bench: modprobe ${r.plugin} (depends on nf_conntrack)`,
    `node ${e.node} ${e.platform}/${e.arch}, ${e.cpus} × ${e.cpu}; times in ms`,
    "",
    `COLD: one fresh node process per sample, ${r.samples} samples (+1 untimed each)`,
    header,
    timeRow("import @ctkit/kernel", r.cold.importKernel),
    timeRow("new Kernel + depmod index", r.cold.kernelDepmod),
    timeRow(`modprobe ${r.plugin}`, r.cold.modprobe),
    timeRow("reference: bare import() of trivial ESM", r.cold.reference),
    ratioRow("modprobe / reference", r.cold.modprobeToReference),
    "",
    `WARM: one process, ${r.samples} iterations (+${r.warm.warmUpIterations} untimed)`,
    header,
    timeRow("probe + removeWithDeps", r.warm.iteration),
    timeRow("  of which probe", r.warm.probe),
    timeRow("reference: import() with a fresh ?query", r.warm.reference),
    ratioRow("probe + removeWithDeps / reference", r.warm.iterationToReference),
    "",
    `target: cold modprobe median ≤ ${r.target.coldModprobeMedianMs} ms: ${r.target.pass ? "PASS" : "FAIL"} ` +
      `(${ms(r.target.measuredMs)} ms, ×${r.cold.modprobeToReference.median.toFixed(2)} the reference)`,
  ].join("\n");
}
