/**
 * xtables_save_string(): how `-S` writes a free-text option value — bare
 * when it is only letters, digits, '_' and '-', else in double quotes with
 * '"', '\' and ''' escaped. Returns the value with its leading space.
 */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return ` ${value}`;
  return ` "${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}
