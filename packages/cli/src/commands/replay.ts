/**
 * ctkit replay SETUP --in IF=FILE ... --out-dir OUT [--trace]
 *
 * Builds a kernel from SETUP, feeds it the captured packets in time order
 * (capture time is the kernel's clock), and writes what the router sent
 * on each interface plus the final conntrack and expectation tables.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  childCounts,
  connLine,
  eventLine,
  expectLine,
  HOOK_NAMES,
  Kernel,
  type NfVerdict,
} from "@ctkit/kernel";
import { EtherType, formatTimestamp, openCapture } from "@ctkit/packet";
import type { Command, CommandContext } from "../command.js";
import { effectiveModulePath } from "../env.js";
import { getopt } from "../getopt.js";
import { describePacket } from "../replay/describe.js";
import { type InputSpec, MergedInputs } from "../replay/inputs.js";
import { InterfaceOutputs } from "../replay/outputs.js";
import { Progress } from "../replay/progress.js";
import { runScript } from "../replay/script.js";
import { kernelRunner } from "../run.js";
import { acctOn, CONNTRACK_VERSION } from "./conntrack.js";
import { lsmodText } from "./lsmod.js";

const HELP = `Usage:
\tctkit replay SETUP --in IF=FILE [--in IF=FILE ...] --out-dir OUT [--trace] [--json]
SETUP is a file of Linux admin commands, one per line ('#' comments):
  ip [-6] addr add ADDR/LEN dev IF, ip route add ..., sysctl -w k=v,
  modprobe ..., rmmod ..., iptables/ip6tables ...
Each --in gives what arrived on interface IF (pcap or pcapng; Ethernet, raw IP
or Linux cooked). OUT/IF-out.pcap receives what the router sent on IF; OUT also
gets conntrack.txt and expect.txt (conntrack -L format; both in conntrack.json),
events.txt (conntrack -E format), lsmod.txt, iptables.txt (counters) and summary.json.
Options:
\t--trace      print each packet's path through the hooks, its connection and verdict
\t--json       print the summary as JSON
`;

function parseInputs(values: string[], cwd: string): InputSpec[] | string {
  const out: InputSpec[] = [];
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0 || eq === v.length - 1)
      return `--in '${v}': expected IF=FILE, e.g. --in lan=lan-in.pcap`;
    const file = resolve(cwd, v.slice(eq + 1));
    if (!existsSync(file)) return `--in '${v}': no such file ${file}`;
    out.push({ ifname: v.slice(0, eq), file });
  }
  return out;
}

export const replay: Command = {
  name: "replay",
  summary: "run captured traffic through a virtual Linux router",
  help: HELP,
  where: "client",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const o = getopt("replay", argv, [
      { key: "in", long: "in", arg: true, multi: true },
      { key: "outDir", long: "out-dir", arg: true },
      { key: "trace", long: "trace" },
      { key: "progress", long: "progress" },
      { key: "print", long: "print" },
    ]);
    const fail = (msg: string) => {
      ctx.io.err(`ctkit replay: ${msg}\n`);
      return 1;
    };
    const setup = o.rest[0];
    if (o.rest.length !== 1 || setup === undefined)
      return fail("expected exactly one SETUP file (see --help)");
    const outDir = o.values.outDir?.[0];
    if (!outDir) return fail("--out-dir OUT is required");
    const inputs = parseInputs(o.values.in ?? [], ctx.env.cwd);
    if (typeof inputs === "string") return fail(inputs);
    if (inputs.length === 0) return fail("give at least one --in IF=FILE");

    let now = 0;
    const kernel = new Kernel({ modulePath: effectiveModulePath(ctx.env), clock: () => now });
    const setupPath = resolve(ctx.env.cwd, setup);
    const status = await runScript(setupPath, kernelRunner(kernel, ctx.env), ctx.io, {
      transcript: false,
      stopOnError: true,
    });
    if (status !== 0) return status;

    const stack = kernel.net;
    for (const i of inputs) {
      if (stack.deviceIndex(i.ifname) < 0) {
        return fail(
          `--in ${i.ifname}: SETUP gives no interface '${i.ifname}' (add 'ip addr add ADDR/LEN dev ${i.ifname}')`,
        );
      }
    }
    let merged: MergedInputs;
    try {
      merged = new MergedInputs(inputs);
    } catch (e) {
      return fail((e as Error).message);
    }
    const out = resolve(ctx.env.cwd, outDir);
    mkdirSync(out, { recursive: true });
    const ifnames = stack.deviceNames();
    const outputs = new InterfaceOutputs(out, ifnames, merged.nano ? "nano" : "micro");
    let tsSec = 0;
    let tsNsec = 0;
    stack.setTransmit((ifindex, data, off, len) => {
      outputs.write(stack.deviceName(ifindex), tsSec, tsNsec, data.subarray(off, off + len));
    });

    const trace = o.flags.trace === true;
    if (trace) {
      kernel.hooks.tracer = (family, hook, name, verdict: NfVerdict, skb) => {
        const ct =
          skb.ct >= 0
            ? ` ct=${kernel.conntrack.table.id[skb.ct]} ctinfo=${skb.ctinfo}`
            : skb.untracked
              ? " untracked"
              : "";
        ctx.io.out(
          `    ${family === 4 ? "ipv4" : "ipv6"} ${HOOK_NAMES[hook]} ${name}: ${verdict === 1 ? "ACCEPT" : verdict === 0 ? "DROP" : "STOLEN"}${ct}\n`,
        );
      };
    }
    // conntrack -E, for the whole replay: OUT/events.txt (and the trace).
    const events: string[] = [];
    kernel.conntrack.onEvent((type, slot) => {
      const line = eventLine(kernel.conntrack, type, slot, { now, acct: acctOn(kernel) });
      events.push(line);
      if (trace) ctx.io.out(`    event ${line.trimStart()}\n`);
    });
    const progress = new Progress(
      ctx.io,
      o.flags.progress === true || ctx.io.isTTY,
      merged.totalBytes,
    );
    let packets = 0;
    let skipped = 0;
    try {
      while (merged.next()) {
        const r = merged.reader;
        packets++;
        tsSec = r.tsSec;
        tsNsec = r.tsNsec;
        now = r.tsSec + r.tsNsec / 1e9;
        const located = r.locateNetworkLayer(merged.where);
        const et = merged.where.etherType;
        if (!located || (et !== EtherType.Ipv4 && et !== EtherType.Ipv6)) {
          skipped++;
          continue;
        }
        const off = merged.where.offset;
        const len = r.dataOffset + r.capturedLength - off;
        if (trace)
          ctx.io.out(
            `#${packets} ${now.toFixed(6)} ${merged.ifname} in: ${describePacket(r.bytes, off, len)}\n`,
          );
        kernel.receive(stack.deviceIndex(merged.ifname), r.bytes, off, len, now);
        // A packet may have asked for a module (a NAT helper): it is there
        // before the next packet, as if the load had been instant.
        if (kernel.hasPending) await kernel.settle();
        if ((packets & 1023) === 0) progress.update(merged.bytesRead);
      }
    } catch (e) {
      outputs.close();
      return fail((e as Error).message);
    } finally {
      progress.done();
      merged.close();
    }
    outputs.close();

    const ct = kernel.conntrack;
    const acct = acctOn(kernel);
    const slots = ct.liveSlots(now);
    const children = childCounts(ct);
    const lines = slots.map((s) => connLine(ct, s, { now, acct, children }));
    const exps = ct.expectations.filter((e) => e.expires > now).map((e) => expectLine(ct, e, now));
    writeFileSync(join(out, "conntrack.txt"), lines.map((l) => `${l}\n`).join(""));
    writeFileSync(join(out, "expect.txt"), exps.map((l) => `${l}\n`).join(""));
    writeFileSync(join(out, "events.txt"), events.map((l) => `${l}\n`).join(""));
    writeFileSync(
      join(out, "conntrack.json"),
      `${JSON.stringify({ conntrack: lines, expect: exps }, null, 2)}\n`,
    );
    writeFileSync(join(out, "lsmod.txt"), lsmodText(kernel));
    let counters = "";
    for (const [family, prog] of [
      [4, "iptables"],
      [6, "ip6tables"],
    ] as const) {
      for (const table of ["raw", "mangle", "nat", "filter"]) {
        const r = await kernel.xtables.apply(family, ["-t", table, "-L", "-n", "-v", "-x"]);
        counters += `# ${prog} -t ${table} -L -n -v -x\n${r.stdout}`;
      }
    }
    writeFileSync(join(out, "iptables.txt"), counters);
    const summary = {
      packets,
      skipped,
      sent: Object.fromEntries(outputs.counts),
      connections: lines.length,
      expectations: exps.length,
      outDir: out,
    };
    writeFileSync(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    if (ctx.env.json) {
      ctx.io.out(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    }
    ctx.io.out(`# conntrack -L\n${lines.map((l) => `${l}\n`).join("")}`);
    ctx.io.out(`${CONNTRACK_VERSION}: ${lines.length} flow entries have been shown.\n`);
    ctx.io.out(`# conntrack -L expect\n${exps.map((l) => `${l}\n`).join("")}`);
    ctx.io.out(`${CONNTRACK_VERSION}: ${exps.length} expectations have been shown.\n`);
    if (o.flags.print) {
      ctx.io.out(`# lsmod\n${readFileSync(join(out, "lsmod.txt"), "utf8")}`);
      for (const name of outputs.counts.keys()) {
        ctx.io.out(`# ${name}-out.pcap\n`);
        const r = openCapture(readFileSync(join(out, `${name}-out.pcap`)));
        while (r.next())
          ctx.io.out(
            `${formatTimestamp(r.tsSec, r.tsNsec, "micro")} ${describePacket(r.bytes, r.dataOffset, r.capturedLength)}\n`,
          );
      }
    }
    const sent = [...outputs.counts]
      .map(([n, c]) => `${c} on ${n} (${join(out, `${n}-out.pcap`)})`)
      .join(", ");
    ctx.io.out(
      `replayed ${packets} packets${skipped ? ` (${skipped} not IP, skipped)` : ""}; sent ${sent}\n`,
    );
    return 0;
  },
};
