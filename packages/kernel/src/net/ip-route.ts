/**
 * `ip route` parsing: iproute2's iproute_modify() loop (keywords, route
 * type abbreviations such as "u" for unreachable, the defaults it fills
 * in for table, scope and protocol) and `ip route show`.
 */
import type { NetDevice } from "./device.js";
import { Scope } from "./device.js";
import {
  type Family,
  getAddr,
  getPrefix,
  IpError,
  matches,
  type Prefix,
  strtoul0,
} from "./ip-args.js";
import {
  type IpTarget,
  invarg,
  nodev,
  type Out,
  rtnl,
  scopeValue,
  unsupported,
} from "./ip-common.js";
import { type RouteArgs, routeAdd4, routeAdd6, routeDelete } from "./ip-route-apply.js";
import { showRoutes } from "./ip-show.js";
import { PROTO_NAMES, Proto, ROUTE_TYPE_NAMES, RouteType, Table } from "./route.js";

export const ROUTE_USAGE =
  "Usage: ip route { list | flush } SELECTOR\n" +
  "       ip route { add | del | replace } ROUTE\n" +
  "ROUTE := [ TYPE ] PREFIX [ via ADDRESS ] [ dev STRING ] [ src ADDRESS ]\n" +
  "         [ metric NUMBER ] [ proto RTPROTO ] [ scope SCOPE ] [ table TABLE_ID ]\n" +
  "TYPE := { unicast | unreachable | prohibit | blackhole }\n";
const ROUTE_TYPES: [string, number, "exact" | "prefix"][] = [
  ["local", RouteType.LOCAL, "exact"],
  ["nat", RouteType.NAT, "exact"],
  ["broadcast", RouteType.BROADCAST, "prefix"],
  ["brd", RouteType.BROADCAST, "exact"],
  ["anycast", RouteType.ANYCAST, "prefix"],
  ["multicast", RouteType.MULTICAST, "prefix"],
  ["prohibit", RouteType.PROHIBIT, "prefix"],
  ["unreachable", RouteType.UNREACHABLE, "prefix"],
  ["blackhole", RouteType.BLACKHOLE, "prefix"],
  ["xresolve", RouteType.XRESOLVE, "prefix"],
  ["unicast", RouteType.UNICAST, "prefix"],
  ["throw", RouteType.THROW, "exact"],
];

/** rtnl_rttype_a2n, abbreviations included ("u" is unreachable, "x" xresolve). */
function routeTypeValue(text: string): number | null {
  for (const [name, v, how] of ROUTE_TYPES) {
    if (how === "exact" ? text === name : matches(text, name)) return v;
  }
  const n = strtoul0(text);
  return n !== null && n <= 255 ? n : null;
}

function tableValue(text: string): number | null {
  switch (text) {
    case "main":
      return Table.MAIN;
    case "local":
      return Table.LOCAL;
    case "default":
      return 253;
    case "all":
    case "unspec":
      return 0;
  }
  return strtoul0(text);
}

function protoValue(text: string): number | null {
  for (const [k, v] of Object.entries(PROTO_NAMES))
    if (v === text) {
      return Number(k);
    }
  const n = strtoul0(text);
  return n !== null && n <= 255 ? n : null;
}

export function doRoute(t: IpTarget, family: Family, args: string[], out: Out): number {
  const cmd = args.shift();
  if (cmd === undefined || matches(cmd, "list") || matches(cmd, "show") || matches(cmd, "lst")) {
    return routeShow(t, family, args, out);
  }
  if (matches(cmd, "add")) {
    return routeModify(t, family, args, "add");
  }
  if (matches(cmd, "replace")) {
    return routeModify(t, family, args, "replace");
  }
  if (matches(cmd, "delete")) {
    return routeModify(t, family, args, "del");
  }
  if (matches(cmd, "help")) throw new IpError(ROUTE_USAGE, 255);
  if (
    ["change", "prepend", "append", "test", "get", "flush", "save", "restore", "showdump"].some(
      (c) => matches(cmd, c),
    ) ||
    cmd === "chg"
  )
    throw unsupported(`"ip route ${cmd}"`);
  throw new IpError(`Command "${cmd}" is unknown, try "ip route help".\n`, 255);
}

function routeShow(t: IpTarget, family: Family, args: string[], out: Out): number {
  let table: number = Table.MAIN;
  let dev: NetDevice | undefined;
  while (args.length > 0) {
    const a = args.shift() as string;
    if (matches(a, "table")) {
      const v = args.shift() ?? "";
      const id = tableValue(v);
      if (id === null) throw invarg("table id value is invalid\n", v);
      table = id;
    } else if (a === "dev" || a === "oif") {
      const v = args.shift() ?? "";
      dev = t.devices.byName(v);
      if (!dev) throw nodev(v);
    } else throw unsupported(`"ip route show ${a}"`);
  }
  // iproute2 lists IPv4 only unless asked for IPv6 or for every table.
  const fam: Family = family !== 0 ? family : table === 0 ? 0 : 4;
  out.stdout += showRoutes(t.devices, t.fib, { family: fam, table, dev }, t.forwarding6());
  return 0;
}

