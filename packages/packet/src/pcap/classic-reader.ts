import type { ByteSource } from "./byte-source.js";
import { PcapFormatError } from "./errors.js";
import { PacketReader } from "./packet-reader.js";
import type { TimestampPrecision } from "./timestamp.js";

/** Magic numbers as read in the file's own byte order. */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
/** Alexey Kuznetzov's "modified pcap" (longer record headers); recognised only to reject clearly. */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

/**
 * Largest record accepted when the file's snaplen is smaller: Wireshark's
 * WTAP_MAX_PACKET_SIZE_STANDARD, also tcpdump's default snaplen.
 */
export const PCAP_MAX_STANDARD_CAPLEN = 262144;

/** The 24-byte global header of a classic pcap file. */
export interface ClassicPcapHeader {
  littleEndian: boolean;
  precision: TimestampPrecision;
  versionMajor: number;
  versionMinor: number;
  /** GMT-to-local correction; always 0 in practice and ignored. */
  thisZone: number;
  sigFigs: number;
  snapLength: number;
  /** LINKTYPE_* (the low 26 bits of the header's link-type field). */
  linkType: number;
  /** Bytes of FCS at the end of each frame when the header says so (bits 26-31), else 0. */
  fcsLength: number;
}

/** Reads the magic at the start of a file in both byte orders; undefined if it is not classic pcap. */
export function classicPcapMagic(
  view: DataView,
  at: number,
): { littleEndian: boolean; precision: TimestampPrecision } | undefined {
  for (const littleEndian of [true, false]) {
    const magic = view.getUint32(at, littleEndian);
    if (magic === PCAP_MAGIC_MICRO) return { littleEndian, precision: "micro" };
    if (magic === PCAP_MAGIC_NANO) return { littleEndian, precision: "nano" };
  }
  return undefined;
}

/**
 * Reader for classic libpcap files (microsecond or nanosecond, either byte
 * order).
 *
 * Tolerance, chosen to match Wireshark rather than libpcap: a record whose
 * caplen exceeds the file's snaplen is delivered whole (libpcap would cut it
 * to snaplen), as long as it is at most max(snaplen, 262144) bytes; a larger
 * caplen is a format error. A snaplen of 0 means "unknown" (some writers put
 * 0), so the 262144 limit applies. caplen > original length is accepted as
 * is. Micro/nanosecond fields >= 10^6 / 10^9 are passed on unnormalised.
 */
export class ClassicPcapReader extends PacketReader {
  readonly format = "pcap";
  readonly header: ClassicPcapHeader;
  private readonly maxCapturedLength: number;
  private readonly nsecPerUnit: number;
  private position = PCAP_FILE_HEADER_LENGTH;

  constructor(source: ByteSource) {
    super(source);
    const size = source.size;
    if (size < PCAP_FILE_HEADER_LENGTH) {
      throw new PcapFormatError(
        `pcap: truncated file header at offset 0 (file ends at ${size})`,
        0,
      );
    }
    const i = source.fetch(0, PCAP_FILE_HEADER_LENGTH);
    const view = source.view;
    const magic = classicPcapMagic(view, i);
    if (magic === undefined) {
      const raw = view.getUint32(i, false);
      const modified =
        raw === PCAP_MAGIC_MODIFIED || view.getUint32(i, true) === PCAP_MAGIC_MODIFIED;
      throw new PcapFormatError(
        modified
          ? "pcap: modified (Kuznetzov) pcap files are not supported"
          : `pcap: bad magic 0x${raw.toString(16).padStart(8, "0")} at offset 0`,
        0,
      );
    }
    const le = magic.littleEndian;
    const versionMajor = view.getUint16(i + 4, le);
    if (versionMajor !== 2) {
      throw new PcapFormatError(`pcap: unsupported version ${versionMajor} at offset 4`, 4);
    }
    const rawLinkType = view.getUint32(i + 20, le);
    this.header = {
      littleEndian: le,
      precision: magic.precision,
      versionMajor,
      versionMinor: view.getUint16(i + 6, le),
      thisZone: view.getInt32(i + 8, le),
      sigFigs: view.getUint32(i + 12, le),
      snapLength: view.getUint32(i + 16, le),
      linkType: rawLinkType & 0x03ffffff,
      fcsLength: rawLinkType & 0x04000000 ? (rawLinkType >>> 28) * 2 : 0,
    };
    this.maxCapturedLength = Math.max(this.header.snapLength, PCAP_MAX_STANDARD_CAPLEN);
    this.nsecPerUnit = magic.precision === "nano" ? 1 : 1000;
    this.linkType = this.header.linkType;
    this.interfaces.push({
      linkType: this.header.linkType,
      snapLength: this.header.snapLength,
      name: undefined,
      tsResolution: magic.precision === "nano" ? 9 : 6,
      tsOffset: 0,
      section: 0,
      localId: 0,
    });
  }

  next(): boolean {
    const source = this.source;
    const size = source.size;
    const at = this.position;
    if (at >= size) return false;
    if (at + PCAP_RECORD_HEADER_LENGTH > size) throw truncatedHeader(at, size);
    let i = source.fetch(at, PCAP_RECORD_HEADER_LENGTH);
    let view = source.view;
    const le = this.header.littleEndian;
    const capturedLength = view.getUint32(i + 8, le);
    if (capturedLength > this.maxCapturedLength) {
      throw oversized(at, capturedLength, this.maxCapturedLength);
    }
    const end = at + PCAP_RECORD_HEADER_LENGTH + capturedLength;
    if (end > size) throw truncatedData(at, capturedLength, end, size);
    i = source.fetch(at, PCAP_RECORD_HEADER_LENGTH + capturedLength);
    view = source.view;
    this.tsSec = view.getUint32(i, le);
    this.tsNsec = view.getUint32(i + 4, le) * this.nsecPerUnit;
    this.capturedLength = capturedLength;
    this.originalLength = view.getUint32(i + 12, le);
    this.bytes = source.window;
    this.dataOffset = i + PCAP_RECORD_HEADER_LENGTH;
    this.recordOffset = at;
    this.packetNumber++;
    this.position = end;
    return true;
  }
}

// The errors of next() are built out of line: template literals inside the
// per-packet function made V8 allocate on every call, error or not.
function truncatedHeader(at: number, size: number): PcapFormatError {
  return new PcapFormatError(
    `pcap: truncated record header at offset ${at} (file ends at ${size})`,
    at,
  );
}

function oversized(at: number, caplen: number, max: number): PcapFormatError {
  return new PcapFormatError(
    `pcap: record at offset ${at} has caplen ${caplen}, more than the maximum ${max}`,
    at,
  );
}

function truncatedData(at: number, caplen: number, end: number, size: number): PcapFormatError {
  return new PcapFormatError(
    `pcap: truncated record data at offset ${at}: caplen ${caplen} needs bytes up to ${end} (file ends at ${size})`,
    at,
  );
}
