/**
 * pnpm bench [--samples N] [--json]
 * Cold and warm modprobe of the sample plugin, with a reference measured in
 * the same invocation, and the verdict against the cold target.
 */
import { parseArgs } from "node:util";
import { runCold } from "./cold.js";
import { buildResult, formatResult } from "./report.js";
import { runWarm } from "./warm.js";

const USAGE = "usage: pnpm bench [--samples N] [--json]";

function options(): { samples: number; json: boolean } {
  const { values } = parseArgs({
    options: {
      samples: { type: "string", default: "15" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 1) {
    throw new Error(`--samples must be a positive integer, not '${values.samples}'\n${USAGE}`);
  }
  return { samples, json: values.json };
}

/** JSON numbers to 3 decimals: times in ms keep µs, ratios keep more than enough. */
function roundToMicroseconds(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isInteger(value)
    ? Math.round(value * 1e3) / 1e3
    : value;
}

async function main(): Promise<void> {
  const { samples, json } = options();
  const cold = runCold(samples);
  const warm = await runWarm(samples);
  const result = buildResult(samples, cold, warm);
  console.log(json ? JSON.stringify(result, roundToMicroseconds, 2) : formatResult(result));
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
