/**
 * ctkit-bench modprobe [--samples N] [--json]: cold and warm modprobe of
 * the sample plugin, with a reference measured in the same invocation, and
 * the verdict against the cold target (cold.ts, warm.ts, report.ts).
 */
import { parseArgs } from "node:util";
import { intOption } from "./args.js";
import { runCold } from "./cold.js";
import { type BenchResult, buildResult } from "./report.js";
import { runWarm } from "./warm.js";

export const MODPROBE_USAGE = "usage: ctkit-bench modprobe [--samples N] [--json]";
export const MODPROBE_DEFAULT_SAMPLES = 15;

export function parseModprobeArgs(argv: string[]): {
  samples: number;
  json: boolean;
  help: boolean;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      samples: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  return {
    samples: intOption(values, "samples", MODPROBE_USAGE) ?? MODPROBE_DEFAULT_SAMPLES,
    json: values.json,
    help: values.help,
  };
}

export async function runModprobe(samples: number): Promise<BenchResult> {
  const cold = runCold(samples);
  const warm = await runWarm(samples);
  return buildResult(samples, cold, warm);
}
