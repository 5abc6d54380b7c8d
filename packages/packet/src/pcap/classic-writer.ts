import { type ByteSink, FileSink, MemorySink } from "./byte-sink.js";
import {
  PCAP_FILE_HEADER_LENGTH,
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_NANO,
  PCAP_MAX_STANDARD_CAPLEN,
  PCAP_RECORD_HEADER_LENGTH,
} from "./classic-reader.js";
import { checkTimestamp, type TimestampPrecision } from "./timestamp.js";

export interface PcapWriterOptions {
  /** LINKTYPE_* of every packet in the file. */
  linkType: number;
  /** Announced snapshot length; packets longer than this are refused (default 262144, as tcpdump). */
  snapLength?: number;
  /** "micro" (default, what most tools expect) or "nano". */
  precision?: TimestampPrecision;
  /** Byte order of the file (default little-endian, what x86 tcpdump writes). */
  littleEndian?: boolean;
}

/** The part of a packet a writer needs; {@link PcapRecord} fits. */
export interface WritablePacket {
  tsSec: number;
  tsNsec: number;
  data: Uint8Array;
  /** Defaults to `data.length`. */
  originalLength?: number;
}

const MAX_U32 = 4294967296;

function checkOriginalLength(originalLength: number): void {
  if (!Number.isInteger(originalLength) || originalLength < 0 || originalLength >= MAX_U32) {
    throw new RangeError(
      `pcap: original length ${originalLength} is not a 32-bit unsigned integer`,
    );
  }
}

function checkWriterOptions(options: PcapWriterOptions): void {
  const { linkType, snapLength = PCAP_MAX_STANDARD_CAPLEN } = options;
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0x03ffffff) {
    throw new RangeError(`pcap: bad link type ${linkType}`);
  }
  if (!Number.isInteger(snapLength) || snapLength <= 0 || snapLength >= MAX_U32) {
    throw new RangeError(`pcap: bad snap length ${snapLength}`);
  }
}

/**
 * Writes a classic pcap file. The file header goes out at construction, so
 * even a capture with no packets is a valid file. Writing with "micro"
 * precision drops the sub-microsecond part of a timestamp (rounds down);
 * reading the file back gives exactly what was written for timestamps that
 * are whole microseconds.
 */
export class PcapWriter {
  readonly linkType: number;
  readonly snapLength: number;
  readonly precision: TimestampPrecision;
  private readonly sink: ByteSink;
  private readonly littleEndian: boolean;
  private readonly header = new Uint8Array(PCAP_RECORD_HEADER_LENGTH);
  private readonly headerView = new DataView(this.header.buffer);
  private readonly divisor: number;

  constructor(sink: ByteSink, options: PcapWriterOptions) {
    this.sink = sink;
    this.linkType = options.linkType;
    this.snapLength = options.snapLength ?? PCAP_MAX_STANDARD_CAPLEN;
    this.precision = options.precision ?? "micro";
    this.littleEndian = options.littleEndian ?? true;
    this.divisor = this.precision === "nano" ? 1 : 1000;
    checkWriterOptions(options);
    const fileHeader = new Uint8Array(PCAP_FILE_HEADER_LENGTH);
    const view = new DataView(fileHeader.buffer);
    const le = this.littleEndian;
    view.setUint32(0, this.precision === "nano" ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, le);
    view.setUint16(4, 2, le);
    view.setUint16(6, 4, le);
    view.setInt32(8, 0, le);
    view.setUint32(12, 0, le);
    view.setUint32(16, this.snapLength, le);
    view.setUint32(20, this.linkType, le);
    sink.write(fileHeader);
  }

  /** Appends one packet; `data` is copied into the sink's buffer, never kept. */
  writePacket(tsSec: number, tsNsec: number, data: Uint8Array, originalLength = data.length): void {
    checkTimestamp(tsSec, tsNsec, MAX_U32);
    checkOriginalLength(originalLength);
    if (data.length > this.snapLength) {
      throw new RangeError(
        `pcap: packet of ${data.length} bytes is longer than the snap length ${this.snapLength}`,
      );
    }
    const view = this.headerView;
    const le = this.littleEndian;
    view.setUint32(0, tsSec, le);
    view.setUint32(4, Math.floor(tsNsec / this.divisor), le);
    view.setUint32(8, data.length, le);
    view.setUint32(12, originalLength, le);
    this.sink.write(this.header);
    this.sink.write(data);
  }

  write(packet: WritablePacket): void {
    this.writePacket(packet.tsSec, packet.tsNsec, packet.data, packet.originalLength);
  }

  /** Flushes and, for a file, closes it. */
  close(): void {
    this.sink.close();
  }
}

/** Creates (or truncates) a pcap file and returns a buffered writer for it. */
export function createPcapFile(path: string, options: PcapWriterOptions): PcapWriter {
  checkWriterOptions(options); // before the file is created or truncated
  return new PcapWriter(new FileSink(path), options);
}

/** Encodes packets as a complete pcap file in memory. */
export function writePcap(
  packets: Iterable<WritablePacket>,
  options: PcapWriterOptions,
): Uint8Array {
  const sink = new MemorySink();
  const writer = new PcapWriter(sink, options);
  for (const packet of packets) writer.write(packet);
  writer.close();
  return sink.bytes();
}
