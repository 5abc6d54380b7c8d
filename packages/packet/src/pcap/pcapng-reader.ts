import type { ByteSource } from "./byte-source.js";
import { PcapFormatError } from "./errors.js";
import { type CaptureInterface, PacketReader } from "./packet-reader.js";
import { type SecNsec, unitsToTimestamp } from "./timestamp.js";

/** Block types (pcapng spec, draft-ietf-opsawg-pcapng). */
export const PcapngBlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  /** Obsolete "Packet Block", still read by Wireshark and here. */
  PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
} as const;

export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Smallest legal total length of each block we interpret (header + fixed fields + trailer). */
const MIN_BLOCK = 12;
const MIN_SHB = 28;
const MIN_IDB = 20;
const MIN_EPB = 32;
const MIN_OPB = 32;
const MIN_SPB = 16;

const BLOCK_NAMES: Record<number, string> = {
  [PcapngBlockType.SECTION_HEADER]: "section header block",
  [PcapngBlockType.INTERFACE_DESCRIPTION]: "interface description block",
  [PcapngBlockType.PACKET]: "packet block",
  [PcapngBlockType.SIMPLE_PACKET]: "simple packet block",
  [PcapngBlockType.ENHANCED_PACKET]: "enhanced packet block",
};

function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block type 0x${type.toString(16).padStart(8, "0")}`;
}

const utf8 = new TextDecoder();

/**
 * Reader for pcapng files: any number of sections (each with its own byte
 * order), any number of interfaces with their own link type, if_tsresol and
 * if_tsoffset; packets from enhanced, simple and obsolete packet blocks. All
 * other blocks (statistics, name resolution, custom, decryption secrets…)
 * are skipped after their lengths have been checked.
 *
 * `interfaceId` is global across sections, an index into `interfaces`, the
 * way Wireshark numbers them.
 *
 * Tolerance: a packet longer than its interface's snaplen is accepted (the
 * block length bounds it, so nothing beyond the file is ever trusted); a
 * simple packet block's captured length is min(original length, snaplen,
 * what the block holds) as the spec says. Block lengths must be >= the
 * block's minimum, a multiple of 4, inside the file, and repeated exactly
 * at the block's end, otherwise the file is rejected at that block.
 */
export class PcapngReader extends PacketReader {
  readonly format = "pcapng";
  /** Number of section header blocks read so far. */
  sections = 0;
  private littleEndian = true;
  /** Global index of the current section's interface 0. */
  private sectionFirstInterface = 0;
  private position = 0;
  private readonly ts: SecNsec = { sec: 0, nsec: 0 };

  constructor(source: ByteSource) {
    super(source);
    const size = source.size;
    if (size < MIN_BLOCK) {
      throw new PcapFormatError(
        `pcapng: truncated section header block at offset 0 (file ends at ${size})`,
        0,
      );
    }
    const i = source.fetch(0, 4);
    const type = source.view.getUint32(i, true);
    if (type !== PcapngBlockType.SECTION_HEADER) {
      throw new PcapFormatError(
        `pcapng: file starts with block type 0x${type.toString(16)} instead of a section header`,
        0,
      );
    }
  }

  next(): boolean {
    const source = this.source;
    const size = source.size;
    for (;;) {
      const at = this.position;
      if (at >= size) return false;
      if (at + MIN_BLOCK > size) {
        throw new PcapFormatError(
          `pcapng: truncated block header at offset ${at} (file ends at ${size})`,
          at,
        );
      }
      let i = source.fetch(at, MIN_BLOCK);
      let view = source.view;
      const type = view.getUint32(i, this.littleEndian);
      let le = this.littleEndian;
      if (type === PcapngBlockType.SECTION_HEADER) {
        // The SHB type reads the same in both byte orders; its magic tells
        // the order of everything in the section, including its own length.
        const magic = view.getUint32(i + 8, true);
        if (magic === PCAPNG_BYTE_ORDER_MAGIC) le = true;
        else if (view.getUint32(i + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
        else {
          throw new PcapFormatError(
            `pcapng: section header at offset ${at} has bad byte-order magic 0x${magic.toString(16)}`,
            at,
          );
        }
      }
      const length = view.getUint32(i + 4, le);
      this.checkBlockLength(type, length, at);
      const end = at + length;

      if (!isInterpreted(type)) {
        // Skip without buffering the body, but still insist on a sane trailer.
        i = source.fetch(end - 4, 4);
        this.checkTrailer(source.view.getUint32(i, le), length, type, at);
        this.position = end;
        continue;
      }

      i = source.fetch(at, length);
      view = source.view;
      this.checkTrailer(view.getUint32(i + length - 4, le), length, type, at);
      this.position = end;
      switch (type) {
        case PcapngBlockType.SECTION_HEADER:
          this.readSectionHeader(view, i, at, le);
          break;
        case PcapngBlockType.INTERFACE_DESCRIPTION:
          this.readInterface(view, i, length, at);
          break;
        case PcapngBlockType.ENHANCED_PACKET:
          this.readEnhancedPacket(view, i, length, at);
          return true;
        case PcapngBlockType.SIMPLE_PACKET:
          this.readSimplePacket(view, i, length, at);
          return true;
        case PcapngBlockType.PACKET:
          this.readObsoletePacket(view, i, length, at);
          return true;
      }
    }
  }

  private checkBlockLength(type: number, length: number, at: number): void {
    const size = this.source.size;
    const minimum = minimumLength(type);
    if (length < minimum || length % 4 !== 0) {
      throw new PcapFormatError(
        `pcapng: ${blockName(type)} at offset ${at} has total length ${length}` +
          (length < minimum ? ` (minimum ${minimum})` : " (not a multiple of 4)"),
        at,
      );
    }
    if (at + length > size) {
      throw new PcapFormatError(
        `pcapng: truncated ${blockName(type)} at offset ${at}: length ${length} needs bytes up to ${at + length} (file ends at ${size})`,
        at,
      );
    }
  }

  private checkTrailer(trailer: number, length: number, type: number, at: number): void {
    if (trailer !== length) {
      throw new PcapFormatError(
        `pcapng: ${blockName(type)} at offset ${at} has total length ${length} but trailing length ${trailer}`,
        at,
      );
    }
  }

  private readSectionHeader(view: DataView, i: number, at: number, le: boolean): void {
    const major = view.getUint16(i + 12, le);
    const minor = view.getUint16(i + 14, le);
    if (major !== 1) {
      throw new PcapFormatError(
        `pcapng: section header at offset ${at} has unsupported version ${major}.${minor}`,
        at,
      );
    }
    this.littleEndian = le;
    this.sectionFirstInterface = this.interfaces.length;
    this.sections++;
  }

  private readInterface(view: DataView, i: number, length: number, at: number): void {
    const le = this.littleEndian;
    const description: CaptureInterface = {
      linkType: view.getUint16(i + 8, le),
      snapLength: view.getUint32(i + 12, le),
      name: undefined,
      tsResolution: 6,
      tsOffset: 0,
      section: this.sections - 1,
      localId: this.interfaces.length - this.sectionFirstInterface,
    };
    const optionsEnd = i + length - 4;
    let p = i + 16;
    while (p + 4 <= optionsEnd) {
      const code = view.getUint16(p, le);
      const optionLength = view.getUint16(p + 2, le);
      const value = p + 4;
      if (code === OPT_ENDOFOPT) break;
      if (value + optionLength > optionsEnd) {
        throw new PcapFormatError(
          `pcapng: interface description block at offset ${at}: option ${code} at offset ${at + (p - i)} overruns the block`,
          at,
        );
      }
      if (code === OPT_IF_TSRESOL && optionLength >= 1) {
        description.tsResolution = view.getUint8(value);
      } else if (code === OPT_IF_TSOFFSET && optionLength >= 8) {
        const high = le ? view.getInt32(value + 4, true) : view.getInt32(value, false);
        const low = le ? view.getUint32(value, true) : view.getUint32(value + 4, false);
        description.tsOffset = high * 4294967296 + low;
      } else if (code === OPT_IF_NAME) {
        const bytes = new Uint8Array(view.buffer, view.byteOffset + value, optionLength);
        description.name = utf8.decode(bytes).replace(/\0+$/, "");
      }
      p = value + ((optionLength + 3) & ~3);
    }
    this.interfaces.push(description);
  }

  /** Resolves a section-local interface ID, or throws if the section has no such interface. */
  private interfaceFor(localId: number, at: number, type: number): number {
    const global = this.sectionFirstInterface + localId;
    if (localId >= this.interfaces.length - this.sectionFirstInterface) {
      throw new PcapFormatError(
        `pcapng: ${blockName(type)} at offset ${at} refers to interface ${localId}, but the section has ${this.interfaces.length - this.sectionFirstInterface}`,
        at,
      );
    }
    return global;
  }

  private setPacket(
    interfaceId: number,
    dataIndex: number,
    capturedLength: number,
    originalLength: number,
    at: number,
  ): void {
    this.interfaceId = interfaceId;
    this.linkType = this.interfaces[interfaceId].linkType;
    this.capturedLength = capturedLength;
    this.originalLength = originalLength;
    this.bytes = this.source.window;
    this.dataOffset = dataIndex;
    this.recordOffset = at;
    this.packetNumber++;
  }

  private setTime(interfaceId: number, high: number, low: number): void {
    const description = this.interfaces[interfaceId];
    unitsToTimestamp(high, low, description.tsResolution, this.ts);
    this.tsSec = this.ts.sec + description.tsOffset;
    this.tsNsec = this.ts.nsec;
    this.hasTimestamp = true;
  }

  private checkCapturedLength(captured: number, room: number, type: number, at: number): void {
    if (captured > room) {
      throw new PcapFormatError(
        `pcapng: ${blockName(type)} at offset ${at} has captured length ${captured} but room for ${room}`,
        at,
      );
    }
  }

  private readEnhancedPacket(view: DataView, i: number, length: number, at: number): void {
    const le = this.littleEndian;
    const type = PcapngBlockType.ENHANCED_PACKET;
    const id = this.interfaceFor(view.getUint32(i + 8, le), at, type);
    const captured = view.getUint32(i + 20, le);
    this.checkCapturedLength(captured, length - MIN_EPB, type, at);
    this.setTime(id, view.getUint32(i + 12, le), view.getUint32(i + 16, le));
    this.setPacket(id, i + 28, captured, view.getUint32(i + 24, le), at);
  }

  private readObsoletePacket(view: DataView, i: number, length: number, at: number): void {
    const le = this.littleEndian;
    const type = PcapngBlockType.PACKET;
    const id = this.interfaceFor(view.getUint16(i + 8, le), at, type);
    const captured = view.getUint32(i + 20, le);
    this.checkCapturedLength(captured, length - MIN_OPB, type, at);
    this.setTime(id, view.getUint32(i + 12, le), view.getUint32(i + 16, le));
    this.setPacket(id, i + 28, captured, view.getUint32(i + 24, le), at);
  }

  private readSimplePacket(view: DataView, i: number, length: number, at: number): void {
    const id = this.interfaceFor(0, at, PcapngBlockType.SIMPLE_PACKET);
    const original = view.getUint32(i + 8, this.littleEndian);
    const snap = this.interfaces[id].snapLength;
    let captured = Math.min(original, length - MIN_SPB);
    if (snap !== 0 && snap < captured) captured = snap;
    this.tsSec = 0;
    this.tsNsec = 0;
    this.hasTimestamp = false;
    this.setPacket(id, i + 12, captured, original, at);
  }
}

function isInterpreted(type: number): boolean {
  return (
    type === PcapngBlockType.SECTION_HEADER ||
    type === PcapngBlockType.INTERFACE_DESCRIPTION ||
    type === PcapngBlockType.ENHANCED_PACKET ||
    type === PcapngBlockType.SIMPLE_PACKET ||
    type === PcapngBlockType.PACKET
  );
}

function minimumLength(type: number): number {
  switch (type) {
    case PcapngBlockType.SECTION_HEADER:
      return MIN_SHB;
    case PcapngBlockType.INTERFACE_DESCRIPTION:
      return MIN_IDB;
    case PcapngBlockType.ENHANCED_PACKET:
      return MIN_EPB;
    case PcapngBlockType.PACKET:
      return MIN_OPB;
    case PcapngBlockType.SIMPLE_PACKET:
      return MIN_SPB;
    default:
      return MIN_BLOCK;
  }
}
