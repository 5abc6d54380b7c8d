/**
 * What the FTP helper looks for at the start of a line, per direction
 * (nf_conntrack_ftp's search table), and find_pattern, which decides
 * between "announcement found", "nothing for us" and "looks like an
 * announcement but does not parse" — the last one makes Linux drop the
 * segment, so that the sender retransmits and the helper sees it whole.
 */
import type { FtpCommand } from "./command.js";
import { FtpType } from "./command.js";
import {
  type GetNum,
  type MatchSpan,
  tryEprt,
  tryEpsvResponse,
  tryRfc959,
  tryRfc1123,
} from "./numbers.js";

export interface FtpSearch {
  /** As written in log lines ("partial matching of `PORT'"). */
  readonly pattern: string;
  readonly bytes: Uint8Array;
  /** Byte to skip to before the numbers (0: they follow the pattern directly). */
  readonly skip: number;
  /** Byte that must end the numbers (0: any). Only PORT's is checked by its reader. */
  readonly term: number;
  readonly type: FtpType;
  readonly getnum: GetNum;
}

function entry(
  pattern: string,
  skip: string,
  term: string,
  type: FtpType,
  getnum: GetNum,
): FtpSearch {
  return {
    pattern,
    bytes: new TextEncoder().encode(pattern),
    skip: skip === "" ? 0 : skip.charCodeAt(0),
    term: term === "" ? 0 : term.charCodeAt(0),
    type,
    getnum,
  };
}

/**
 * Index 0: what the connection's initiator sends (ORIGINAL direction),
 * index 1: what the responder sends. Tried in order; the first that is
 * not "nothing for us" decides.
 */
export const SEARCH: readonly (readonly FtpSearch[])[] = [
  [
    entry("PORT", " ", "\r", FtpType.PORT, tryRfc959),
    entry("EPRT", " ", "\r", FtpType.EPRT, tryEprt),
  ],
  [
    entry("227 ", "", "", FtpType.PASV, tryRfc1123),
    entry("229 ", "(", ")", FtpType.EPSV, tryEpsvResponse),
  ],
];

/** ASCII case folding; the patterns are ASCII, so Latin-1 folding (as the kernel's tolower does) can never make a byte match. */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** strncasecmp(data, pattern, n) === 0; a NUL in the data never matches. */
function prefixMatches(data: Uint8Array, start: number, pattern: Uint8Array, n: number): boolean {
  for (let k = 0; k < n; k++) {
    const c = data[start + k] as number;
    if (c === 0) return false;
    if (lower(c) !== lower(pattern[k] as number)) return false;
  }
  return true;
}

/** find_pattern's three outcomes. */
export const Found = { PARTIAL: -1, NONE: 0, MATCH: 1 } as const;
export type Found = (typeof Found)[keyof typeof Found];

/**
 * Looks for `s` at data[start .. start+dlen). On MATCH, `span` holds the
 * announcement's offset (relative to `start`) and length, and `cmd` what
 * it says. PARTIAL when the data is a prefix of the pattern (the rest may
 * be in the next segment), when the skip byte never comes, or when the
 * numbers do not parse.
 */
export function findPattern(
  data: Uint8Array,
  start: number,
  dlen: number,
  s: FtpSearch,
  span: MatchSpan,
  cmd: FtpCommand,
): Found {
  const plen = s.bytes.length;
  if (dlen <= plen) return prefixMatches(data, start, s.bytes, dlen) ? Found.PARTIAL : Found.NONE;
  if (!prefixMatches(data, start, s.bytes, plen)) return Found.NONE;
  let i = plen;
  if (s.skip !== 0) {
    // Anything may stand between the pattern and the skip byte ("PORTX 1,2,...").
    while (data[start + i] !== s.skip) {
      if (i === dlen - 1) return Found.PARTIAL;
      i++;
    }
    i++;
  }
  span.off = i;
  span.len = s.getnum(data, start + i, dlen - i, cmd, s.term, span);
  return span.len === 0 ? Found.PARTIAL : Found.MATCH;
}
