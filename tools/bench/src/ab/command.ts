/**
 * ctkit-bench ab: the datapath bench's ref and ct passes for two builds of
 * ctkit in one process — this workspace's and another checkout's (`--base`,
 * with packages/kernel and packages/packet built) — stepped in turns of
 * `--chunk` packets, order flipping every turn. A machine whose speed
 * drifts by tens of percent from one second to the next (other work on
 * it) slows both builds alike, so the per-round ratios hold where two
 * separate bench runs disagree. Each build has its own kernel, Skb and
 * capture readers, and its own copy of the loop (see replay.ts).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import * as kernelApi from "@ctkit/kernel";
import * as packetApi from "@ctkit/packet";
import { intOption, UsageError } from "../args.js";
import { collectGarbage } from "../ct-kernel.js";
import { environment, formatEnvironment } from "../environment.js";
import { GEN_OPTIONS, genOptionsFrom } from "../gen/command.js";
import { capturePaths, generateFiles, readManifest } from "../gen/files.js";
import { type Summary, summarize } from "../stats.js";
import type * as ReplayModule from "./replay.js";
import type { Build } from "./replay.js";

export const AB_USAGE = `usage: ctkit-bench ab --base DIR [--dir DIR | --flows N --packets N ...]
                      [--runs R] [--chunk N] [--json]
  --base DIR      a checkout of ctkit with packages/kernel and packages/packet built:
                  the build to compare this workspace's with
  --dir DIR       lan-in.pcap + wan-in.pcap made by 'ctkit-bench gen' (else generated here,
                  20k flows, 200k packets; other gen options apply)
  --runs R        timed rounds (default 5, +1 untimed); medians are reported
  --chunk N       packets per turn of one build (default 2000)`;

export interface AbArgs {
  base: string;
  dir: string | undefined;
  gen: ReturnType<typeof genOptionsFrom>;
  runs: number;
  chunk: number;
  json: boolean;
  help: boolean;
}

export function parseAbArgs(argv: string[]): AbArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...GEN_OPTIONS,
      base: { type: "string" },
      dir: { type: "string" },
      runs: { type: "string" },
      chunk: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const help = values.help;
  if (!help && values.base === undefined)
    throw new UsageError(`ab: --base DIR is required\n${AB_USAGE}`);
  return {
    base: resolve(values.base ?? "."),
    dir: values.dir === undefined ? undefined : resolve(values.dir),
    gen: genOptionsFrom({ flows: 20_000, packets: 200_000, ...values }, AB_USAGE),
    runs: intOption(values, "runs", AB_USAGE, 1, 1000) ?? 5,
    chunk: intOption(values, "chunk", AB_USAGE, 1, 1e9) ?? 2000,
    json: values.json,
    help,
  };
}

/** Per build: nanoseconds per packet of each timed round. */
export interface AbBuildResult {
  name: string;
  ref: Summary;
  ct: Summary;
  /** ct − ref of each round. */
  hooks: Summary;
  /** Packets per second of the ct pass at its median. */
  ctPerSecond: number;
  connections: number;
}

export interface AbResult {
  packets: number;
  runs: number;
  chunk: number;
  builds: [base: AbBuildResult, self: AbBuildResult];
  /** base / this per round: above 1, this workspace is faster. */
  ctRatio: Summary;
  hooksRatio: Summary;
}

async function loadBase(dir: string): Promise<Build> {
  const at = (pkg: string) => join(dir, "packages", pkg, "dist", "index.js");
  for (const pkg of ["kernel", "packet"]) {
    if (!existsSync(at(pkg))) {
      throw new UsageError(`ab: ${at(pkg)} does not exist: build that checkout first`);
    }
  }
  return {
    kernel: (await import(pathToFileURL(at("kernel")).href)) as typeof kernelApi,
    packet: (await import(pathToFileURL(at("packet")).href)) as typeof packetApi,
  };
}

/** The datapath bench's kernel (ct-kernel.ts), from the given build. */
async function benchKernel(build: Build, connections: number): Promise<kernelApi.Kernel> {
  const kernel = new build.kernel.Kernel({ clock: () => 0 });
  await kernel.modules.probe("nf_conntrack", {
    params: [`hashsize=${Math.max(512, connections)}`],
  });
  const max = "net.netfilter.nf_conntrack_max";
  if (kernel.sysctl.get(max) < connections) kernel.sysctl.set(max, String(connections));
  kernel.conntrack.netnsGet(4);
  kernel.conntrack.netnsGet(6);
  kernel.conntrack.loadTimeouts();
  return kernel;
}

interface Lane {
  kernel: kernelApi.Kernel;
  ref: ReplayModule.Replay;
  ct: ReplayModule.Replay;
  refNs: number;
  ctNs: number;
}

