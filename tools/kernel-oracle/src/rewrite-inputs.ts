/**
 * Rewriting the recorded inputs of a NAT interface with the renaming learned
 * from the router's outputs, so that ctkit is fed the replies to the ports /
 * ICMP ids *it* chose rather than the ones the kernel chose.
 *
 * The rule. When a MASQUERADE/SNAT rule sends a flow out of an interface and
 * its source port (or ICMP echo id) clashes with an existing mapping, NAT may
 * pick any free value; Linux picks a random one, ctkit another. Compare learns
 * that choice as a one-to-one renaming (kernel value → ctkit value, per kind:
 * "udp port", "tcp port", "ICMP id", "ICMPv6 id") from the packets each router
 * sent on that interface. The far end never chooses these values, it only
 * echoes them: its replies carry the mapping's value as destination port
 * (echo replies: as ICMP id), and its ICMP errors quote the packet the router
 * sent, whose source port / echo id is the mapping's value. So rewriting
 * exactly those fields of the recorded inputs of the NAT interface replays the
 * same conversation as the far end would have had with ctkit: nothing the far
 * end decided (its own ports, echo request ids, payloads, timing) is touched.
 * The renaming is completed to a permutation of each identifier space (a
 * value ctkit chose whose kernel name is unknown takes the place of the
 * kernel's value it freed), so two recorded values never collapse into one.
 * Checksums covering a rewritten field are updated incrementally (RFC 1624),
 * so a checksum that was wrong in the recording stays wrong.
 *
 * Only NAT kinds are used, never the router's own IPv4 ids / IPv6 flow labels
 * (those are not echoed back by the peer as addressing).
 */
import { ICMP_ERRORS_4, ICMP_ERRORS_6, NAT_KIND_SET, NAT_KINDS } from "./dissect.js";
import type { Renamer } from "./rename.js";

/** kind → kernel value → ctkit value. */
export type NatRenaming = Map<string, Map<number, number>>;

/** The non-identity bindings of NAT-chosen kinds that compare learned. */
export function natRenaming(r: Renamer): NatRenaming {
  const out: NatRenaming = new Map();
  for (const [kind, k, c] of r.entries()) {
    if (!NAT_KIND_SET.has(kind) || k === c) continue;
    let m = out.get(kind);
    if (!m) {
      m = new Map();
      out.set(kind, m);
    }
    m.set(Number(k), Number(c));
  }
  return out;
}

/** "udp port 23219→10422, ICMP id 57507→39540" (sorted; "" for none). */
export function describeRenaming(m: NatRenaming): string {
  const parts: string[] = [];
  for (const [kind, t] of m) for (const [k, c] of t) parts.push(`${kind} ${k}→${c}`);
  return parts.sort().join(", ");
}

/**
 * Closes every chain of a one-to-one map into a cycle: a → b with b not
 * renamed itself gets b → a (longer chains likewise), so the result is a
 * permutation.
 */
export function completeRenaming(m: NatRenaming): NatRenaming {
  const out: NatRenaming = new Map();
  for (const [kind, fw] of m) {
    const full = new Map(fw);
    const bw = new Map<number, number>();
    for (const [k, c] of fw) bw.set(c, k);
    for (const c of fw.values()) {
      if (fw.has(c)) continue;
      let start = c;
      while (bw.has(start)) start = bw.get(start) as number;
      full.set(c, start);
    }
    out.set(kind, full);
  }
  return out;
}

const get16 = (p: Uint8Array, off: number) => (p[off] << 8) | p[off + 1];

/** RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). udp: a zero result is sent as 0xffff. */
function adjust(p: Uint8Array, csum: number, old: number, now: number, udp: boolean): void {
  let s = (~get16(p, csum) & 0xffff) + (~old & 0xffff) + now;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  let c = ~s & 0xffff;
  if (udp && c === 0) c = 0xffff;
  p[csum] = c >> 8;
  p[csum + 1] = c & 0xff;
}

interface Sum {
  off: number;
  udp: boolean;
}

