/**
 * Capture timestamps are carried as two integers: whole seconds since the
 * Unix epoch and nanoseconds within that second. A single double cannot hold
 * a nanosecond timestamp exactly (1.7e18 > 2^53) and a bigint per packet
 * costs an allocation, whereas two small integers are exact for every
 * microsecond and nanosecond capture, round-trip without loss, and compare
 * with two number comparisons.
 */

/** Resolution a classic pcap file stores (and the default for a pcapng interface). */
export type TimestampPrecision = "micro" | "nano";

const NS_PER_SEC = 1_000_000_000;
const TWO_16 = 65536;
const TWO_32 = 4294967296;

/** Orders two timestamps; negative, zero or positive like a sort comparator. */
export function compareTimestamps(
  aSec: number,
  aNsec: number,
  bSec: number,
  bNsec: number,
): number {
  return aSec !== bSec ? aSec - bSec : aNsec - bNsec;
}

/** Exact nanoseconds since the epoch, for callers that prefer a single key. */
export function timestampToNanoseconds(sec: number, nsec: number): bigint {
  return BigInt(sec) * 1_000_000_000n + BigInt(nsec);
}

/** Inverse of {@link timestampToNanoseconds}. */
export function timestampFromNanoseconds(ns: bigint): { sec: number; nsec: number } {
  if (ns < 0n) throw new RangeError(`negative timestamp ${ns}`);
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

/** tcpdump -tt style text: "1700000000.123456" (micro) or 9 digits (nano). */
export function formatTimestamp(
  sec: number,
  nsec: number,
  precision: TimestampPrecision = "nano",
): string {
  if (precision === "micro") {
    return `${sec}.${String(Math.floor(nsec / 1000)).padStart(6, "0")}`;
  }
  return `${sec}.${String(nsec).padStart(9, "0")}`;
}

/** Scratch output of the conversions below, reused so the hot loop allocates nothing. */
export interface SecNsec {
  sec: number;
  nsec: number;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Converts a pcapng 64-bit timestamp (`high`:`low` units) with interface
 * resolution byte `tsresol` (if_tsresol: high bit clear = 10^-n seconds,
 * set = 2^-n seconds) to seconds + nanoseconds.
 *
 * Decimal resolutions down to nanoseconds are exact and take a fast path of
 * 16-bit long division in doubles. Finer or binary resolutions go through
 * bigint (rare in practice) and round the fraction down to nanoseconds.
 */
export function unitsToTimestamp(high: number, low: number, tsresol: number, out: SecNsec): void {
  if (tsresol <= 9) {
    const d = POW10[tsresol];
    // Every intermediate stays below 2^47, so the doubles are exact.
    const q1 = Math.floor(high / d);
    const r1 = high - q1 * d;
    const x = r1 * TWO_16 + (low >>> 16);
    const q2 = Math.floor(x / d);
    const r2 = x - q2 * d;
    const y = r2 * TWO_16 + (low & 0xffff);
    const q3 = Math.floor(y / d);
    const r3 = y - q3 * d;
    out.sec = q1 * TWO_32 + q2 * TWO_16 + q3;
    out.nsec = r3 * POW10[9 - tsresol];
    return;
  }
  const units = (BigInt(high) << 32n) | BigInt(low);
  const exponent = BigInt(tsresol & 0x7f);
  const perSecond = tsresol & 0x80 ? 1n << exponent : 10n ** exponent;
  out.sec = Number(units / perSecond);
  out.nsec = Number(((units % perSecond) * 1_000_000_000n) / perSecond);
}

/** Output of {@link timestampToUnits}. */
export interface Units64 {
  high: number;
  low: number;
}

/**
 * Inverse of {@link unitsToTimestamp} for decimal resolutions 10^-0 .. 10^-9:
 * `sec * 10^n + floor(nsec / 10^(9-n))` as two 32-bit halves, computed in
 * 16-bit limbs so it stays exact for any safe-integer `sec`.
 */
export function timestampToUnits(
  sec: number,
  nsec: number,
  decimalDigits: number,
  out: Units64,
): void {
  const multiplier = POW10[decimalDigits];
  let carry = Math.floor(nsec / POW10[9 - decimalDigits]);
  let rest = sec;
  const limbs = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const limb = rest % TWO_16;
    rest = (rest - limb) / TWO_16;
    const t = limb * multiplier + carry;
    limbs[i] = t % TWO_16;
    carry = (t - limbs[i]) / TWO_16;
  }
  if (carry !== 0 || rest !== 0) {
    throw new RangeError(
      `timestamp ${sec}.${nsec} does not fit in 64 bits of 1e-${decimalDigits} s`,
    );
  }
  out.high = limbs[3] * TWO_16 + limbs[2];
  out.low = limbs[1] * TWO_16 + limbs[0];
}

/** Throws a RangeError unless sec/nsec is a valid timestamp (sec < `maxSec`). */
export function checkTimestamp(sec: number, nsec: number, maxSec: number): void {
  if (!Number.isInteger(sec) || sec < 0 || sec >= maxSec) {
    throw new RangeError(`timestamp seconds ${sec} out of range [0, ${maxSec})`);
  }
  if (!Number.isInteger(nsec) || nsec < 0 || nsec >= NS_PER_SEC) {
    throw new RangeError(`timestamp nanoseconds ${nsec} out of range [0, ${NS_PER_SEC})`);
  }
}
