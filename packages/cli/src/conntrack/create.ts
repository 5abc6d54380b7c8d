/**
 * conntrack -I: an entry made from userspace, as ctnetlink_create_conntrack
 * makes it: both tuples (the missing one inverted from the other, as
 * libnetfilter_conntrack completes it), the timeout, the status bits
 * userspace may set, the mark; inserted confirmed, refused when either
 * tuple is taken or the table is full, reported as a NEW event naming
 * the requester.
 *
 * The kernel has no entry-creation call yet, so this fills the table's
 * public arrays itself; it cannot set TCP tracking state from outside,
 * so TCP entries are refused rather than created half-initialised.
 */
import { Ips, invertTuple, type Kernel, Tuple } from "@ctkit/kernel";
import type { Io } from "../io.js";
import type { AddressArg } from "./address.js";
import { eventHub } from "./event-hub.js";
import type { ConntrackArgs } from "./options.js";
import { CONNTRACK_VERSION, operationFailed } from "./problem.js";

const INVALID = "invalid parameters";
/** Status bits ctnetlink lets userspace set on a new entry. */
const SETTABLE = Ips.SEEN_REPLY | Ips.ASSURED | Ips.FIXED_TIMEOUT;

export class CtkitLimit extends Error {}

function tuple(
  family: 4 | 6,
  proto: number,
  src: AddressArg,
  dst: AddressArg,
  sport: number,
  dport: number,
): Tuple {
  const t = new Tuple();
  t.family = family;
  t.proto = proto;
  t.src.set(src.words);
  t.dst.set(dst.words);
  t.sport = sport;
  t.dport = dport;
  return t;
}

/** The tuples the request describes; a ConntrackProblem where the kernel would say EINVAL. */
function tuplesOf(a: ConntrackArgs): [Tuple, Tuple] {
  const proto = a.proto?.num as number;
  const family = a.family ?? 4;
  const ports = proto === 17;
  const icmp = proto === 1 || proto === 58;
  const hasOrig = a.src !== undefined && a.dst !== undefined;
  const hasReply = a.replySrc !== undefined && a.replyDst !== undefined;
  const partial =
    (a.src !== undefined) !== (a.dst !== undefined) ||
    (a.replySrc !== undefined) !== (a.replyDst !== undefined);
  if (partial) throw operationFailed(INVALID);
  const out = new Tuple();
  if (hasOrig) {
    const sport = ports ? a.ports.origSrc : icmp ? a.icmp.id : 0;
    const dport = ports
      ? a.ports.origDst
      : icmp
        ? ((a.icmp.type ?? 0) << 8) | (a.icmp.code ?? 0)
        : 0;
    if (sport === undefined || dport === undefined) throw operationFailed(INVALID);
    const orig = tuple(family, proto, a.src as AddressArg, a.dst as AddressArg, sport, dport);
    if (!hasReply) {
      if (!invertTuple(orig, out)) throw operationFailed(INVALID);
      return [orig, out];
    }
    // Both given: the reply tuple needs its own ports; ICMP fields only exist on the original.
    if (icmp || (ports && (a.ports.replySrc === undefined || a.ports.replyDst === undefined)))
      throw operationFailed(INVALID);
    const reply = tuple(
      family,
      proto,
      a.replySrc as AddressArg,
      a.replyDst as AddressArg,
      a.ports.replySrc ?? 0,
      a.ports.replyDst ?? 0,
    );
    return [orig, reply];
  }
  if (icmp) throw operationFailed(INVALID);
  const reply = tuple(
    family,
    proto,
    a.replySrc as AddressArg,
    a.replyDst as AddressArg,
    a.ports.replySrc ?? 0,
    a.ports.replyDst ?? 0,
  );
  if (!invertTuple(reply, out)) throw operationFailed(INVALID);
  return [out, reply];
}

export async function createEntry(
  k: Kernel,
  a: ConntrackArgs,
  pid: number,
  io: Io,
): Promise<number> {
  const proto = a.proto?.num as number;
  if (proto === 6)
    throw new CtkitLimit(
      "conntrack -I -p tcp: ctkit's kernel cannot take a TCP state from userspace yet",
    );
  if (proto === 47 || proto === 132 || proto === 33 || proto === 136)
    throw new CtkitLimit(`conntrack -I -p ${a.proto?.handler.name} is not supported by ctkit yet`);
  const [orig, reply] = tuplesOf(a);
  if (a.status & Ips.EXPECTED) throw operationFailed("Device or resource busy");
  // ctnetlink depends on nf_conntrack: asking for it loads it, as in Linux.
  if (!(await k.modules.requestModule("nf_conntrack")))
    throw new CtkitLimit("conntrack -I: nf_conntrack could not be loaded (see 'ctkit dmesg')");
  const ct = k.conntrack;
  const t = ct.table;
  const now = k.now();
  for (const probe of [orig, reply]) {
    const v = t.find(probe);
    if (v < 0) continue;
    // An expired entry no longer holds its tuples; the GC would have reaped it.
    if ((t.expires[v >> 1] as number) <= now) ct.destroy(v >> 1);
    else throw operationFailed("Such conntrack exists, try -U to update");
  }
  const max = k.sysctl.has("net.netfilter.nf_conntrack_max")
    ? k.sysctl.get("net.netfilter.nf_conntrack_max")
    : 0;
  if (max > 0 && t.count >= max) {
    k.log.write("warn", "nf_conntrack: nf_conntrack: table full, dropping packet");
    throw operationFailed("not enough memory");
  }
  const slot = t.alloc();
  if (ct.streamAt.length < t.capacity) {
    const grown = new Float64Array(t.capacity);
    grown.set(ct.streamAt);
    ct.streamAt = grown;
  }
  t.setTuple(slot, 0, orig);
  t.setTuple(slot, 1, reply);
  t.status[slot] = Ips.CONFIRMED | (a.status & SETTABLE);
  t.expires[slot] = now + (a.timeout as number);
  t.mark[slot] = a.mark?.value ?? 0;
  t.insert(slot);
  ct.stats.insert++;
  eventHub(k).announceCreated(slot, now, pid);
  io.err(`${CONNTRACK_VERSION}: 1 flow entries have been created.\n`);
  return 0;
}
