/**
 * ICMP errors quoting a NATed connection (nf_nat_icmp_reply_translation):
 * the quoted packet is translated back with the opposite manip, the ICMP
 * checksum recomputed over the whole message, then the outer header is
 * rewritten like any packet of the connection in that direction.
 */
import { checksumIsValid, internetChecksum, writeU16 } from "@ctkit/packet";
import { Ips } from "../conntrack/status.js";
import { invertTuple, Tuple } from "../conntrack/tuple.js";
import { manipPkt4 } from "./manip.js";
import type { Manip } from "./range.js";

const NAT_MASK = Ips.SRC_NAT | Ips.DST_NAT;
const NAT_DONE_MASK = Ips.SRC_NAT_DONE | Ips.DST_NAT_DONE;

const target = new Tuple();

/**
 * Translates the IPv4 ICMP error at buf[l3, l3+len). `other` is the
 * connection's tuple of the direction opposite to the error's (`dir`).
 * Returns false when the packet must be dropped.
 */
export function icmpReplyTranslation4(
  buf: Uint8Array,
  l3: number,
  len: number,
  status: number,
  dir: 0 | 1,
  other: Tuple,
  manip: Manip,
): boolean {
  const hdrlen = ((buf[l3] as number) & 0x0f) * 4;
  const icmp = l3 + hdrlen;
  const end = l3 + len;
  // The ICMP header and the quoted IP header must be there (skb_ensure_writable).
  if (end < icmp + 8 + 20) return false;
  if (!checksumIsValid(buf, icmp, end - icmp)) return false;
  if (buf[icmp] === 5) {
    // Redirects about NATed connections are not translated: dropped.
    if ((status & NAT_DONE_MASK) !== NAT_DONE_MASK) return false;
    if (status & NAT_MASK) return false;
  }
  let statusbit: number = manip === 0 ? Ips.SRC_NAT : Ips.DST_NAT;
  if (dir === 1) statusbit ^= NAT_MASK;
  if ((status & statusbit) === 0) return true;
  manipPkt4(buf, icmp + 8, end, other, (manip ^ 1) as Manip);
  writeU16(buf, icmp + 2, 0);
  writeU16(buf, icmp + 2, internetChecksum(buf, icmp, end - icmp));
  if (!invertTuple(other, target)) return false;
  target.proto = 1;
  manipPkt4(buf, l3, end, target, manip);
  return true;
}
