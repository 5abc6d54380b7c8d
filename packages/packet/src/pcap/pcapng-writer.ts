import { type ByteSink, FileSink, MemorySink } from "./byte-sink.js";
import { PCAP_MAX_STANDARD_CAPLEN } from "./classic-reader.js";
import type { WritablePacket } from "./classic-writer.js";
import { PCAPNG_BYTE_ORDER_MAGIC, PcapngBlockType } from "./pcapng-reader.js";
import {
  checkTimestamp,
  type TimestampPrecision,
  timestampToUnits,
  type Units64,
} from "./timestamp.js";

export interface PcapngWriterOptions {
  /** shb_userappl: the application that wrote the file. */
  application?: string;
  /** Byte order of the section (default little-endian). */
  littleEndian?: boolean;
}

export interface PcapngInterfaceOptions {
  linkType: number;
  /** Announced snapshot length; longer packets are refused (default 262144). */
  snapLength?: number;
  /** if_name, e.g. "eth0". */
  name?: string;
  /** Timestamp resolution written as if_tsresol: "micro" (default, 10^-6) or "nano" (10^-9). */
  precision?: TimestampPrecision;
}

/** A packet for a pcapng file: which interface it belongs to (default 0). */
export interface WritablePcapngPacket extends WritablePacket {
  interfaceId?: number;
}

const OPT_ENDOFOPT = 0;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const EPB_FIXED = 32;
const MAX_U32 = 4294967296;
const utf8 = new TextEncoder();

const padded = (n: number): number => (n + 3) & ~3;

/** Builds one option list (TLVs padded to 4, closed by opt_endofopt); empty if there are none. */
function encodeOptions(options: [number, Uint8Array][], le: boolean): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  let size = 4;
  for (const [, value] of options) size += 4 + padded(value.length);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let p = 0;
  for (const [code, value] of options) {
    view.setUint16(p, code, le);
    view.setUint16(p + 2, value.length, le);
    out.set(value, p + 4);
    p += 4 + padded(value.length);
  }
  view.setUint16(p, OPT_ENDOFOPT, le);
  return out;
}

interface InterfaceState {
  snapLength: number;
  decimalDigits: number;
}

/**
 * Writes a single-section pcapng file: the section header at construction,
 * an interface description block for each {@link addInterface}, and an
 * enhanced packet block per packet. Interfaces can be added at any time
 * before the packets that use them.
 */
export class PcapngWriter {
  private readonly sink: ByteSink;
  private readonly littleEndian: boolean;
  private readonly interfaces: InterfaceState[] = [];
  private readonly epbHeader = new Uint8Array(28);
  private readonly epbView = new DataView(this.epbHeader.buffer);
  private readonly trailer = new Uint8Array(8);
  private readonly trailerView = new DataView(this.trailer.buffer);
  private readonly units: Units64 = { high: 0, low: 0 };

  constructor(sink: ByteSink, options: PcapngWriterOptions = {}) {
    this.sink = sink;
    const le = options.littleEndian ?? true;
    this.littleEndian = le;
    const shbOptions: [number, Uint8Array][] = [];
    if (options.application !== undefined) {
      shbOptions.push([OPT_SHB_USERAPPL, utf8.encode(options.application)]);
    }
    const encoded = encodeOptions(shbOptions, le);
    const block = new Uint8Array(28 + encoded.length);
    const view = new DataView(block.buffer);
    view.setUint32(0, PcapngBlockType.SECTION_HEADER, le);
    view.setUint32(4, block.length, le);
    view.setUint32(8, PCAPNG_BYTE_ORDER_MAGIC, le);
    view.setUint16(12, 1, le);
    view.setUint16(14, 0, le);
    // Section length -1: unknown, which is what streaming writers say.
    view.setUint32(16, 0xffffffff, le);
    view.setUint32(20, 0xffffffff, le);
    block.set(encoded, 24);
    view.setUint32(block.length - 4, block.length, le);
    sink.write(block);
  }

