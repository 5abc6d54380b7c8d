/**
 * Several captures read as one timeline: cursors over each file, the
 * earliest pending packet first (ties: the earlier file). Each reader has
 * its own window, so the current packet's view stays valid until this
 * merge's next next(). Allocates nothing per packet.
 */
import { openCaptureFile, type PacketReader } from "@ctkit/packet";

export class MergedCaptures {
  private readonly readers: PacketReader[];
  private readonly live: boolean[];
  private current = -1;
  /** The reader holding the current packet (valid after next() returned true). */
  reader: PacketReader;

  constructor(paths: readonly string[]) {
    this.readers = [];
    try {
      for (const p of paths) this.readers.push(openCaptureFile(p));
    } catch (e) {
      this.close();
      throw e;
    }
    this.live = this.readers.map((r) => r.next());
    this.reader = this.readers[0] as PacketReader;
  }

  /** Moves to the earliest pending packet; false when every input is done. */
  next(): boolean {
    const readers = this.readers;
    if (this.current >= 0) this.live[this.current] = this.reader.next();
    let best = -1;
    let bestSec = 0;
    let bestNsec = 0;
    for (let i = 0; i < readers.length; i++) {
      if (!this.live[i]) continue;
      const r = readers[i] as PacketReader;
      if (best < 0 || r.tsSec < bestSec || (r.tsSec === bestSec && r.tsNsec < bestNsec)) {
        best = i;
        bestSec = r.tsSec;
        bestNsec = r.tsNsec;
      }
    }
    this.current = best;
    if (best < 0) return false;
    this.reader = readers[best] as PacketReader;
    return true;
  }

  /** Index of the input the current packet came from. */
  get input(): number {
    return this.current;
  }

  close(): void {
    for (const r of this.readers) r.close();
  }
}