function routeModify(
  t: IpTarget,
  family: Family,
  args: string[],
  cmd: "add" | "replace" | "del",
): number {
  const del = cmd === "del";
  let fam: Family = family;
  let dst: Prefix | undefined;
  let gw: { family: 4 | 6; bytes: Uint8Array } | undefined;
  let src: { family: 4 | 6; bytes: Uint8Array } | undefined;
  let devName: string | undefined;
  let metric: number | undefined;
  let proto: number = del ? 0 : Proto.BOOT;
  let scope: number | undefined;
  let type: number = del ? RouteType.UNSPEC : RouteType.UNICAST;
  let typeGiven = false;
  let table: number | undefined;
  while (args.length > 0) {
    const a = args.shift() as string;
    const next = () => {
      const v = args.shift();
      if (v === undefined)
        throw new IpError(`Command line is not complete. Try option "help"\n`, 255);
      return v;
    };
    if (a === "src") {
      src = getAddr(next(), fam);
      if (fam === 0) fam = src.family;
    } else if (a === "via") {
      if (gw) throw invarg("use nexthop syntax to specify multiple via\n", a);
      let v = next();
      if (v === "inet" || v === "inet6") v = next();
      gw = getAddr(v, fam);
      if (fam === 0) fam = gw.family;
    } else if (matches(a, "metric") || matches(a, "priority") || a === "preference") {
      const v = next();
      const n = strtoul0(v);
      if (n === null || n > 0xffffffff) throw invarg('"metric" value is invalid\n', v);
      metric = n;
    } else if (a === "scope") {
      const v = next();
      const s = scopeValue(v);
      if (s === null) throw invarg('invalid "scope" value\n', v);
      scope = s;
    } else if (matches(a, "protocol")) {
      const v = next();
      const p = protoValue(v);
      if (p === null) throw invarg('"protocol" value is invalid\n', v);
      proto = p;
    } else if (matches(a, "table")) {
      const v = next();
      const id = tableValue(v);
      if (id === null) throw invarg('"table" value is invalid\n', v);
      table = id;
    } else if (a === "dev" || a === "oif") {
      devName = next();
    } else if (
      [
        "as",
        "from",
        "tos",
        "expires",
        "mtu",
        "hoplimit",
        "advmss",
        "onlink",
        "nexthop",
        "nhid",
        "iif",
        "pref",
        "encap",
        "realms",
        "initcwnd",
        "window",
      ].includes(a) ||
      matches(a, "dsfield")
    ) {
      throw unsupported(`"ip route ${cmd} ... ${a}"`);
    } else {
      let v = a === "to" ? next() : a;
      const c = v.charCodeAt(0);
      if (c < 0x30 || c > 0x39) {
        const ty = routeTypeValue(v);
        if (ty !== null) {
          type = ty;
          typeGiven = true;
          v = next();
        }
      }
      if (matches(v, "help")) throw new IpError(ROUTE_USAGE, 255);
      if (dst) throw new IpError(`Error: either "to" is duplicate, or "${v}" is a garbage.\n`, 255);
      dst = getPrefix(v, fam);
      if (fam === 0) fam = dst.family;
    }
  }
  if (!dst) throw new IpError(ROUTE_USAGE, 255);
  let oif = 0;
  if (devName !== undefined) {
    const d = t.devices.byName(devName);
    if (!d) throw nodev(devName);
    oif = d.index;
  }
  const f: 4 | 6 = fam === 6 ? 6 : 4;
  if (table === undefined) {
    table =
      type === RouteType.LOCAL ||
      type === RouteType.BROADCAST ||
      type === RouteType.NAT ||
      type === RouteType.ANYCAST
        ? Table.LOCAL
        : Table.MAIN;
  }
  if (scope === undefined) {
    if (f === 6) scope = Scope.UNIVERSE;
    else if (type === RouteType.LOCAL || type === RouteType.NAT) scope = Scope.HOST;
    else if (
      type === RouteType.BROADCAST ||
      type === RouteType.MULTICAST ||
      type === RouteType.ANYCAST
    )
      scope = Scope.LINK;
    else if (type === RouteType.UNICAST || type === RouteType.UNSPEC)
      scope = del ? Scope.NOWHERE : gw ? Scope.UNIVERSE : Scope.LINK;
    else scope = Scope.UNIVERSE;
  }
  if (table !== Table.MAIN && table !== Table.LOCAL)
    throw unsupported(`table ${table} (ctkit routes with the main and local tables only)`);
  const supported: number[] = [
    RouteType.UNSPEC,
    RouteType.UNICAST,
    RouteType.BLACKHOLE,
    RouteType.UNREACHABLE,
    RouteType.PROHIBIT,
  ];
  if (!supported.includes(type))
    throw unsupported(`route type "${ROUTE_TYPE_NAMES[type] ?? type}"`);
  if (gw && gw.family !== f) throw unsupported("a gateway of the other family (RTA_VIA)");
  if (src && src.family !== f) throw rtnl({ errno: "EINVAL" });
  const ctx: RouteArgs = {
    f,
    dst: dst.isDefault ? new Uint8Array(f === 6 ? 16 : 4) : dst.bytes,
    plen: dst.isDefault ? 0 : dst.bitlen,
    gw: gw?.bytes,
    src: src?.bytes,
    oif,
    metric,
    proto,
    scope,
    type,
    typeGiven,
    table,
  };
  if (del) {
    return routeDelete(t, ctx);
  }
  return f === 4 ? routeAdd4(t, ctx, cmd === "replace") : routeAdd6(t, ctx, cmd === "replace");
}
