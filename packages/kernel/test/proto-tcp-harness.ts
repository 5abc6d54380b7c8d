/**
 * Test support for the TCP tracker: a packet builder and a minimal
 * conntrack core around tcpPacket() that does what nf_conntrack_in does
 * with its verdicts (lookup by tuple, create/confirm, SEEN_REPLY, ASSURED,
 * timers, kill, re-lookup on Repeat). Only what the TCP tests need.
 */
import { TcpView } from "@ctkit/packet";
import {
  defaultTcpSysctls,
  IpsStatus,
  TCP_LOG_PREFIX,
  TcpPacketContext,
  TcpResult,
  TcpStateStore,
  type TcpSysctls,
  TcpVerdict,
  tcpPacket,
  tcpStateName,
} from "../src/conntrack/proto-tcp.js";

// ------------------------------------------------------------------ packets

const FLAG_BITS: Record<string, number> = {
  F: 0x01,
  S: 0x02,
  R: 0x04,
  P: 0x08,
  A: 0x10,
  U: 0x20,
  E: 0x40,
  C: 0x80,
};

export type TcpOpt =
  | ["mss", number]
  | ["ws", number]
  | ["sackok"]
  | ["sack", [number, number][]]
  | ["ts", number, number]
  | ["nop"]
  | ["raw", number[]];

export interface SegmentSpec {
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  flags: string;
  seq: number;
  ack?: number;
  win?: number;
  opts?: TcpOpt[];
  /** Payload bytes. */
  len?: number;
  /** Override the data offset (words). */
  doff?: number;
}

function ip4(a: string): number[] {
  return a.split(".").map(Number);
}

