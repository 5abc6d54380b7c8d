import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { PcapFormatError } from "./errors.js";

/**
 * Where a reader gets its bytes from: a window onto the capture file. The
 * readers only ever ask for a byte range they have already checked lies
 * inside the file (`offset + length <= size`), which is what keeps a hostile
 * length field from making us allocate more than the file holds.
 */
export interface ByteSource {
  /** Total length of the file in bytes. */
  readonly size: number;
  /** Current window; only valid until the next {@link fetch}. */
  readonly window: Uint8Array;
  /** DataView over {@link window}, for multi-byte fields in either byte order. */
  readonly view: DataView;
  /**
   * True when subarrays of the window stay valid forever (the whole file is
   * in memory); false when the window is reused as the reader moves on.
   */
  readonly stable: boolean;
  /**
   * Makes file bytes [offset, offset + length) available in {@link window}
   * and returns the index in the window where `offset` now is. The caller
   * guarantees `offset + length <= size`.
   */
  fetch(offset: number, length: number): number;
  close(): void;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The whole capture already in memory (e.g. from fs.readFileSync): zero copies. */
export class MemoryByteSource implements ByteSource {
  readonly size: number;
  readonly window: Uint8Array;
  readonly view: DataView;
  readonly stable = true;

  constructor(bytes: Uint8Array) {
    this.window = bytes;
    this.size = bytes.length;
    this.view = viewOf(bytes);
  }

  fetch(offset: number, _length: number): number {
    return offset;
  }

  close(): void {}
}

/**
 * Default window of the streaming reader: large enough that refills are rare
 * (one read per few hundred packets), small enough to stay in a core's L2
 * cache next to the tables the packets are looked up in, so that parsing a
 * packet and verifying its checksum read bytes the refill just brought in.
 * With 1 MiB windows the datapath bench's read-and-parse pass took about a
 * third longer: its bytes had already left the cache.
 */
export const DEFAULT_CHUNK_SIZE = 1 << 17;

/**
 * Reads a capture file through a sliding window of `chunkSize` bytes, so a
 * 1 GB file costs about 128 KiB of memory. The window only grows past
 * `chunkSize` for a single record larger than that, and only to the record's
 * size, which the reader has checked against the file size first.
 */
export class FileByteSource implements ByteSource {
  readonly size: number;
  readonly stable = false;
  window: Uint8Array;
  view: DataView;
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private readonly chunkSize: number;
  /** File offset of window[0]. */
  private start = 0;
  /** Number of valid bytes in the window. */
  private filled = 0;

  /** `file` is a path (opened and closed here) or an open descriptor (left open). */
  constructor(file: string | number, chunkSize = DEFAULT_CHUNK_SIZE) {
    this.ownsFd = typeof file === "string";
    this.fd = typeof file === "string" ? openSync(file, "r") : file;
    try {
      this.size = fstatSync(this.fd).size;
    } catch (error) {
      if (this.ownsFd) closeSync(this.fd);
      throw error;
    }
    this.chunkSize = Math.max(64, chunkSize);
    this.window = new Uint8Array(Math.min(this.chunkSize, this.size));
    this.view = viewOf(this.window);
  }

  fetch(offset: number, length: number): number {
    if (offset >= this.start && offset + length <= this.start + this.filled) {
      return offset - this.start;
    }
    this.refill(offset, length);
    return 0;
  }

  /** Moves the window to begin at `offset`, keeping whatever bytes overlap. */
  private refill(offset: number, length: number): void {
    const wanted = Math.min(Math.max(length, this.chunkSize), this.size - offset);
    let kept = 0;
    const end = this.start + this.filled;
    if (offset >= this.start && offset < end) kept = end - offset;
    if (wanted > this.window.length) {
      const bigger = new Uint8Array(wanted);
      if (kept > 0) bigger.set(this.window.subarray(offset - this.start, this.filled));
      this.window = bigger;
      this.view = viewOf(bigger);
    } else if (kept > 0) {
      this.window.copyWithin(0, offset - this.start, this.filled);
    }
    this.start = offset;
    this.filled = kept;
    while (this.filled < wanted) {
      const n = readSync(
        this.fd,
        this.window,
        this.filled,
        wanted - this.filled,
        offset + this.filled,
      );
      if (n === 0) {
        throw new PcapFormatError(
          `pcap: file shrank while reading: no data at offset ${offset + this.filled} (size was ${this.size})`,
          offset,
        );
      }
      this.filled += n;
    }
  }

  close(): void {
    if (this.ownsFd) closeSync(this.fd);
  }
}
