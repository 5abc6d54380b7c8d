/**
 * The three measured passes over the same capture files, identical but for
 * the work under test:
 *   read — each file through its cursor, nothing else;
 *   ref  — the files merged by timestamp, each packet located and parsed
 *          into one reused Skb (what conntrack needs before it can start);
 *   ct   — ref, then the PREROUTING and POSTROUTING hook chains of a
 *          kernel with conntrack on (tracking, then confirmation).
 * ref and ct count packets per protocol the same way, so the difference
 * between them is the hooks. Nothing is allocated per packet.
 */
import { Hook, type Kernel, NfVerdict, type Skb } from "@ctkit/kernel";
import { NetworkLayerLocation, openCaptureFile, ParseError } from "@ctkit/packet";
import { MergedCaptures } from "./merge.js";

/** Protocol rows of PassCounts: tcp, udp, icmp (v4 and v6), other. */
export const PROTO_ROWS = ["tcp", "udp", "icmp", "other"] as const;

export class PassCounts {
  packets = 0;
  /** Packets the decoder rejected (not handed to the hooks). */
  malformed = 0;
  /** Packets a hook dropped. */
  dropped = 0;
  readonly byProto = new Float64Array(4);
  /** ct pass: packets that left the hooks attached to a connection (skb.ct ≥ 0). */
  readonly tracked = new Float64Array(4);
}

function row(l4Proto: number): number {
  return l4Proto === 6 ? 0 : l4Proto === 17 ? 1 : l4Proto === 1 || l4Proto === 58 ? 2 : 3;
}

/** Reads every file through its cursor; returns the packet count. */
export function readPass(paths: readonly string[]): number {
  let packets = 0;
  for (const p of paths) {
    const r = openCaptureFile(p);
    try {
      while (r.next()) {
        packets++;
      }
    } finally {
      r.close();
    }
  }
  return packets;
}

/** Merge + locate + parse; the reference of the ct pass. */
export function refPass(paths: readonly string[], skb: Skb, counts: PassCounts): void {
  const m = new MergedCaptures(paths);
  const loc = new NetworkLayerLocation();
  try {
    while (m.next()) {
      const r = m.reader;
      counts.packets++;
      const end = r.dataOffset + r.capturedLength;
      if (
        !r.locateNetworkLayer(loc) ||
        skb.parse(r.bytes, loc.offset, end - loc.offset) !== ParseError.Ok
      ) {
        counts.malformed++;
        continue;
      }
      skb.time = r.tsSec + r.tsNsec / 1e9;
      const i = row(skb.l4Proto);
      counts.byProto[i]++;
      if (skb.ct >= 0) counts.tracked[i]++;
    }
  } finally {
    m.close();
  }
}

/** ref + PREROUTING + POSTROUTING through `kernel`'s hooks. */
export function ctPass(
  paths: readonly string[],
  skb: Skb,
  kernel: Kernel,
  counts: PassCounts,
): void {
  const m = new MergedCaptures(paths);
  const loc = new NetworkLayerLocation();
  const hooks = kernel.hooks;
  try {
    while (m.next()) {
      const r = m.reader;
      counts.packets++;
      const end = r.dataOffset + r.capturedLength;
      if (
        !r.locateNetworkLayer(loc) ||
        skb.parse(r.bytes, loc.offset, end - loc.offset) !== ParseError.Ok
      ) {
        counts.malformed++;
        continue;
      }
      skb.time = r.tsSec + r.tsNsec / 1e9;
      const family = skb.family;
      if (
        hooks.run(family, Hook.PREROUTING, skb) !== NfVerdict.ACCEPT ||
        hooks.run(family, Hook.POSTROUTING, skb) !== NfVerdict.ACCEPT
      ) {
        counts.dropped++;
      }
      const i = row(skb.l4Proto);
      counts.byProto[i]++;
      if (skb.ct >= 0) counts.tracked[i]++;
    }
  } finally {
    m.close();
  }
}
