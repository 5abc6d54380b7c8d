/**
 * Address arguments of -s/-d as iptables parses them
 * (xtables_ipparse_multiple / xtables_ip6parse_multiple) and the two ways it
 * prints them back (`-L`, `-S`). IPv4 parsing is xtables' own, not
 * inet_pton: "1.2.3" means 1.2.3.0, parts may be hex or octal. Host names
 * are refused ("host/network `x' not found") since ctkit has no resolver;
 * only the /etc/hosts loopback names resolve, and `-L` names only the
 * loopback host and the /etc/networks networks.
 */
import { formatIpv4, formatIpv6, parseIpv6 } from "@ctkit/packet";
import { type Program, paramProblem } from "./errors.js";
import { ipv4Name } from "./netdb.js";
import { strtoui } from "./strtoul.js";

/** An address with its mask; IPv4 uses word 0 only. Words are unsigned 32-bit. */
export interface AddrMask {
  addr: [number, number, number, number];
  mask: [number, number, number, number];
}

/** __numeric_to_ipaddr(): up to four dotted parts, missing ones are zero. */
export function numericToIpv4(text: string, isMask = false): number | undefined {
  // The C code works on a 19-character copy of the argument.
  const buf = text.slice(0, 19);
  const parts = buf.split(".");
  if (parts.length > 4) {
    // The fourth "part" would be "4.5": not a number.
    return undefined;
  }
  if (isMask && parts.length < 4) return undefined;
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p === undefined) {
      value = value * 256;
      continue;
    }
    const byte = strtoui(p, 0, 255);
    if (byte === undefined) return undefined;
    value = value * 256 + byte;
  }
  return value >>> 0;
}

function prefixMask4(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** xtables_ipmask_to_cidr(): -1 when the mask is not contiguous. */
export function cidr4(mask: number): number {
  for (let bits = 32; bits >= 0; bits--) if (prefixMask4(bits) === mask >>> 0) return bits;
  return -1;
}

function prefixMask6(bits: number): [number, number, number, number] {
  const out: [number, number, number, number] = [0, 0, 0, 0];
  for (let w = 0; w < 4; w++) {
    const b = Math.max(0, Math.min(32, bits - 32 * w));
    out[w] = prefixMask4(b);
  }
  return out;
}

/** xtables_ip6mask_to_cidr(): -1 when the mask is not contiguous. */
export function cidr6(mask: readonly number[]): number {
  for (let bits = 128; bits >= 0; bits--) {
    const m = prefixMask6(bits);
    if (m.every((w, i) => w === (mask[i] as number) >>> 0)) return bits;
  }
  return -1;
}

function words6(bytes: Uint8Array): [number, number, number, number] {
  const w: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    w[i] =
      (((bytes[4 * i] as number) << 24) |
        ((bytes[4 * i + 1] as number) << 16) |
        ((bytes[4 * i + 2] as number) << 8) |
        (bytes[4 * i + 3] as number)) >>>
      0;
  }
  return w;
}

function bytes6(w: readonly number[]): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const v = (w[i] as number) >>> 0;
    b[4 * i] = v >>> 24;
    b[4 * i + 1] = (v >>> 16) & 0xff;
    b[4 * i + 2] = (v >>> 8) & 0xff;
    b[4 * i + 3] = v & 0xff;
  }
  return b;
}

/** inet_pton(AF_INET6) as four words. */
export function parseIpv6Words(text: string): [number, number, number, number] | undefined {
  const b = parseIpv6(text);
  return b === undefined ? undefined : words6(b);
}

export function formatIpv6Words(w: readonly number[]): string {
  return formatIpv6(bytes6(w));
}

/** The /etc/hosts names every Linux box resolves without DNS. */
function hostLookup(family: 4 | 6, name: string): AddrMask["addr"] | undefined {
  if (family === 4) return name === "localhost" ? [0x7f000001, 0, 0, 0] : undefined;
  if (name === "localhost" || name === "ip6-localhost" || name === "ip6-loopback") {
    return [0, 0, 0, 1];
  }
  return undefined;
}

