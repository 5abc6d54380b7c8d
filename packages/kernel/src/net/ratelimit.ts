/**
 * Linux's ICMP rate limits, on the virtual clock (jiffies = time * HZ):
 *
 * - the per-namespace token bucket (icmp_global_allow/_consume) that
 *   icmp_msgs_per_sec and icmp_msgs_burst tune;
 * - per-peer buckets in struct inet_peer, one per destination of the error
 *   (inet_peer_xrlim_allow), whose tokens ip_error() and the redirect
 *   logic also use: the three share rate_tokens/rate_last exactly as in
 *   the kernel, which is why only two "net unreachable" leave in a burst.
 *
 * Linux takes a random 0-2 credits from the global bucket per message;
 * ctkit takes 1 (the mean), so runs are repeatable.
 */
import { hashV6 } from "./prefix.js";

/** XRLIM_BURST_FACTOR: a peer may save up six messages. */
const BURST_FACTOR = 6;
/** Idle peers are forgotten after this long (inet_peer_maxttl), unnoticeably: their buckets are full again by then. */
const PEER_TTL_SECONDS = 600;

export class InetPeer {
  rateTokens = 0;
  rateLast: number;
  nRedirects = 0;
  lastUse: number;
  /** Next peer in the same IPv6 hash bucket. */
  next: InetPeer | null = null;
  readonly addr6 = new Uint8Array(16);

  constructor(
    readonly addr4: number,
    now: number,
    hz: number,
  ) {
    // "60*HZ is arbitrary, but chosen enough high so that the first calculation of tokens is at its maximum."
    this.rateLast = now - 60 * hz;
    this.lastUse = now;
  }
}

export class PeerTable {
  private readonly v4 = new Map<number, InetPeer>();
  private readonly v6 = new Map<number, InetPeer>();
  private created = 0;

  constructor(private readonly hz: number) {}

  get4(addr: number, now: number): InetPeer {
    const key = addr | 0; // an int32 key never needs boxing
    let p = this.v4.get(key);
    if (!p) {
      p = new InetPeer(addr, now, this.hz);
      this.v4.set(key, p);
      this.created++;
      if ((this.created & 1023) === 0) this.gc(now);
    }
    p.lastUse = now;
    return p;
  }

  get6(buf: Uint8Array, off: number, now: number): InetPeer {
    const h = hashV6(buf, off);
    const head = this.v6.get(h);
    for (let p = head ?? null; p !== null; p = p.next) {
      let same = true;
      for (let i = 0; i < 16; i++) {
        if (p.addr6[i] !== buf[off + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        p.lastUse = now;
        return p;
      }
    }
    const p = new InetPeer(0, now, this.hz);
    for (let i = 0; i < 16; i++) p.addr6[i] = buf[off + i] as number;
    p.next = head ?? null;
    this.v6.set(h, p);
    this.created++;
    if ((this.created & 1023) === 0) this.gc(now);
    return p;
  }

  get size(): number {
    let n = this.v4.size;
    for (let p of this.v6.values()) for (; p; p = p.next as InetPeer) n++;
    return n;
  }

  private gc(now: number): void {
    const limit = now - PEER_TTL_SECONDS * this.hz;
    for (const [k, p] of this.v4) if (p.lastUse < limit) this.v4.delete(k);
    for (const [k, head] of this.v6) {
      let first: InetPeer | null = null;
      let last: InetPeer | null = null;
      for (let p: InetPeer | null = head; p; p = p.next) {
        if (p.lastUse < limit) continue;
        if (last) last.next = p;
        else first = p;
        last = p;
      }
      if (last) last.next = null;
      if (first) this.v6.set(k, first);
      else this.v6.delete(k);
    }
  }
}

/** inet_peer_xrlim_allow: a token bucket of `timeout` jiffies per message, six deep. */
export function xrlimAllow(peer: InetPeer, timeout: number, now: number): boolean {
  let token = peer.rateTokens;
  const delta = now - peer.rateLast;
  if (delta !== 0) {
    peer.rateLast = now;
    token += delta;
    if (token > BURST_FACTOR * timeout) token = BURST_FACTOR * timeout;
  }
  let ok = false;
  if (token >= timeout) {
    token -= timeout;
    ok = true;
  }
  peer.rateTokens = token;
  return ok;
}

/** ip_error()'s own bucket (ip_rt_error_cost / ip_rt_error_burst) on the same peer fields. */
export function ipErrorAllow(peer: InetPeer, cost: number, burst: number, now: number): boolean {
  peer.rateTokens += now - peer.rateLast;
  if (peer.rateTokens > burst) peer.rateTokens = burst;
  peer.rateLast = now;
  if (peer.rateTokens >= cost) {
    peer.rateTokens -= cost;
    return true;
  }
  return false;
}

/** The namespace-wide bucket (icmp_global_allow / icmp_global_consume). */
export class GlobalIcmpLimit {
  private credit = 0;
  private stamp = Number.NEGATIVE_INFINITY;

  constructor(private readonly hz: number) {}

  allow(now: number, perSec: number, burst: number): boolean {
    if (this.credit > 0) return true;
    const delta = Math.min(now - this.stamp, this.hz);
    if (delta < Math.floor(this.hz / 50)) return false;
    const incr = Math.floor((perSec * delta) / this.hz);
    if (incr === 0) return false;
    this.stamp = now;
    this.credit = Math.min(this.credit + incr, burst);
    return true;
  }

  consume(): void {
    this.credit -= 1;
  }
}