export async function runAb(a: AbArgs, log: (line: string) => void): Promise<AbResult> {
  const builds: Build[] = [await loadBase(a.base), { kernel: kernelApi, packet: packetApi }];
  const loops: (typeof ReplayModule)[] = [];
  for (const name of ["base", "this"]) {
    loops.push(await import(new URL(`./ab-replay.js?build=${name}`, import.meta.url).href));
  }
  const tmp = mkdtempSync(join(tmpdir(), "ctkit-bench-ab-"));
  try {
    let dir = a.dir;
    let connections = a.gen.flows;
    if (dir === undefined) {
      dir = join(tmp, "capture");
      generateFiles(a.gen, dir);
    } else {
      connections = readManifest(dir)?.flows ?? connections;
    }
    const paths = capturePaths(dir);
    log(`ab: ${a.base} (base) against this workspace; ${paths.join(" + ")}, chunks of ${a.chunk}`);
    const refNs: number[][] = [[], []];
    const ctNs: number[][] = [[], []];
    const conns = [0, 0];
    let packets = -1;
    // Kept to the end, as the datapath bench keeps its kernels (run.ts): a
    // dropped kernel discards optimized code the next round would rebuild.
    const kernels: kernelApi.Kernel[] = [];
    for (let round = -1; round < a.runs; round++) {
      const lanes: Lane[] = [];
      for (let b = 0; b < 2; b++) {
        const build = builds[b] as Build;
        const loop = loops[b] as typeof ReplayModule;
        const kernel = await benchKernel(build, connections);
        kernels.push(kernel);
        lanes.push({
          kernel,
          ref: loop.makeReplay(build, paths, new build.kernel.Skb(), null),
          ct: loop.makeReplay(build, paths, new build.kernel.Skb(), kernel),
          refNs: 0,
          ctNs: 0,
        });
      }
      collectGarbage();
      for (let turn = 0, more = true; more; turn++) {
        const order = turn % 2 === 0 ? [0, 1] : [1, 0];
        more = false;
        for (const b of order) {
          const lane = lanes[b] as Lane;
          const t0 = process.hrtime.bigint();
          more = lane.ref.step(a.chunk) || more;
          lane.refNs += Number(process.hrtime.bigint() - t0);
        }
        for (const b of order) {
          const lane = lanes[b] as Lane;
          const t0 = process.hrtime.bigint();
          lane.ct.step(a.chunk);
          lane.ctNs += Number(process.hrtime.bigint() - t0);
        }
      }
      for (let b = 0; b < 2; b++) {
        const lane = lanes[b] as Lane;
        if (lane.ref.packets !== lane.ct.packets || (packets >= 0 && lane.ct.packets !== packets)) {
          throw new Error("ab: the passes saw different packet counts");
        }
        packets = lane.ct.packets;
        conns[b] = lane.kernel.conntrack.count;
        if (round >= 0) {
          (refNs[b] as number[]).push(lane.refNs / packets);
          (ctNs[b] as number[]).push(lane.ctNs / packets);
        }
      }
    }
    const result = (b: number, name: string): AbBuildResult => {
      const r = refNs[b] as number[];
      const c = ctNs[b] as number[];
      const ct = summarize(c);
      return {
        name,
        ref: summarize(r),
        ct,
        hooks: summarize(c.map((v, i) => v - (r[i] as number))),
        ctPerSecond: 1e9 / ct.median,
        connections: conns[b] as number,
      };
    };
    const per = (f: (b: number, i: number) => number) =>
      summarize((ctNs[0] as number[]).map((_, i) => f(0, i) / f(1, i)));
    const ctOf = (b: number, i: number) => (ctNs[b] as number[])[i] as number;
    const hooksOf = (b: number, i: number) => ctOf(b, i) - ((refNs[b] as number[])[i] as number);
    return {
      packets,
      runs: a.runs,
      chunk: a.chunk,
      builds: [result(0, "base"), result(1, "this")],
      ctRatio: per(ctOf),
      hooksRatio: per(hooksOf),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatAb(r: AbResult): string {
  const ns = (s: Summary) => `${s.median.toFixed(0)} (min ${s.min.toFixed(0)})`;
  const lines = r.builds.map(
    (b) =>
      `  ${b.name.padEnd(5)} ref ${ns(b.ref)}  ct ${ns(b.ct)}  hooks ${ns(b.hooks)} ns/packet; ` +
      `${(b.ctPerSecond / 1e6).toFixed(2)} M packets/s read→parse→hooks; ${b.connections} connections`,
  );
  return [
    `AB: ${r.packets} packets, ${r.runs} rounds (+1 untimed), builds alternating every ${r.chunk} packets`,
    ...lines,
    `  base / this, per round: ct (read→parse→hooks) ×${r.ctRatio.median.toFixed(2)} ` +
      `(${r.ctRatio.min.toFixed(2)}–${r.ctRatio.max.toFixed(2)}), hooks ×${r.hooksRatio.median.toFixed(2)} ` +
      `(${r.hooksRatio.min.toFixed(2)}–${r.hooksRatio.max.toFixed(2)}); above 1: this workspace is faster`,
  ].join("\n");
}

export async function abCommand(argv: string[]): Promise<void> {
  const o = parseAbArgs(argv);
  if (o.help) return console.log(AB_USAGE);
  const before = environment();
  if (!o.json) console.log(`ctkit bench ab; ${formatEnvironment(before)}\n`);
  const r = await runAb(o, o.json ? () => {} : console.log);
  const after = environment();
  if (o.json)
    console.log(JSON.stringify({ environment: before, environmentAfter: after, ...r }, null, 2));
  else {
    console.log(formatAb(r));
    console.log(`\nafter: load average ${after.loadAverage.map((v) => v.toFixed(2)).join(" ")}`);
  }
}
