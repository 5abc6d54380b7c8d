/**
 * What the `ip` subcommands share: the stack interface they configure,
 * and iproute2's ways of failing — exit 1 for bad arguments, 2 when "the
 * kernel" refuses (RTNETLINK answers: strerror, or the extack text as
 * "Error: …."), 255 for usage errors.
 */
import { type DeviceTable, Scope } from "./device.js";
import type { Fib, FibError } from "./fib.js";
import { IpError, strtoul0 } from "./ip-args.js";

/** What `ip` configures: the stack exposes these. */
export interface IpTarget {
  readonly devices: DeviceTable;
  readonly fib: Fib;
  /** net.ipv6.conf.all.forwarding: subnet-router anycast addresses exist while it is on. */
  forwarding6(): boolean;
  /** net.ipv4.conf.all.promote_secondaries. */
  promoteSecondaries(): boolean;
}

export const STRERROR: Record<FibError["errno"] | "EADDRNOTAVAIL" | "EOPNOTSUPP", string> = {
  EEXIST: "File exists",
  ESRCH: "No such process",
  ENODEV: "No such device",
  EINVAL: "Invalid argument",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EOPNOTSUPP: "Operation not supported",
};

/** A refusal from "the kernel": extack text if it has one, else the errno's. */
export function rtnl(e: { errno: keyof typeof STRERROR; extack?: string }): IpError {
  return new IpError(
    e.extack ? `Error: ${e.extack}.\n` : `RTNETLINK answers: ${STRERROR[e.errno]}\n`,
    2,
  );
}

export const invarg = (msg: string, arg: string) =>
  new IpError(`Error: argument "${arg}" is wrong: ${msg}\n`, 255);
export const nodev = (name: string) => new IpError(`Cannot find device "${name}"\n`, 1);
export const unsupported = (what: string) =>
  new IpError(`ip: ${what} is not supported by ctkit\n`, 255);

export interface Out {
  stdout: string;
  stderr: string;
}

/** rtnl_rtscope_a2n: a scope name or number. */
export function scopeValue(text: string): number | null {
  switch (text) {
    case "host":
      return Scope.HOST;
    case "link":
      return Scope.LINK;
    case "global":
    case "universe":
      return Scope.UNIVERSE;
    case "site":
      return Scope.SITE;
    case "nowhere":
      return Scope.NOWHERE;
  }
  const n = strtoul0(text);
  return n !== null && n <= 255 ? n : null;
}
