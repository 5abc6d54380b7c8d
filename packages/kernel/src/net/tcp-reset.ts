/**
 * TCP resets the router sends: the local stack's answer to a segment for a
 * port nobody listens on (tcp_v4_send_reset / tcp_v6_send_reset), and
 * REJECT --reject-with tcp-reset (nf_send_reset / nf_send_reset6).
 *
 * Both answer with a bare 20-byte RST: to a segment carrying ACK with
 * seq = its ack; otherwise RST|ACK acknowledging seq + SYN + FIN + data.
 * They differ in the IP header: the local stack reflects the TOS/traffic
 * class without ECN bits (IPv6: automatic flow label), REJECT writes TOS 0
 * and flow label 0 and sends from the address the segment was sent to
 * even when it was only passing through. IPv4 resets carry DF and ID 0.
 */
import { readU16, readU32, writeU16, writeU32 } from "@ctkit/packet";
import { fillL4Checksum, IP_DF, l4ChecksumOk, writeIpv4Header, writeIpv6Header } from "./build.js";
import { autoFlowLabel } from "./ident.js";
import { isMulticastV6, isUnspecifiedV6 } from "./prefix.js";
import { RouteType } from "./route.js";
import { RtKind } from "./route-state.js";
import type { Skb } from "./skb.js";
import type { NetStack } from "./stack.js";

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;

/** Writes the RST answering the segment at buf[l4, l4+tcpLen) to out[at, at+20) (checksum 0). */
function writeRst(out: Uint8Array, at: number, buf: Uint8Array, l4: number, tcpLen: number): void {
  const flags = buf[l4 + 13] as number;
  const doff = ((buf[l4 + 12] as number) >>> 4) * 4;
  writeU16(out, at, readU16(buf, l4 + 2));
  writeU16(out, at + 2, readU16(buf, l4));
  if (flags & TH_ACK) {
    writeU32(out, at + 4, readU32(buf, l4 + 8));
    writeU32(out, at + 8, 0);
    out[at + 13] = TH_RST;
  } else {
    const seq = readU32(buf, l4 + 4);
    const ack = seq + (flags & TH_SYN ? 1 : 0) + (flags & TH_FIN ? 1 : 0) + tcpLen - doff;
    writeU32(out, at + 4, 0);
    writeU32(out, at + 8, ack >>> 0);
    out[at + 13] = TH_RST | TH_ACK;
  }
  out[at + 12] = 0x50;
  writeU16(out, at + 14, 0);
  writeU16(out, at + 16, 0);
  writeU16(out, at + 18, 0);
}

/** tcp_v4_send_reset for the (checksum-verified) segment at buf[l4, l4+tcpLen). */
export function localReset4(s: NetStack, skb: Skb, l4: number, tcpLen: number): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  if (s.generating || ((buf[l4 + 13] as number) & TH_RST) !== 0) return;
  if (s.rxRoute.kind !== RtKind.LOCAL) return;
  const origSrc = readU32(buf, off + 12);
  const r = s.fib.lookup4(origSrc);
  if (r === null || r.type !== RouteType.UNICAST) return;
  const out = s.txBuf;
  writeRst(out, 20, buf, l4, tcpLen);
  writeIpv4Header(
    out,
    0,
    (buf[off + 1] as number) & ~3,
    40,
    0,
    IP_DF,
    s.sys.ipDefaultTtl,
    6,
    readU32(buf, off + 16),
    origSrc,
  );
  fillL4Checksum(out, 0, 4, 6, 20, 20, 16);
  s.output4(40, r.oif, skb.time, null);
}

/** tcp_v6_send_reset for the (checksum-verified) segment at buf[l4, l4+tcpLen). */
export function localReset6(s: NetStack, skb: Skb, l4: number, tcpLen: number): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  if (s.generating || ((buf[l4 + 13] as number) & TH_RST) !== 0) return;
  // Only to one of our unicast addresses (ipv6_unicast_destination): not to anycast.
  if (s.rxRoute.kind !== RtKind.LOCAL || s.rxRoute.anycast) return;
  const r = s.fib.lookup6(buf, off + 8);
  if (r === null || r.type !== RouteType.UNICAST) return;
  const out = s.txBuf;
  const tclass = ((((buf[off] as number) & 0x0f) << 4) | ((buf[off + 1] as number) >>> 4)) & ~3;
  writeIpv6Header(out, 0, tclass, 0, 20, 6, s.hopLimit6(r.oif), buf, off + 24, buf, off + 8);
  writeU32(out, 0, ((6 << 28) | (tclass << 20) | autoFlowLabel(out, 8, 24, 6)) >>> 0);
  writeRst(out, 40, buf, l4, tcpLen);
  fillL4Checksum(out, 0, 6, 6, 40, 20, 16);
  s.output6(60, r.oif, skb.time, null);
}

/** nf_send_reset (IPv4 REJECT --reject-with tcp-reset). */
export function rejectReset4(s: NetStack, skb: Skb): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  if (s.generating) return;
  if ((readU16(buf, off + 6) & 0x1fff) !== 0 || buf[off + 9] !== 6) return;
  const ihl = ((buf[off] as number) & 0x0f) * 4;
  const l4 = off + ihl;
  const tcpLen = readU16(buf, off + 2) - ihl;
  if (tcpLen < 20 || ((buf[l4 + 13] as number) & TH_RST) !== 0) return;
  if (!l4ChecksumOk(buf, off, 4, 6, l4, tcpLen)) return;
  if (s.routeStateOf(skb).kind === RtKind.BROADCAST) return;
  const origSrc = readU32(buf, off + 12);
  const r = s.fib.lookup4(origSrc);
  if (r === null || r.type !== RouteType.UNICAST) return;
  const out = s.txBuf;
  writeIpv4Header(out, 0, 0, 40, 0, IP_DF, s.sys.ipDefaultTtl, 6, readU32(buf, off + 16), origSrc);
  writeRst(out, 20, buf, l4, tcpLen);
  fillL4Checksum(out, 0, 4, 6, 20, 20, 16);
  s.onRejectReset?.(skb);
  s.output4(40, r.oif, skb.time, skb);
}

/** nf_send_reset6 (IPv6 REJECT --reject-with tcp-reset). */
export function rejectReset6(s: NetStack, skb: Skb): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  if (s.generating || skb.dec.ipVersion !== 6) return;
  // Both addresses must be unicast (ipv6_addr_type & IPV6_ADDR_UNICAST).
  if (isUnspecifiedV6(buf, off + 8) || isMulticastV6(buf, off + 8)) return;
  if (isUnspecifiedV6(buf, off + 24) || isMulticastV6(buf, off + 24)) return;
  const ip = skb.dec.ipv6;
  if (ip.upperProtocol !== 6) return;
  const l4 = ip.upperOffset;
  const tcpLen = off + 40 + readU16(buf, off + 4) - l4;
  if (tcpLen < 20 || ((buf[l4 + 13] as number) & TH_RST) !== 0) return;
  if (!l4ChecksumOk(buf, off, 6, 6, l4, tcpLen)) return;
  const r = s.fib.lookup6(buf, off + 8);
  if (r === null || r.type !== RouteType.UNICAST) return;
  const out = s.txBuf;
  writeIpv6Header(out, 0, 0, 0, 20, 6, s.hopLimit6(r.oif), buf, off + 24, buf, off + 8);
  writeRst(out, 40, buf, l4, tcpLen);
  fillL4Checksum(out, 0, 6, 6, 40, 20, 16);
  s.onRejectReset?.(skb);
  s.output6(60, r.oif, skb.time, skb);
}