/** Sets a 16-bit field and updates the checksums covering it. */
function put16(p: Uint8Array, off: number, now: number, sums: Sum[]): void {
  const old = get16(p, off);
  if (old === now) return;
  p[off] = now >> 8;
  p[off + 1] = now & 0xff;
  for (const s of sums) adjust(p, s.off, old, now, s.udp);
}

interface L4 {
  proto: number;
  v6: boolean;
  off: number;
  end: number;
}

/** The transport header of an (outer or quoted) IP packet, null for a later fragment. */
function l4Of(p: Uint8Array, off: number, end: number): L4 | null {
  if (off >= end) return null;
  const v = p[off] >> 4;
  if (v === 4) {
    if (off + 20 > end) return null;
    if ((get16(p, off + 6) & 0x1fff) !== 0) return null;
    const stop = Math.min(end, off + get16(p, off + 2));
    return { proto: p[off + 9], v6: false, off: off + (p[off] & 15) * 4, end: stop };
  }
  if (v === 6) {
    if (off + 40 > end) return null;
    const stop = Math.min(end, off + 40 + get16(p, off + 4));
    return { proto: p[off + 6], v6: true, off: off + 40, end: stop };
  }
  return null;
}

function kindOf(proto: number): string | null {
  if (proto === 6) return NAT_KINDS.tcp;
  if (proto === 17) return NAT_KINDS.udp;
  if (proto === 1) return NAT_KINDS.icmp;
  if (proto === 58) return NAT_KINDS.icmpv6;
  return null;
}

/** Offset of the L4 checksum, or null when absent (IPv4 UDP without checksum) or not captured. */
function l4Sum(p: Uint8Array, t: L4, end: number): Sum | null {
  const rel = t.proto === 6 ? 16 : t.proto === 17 ? 6 : 2;
  const off = t.off + rel;
  if (off + 2 > end) return null;
  if (t.proto === 17 && get16(p, off) === 0) return null;
  return { off, udp: t.proto === 17 };
}

const PPTP_PORT = 1723;
const PPTP_MAGIC = 0x1a2b3c4d;
/** Control message type → payload offset of the peer call ID the PAC echoes back. */
const PPTP_PEER_CALL_ID: ReadonlyMap<number, number> = new Map([
  [8, 14], // Outgoing-Call-Reply
  [10, 14], // Incoming-Call-Reply
  [11, 12], // Incoming-Call-Connected
  [14, 12], // WAN-Error-Notify
  [15, 12], // Set-Link-Info
]);

/**
 * PPTP through NAT: Linux gives the PNS the call ID of its translated TCP
 * source port (nf_nat_pptp), so the PAC's messages echo a NAT-chosen value
 * as "peer call ID". Call-Disconnect-Notify carries the PAC's own ID: not renamed.
 */
function pptpPeerCallId(p: Uint8Array, t: L4, table: Map<number, number>, sums: Sum[]): boolean {
  const data = t.off + (p[t.off + 12] >> 4) * 4;
  if (data + 12 > t.end || get16(p, data + 2) !== 1) return false;
  if (((get16(p, data + 4) << 16) | get16(p, data + 6)) >>> 0 !== PPTP_MAGIC) return false;
  const at = PPTP_PEER_CALL_ID.get(get16(p, data + 8));
  if (at === undefined || data + at + 2 > t.end) return false;
  const now = table.get(get16(p, data + at));
  if (now === undefined) return false;
  put16(p, data + at, now, sums);
  return true;
}

/** Enhanced GRE (version 1) to the PNS carries its NAT-chosen call ID as key; no checksum covers it. */
function greCallId(p: Uint8Array, t: L4, table: Map<number, number> | undefined): boolean {
  if (!table || t.off + 8 > t.end || (p[t.off + 1] & 0x07) !== 1) return false;
  const now = table.get(get16(p, t.off + 6));
  if (now === undefined) return false;
  p[t.off + 6] = now >> 8;
  p[t.off + 7] = now & 0xff;
  return true;
}

