/**
 * What "the kernel" does with an `ip route` request: fib_table_insert /
 * fib_create_info and ip6_route_info_create checks in their order, with
 * their extack messages, and fib_table_delete / ip6_route_del matching.
 */
import { type DeviceTable, Scope } from "./device.js";
import { v4Number } from "./ip-args.js";
import { type IpTarget, rtnl } from "./ip-common.js";
import { equalV6, maskV4, prefixV6 } from "./prefix.js";
import { IP6_RT_PRIO_USER, Route, RouteType } from "./route.js";

export interface RouteArgs {
  f: 4 | 6;
  dst: Uint8Array;
  plen: number;
  gw?: Uint8Array;
  src?: Uint8Array;
  oif: number;
  metric?: number;
  proto: number;
  scope: number;
  type: number;
  typeGiven: boolean;
  table: number;
}

const isReject = (type: number) =>
  type === RouteType.BLACKHOLE || type === RouteType.UNREACHABLE || type === RouteType.PROHIBIT;

/** fib_table_insert + fib_create_info, in the kernel's order of checks. */
export function routeAdd4(t: IpTarget, a: RouteArgs, replace: boolean): number {
  const dst = v4Number(a.dst);
  if (a.plen < 32 && (dst & ~maskV4(a.plen)) !== 0)
    throw rtnl({ errno: "EINVAL", extack: "Invalid prefix for given prefix length" });
  if (isReject(a.type)) {
    if (a.gw || a.oif)
      throw rtnl({
        errno: "EINVAL",
        extack: "Gateway, device and multipath can not be specified for this route type",
      });
  }
  let oif = a.oif;
  const gw = a.gw ? v4Number(a.gw) : 0;
  if (!isReject(a.type)) {
    if (gw !== 0) {
      const via = t.fib.gatewayRoute4(gw, a.oif);
      if (!via) throw rtnl({ errno: "EINVAL", extack: "Nexthop has invalid gateway" });
      oif = via.oif;
    } else if (oif === 0) throw rtnl({ errno: "ENODEV" });
  }
  const prefsrc = a.src ? v4Number(a.src) : 0;
  if (prefsrc !== 0) {
    const l = t.fib.local4Entry(prefsrc);
    if (!l || l.type !== RouteType.LOCAL)
      throw rtnl({ errno: "EINVAL", extack: "Invalid prefsrc address" });
  }
  const route = new Route({
    family: 4,
    table: a.table,
    type: a.type,
    dst4: dst,
    prefixLen: a.plen,
    gw4: gw,
    oif,
    proto: a.proto,
    scope: a.scope,
    prefsrc4: prefsrc,
    metric: a.metric ?? 0,
    seq: t.devices.nextSeq(),
  });
  const err = t.fib.add(route, replace);
  if (err) throw rtnl(err);
  return 0;
}

/** ip6_route_info_create + fib6_add. */
export function routeAdd6(t: IpTarget, a: RouteArgs, replace: boolean): number {
  const dst = prefixV6(a.dst, a.plen);
  let oif = a.oif;
  const gw = a.gw ? Uint8Array.from(a.gw) : null;
  if (isReject(a.type)) {
    oif = 0;
  } else if (gw) {
    const linkLocal = gw[0] === 0xfe && ((gw[1] as number) & 0xc0) === 0x80;
    if (!linkLocal) {
      const via = t.fib.gatewayRoute6(gw, a.oif);
      if (!via) throw rtnl({ errno: "EHOSTUNREACH" });
      oif = via.oif;
    }
    if (oif === 0) throw rtnl({ errno: "EINVAL", extack: "Egress device not specified" });
    if (isLocal6(t.devices, gw))
      throw rtnl({ errno: "EINVAL", extack: "Gateway can not be a local address" });
  } else if (oif === 0) throw rtnl({ errno: "ENODEV" });
  const prefsrc = a.src ? Uint8Array.from(a.src) : null;
  if (prefsrc && !isLocal6(t.devices, prefsrc))
    throw rtnl({ errno: "EINVAL", extack: "Invalid source address" });
  const route = new Route({
    family: 6,
    table: a.table,
    type: a.type,
    dst6: dst,
    prefixLen: a.plen,
    gw6: gw,
    oif,
    proto: a.proto,
    scope: Scope.UNIVERSE,
    prefsrc6: prefsrc,
    metric: a.metric ?? IP6_RT_PRIO_USER,
    seq: t.devices.nextSeq(),
  });
  const err = t.fib.add(route, replace);
  if (err) throw rtnl(err);
  return 0;
}

function isLocal6(devices: DeviceTable, addr: Uint8Array): boolean {
  for (const d of devices.all()) for (const x of d.v6) if (equalV6(x.addr, 0, addr, 0)) return true;
  return false;
}

/** fib_table_delete / ip6_route_del: the first route the given attributes match. */
export function routeDelete(t: IpTarget, a: RouteArgs): number {
  if (a.f === 4) {
    const dst = v4Number(a.dst);
    if (a.plen < 32 && (dst & ~maskV4(a.plen)) !== 0)
      throw rtnl({ errno: "EINVAL", extack: "Invalid prefix for given prefix length" });
    const gw = a.gw ? v4Number(a.gw) : 0;
    const prefsrc = a.src ? v4Number(a.src) : 0;
    const err = t.fib.delete(
      4,
      a.table,
      dst,
      null,
      a.plen,
      (r) =>
        (!a.typeGiven || r.type === a.type) &&
        (a.scope === Scope.NOWHERE || r.scope === a.scope) &&
        (prefsrc === 0 || r.prefsrc4 === prefsrc) &&
        (a.proto === 0 || r.proto === a.proto) &&
        (a.metric === undefined || a.metric === 0 || r.metric === a.metric) &&
        (a.oif === 0 || r.oif === a.oif) &&
        (gw === 0 || r.gw4 === gw),
    );
    if (err) throw rtnl(err);
  } else {
    const dst = prefixV6(a.dst, a.plen);
    const gw = a.gw;
    const err = t.fib.delete(
      6,
      a.table,
      0,
      dst,
      a.plen,
      (r) =>
        (a.oif === 0 || r.oif === a.oif) &&
        (!gw || (r.gw6 !== null && equalV6(r.gw6, 0, gw, 0))) &&
        (a.metric === undefined || a.metric === 0 || r.metric === a.metric) &&
        (a.proto === 0 || r.proto === a.proto),
    );
    if (err) throw rtnl(err);
  }
  return 0;
}
