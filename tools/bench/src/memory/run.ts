/**
 * Heap per tracked connection: N distinct UDP connections (one request
 * each, made in one reused buffer by rewriting the source address and port;
 * or TCP, one SYN each, so the TCP tracker's per-slot state counts too)
 * pushed through PREROUTING + POSTROUTING of a fresh kernel; heapUsed +
 * arrayBuffers after a full GC, taken before the kernel is created and
 * after the last packet, divided by the count. So whatever the kernel
 * allocates for its connections counts, up front (a pre-sized table) or on
 * the way (growth); the table's typed arrays live in arrayBuffers.
 *
 * The reference, interleaved with it, makes and parses the same packets
 * without the hooks: its time is what conntrack's is compared with, and its
 * heap growth (≈ 0) shows the packet loop itself keeps nothing.
 */
import { Hook, type Kernel, NfVerdict, Skb } from "@ctkit/kernel";
import { collectGarbage, conntrackKernel } from "../ct-kernel.js";
import { PacketEncoder, TcpFlag } from "../encode.js";
import { type Ratio, ratio, type Summary, summarize } from "../stats.js";
import {
  atLeast,
  atMost,
  TARGET_BYTES_PER_CONN,
  TARGET_PACKETS_PER_SEC,
  type Verdict,
} from "../targets.js";
import { type Timing, timed } from "../timing.js";

export type MemoryProto = "udp" | "tcp";

const SERVER = 0xc6336435; // 198.51.100.53
const PAYLOAD = 32;
const T0 = 1000;

export interface MemoryResult {
  proto: MemoryProto;
  connections: number;
  runs: number;
  /** (heapUsed + arrayBuffers) growth per connection, per ct run, kernel creation included. */
  bytesPerConn: Summary;
  /** What creating the kernel (nf_conntrack loaded, no connection) added. */
  kernelBytes: number;
  /** ConnTable.byteSize() / connections (typed arrays + hash, capacity included). */
  tableBytesPerConn: number;
  /** Conntrack.streamAt (UDP stream timestamps, outside the table) per connection. */
  streamAtBytesPerConn: number;
  tableCapacity: number;
  /** Heap growth of the reference loop per packet (should be ≈ 0). */
  refBytesPerPacket: Summary;
  /** Wall-clock and CPU milliseconds per loop. */
  ms: { ref: Summary; ct: Summary };
  cpuMs: { ref: Summary; ct: Summary };
  pps: { ref: number; ct: number };
  ctToRef: Ratio;
  ctToRefCpu: Ratio;
  /** Measured bytes per connection / the table's own bytes per connection. */
  heapToTable: number;
  conntrackNsPerPacket: number;
  targets: { bytesPerConn: Verdict; packetsPerSec: Verdict };
  raw: {
    ctBytesPerConn: number[];
    refBytesPerPacket: number[];
    ref: Timing[];
    ct: Timing[];
  };
}

