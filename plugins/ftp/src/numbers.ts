/**
 * The number readers of nf_conntrack_ftp (try_number, try_rfc959,
 * try_rfc1123, get_port, try_eprt, try_epsv_response), with the kernel's
 * exact tolerance: fields are unsigned decimal with no range check (they
 * wrap as C unsigned integers do and are OR-ed together), empty fields
 * count as 0, and the text must end on the expected terminator.
 *
 * Every reader looks at data[start .. start+dlen) and returns how many
 * bytes the announcement occupies (what NAT will replace), or 0 when it
 * does not parse. On success it fills the shared FtpCommand.
 */
import type { FtpCommand } from "./command.js";
import { in6Pton } from "./inet-pton.js";

const COMMA = 0x2c;
const DOT = 0x2e;

/** Where the announcement starts within the payload; try_rfc1123 moves it. */
export interface MatchSpan {
  off: number;
  len: number;
}

export type GetNum = (
  data: Uint8Array,
  start: number,
  dlen: number,
  cmd: FtpCommand,
  term: number,
  span: MatchSpan,
) => number;

/** Field values of the last try_number call (reused, never reallocated). */
const fields = new Uint32Array(6);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Reads `count` decimal fields separated by `sep` into `fields`. Parsing
 * stops at the first other byte, which must be `term` (or anything when
 * `term` is 0) and must come after exactly count-1 separators. Returns the
 * bytes read before that byte, or 0: too few or too many separators, a
 * wrong terminator, or running out of data.
 */
export function tryNumber(
  data: Uint8Array,
  start: number,
  dlen: number,
  count: number,
  sep: number,
  term: number,
): number {
  fields.fill(0);
  let i = 0;
  for (let len = 0; len < dlen && i < count; len++) {
    const c = data[start + len] as number;
    if (isDigit(c)) {
      fields[i] = Math.imul(fields[i] as number, 10) + (c - 0x30);
    } else if (c === sep) {
      i++;
    } else {
      return (c === term || term === 0) && i === count - 1 ? len : 0;
    }
  }
  return 0;
}

/** Four fields as an IPv4 address word: shifted and OR-ed, overlapping when a field exceeds 255. */
function ipv4Word(): number {
  return (
    (((fields[0] as number) << 24) |
      ((fields[1] as number) << 16) |
      ((fields[2] as number) << 8) |
      (fields[3] as number)) >>>
    0
  );
}

/** PORT's "h1,h2,h3,h4,p1,p2" (RFC 959), ended by `term`. */
export const tryRfc959: GetNum = (data, start, dlen, cmd, term) => {
  const length = tryNumber(data, start, dlen, 6, COMMA, term);
  if (length === 0) return 0;
  cmd.addr[0] = ipv4Word();
  cmd.port = (((fields[4] as number) << 8) | (fields[5] as number)) & 0xffff;
  return length;
};

/**
 * The 227 reply: RFC 1123 says the six numbers may come without the
 * parentheses of RFC 959, so skip to the first digit and read from there
 * with no terminator requirement. The match starts at that digit.
 */
export const tryRfc1123: GetNum = (data, start, dlen, cmd, _term, span) => {
  let i = 0;
  while (i < dlen && !isDigit(data[start + i] as number)) i++;
  if (i === dlen) return 0;
  span.off += i;
  return tryRfc959(data, start + i, dlen - i, cmd, 0, span);
};

/**
 * Decimal digits from data[start+from] up to `delim`, as a 16-bit port
 * (wrapping). Returns the index (relative to `start`) just past the
 * delimiter, or 0 for a port of 0, another byte, or no delimiter.
 */
export function getPort(
  data: Uint8Array,
  start: number,
  from: number,
  dlen: number,
  delim: number,
  cmd: FtpCommand,
): number {
  let port = 0;
  for (let i = from; i < dlen; i++) {
    const c = data[start + i] as number;
    if (c === delim) {
      if (port === 0) return 0;
      cmd.port = port;
      return i + 1;
    }
    if (!isDigit(c)) return 0;
    port = (port * 10 + (c - 0x30)) & 0xffff;
  }
  return 0;
}

/** A printable, non-digit byte (RFC 2428's delimiter, in practice '|'). */
function isDelimiter(c: number): boolean {
  return c >= 33 && c <= 126 && !isDigit(c);
}

/**
 * EPRT's "<d>1<d>a.b.c.d<d>port<d>" or "<d>2<d>ipv6<d>port<d>". The
 * protocol digit must match the connection's family. The match covers
 * everything from the first to the last delimiter.
 */
export const tryEprt: GetNum = (data, start, dlen, cmd) => {
  if (dlen <= 3) return 0;
  const delim = data[start] as number;
  if (!isDelimiter(delim) || data[start + 2] !== delim) return 0;
  const af = data[start + 1] as number;
  if ((cmd.family === 4 && af !== 0x31) || (cmd.family === 6 && af !== 0x32)) return 0;
  let length: number;
  if (af === 0x31) {
    length = tryNumber(data, start + 3, dlen - 3, 4, DOT, delim);
    if (length !== 0) cmd.addr[0] = ipv4Word();
  } else {
    const end = in6Pton(data, start + 3, Math.min(dlen - 3, 0xffff), delim, cmd.addr);
    length = end < 0 ? 0 : end - (start + 3);
  }
  if (length === 0) return 0;
  // The port starts after the byte that ended the address (normally the delimiter).
  return getPort(data, start, 3 + length + 1, dlen, delim, cmd);
};

/** The 229 reply's "<d><d><d>port<d>" after the '('. */
export const tryEpsvResponse: GetNum = (data, start, dlen, cmd) => {
  if (dlen <= 3) return 0;
  const delim = data[start] as number;
  if (!isDelimiter(delim) || data[start + 1] !== delim || data[start + 2] !== delim) return 0;
  return getPort(data, start, 3, dlen, delim, cmd);
};
