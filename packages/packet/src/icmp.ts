import { EMPTY_BUFFER, rangeInside, readU16, readU32, writeU16 } from "./bytes.js";
import { checksumIsValid, checksumSkippingField } from "./checksum.js";
import { ParseError } from "./errors.js";
import type { Ipv6View } from "./ipv6.js";
import { computeL4Checksum, fillL4Checksum, verifyL4Checksum } from "./l4-checksum.js";
import { IpProtocol } from "./protocols.js";

/** Type, code, checksum and the 4-byte "rest of header" common to ICMP and ICMPv6. */
const HEADER_LENGTH = 8;

/** ICMPv4 message types (RFC 792 and successors). */
export const IcmpType = {
  EchoReply: 0,
  DestinationUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  RouterAdvertisement: 9,
  RouterSolicitation: 10,
  TimeExceeded: 11,
  ParameterProblem: 12,
  TimestampRequest: 13,
  TimestampReply: 14,
  InformationRequest: 15,
  InformationReply: 16,
  AddressMaskRequest: 17,
  AddressMaskReply: 18,
} as const;

/** Codes of ICMPv4 Destination Unreachable. */
export const IcmpUnreachableCode = {
  Network: 0,
  Host: 1,
  Protocol: 2,
  Port: 3,
  FragmentationNeeded: 4,
  SourceRouteFailed: 5,
  NetworkProhibited: 9,
  HostProhibited: 10,
  AdministrativelyProhibited: 13,
} as const;

/** ICMPv6 message types (RFC 4443, RFC 4861). */
export const Icmpv6Type = {
  DestinationUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParameterProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
  RouterSolicitation: 133,
  RouterAdvertisement: 134,
  NeighborSolicitation: 135,
  NeighborAdvertisement: 136,
  Redirect: 137,
} as const;

/** Codes of ICMPv6 Destination Unreachable. */
export const Icmpv6UnreachableCode = {
  NoRoute: 0,
  AdministrativelyProhibited: 1,
  BeyondScope: 2,
  Address: 3,
  Port: 4,
} as const;

/** ICMPv4 errors: the messages that quote the packet that caused them. */
export function isIcmpError(type: number): boolean {
  return (
    type === IcmpType.DestinationUnreachable ||
    type === IcmpType.SourceQuench ||
    type === IcmpType.Redirect ||
    type === IcmpType.TimeExceeded ||
    type === IcmpType.ParameterProblem
  );
}

/** ICMPv4 queries whose bytes 4-7 are an identifier and a sequence number. */
export function isIcmpQuery(type: number): boolean {
  return (
    type === IcmpType.EchoReply ||
    type === IcmpType.EchoRequest ||
    (type >= IcmpType.TimestampRequest && type <= IcmpType.AddressMaskReply)
  );
}

/** ICMPv6 errors are the types below 128 (RFC 4443 §2.1). */
export function isIcmpv6Error(type: number): boolean {
  return type < 128;
}

/**
 * Fields shared by the ICMP and ICMPv6 views. For errors, the quoted ("inner") packet starts
 * right after the 8-byte header: attach an IP view to it with attachQuoted().
 */
export abstract class IcmpCommonView {
  protected buf: Uint8Array = EMPTY_BUFFER;
  protected off = 0;
  protected len = 0;

  /** Points the view at a message of `length` bytes (the IP payload). */
  attach(buffer: Uint8Array, offset: number, length: number): ParseError {
    this.buf = buffer;
    this.off = offset;
    this.len = length;
    if (length < HEADER_LENGTH || !rangeInside(buffer, offset, length)) {
      this.len = 0;
      return ParseError.Truncated;
    }
    return ParseError.Ok;
  }

