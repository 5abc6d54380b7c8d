/**
 * `ip addr show` and `ip route show` output, in iproute2 6.1's layout
 * (trailing spaces included: scripts and eyes compare against the real
 * tool). Devices look like veths that are up: ctkit has no link layer
 * state, and a MAC derived from the index stands in for the real one.
 */
import { formatIpv4, formatIpv6, formatMac } from "@ctkit/packet";
import { type Addr4, type Addr6, type DeviceTable, type NetDevice, Scope } from "./device.js";
import { type Fib, sortForDisplay4, sortForDisplay6 } from "./fib.js";
import type { Family } from "./ip-args.js";
import { prefixV6 } from "./prefix.js";
import {
  IP6_RT_PRIO_ADDRCONF,
  PROTO_NAMES,
  Proto,
  ROUTE_TYPE_NAMES,
  Route,
  RouteType,
  Table,
} from "./route.js";

export function scopeName(scope: number): string {
  switch (scope) {
    case Scope.UNIVERSE:
      return "global";
    case Scope.SITE:
      return "site";
    case Scope.LINK:
      return "link";
    case Scope.HOST:
      return "host";
    case Scope.NOWHERE:
      return "nowhere";
    default: {
      return String(scope);
    }
  }
}

function linkHeader(dev: NetDevice, family: Family): string {
  const flags = dev.loopback ? "LOOPBACK,UP,LOWER_UP" : "BROADCAST,MULTICAST,UP,LOWER_UP";
  const state = dev.loopback ? "UNKNOWN" : "UP";
  // With -6 the kernel answers the link dump from addrconf, which has no qdisc or group.
  if (family === 6)
    return `${dev.index}: ${dev.name}: <${flags}> mtu ${dev.mtu} state ${state} qlen 1000\n`;
  let s = `${dev.index}: ${dev.name}: <${flags}> mtu ${dev.mtu} qdisc noqueue state ${state} group default qlen 1000\n`;
  if (family === 0) {
    s += dev.loopback
      ? "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
      : `    link/ether ${formatMac(dev.mac)} brd ff:ff:ff:ff:ff:ff\n`;
  }
  return s;
}

const LFT = "       valid_lft forever preferred_lft forever\n";

function inetLine(dev: NetDevice, a: Addr4): string {
  let s = `    inet ${formatIpv4(a.addr)}/${a.prefixLen} `;
  if (a.broadcast !== 0) s += `brd ${formatIpv4(a.broadcast)} `;
  s += `scope ${scopeName(a.scope)} `;
  if (a.secondary) s += "secondary ";
  if (a.noPrefixRoute) s += "noprefixroute ";
  return `${s}${dev.name}\n${LFT}`;
}

function inet6Line(a: Addr6): string {
  let s = `    inet6 ${formatIpv6(a.addr)}/${a.prefixLen} scope ${scopeName(a.scope)} `;
  if (a.noDad) s += "nodad ";
  if (a.noPrefixRoute) s += "noprefixroute ";
  return `${s}\n${LFT}`;
}

/** `ip [-4|-6] addr show [dev] NAME`. */
export function showAddresses(devices: DeviceTable, family: Family, only?: NetDevice): string {
  let out = "";
  for (const dev of devices.all()) {
    if (only && dev !== only) continue;
    if (family === 4 && dev.v4.length === 0) continue;
    if (family === 6 && dev.v6.length === 0) continue;
    out += linkHeader(dev, family);
    if (family !== 6) for (const a of dev.v4) out += inetLine(dev, a);
    if (family !== 4) for (const a of dev.v6) out += inet6Line(a);
  }
  return out;
}

function dst4Text(r: Route): string {
  if (r.prefixLen === 0 && r.dst4 === 0) return "default";
  return r.prefixLen === 32 ? formatIpv4(r.dst4) : `${formatIpv4(r.dst4)}/${r.prefixLen}`;
}

function dst6Text(r: Route): string {
  if (r.prefixLen === 0) return "default";
  return r.prefixLen === 128 ? formatIpv6(r.dst6) : `${formatIpv6(r.dst6)}/${r.prefixLen}`;
}

function typePrefix(r: Route): string {
  return r.type === RouteType.UNICAST ? "" : `${ROUTE_TYPE_NAMES[r.type]} `;
}

function isReject(r: Route): boolean {
  return (
    r.type === RouteType.BLACKHOLE ||
    r.type === RouteType.UNREACHABLE ||
    r.type === RouteType.PROHIBIT
  );
}

