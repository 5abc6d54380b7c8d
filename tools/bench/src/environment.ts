/** Where a result was measured: node, platform and CPU, for every report. */
import { cpus, loadavg } from "node:os";

export interface Environment {
  node: string;
  platform: string;
  arch: string;
  cpu: string;
  cpus: number;
  /** 1, 5 and 15 minute load averages when measured: other work on the machine. */
  loadAverage: number[];
}

export function environment(): Environment {
  const list = cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpu: list[0]?.model ?? "unknown",
    cpus: list.length,
    loadAverage: loadavg(),
  };
}

export function formatEnvironment(e: Environment): string {
  const load = e.loadAverage.map((v) => v.toFixed(2)).join(" ");
  return `node ${e.node} ${e.platform}/${e.arch}, ${e.cpus} × ${e.cpu}; load average ${load}`;
}
