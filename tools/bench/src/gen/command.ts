/** ctkit-bench gen: writes a synthetic capture pair (see gen/files.ts). */
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { intOption, roundToMicroseconds } from "../args.js";
import { MAX_PACKET } from "../encode.js";
import { capturePaths, generateFiles } from "./files.js";
import { GEN_DEFAULTS, type GenOptions } from "./generate.js";
import { DEFAULT_MIX, formatMix, MAX_FLOWS, PROTO_NAMES, parseMix } from "./plan.js";

export const DEFAULT_OUT = join(tmpdir(), "ctkit-bench-capture");

export const GEN_USAGE = `usage: ctkit-bench gen [--flows N] [--packets N] [--mix tcp=60,udp=30,icmp=10]
                       [--seed S] [--out DIR] [--concurrency C] [--gap-us U]
                       [--max-payload B] [--json]
  --flows N        flows (default ${GEN_DEFAULTS.flows}); each has its own 10.x.y.z client
  --packets N      total packets (default: the fewest the flows make, one round each)
  --mix W          flow mix by weight (default ${formatMix(DEFAULT_MIX)})
  --seed S         PRNG seed (default ${GEN_DEFAULTS.seed}); same options + seed = same bytes
  --out DIR        output directory (default ${DEFAULT_OUT})
  --concurrency C  flows in progress at once (default ${GEN_DEFAULTS.concurrency})
  --gap-us U       microseconds between packets (default ${GEN_DEFAULTS.gapUs})
  --max-payload B  largest transport payload (default ${GEN_DEFAULTS.maxPayload})
Counts take suffixes: 100k, 1M.`;

export const GEN_OPTIONS = {
  flows: { type: "string" },
  packets: { type: "string" },
  mix: { type: "string" },
  seed: { type: "string" },
  concurrency: { type: "string" },
  "gap-us": { type: "string" },
  "max-payload": { type: "string" },
} as const;

/** GenOptions from parsed --flows/--packets/... values, with the defaults. */
export function genOptionsFrom(values: Record<string, unknown>, usage: string): GenOptions {
  return {
    flows: intOption(values, "flows", usage, 1, MAX_FLOWS) ?? GEN_DEFAULTS.flows,
    packets: intOption(values, "packets", usage),
    mix: values.mix === undefined ? DEFAULT_MIX : parseMix(String(values.mix)),
    seed: intOption(values, "seed", usage, 0, 0xffffffff) ?? GEN_DEFAULTS.seed,
    concurrency: intOption(values, "concurrency", usage) ?? GEN_DEFAULTS.concurrency,
    gapUs: intOption(values, "gap-us", usage, 1, 1e6) ?? GEN_DEFAULTS.gapUs,
    startSec: GEN_DEFAULTS.startSec,
    maxPayload:
      intOption(values, "max-payload", usage, 0, MAX_PACKET - 44) ?? GEN_DEFAULTS.maxPayload,
  };
}

export function genCommand(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...GEN_OPTIONS,
      out: { type: "string", default: DEFAULT_OUT },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(GEN_USAGE);
    return;
  }
  const o = genOptionsFrom(values, GEN_USAGE);
  const out = resolve(values.out);
  const t0 = performance.now();
  const m = generateFiles(o, out);
  const seconds = (performance.now() - t0) / 1e3;
  if (values.json) {
    console.log(JSON.stringify({ ...m, dir: out, seconds }, roundToMicroseconds, 2));
    return;
  }
  const [lan, wan] = capturePaths(out);
  const mb = (p: string) => (statSync(p).size / 1e6).toFixed(1);
  const perProto = PROTO_NAMES.map(
    (n, i) => `${n} ${m.flowsByProto[i]} flows/${m.packetsByProto[i]} pkts`,
  ).join(", ");
  console.log(
    [
      `ctkit bench gen: ${m.flows} flows, ${m.packets} packets (seed ${o.seed}, mix ${formatMix(o.mix)})`,
      `  ${perProto}`,
      `  ${lan}: ${m.packetsByDir[0]} packets, ${mb(lan)} MB (client→server)`,
      `  ${wan}: ${m.packetsByDir[1]} packets, ${mb(wan)} MB (server→client)`,
      `  ${(m.bytes / 1e6).toFixed(1)} MB of IP packets, ${o.gapUs} µs apart; ` +
        `${seconds.toFixed(2)} s, ${(m.packets / seconds / 1e6).toFixed(2)} M packets/s written`,
    ].join("\n"),
  );
}
