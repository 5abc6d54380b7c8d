/**
 * A capture pair replayed through a whole router: each packet of the merged
 * timeline is handed to Kernel.receive on the interface its file stands for
 * (lan-in.pcap on lan, wan-in.pcap on wan), as `ctkit replay` does; the
 * router parses it, runs PREROUTING, routes, FORWARD, POSTROUTING and
 * "transmits" (counted). Nothing is allocated per packet here.
 */
import { NetworkLayerLocation } from "@ctkit/packet";
import { MergedCaptures } from "../datapath/merge.js";
import type { BenchRouter } from "./router.js";

export class RouterCounts {
  packets = 0;
  /** Packets without a locatable network layer (not handed to the router). */
  malformed = 0;
  /** What the router sent out of lan and wan during the pass. */
  sentLan = 0;
  sentWan = 0;
}

/** `paths` is [lan-in, wan-in]. */
export function routerPass(
  paths: readonly string[],
  router: BenchRouter,
  counts: RouterCounts,
): void {
  const m = new MergedCaptures(paths);
  const loc = new NetworkLayerLocation();
  const { kernel, lan, wan, sent } = router;
  const lan0 = sent.lan;
  const wan0 = sent.wan;
  try {
    while (m.next()) {
      const r = m.reader;
      counts.packets++;
      if (!r.locateNetworkLayer(loc)) {
        counts.malformed++;
        continue;
      }
      const end = r.dataOffset + r.capturedLength;
      const time = r.tsSec + r.tsNsec / 1e9;
      kernel.receive(m.input === 0 ? lan : wan, r.bytes, loc.offset, end - loc.offset, time);
    }
  } finally {
    m.close();
  }
  counts.sentLan += sent.lan - lan0;
  counts.sentWan += sent.wan - wan0;
}
