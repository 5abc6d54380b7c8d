/**
 * MASQUERADE replay throughput: the same generated traffic twice, once as
 * a source-NAT router sees it (replies to its public address) and once
 * routed (replies to the clients), each replayed through a whole router.
 * Passes, interleaved round by round (order flipped every round, a fresh
 * kernel per router pass, untimed), after one untimed round:
 *   read — the NAT capture's files through their cursors;
 *   ref  — the datapath bench's reference: merge + locate + parse;
 *   fwd  — the routed capture through a router with conntrack, no NAT;
 *   nat  — the NAT capture through a router with MASQUERADE.
 * nat / ref is the ratio the datapath bench reports; nat / fwd and
 * (nat − fwd) per packet are what NAT itself costs.
 */
import { Skb } from "@ctkit/kernel";
import { PassCounts, readPass, refPass } from "../datapath/passes.js";
import { type Ratio, ratio, type Summary, summarize } from "../stats.js";
import { atLeast, TARGET_PACKETS_PER_SEC, type Verdict } from "../targets.js";
import { type Timing, timed } from "../timing.js";
import { RouterCounts, routerPass } from "./passes.js";
import { type BenchRouter, benchRouter } from "./router.js";

export interface NatSpec {
  label: string;
  /** [lan-in, wan-in] of the NAT capture and of the routed one. */
  natPaths: string[];
  routedPaths: string[];
  /** Connections expected (sizes the conntrack table). */
  connections: number;
}

export interface RouterOutcome {
  packets: number;
  malformed: number;
  sentLan: number;
  sentWan: number;
  /** Packets that went in but did not come out (dropped, or answered by the router). */
  notForwarded: number;
  connections: number;
  insert: number;
  invalid: number;
  drop: number;
}

export interface NatResult {
  label: string;
  packets: number;
  runs: number;
  ms: Record<Mode, Summary>;
  cpuMs: Record<Mode, Summary>;
  pps: Record<Mode, number>;
  ratios: { natToRef: Ratio; natToFwd: Ratio; fwdToRef: Ratio; natToRefCpu: Ratio };
  /** (nat − ref) / packets: the router with MASQUERADE, per packet. */
  natNsPerPacket: number;
  /** (nat − fwd) / packets: what NAT adds to a conntrack router, per packet. */
  natOverFwdNsPerPacket: number;
  /** The same from CPU time, steadier on a busy machine. */
  natOverFwdCpuNsPerPacket: number;
  fwd: RouterOutcome;
  nat: RouterOutcome & { natMappings: number; bySourceKeys: number };
  target: Verdict;
  raw: Record<Mode, Timing[]>;
}

type Mode = "read" | "ref" | "fwd" | "nat";
const MODES: Mode[] = ["read", "ref", "fwd", "nat"];

/** SRC_NAT status bit: connections whose reply tuple NAT changed. */
const IPS_SRC_NAT = 1 << 4;

function outcome(r: BenchRouter, c: RouterCounts): RouterOutcome {
  const s = r.kernel.conntrack.stats;
  return {
    packets: c.packets,
    malformed: c.malformed,
    sentLan: c.sentLan,
    sentWan: c.sentWan,
    notForwarded: c.packets - c.malformed - c.sentLan - c.sentWan,
    connections: r.kernel.conntrack.count,
    insert: s.insert,
    invalid: s.invalid,
    drop: s.drop,
  };
}

function natMappings(r: BenchRouter): number {
  const t = r.kernel.conntrack.table;
  let n = 0;
  for (let s = 0; s < t.capacity; s++)
    if (t.id[s] !== 0 && (t.status[s] as number) & IPS_SRC_NAT) n++;
  return n;
}

export async function benchNat(spec: NatSpec, runs: number): Promise<NatResult> {
  const skb = new Skb();
  const raw: Record<Mode, Timing[]> = { read: [], ref: [], fwd: [], nat: [] };
  let packets = -1;
  let fwd: RouterOutcome | null = null;
  let nat: NatResult["nat"] | null = null;
  const one = async (mode: Mode, keep: boolean): Promise<void> => {
    let t: Timing;
    if (mode === "read") {
      let n = 0;
      t = timed(() => {
        n = readPass(spec.natPaths);
      });
      if (packets < 0) packets = n;
    } else if (mode === "ref") {
      const c = new PassCounts();
      t = timed(() => refPass(spec.natPaths, skb, c));
    } else {
      const router = await benchRouter(spec.connections, mode === "nat");
      const c = new RouterCounts();
      const paths = mode === "nat" ? spec.natPaths : spec.routedPaths;
      t = timed(() => routerPass(paths, router, c));
      if (mode === "fwd") fwd = outcome(router, c);
      else {
        nat = {
          ...outcome(router, c),
          natMappings: natMappings(router),
          bySourceKeys: router.kernel.nat.core.bySourceSize,
        };
      }
    }
    if (keep) raw[mode].push(t);
  };
  for (let i = -1; i < runs; i++) {
    const order = i % 2 === 0 ? MODES : [...MODES].reverse();
    for (const mode of order) await one(mode, i >= 0);
  }
  if (fwd === null || nat === null) throw new Error(`${spec.label}: no router pass ran`);
  const f: RouterOutcome = fwd;
  const n: NatResult["nat"] = nat;
  if (f.packets !== packets || n.packets !== packets) {
    throw new Error(`${spec.label}: passes saw different packet counts`);
  }
  const sum = (m: Mode, k: keyof Timing) => summarize(raw[m].map((x) => x[k]));
  const ms = Object.fromEntries(MODES.map((m) => [m, sum(m, "wallMs")])) as Record<Mode, Summary>;
  const cpuMs = Object.fromEntries(MODES.map((m) => [m, sum(m, "cpuMs")])) as Record<Mode, Summary>;
  const pps = (s: Summary) => packets / (s.median / 1e3);
  return {
    label: spec.label,
    packets,
    runs,
    ms,
    cpuMs,
    pps: { read: pps(ms.read), ref: pps(ms.ref), fwd: pps(ms.fwd), nat: pps(ms.nat) },
    ratios: {
      natToRef: ratio(ms.nat, ms.ref),
      natToFwd: ratio(ms.nat, ms.fwd),
      fwdToRef: ratio(ms.fwd, ms.ref),
      natToRefCpu: ratio(cpuMs.nat, cpuMs.ref),
    },
    natNsPerPacket: ((ms.nat.median - ms.ref.median) * 1e6) / packets,
    natOverFwdNsPerPacket: ((ms.nat.median - ms.fwd.median) * 1e6) / packets,
    natOverFwdCpuNsPerPacket: ((cpuMs.nat.median - cpuMs.fwd.median) * 1e6) / packets,
    fwd: f,
    nat: n,
    target: atLeast(pps(ms.nat), TARGET_PACKETS_PER_SEC),
    raw,
  };
}
