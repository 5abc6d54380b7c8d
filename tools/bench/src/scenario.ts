/**
 * What is measured: a kernel whose module path is the repository's
 * examples/ folder, and modprobe of the sample helper there, which depends
 * on the core module nf_conntrack. The kernel package comes in as a
 * parameter so the cold child can time its import separately.
 */
import { join } from "node:path";
import type { Kernel } from "@ctkit/kernel";
import { REPO_ROOT } from "./paths.js";

export const PLUGIN = "nf_conntrack_sample";
/** Load order expected from one probe of PLUGIN on an empty kernel. */
export const EXPECTED_LOADED = ["nf_conntrack", PLUGIN];

type KernelPackage = typeof import("@ctkit/kernel");

/** A fresh kernel with its depmod index built (in memory). */
export function createKernel(pkg: KernelPackage): Kernel {
  const kernel = new pkg.Kernel({
    modulePath: [{ path: join(REPO_ROOT, "examples"), origin: "path" }],
    indexFile: null,
  });
  kernel.modules.depmod();
  return kernel;
}

/** modprobe PLUGIN, failing loudly unless exactly the expected modules loaded. */
export async function probePlugin(kernel: Kernel): Promise<void> {
  const { loaded } = await kernel.modules.probe(PLUGIN);
  if (loaded.join(",") !== EXPECTED_LOADED.join(",")) {
    throw new Error(
      `modprobe ${PLUGIN} loaded [${loaded.join(", ")}], expected [${EXPECTED_LOADED.join(", ")}]`,
    );
  }
}

/** modprobe -r PLUGIN, which also removes nf_conntrack once unused. */
export function removePlugin(kernel: Kernel): void {
  const removed = kernel.modules.removeWithDeps(PLUGIN);
  if (removed.length !== EXPECTED_LOADED.length) {
    throw new Error(`modprobe -r ${PLUGIN} removed [${removed.join(", ")}]`);
  }
}
