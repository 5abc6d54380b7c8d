/**
 * Source address selection for packets the router itself sends: IPv4's
 * inet_select_addr()/fib_result_prefsrc() and IPv6's ipv6_dev_get_saddr()
 * (RFC 6724, the rules that matter for a router without temporary or
 * deprecated addresses).
 */
import { parseIpv6 } from "@ctkit/packet";
import { type Addr6, type DeviceTable, type NetDevice, Scope } from "./device.js";
import { commonPrefixLenV6, inSubnetV4, isMulticastV6, prefixMatchV6, scopeV6 } from "./prefix.js";
import type { Route } from "./route.js";

/**
 * inet_select_addr(dev, dst, scope): the first primary address of `dev`
 * within `scope` that shares dst's subnet, else its first primary within
 * scope, else the first suitable primary of any device (lo first).
 */
export function selectAddr4(
  devices: DeviceTable,
  dev: NetDevice | undefined,
  dst: number,
  scope: number,
): number {
  let addr = 0;
  if (dev) {
    for (const a of dev.v4) {
      if (a.secondary || Math.min(a.scope, Scope.HOST) > scope) continue;
      if (dst === 0 || inSubnetV4(dst, a.addr, a.prefixLen)) return a.addr;
      if (addr === 0) addr = a.addr;
    }
    if (addr !== 0) return addr;
  }
  for (const d of devices.all()) {
    for (const a of d.v4) {
      if (a.secondary) continue;
      if (a.scope !== Scope.LINK && a.scope <= scope) return a.addr;
    }
  }
  return 0;
}

/**
 * fib_result_prefsrc: the route's `src`, else the address chosen on its
 * device for its gateway at the route's scope, cached until addresses change.
 */
export function routeSource4(devices: DeviceTable, r: Route): number {
  if (r.prefsrc4 !== 0) return r.prefsrc4;
  if (r.srcGen === devices.genid) return r.srcCache;
  r.srcCache = selectAddr4(devices, devices.get(r.oif), r.gw4, r.scope);
  r.srcGen = devices.genid;
  return r.srcCache;
}

/** Default policy table labels (ip addrlabel), most specific first. */
const LABELS: readonly [Uint8Array, number, number][] = [
  [v6("::1"), 128, 0],
  [v6("::ffff:0:0"), 96, 4],
  [v6("::"), 96, 3],
  [v6("2001:10::"), 28, 7],
  [v6("2001::"), 32, 6],
  [v6("2002::"), 16, 2],
  [v6("3ffe::"), 16, 12],
  [v6("fec0::"), 10, 11],
  [v6("fc00::"), 7, 5],
  [v6("::"), 0, 1],
];

function label(a: Uint8Array, off: number): number {
  let best = -1;
  let bestLen = -1;
  for (const [p, len, l] of LABELS) {
    if (len > bestLen && prefixMatchV6(a, off, p, 0, len)) {
      best = l;
      bestLen = len;
    }
  }
  return best;
}

/**
 * ipv6_dev_get_saddr: the best source for `dst` among the addresses of
 * every device (only `dev`'s for link-local or multicast destinations),
 * by rules 1 (same address), 2 (appropriate scope), 5 (outgoing interface),
 * 6 (matching label) and 8 (longest matching prefix); the first found wins
 * a tie. Writes it to out[0..16) and returns true, false when none fits.
 */
export function selectSource6(
  devices: DeviceTable,
  dst: Uint8Array,
  dstOff: number,
  dev: NetDevice | undefined,
  out: Uint8Array,
): boolean {
  const dstScope = scopeV6(dst, dstOff);
  const onlyDev = isMulticastV6(dst, dstOff) || dstScope <= 0x2;
  const dstLabel = label(dst, dstOff);
  let best: Addr6 | null = null;
  let bestDev: NetDevice | null = null;
  const list = devices.all();
  for (let i = 0; i < list.length; i++) {
    const d = list[i] as NetDevice;
    if (onlyDev && d !== dev) continue;
    for (const a of d.v6) {
      if (
        best === null ||
        better(a, d, best, bestDev as NetDevice, dst, dstOff, dstScope, dstLabel, dev)
      ) {
        best = a;
        bestDev = d;
      }
    }
  }
  if (best === null) return false;
  out.set(best.addr);
  return true;
}

function better(
  a: Addr6,
  ad: NetDevice,
  b: Addr6,
  bd: NetDevice,
  dst: Uint8Array,
  dstOff: number,
  dstScope: number,
  dstLabel: number,
  dev: NetDevice | undefined,
): boolean {
  // Rule 1: the destination itself.
  const aSame = commonPrefixLenV6(a.addr, 0, dst, dstOff) === 128;
  const bSame = commonPrefixLenV6(b.addr, 0, dst, dstOff) === 128;
  if (aSame !== bSame) return aSame;
  // Rule 2: the smallest scope that still reaches the destination.
  const sa = scopeV6(a.addr, 0);
  const sb = scopeV6(b.addr, 0);
  if (sa !== sb) return sa < sb ? sa >= dstScope : sb < dstScope;
  // Rule 5: the outgoing interface.
  if (dev) {
    const ao = ad === dev;
    const bo = bd === dev;
    if (ao !== bo) return ao;
  }
  // Rule 6: matching label.
  const al = label(a.addr, 0) === dstLabel;
  const bl = label(b.addr, 0) === dstLabel;
  if (al !== bl) return al;
  // Rule 8: longest matching prefix, counted up to the address's own prefix length.
  const pa = Math.min(commonPrefixLenV6(a.addr, 0, dst, dstOff), a.prefixLen);
  const pb = Math.min(commonPrefixLenV6(b.addr, 0, dst, dstOff), b.prefixLen);
  return pa > pb;
}

function v6(text: string): Uint8Array {
  return parseIpv6(text) as Uint8Array;
}
