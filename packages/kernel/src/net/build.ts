/**
 * Writers for the headers of packets the router originates, and the
 * transport checksum checks the local stack and REJECT make first (Linux
 * answers nothing to a segment whose checksum is wrong). All work on
 * caller-owned buffers; nothing allocates.
 */
import {
  checksumIsValid,
  internetChecksum,
  ipv4HeaderChecksum,
  ipv4PseudoHeaderSum,
  ipv6PseudoHeaderSum,
  readU32,
  writeU16,
  writeU32,
} from "@ctkit/packet";

export const IP_DF = 0x4000;

/** A 20-byte IPv4 header (no options) with its checksum. */
export function writeIpv4Header(
  buf: Uint8Array,
  off: number,
  tos: number,
  totalLength: number,
  id: number,
  fragField: number,
  ttl: number,
  protocol: number,
  src: number,
  dst: number,
): void {
  buf[off] = 0x45;
  buf[off + 1] = tos;
  writeU16(buf, off + 2, totalLength);
  writeU16(buf, off + 4, id);
  writeU16(buf, off + 6, fragField);
  buf[off + 8] = ttl;
  buf[off + 9] = protocol;
  writeU16(buf, off + 10, 0);
  writeU32(buf, off + 12, src);
  writeU32(buf, off + 16, dst);
  writeU16(buf, off + 10, ipv4HeaderChecksum(buf, off, 20));
}

/** A 40-byte IPv6 header; the addresses are copied from (buffer, offset) pairs. */
export function writeIpv6Header(
  buf: Uint8Array,
  off: number,
  trafficClass: number,
  flowLabel: number,
  payloadLength: number,
  nextHeader: number,
  hopLimit: number,
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
): void {
  writeU32(buf, off, ((6 << 28) | (trafficClass << 20) | flowLabel) >>> 0);
  writeU16(buf, off + 4, payloadLength);
  buf[off + 6] = nextHeader;
  buf[off + 7] = hopLimit;
  // Copy through a check so that src/dst may alias buf (distinct ranges only).
  for (let i = 0; i < 16; i++) buf[off + 8 + i] = src[srcOff + i] as number;
  for (let i = 0; i < 16; i++) buf[off + 24 + i] = dst[dstOff + i] as number;
}

/** Stores the ICMPv4 checksum of the message at [off, off+len) (field at off+2 zeroed first). */
export function fillIcmp4Checksum(buf: Uint8Array, off: number, len: number): void {
  writeU16(buf, off + 2, 0);
  writeU16(buf, off + 2, internetChecksum(buf, off, len));
}

/**
 * Stores a TCP/UDP/ICMPv6 checksum (field at `field` bytes into the message)
 * using the pseudo header of the IP header at l3.
 */
export function fillL4Checksum(
  buf: Uint8Array,
  l3: number,
  family: 4 | 6,
  protocol: number,
  off: number,
  len: number,
  field: number,
): void {
  writeU16(buf, off + field, 0);
  const pseudo =
    family === 4
      ? ipv4PseudoHeaderSum(readU32(buf, l3 + 12), readU32(buf, l3 + 16), protocol, len)
      : ipv6PseudoHeaderSum(buf, l3 + 8, l3 + 24, protocol, len);
  let c = internetChecksum(buf, off, len, pseudo);
  if (protocol === 17 && c === 0) c = 0xffff;
  writeU16(buf, off + field, c);
}

/** Whether a transport message carries a correct checksum (TCP, UDP with one, ICMPv6). */
export function l4ChecksumOk(
  buf: Uint8Array,
  l3: number,
  family: 4 | 6,
  protocol: number,
  off: number,
  len: number,
): boolean {
  const pseudo =
    family === 4
      ? ipv4PseudoHeaderSum(readU32(buf, l3 + 12), readU32(buf, l3 + 16), protocol, len)
      : ipv6PseudoHeaderSum(buf, l3 + 8, l3 + 24, protocol, len);
  return checksumIsValid(buf, off, len, pseudo);
}

/**
 * nf_reject_verify_csum: whether REJECT must check the transport checksum
 * first. Protocols without a full ones'-complement checksum are not
 * checked, nor UDP that carries none.
 */
export function rejectVerifiesChecksum(buf: Uint8Array, l4: number, end: number, protocol: number) {
  switch (protocol) {
    case 17:
      return l4 + 8 > end || buf[l4 + 6] !== 0 || buf[l4 + 7] !== 0;
    case 47:
    case 51:
    case 50:
    case 132:
    case 136:
    case 33:
      return false;
    default:
      return true;
  }
}
