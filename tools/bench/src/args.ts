/**
 * Option values of the subcommands: integers with bounds, accepting
 * 1_000_000, 1e6 and 100k / 1M / 10m suffixes (flows and packet counts are
 * large), with errors that name the option and repeat the usage.
 */
const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };

export class UsageError extends Error {}

export function parseCount(text: string): number {
  const t = text.trim().toLowerCase().replaceAll("_", "");
  const mult = SUFFIX[t.slice(-1)];
  return mult === undefined ? Number(t) : Number(t.slice(0, -1)) * mult;
}

/** The integer value of --name (undefined when absent), within [min, max]. */
export function intOption(
  values: Record<string, unknown>,
  name: string,
  usage: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = parseCount(String(raw));
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be an integer in ${min}..${max}, not '${raw}'\n${usage}`);
  }
  return v;
}

/** JSON numbers to 3 decimals: times in ms keep µs, ratios keep more than enough. */
export function roundToMicroseconds(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isInteger(value)
    ? Math.round(value * 1e3) / 1e3
    : value;
}