function heapBytes(): number {
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Connection i: client 10.x.y.z (i / 16), source port 40000 + i % 16, to
 * 198.51.100.53 (port 53 UDP, 443 TCP, set by the caller).
 */
function makePacket(enc: PacketEncoder, i: number, tcp: boolean): number {
  enc.src = (0x0a000000 | ((i >>> 4) & 0xffffff)) >>> 0;
  enc.sport = 40000 + (i & 15);
  return tcp ? enc.tcp((i * 2654435761) >>> 0, 0, TcpFlag.Syn, 64240, 0, true) : enc.udp(PAYLOAD);
}

function refLoop(n: number, enc: PacketEncoder, skb: Skb, tcp: boolean): void {
  for (let i = 0; i < n; i++) {
    const len = makePacket(enc, i, tcp);
    skb.parse(enc.buf, 0, len);
    skb.time = T0 + i * 1e-6;
  }
}

/** Returns how many packets left the hooks with a connection. */
function ctLoop(n: number, enc: PacketEncoder, skb: Skb, kernel: Kernel, tcp: boolean): number {
  const hooks = kernel.hooks;
  let tracked = 0;
  for (let i = 0; i < n; i++) {
    const len = makePacket(enc, i, tcp);
    skb.parse(enc.buf, 0, len);
    skb.time = T0 + i * 1e-6;
    if (
      hooks.run(4, Hook.PREROUTING, skb) === NfVerdict.ACCEPT &&
      hooks.run(4, Hook.POSTROUTING, skb) === NfVerdict.ACCEPT &&
      skb.ct >= 0
    ) {
      tracked++;
    }
  }
  return tracked;
}

export async function runMemory(
  connections: number,
  runs: number,
  proto: MemoryProto = "udp",
): Promise<MemoryResult> {
  if (connections > 1 << 28) throw new Error("at most 2^28 connections (16 ports × 2^24 clients)");
  const tcp = proto === "tcp";
  const enc = new PacketEncoder();
  enc.dst = SERVER;
  enc.dport = tcp ? 443 : 53;
  const skb = new Skb();
  const raw = {
    ctBytesPerConn: [] as number[],
    refBytesPerPacket: [] as number[],
    ref: [] as Timing[],
    ct: [] as Timing[],
  };
  let table = { bytes: 0, capacity: 0, streamAt: 0, kernel: 0 };
  const ref = (n: number, keep: boolean) => {
    const before = heapBytes();
    const t = timed(() => refLoop(n, enc, skb, tcp));
    const grown = heapBytes() - before;
    if (keep) {
      raw.ref.push(t);
      raw.refBytesPerPacket.push(grown / n);
    }
  };
  const ct = async (n: number, keep: boolean) => {
    const before = heapBytes();
    const kernel = await conntrackKernel(n);
    const kernelBytes = heapBytes() - before;
    let tracked = 0;
    const t = timed(() => {
      tracked = ctLoop(n, enc, skb, kernel, tcp);
    });
    const grown = heapBytes() - before;
    const count = kernel.conntrack.count;
    if (tracked !== n || count !== n) {
      throw new Error(`memory: ${n} packets gave ${tracked} tracked, ${count} connections`);
    }
    if (keep) {
      raw.ct.push(t);
      raw.ctBytesPerConn.push(grown / count);
      const ct = kernel.conntrack;
      table = {
        bytes: ct.table.byteSize(),
        capacity: ct.table.capacity,
        streamAt: ct.streamAt.byteLength,
        kernel: kernelBytes,
      };
    }
  };
  // Untimed warm-up at a tenth of the size: JIT, and the first kernel's one-off costs.
  const warm = Math.max(1, Math.floor(connections / 10));
  await ct(warm, false);
  ref(warm, false);
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      ref(connections, true);
      await ct(connections, true);
    } else {
      await ct(connections, true);
      ref(connections, true);
    }
  }
  const sum = (ts: Timing[], k: keyof Timing) => summarize(ts.map((t) => t[k]));
  const ms = { ref: sum(raw.ref, "wallMs"), ct: sum(raw.ct, "wallMs") };
  const cpuMs = { ref: sum(raw.ref, "cpuMs"), ct: sum(raw.ct, "cpuMs") };
  const bytesPerConn = summarize(raw.ctBytesPerConn);
  const tableBytesPerConn = table.bytes / connections;
  const pps = (s: Summary) => connections / (s.median / 1e3);
  return {
    proto,
    connections,
    runs,
    bytesPerConn,
    kernelBytes: table.kernel,
    tableBytesPerConn,
    streamAtBytesPerConn: table.streamAt / connections,
    tableCapacity: table.capacity,
    refBytesPerPacket: summarize(raw.refBytesPerPacket),
    ms,
    cpuMs,
    pps: { ref: pps(ms.ref), ct: pps(ms.ct) },
    ctToRef: ratio(ms.ct, ms.ref),
    ctToRefCpu: ratio(cpuMs.ct, cpuMs.ref),
    heapToTable: bytesPerConn.median / tableBytesPerConn,
    conntrackNsPerPacket: ((ms.ct.median - ms.ref.median) * 1e6) / connections,
    targets: {
      bytesPerConn: atMost(bytesPerConn.median, TARGET_BYTES_PER_CONN),
      packetsPerSec: atLeast(pps(ms.ct), TARGET_PACKETS_PER_SEC),
    },
    raw,
  };
}
