/**
 * Addresses on conntrack's command line: IPv4 as inet_aton() reads it
 * (so "10.1" and "0x7f.1" work, as in conntrack-tools), IPv6 as
 * inet_pton(), either with an optional "/prefix" where a netmask is
 * allowed (--src, --dst).
 */
import { parseIpv6 } from "@ctkit/packet";
import { parameterProblem } from "./problem.js";

export interface AddressArg {
  family: 4 | 6;
  /** Address words as the conntrack table keeps them (IPv4 in word 0). */
  words: Uint32Array;
  /** Netmask words; all ones without a prefix. */
  mask: Uint32Array;
  /** True when a prefix shorter than the address was given. */
  masked: boolean;
}

/** inet_aton: one to four parts, each decimal, octal (0…) or hex (0x…); the last fills the rest. */
export function inetAton(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length === 2 ? 0 : Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = Number.parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = Number(p);
    else return undefined;
    values.push(v);
  }
  const last = values.pop() as number;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  let address = 0;
  for (const v of values) address = address * 256 + v;
  return address * 2 ** (8 * (4 - values.length)) + last;
}

function prefixMask(family: 4 | 6, bits: number): Uint32Array {
  const mask = new Uint32Array(4);
  const words = family === 4 ? 1 : 4;
  for (let i = 0; i < words; i++) {
    const b = Math.max(0, Math.min(32, bits - 32 * i));
    mask[i] = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  }
  return mask;
}

/**
 * Parses `text` for option `--name`. `cidr` says whether a prefix is
 * allowed there (conntrack-tools only allows it on --src and --dst).
 */
export function parseAddressArg(text: string, name: string, cidr: boolean): AddressArg {
  const slash = text.indexOf("/");
  const host = slash < 0 ? text : text.slice(0, slash);
  let prefix = -1;
  if (slash >= 0)
    prefix = /^[0-9]+$/.test(text.slice(slash + 1)) ? Number(text.slice(slash + 1)) : -2;
  const words = new Uint32Array(4);
  let family: 4 | 6;
  const v4 = inetAton(host);
  if (v4 !== undefined) {
    family = 4;
    words[0] = v4;
  } else {
    const bytes = parseIpv6(host);
    if (bytes === undefined) throw parameterProblem(`Invalid IP address \`${text}'`);
    family = 6;
    const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
    for (let i = 0; i < 4; i++) words[i] = view.getUint32(i * 4);
  }
  const full = family === 4 ? 32 : 128;
  if (prefix !== -1 && !cidr) throw parameterProblem(`CIDR notation unavailable for \`--${name}'`);
  if (prefix === -2 || prefix > full) throw parameterProblem("Invalid netmask");
  const bits = prefix < 0 ? full : prefix;
  return { family, words, mask: prefixMask(family, bits), masked: bits < full };
}
