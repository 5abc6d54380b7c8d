/**
 * ctkit-bench datapath: replays a capture pair through conntrack (see
 * run.ts) — a directory made by `gen`, or one generated here into a
 * temporary directory — and with --by-proto also TCP-only, UDP-only and
 * ICMP-only captures of the same size.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { intOption } from "../args.js";
import { GEN_OPTIONS, genOptionsFrom } from "../gen/command.js";
import { capturePaths, generateFiles, readManifest } from "../gen/files.js";
import type { GenOptions } from "../gen/generate.js";
import { flowPackets, formatMix, type Mix, PROTO_NAMES, Proto } from "../gen/plan.js";
import { formatCapture } from "./report.js";
import { benchCapture, type CaptureResult } from "./run.js";

export const DATAPATH_USAGE = `usage: ctkit-bench datapath [--dir DIR | --flows N --packets N --mix W --seed S]
                            [--runs R] [--by-proto] [--json]
  --dir DIR       lan-in.pcap + wan-in.pcap made by 'ctkit-bench gen' (else generated here)
  --flows N       flows of the generated capture (default 20k)
  --packets N     packets of the generated capture (default 200k)
  --runs R        timed rounds of read/ref/ct (default 5); medians are reported
  --by-proto      also TCP-only, UDP-only and ICMP-only captures of the same size
  --no-checksum   nf_conntrack_checksum=0: no transport checksum verification
Other gen options (--mix, --seed, --concurrency, --gap-us, --max-payload) apply too.`;

export const DATAPATH_DEFAULTS = { flows: 20_000, packets: 200_000, runs: 5 };

export interface DatapathArgs {
  dir: string | undefined;
  gen: GenOptions;
  runs: number;
  byProto: boolean;
  checksum: boolean;
}

export function parseDatapathArgs(argv: string[]): DatapathArgs & { json: boolean; help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...GEN_OPTIONS,
      dir: { type: "string" },
      runs: { type: "string" },
      "by-proto": { type: "boolean", default: false },
      "no-checksum": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const gen = genOptionsFrom(
    { flows: DATAPATH_DEFAULTS.flows, packets: DATAPATH_DEFAULTS.packets, ...values },
    DATAPATH_USAGE,
  );
  return {
    dir: values.dir === undefined ? undefined : resolve(values.dir),
    gen,
    runs: intOption(values, "runs", DATAPATH_USAGE, 1, 1000) ?? DATAPATH_DEFAULTS.runs,
    byProto: values["by-proto"],
    checksum: !values["no-checksum"],
    json: values.json,
    help: values.help,
  };
}

/** Packets for a one-protocol capture of `flows` flows: as asked, or that protocol's fewest. */
function onlyPackets(gen: GenOptions, proto: Proto): number {
  return Math.max(gen.packets ?? 0, gen.flows * flowPackets(proto, 1));
}

export async function runDatapath(
  a: DatapathArgs,
  log: (line: string) => void,
): Promise<CaptureResult[]> {
  const tmp = mkdtempSync(join(tmpdir(), "ctkit-bench-datapath-"));
  const results: CaptureResult[] = [];
  try {
    let dir = a.dir;
    let gen = a.gen;
    if (dir === undefined) {
      dir = join(tmp, "mixed");
      generateFiles(gen, dir);
    } else {
      const m = readManifest(dir);
      if (m) gen = { ...gen, flows: m.flows, packets: m.packets, seed: m.options.seed };
    }
    const label = a.dir ? dir : `mixed ${formatMix(gen.mix)}, ${gen.flows} flows`;
    const spec = { label, paths: capturePaths(dir), connections: gen.flows, checksum: a.checksum };
    results.push(await benchCapture(spec, a.runs));
    log(formatCapture(results[0] as CaptureResult));
    if (a.byProto) {
      for (const proto of [Proto.TCP, Proto.UDP, Proto.ICMP]) {
        const mix: Mix = [0, 0, 0];
        mix[proto] = 1;
        const only = { ...gen, mix, packets: onlyPackets(gen, proto) };
        const d = join(tmp, PROTO_NAMES[proto]);
        generateFiles(only, d);
        const spec = {
          label: `${PROTO_NAMES[proto]} only, ${only.flows} flows`,
          paths: capturePaths(d),
          connections: only.flows,
          checksum: a.checksum,
        };
        const r = await benchCapture(spec, a.runs);
        results.push(r);
        log(`\n${formatCapture(r)}`);
        rmSync(d, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}
