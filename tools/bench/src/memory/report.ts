/** Text form of the memory result (JSON is the MemoryResult itself). */
import { mpps, passFail } from "../targets.js";
import type { MemoryResult } from "./run.js";

const b = (v: number) => `${v.toFixed(1)} B`;

export function formatMemory(r: MemoryResult): string {
  const s = r.bytesPerConn;
  const t = r.targets;
  return [
    `MEMORY: ${r.connections} distinct ${r.proto.toUpperCase()} connections ` +
      `(1 ${r.proto === "tcp" ? "SYN" : "request"} each), ${r.runs} runs interleaved with the reference (+1 untimed at 1/10)`,
    `  heapUsed + arrayBuffers per connection: median ${b(s.median)} (min ${b(s.min)}, max ${b(s.max)}); ` +
      `of which kernel creation ${b(r.kernelBytes / r.connections)}`,
    `  ConnTable.byteSize() / count: ${b(r.tableBytesPerConn)} (capacity ${r.tableCapacity} slots); ` +
      `+ Conntrack.streamAt ${b(r.streamAtBytesPerConn)}; the rest, ` +
      `${b(s.median - r.tableBytesPerConn - r.streamAtBytesPerConn)}, is outside both (TCP: the tracker's state store)`,
    `  measured / table arrays: ×${r.heapToTable.toFixed(2)}; reference loop kept ${b(r.refBytesPerPacket.median)} per packet`,
    `  time: ref (make + parse) ${r.ms.ref.median.toFixed(1)} ms = ${mpps(r.pps.ref)} pkt/s; ` +
      `ct (+ hooks, every packet NEW) ${r.ms.ct.median.toFixed(1)} ms = ${mpps(r.pps.ct)} pkt/s; ` +
      `ct / ref ×${r.ctToRef.median.toFixed(2)} (p90 ×${r.ctToRef.p90.toFixed(2)}, ` +
      `by CPU time ×${r.ctToRefCpu.median.toFixed(2)}); ` +
      `hooks alone ${r.conntrackNsPerPacket.toFixed(0)} ns/packet`,
    `  target ≤ ${t.bytesPerConn.target} B per tracked connection at ${r.connections} connections: ` +
      `${passFail(t.bytesPerConn)} (${b(t.bytesPerConn.measured)}, ×${r.heapToTable.toFixed(2)} the table's arrays)`,
    `  target ≥ ${mpps(t.packetsPerSec.target)} packets/s through conntrack (new connections): ` +
      `${passFail(t.packetsPerSec)} (${mpps(t.packetsPerSec.measured)}/s, ×${r.ctToRef.median.toFixed(2)} the reference)`,
  ].join("\n");
}
