/** Text form of the NAT results (JSON is the result objects themselves). */
import type { Ratio, Summary } from "../stats.js";
import { mpps, passFail } from "../targets.js";
import type { NatMemoryResult } from "./memory.js";
import type { NatResult, RouterOutcome } from "./run.js";

const LABEL = 46;
const COL = 10;

function row(label: string, cells: string[]): string {
  return `  ${label.padEnd(LABEL)}${cells.map((c) => c.padStart(COL)).join("")}`;
}

function timeRow(label: string, s: Summary, packets: number): string {
  const f = (v: number) => v.toFixed(1);
  return row(label, [f(s.median), f(s.p90), f(s.min), f(s.max), mpps(packets / (s.median / 1e3))]);
}

function ratioRow(label: string, r: Ratio): string {
  return row(label, [`×${r.median.toFixed(2)}`, `×${r.p90.toFixed(2)}`]);
}

function outcomeLine(name: string, o: RouterOutcome): string {
  const lost = o.notForwarded === 0 ? "every packet forwarded" : `${o.notForwarded} NOT forwarded`;
  return (
    `  ${name}: ${lost} (lan ${o.sentLan}, wan ${o.sentWan}); ${o.connections} connections, ` +
    `insert ${o.insert}, invalid ${o.invalid}, drop ${o.drop}`
  );
}

export function formatNat(r: NatResult): string {
  return [
    `NAT ${r.label}: ${r.packets} packets, ${r.runs} interleaved rounds (+1 untimed); ms`,
    row("", ["median", "p90", "min", "max", "pkt/s"]),
    timeRow("read: files through cursors", r.ms.read, r.packets),
    timeRow("ref: read + merge + skb.parse", r.ms.ref, r.packets),
    timeRow("fwd: routed capture, router + conntrack", r.ms.fwd, r.packets),
    timeRow("nat: NAT capture, router + MASQUERADE", r.ms.nat, r.packets),
    ratioRow("nat / ref (as datapath's ct / ref)", r.ratios.natToRef),
    ratioRow("nat / fwd (NAT's own share)", r.ratios.natToFwd),
    ratioRow("fwd / ref", r.ratios.fwdToRef),
    ratioRow("nat / ref by CPU time", r.ratios.natToRefCpu),
    `  router with MASQUERADE: ${r.natNsPerPacket.toFixed(0)} ns/packet (nat − ref); ` +
      `NAT itself: ${r.natOverFwdNsPerPacket.toFixed(0)} ns/packet (nat − fwd), ` +
      `${r.natOverFwdCpuNsPerPacket.toFixed(0)} ns by CPU time`,
    outcomeLine("fwd", r.fwd),
    outcomeLine("nat", r.nat),
    `  nat: ${r.nat.natMappings} connections source-NATed, ${r.nat.bySourceKeys} by-source keys`,
    `  target ≥ ${mpps(r.target.target)} packets/s replayed with MASQUERADE: ${passFail(r.target)} ` +
      `(${mpps(r.target.measured)}/s wall-clock, ${mpps((r.packets * 1e3) / r.cpuMs.nat.median)}/s by CPU time; ` +
      `×${r.ratios.natToRef.median.toFixed(2)} the reference, ×${r.ratios.natToFwd.median.toFixed(2)} routing without NAT)`,
  ].join("\n");
}

const b = (v: number) => `${v.toFixed(1)} B`;

export function formatNatMemory(m: NatMemoryResult): string {
  const n = m.natBytesPerConn;
  const f = m.fwdBytesPerConn;
  return [
    `NAT MEMORY: ${m.connections} distinct UDP connections through the router (1 request each), ` +
      `${m.runs} runs of each router interleaved (+1 untimed at 1/10)`,
    `  heapUsed + arrayBuffers per connection: MASQUERADE median ${b(n.median)} (min ${b(n.min)}, max ${b(n.max)}); ` +
      `routed median ${b(f.median)} (min ${b(f.min)}, max ${b(f.max)})`,
    `  NAT's own per connection: ${b(m.natExtraBytesPerConn)} (MASQUERADE − routed medians); ` +
      `${m.bySourceKeys} by-source keys for ${m.connections} connections`,
    `  ConnTable.byteSize() / count: ${b(m.tableBytesPerConn)}; router creation: ` +
      `MASQUERADE ${(m.natRouterBytes / 1e6).toFixed(2)} MB, routed ${(m.fwdRouterBytes / 1e6).toFixed(2)} MB`,
    `  time: MASQUERADE ${m.ms.nat.median.toFixed(1)} ms = ${mpps(m.connections / (m.ms.nat.median / 1e3))} new connections/s, ` +
      `routed ${m.ms.fwd.median.toFixed(1)} ms = ${mpps(m.connections / (m.ms.fwd.median / 1e3))}/s; ` +
      `×${m.natToFwd.median.toFixed(2)}`,
  ].join("\n");
}
