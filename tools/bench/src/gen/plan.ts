/**
 * What a capture holds before any packet is made: how many flows of each
 * protocol (exact counts from the mix weights, shuffled by the seed), and
 * how many request/response rounds each flow gets so the total comes to
 * exactly the packet count asked for.
 *
 * Packets per flow with r rounds: TCP 3 (handshake) + 2r (data both ways)
 * + 3 (FIN, FIN, ACK); UDP 2r (request, reply); ICMP 2r (echo, reply).
 * An odd remainder becomes one extra client→server packet in flow 0
 * ("half" round: a TCP data segment, a UDP request, an echo request).
 */
import { UsageError } from "../args.js";
import type { Prng } from "../prng.js";

export const Proto = { TCP: 0, UDP: 1, ICMP: 2 } as const;
export type Proto = (typeof Proto)[keyof typeof Proto];
export const PROTO_NAMES = ["tcp", "udp", "icmp"] as const;

/** Relative weights of the three protocols (flows, not packets). */
export type Mix = [tcp: number, udp: number, icmp: number];

export const DEFAULT_MIX: Mix = [60, 30, 10];
/** Client addresses are 10.0.0.0/8, one per flow. */
export const MAX_FLOWS = (1 << 24) - 1;

/** Packets of a flow with `rounds` rounds, not counting a half round. */
export function flowPackets(proto: Proto, rounds: number): number {
  return proto === Proto.TCP ? 6 + 2 * rounds : 2 * rounds;
}

/** "tcp=60,udp=30,icmp=10", "udp" (only UDP) or "tcp=1,icmp=1". */
export function parseMix(text: string): Mix {
  const mix: Mix = [0, 0, 0];
  for (const part of text.split(",")) {
    const [name, weight] = part.trim().split("=");
    const i = PROTO_NAMES.indexOf(name as (typeof PROTO_NAMES)[number]);
    const w = weight === undefined ? 1 : Number(weight);
    if (i < 0 || !(w >= 0) || !Number.isFinite(w)) {
      throw new UsageError(`--mix '${text}': expected e.g. tcp=60,udp=30,icmp=10`);
    }
    mix[i] = w;
  }
  if (mix[0] + mix[1] + mix[2] <= 0) throw new UsageError(`--mix '${text}': all weights are 0`);
  return mix;
}

export function formatMix(mix: Mix): string {
  return PROTO_NAMES.map((n, i) => `${n}=${mix[i]}`).join(",");
}

export interface Plan {
  /** Protocol of each flow, in the order flows start. */
  types: Uint8Array;
  /** Flows per protocol. */
  flowsByProto: [number, number, number];
  /** Packets with one round per flow: the fewest the flows can make. */
  minimum: number;
  packets: number;
  /** Rounds beyond the first, spread over the flows (the first ones get the remainder). */
  extraRounds: number;
  /** One extra client packet in flow 0. */
  half: boolean;
}

/** Exact flow counts for the weights (largest remainder), then a seeded shuffle. */
export function makePlan(flows: number, packets: number | undefined, mix: Mix, rng: Prng): Plan {
  if (!Number.isInteger(flows) || flows < 1 || flows > MAX_FLOWS) {
    throw new UsageError(`--flows must be an integer in 1..${MAX_FLOWS}, not ${flows}`);
  }
  const total = mix[0] + mix[1] + mix[2];
  const exact = mix.map((w) => (flows * w) / total);
  const counts = exact.map(Math.floor) as [number, number, number];
  let left = flows - counts[0] - counts[1] - counts[2];
  const byRemainder = [0, 1, 2].sort((x, y) => exact[y] - counts[y] - (exact[x] - counts[x]));
  for (const i of byRemainder) {
    if (left === 0) break;
    counts[i]++;
    left--;
  }
  const types = new Uint8Array(flows);
  types.fill(Proto.TCP, 0, counts[0]);
  types.fill(Proto.UDP, counts[0], counts[0] + counts[1]);
  types.fill(Proto.ICMP, counts[0] + counts[1]);
  for (let i = flows - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = types[i] as number;
    types[i] = types[j] as number;
    types[j] = t;
  }
  const minimum =
    counts[0] * flowPackets(Proto.TCP, 1) +
    counts[1] * flowPackets(Proto.UDP, 1) +
    counts[2] * flowPackets(Proto.ICMP, 1);
  const want = packets ?? minimum;
  if (!Number.isInteger(want) || want < minimum) {
    throw new UsageError(
      `--packets ${want} is less than ${minimum}, the fewest ${flows} flows of this mix make`,
    );
  }
  const extra = want - minimum;
  return {
    types,
    flowsByProto: counts,
    minimum,
    packets: want,
    extraRounds: Math.floor(extra / 2),
    half: extra % 2 === 1,
  };
}

/** Rounds of flow k. */
export function roundsOf(plan: Plan, k: number): number {
  const n = plan.types.length;
  return 1 + Math.floor(plan.extraRounds / n) + (k < plan.extraRounds % n ? 1 : 0);
}
