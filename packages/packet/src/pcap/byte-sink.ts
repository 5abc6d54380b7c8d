import { closeSync, openSync, writeSync } from "node:fs";

/** Where a writer puts its bytes. `write` must not keep a reference to `bytes`. */
export interface ByteSink {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** Collects everything in memory; for tests and for captures that are sent elsewhere. */
export class MemorySink implements ByteSink {
  private buffer = new Uint8Array(4096);
  private length = 0;

  write(bytes: Uint8Array): void {
    const needed = this.length + bytes.length;
    if (needed > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < needed) capacity *= 2;
      const bigger = new Uint8Array(capacity);
      bigger.set(this.buffer.subarray(0, this.length));
      this.buffer = bigger;
    }
    this.buffer.set(bytes, this.length);
    this.length = needed;
  }

  /** The bytes written so far (a view; later writes may reallocate, so take it at the end). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  close(): void {}
}

/** Default buffer of a file sink: one system call per MiB of capture. */
export const DEFAULT_SINK_BUFFER = 1 << 20;

/**
 * Buffered synchronous writes to a file. Synchronous on purpose: the replay
 * loop is synchronous, and with a 1 MiB buffer the system calls are rare
 * enough not to matter.
 */
export class FileSink implements ByteSink {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private readonly buffer: Uint8Array;
  private length = 0;
  private closed = false;

  /** `file` is a path (created or truncated, closed by close()) or an open descriptor (left open). */
  constructor(file: string | number, bufferSize = DEFAULT_SINK_BUFFER) {
    this.ownsFd = typeof file === "string";
    this.fd = typeof file === "string" ? openSync(file, "w") : file;
    this.buffer = new Uint8Array(Math.max(64, bufferSize));
  }

  write(bytes: Uint8Array): void {
    if (this.closed) throw new Error("pcap: write after close");
    if (this.length + bytes.length > this.buffer.length) this.flush();
    if (bytes.length >= this.buffer.length) {
      this.writeAll(bytes);
      return;
    }
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Pushes buffered bytes to the file. */
  flush(): void {
    if (this.length === 0) return;
    this.writeAll(this.buffer.subarray(0, this.length));
    this.length = 0;
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.ownsFd) closeSync(this.fd);
  }
}
