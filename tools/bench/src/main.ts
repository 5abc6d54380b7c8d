#!/usr/bin/env node
/**
 * ctkit-bench (pnpm bench) [COMMAND] [options]
 *   all (default)  modprobe, datapath and memory with quick defaults
 *   modprobe       cold/warm modprobe of the sample plugin
 *   gen            write a synthetic capture pair (lan-in.pcap, wan-in.pcap)
 *   datapath       replay captures through conntrack, against a reference
 *   memory         heap per tracked connection at 1M connections
 *   nat            MASQUERADE replay throughput and heap per NATed connection
 *   ab             datapath passes of another built checkout against this one, interleaved
 * Every figure comes with a reference measured in the same invocation.
 * datapath, memory, nat, ab and all need global.gc: without --expose-gc this
 * process re-runs itself with it.
 */
import { spawnSync } from "node:child_process";
import { AB_USAGE, abCommand } from "./ab/command.js";
import { roundToMicroseconds, UsageError } from "./args.js";
import { hasGc } from "./ct-kernel.js";
import { DATAPATH_USAGE, parseDatapathArgs, runDatapath } from "./datapath/command.js";
import { environment, formatEnvironment } from "./environment.js";
import { GEN_USAGE, genCommand } from "./gen/command.js";
import { MEMORY_USAGE, parseMemoryArgs } from "./memory/command.js";
import { formatMemory } from "./memory/report.js";
import { runMemory } from "./memory/run.js";
import { MODPROBE_USAGE, parseModprobeArgs, runModprobe } from "./modprobe.js";
import { NAT_USAGE, parseNatArgs, runNatBench } from "./nat/command.js";
import { formatResult } from "./report.js";

const USAGE = `usage: ctkit-bench [all|modprobe|gen|datapath|memory|nat|ab] [options]   (pnpm bench ...)
  all [--samples N] [--json]   everything, quick sizes (the default command)
${MODPROBE_USAGE}
${GEN_USAGE}
${DATAPATH_USAGE}
${MEMORY_USAGE}
${NAT_USAGE}
${AB_USAGE}`;

const NEEDS_GC = new Set(["all", "datapath", "memory", "nat", "ab"]);

function print(json: boolean, value: unknown, text: string): void {
  console.log(json ? JSON.stringify(value, roundToMicroseconds, 2) : text);
}

async function modprobe(argv: string[]): Promise<void> {
  const o = parseModprobeArgs(argv);
  if (o.help) return console.log(MODPROBE_USAGE);
  const r = await runModprobe(o.samples);
  print(o.json, r, formatResult(r));
}

async function datapath(argv: string[]): Promise<void> {
  const o = parseDatapathArgs(argv);
  if (o.help) return console.log(DATAPATH_USAGE);
  if (!o.json) console.log(`ctkit bench datapath; ${formatEnvironment(environment())}\n`);
  const before = environment();
  const results = await runDatapath(o, o.json ? () => {} : console.log);
  const after = environment();
  if (o.json) print(true, { environment: before, environmentAfter: after, results }, "");
  else console.log(`\nafter: load average ${after.loadAverage.map((v) => v.toFixed(2)).join(" ")}`);
}

async function memory(argv: string[]): Promise<void> {
  const o = parseMemoryArgs(argv);
  if (o.help) return console.log(MEMORY_USAGE);
  const r = await runMemory(o.connections, o.runs, o.proto);
  print(
    o.json,
    { environment: environment(), ...r },
    `ctkit bench memory; ${formatEnvironment(environment())}\n\n${formatMemory(r)}`,
  );
}

async function nat(argv: string[]): Promise<void> {
  const o = parseNatArgs(argv);
  if (o.help) return console.log(NAT_USAGE);
  if (!o.json) console.log(`ctkit bench nat; ${formatEnvironment(environment())}\n`);
  const before = environment();
  const results = await runNatBench(o, o.json ? () => {} : console.log);
  const after = environment();
  if (o.json) print(true, { environment: before, environmentAfter: after, ...results }, "");
  else console.log(`\nafter: load average ${after.loadAverage.map((v) => v.toFixed(2)).join(" ")}`);
}

/** Quick sizes: the modprobe samples, a 200k-packet capture and its one-protocol variants, 1M connections. */
async function all(argv: string[]): Promise<void> {
  const m = parseModprobeArgs(argv);
  if (m.help) return console.log(USAGE);
  const json = m.json;
  const say = json ? () => {} : console.log;
  const before = environment();
  say(`ctkit bench (modprobe, datapath, memory); ${formatEnvironment(before)}\n`);
  const probe = await runModprobe(m.samples);
  say(`${formatResult(probe)}\n`);
  const d = parseDatapathArgs(["--by-proto"]);
  const dp = await runDatapath(d, (line) => say(line));
  const mem = await runMemory(1_000_000, 3);
  say(`\n${formatMemory(mem)}`);
  const after = environment();
  say(`\nafter: load average ${after.loadAverage.map((v) => v.toFixed(2)).join(" ")}`);
  const result = {
    environment: before,
    environmentAfter: after,
    modprobe: probe,
    datapath: dp,
    memory: mem,
  };
  if (json) print(true, result, "");
}

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  all,
  modprobe,
  gen: async (argv) => genCommand(argv),
  datapath,
  memory,
  nat,
  ab: abCommand,
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // No command, or options only (the old `pnpm bench --samples 5`): everything.
  const name = argv[0] === undefined || argv[0].startsWith("-") ? "all" : argv[0];
  const rest = name === argv[0] ? argv.slice(1) : argv;
  if (name === "help") {
    console.log(USAGE);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}'\n${USAGE}`);
  if (NEEDS_GC.has(name) && !hasGc()) {
    const script = process.argv[1] as string;
    const r = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, script, ...argv], {
      stdio: "inherit",
    });
    process.exit(r.status ?? 1);
  }
  await command(rest);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
