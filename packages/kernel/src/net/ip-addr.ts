/**
 * `ip address`: add, del (iproute2's wildcard deletion included), flush
 * and show, with the kernel's rules for duplicates, secondaries and the
 * routes addresses imply (__inet_insert_ifa, inet_rtm_deladdr,
 * ipv6_add_addr, inet6_addr_del).
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
  v4Number,
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
import { showAddresses } from "./ip-show.js";
import { broadcastV4, prefixV4 } from "./prefix.js";

export const ADDR_USAGE =
  "Usage: ip address {add|del} IFADDR dev IFNAME [ brd ADDR ] [ scope SCOPE ] [ nodad ] [ noprefixroute ]\n" +
  "       ip address flush dev IFNAME\n" +
  "       ip address [ show [ dev ] IFNAME ]\n";
export function doAddr(t: IpTarget, family: Family, args: string[], out: Out): number {
  const cmd = args.shift();
  if (cmd === undefined || matches(cmd, "list") || matches(cmd, "show") || matches(cmd, "lst")) {
    return addrShow(t, family, args, out);
  }
  if (matches(cmd, "add")) {
    return addrModify(t, family, args, "add", out);
  }
  if (matches(cmd, "delete")) {
    return addrModify(t, family, args, "del", out);
  }
  if (matches(cmd, "flush")) {
    return addrFlush(t, family, args);
  }
  if (matches(cmd, "help")) throw new IpError(ADDR_USAGE, 255);
  if (["change", "replace", "save", "restore", "showdump"].some((c) => matches(cmd, c)))
    throw unsupported(`"ip address ${cmd}"`);
  throw new IpError(`Command "${cmd}" is unknown, try "ip address help".\n`, 255);
}

function addrShow(t: IpTarget, family: Family, args: string[], out: Out): number {
  let name: string | undefined;
  while (args.length > 0) {
    let a = args.shift() as string;
    if (a === "dev") {
      const n = args.shift();
      if (n === undefined) throw new IpError(ADDR_USAGE, 255);
      a = n;
    } else if (["up", "scope", "to", "label", "primary", "secondary", "type"].includes(a)) {
      throw unsupported(`"ip address show ${a}"`);
    }
    if (name !== undefined)
      throw new IpError(`Error: either "dev" is duplicate, or "${a}" is a garbage.\n`, 255);
    name = a;
  }
  let dev: NetDevice | undefined;
  if (name !== undefined) {
    dev = t.devices.byName(name);
    if (!dev) throw new IpError(`Device "${name}" does not exist.\n`, 1);
  }
  out.stdout += showAddresses(t.devices, family, dev);
  return 0;
}

function addrModify(
  t: IpTarget,
  family: Family,
  args: string[],
  cmd: "add" | "del",
  out: Out,
): number {
  let local: Prefix | undefined;
  let localText = "";
  let devName: string | undefined;
  let brd: "+" | "-" | number | undefined;
  let scope: number | undefined;
  let noDad = false;
  let noPrefixRoute = false;
  let fam = family;
  while (args.length > 0) {
    const a = args.shift() as string;
    const next = () => {
      const v = args.shift();
      if (v === undefined)
        throw new IpError(`Command line is not complete. Try option "help"\n`, 255);
      return v;
    };
    if (matches(a, "broadcast") || a === "brd") {
      const v = next();
      if (brd !== undefined)
        throw new IpError(`Error: duplicate "broadcast": "${v}" is the second value.\n`, 255);
      if (v === "+" || v === "-") brd = v;
      else {
        const addr = getAddr(v, fam);
        if (addr.family !== 4) throw unsupported("an IPv6 broadcast address");
        brd = v4Number(addr.bytes);
      }
    } else if (a === "scope") {
      const v = next();
      const s = scopeValue(v);
      if (s === null) throw invarg("invalid scope value.", v);
      scope = s;
    } else if (a === "dev") devName = next();
    else if (a === "nodad") noDad = true;
    else if (a === "noprefixroute") noPrefixRoute = true;
    else if (
      a === "peer" ||
      a === "remote" ||
      a === "label" ||
      a === "anycast" ||
      matches(a, "metric") ||
      matches(a, "valid_lft") ||
      matches(a, "preferred_lft") ||
      a === "home" ||
      a === "optimistic" ||
      a === "mngtmpaddr" ||
      a === "autojoin"
    ) {
      throw unsupported(`"ip address ${cmd} ... ${a}"`);
    } else {
      const v = a === "local" ? next() : a;
      if (matches(v, "help")) throw new IpError(ADDR_USAGE, 255);
      if (local)
        throw new IpError(`Error: either "local" is duplicate, or "${v}" is a garbage.\n`, 255);
      local = getPrefix(v, fam);
      localText = v;
      if (fam === 0) fam = local.family;
    }
  }
  if (devName === undefined) {
    throw new IpError(`Not enough information: "dev" argument is required.\n`, 1);
  }
  if (local && cmd === "del" && local.family === 4 && !local.lenGiven) {
    out.stderr +=
      "Warning: Executing wildcard deletion to stay compatible with old scripts.\n" +
      `         Explicitly specify the prefix length (${localText}/32) to avoid this warning.\n` +
      "         This special behaviour is likely to disappear in further releases,\n" +
      "         fix your scripts!\n";
  }
  // ctkit: naming a device in `addr add` creates it (replay setups have no
  // `ip link add`), but only once the request is known to be good.
  const existing = t.devices.byName(devName);
  if (!existing && cmd === "del") throw nodev(devName);
  if (!local || local.isDefault) throw rtnl({ errno: "EOPNOTSUPP" });
  const dev: NetDevice = existing ?? t.devices.ensure(devName);
  if (local.family === 4) {
    const addr = v4Number(local.bytes);
    if (cmd === "add") {
      const broadcast =
        brd === "+"
          ? broadcastV4(addr, local.bitlen)
          : brd === "-"
            ? prefixV4(addr, local.bitlen)
            : (brd ?? 0);
      const defScope = addr >>> 24 === 127 ? Scope.HOST : Scope.UNIVERSE;
      const err = t.devices.addV4(dev, addr, local.bitlen, {
        broadcast,
        scope: scope ?? defScope,
        noPrefixRoute,
      });
      if (err === "EEXIST")
        throw rtnl({ errno: "EEXIST", extack: "ipv4: Address already assigned" });
      if (err) throw rtnl({ errno: err });
      t.fib.addressAdded();
      return 0;
    }
    const err = t.devices.delV4(
      dev,
      addr,
      local.lenGiven ? local.bitlen : undefined,
      t.promoteSecondaries(),
    );
    if (err) throw rtnl({ errno: err, extack: "ipv4: Address not found" });
    if (dev.v4.length === 0) t.fib.flushDevice4(dev.index);
    t.fib.rebuild();
    return 0;
  }
  if (cmd === "add") {
    const err = t.devices.addV6(dev, local.bytes, local.bitlen, { noDad, noPrefixRoute });
    if (err) throw rtnl({ errno: "EEXIST", extack: "ipv6: address already assigned" });
    t.fib.addressAdded();
    return 0;
  }
  const err = t.devices.delV6(dev, local.bytes, local.bitlen);
  if (err) throw rtnl({ errno: "EADDRNOTAVAIL", extack: "ipv6: address not found" });
  t.fib.rebuild();
  return 0;
}

function addrFlush(t: IpTarget, family: Family, args: string[]): number {
  if (args.length === 0) throw new IpError("Flush requires arguments.\n", 1);
  let name = args.shift() as string;
  if (name === "dev") name = args.shift() ?? "";
  if (args.length > 0) throw unsupported(`"ip address flush ... ${args[0]}"`);
  const dev = t.devices.byName(name);
  if (!dev) throw new IpError(`Device "${name}" does not exist.\n`, 1);
  if (family !== 6) {
    while (dev.v4.length > 0) {
      const a = dev.v4[dev.v4.length - 1];
      if (a) t.devices.delV4(dev, a.addr, a.prefixLen, false);
    }
    t.fib.flushDevice4(dev.index);
  }
  if (family !== 4) {
    while (dev.v6.length > 0) {
      const a = dev.v6[0];
      if (a) t.devices.delV6(dev, a.addr, a.prefixLen);
    }
  }
  t.fib.rebuild();
  return 0;
}
