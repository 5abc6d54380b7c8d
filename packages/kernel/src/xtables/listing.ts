/**
 * `iptables -L` output, column for column as iptables 1.8.9 (nf_tables)
 * prints it (print_header, print_rule_details, print_fragment,
 * print_ifaces, print_ipv4_addresses), including its quirks: numeric mode
 * prints protocol numbers, counters get K/M/G/T suffixes unless -x, the
 * bytes column is narrower than its heading with -x, and `-v` on rule
 * commands echoes the rule in the one-line "NOTABLE" form.
 */
import { listAddress } from "./addr.js";
import { protoName } from "./netdb.js";
import type { Rule } from "./rule.js";
import type { Chain, Table } from "./tables.js";

/** FMT_* of xshared.h. */
export const Fmt = {
  NUMERIC: 0x0001,
  NOCOUNTS: 0x0002,
  KILOMEGAGIGA: 0x0004,
  OPTIONS: 0x0008,
  NOTABLE: 0x0010,
  NOTARGET: 0x0020,
  VIA: 0x0040,
  LINENUMBERS: 0x0100,
} as const;

/** FMT_PRINT_RULE: the format of the `-v` echo of -A/-I/-D/-C. */
export const FMT_PRINT_RULE = Fmt.NOCOUNTS | Fmt.OPTIONS | Fmt.VIA | Fmt.NUMERIC | Fmt.NOTABLE;

const padEnd = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const padStart = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

/** FMT(tab, notab): the table form unless NOTABLE. */
function fmt(format: number, s: string, width: number, left: boolean): string {
  if ((format & Fmt.NOTABLE) !== 0) return `${s} `;
  return `${left ? padEnd(s, width) : padStart(s, width)} `;
}

/** xtables_print_num(). */
export function printNum(n: number, format: number): string {
  if ((format & Fmt.KILOMEGAGIGA) === 0) return fmt(format, `${n}`, 8, false);
  if (n <= 99999) return fmt(format, `${n}`, 5, false);
  let v = n;
  for (const unit of ["K", "M", "G"]) {
    v = Math.floor((v + 500) / 1000);
    if (v <= 9999) return fmt(format, `${v}`, 4, false).replace(/ $/, `${unit} `);
  }
  v = Math.floor((v + 500) / 1000);
  return fmt(format, `${v}`, 4, false).replace(/ $/, "T ");
}

/** print_header(). */
export function listHeader(table: Table, chain: Chain, format: number): string {
  let s = `Chain ${chain.name}`;
  if (chain.builtin) {
    s += ` (policy ${chain.policy === 1 ? "ACCEPT" : "DROP"}`;
    if ((format & Fmt.NOCOUNTS) === 0) {
      s += ` ${printNum(chain.pcnt, format | Fmt.NOTABLE)}packets, `;
      s += `${printNum(chain.bcnt, format | Fmt.NOTABLE)}bytes`;
    }
    s += ")\n";
  } else {
    s += ` (${table.references(chain)} references)\n`;
  }
  if ((format & Fmt.LINENUMBERS) !== 0) s += fmt(format, "num", 4, true);
  if ((format & Fmt.NOCOUNTS) === 0) {
    if ((format & Fmt.KILOMEGAGIGA) !== 0) {
      s += fmt(format, "pkts", 5, false) + fmt(format, "bytes", 5, false);
    } else {
      s += fmt(format, "pkts", 8, false) + fmt(format, "bytes", 10, false);
    }
  }
  s += fmt(format, "target", 9, true);
  s += " prot ";
  s += "opt";
  if ((format & Fmt.VIA) !== 0) s += ` ${padEnd("in", 6)} ${padEnd("out", 6)} `;
  s += ` ${padEnd("source", 19)} `;
  s += ` ${padEnd("destination", 19)} `;
  return `${s}\n`;
}

/** One rule: print_rule_details .. print_matches_and_target, with the newline. */
export function listRule(rule: Rule, num: number, format: number): string {
  const spec = rule.spec;
  let s = "";
  if ((format & Fmt.LINENUMBERS) !== 0) s += fmt(format, `${num}`, 4, true);
  if ((format & Fmt.NOCOUNTS) === 0) s += printNum(rule.pcnt, format) + printNum(rule.bcnt, format);
  s += fmt(format, rule.targetName, 9, true);
  s += spec.invProto ? "!" : " ";
  const pname = protoName(spec.proto);
  // 1.8.9 prints the number in the numeric table form.
  if ((format & (Fmt.NUMERIC | Fmt.NOTABLE)) === Fmt.NUMERIC || pname === null) {
    s += fmt(format, `${spec.proto}`, 4, true);
  } else {
    s += fmt(format, pname, 4, true);
  }
  // print_fragment(): ip6tables has no -f and always shows "--".
  if ((format & Fmt.NOTABLE) !== 0) s += "opt ";
  if (spec.family === 6 || !spec.fragment) s += "--";
  else s += `${spec.invFragment ? "!" : "-"}f`;
  s += " ";
  if ((format & Fmt.VIA) !== 0) {
    const any = (format & Fmt.NUMERIC) !== 0 ? "*" : "any";
    const inText = (spec.invIn ? "!" : "") + (spec.iniface.text !== "" ? spec.iniface.text : any);
    const outText =
      (spec.invOut ? "!" : "") + (spec.outiface.text !== "" ? spec.outiface.text : any);
    if ((format & Fmt.NOTABLE) !== 0) s += `in ${inText} out ${outText} `;
    else s += ` ${padEnd(inText, 6)} ${padEnd(outText, 6)} `;
  }
  const numeric = (format & Fmt.NUMERIC) !== 0;
  s += spec.invSrc ? "!" : " ";
  s += fmt(format, listAddress(spec.family, spec.src, numeric), 19, true);
  s += spec.invDst ? "!" : " ";
  const dst = listAddress(spec.family, spec.dst, numeric);
  s += (format & Fmt.NOTABLE) !== 0 ? `-> ${dst}` : `${padEnd(dst, 19)} `;
  if ((format & Fmt.NOTABLE) !== 0) s += "  ";
  for (const m of spec.matches) s += m.print(numeric);
  if (spec.target !== null) s += spec.target.print(numeric);
  return `${s}\n`;
}
