/**
 * C's strtoul with base 0, as xtables_strtoui() uses it: leading blanks and a
 * sign are allowed, "0x" means hex and a leading "0" octal, and a negative
 * number wraps to a huge value (so it fails every range check). Many
 * iptables quirks come from here: `--icmp-type 0x3`, `-s 010.0.0.1`, ports
 * "0x10:020".
 */

export interface StrtoulResult {
  /** The value; Infinity when it does not fit (ERANGE or a negated non-zero). */
  value: number;
  /** Index of the first character not consumed. */
  end: number;
}

/** Parses a number at the start of `s`; null when no digit was read. */
export function strtoul(s: string, base0 = true): StrtoulResult | null {
  let i = 0;
  while (i < s.length && " \t\n\v\f\r".includes(s[i] as string)) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  let base = 10;
  if (base0 && s[i] === "0") {
    if ((s[i + 1] === "x" || s[i + 1] === "X") && /[0-9a-fA-F]/.test(s[i + 2] ?? "")) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  const start = i;
  let value = 0;
  while (i < s.length) {
    const d = Number.parseInt(s[i] as string, 36);
    if (Number.isNaN(d) || d >= base) break;
    value = value * base + d;
    i++;
  }
  if (i === start) return null;
  if (value > Number.MAX_SAFE_INTEGER) value = Number.POSITIVE_INFINITY;
  if (neg && value !== 0) value = Number.POSITIVE_INFINITY;
  return { value, end: i };
}

/** xtables_strtoui(s, NULL, &v, min, max): the whole string must be the number. */
export function strtoui(s: string, min: number, max: number): number | undefined {
  const r = strtoul(s);
  if (r === null || r.end !== s.length) return undefined;
  if (r.value < min || r.value > max) return undefined;
  return r.value;
}

/** xtables_strtoui(s, &end, &v, min, max): a number followed by anything. */
export function strtouiPrefix(
  s: string,
  min: number,
  max: number,
): { value: number; rest: string } | undefined {
  const r = strtoul(s);
  if (r === null || r.value < min || r.value > max) return undefined;
  return { value: r.value, rest: s.slice(r.end) };
}