function parseOne(prog: Program, family: 4 | 6, item: string): AddrMask {
  const slash = item.lastIndexOf("/");
  let host = slash >= 0 ? item.slice(0, slash) : item;
  const maskText = slash >= 0 ? item.slice(slash + 1) : null;
  const invalidMask = () => paramProblem(prog, `invalid mask \`${maskText}' specified`);
  let mask: AddrMask["mask"];
  if (family === 4) {
    let m = 0xffffffff;
    if (maskText !== null) {
      if (maskText.includes(".")) {
        const v = numericToIpv4(maskText, true);
        if (v === undefined) throw invalidMask();
        m = v;
      } else {
        const bits = strtoui(maskText, 0, 32);
        if (bits === undefined) throw invalidMask();
        m = prefixMask4(bits);
      }
    }
    mask = [m, 0, 0, 0];
    // "any/0": with a null mask the name is ignored.
    if (m === 0) host = "0.0.0.0";
    const a = numericToIpv4(host) ?? hostLookup(4, host)?.[0];
    if (a === undefined) throw paramProblem(prog, `host/network \`${host}' not found`);
    return { addr: [(a & m) >>> 0, 0, 0, 0], mask };
  }
  if (maskText === null) mask = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
  else if (maskText.includes(":")) {
    const v = parseIpv6Words(maskText);
    if (v === undefined) throw invalidMask();
    mask = v;
  } else {
    const bits = strtoui(maskText, 0, 128);
    if (bits === undefined) throw invalidMask();
    mask = prefixMask6(bits);
  }
  if (mask.every((w) => w === 0)) host = "::";
  const a = parseIpv6Words(host) ?? hostLookup(6, host);
  if (a === undefined) throw paramProblem(prog, `host/network \`${host}' not found`);
  return {
    addr: [
      (a[0] & mask[0]) >>> 0,
      (a[1] & mask[1]) >>> 0,
      (a[2] & mask[2]) >>> 0,
      (a[3] & mask[3]) >>> 0,
    ],
    mask,
  };
}

/** -s/-d argument: a comma-separated list, one rule per address. */
export function parseAddressList(prog: Program, family: 4 | 6, text: string): AddrMask[] {
  return text.split(",").map((item) => parseOne(prog, family, item));
}

export const ANY_ADDR: AddrMask = { addr: [0, 0, 0, 0], mask: [0, 0, 0, 0] };

export function isAny(a: AddrMask): boolean {
  return a.mask.every((w) => w === 0);
}

/** ipv4_addr_to_string / ipv6_addr_to_string of `iptables -L`. */
export function listAddress(family: 4 | 6, a: AddrMask, numeric: boolean): string {
  if (family === 4) {
    if (a.mask[0] === 0 && !numeric) return "anywhere";
    const c = cidr4(a.mask[0]);
    const m = c === -1 ? `/${formatIpv4(a.mask[0])}` : c === 32 ? "" : `/${c}`;
    const name = numeric ? null : ipv4Name(a.addr[0]);
    return (name ?? formatIpv4(a.addr[0])) + m;
  }
  if (a.addr.every((w) => w === 0) && !numeric) return "anywhere";
  const c = cidr6(a.mask);
  const m = c === -1 ? `/${formatIpv6Words(a.mask)}` : c === 128 ? "" : `/${c}`;
  return formatIpv6Words(a.addr) + m;
}

/** save_ipv4_addr / save_ipv6_addr of `iptables -S`: " -s 10.0.0.0/8", or "". */
export function saveAddress(
  family: 4 | 6,
  letter: "s" | "d",
  a: AddrMask,
  invert: boolean,
): string {
  const inv = invert ? " !" : "";
  if (family === 4) {
    if (a.mask[0] === 0 && !invert && a.addr[0] === 0) return "";
    const c = cidr4(a.mask[0]);
    const m = c === -1 ? formatIpv4(a.mask[0]) : String(c);
    return `${inv} -${letter} ${formatIpv4(a.addr[0])}/${m}`;
  }
  const c = cidr6(a.mask);
  if (!invert && c === 0) return "";
  const m = c === -1 ? formatIpv6Words(a.mask) : String(c);
  return `${inv} -${letter} ${formatIpv6Words(a.addr)}/${m}`;
}
