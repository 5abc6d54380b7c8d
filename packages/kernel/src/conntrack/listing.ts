/**
 * `conntrack -L` text, in conntrack-tools' default format
 * (libnetfilter_conntrack's snprintf_default): protocol, timeout, state,
 * both tuples with counters, flags, mark, helper, use.
 */
import { formatIpv4, formatIpv6 } from "@ctkit/packet";
import type { Conntrack } from "./core.js";
import type { Expectation } from "./expect.js";
import { Ips } from "./status.js";
import { Tuple } from "./tuple.js";

const PROTO_NAMES: Record<number, string> = {
  1: "icmp",
  6: "tcp",
  17: "udp",
  33: "dccp",
  47: "gre",
  58: "icmpv6",
  132: "sctp",
  136: "udplite",
};

export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? "unknown";
}

function addrText(family: 4 | 6, words: Uint32Array): string {
  if (family === 4) return formatIpv4(words[0] as number);
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const w = words[i] as number;
    b[i * 4] = w >>> 24;
    b[i * 4 + 1] = (w >>> 16) & 0xff;
    b[i * 4 + 2] = (w >>> 8) & 0xff;
    b[i * 4 + 3] = w & 0xff;
  }
  return formatIpv6(b);
}

function tupleText(t: Tuple): string {
  let s = `src=${addrText(t.family, t.src)} dst=${addrText(t.family, t.dst)} `;
  if (t.proto === 6 || t.proto === 17 || t.proto === 132 || t.proto === 33 || t.proto === 136) {
    s += `sport=${t.sport} dport=${t.dport} `;
  } else if (t.proto === 1 || t.proto === 58) {
    s += `type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport} `;
  } else if (t.proto === 47) {
    s += `srckey=0x${t.sport.toString(16)} dstkey=0x${t.dport.toString(16)} `;
  }
  return s;
}

export interface ListOptions {
  now: number;
  /** Show per-direction counters (net.netfilter.nf_conntrack_acct). */
  acct: boolean;
  /** -o extended: prefix the layer-3 protocol. */
  extended?: boolean;
  /** Leave out the timeout (DESTROY events carry none). */
  noTimeout?: boolean;
  /** Live children per master slot (childCounts), so a full listing counts them once. */
  children?: ReadonlyMap<number, number>;
}

/**
 * Connections that are some master's expected children, per master slot.
 * Linux's `use=` is the entry's reference count: one for the table, one
 * per child (a child holds its master); expectations hold none.
 */
export function childCounts(ct: Conntrack): Map<number, number> {
  const t = ct.table;
  const out = new Map<number, number>();
  for (let s = 0; s < t.capacity; s++) {
    const m = t.master[s] as number;
    if (t.id[s] !== 0 && m >= 0 && t.id[m] !== 0) out.set(m, (out.get(m) ?? 0) + 1);
  }
  return out;
}

/** Which parts a line of one entry shows: a dump (-L) and an event (-E) carry different ones. */
interface EntryParts {
  extended: boolean;
  /** Seconds left, or -1 to leave the timeout out. */
  timeout: number;
  counters: boolean;
  mark: boolean;
  helper: boolean;
}

/** libnetfilter_conntrack's snprintf_default body, each part followed by a space. */
function entryText(ct: Conntrack, slot: number, p: EntryParts): string {
  const t = ct.table;
  const orig = new Tuple();
  const repl = new Tuple();
  t.getTuple(slot, 0, orig);
  t.getTuple(slot, 1, repl);
  const status = t.status[slot] as number;
  const proto = orig.proto;
  let s = p.extended ? `${orig.family === 4 ? "ipv4     2" : "ipv6     10"} ` : "";
  s += `${protoName(proto).padEnd(8)} ${proto} `;
  if (p.timeout >= 0) s += `${p.timeout} `;
  if (proto === 6) s += `${ct.tcpStateName(slot)} `;
  const counters = (dir: 0 | 1) =>
    p.counters
      ? `packets=${t.acct[slot * 4 + dir * 2]} bytes=${t.acct[slot * 4 + dir * 2 + 1]} `
      : "";
  s += tupleText(orig) + counters(0);
  if ((status & Ips.SEEN_REPLY) === 0) s += "[UNREPLIED] ";
  s += tupleText(repl) + counters(1);
  if (status & Ips.ASSURED) s += "[ASSURED] ";
  if (p.mark) s += `mark=${t.mark[slot]} `;
  const h = p.helper ? ct.helperOf(slot) : null;
  if (h) s += `helper=${h.spec.name} `;
  return s;
}