  get buffer(): Uint8Array {
    return this.buf;
  }
  get offset(): number {
    return this.off;
  }
  get length(): number {
    return this.len;
  }
  get type(): number {
    return this.buf[this.off];
  }
  get code(): number {
    return this.buf[this.off + 1];
  }
  get checksum(): number {
    return readU16(this.buf, this.off + 2);
  }
  /** Echo (and other query) identifier, bytes 4-5. */
  get identifier(): number {
    return readU16(this.buf, this.off + 4);
  }
  /** Echo (and other query) sequence number, bytes 6-7. */
  get sequence(): number {
    return readU16(this.buf, this.off + 6);
  }
  /** Bytes 4-7 as one number: meaning depends on the type. */
  get restOfHeader(): number {
    return readU32(this.buf, this.off + 4);
  }
  get headerLength(): number {
    return HEADER_LENGTH;
  }
  /** Absolute offset of what follows the header: echo data, or an error's quoted packet. */
  get payloadOffset(): number {
    return this.off + HEADER_LENGTH;
  }
  get payloadLength(): number {
    return this.len - HEADER_LENGTH;
  }
  /** Absolute offset of the quoted IP header of an error message (same as payloadOffset). */
  get innerOffset(): number {
    return this.off + HEADER_LENGTH;
  }
  get innerLength(): number {
    return this.len - HEADER_LENGTH;
  }

  setType(type: number): void {
    this.buf[this.off] = type;
  }
  setCode(code: number): void {
    this.buf[this.off + 1] = code;
  }
  setChecksum(checksum: number): void {
    writeU16(this.buf, this.off + 2, checksum);
  }
  setIdentifier(id: number): void {
    writeU16(this.buf, this.off + 4, id);
  }
  setSequence(sequence: number): void {
    writeU16(this.buf, this.off + 6, sequence);
  }
}

/** ICMPv4 message (RFC 792). Its checksum covers the message only, no pseudo header. */
export class IcmpView extends IcmpCommonView {
  get isError(): boolean {
    return isIcmpError(this.type);
  }
  get isQuery(): boolean {
    return isIcmpQuery(this.type);
  }
  /** Next-hop MTU of "fragmentation needed" (type 3 code 4, RFC 1191). */
  get nextHopMtu(): number {
    return readU16(this.buf, this.off + 6);
  }
  /** Gateway address of a redirect (type 5). */
  get gateway(): number {
    return readU32(this.buf, this.off + 4);
  }
  /** Byte pointer of a parameter problem (type 12). */
  get pointer(): number {
    return this.buf[this.off + 4];
  }

  computeChecksum(): number {
    return checksumSkippingField(this.buf, this.off, this.len, 2);
  }
  verifyChecksum(): boolean {
    return checksumIsValid(this.buf, this.off, this.len);
  }
  fillChecksum(): void {
    writeU16(this.buf, this.off + 2, this.computeChecksum());
  }
}

/** ICMPv6 message (RFC 4443). Its checksum includes the IPv6 pseudo header. */
export class Icmpv6View extends IcmpCommonView {
  get isError(): boolean {
    return isIcmpv6Error(this.type);
  }
  get isEcho(): boolean {
    const type = this.type;
    return type === Icmpv6Type.EchoRequest || type === Icmpv6Type.EchoReply;
  }
  /** MTU of "packet too big" (type 2). */
  get mtu(): number {
    return readU32(this.buf, this.off + 4);
  }
  /** Byte pointer of a parameter problem (type 4). */
  get pointer(): number {
    return readU32(this.buf, this.off + 4);
  }

  computeChecksum(ip: Ipv6View): number {
    return computeL4Checksum(ip, IpProtocol.Icmpv6, this.buf, this.off, this.len);
  }
  verifyChecksum(ip: Ipv6View): boolean {
    return verifyL4Checksum(ip, IpProtocol.Icmpv6, this.buf, this.off, this.len);
  }
  fillChecksum(ip: Ipv6View): void {
    fillL4Checksum(ip, IpProtocol.Icmpv6, this.buf, this.off, this.len);
  }
}