/**
 * Rewrites one packet received on a NAT interface, in place. Renamed: the
 * destination port of TCP/UDP, the id of an ICMP/ICMPv6 echo reply, and in an
 * ICMP error the quoted packet's source port / echo request id. Returns
 * whether anything changed.
 */
export function rewriteInput(p: Uint8Array, m: NatRenaming): boolean {
  const t = l4Of(p, 0, p.length);
  if (!t) return false;
  const kind = kindOf(t.proto);
  const table = kind ? m.get(kind) : undefined;
  const sum = l4Sum(p, t, t.end);
  const sums = sum ? [sum] : [];
  if (t.proto === 6 || t.proto === 17) {
    if (t.off + 4 > t.end || !table) return false;
    let changed = false;
    const now = table.get(get16(p, t.off + 2));
    if (now !== undefined) {
      put16(p, t.off + 2, now, sums);
      changed = true;
    }
    if (t.proto === 6 && get16(p, t.off) === PPTP_PORT)
      changed = pptpPeerCallId(p, t, table, sums) || changed;
    return changed;
  }
  if (t.proto === 47) return greCallId(p, t, m.get(NAT_KINDS.tcp));
  if (t.proto !== 1 && t.proto !== 58) return false;
  if (t.off + 8 > t.end) return false;
  const type = p[t.off];
  if (type === (t.v6 ? 129 : 0)) {
    const now = table?.get(get16(p, t.off + 4));
    if (now === undefined) return false;
    put16(p, t.off + 4, now, sums);
    return true;
  }
  if (!(t.v6 ? ICMP_ERRORS_6 : ICMP_ERRORS_4).has(type)) return false;
  // The quoted packet is one the router sent: its source side is the mapping.
  const q = l4Of(p, t.off + 8, t.end);
  if (!q) return false;
  const qt = kindOf(q.proto);
  const qtable = qt ? m.get(qt) : undefined;
  if (!qtable) return false;
  let field: number;
  if (q.proto === 6 || q.proto === 17) field = q.off;
  else if ((q.proto === 1 || q.proto === 58) && p[q.off] === (q.v6 ? 128 : 8)) field = q.off + 4;
  else return false;
  if (field + 2 > q.end) return false;
  const now = qtable.get(get16(p, field));
  if (now === undefined) return false;
  const inner = l4Sum(p, q, q.end);
  const innerBefore = inner ? get16(p, inner.off) : 0;
  put16(p, field, now, inner ? [inner, ...sums] : sums);
  // The quoted checksum changed too, and the ICMP checksum covers it.
  if (inner && sum) adjust(p, sum.off, innerBefore, get16(p, inner.off), false);
  return true;
}

/**
 * Applies the same renaming to a kernel conntrack -L listing: the reply tuple
 * (the second src=…) is what comes back to the mapping, so its dport= (TCP,
 * UDP) or id= (ICMP) is the NAT-chosen value.
 */
export function renameConntrack(text: string, m: NatRenaming): string {
  if (m.size === 0) return text;
  return text
    .split("\n")
    .map((line) => {
      const w = line.split(/(\s+)/);
      // A GRE connection's reply key is the PPTP call ID nf_nat_pptp took from a TCP port.
      const gre = w[0] === "gre";
      const kind = gre
        ? NAT_KINDS.tcp
        : kindOf(
            { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 }[w[0] as "tcp" | "udp" | "icmp" | "icmpv6"] ??
              -1,
          );
      const table = kind ? m.get(kind) : undefined;
      if (!table) return line;
      const key = gre
        ? "dstkey="
        : kind === NAT_KINDS.tcp || kind === NAT_KINDS.udp
          ? "dport="
          : "id=";
      let srcs = 0;
      for (let i = 0; i < w.length; i++) {
        if (w[i].startsWith("src=")) srcs++;
        if (srcs === 2 && w[i].startsWith(key)) {
          const v = w[i].slice(key.length);
          const now = table.get(gre ? Number.parseInt(v, 16) : Number(v));
          if (now !== undefined) w[i] = `${key}${gre ? `0x${now.toString(16)}` : now}`;
        }
      }
      return w.join("");
    })
    .join("\n");
}
