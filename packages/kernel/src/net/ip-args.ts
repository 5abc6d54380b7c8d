/**
 * iproute2's argument parsing (lib/utils.c): keyword abbreviations, and
 * addresses and prefixes as get_addr_1()/get_prefix_1() accept them —
 * "default"/"any"/"all", IPv4 parts read with strtoul(…, 0) ("10/8",
 * "0x0a.1.2.3"), netmasks as lengths or dotted quads — with the exact
 * error texts `ip` prints.
 */
import { parseIpv6 } from "@ctkit/packet";

/** A failure `ip` reports: the text (newline included) and its exit status. */
export class IpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** AF_UNSPEC, AF_INET, AF_INET6 as iproute2 uses them. */
export type Family = 0 | 4 | 6;

/** matches(): `word` is a non-empty prefix of `full` (how iproute2 accepts abbreviations). */
export function matches(word: string, full: string): boolean {
  return word.length > 0 && full.startsWith(word);
}

export interface Prefix {
  family: Family;
  /** 4 bytes or 16 bytes; all zero for "default". */
  bytes: Uint8Array;
  bitlen: number;
  /** A "/N" was given (or the keyword "default"). */
  lenGiven: boolean;
  /** "default" / "any" / "all". */
  isDefault: boolean;
}

function familyVerbose(f: Family): string {
  return f === 4 ? "inet" : f === 6 ? "inet6" : "any valid";
}

/** strtoul(s, &end, 0) over the whole of `s`: decimal, 0x hex or 0 octal; null if not all digits. */
export function strtoul0(s: string): number | null {
  const m = /^0[xX]([0-9a-fA-F]+)$/.exec(s);
  if (m) {
    return Number.parseInt(m[1] as string, 16);
  }
  if (/^0[0-7]*$/.test(s)) {
    return Number.parseInt(s, 8);
  }
  if (/^[1-9][0-9]*$/.test(s)) {
    return Number(s);
  }
  return null;
}

/** get_addr_ipv4: up to four parts, missing ones zero. */
function parseV4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length > 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < parts.length; i++) {
    const n = strtoul0(parts[i] as string);
    if (n === null || n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** get_addr_1 without the keyword cases; null when not an address of `family`. */
function parseAddr(text: string, family: Family): { family: 4 | 6; bytes: Uint8Array } | null {
  if (text.includes(":")) {
    if (family === 4) return null;
    const b = parseIpv6(text);
    return b ? { family: 6, bytes: b } : null;
  }
  if (family === 6) return null;
  const b = parseV4(text);
  return b ? { family: 4, bytes: b } : null;
}

/** get_netmask: a length, or a dotted mask with contiguous ones. */
function parseNetmask(text: string): number | null {
  const n = strtoul0(text);
  if (n !== null) return n;
  const b = parseV4(text);
  if (!b || !text.includes(".")) return null;
  const v =
    ((b[0] as number) << 24) |
    ((b[1] as number) << 16) |
    ((b[2] as number) << 8) |
    (b[3] as number);
  const inv = ~v >>> 0;
  if ((inv & (inv + 1)) !== 0) return null;
  return 32 - Math.log2(inv + 1);
}

/** get_prefix(): exits with `Error: inet prefix is expected rather than "x".` on failure. */
export function getPrefix(text: string, family: Family): Prefix {
  const fail = () =>
    new IpError(`Error: ${familyVerbose(family)} prefix is expected rather than "${text}".\n`, 1);
  const slash = text.indexOf("/");
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  if (addrText === "default" || addrText === "any" || addrText === "all") {
    if (addrText === "default" && slash >= 0) throw fail();
    const f: Family = family;
    const bytes = new Uint8Array(f === 6 ? 16 : 4);
    let bitlen = 0;
    if (slash >= 0) {
      const n = parseNetmask(text.slice(slash + 1));
      if (n === null || n > (f === 6 ? 128 : f === 4 ? 32 : 0)) throw fail();
      bitlen = n;
    }
    return { family: f, bytes, bitlen, lenGiven: true, isDefault: true };
  }
  const a = parseAddr(addrText, family);
  if (!a) throw fail();
  const max = a.family === 4 ? 32 : 128;
  let bitlen = max;
  if (slash >= 0) {
    const n = parseNetmask(text.slice(slash + 1));
    if (n === null || n > max) throw fail();
    bitlen = n;
  }
  return { family: a.family, bytes: a.bytes, bitlen, lenGiven: slash >= 0, isDefault: false };
}

/** get_addr(): exits with `Error: inet address is expected rather than "x".` on failure. */
export function getAddr(text: string, family: Family): { family: 4 | 6; bytes: Uint8Array } {
  const a = parseAddr(text, family);
  if (!a)
    throw new IpError(
      `Error: ${familyVerbose(family)} address is expected rather than "${text}".\n`,
      1,
    );
  return a;
}

/** get_unsigned with base 0; `what` names the argument for invarg(). */
export function getUnsigned(text: string, what: string): number {
  const n = strtoul0(text);
  if (n === null || n > 0xffffffff)
    throw new IpError(`Error: argument "${text}" is wrong: ${what}\n\n`, 255);
  return n;
}

export function v4Number(bytes: Uint8Array): number {
  return (
    (((bytes[0] as number) << 24) |
      ((bytes[1] as number) << 16) |
      ((bytes[2] as number) << 8) |
      (bytes[3] as number)) >>>
    0
  );
}
