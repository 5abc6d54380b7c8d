/**
 * One `conntrack -E` line as Linux 6.x and conntrack-tools print it. The
 * kernel's event message (ctnetlink_conntrack_event) carries less than a
 * dump, and the line shows only what the message carries:
 * - NEW/UPDATE: the timeout; no counters; the mark only when it is not 0
 *   or the event is about the mark (entries created from userspace);
 *   the helper name.
 * - DESTROY: the timeout only while at least a second was left (an entry
 *   flushed early, not one that expired); counters when accounting is on;
 *   the mark when not 0; no helper.
 * Never a use count. Verified against conntrack -E on Linux 6.18.
 */
import { type Conntrack, Ips, protoName, Tuple } from "@ctkit/kernel";
import { formatIpv4, formatIpv6 } from "@ctkit/packet";

export type EventType = "NEW" | "UPDATE" | "DESTROY";

export interface EventLineOptions {
  /** Kernel clock at the event, seconds. */
  now: number;
  /** net.netfilter.nf_conntrack_acct. */
  acct: boolean;
  /** -o extended: the layer 3 protocol first. */
  extended: boolean;
  /** The message includes the mark even when it is 0 (ctnetlink's IPCT_MARK). */
  markEvent: boolean;
}

function addressText(family: 4 | 6, words: Uint32Array): string {
  if (family === 4) return formatIpv4(words[0] as number);
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) view.setUint32(i * 4, words[i] as number);
  return formatIpv6(bytes);
}

function tupleText(t: Tuple): string {
  let s = `src=${addressText(t.family, t.src)} dst=${addressText(t.family, t.dst)} `;
  switch (t.proto) {
    case 6:
    case 17:
    case 33:
    case 132:
    case 136:
      s += `sport=${t.sport} dport=${t.dport} `;
      break;
    case 1:
    case 58:
      s += `type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport} `;
      break;
    case 47:
      s += `srckey=0x${t.sport.toString(16)} dstkey=0x${t.dport.toString(16)} `;
      break;
  }
  return s;
}

/** Whether the entry in `slot` has the mark attribute in an event of `type`. */
export function eventHasMark(ct: Conntrack, slot: number, markEvent: boolean): boolean {
  return markEvent || ct.table.mark[slot] !== 0;
}

export function eventLine(
  ct: Conntrack,
  type: EventType,
  slot: number,
  o: EventLineOptions,
): string {
  const t = ct.table;
  const orig = new Tuple();
  const reply = new Tuple();
  t.getTuple(slot, 0, orig);
  t.getTuple(slot, 1, reply);
  const destroy = type === "DESTROY";
  const status = t.status[slot] as number;
  let s = `${`[${type}]`.padStart(9)} `;
  if (o.extended) s += `${orig.family === 4 ? "ipv4     2" : "ipv6     10"} `;
  s += `${protoName(orig.proto).padEnd(8)} ${orig.proto} `;
  const left = Math.max(0, Math.floor((t.expires[slot] as number) - o.now));
  if (!destroy || left > 0) s += `${left} `;
  if (orig.proto === 6) s += `${ct.tcpStateName(slot)} `;
  const counters = (dir: 0 | 1) =>
    destroy && o.acct
      ? `packets=${t.acct[slot * 4 + dir * 2]} bytes=${t.acct[slot * 4 + dir * 2 + 1]} `
      : "";
  s += tupleText(orig) + counters(0);
  if ((status & Ips.SEEN_REPLY) === 0) s += "[UNREPLIED] ";
  s += tupleText(reply) + counters(1);
  if (status & Ips.ASSURED) s += "[ASSURED] ";
  if (eventHasMark(ct, slot, o.markEvent)) s += `mark=${t.mark[slot]} `;
  const helper = destroy ? null : ct.helperOf(slot);
  if (helper) s += `helper=${helper.spec.name} `;
  return s.trimEnd();
}
