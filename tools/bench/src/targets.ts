/**
 * The datapath targets from the issue, and how a verdict line reads.
 * Every verdict carries the ratio to the reference measured in the same
 * invocation, so a figure from a slow or a fast machine can be judged.
 */

/** Heap per tracked connection at 1M connections. */
export const TARGET_BYTES_PER_CONN = 400;
/** Packets per second through conntrack on one core. */
export const TARGET_PACKETS_PER_SEC = 1e6;

export interface Verdict {
  target: number;
  measured: number;
  pass: boolean;
}

export function atMost(measured: number, target: number): Verdict {
  return { target, measured, pass: measured <= target };
}

export function atLeast(measured: number, target: number): Verdict {
  return { target, measured, pass: measured >= target };
}

export function passFail(v: Verdict): string {
  return v.pass ? "PASS" : "FAIL";
}

/** "1.23 M" packets per second. */
export function mpps(packetsPerSec: number): string {
  return `${(packetsPerSec / 1e6).toFixed(2)} M`;
}
