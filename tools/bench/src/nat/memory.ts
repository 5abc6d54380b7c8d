/**
 * Heap per NATed connection, measured like the memory bench: N distinct UDP
 * connections (one request each, made in one reused buffer) received on lan
 * by a fresh router and forwarded out of wan; heapUsed + arrayBuffers after
 * a full GC, before the router is made and after the last packet, divided by
 * N. Once with MASQUERADE, once routed (same packets, conntrack on, no NAT),
 * interleaved: the difference is what NAT keeps per connection.
 *
 * Connection i: client 10.0.0.2 + i, to server 198.51.100.1 + ⌊i / 64512⌋
 * port 53, from a client port that runs through 1024..65535 once per server
 * (i × 40507 mod 64512: a stride coprime with 64512), so no two replies clash
 * and MASQUERADE keeps every port (no port search: the steady-state cost),
 * and address and port do not rise in step (no pattern a hash could trip on).
 */
import { collectGarbage } from "../ct-kernel.js";
import { PacketEncoder } from "../encode.js";
import { type Ratio, ratio, type Summary, summarize } from "../stats.js";
import { type Timing, timed } from "../timing.js";
import { type BenchRouter, benchRouter } from "./router.js";

const PAYLOAD = 32;
const T0 = 1000;
const PORTS = 64512;
/** Coprime with 64512 = 2^10 · 3^2 · 7: i × stride mod 64512 visits every port once. */
const PORT_STRIDE = 40507;
export const MAX_NAT_CONNECTIONS = PORTS * 254;

export interface NatMemoryResult {
  connections: number;
  runs: number;
  /** (heapUsed + arrayBuffers) growth per connection, router creation included. */
  natBytesPerConn: Summary;
  fwdBytesPerConn: Summary;
  /** natBytesPerConn − fwdBytesPerConn at the medians: NAT's own state per connection. */
  natExtraBytesPerConn: number;
  /** What creating each router added (once, not per connection). */
  natRouterBytes: number;
  fwdRouterBytes: number;
  /** ConnTable.byteSize() / connections of the NAT router (the same in both). */
  tableBytesPerConn: number;
  /** Keys of the NAT by-source table at the end (one per distinct source). */
  bySourceKeys: number;
  ms: { nat: Summary; fwd: Summary };
  cpuMs: { nat: Summary; fwd: Summary };
  natToFwd: Ratio;
  raw: { nat: number[]; fwd: number[]; natTimes: Timing[]; fwdTimes: Timing[] };
}

function heapBytes(): number {
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function requestOf(enc: PacketEncoder, i: number): number {
  enc.src = (0x0a000002 + i) >>> 0;
  enc.sport = 1024 + ((i * PORT_STRIDE) % PORTS);
  enc.dst = (0xc6336401 + Math.floor(i / PORTS)) >>> 0;
  return enc.udp(PAYLOAD);
}

function loop(n: number, enc: PacketEncoder, r: BenchRouter): void {
  const { kernel, lan } = r;
  for (let i = 0; i < n; i++) {
    const len = requestOf(enc, i);
    kernel.receive(lan, enc.buf, 0, len, T0 + i * 1e-6);
  }
}

export async function runNatMemory(connections: number, runs: number): Promise<NatMemoryResult> {
  if (connections > MAX_NAT_CONNECTIONS) {
    throw new Error(`at most ${MAX_NAT_CONNECTIONS} connections (64512 ports × 254 servers)`);
  }
  const enc = new PacketEncoder();
  enc.dport = 53;
  const raw = {
    nat: [] as number[],
    fwd: [] as number[],
    natTimes: [] as Timing[],
    fwdTimes: [] as Timing[],
  };
  const last = { natRouter: 0, fwdRouter: 0, table: 0, bySource: 0 };
  const one = async (n: number, masquerade: boolean, keep: boolean) => {
    const before = heapBytes();
    const router = await benchRouter(n, masquerade);
    const routerBytes = heapBytes() - before;
    const t = timed(() => loop(n, enc, router));
    const grown = heapBytes() - before;
    const count = router.kernel.conntrack.count;
    if (router.sent.wan !== n || count !== n) {
      throw new Error(
        `nat memory: ${n} requests gave ${router.sent.wan} forwarded, ${count} connections`,
      );
    }
    if (!keep) return;
    if (masquerade) {
      raw.nat.push(grown / n);
      raw.natTimes.push(t);
      last.natRouter = routerBytes;
      last.table = router.kernel.conntrack.table.byteSize();
      last.bySource = router.kernel.nat.core.bySourceSize;
    } else {
      raw.fwd.push(grown / n);
      raw.fwdTimes.push(t);
      last.fwdRouter = routerBytes;
    }
  };
  // Untimed warm-up at a tenth of the size: JIT, and the first routers' one-off costs.
  const warm = Math.max(1, Math.floor(connections / 10));
  await one(warm, true, false);
  await one(warm, false, false);
  for (let i = 0; i < runs; i++) {
    const first = i % 2 === 0;
    await one(connections, first, true);
    await one(connections, !first, true);
  }
  const nat = summarize(raw.nat);
  const fwd = summarize(raw.fwd);
  const sum = (ts: Timing[], k: keyof Timing) => summarize(ts.map((t) => t[k]));
  const ms = { nat: sum(raw.natTimes, "wallMs"), fwd: sum(raw.fwdTimes, "wallMs") };
  return {
    connections,
    runs,
    natBytesPerConn: nat,
    fwdBytesPerConn: fwd,
    natExtraBytesPerConn: nat.median - fwd.median,
    natRouterBytes: last.natRouter,
    fwdRouterBytes: last.fwdRouter,
    tableBytesPerConn: last.table / connections,
    bySourceKeys: last.bySource,
    ms,
    cpuMs: { nat: sum(raw.natTimes, "cpuMs"), fwd: sum(raw.fwdTimes, "cpuMs") },
    natToFwd: ratio(ms.nat, ms.fwd),
    raw,
  };
}
