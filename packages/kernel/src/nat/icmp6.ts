/**
 * ICMPv6 errors quoting a NATed connection
 * (nf_nat_icmpv6_reply_translation): the quoted packet is translated back
 * with the opposite manip, the ICMPv6 checksum recomputed over the whole
 * message with the pseudo header of the addresses the error still carries,
 * then the outer header is rewritten like any packet of the connection in
 * that direction (which updates that checksum for the new address).
 */
import { checksumIsValid, internetChecksum, ipv6PseudoHeaderSum, writeU16 } from "@ctkit/packet";
import { Ips } from "../conntrack/status.js";
import { invertTuple, Tuple } from "../conntrack/tuple.js";
import { manipPkt6 } from "./manip6.js";
import type { Manip } from "./range.js";

const NAT_MASK = Ips.SRC_NAT | Ips.DST_NAT;
const NAT_DONE_MASK = Ips.SRC_NAT_DONE | Ips.DST_NAT_DONE;
const NDISC_REDIRECT = 137;

const target = new Tuple();

/**
 * Translates the ICMPv6 error of the IPv6 packet at buf[l3, end) whose
 * ICMPv6 header is at `icmp` (after any extension headers). `other` is the
 * connection's tuple of the direction opposite to the error's (`dir`).
 * Returns false when the packet must be dropped.
 */
export function icmpv6ReplyTranslation(
  buf: Uint8Array,
  l3: number,
  icmp: number,
  end: number,
  status: number,
  dir: 0 | 1,
  other: Tuple,
  manip: Manip,
): boolean {
  // The ICMPv6 header and the quoted IPv6 header must be there (skb_ensure_writable).
  if (end < icmp + 8 + 40) return false;
  const len = end - icmp;
  if (!checksumIsValid(buf, icmp, len, ipv6PseudoHeaderSum(buf, l3 + 8, l3 + 24, 58, len))) {
    return false;
  }
  if (buf[icmp] === NDISC_REDIRECT) {
    // Redirects about NATed connections are not translated: dropped.
    if ((status & NAT_DONE_MASK) !== NAT_DONE_MASK) return false;
    if (status & NAT_MASK) return false;
  }
  let statusbit: number = manip === 0 ? Ips.SRC_NAT : Ips.DST_NAT;
  if (dir === 1) statusbit ^= NAT_MASK;
  if ((status & statusbit) === 0) return true;
  if (!manipPkt6(buf, icmp + 8, end, other, (manip ^ 1) as Manip)) return false;
  writeU16(buf, icmp + 2, 0);
  writeU16(
    buf,
    icmp + 2,
    internetChecksum(buf, icmp, len, ipv6PseudoHeaderSum(buf, l3 + 8, l3 + 24, 58, len)),
  );
  // Only the addresses of the inverted tuple matter for an error's outer
  // header (an ICMPv6 target maps no id on error types), so, as the kernel,
  // an ICMPv6 type without an answer does not stop the rewrite.
  invertTuple(other, target);
  target.proto = 58;
  return manipPkt6(buf, l3, end, target, manip);
}
