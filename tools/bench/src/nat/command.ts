/**
 * ctkit-bench nat: MASQUERADE replay throughput (run.ts) on generated
 * traffic, and heap per NATed connection (memory.ts). The two captures are
 * generated here, into a temporary directory, from the same options and
 * seed: one as a source-NAT router sees it, one routed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { intOption } from "../args.js";
import { GEN_OPTIONS, genOptionsFrom } from "../gen/command.js";
import { capturePaths, generateFiles } from "../gen/files.js";
import type { GenOptions } from "../gen/generate.js";
import { formatMix } from "../gen/plan.js";
import { MAX_NAT_CONNECTIONS, type NatMemoryResult, runNatMemory } from "./memory.js";
import { formatNat, formatNatMemory } from "./report.js";
import { WAN_ADDRESS } from "./router.js";
import { benchNat, type NatResult } from "./run.js";

export const NAT_USAGE = `usage: ctkit-bench nat [--flows N --packets N --mix W --seed S] [--runs R]
                       [--connections N] [--memory-runs R] [--no-memory] [--json]
  --flows N        flows of the generated captures (default 20k; ports are unique up to 64512)
  --packets N      packets of the generated captures (default 200k)
  --runs R         timed rounds of read/ref/fwd/nat (default 5); medians are reported
  --connections N  distinct connections of the memory part (default 1M)
  --memory-runs R  measured runs of each router in the memory part (default 3)
  --no-memory      throughput only
Other gen options (--mix, --concurrency, --gap-us, --max-payload) apply too.`;

export const NAT_DEFAULTS = {
  flows: 20_000,
  packets: 200_000,
  runs: 5,
  connections: 1_000_000,
  memoryRuns: 3,
};

export interface NatArgs {
  gen: GenOptions;
  runs: number;
  connections: number;
  memoryRuns: number;
  memory: boolean;
  json: boolean;
  help: boolean;
}

export function parseNatArgs(argv: string[]): NatArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...GEN_OPTIONS,
      runs: { type: "string" },
      connections: { type: "string" },
      "memory-runs": { type: "string" },
      "no-memory": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  return {
    gen: genOptionsFrom(
      { flows: NAT_DEFAULTS.flows, packets: NAT_DEFAULTS.packets, ...values },
      NAT_USAGE,
    ),
    runs: intOption(values, "runs", NAT_USAGE, 1, 1000) ?? NAT_DEFAULTS.runs,
    connections:
      intOption(values, "connections", NAT_USAGE, 1, MAX_NAT_CONNECTIONS) ??
      NAT_DEFAULTS.connections,
    memoryRuns: intOption(values, "memory-runs", NAT_USAGE, 1, 100) ?? NAT_DEFAULTS.memoryRuns,
    memory: !values["no-memory"],
    json: values.json,
    help: values.help,
  };
}

export interface NatCommandResult {
  throughput: NatResult;
  memory: NatMemoryResult | null;
}

export async function runNatBench(
  a: NatArgs,
  log: (line: string) => void,
): Promise<NatCommandResult> {
  const tmp = mkdtempSync(join(tmpdir(), "ctkit-bench-nat-"));
  let throughput: NatResult;
  try {
    const natDir = join(tmp, "nat");
    const routedDir = join(tmp, "routed");
    generateFiles({ ...a.gen, addressing: { replyTo: WAN_ADDRESS, portPerFlow: true } }, natDir);
    generateFiles({ ...a.gen, addressing: { replyTo: 0, portPerFlow: true } }, routedDir);
    throughput = await benchNat(
      {
        label: `MASQUERADE, mixed ${formatMix(a.gen.mix)}, ${a.gen.flows} flows`,
        natPaths: capturePaths(natDir),
        routedPaths: capturePaths(routedDir),
        connections: a.gen.flows,
      },
      a.runs,
    );
    log(formatNat(throughput));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  let memory: NatMemoryResult | null = null;
  if (a.memory) {
    memory = await runNatMemory(a.connections, a.memoryRuns);
    log(`\n${formatNatMemory(memory)}`);
  }
  return { throughput, memory };
}