function sum16(bytes: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += (bytes[off + i] << 8) | bytes[off + i + 1];
  if (len & 1) s += bytes[off + len - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

export function encodeOptions(opts: TcpOpt[]): number[] {
  const out: number[] = [];
  const u32 = (v: number) => out.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  for (const o of opts) {
    switch (o[0]) {
      case "mss":
        out.push(2, 4, o[1] >>> 8, o[1] & 255);
        break;
      case "ws":
        out.push(3, 3, o[1]);
        break;
      case "sackok":
        out.push(4, 2);
        break;
      case "sack":
        out.push(5, 2 + 8 * o[1].length);
        for (const [l, r] of o[1]) {
          u32(l >>> 0);
          u32(r >>> 0);
        }
        break;
      case "ts":
        out.push(8, 10);
        u32(o[1]);
        u32(o[2]);
        break;
      case "nop":
        out.push(1);
        break;
      case "raw":
        out.push(...o[1]);
        break;
    }
  }
  while (out.length % 4) out.push(0);
  return out;
}

/** An IPv4 packet carrying the described TCP segment (checksums filled). */
export function buildSegment(s: SegmentSpec): Uint8Array {
  const opts = encodeOptions(s.opts ?? []);
  const payload = s.len ?? 0;
  const tcpLen = 20 + opts.length + payload;
  const pkt = new Uint8Array(20 + tcpLen);
  const src = ip4(s.src ?? "10.1.0.2");
  const dst = ip4(s.dst ?? "10.2.0.2");
  pkt.set([0x45, 0, (20 + tcpLen) >>> 8, (20 + tcpLen) & 255, 0, 1, 0x40, 0, 64, 6, 0, 0]);
  pkt.set(src, 12);
  pkt.set(dst, 16);
  const ipSum = ~sum16(pkt, 0, 20) & 0xffff;
  pkt[10] = ipSum >>> 8;
  pkt[11] = ipSum & 255;
  const t = 20;
  const sport = s.sport ?? 40000;
  const dport = s.dport ?? 80;
  let flags = 0;
  for (const ch of s.flags) flags |= FLAG_BITS[ch];
  const doff = s.doff ?? (20 + opts.length) / 4;
  const dv = new DataView(pkt.buffer);
  dv.setUint16(t, sport);
  dv.setUint16(t + 2, dport);
  dv.setUint32(t + 4, s.seq >>> 0);
  dv.setUint32(t + 8, (s.ack ?? 0) >>> 0);
  pkt[t + 12] = doff << 4;
  pkt[t + 13] = flags;
  dv.setUint16(t + 14, s.win ?? 64240);
  pkt.set(opts, t + 20);
  pkt.fill(0x78, t + 20 + opts.length);
  let ph = 0;
  for (let i = 0; i < 4; i += 2) {
    ph += (src[i] << 8) | src[i + 1];
    ph += (dst[i] << 8) | dst[i + 1];
  }
  ph += 6 + tcpLen;
  const c = ~sum16(pkt, t, tcpLen, ph) & 0xffff;
  dv.setUint16(t + 16, c);
  return pkt;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Attaches a TcpView to the TCP part of an IPv4 packet (as the IP layer delimits it). */
export function tcpOf(pkt: Uint8Array, view = new TcpView()): TcpView {
  const ihl = (pkt[0] & 15) * 4;
  const total = (pkt[2] << 8) | pkt[3];
  view.attach(pkt, ihl, total - ihl);
  return view;
}

function addrOf(pkt: Uint8Array, off: number): string {
  return `${pkt[off]}.${pkt[off + 1]}.${pkt[off + 2]}.${pkt[off + 3]}`;
}

// ------------------------------------------------------------- mini core

export interface CtEntry {
  slot: number;
  /** Original tuple: src, dst, sport, dport. */
  orig: [string, string, number, number];
  status: number;
  /** Absolute expiry (seconds on the harness clock). */
  expiry: number;
}

export interface StepOutcome {
  ctstate: "NEW" | "ESTABLISHED" | "INVALID";
  verdict: number;
  /** Log lines as Linux prints their prefix + message (nf_conntrack_log_invalid=6). */
  logs: string[];
  result: TcpResult;
  entry: CtEntry | null;
  dir: 0 | 1;
}

export interface EntryView {
  orig: [string, string, number, number];
  state: string;
  /** Seconds left, unrounded. */
  remaining: number;
  assured: boolean;
  unreplied: boolean;
}

export class MiniConntrack {
  readonly store = new TcpStateStore(64);
  readonly sysctls: TcpSysctls;
  readonly entries = new Map<string, CtEntry>();
  private readonly byTuple = new Map<string, { e: CtEntry; dir: 0 | 1 }>();
  private readonly ctx = new TcpPacketContext();
  private readonly res = new TcpResult();
  private readonly view = new TcpView();
  private nextSlot = 0;
  /** HZ used to render the lowered-timeout log line. */
  hz = 250;

  constructor(sysctls: Partial<TcpSysctls> = {}) {
    this.sysctls = { ...defaultTcpSysctls(), ...sysctls };
  }

  private static key(src: string, dst: string, sport: number, dport: number): string {
    return `${src}:${sport}>${dst}:${dport}`;
  }

  private remove(e: CtEntry): void {
    const [s, d, sp, dp] = e.orig;
    this.entries.delete(MiniConntrack.key(s, d, sp, dp));
    this.byTuple.delete(MiniConntrack.key(s, d, sp, dp));
    this.byTuple.delete(MiniConntrack.key(d, s, dp, sp));
  }

  private insert(e: CtEntry): void {
    const [s, d, sp, dp] = e.orig;
    this.entries.set(MiniConntrack.key(s, d, sp, dp), e);
    this.byTuple.set(MiniConntrack.key(s, d, sp, dp), { e, dir: 0 });
    this.byTuple.set(MiniConntrack.key(d, s, dp, sp), { e, dir: 1 });
  }

  /**
   * Runs one IPv4/TCP packet through conntrack at time `now` (seconds);
   * `seqOffset` stands in for NAT seqadj of the other direction.
   */
  packet(pkt: Uint8Array, now: number, seqOffset = 0): StepOutcome {
    for (const e of [...this.entries.values()]) if (e.expiry <= now) this.remove(e);
    const tcp = tcpOf(pkt, this.view);
    const src = addrOf(pkt, 12);
    const dst = addrOf(pkt, 16);
    const sport = (pkt[20] << 8) | pkt[21];
    const dport = (pkt[22] << 8) | pkt[23];
    const logs: string[] = [];
    for (let round = 0; round < 3; round++) {
      const found = this.byTuple.get(MiniConntrack.key(src, dst, sport, dport));
      let e: CtEntry;
      let dir: 0 | 1;
      let confirmed = true;
      if (found) {
        e = found.e;
        dir = found.dir;
      } else {
        e = { slot: this.nextSlot++, orig: [src, dst, sport, dport], status: 0, expiry: 0 };
        this.store.ensureCapacity(this.nextSlot);
        dir = 0;
        confirmed = false;
      }
      const ctstate: StepOutcome["ctstate"] =
        !confirmed || (dir === 0 && !(e.status & IpsStatus.SeenReply)) ? "NEW" : "ESTABLISHED";
      const ctx = this.ctx;
      ctx.status = e.status;
      ctx.expiresIn = confirmed ? e.expiry - now : 0;
      ctx.seqOffset = seqOffset;
      ctx.badChecksum = false;
      const res = this.res;
      const verdict = tcpPacket(this.store, e.slot, dir, tcp, ctx, this.sysctls, res);
      if (res.reason) logs.push(`${TCP_LOG_PREFIX}${res.message()} `);
      if (res.lowerTimeout >= 0) {
        logs.push(`${TCP_LOG_PREFIX}${res.lowerTimeoutMessage(dir, this.hz)} `);
        e.expiry = now + res.lowerTimeout;
      }
      if (verdict === TcpVerdict.Repeat) {
        this.remove(e);
        continue;
      }
      if (verdict <= 0) {
        return { ctstate: "INVALID", verdict, logs, result: res, entry: confirmed ? e : null, dir };
      }
      if (res.kill) {
        if (confirmed) this.remove(e);
        return { ctstate, verdict, logs, result: res, entry: null, dir };
      }
      if (res.timeout >= 0 && !(e.status & IpsStatus.FixedTimeout)) e.expiry = now + res.timeout;
      if (res.setAssured) e.status |= IpsStatus.Assured;
      if (dir === 1) e.status |= IpsStatus.SeenReply;
      if (!confirmed) {
        e.status |= IpsStatus.Confirmed;
        this.insert(e);
      }
      return { ctstate, verdict, logs, result: res, entry: e, dir };
    }
    throw new Error("re-lookup loop");
  }

  /** What /proc/net/nf_conntrack would show at `now` (timeouts unrounded). */
  list(now: number): EntryView[] {
    const out: EntryView[] = [];
    for (const e of this.entries.values()) {
      if (e.expiry <= now) continue;
      out.push({
        orig: e.orig,
        state: tcpStateName(this.store.state(e.slot)),
        remaining: e.expiry - now,
        assured: (e.status & IpsStatus.Assured) !== 0,
        unreplied: !(e.status & IpsStatus.SeenReply),
      });
    }
    return out;
  }

  /** The entry for a tuple in either direction. */
  lookup(src: string, dst: string, sport: number, dport: number): CtEntry | undefined {
    return this.byTuple.get(MiniConntrack.key(src, dst, sport, dport))?.e;
  }
}
