/** ctkit-bench memory: heap per tracked connection (see run.ts). */
import { parseArgs } from "node:util";
import { intOption, UsageError } from "../args.js";
import type { MemoryProto } from "./run.js";

export const MEMORY_USAGE = `usage: ctkit-bench memory [--connections N] [--runs R] [--proto udp|tcp] [--json]
  --connections N  distinct connections (default 1M)
  --proto P        udp: one request each (default); tcp: one SYN each
  --runs R         measured runs, interleaved with the reference (default 3)`;

export const MEMORY_DEFAULTS = { connections: 1_000_000, runs: 3 };

export function parseMemoryArgs(argv: string[]): {
  connections: number;
  runs: number;
  proto: MemoryProto;
  json: boolean;
  help: boolean;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: "string" },
      runs: { type: "string" },
      proto: { type: "string", default: "udp" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.proto !== "udp" && values.proto !== "tcp") {
    throw new UsageError(`--proto must be udp or tcp, not '${values.proto}'\n${MEMORY_USAGE}`);
  }
  return {
    proto: values.proto,
    connections:
      intOption(values, "connections", MEMORY_USAGE, 1, 1 << 28) ?? MEMORY_DEFAULTS.connections,
    runs: intOption(values, "runs", MEMORY_USAGE, 1, 100) ?? MEMORY_DEFAULTS.runs,
    json: values.json,
    help: values.help,
  };
}