/** One route as print_route() shows it. */
export function routeLine(
  r: Route,
  devices: DeviceTable,
  showTable: boolean,
  hideDev = false,
): string {
  const devName = (i: number) => devices.get(i)?.name ?? `if${i}`;
  const table =
    showTable && r.table !== Table.MAIN
      ? `table ${r.table === Table.LOCAL ? "local" : r.table} `
      : "";
  const proto = r.proto !== Proto.BOOT ? `proto ${PROTO_NAMES[r.proto] ?? r.proto} ` : "";
  if (r.family === 4) {
    let s = `${typePrefix(r)}${dst4Text(r)} `;
    if (r.gw4 !== 0) s += `via ${formatIpv4(r.gw4)} `;
    if (r.oif !== 0 && !hideDev) s += `dev ${devName(r.oif)} `;
    s += table + proto;
    if (r.scope !== Scope.UNIVERSE) s += `scope ${scopeName(r.scope)} `;
    if (r.prefsrc4 !== 0) s += `src ${formatIpv4(r.prefsrc4)} `;
    if (r.metric !== 0) s += `metric ${r.metric} `;
    return `${s}\n`;
  }
  let s = `${typePrefix(r)}${dst6Text(r)} `;
  if (r.gw6) s += `via ${formatIpv6(r.gw6)} `;
  // IPv6 reject routes hang off the loopback device.
  if (!hideDev) s += `dev ${isReject(r) ? "lo" : devName(r.oif)} `;
  s += table + proto;
  if (r.prefsrc6) s += `src ${formatIpv6(r.prefsrc6)} `;
  s += `metric ${r.metric} pref medium\n`;
  return s;
}

/**
 * The IPv6 local-table routes addrconf keeps besides the addresses:
 * subnet-router anycast (while forwarding) and ff00::/8 per device.
 */
function extraLocal6(devices: DeviceTable, forwarding: boolean): Route[] {
  const out: Route[] = [];
  for (const dev of devices.all()) {
    if (dev.loopback) continue;
    if (forwarding) {
      const seen = new Set<string>();
      for (const a of dev.v6) {
        if (a.prefixLen >= 127) continue;
        const p = prefixV6(a.addr, a.prefixLen);
        if (p.every((b) => b === 0)) continue;
        const k = p.join(".");
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(
          new Route({
            family: 6,
            table: Table.LOCAL,
            type: RouteType.ANYCAST,
            dst6: p,
            prefixLen: 128,
            oif: dev.index,
            proto: Proto.KERNEL,
            scope: Scope.UNIVERSE,
            metric: 0,
            seq: a.seq,
          }),
        );
      }
    }
    const mc = new Uint8Array(16);
    mc[0] = 0xff;
    out.push(
      new Route({
        family: 6,
        table: Table.LOCAL,
        type: RouteType.MULTICAST,
        dst6: mc,
        prefixLen: 8,
        oif: dev.index,
        proto: Proto.KERNEL,
        scope: Scope.UNIVERSE,
        metric: IP6_RT_PRIO_ADDRCONF,
        seq: dev.index,
      }),
    );
  }
  return out;
}

export interface RouteFilter {
  /** 4, 6, or 0 for both. */
  family: Family;
  /** A table id, or 0 for all tables. */
  table: number;
  dev?: NetDevice;
}

/** `ip route show`: the tables in kernel dump order (main before local), each in trie order. */
export function showRoutes(
  devices: DeviceTable,
  fib: Fib,
  filter: RouteFilter,
  forwarding6: boolean,
): string {
  const all = fib.routes();
  const pick = (family: 4 | 6, table: number) => {
    let list = all.filter((r) => r.family === family && r.table === table);
    if (family === 6 && table === Table.LOCAL)
      list = list.concat(extraLocal6(devices, forwarding6));
    if (filter.dev) list = list.filter((r) => r.oif === filter.dev?.index);
    return family === 4 ? sortForDisplay4(list) : sortForDisplay6(list);
  };
  const tables = filter.table === 0 ? [Table.MAIN, Table.LOCAL] : [filter.table];
  let out = "";
  for (const family of [4, 6] as const) {
    if (filter.family !== 0 && filter.family !== family) continue;
    for (const t of tables) {
      for (const r of pick(family, t))
        out += routeLine(r, devices, filter.table === 0, filter.dev !== undefined);
    }
  }
  return out;
}
