import { readU16 } from "./bytes.js";
import {
  checksumIsValid,
  checksumReplace16,
  checksumReplace32,
  checksumReplaceIpv6Address,
  checksumSkippingField,
  foldChecksum,
  ipv6PseudoHeaderSum,
  udpChecksumOnWire,
} from "./checksum.js";
import type { Ipv4View } from "./ipv4.js";
import type { Ipv6View } from "./ipv6.js";
import { IpProtocol } from "./protocols.js";

/** Either IP view; `ipVersion` tells them apart. */
export type IpView = Ipv4View | Ipv6View;

/**
 * Offset of the checksum field inside the transport header for the protocols whose checksum
 * covers the whole message (TCP, UDP, ICMP, ICMPv6); -1 for any other protocol.
 */
export function l4ChecksumFieldOffset(protocol: number): number {
  switch (protocol) {
    case IpProtocol.Tcp:
      return 16;
    case IpProtocol.Udp:
      return 6;
    case IpProtocol.Icmp:
    case IpProtocol.Icmpv6:
      return 2;
    default:
      return -1;
  }
}

/**
 * Folded pseudo-header sum for a transport message of `length` bytes carried by `ip`. ICMPv4
 * has no pseudo header (0). For IPv6 the header's destination is used; a routing header's
 * final destination (RFC 8200 §8.1) is not looked up.
 */
export function l4PseudoHeaderSum(ip: IpView, protocol: number, length: number): number {
  if (protocol === IpProtocol.Icmp) return 0;
  if (ip.ipVersion === 4) {
    // ipv4PseudoHeaderSum(ip.source, ip.destination, …) from the address halves as stored:
    // a 32-bit address above 2^31 would be a heap number on its way there, once per packet.
    const b = ip.buffer;
    const o = ip.offset;
    return foldChecksum(
      readU16(b, o + 12) +
        readU16(b, o + 14) +
        readU16(b, o + 16) +
        readU16(b, o + 18) +
        protocol +
        length,
    );
  }
  return ipv6PseudoHeaderSum(ip.buffer, ip.sourceOffset, ip.destinationOffset, protocol, length);
}

/**
 * The checksum the transport message `buf[off, off+len)` should carry (its checksum field
 * counted as zero), with UDP's 0 -> 0xFFFF mapping applied; -1 for an unsupported protocol.
 */
export function computeL4Checksum(
  ip: IpView,
  protocol: number,
  buf: Uint8Array,
  off: number,
  len: number,
): number {
  const field = l4ChecksumFieldOffset(protocol);
  if (field < 0 || len < field + 2) return -1;
  const checksum = checksumSkippingField(
    buf,
    off,
    len,
    field,
    l4PseudoHeaderSum(ip, protocol, len),
  );
  return protocol === IpProtocol.Udp ? udpChecksumOnWire(checksum) : checksum;
}

/**
 * Whether the transport message carries a correct checksum. UDP over IPv4 with checksum 0
 * has none and passes; over IPv6 a zero UDP checksum is invalid (RFC 8200 §8.1).
 */
export function verifyL4Checksum(
  ip: IpView,
  protocol: number,
  buf: Uint8Array,
  off: number,
  len: number,
): boolean {
  const field = l4ChecksumFieldOffset(protocol);
  if (field < 0 || len < field + 2) return false;
  const stored = (buf[off + field] << 8) | buf[off + field + 1];
  if (protocol === IpProtocol.Udp && stored === 0) return ip.ipVersion === 4;
  return checksumIsValid(buf, off, len, l4PseudoHeaderSum(ip, protocol, len));
}

/** Computes and stores the transport checksum; returns false for an unsupported protocol. */
export function fillL4Checksum(
  ip: IpView,
  protocol: number,
  buf: Uint8Array,
  off: number,
  len: number,
): boolean {
  const checksum = computeL4Checksum(ip, protocol, buf, off, len);
  if (checksum < 0) return false;
  const field = off + l4ChecksumFieldOffset(protocol);
  buf[field] = checksum >>> 8;
  buf[field + 1] = checksum;
  return true;
}

/**
 * Applies UDP's rules around an incremental update, as Linux's udp_manip_pkt does: a zero
 * checksum means "none" and stays zero, and a result of 0 goes on the wire as 0xFFFF.
 */
function finishIncremental(protocol: number, before: number, after: number): number {
  if (protocol !== IpProtocol.Udp) return after;
  return before === 0 ? 0 : udpChecksumOnWire(after);
}

/** Transport checksum after a 16-bit field it covers (a port, an ICMP id) changed. */
export function l4ChecksumReplace16(
  protocol: number,
  checksum: number,
  from: number,
  to: number,
): number {
  return finishIncremental(protocol, checksum, checksumReplace16(checksum, from, to));
}

/** Transport checksum after a 32-bit field it covers (TCP seq/ack, SACK edge) changed. */
export function l4ChecksumReplace32(
  protocol: number,
  checksum: number,
  from: number,
  to: number,
): number {
  return finishIncremental(protocol, checksum, checksumReplace32(checksum, from, to));
}

/**
 * Transport checksum after an IPv4 address in its pseudo header changed (NAT rewrote the IP
 * header). ICMPv4 has no pseudo header, so its checksum is returned unchanged.
 */
export function l4ChecksumReplaceAddressV4(
  protocol: number,
  checksum: number,
  from: number,
  to: number,
): number {
  if (protocol === IpProtocol.Icmp) return checksum;
  return finishIncremental(protocol, checksum, checksumReplace32(checksum, from, to));
}

/** Transport checksum after an IPv6 address in its pseudo header changed. */
export function l4ChecksumReplaceAddressV6(
  protocol: number,
  checksum: number,
  from: Uint8Array,
  fromOff: number,
  to: Uint8Array,
  toOff: number,
): number {
  return finishIncremental(
    protocol,
    checksum,
    checksumReplaceIpv6Address(checksum, from, fromOff, to, toOff),
  );
}
