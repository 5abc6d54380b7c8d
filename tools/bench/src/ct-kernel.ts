/**
 * The kernel both conntrack benches push packets through: nf_conntrack
 * loaded with hashsize = the expected connection count (so Linux would size
 * nf_conntrack_max = 8 × that), nf_conntrack_max raised to at least that
 * count, and tracking switched on for IPv4 and IPv6 (nf_ct_netns_get), as
 * packages/kernel/test/conntrack-core.test.ts does.
 */
import { Kernel } from "@ctkit/kernel";

export async function conntrackKernel(connections: number): Promise<Kernel> {
  const kernel = new Kernel({ clock: () => 0 });
  const hashsize = Math.max(512, connections);
  await kernel.modules.probe("nf_conntrack", { params: [`hashsize=${hashsize}`] });
  const max = "net.netfilter.nf_conntrack_max";
  if (kernel.sysctl.get(max) < connections) kernel.sysctl.set(max, String(connections));
  kernel.conntrack.netnsGet(4);
  kernel.conntrack.netnsGet(6);
  kernel.conntrack.loadTimeouts();
  return kernel;
}

/** global.gc when node runs with --expose-gc. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

export function hasGc(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}
