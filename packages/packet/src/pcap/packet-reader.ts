import type { ByteSource } from "./byte-source.js";
import { locateNetworkLayer, type NetworkLayerLocation } from "./linktype.js";

/** One packet of a capture as a plain object (see {@link PacketReader.record}). */
export interface PcapRecord {
  /** Seconds since the Unix epoch. */
  tsSec: number;
  /** Nanoseconds within the second (micro captures: a multiple of 1000). */
  tsNsec: number;
  /** LINKTYPE_* of the interface the packet was captured on. */
  linkType: number;
  /** Length of the packet on the wire; may exceed `data.length` when the capture was cut. */
  originalLength: number;
  /** The captured bytes, starting with the link-layer header. */
  data: Uint8Array;
  /** Index into {@link PacketReader.interfaces}; always 0 for classic pcap. */
  interfaceId: number;
}

/** An interface as described by a pcapng IDB, or the single one of a classic pcap file. */
export interface CaptureInterface {
  linkType: number;
  /** Maximum captured length the writer announced; 0 means unknown / unlimited. */
  snapLength: number;
  /** if_name, when the file gives one. */
  name: string | undefined;
  /**
   * Timestamp resolution as the pcapng if_tsresol byte: 6 = microseconds,
   * 9 = nanoseconds; high bit set means 2^-n seconds.
   */
  tsResolution: number;
  /** if_tsoffset: seconds added to every timestamp of this interface. */
  tsOffset: number;
  /** Which section (0-based, pcapng) the interface belongs to. */
  section: number;
  /** The interface ID used inside its own section. */
  localId: number;
}

/**
 * A cursor over the packets of a capture. {@link next} advances it and
 * updates the public fields in place, so the hot loop allocates nothing per
 * packet:
 *
 * ```ts
 * while (reader.next()) handle(reader.bytes, reader.dataOffset, reader.capturedLength);
 * ```
 *
 * The packet bytes are never copied: `bytes` is the reader's buffer (the
 * whole file, or the current window of a streamed file) and the packet lies
 * at `bytes[dataOffset, dataOffset + capturedLength)`. With a streamed file
 * that window is reused, so anything kept past the next `next()` must be
 * copied; {@link record} does that for you when needed.
 *
 * `next()` returns false at the clean end of the file and throws
 * {@link PcapFormatError} at damage, after every complete packet before it
 * has been returned.
 */
export abstract class PacketReader {
  abstract readonly format: "pcap" | "pcapng";
  /** Interfaces seen so far (pcapng adds them as its IDBs are read). */
  readonly interfaces: CaptureInterface[] = [];

  tsSec = 0;
  tsNsec = 0;
  /** False for pcapng simple packet blocks, which carry no time (tsSec/tsNsec are then 0). */
  hasTimestamp = true;
  linkType = 0;
  interfaceId = 0;
  capturedLength = 0;
  originalLength = 0;
  /** Buffer that holds the current packet (see class comment for its lifetime). */
  bytes: Uint8Array = new Uint8Array(0);
  /** Index of the packet's first byte in {@link bytes}. */
  dataOffset = 0;
  /** File offset of the current packet's record header / block. */
  recordOffset = 0;
  /** 1-based number of the current packet, as tcpdump --number and Wireshark count. */
  packetNumber = 0;

  protected readonly source: ByteSource;

  protected constructor(source: ByteSource) {
    this.source = source;
  }

  /** Advances to the next packet; false at the end of the file. */
  abstract next(): boolean;

  /** Total size of the file being read. */
  get fileSize(): number {
    return this.source.size;
  }

  /** The current packet's captured bytes as a view (no copy). */
  get data(): Uint8Array {
    return this.bytes.subarray(this.dataOffset, this.dataOffset + this.capturedLength);
  }

  /** Locates the current packet's network layer; see {@link locateNetworkLayer}. */
  locateNetworkLayer(out: NetworkLayerLocation): boolean {
    return locateNetworkLayer(
      this.linkType,
      this.bytes,
      this.dataOffset,
      this.dataOffset + this.capturedLength,
      out,
    );
  }

  /**
   * The current packet as an object that stays valid: a view into the file
   * when it is in memory, a copy when it is streamed.
   */
  record(): PcapRecord {
    const end = this.dataOffset + this.capturedLength;
    return {
      tsSec: this.tsSec,
      tsNsec: this.tsNsec,
      linkType: this.linkType,
      originalLength: this.originalLength,
      data: this.source.stable
        ? this.bytes.subarray(this.dataOffset, end)
        : this.bytes.slice(this.dataOffset, end),
      interfaceId: this.interfaceId,
    };
  }

  /** Iterates the remaining packets as {@link PcapRecord}s. */
  *records(): Generator<PcapRecord, void, undefined> {
    while (this.next()) yield this.record();
  }

  [Symbol.iterator](): Generator<PcapRecord, void, undefined> {
    return this.records();
  }

  /** Releases the file descriptor of a streamed file (no-op in memory). */
  close(): void {
    this.source.close();
  }
}
