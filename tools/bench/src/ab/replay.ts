/**
 * One build's replay loop for `ctkit-bench ab`: the capture files merged by
 * timestamp, each packet located and parsed into the build's Skb and, for a
 * ct replay, pushed through PREROUTING and POSTROUTING of the build's
 * kernel — the datapath bench's ref and ct passes, stepped a chunk at a time.
 *
 * This file is its own bundle entry, imported once per build under a
 * different URL: each build gets its own copy of the loop, so V8's type
 * feedback for one build's classes never makes the other's loop polymorphic
 * (a shared loop measured whichever build ran second as slower).
 */
import type * as KernelApi from "@ctkit/kernel";
import type * as PacketApi from "@ctkit/packet";

/** The modules of one build. */
export interface Build {
  kernel: typeof KernelApi;
  packet: typeof PacketApi;
}

export interface Replay {
  /** Processes up to `n` packets; false once every input is exhausted (files closed). */
  step(n: number): boolean;
  /** Packets taken from the inputs so far. */
  readonly packets: number;
}

/**
 * `kernel` null: the reference replay (read, merge, parse). Otherwise the
 * ct replay through that kernel's hooks. Allocates nothing per packet.
 */
export function makeReplay(
  build: Build,
  paths: readonly string[],
  skb: KernelApi.Skb,
  kernel: KernelApi.Kernel | null,
): Replay {
  const readers = paths.map((p) => build.packet.openCaptureFile(p));
  const live = readers.map((r) => r.next());
  const loc = new build.packet.NetworkLayerLocation();
  const pre = build.kernel.Hook.PREROUTING;
  const post = build.kernel.Hook.POSTROUTING;
  const ok = build.packet.ParseError.Ok;
  const hooks = kernel === null ? null : kernel.hooks;
  let current = -1;
  let packets = 0;
  let open = true;
  return {
    get packets() {
      return packets;
    },
    step(n: number): boolean {
      if (!open) return false;
      for (let c = 0; c < n; c++) {
        if (current >= 0) live[current] = (readers[current] as PacketApi.PacketReader).next();
        let best = -1;
        let bestSec = 0;
        let bestNsec = 0;
        for (let i = 0; i < readers.length; i++) {
          if (!live[i]) continue;
          const r = readers[i] as PacketApi.PacketReader;
          if (best < 0 || r.tsSec < bestSec || (r.tsSec === bestSec && r.tsNsec < bestNsec)) {
            best = i;
            bestSec = r.tsSec;
            bestNsec = r.tsNsec;
          }
        }
        current = best;
        if (best < 0) {
          for (const r of readers) r.close();
          open = false;
          return false;
        }
        packets++;
        const r = readers[best] as PacketApi.PacketReader;
        const end = r.dataOffset + r.capturedLength;
        if (!r.locateNetworkLayer(loc) || skb.parse(r.bytes, loc.offset, end - loc.offset) !== ok) {
          continue;
        }
        skb.time = r.tsSec + r.tsNsec / 1e9;
        if (hooks !== null) {
          hooks.run(skb.family, pre, skb);
          hooks.run(skb.family, post, skb);
        }
      }
      return true;
    },
  };
}
