/**
 * The replay's inputs: one capture per interface, merged by timestamp
 * (ties keep the order of the --in options, then file order). Readers are
 * cursors, so merging allocates nothing per packet.
 */
import {
  NetworkLayerLocation,
  openCaptureFile,
  type PacketReader,
  PcapFormatError,
} from "@ctkit/packet";

export interface InputSpec {
  ifname: string;
  file: string;
}

export class MergedInputs {
  private readonly readers: PacketReader[] = [];
  private readonly live: boolean[] = [];
  /** Index of the input the current packet came from. */
  current = -1;
  readonly where = new NetworkLayerLocation();

  constructor(readonly specs: readonly InputSpec[]) {
    for (const s of specs) {
      const r = openCaptureFile(s.file);
      this.readers.push(r);
      this.live.push(this.advance(r, s));
    }
  }

  private advance(r: PacketReader, s: InputSpec): boolean {
    try {
      return r.next();
    } catch (e) {
      if (e instanceof PcapFormatError) throw new Error(`${s.file}: ${e.message}`);
      throw e;
    }
  }

  /** Moves to the earliest pending packet; false when all inputs are done. */
  next(): boolean {
    if (this.current >= 0) {
      const r = this.readers[this.current] as PacketReader;
      this.live[this.current] = this.advance(r, this.specs[this.current] as InputSpec);
    }
    let best = -1;
    for (let i = 0; i < this.readers.length; i++) {
      if (!this.live[i]) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const a = this.readers[i] as PacketReader;
      const b = this.readers[best] as PacketReader;
      if (a.tsSec < b.tsSec || (a.tsSec === b.tsSec && a.tsNsec < b.tsNsec)) best = i;
    }
    this.current = best;
    return best >= 0;
  }

  get reader(): PacketReader {
    return this.readers[this.current] as PacketReader;
  }

  get ifname(): string {
    return (this.specs[this.current] as InputSpec).ifname;
  }

  /** Size of all inputs, for the progress display. */
  get totalBytes(): number {
    return this.readers.reduce((n, r) => n + r.fileSize, 0);
  }

  get bytesRead(): number {
    return this.readers.reduce((n, r) => n + (r.recordOffset || 0), 0);
  }

  /** Whether any input carries nanosecond timestamps (outputs then keep them). */
  get nano(): boolean {
    return this.readers.some(
      (r) =>
        "header" in r &&
        (r as unknown as { header: { precision: string } }).header.precision === "nano",
    );
  }

  close(): void {
    for (const r of this.readers) r.close();
  }
}
