/**
 * Text-to-address conversion with the exact acceptance rules of the
 * kernel's in4_pton/in6_pton (net/core/utils.c), which nf_conntrack_ftp
 * uses for the address of an IPv6 EPRT. They differ from inet_pton(3):
 * leading zeros in an IPv6 group are unlimited ("00001" is group 1), a NUL
 * byte or the end of the data ends the address like the delimiter does, an
 * embedded IPv4 tail may also end at a ':', and octets must be non-empty
 * and at most 255. Each call scans one byte at a time through a small
 * state machine and writes its result only on success.
 */

// Character classes and the "what may come next" state share one bit space.
const XDIGIT = 0x0001_0000;
const DIGIT = 0x0002_0000;
const COLON_1 = 0x0010_0000; // a single ':' may follow
const COLON_2 = 0x0020_0000; // the second ':' of "::" may follow
const COLON_1_2 = 0x0040_0000; // a "::" may start here
const COLON_MASK = COLON_1 | COLON_2 | COLON_1_2;
const DOT = 0x0080_0000;
const DELIM = 0x1000_0000;
/** No group is pending: the leading "::" or a full address ending in "::". */
const NULL_GROUP = 0x2000_0000;
const UNKNOWN = 0x4000_0000;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** The class of byte `c`; `c` is 0 once the data has run out (then it ends the address). */
function classify(c: number, delim: number): number {
  if (c === delim || c === 0) return DELIM;
  if (c === 0x3a) return COLON_MASK;
  if (c === 0x2e) return DOT;
  const v = hexValue(c);
  if (v >= 0) return v | XDIGIT | (v < 10 ? DIGIT : 0);
  return UNKNOWN;
}

const v4 = new Uint8Array(4);

/**
 * Parses a dotted quad starting at `start` with `srclen` bytes available,
 * ended by `delim`, a ':', a NUL or the end of the data. On success writes
 * the 4 bytes to out[outOff..] and returns the index where it stopped;
 * returns -1 on failure.
 */
export function in4Pton(
  data: Uint8Array,
  start: number,
  srclen: number,
  delim: number,
  out: Uint8Array,
  outOff: number,
): number {
  let s = start;
  let left = srclen;
  let octets = 0;
  // Like the kernel, the accumulator also collects the class bits of every
  // digit (so a component that had digits is never 0); only its low 16 bits
  // are the decimal value. 32-bit wrap-around as in C.
  let w = 0;
  for (;;) {
    const c = classify(left > 0 ? (data[s] as number) : 0, delim);
    if ((c & (DIGIT | DOT | DELIM | COLON_MASK)) === 0) return -1;
    if ((c & (DOT | DELIM | COLON_MASK)) !== 0) {
      if (w === 0) return -1;
      v4[octets++] = w & 0xff;
      w = 0;
      if ((c & (DELIM | COLON_MASK)) !== 0) {
        if (octets !== 4) return -1;
        break;
      }
    } else {
      w = (Math.imul(w, 10) + c) | 0;
      if ((w & 0xffff) > 255) return -1;
    }
    if (octets >= 4) return -1;
    s++;
    left--;
  }
  out.set(v4, outOff);
  return s;
}

const buf = new Uint8Array(16);
const res = new Uint8Array(16);

/**
 * Parses an IPv6 address starting at `start` (`srclen` bytes available)
 * up to `delim`. On success stores it in `out` as four big-endian words
 * and returns the index where parsing stopped (the delimiter, or wherever
 * an embedded IPv4 tail ended); returns -1 on failure, leaving `out` alone.
 */
export function in6Pton(
  data: Uint8Array,
  start: number,
  srclen: number,
  delim: number,
  out: Uint32Array,
): number {
  buf.fill(0);
  let s = start;
  let left = srclen;
  let d = 0; // bytes of `buf` filled
  let dc = -1; // where "::" was seen (the gap), -1 if not
  let tok = -1; // start of the current group
  let w = 0;
  let state = COLON_1_2 | XDIGIT | NULL_GROUP;
  for (;;) {
    const c = classify(left > 0 ? (data[s] as number) : 0, delim);
    if ((c & state) === 0) return -1;
    if ((c & (DELIM | COLON_MASK)) !== 0) {
      // A group ends here.
      if ((state & NULL_GROUP) === 0) {
        buf[d++] = (w >> 8) & 0xff;
        buf[d++] = w & 0xff;
      }
      w = 0;
      if ((c & DELIM) !== 0) break;
      switch (state & COLON_MASK) {
        case COLON_2:
          dc = d;
          state = XDIGIT | DELIM;
          if (dc >= 16) state |= NULL_GROUP;
          break;
        case COLON_1 | COLON_1_2:
          state = XDIGIT | COLON_2;
          break;
        case COLON_1:
          state = XDIGIT;
          break;
        case COLON_1_2:
          state = COLON_2;
          break;
        default:
          state = 0;
      }
      tok = s + 1;
    } else if ((c & DOT) !== 0) {
      // An IPv4 tail: re-read the current group as a dotted quad. A DOT is
      // only allowed once a ':' was seen, so `tok` is set.
      const from = tok >= 0 ? tok : s;
      const end = in4Pton(data, from, left + (s - from), delim, buf, d);
      if (end < 0) return -1;
      s = end;
      d += 4;
      break;
    } else {
      w = (w << 4) | (c & 0xff);
      state = COLON_1 | DELIM;
      // Up to four significant hex digits; leading zeros do not count.
      if ((w & 0xf000) === 0) state |= XDIGIT;
      if (dc < 0 && d + 2 < 16) {
        state |= COLON_1_2;
        state &= ~DELIM;
      }
      if (d + 2 >= 16) state &= ~(COLON_1 | COLON_1_2);
    }
    if ((dc >= 0 && d + 4 < 16) || d + 4 === 16) state |= DOT;
    if (d >= 16) state &= ~(XDIGIT | COLON_MASK);
    s++;
    left--;
  }
  // Move the groups after "::" to the end and zero the gap.
  if (dc >= 0) {
    let i = 15;
    let k = d - 1;
    while (k >= dc) res[i--] = buf[k--] as number;
    while (i >= dc) res[i--] = 0;
    while (i >= 0) res[i--] = buf[k--] as number;
  } else res.set(buf);
  for (let i = 0; i < 4; i++) {
    out[i] =
      (((res[4 * i] as number) << 24) |
        ((res[4 * i + 1] as number) << 16) |
        ((res[4 * i + 2] as number) << 8) |
        (res[4 * i + 3] as number)) >>>
      0;
  }
  return s;
}
