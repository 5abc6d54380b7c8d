import { type ByteSource, FileByteSource, MemoryByteSource } from "./byte-source.js";
import {
  ClassicPcapReader,
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_MODIFIED,
  PCAP_MAGIC_NANO,
} from "./classic-reader.js";
import { PcapFormatError } from "./errors.js";
import type { PacketReader } from "./packet-reader.js";
import { PcapngBlockType, PcapngReader } from "./pcapng-reader.js";

export type CaptureFormat = "pcap" | "pcapng";

/** Identifies a capture by its first four bytes; undefined if it is neither format. */
export function detectCaptureFormat(firstBytes: Uint8Array): CaptureFormat | undefined {
  if (firstBytes.length < 4) return undefined;
  const view = new DataView(firstBytes.buffer, firstBytes.byteOffset, 4);
  const big = view.getUint32(0, false);
  const little = view.getUint32(0, true);
  if (big === PcapngBlockType.SECTION_HEADER) return "pcapng";
  for (const magic of [PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO]) {
    if (big === magic || little === magic) return "pcap";
  }
  return undefined;
}

/** Opens a reader of the right format over any byte source; closes the source if that fails. */
export function openCaptureSource(source: ByteSource): PacketReader {
  try {
    const size = source.size;
    if (size < 4) {
      const what = size === 0 ? "empty file, no file header" : "truncated file header";
      throw new PcapFormatError(`pcap: ${what} at offset 0 (file ends at ${size})`, 0);
    }
    const i = source.fetch(0, 4);
    const format = detectCaptureFormat(source.window.subarray(i, i + 4));
    if (format === "pcapng") return new PcapngReader(source);
    if (format === "pcap") return new ClassicPcapReader(source);
    const magic = source.view.getUint32(i, false);
    if (magic === PCAP_MAGIC_MODIFIED || source.view.getUint32(i, true) === PCAP_MAGIC_MODIFIED) {
      throw new PcapFormatError("pcap: modified (Kuznetzov) pcap files are not supported", 0);
    }
    const hex = magic.toString(16).padStart(8, "0");
    throw new PcapFormatError(`pcap: not a pcap or pcapng file (starts with 0x${hex})`, 0);
  } catch (error) {
    source.close();
    throw error;
  }
}

/**
 * Opens a capture held in memory (typically `fs.readFileSync(path)`). Packets
 * are views into `bytes`, valid as long as `bytes` is.
 */
export function openCapture(bytes: Uint8Array): PacketReader {
  return openCaptureSource(new MemoryByteSource(bytes));
}

export interface OpenCaptureFileOptions {
  /** Size of the read window in bytes (default 1 MiB). */
  chunkSize?: number;
}

/**
 * Opens a capture file for streaming: memory use stays near `chunkSize`
 * whatever the file size. Packet views are valid until the next `next()`.
 * Call `close()` on the reader when done.
 */
export function openCaptureFile(path: string, options: OpenCaptureFileOptions = {}): PacketReader {
  return openCaptureSource(new FileByteSource(path, options.chunkSize));
}
