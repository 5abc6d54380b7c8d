/**
 * The conntrack garbage collector of the daemon's kernel. The daemon has
 * no packets to drive its clock, so without this an expired entry would
 * only vanish from listings and never be destroyed (no DESTROY event, its
 * expectations kept). Like Linux's gc_worker it wakes at least once a
 * second while there is anything to collect, and does nothing when the
 * tables are empty. It runs under the request lock, between requests.
 */
import type { Kernel } from "@ctkit/kernel";
import type { DaemonIo } from "./stream.js";

/** Linux's GC_SCAN_INTERVAL_MIN. */
export const GC_INTERVAL_MS = 1000;

const running = new WeakMap<Kernel, NodeJS.Timeout>();

/** Starts the GC for `kernel` once; it stops with the daemon. */
export function ensureGcWorker(kernel: Kernel, io: DaemonIo): void {
  if (running.has(kernel)) return;
  let queued = false;
  const timer = setInterval(() => {
    const ct = kernel.conntrack;
    // A long request holds the lock: one pass waiting behind it is enough.
    if (queued || (ct.table.count === 0 && ct.expectations.length === 0)) return;
    queued = true;
    void io.exclusive(() => {
      queued = false;
      ct.gc(kernel.now());
    });
  }, GC_INTERVAL_MS);
  timer.unref();
  running.set(kernel, timer);
  io.onShutdown(() => {
    clearInterval(timer);
    running.delete(kernel);
  });
}
