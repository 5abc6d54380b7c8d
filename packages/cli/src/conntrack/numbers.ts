/**
 * C's atol/strtoul as conntrack-tools applies them to option values: the
 * leading number of the text, 0 when there is none (so "-t abc" means 0).
 */
export function leadingNumber(text: string, base0 = false): number {
  const t = text.trimStart();
  const sign = t.startsWith("-") ? -1 : 1;
  const body = t.replace(/^[+-]/, "");
  if (base0) {
    const hex = /^0[xX]([0-9a-fA-F]+)/.exec(body);
    if (hex) return sign * Number.parseInt(hex[1] as string, 16);
    const oct = /^0([0-7]*)/.exec(body);
    if (oct) return sign * (oct[1] ? Number.parseInt(oct[1], 8) : 0);
  }
  const dec = /^[0-9]+/.exec(body);
  return dec ? sign * Number(dec[0]) : 0;
}
