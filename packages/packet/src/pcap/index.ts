export { type ByteSink, DEFAULT_SINK_BUFFER, FileSink, MemorySink } from "./byte-sink.js";
export {
  type ByteSource,
  DEFAULT_CHUNK_SIZE,
  FileByteSource,
  MemoryByteSource,
} from "./byte-source.js";
export {
  type ClassicPcapHeader,
  ClassicPcapReader,
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_NANO,
  PCAP_MAX_STANDARD_CAPLEN,
} from "./classic-reader.js";
export {
  createPcapFile,
  PcapWriter,
  type PcapWriterOptions,
  type WritablePacket,
  writePcap,
} from "./classic-writer.js";
export { PcapFormatError } from "./errors.js";
export {
  isSupportedLinkType,
  type KnownLinkType,
  LinkType,
  linkTypeName,
  locateNetworkLayer,
  NetworkLayerLocation,
  networkLayerOf,
} from "./linktype.js";
export {
  type CaptureFormat,
  detectCaptureFormat,
  type OpenCaptureFileOptions,
  openCapture,
  openCaptureFile,
  openCaptureSource,
} from "./open.js";
export { type CaptureInterface, PacketReader, type PcapRecord } from "./packet-reader.js";
export { PCAPNG_BYTE_ORDER_MAGIC, PcapngBlockType, PcapngReader } from "./pcapng-reader.js";
export {
  createPcapngFile,
  type PcapngInterfaceOptions,
  PcapngWriter,
  type PcapngWriterOptions,
  type WritablePcapngPacket,
  writePcapng,
} from "./pcapng-writer.js";
export {
  compareTimestamps,
  formatTimestamp,
  type TimestampPrecision,
  timestampFromNanoseconds,
  timestampToNanoseconds,
} from "./timestamp.js";