function secondsLeft(ct: Conntrack, slot: number, now: number): number {
  return Math.max(0, Math.floor((ct.table.expires[slot] as number) - now));
}

export function connLine(ct: Conntrack, slot: number, o: ListOptions): string {
  const s = entryText(ct, slot, {
    extended: o.extended === true,
    timeout: o.noTimeout ? -1 : secondsLeft(ct, slot, o.now),
    counters: o.acct,
    mark: true,
    helper: true,
  });
  const children = (o.children ?? childCounts(ct)).get(slot) ?? 0;
  return `${s}use=${1 + children}`;
}

/** `conntrack -L expect` line (libnetfilter_conntrack's expect snprintf). */
export function expectLine(ct: Conntrack, e: Expectation, now: number): string {
  const t = e.tuple;
  const fam = t.family;
  const mask = new Uint32Array(4);
  mask.set(e.maskSrc);
  const master = new Tuple();
  ct.table.getTuple(e.master, 0, master);
  const h = ct.helperOf(e.master);
  let s = `${Math.max(0, Math.floor(e.expires - now))} proto=${t.proto} `;
  // GRE tuples name their keys (hex), as for connections.
  const gre = t.proto === 47;
  const ports = (a: number, b: number) =>
    gre ? `srckey=0x${a.toString(16)} dstkey=0x${b.toString(16)}` : `sport=${a} dport=${b}`;
  s += `src=${addrText(fam, t.src)} dst=${addrText(fam, t.dst)} ${ports(t.sport, t.dport)} `;
  s += `mask-src=${addrText(fam, mask)} mask-dst=${fam === 4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"} ${ports(e.maskSport, 65535)} `;
  s += `master-src=${addrText(fam, master.src)} master-dst=${addrText(fam, master.dst)} sport=${master.sport} dport=${master.dport} `;
  s += `class=${e.cls}`;
  if (h) s += ` helper=${h.spec.name}`;
  return s;
}

export interface EventLineOptions {
  /** Kernel clock at the event, seconds. */
  now: number;
  /** net.netfilter.nf_conntrack_acct. */
  acct: boolean;
  /** -o extended: the layer 3 protocol first. */
  extended?: boolean;
  /** The message carries the mark even when it is 0 (ctnetlink's IPCT_MARK: entries made from userspace). */
  markEvent?: boolean;
}

/**
 * One `conntrack -E` line as Linux 6.x and conntrack-tools print it. An
 * event message (ctnetlink_conntrack_event) carries less than a dump:
 * - NEW/UPDATE: the timeout; no counters; the mark only when it is not 0
 *   (or the event is about the mark); the helper name.
 * - DESTROY: the timeout only while at least a second was left (flushed
 *   early, not expired); counters when accounting is on; no helper.
 * Never a use count. Verified against conntrack -E on Linux 6.18.
 */
export function eventLine(
  ct: Conntrack,
  type: "NEW" | "UPDATE" | "DESTROY",
  slot: number,
  o: EventLineOptions,
): string {
  const destroy = type === "DESTROY";
  const left = secondsLeft(ct, slot, o.now);
  const s = entryText(ct, slot, {
    extended: o.extended === true,
    timeout: !destroy || left > 0 ? left : -1,
    counters: destroy && o.acct,
    mark: o.markEvent === true || ct.table.mark[slot] !== 0,
    helper: !destroy,
  });
  return `${`[${type}]`.padStart(9)} ${s}`.trimEnd();
}