  /** Declares an interface and returns its ID for {@link writePacket}. */
  addInterface(options: PcapngInterfaceOptions): number {
    const le = this.littleEndian;
    const snapLength = options.snapLength ?? PCAP_MAX_STANDARD_CAPLEN;
    const precision = options.precision ?? "micro";
    if (!Number.isInteger(options.linkType) || options.linkType < 0 || options.linkType > 0xffff) {
      throw new RangeError(`pcapng: bad link type ${options.linkType}`);
    }
    if (!Number.isInteger(snapLength) || snapLength < 0 || snapLength >= MAX_U32) {
      throw new RangeError(`pcapng: bad snap length ${snapLength}`);
    }
    const idbOptions: [number, Uint8Array][] = [];
    if (options.name !== undefined) idbOptions.push([OPT_IF_NAME, utf8.encode(options.name)]);
    // 6 is the default resolution, so only nanoseconds needs saying.
    if (precision === "nano") idbOptions.push([OPT_IF_TSRESOL, Uint8Array.of(9)]);
    const encoded = encodeOptions(idbOptions, le);
    const block = new Uint8Array(20 + encoded.length);
    const view = new DataView(block.buffer);
    view.setUint32(0, PcapngBlockType.INTERFACE_DESCRIPTION, le);
    view.setUint32(4, block.length, le);
    view.setUint16(8, options.linkType, le);
    view.setUint16(10, 0, le);
    view.setUint32(12, snapLength, le);
    block.set(encoded, 16);
    view.setUint32(block.length - 4, block.length, le);
    this.sink.write(block);
    this.interfaces.push({ snapLength, decimalDigits: precision === "nano" ? 9 : 6 });
    return this.interfaces.length - 1;
  }

  /** Appends one packet as an enhanced packet block; `data` is copied, never kept. */
  writePacket(
    interfaceId: number,
    tsSec: number,
    tsNsec: number,
    data: Uint8Array,
    originalLength = data.length,
  ): void {
    const state = this.interfaces[interfaceId];
    if (state === undefined) {
      throw new RangeError(`pcapng: no interface ${interfaceId} (${this.interfaces.length} added)`);
    }
    checkTimestamp(tsSec, tsNsec, Number.MAX_SAFE_INTEGER);
    if (!Number.isInteger(originalLength) || originalLength < 0 || originalLength >= MAX_U32) {
      throw new RangeError(
        `pcapng: original length ${originalLength} is not a 32-bit unsigned integer`,
      );
    }
    if (state.snapLength !== 0 && data.length > state.snapLength) {
      throw new RangeError(
        `pcapng: packet of ${data.length} bytes is longer than the snap length ${state.snapLength}`,
      );
    }
    timestampToUnits(tsSec, tsNsec, state.decimalDigits, this.units);
    const le = this.littleEndian;
    const total = EPB_FIXED + padded(data.length);
    const view = this.epbView;
    view.setUint32(0, PcapngBlockType.ENHANCED_PACKET, le);
    view.setUint32(4, total, le);
    view.setUint32(8, interfaceId, le);
    view.setUint32(12, this.units.high, le);
    view.setUint32(16, this.units.low, le);
    view.setUint32(20, data.length, le);
    view.setUint32(24, originalLength, le);
    this.sink.write(this.epbHeader);
    this.sink.write(data);
    // Padding (zeros) and the trailing length, in one write.
    const pad = padded(data.length) - data.length;
    this.trailer.fill(0, 0, 4);
    this.trailerView.setUint32(pad, total, le);
    this.sink.write(this.trailer.subarray(0, pad + 4));
  }

  write(packet: WritablePcapngPacket): void {
    this.writePacket(
      packet.interfaceId ?? 0,
      packet.tsSec,
      packet.tsNsec,
      packet.data,
      packet.originalLength,
    );
  }

  /** Flushes and, for a file, closes it. */
  close(): void {
    this.sink.close();
  }
}

/** Creates (or truncates) a pcapng file; add interfaces before writing packets. */
export function createPcapngFile(path: string, options: PcapngWriterOptions = {}): PcapngWriter {
  return new PcapngWriter(new FileSink(path), options);
}

/** Encodes interfaces and packets as a complete pcapng file in memory. */
export function writePcapng(
  interfaces: PcapngInterfaceOptions[],
  packets: Iterable<WritablePcapngPacket>,
  options: PcapngWriterOptions = {},
): Uint8Array {
  const sink = new MemorySink();
  const writer = new PcapngWriter(sink, options);
  for (const description of interfaces) writer.addInterface(description);
  for (const packet of packets) writer.write(packet);
  writer.close();
  return sink.bytes();
}
