/** Text form of the datapath results (JSON is the CaptureResult itself). */
import type { Ratio, Summary } from "../stats.js";
import { mpps, passFail } from "../targets.js";
import { PROTO_ROWS } from "./passes.js";
import type { CaptureResult } from "./run.js";

const LABEL = 44;
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

/** Per protocol: packets, how many left the hooks with a connection, and what that means. */
function outcomeLines(r: CaptureResult): string[] {
  const lines: string[] = [];
  PROTO_ROWS.forEach((name, i) => {
    const n = r.counts.byProto[i] as number;
    if (n === 0) return;
    const t = r.counts.tracked[i] as number;
    let note = "";
    if (t === 0 && name === "tcp") {
      note =
        " — all INVALID: no TCP tracker is registered (setTcpTracker), so TCP figures measure" +
        " the INVALID path (tuple, lookup miss, alloc + free of an unconfirmed entry)";
    } else if (t < n) note = ` — ${n - t} left without a connection (INVALID)`;
    lines.push(`  ${name.padEnd(5)} ${String(n).padStart(10)} packets, ${t} tracked${note}`);
  });
  return lines;
}

export function formatCapture(r: CaptureResult): string {
  const c = r.conntrack;
  const header = row("", ["median", "p90", "min", "max", "pkt/s"]);
  return [
    `DATAPATH ${r.label}: ${r.packets} packets, ${r.runs} interleaved rounds (+1 untimed); ms` +
      (r.checksum ? "" : "; nf_conntrack_checksum=0"),
    header,
    timeRow("read: files through cursors", r.ms.read, r.packets),
    timeRow("ref: read + merge + skb.parse", r.ms.ref, r.packets),
    timeRow("ct: ref + PREROUTING + POSTROUTING", r.ms.ct, r.packets),
    ratioRow("ct / ref (conntrack's own cost)", r.ratios.ctToRef),
    ratioRow("ct / read", r.ratios.ctToRead),
    ratioRow("ref / read", r.ratios.refToRead),
    ratioRow("ct / ref by CPU time", r.ratios.ctToRefCpu),
    `  hooks alone: ${r.conntrackNsPerPacket.toFixed(0)} ns/packet (ct − ref medians), ` +
      `${mpps(1e9 / r.conntrackNsPerPacket)} packets/s`,
    ...outcomeLines(r),
    `  conntrack after a ct pass: ${c.connections} connections, insert ${c.insert}, found ${c.found}, ` +
      `invalid ${c.invalid}, drop ${c.drop}, early drop ${c.earlyDrop}; ` +
      `table ${(c.tableBytes / 1e6).toFixed(1)} MB`,
    `  target ≥ ${mpps(r.target.target)} packets/s through conntrack: ${passFail(r.target)} ` +
      `(${mpps(r.target.measured)}/s read→parse→hooks wall-clock, ${mpps((r.packets * 1e3) / r.cpuMs.ct.median)}/s by CPU time; ` +
      `×${r.ratios.ctToRef.median.toFixed(2)} the reference)`,
  ].join("\n");
}
