/**
 * The generator's main loop: a pool of `concurrency` flows in progress;
 * each packet comes from a flow picked at random in the pool, and a
 * finished flow's slot goes to the next flow, so flows interleave as on a
 * busy link. Packet i is stamped start + i × gap, so the merged timeline
 * is strictly increasing. Packets go to a sink as views of one reused
 * buffer (valid only during the call); nothing is kept.
 */
import { PacketEncoder } from "../encode.js";
import { Prng } from "../prng.js";
import { type FlowAddressing, FlowPool } from "./flows.js";
import { type Mix, makePlan, type Proto, roundsOf } from "./plan.js";

export interface GenOptions {
  flows: number;
  /** Total packets; undefined: one round per flow (the fewest). */
  packets: number | undefined;
  mix: Mix;
  seed: number;
  /** Flows in progress at once. */
  concurrency: number;
  /** Microseconds between consecutive packets of the merged timeline. */
  gapUs: number;
  /** Timestamp of the first packet, seconds since the epoch. */
  startSec: number;
  /** Largest transport payload. */
  maxPayload: number;
  /** Replies and client ports for a source-NAT router (default: routed, see FlowAddressing). */
  addressing?: FlowAddressing;
}

export const GEN_DEFAULTS = {
  flows: 100_000,
  seed: 1,
  concurrency: 4096,
  gapUs: 10,
  startSec: 1_700_000_000,
  maxPayload: 1400,
} as const;

/** Receives each packet: `buf[0, len)` is the IPv4 packet, `dir` 0 client→server, 1 back. */
export type PacketSink = (
  dir: 0 | 1,
  buf: Uint8Array,
  len: number,
  sec: number,
  nsec: number,
) => void;

export interface GenSummary {
  flows: number;
  packets: number;
  /** Packets client→server (lan) and server→client (wan). */
  packetsByDir: [number, number];
  /** Flows and packets per protocol: tcp, udp, icmp. */
  flowsByProto: [number, number, number];
  packetsByProto: [number, number, number];
  /** IP bytes of all packets. */
  bytes: number;
}

export function generate(o: GenOptions, sink: PacketSink): GenSummary {
  if (!Number.isInteger(o.gapUs) || o.gapUs < 1) throw new Error("--gap-us must be ≥ 1");
  const rng = new Prng(o.seed);
  const plan = makePlan(o.flows, o.packets, o.mix, rng);
  const pool = new FlowPool(
    Math.max(1, Math.min(o.concurrency, o.flows)),
    o.maxPayload,
    o.addressing,
  );
  const enc = new PacketEncoder();
  const sum: GenSummary = {
    flows: o.flows,
    packets: 0,
    packetsByDir: [0, 0],
    flowsByProto: plan.flowsByProto,
    packetsByProto: [0, 0, 0],
    bytes: 0,
  };
  let nextFlow = 0;
  const startFlow = (slot: number) => {
    const k = nextFlow++;
    const proto = plan.types[k] as Proto;
    pool.start(slot, k, proto, roundsOf(plan, k), plan.half && k === 0, rng);
  };
  while (pool.active < Math.min(o.concurrency, o.flows)) startFlow(pool.active++);
  let us = 0;
  while (pool.active > 0) {
    const s = rng.below(pool.active);
    const proto = pool.protoOf(s);
    const len = pool.emit(s, enc, rng);
    const dir = pool.lastDir;
    sink(dir, enc.buf, len, o.startSec + Math.floor(us / 1e6), (us % 1e6) * 1000);
    us += o.gapUs;
    sum.packets++;
    sum.packetsByDir[dir]++;
    sum.packetsByProto[proto]++;
    sum.bytes += len;
    if (pool.isDone(s)) {
      if (nextFlow < o.flows) startFlow(s);
      else pool.move(--pool.active, s);
    }
  }
  if (sum.packets !== plan.packets) {
    throw new Error(`generator made ${sum.packets} packets, planned ${plan.packets}`);
  }
  return sum;
}
