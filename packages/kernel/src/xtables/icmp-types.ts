/**
 * ICMP and ICMPv6 type names of the icmp/icmp6 matches: how `--icmp-type`
 * is parsed (case-insensitive prefixes, "Ambiguous ICMP type" when two
 * names share the prefix, TYPE[/CODE] numbers) and how a type/code range is
 * printed back. Tables in the order of libipt_icmp.c / libip6t_icmp6.c: the
 * order decides both ambiguity messages and which name `-L` prints.
 */
import { type Program, paramProblem } from "./errors.js";
import { strtoui, strtoul } from "./strtoul.js";

export interface IcmpName {
  name: string;
  type: number;
  codeMin: number;
  codeMax: number;
}

function n(name: string, type: number, codeMin = 0, codeMax = 0xff): IcmpName {
  return { name, type, codeMin, codeMax };
}

export const ICMP_NAMES: readonly IcmpName[] = [
  n("any", 0xff),
  n("echo-reply", 0),
  n("pong", 0),
  n("destination-unreachable", 3),
  n("network-unreachable", 3, 0, 0),
  n("host-unreachable", 3, 1, 1),
  n("protocol-unreachable", 3, 2, 2),
  n("port-unreachable", 3, 3, 3),
  n("fragmentation-needed", 3, 4, 4),
  n("source-route-failed", 3, 5, 5),
  n("network-unknown", 3, 6, 6),
  n("host-unknown", 3, 7, 7),
  n("network-prohibited", 3, 9, 9),
  n("host-prohibited", 3, 10, 10),
  n("TOS-network-unreachable", 3, 11, 11),
  n("TOS-host-unreachable", 3, 12, 12),
  n("communication-prohibited", 3, 13, 13),
  n("host-precedence-violation", 3, 14, 14),
  n("precedence-cutoff", 3, 15, 15),
  n("source-quench", 4),
  n("redirect", 5),
  n("network-redirect", 5, 0, 0),
  n("host-redirect", 5, 1, 1),
  n("TOS-network-redirect", 5, 2, 2),
  n("TOS-host-redirect", 5, 3, 3),
  n("echo-request", 8),
  n("ping", 8),
  n("router-advertisement", 9),
  n("router-solicitation", 10),
  n("time-exceeded", 11),
  n("ttl-exceeded", 11),
  n("ttl-zero-during-transit", 11, 0, 0),
  n("ttl-zero-during-reassembly", 11, 1, 1),
  n("parameter-problem", 12),
  n("ip-header-bad", 12, 0, 0),
  n("required-option-missing", 12, 1, 1),
  n("timestamp-request", 13),
  n("timestamp-reply", 14),
  n("address-mask-request", 17),
  n("address-mask-reply", 18),
];

export const ICMPV6_NAMES: readonly IcmpName[] = [
  n("destination-unreachable", 1),
  n("no-route", 1, 0, 0),
  n("communication-prohibited", 1, 1, 1),
  n("beyond-scope", 1, 2, 2),
  n("address-unreachable", 1, 3, 3),
  n("port-unreachable", 1, 4, 4),
  n("failed-policy", 1, 5, 5),
  n("reject-route", 1, 6, 6),
  n("packet-too-big", 2),
  n("time-exceeded", 3),
  n("ttl-exceeded", 3),
  n("ttl-zero-during-transit", 3, 0, 0),
  n("ttl-zero-during-reassembly", 3, 1, 1),
  n("parameter-problem", 4),
  n("bad-header", 4, 0, 0),
  n("unknown-header-type", 4, 1, 1),
  n("unknown-option", 4, 2, 2),
  n("echo-request", 128),
  n("ping", 128),
  n("echo-reply", 129),
  n("pong", 129),
  n("router-solicitation", 133),
  n("router-advertisement", 134),
  n("neighbour-solicitation", 135),
  n("neighbor-solicitation", 135),
  n("neighbour-advertisement", 136),
  n("neighbor-advertisement", 136),
  n("redirect", 137),
];

export interface IcmpTypeRange {
  type: number;
  codeMin: number;
  codeMax: number;
}

/** parse_icmp() / parse_icmpv6(). */
export function parseIcmpType(prog: Program, v6: boolean, text: string): IcmpTypeRange {
  const table = v6 ? ICMPV6_NAMES : ICMP_NAMES;
  const what = v6 ? "ICMPv6" : "ICMP";
  let match: IcmpName | undefined;
  const lower = text.toLowerCase();
  for (const e of table) {
    if (e.name.toLowerCase().startsWith(lower)) {
      if (match !== undefined) {
        throw paramProblem(
          prog,
          `Ambiguous ${what} type \`${text}': \`${match.name}' or \`${e.name}'?`,
        );
      }
      match = e;
    }
  }
  if (match !== undefined)
    return { type: match.type, codeMin: match.codeMin, codeMax: match.codeMax };
  const slash = text.indexOf("/");
  const typeText = slash >= 0 ? text.slice(0, slash) : text;
  const type = strtoui(typeText, 0, 255);
  if (type === undefined) throw paramProblem(prog, `Unknown ${what} type \`${text}'`);
  if (slash < 0) return { type, codeMin: 0, codeMax: 0xff };
  const codeText = text.slice(slash + 1);
  const code = strtoul(codeText);
  if (code === null || code.value > 255)
    throw paramProblem(prog, `Unknown ${what} code \`${text}'`);
  if (code.end !== codeText.length) {
    throw paramProblem(prog, `unknown character ${codeText[code.end]}`);
  }
  return { type, codeMin: code.value, codeMax: code.value };
}

/**
 * print_icmptype(): a table name unless numeric ("echo-request", "!port-unreachable"),
 * else "type 8", "!type 3 code 3", "type 3 codes 1-4". The caller prefixes
 * " icmp" / " ipv6-icmp", so the numeric form reads "icmptype 8".
 */
export function printIcmpType(
  v6: boolean,
  r: IcmpTypeRange,
  invert: boolean,
  numeric: boolean,
): string {
  if (!numeric) {
    const e = (v6 ? ICMPV6_NAMES : ICMP_NAMES).find(
      (x) => x.type === r.type && x.codeMin === r.codeMin && x.codeMax === r.codeMax,
    );
    if (e !== undefined) return ` ${invert ? "!" : ""}${e.name}`;
  }
  let s = `${invert ? " !" : ""}type ${r.type}`;
  if (r.codeMin === r.codeMax) s += ` code ${r.codeMin}`;
  else if (r.codeMin !== 0 || r.codeMax !== 0xff) s += ` codes ${r.codeMin}-${r.codeMax}`;
  return s;
}

/** icmp_save() / icmp6_save() argument: "8", "3/3", "any". */
export function saveIcmpType(v6: boolean, r: IcmpTypeRange): string {
  if (!v6 && r.type === 0xff) return "any";
  const code = r.codeMin !== 0 || r.codeMax !== 0xff ? `/${r.codeMin}` : "";
  return `${r.type}${code}`;
}
