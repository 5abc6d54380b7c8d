import { EMPTY_BUFFER, rangeInside, readU16, writeU16 } from "./bytes.js";
import { ParseError } from "./errors.js";
import { EtherType } from "./protocols.js";

/** Stacked tags beyond this are treated as garbage rather than walked without end. */
export const MAX_VLAN_TAGS = 8;

const MAC_LENGTH = 6;
const BASE_HEADER_LENGTH = 14;
const TAG_LENGTH = 4;

/** TPIDs that announce an 802.1Q/802.1ad tag; 0x9100 is the pre-standard QinQ outer tag. */
export function isVlanTpid(etherType: number): boolean {
  return (
    etherType === EtherType.Vlan ||
    etherType === EtherType.QinQ ||
    etherType === EtherType.QinQLegacy
  );
}

/**
 * Ethernet II frame with any number (up to MAX_VLAN_TAGS) of stacked VLAN tags. Tag 0 is the
 * outermost. The frame check sequence is not part of the view (captures rarely include it).
 */
export class EthernetView {
  private buf: Uint8Array = EMPTY_BUFFER;
  private off = 0;
  private len = 0;
  private tags = 0;

  /** Points the view at a frame; returns ParseError.Ok or why the frame is unusable. */
  attach(buffer: Uint8Array, offset: number, length: number): ParseError {
    this.buf = buffer;
    this.off = offset;
    this.len = length;
    this.tags = 0;
    if (length < BASE_HEADER_LENGTH || !rangeInside(buffer, offset, length)) {
      return ParseError.Truncated;
    }
    let typeOffset = offset + 12;
    while (isVlanTpid(readU16(buffer, typeOffset))) {
      if (this.tags === MAX_VLAN_TAGS) return ParseError.TooManyVlanTags;
      this.tags++;
      typeOffset += TAG_LENGTH;
      if (typeOffset + 2 > offset + length) return ParseError.Truncated;
    }
    return ParseError.Ok;
  }

  get buffer(): Uint8Array {
    return this.buf;
  }
  get offset(): number {
    return this.off;
  }
  /** Bytes of the whole frame as attached (header + payload, including any padding). */
  get length(): number {
    return this.len;
  }
  /** Absolute offset of the destination MAC address in `buffer`. */
  get destinationOffset(): number {
    return this.off;
  }
  /** Absolute offset of the source MAC address in `buffer`. */
  get sourceOffset(): number {
    return this.off + MAC_LENGTH;
  }
  /** The EtherType right after the source MAC: a TPID when the frame is tagged. */
  get outerEtherType(): number {
    return readU16(this.buf, this.off + 12);
  }
  /** The EtherType after all VLAN tags: what the payload is. */
  get etherType(): number {
    return readU16(this.buf, this.off + 12 + this.tags * TAG_LENGTH);
  }
  get vlanCount(): number {
    return this.tags;
  }
  /** TPID of tag `index` (0 = outermost). */
  vlanTpid(index: number): number {
    return readU16(this.buf, this.off + 12 + index * TAG_LENGTH);
  }
  /** Tag control information (PCP, DEI, VLAN ID) of tag `index`. */
  vlanTci(index: number): number {
    return readU16(this.buf, this.off + 14 + index * TAG_LENGTH);
  }
  vlanId(index: number): number {
    return this.vlanTci(index) & 0x0fff;
  }
  vlanPriority(index: number): number {
    return this.vlanTci(index) >>> 13;
  }
  vlanDropEligible(index: number): boolean {
    return (this.vlanTci(index) & 0x1000) !== 0;
  }
  get headerLength(): number {
    return BASE_HEADER_LENGTH + this.tags * TAG_LENGTH;
  }
  get payloadOffset(): number {
    return this.off + this.headerLength;
  }
  get payloadLength(): number {
    return this.len - this.headerLength;
  }

  /** Copies a 6-byte MAC from `mac[macOff..)` into the destination field. */
  setDestination(mac: Uint8Array, macOff = 0): void {
    for (let i = 0; i < MAC_LENGTH; i++) this.buf[this.off + i] = mac[macOff + i];
  }
  setSource(mac: Uint8Array, macOff = 0): void {
    for (let i = 0; i < MAC_LENGTH; i++) this.buf[this.off + MAC_LENGTH + i] = mac[macOff + i];
  }
  /** Writes the inner (payload) EtherType. */
  setEtherType(value: number): void {
    writeU16(this.buf, this.off + 12 + this.tags * TAG_LENGTH, value);
  }
  setVlanTci(index: number, value: number): void {
    writeU16(this.buf, this.off + 14 + index * TAG_LENGTH, value);
  }
}
