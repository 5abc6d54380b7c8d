/**
 * One timed pass: wall-clock and CPU time (user + system of this process)
 * around `fn`, after a full GC so the previous pass's garbage is not billed
 * to this one. CPU time is steadier than wall time on a shared machine;
 * both are reported.
 */
import { collectGarbage } from "./ct-kernel.js";

export interface Timing {
  wallMs: number;
  cpuMs: number;
}

export function timed(fn: () => void): Timing {
  collectGarbage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1e3 };
}
