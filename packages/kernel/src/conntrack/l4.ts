/**
 * Per-protocol state updates for the simple protocols (UDP, ICMP/ICMPv6,
 * GRE, generic), as nf_conntrack_proto_{udp,icmp,icmpv6,gre,generic}.c do
 * them: which timeout applies and when a connection becomes ASSURED.
 * TCP has its own tracker (proto-tcp.ts).
 */
import { Ips } from "./status.js";
import type { ConnTable } from "./table.js";

/** Timeouts (seconds) read from the sysctls by the core before each packet batch. */
export interface SimpleTimeouts {
  udp: number;
  udpStream: number;
  icmp: number;
  icmpv6: number;
  gre: number;
  greStream: number;
  generic: number;
}

/**
 * The packet being tracked: its time (seconds, the table's clock) is read
 * here rather than passed in, because a fractional number handed to a call
 * V8 did not inline is boxed — once per packet.
 */
export interface TimedPacket {
  time: number;
}

/** Linux only calls a UDP flow a stream once it is still active 2 s after it started. */
const UDP_STREAM_DELAY = 2;

/**
 * udp_packet: unreplied flows keep the short timeout; a flow that has seen
 * a reply and lived past its stream delay gets the long one and ASSURED.
 * `streamAt` holds the per-connection stream timestamp.
 */
export function udpPacket(
  t: ConnTable,
  s: number,
  pkt: TimedPacket,
  to: SimpleTimeouts,
  streamAt: Float64Array,
): void {
  const now = pkt.time;
  const status = t.status[s] as number;
  if ((status & Ips.CONFIRMED) === 0) streamAt[s] = now + UDP_STREAM_DELAY;
  if (status & Ips.SEEN_REPLY) {
    let timeout = to.udp;
    let stream = false;
    if (now > (streamAt[s] as number)) {
      timeout = to.udpStream;
      stream = (status & Ips.ASSURED) === 0;
    }
    t.expires[s] = now + timeout;
    if (stream) t.status[s] = status | Ips.ASSURED;
  } else {
    t.expires[s] = now + to.udp;
  }
}

/** icmp_packet / icmpv6_packet: every packet refreshes the ICMP timeout. */
export function icmpPacket(t: ConnTable, s: number, pkt: TimedPacket, timeout: number): void {
  t.expires[s] = pkt.time + timeout;
}

/** gre_packet: replied GRE is a stream (long timeout, ASSURED). */
export function grePacket(t: ConnTable, s: number, pkt: TimedPacket, to: SimpleTimeouts): void {
  const now = pkt.time;
  const status = t.status[s] as number;
  if (status & Ips.SEEN_REPLY) {
    t.expires[s] = now + to.greStream;
    t.status[s] = status | Ips.ASSURED;
  } else t.expires[s] = now + to.gre;
}

export function genericPacket(t: ConnTable, s: number, pkt: TimedPacket, to: SimpleTimeouts): void {
  t.expires[s] = pkt.time + to.generic;
}
