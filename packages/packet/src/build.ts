/**
 * Builders for whole IPv4/IPv6 packets with correct lengths and checksums:
 * what tests, the benchmark generator and the helper kit use to make
 * traffic. Not for the hot path (each call allocates its packet).
 */
import { parseIpv4, parseIpv6 } from "./addr.js";
import { writeU16, writeU32 } from "./bytes.js";
import { ipv4HeaderChecksum } from "./checksum.js";
import { Ipv4View } from "./ipv4.js";
import { Ipv6View } from "./ipv6.js";
import { fillL4Checksum } from "./l4-checksum.js";

export interface IpParams {
  src: string;
  dst: string;
  ttl?: number;
  /** IPv4 identification (default 0). */
  id?: number;
  /** Set the IPv4 don't-fragment bit (default true, as Linux sends TCP/UDP). */
  df?: boolean;
  tos?: number;
}

export interface TcpParams extends IpParams {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  /** Flags byte, e.g. TcpFlag.SYN | TcpFlag.ACK (default ACK). */
  flags?: number;
  window?: number;
  /** Raw option bytes (padded to 4 by the builder). */
  options?: Uint8Array;
  payload?: Uint8Array | string;
}

export interface UdpParams extends IpParams {
  sport: number;
  dport: number;
  payload?: Uint8Array | string;
}

export interface IcmpParams extends IpParams {
  type: number;
  code?: number;
  /** Echo identifier and sequence (the "rest of header" words). */
  id16?: number;
  seq16?: number;
  payload?: Uint8Array | string;
}

function bytes(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === "string" ? new TextEncoder().encode(p) : p;
}

function isV6(a: string): boolean {
  return a.includes(":");
}

/** Wraps an L4 message in an IP header and fills both checksums. */
function ipWrap(p: IpParams, proto: number, l4: Uint8Array): Uint8Array {
  if (isV6(p.src)) {
    const pkt = new Uint8Array(40 + l4.length);
    pkt[0] = 0x60 | ((p.tos ?? 0) >>> 4);
    pkt[1] = ((p.tos ?? 0) & 0x0f) << 4;
    writeU16(pkt, 4, l4.length);
    pkt[6] = proto;
    pkt[7] = p.ttl ?? 64;
    const src = parseIpv6(p.src);
    const dst = parseIpv6(p.dst);
    if (!src || !dst) throw new Error(`bad IPv6 address in ${p.src} -> ${p.dst}`);
    pkt.set(src, 8);
    pkt.set(dst, 24);
    pkt.set(l4, 40);
    const ip = new Ipv6View();
    ip.attach(pkt, 0, pkt.length);
    fillL4Checksum(ip, proto, pkt, 40, l4.length);
    return pkt;
  }
  const pkt = new Uint8Array(20 + l4.length);
  pkt[0] = 0x45;
  pkt[1] = p.tos ?? 0;
  writeU16(pkt, 2, pkt.length);
  writeU16(pkt, 4, p.id ?? 0);
  writeU16(pkt, 6, (p.df ?? true) ? 0x4000 : 0);
  pkt[8] = p.ttl ?? 64;
  pkt[9] = proto;
  const src = parseIpv4(p.src);
  const dst = parseIpv4(p.dst);
  if (src === undefined || dst === undefined)
    throw new Error(`bad IPv4 address in ${p.src} -> ${p.dst}`);
  writeU32(pkt, 12, src);
  writeU32(pkt, 16, dst);
  writeU16(pkt, 10, ipv4HeaderChecksum(pkt, 0, 20));
  pkt.set(l4, 20);
  const ip = new Ipv4View();
  ip.attach(pkt, 0, pkt.length);
  fillL4Checksum(ip, proto, pkt, 20, l4.length);
  return pkt;
}

export function buildTcp(p: TcpParams): Uint8Array {
  const opts = p.options ?? new Uint8Array(0);
  const optLen = (opts.length + 3) & ~3;
  const payload = bytes(p.payload);
  const l4 = new Uint8Array(20 + optLen + payload.length);
  writeU16(l4, 0, p.sport);
  writeU16(l4, 2, p.dport);
  writeU32(l4, 4, p.seq ?? 0);
  writeU32(l4, 8, p.ack ?? 0);
  l4[12] = ((20 + optLen) / 4) << 4;
  l4[13] = p.flags ?? 0x10;
  writeU16(l4, 14, p.window ?? 64240);
  l4.set(opts, 20);
  l4.set(payload, 20 + optLen);
  return ipWrap(p, 6, l4);
}

export function buildUdp(p: UdpParams): Uint8Array {
  const payload = bytes(p.payload);
  const l4 = new Uint8Array(8 + payload.length);
  writeU16(l4, 0, p.sport);
  writeU16(l4, 2, p.dport);
  writeU16(l4, 4, l4.length);
  l4.set(payload, 8);
  return ipWrap(p, 17, l4);
}

export function buildIcmp(p: IcmpParams): Uint8Array {
  const payload = bytes(p.payload);
  const l4 = new Uint8Array(8 + payload.length);
  l4[0] = p.type;
  l4[1] = p.code ?? 0;
  writeU16(l4, 4, p.id16 ?? 0);
  writeU16(l4, 6, p.seq16 ?? 0);
  l4.set(payload, 8);
  return ipWrap(p, isV6(p.src) ? 58 : 1, l4);
}

export interface GreV1Params extends IpParams {
  /** The receiver's call ID (the key field's low half). */
  callId: number;
  /** Sequence number; present (S flag) unless null. */
  seq?: number | null;
  /** Acknowledgment number; present (A flag) when given. */
  ack?: number;
  /** GRE protocol; enhanced GRE carries PPP (0x880B). */
  protocol?: number;
  payload?: Uint8Array | string;
}

/** An enhanced GRE (version 1, RFC 2637) packet as PPTP sends it: K set, S/A as asked. */
export function buildGreV1(p: GreV1Params): Uint8Array {
  const payload = bytes(p.payload);
  const hasSeq = p.seq !== null && p.seq !== undefined;
  const hasAck = p.ack !== undefined;
  const l4 = new Uint8Array(8 + (hasSeq ? 4 : 0) + (hasAck ? 4 : 0) + payload.length);
  l4[0] = 0x20 | (hasSeq ? 0x10 : 0);
  l4[1] = 0x01 | (hasAck ? 0x80 : 0);
  writeU16(l4, 2, p.protocol ?? 0x880b);
  writeU16(l4, 4, payload.length);
  writeU16(l4, 6, p.callId);
  let o = 8;
  if (hasSeq) {
    writeU32(l4, o, p.seq as number);
    o += 4;
  }
  if (hasAck) {
    writeU32(l4, o, p.ack as number);
    o += 4;
  }
  l4.set(payload, o);
  return ipWrap(p, 47, l4);
}
