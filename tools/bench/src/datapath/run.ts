/**
 * One capture (pair of files) benchmarked: an untimed round of each pass
 * first, then `runs` rounds of read, ref and ct interleaved (the order
 * flips every round) so machine noise hits all three alike; a fresh kernel
 * for every ct pass (untimed setup, kept to the end: see `kernels`),
 * garbage collected before every pass.
 */
import { type Kernel, Skb } from "@ctkit/kernel";
import { conntrackKernel } from "../ct-kernel.js";
import { type Ratio, ratio, type Summary, summarize } from "../stats.js";
import { atLeast, TARGET_PACKETS_PER_SEC, type Verdict } from "../targets.js";
import { type Timing, timed } from "../timing.js";
import { ctPass, PassCounts, readPass, refPass } from "./passes.js";

export interface CaptureSpec {
  label: string;
  paths: string[];
  /** Connections expected (sizes hashsize and nf_conntrack_max). */
  connections: number;
  /** net.netfilter.nf_conntrack_checksum (1: verify transport checksums at PREROUTING). */
  checksum: boolean;
}

export interface ConntrackStats {
  connections: number;
  insert: number;
  found: number;
  invalid: number;
  drop: number;
  earlyDrop: number;
  /** ConnTable.byteSize() at the end of the pass. */
  tableBytes: number;
}

export interface CaptureResult {
  label: string;
  files: string[];
  packets: number;
  runs: number;
  checksum: boolean;
  /** Wall-clock milliseconds per pass. */
  ms: { read: Summary; ref: Summary; ct: Summary };
  /** CPU milliseconds (user + system) per pass: steadier on a busy machine. */
  cpuMs: { read: Summary; ref: Summary; ct: Summary };
  /** Packets per second at the median. */
  pps: { read: number; ref: number; ct: number };
  ratios: { ctToRef: Ratio; ctToRead: Ratio; refToRead: Ratio; ctToRefCpu: Ratio };
  /** (ct − ref) / packets at the medians: what the hooks cost per packet. */
  conntrackNsPerPacket: number;
  counts: { byProto: number[]; tracked: number[]; malformed: number; dropped: number };
  conntrack: ConntrackStats;
  target: Verdict;
  raw: Record<Mode, Timing[]>;
}

type Mode = "read" | "ref" | "ct";

function statsOf(k: Kernel): ConntrackStats {
  const s = k.conntrack.stats;
  return {
    connections: k.conntrack.count,
    insert: s.insert,
    found: s.found,
    invalid: s.invalid,
    drop: s.drop,
    earlyDrop: s.earlyDrop,
    tableBytes: k.conntrack.table.byteSize(),
  };
}

export async function benchCapture(spec: CaptureSpec, runs: number): Promise<CaptureResult> {
  const skb = new Skb();
  const raw: Record<Mode, Timing[]> = { read: [], ref: [], ct: [] };
  let packets = -1;
  let refCounts = new PassCounts();
  let ctCounts = new PassCounts();
  const last: { conntrack: ConntrackStats | null } = { conntrack: null };
  // Every ct pass's kernel stays reachable until the capture is done. A
  // dropped kernel makes V8 discard the optimized code of the packet path
  // that refers to it (about forty functions, "weak objects"), so the next
  // pass would be timed while that code is rebuilt: every other round came
  // out a quarter slower, with background compiling showing as CPU time
  // above wall time. A kernel replaying a real capture never drops out from
  // under its own code; kept, the rounds measure the steady state.
  const kernels: Kernel[] = [];
  const one = async (mode: Mode, keep: boolean): Promise<void> => {
    if (mode === "read") {
      let n = 0;
      const t = timed(() => {
        n = readPass(spec.paths);
      });
      if (packets < 0) packets = n;
      if (keep) raw.read.push(t);
    } else if (mode === "ref") {
      refCounts = new PassCounts();
      const c = refCounts;
      const t = timed(() => refPass(spec.paths, skb, c));
      if (keep) raw.ref.push(t);
    } else {
      const kernel = await conntrackKernel(spec.connections);
      kernels.push(kernel);
      if (!spec.checksum) kernel.sysctl.set("net.netfilter.nf_conntrack_checksum", "0");
      ctCounts = new PassCounts();
      const c = ctCounts;
      const t = timed(() => ctPass(spec.paths, skb, kernel, c));
      last.conntrack = statsOf(kernel);
      if (keep) raw.ct.push(t);
    }
  };
  for (let i = -1; i < runs; i++) {
    const order: Mode[] = i % 2 === 0 ? ["read", "ref", "ct"] : ["ct", "ref", "read"];
    for (const mode of order) await one(mode, i >= 0);
  }
  const conntrack = last.conntrack;
  if (conntrack === null || ctCounts.packets !== packets || refCounts.packets !== packets) {
    throw new Error(`${spec.label}: passes saw different packet counts`);
  }
  const sum = (m: Mode, k: keyof Timing) => summarize(raw[m].map((t) => t[k]));
  const ms = { read: sum("read", "wallMs"), ref: sum("ref", "wallMs"), ct: sum("ct", "wallMs") };
  const cpuMs = { read: sum("read", "cpuMs"), ref: sum("ref", "cpuMs"), ct: sum("ct", "cpuMs") };
  const pps = (s: Summary) => packets / (s.median / 1e3);
  const result: CaptureResult = {
    label: spec.label,
    files: spec.paths,
    packets,
    runs,
    checksum: spec.checksum,
    ms,
    cpuMs,
    pps: { read: pps(ms.read), ref: pps(ms.ref), ct: pps(ms.ct) },
    ratios: {
      ctToRef: ratio(ms.ct, ms.ref),
      ctToRead: ratio(ms.ct, ms.read),
      refToRead: ratio(ms.ref, ms.read),
      ctToRefCpu: ratio(cpuMs.ct, cpuMs.ref),
    },
    conntrackNsPerPacket: ((ms.ct.median - ms.ref.median) * 1e6) / packets,
    counts: {
      byProto: [...ctCounts.byProto],
      tracked: [...ctCounts.tracked],
      malformed: ctCounts.malformed,
      dropped: ctCounts.dropped,
    },
    conntrack,
    target: atLeast(pps(ms.ct), TARGET_PACKETS_PER_SEC),
    raw,
  };
  return result;
}
