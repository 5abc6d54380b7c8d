/**
 * One cold sample, run in a fresh Node process so the ESM cache is empty:
 *   node child.js modprobe   — time kernel.modules.probe(PLUGIN)
 *   node child.js reference  — time a bare import() of a trivial ESM file
 * Both modes first import @ctkit/kernel and build a kernel with its depmod
 * index, so the measured step starts from the same process state. Prints
 * one JSON line (ChildSample) on stdout.
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { REFERENCE_MODULE } from "./paths.js";
import { createKernel, probePlugin } from "./scenario.js";

export type ChildMode = "modprobe" | "reference";

export interface ChildSample {
  /** import("@ctkit/kernel") */
  importKernelMs: number;
  /** new Kernel(...) + depmod index */
  kernelDepmodMs: number;
  /** The step the mode measures: modprobe, or the bare import(). */
  measuredMs: number;
}

async function bareImport(): Promise<void> {
  // Same URL shape as the kernel's importDefinition.
  const ns = (await import(`${pathToFileURL(REFERENCE_MODULE).href}?ctkit-load=1`)) as {
    default?: { init?: unknown };
  };
  if (typeof ns.default?.init !== "function") throw new Error("reference module has no init");
}

async function run(mode: ChildMode): Promise<ChildSample> {
  const t0 = performance.now();
  const pkg = await import("@ctkit/kernel");
  const t1 = performance.now();
  const kernel = createKernel(pkg);
  const t2 = performance.now();
  if (mode === "modprobe") await probePlugin(kernel);
  else await bareImport();
  const t3 = performance.now();
  return { importKernelMs: t1 - t0, kernelDepmodMs: t2 - t1, measuredMs: t3 - t2 };
}

const mode = process.argv[2];
if (mode !== "modprobe" && mode !== "reference") {
  process.stderr.write("usage: child.js modprobe|reference\n");
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await run(mode))}\n`);
