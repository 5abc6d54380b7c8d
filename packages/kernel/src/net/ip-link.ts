/** `ip link`: show, and set [dev] NAME [up] [mtu N] (which also creates the device). */
import { formatMac } from "@ctkit/packet";
import type { NetDevice } from "./device.js";
import { IpError, matches, strtoul0 } from "./ip-args.js";
import { type IpTarget, invarg, type Out, rtnl, unsupported } from "./ip-common.js";

export const LINK_USAGE =
  "Usage: ip link set [ dev ] DEVICE [ up | down ] [ mtu MTU ]\n       ip link show [ [ dev ] DEVICE ]\n";

export function doLink(t: IpTarget, args: string[], out: Out): number {
  const cmd = args.shift();
  if (cmd === undefined || matches(cmd, "show") || matches(cmd, "list") || matches(cmd, "lst")) {
    let name = args.shift();
    if (name === "dev") name = args.shift();
    let only: NetDevice | undefined;
    if (name !== undefined) {
      only = t.devices.byName(name);
      if (!only) throw new IpError(`Device "${name}" does not exist.\n`, 1);
    }
    for (const d of t.devices.all()) {
      if (only && d !== only) continue;
      const flags = d.loopback ? "LOOPBACK,UP,LOWER_UP" : "BROADCAST,MULTICAST,UP,LOWER_UP";
      const state = d.loopback ? "UNKNOWN" : "UP";
      out.stdout += `${d.index}: ${d.name}: <${flags}> mtu ${d.mtu} qdisc noqueue state ${state} mode DEFAULT group default qlen 1000\n`;
      out.stdout += d.loopback
        ? "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        : `    link/ether ${formatMac(d.mac)} brd ff:ff:ff:ff:ff:ff\n`;
    }
    return 0;
  }
  if (matches(cmd, "help")) throw new IpError(LINK_USAGE, 255);
  if (!matches(cmd, "set")) {
    if (["add", "delete", "change"].some((c) => matches(cmd, c)))
      throw unsupported(`"ip link ${cmd}"`);
    throw new IpError(`Command "${cmd}" is unknown, try "ip link help".\n`, 255);
  }
  let name: string | undefined;
  let mtu: number | undefined;
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === "up" || a === "down") {
      // ctkit devices are always up; "down" is refused rather than ignored.
      if (a === "down") throw unsupported('"ip link set ... down"');
    } else if (a === "mtu") {
      const v = args.shift() ?? "";
      const n = strtoul0(v);
      if (n === null) throw invarg('Invalid "mtu" value\n', v);
      mtu = n;
    } else if (a === "dev") {
      name = args.shift();
    } else if (name === undefined) {
      name = a;
    } else throw unsupported(`"ip link set ... ${a}"`);
  }
  if (name === undefined)
    throw new IpError(`Not enough information: "dev" argument is required.\n`, 1);
  if (name === "lo") throw unsupported('"ip link set lo"');
  const dev = t.devices.ensure(name);
  if (mtu !== undefined) {
    if (mtu < 68) throw rtnl({ errno: "EINVAL", extack: "mtu less than device minimum" });
    if (mtu > 65535) throw rtnl({ errno: "EINVAL", extack: "mtu greater than device maximum" });
    dev.mtu = mtu;
  }
  return 0;
}
