/**
 * Which entries a conntrack -L or -E shows: conntrack-tools' userspace
 * filter (nfct_filter: family, --src/--dst networks, then nfct_cmp of
 * every attribute given against the entry's).
 */
import { type Conntrack, TCP_STATE_NAMES, Tuple } from "@ctkit/kernel";
import type { AddressArg } from "./address.js";
import type { ConntrackArgs } from "./options.js";

function addressMatches(words: Uint32Array, want: AddressArg | undefined): boolean {
  if (want === undefined) return true;
  for (let i = 0; i < 4; i++) {
    const m = want.mask[i] as number;
    if (((words[i] as number) & m) >>> 0 !== ((want.words[i] as number) & m) >>> 0) return false;
  }
  return true;
}

function portMatches(value: number, want: number | undefined): boolean {
  return want === undefined || value === want;
}

export class FlowFilter {
  private readonly orig = new Tuple();
  private readonly reply = new Tuple();

  constructor(private readonly args: ConntrackArgs) {}

  /**
   * Whether the entry in `slot` passes. `markPresent` says whether the
   * message carries the mark at all: events leave out a zero mark, and
   * conntrack-tools then treats --mark as not matching.
   */
  matches(ct: Conntrack, slot: number, markPresent: boolean): boolean {
    const a = this.args;
    const t = ct.table;
    if (a.family !== undefined && t.family[slot] !== a.family) return false;
    t.getTuple(slot, 0, this.orig);
    t.getTuple(slot, 1, this.reply);
    const o = this.orig;
    const r = this.reply;
    if (!addressMatches(o.src, a.src) || !addressMatches(o.dst, a.dst)) return false;
    if (!addressMatches(r.src, a.replySrc) || !addressMatches(r.dst, a.replyDst)) return false;
    if (a.proto !== undefined && o.proto !== a.proto.num) return false;
    if (o.proto === 6 || o.proto === 17) {
      const p = a.ports;
      if (!portMatches(o.sport, p.origSrc) || !portMatches(o.dport, p.origDst)) return false;
      if (!portMatches(r.sport, p.replySrc) || !portMatches(r.dport, p.replyDst)) return false;
    }
    if (o.proto === 1 || o.proto === 58) {
      const i = a.icmp;
      if (i.type !== undefined && o.dport >>> 8 !== i.type) return false;
      if (i.code !== undefined && (o.dport & 0xff) !== i.code) return false;
      if (i.id !== undefined && o.sport !== i.id) return false;
    }
    if (a.tcpState !== undefined && ct.tcpStateName(slot) !== TCP_STATE_NAMES[a.tcpState])
      return false;
    if (a.mark !== undefined) {
      if (!markPresent) return false;
      if (((t.mark[slot] as number) & a.mark.mask) >>> 0 !== a.mark.value) return false;
    }
    return true;
  }
}
