import { EMPTY_BUFFER, readU16, readU32, writeU32 } from "./bytes.js";
import { ParseError } from "./errors.js";
import type { TcpView } from "./tcp.js";

/** TCP option kinds (IANA "TCP Option Kind Numbers"). */
export const TcpOptionKind = {
  End: 0,
  Nop: 1,
  Mss: 2,
  WindowScale: 3,
  SackPermitted: 4,
  Sack: 5,
  Timestamp: 8,
  Md5Signature: 19,
  UserTimeout: 28,
  Authentication: 29,
  Multipath: 30,
  FastOpen: 34,
} as const;

/** Returned by TcpOptionCursor.next() when the option area ends (EOL or no bytes left). */
export const TCP_OPTIONS_END = -1;
/** Returned by TcpOptionCursor.next() for an option whose length byte is impossible. */
export const TCP_OPTIONS_MALFORMED = -2;

/**
 * Walks the options of a TCP header one at a time without allocating; reuse one cursor.
 * NOPs are skipped. Like Linux's tcp_parse_options(), the walk stops at an option whose
 * length is below 2 or runs past the header.
 */
export class TcpOptionCursor {
  private buf: Uint8Array = EMPTY_BUFFER;
  private pos = 0;
  private end = 0;
  /** Kind of the option last returned by next(). */
  kind = -1;
  /** Absolute offset of that option's kind byte. */
  offset = 0;
  /** That option's total length, kind and length bytes included. */
  length = 0;

  /** Starts a walk over the options of an attached TcpView. */
  reset(tcp: TcpView): void {
    this.resetRange(tcp.buffer, tcp.optionsOffset, tcp.optionsLength);
  }

  /** Starts a walk over an option area given as buffer range. */
  resetRange(buffer: Uint8Array, offset: number, length: number): void {
    this.buf = buffer;
    this.pos = offset;
    this.end = offset + length;
    this.kind = -1;
    this.offset = offset;
    this.length = 0;
  }

  /** Absolute offset of the current option's data (after kind and length). */
  get dataOffset(): number {
    return this.offset + 2;
  }

  /** Advances to the next option: its kind, TCP_OPTIONS_END or TCP_OPTIONS_MALFORMED. */
  next(): number {
    const buf = this.buf;
    while (this.pos < this.end && buf[this.pos] === TcpOptionKind.Nop) this.pos++;
    if (this.pos >= this.end || buf[this.pos] === TcpOptionKind.End) {
      this.pos = this.end;
      return TCP_OPTIONS_END;
    }
    const kind = buf[this.pos];
    if (this.pos + 2 > this.end) {
      this.pos = this.end;
      return TCP_OPTIONS_MALFORMED;
    }
    const length = buf[this.pos + 1];
    if (length < 2 || this.pos + length > this.end) {
      this.pos = this.end;
      return TCP_OPTIONS_MALFORMED;
    }
    this.kind = kind;
    this.offset = this.pos;
    this.length = length;
    this.pos += length;
    return kind;
  }
}

/**
 * The options conntrack and NAT care about, collected in one pass into a reusable object.
 * Options of the wrong size are ignored, exactly as Linux's tcp_parse_options() ignores
 * them; values are reported raw (a window scale above 14 is not clamped here).
 */
export class TcpOptions {
  private readonly cursor = new TcpOptionCursor();
  private buf: Uint8Array = EMPTY_BUFFER;
  private sackOff = 0;
  /** MSS option value, -1 if absent. */
  mss = -1;
  /** Window scale shift count, -1 if absent. */
  windowScale = -1;
  sackPermitted = false;
  hasTimestamp = false;
  timestampValue = 0;
  timestampEcho = 0;
  /** Absolute offset of the timestamp option's kind byte, -1 if absent. */
  timestampOffset = -1;
  /** SACK blocks in the (last) SACK option, 0-4. */
  sackBlockCount = 0;

  /**
   * Collects the options of an attached TcpView. Returns Ok, or BadOption when the walk hit
   * a malformed option; what was found before it stays filled in.
   */
  parse(tcp: TcpView): ParseError {
    this.buf = tcp.buffer;
    this.mss = -1;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.hasTimestamp = false;
    this.timestampValue = 0;
    this.timestampEcho = 0;
    this.timestampOffset = -1;
    this.sackBlockCount = 0;
    this.sackOff = 0;
    const cursor = this.cursor;
    cursor.reset(tcp);
    for (;;) {
      const kind = cursor.next();
      if (kind === TCP_OPTIONS_END) return ParseError.Ok;
      if (kind === TCP_OPTIONS_MALFORMED) return ParseError.BadOption;
      const len = cursor.length;
      const data = cursor.dataOffset;
      switch (kind) {
        case TcpOptionKind.Mss:
          if (len === 4) this.mss = readU16(this.buf, data);
          break;
        case TcpOptionKind.WindowScale:
          if (len === 3) this.windowScale = this.buf[data];
          break;
        case TcpOptionKind.SackPermitted:
          if (len === 2) this.sackPermitted = true;
          break;
        case TcpOptionKind.Timestamp:
          if (len === 10) {
            this.hasTimestamp = true;
            this.timestampValue = readU32(this.buf, data);
            this.timestampEcho = readU32(this.buf, data + 4);
            this.timestampOffset = cursor.offset;
          }
          break;
        case TcpOptionKind.Sack:
          if (len >= 10 && (len - 2) % 8 === 0) {
            this.sackBlockCount = (len - 2) / 8;
            this.sackOff = data;
          }
          break;
      }
    }
  }

  /** Absolute offset of SACK block `index`'s left edge in the buffer (seqadj rewrites it). */
  sackBlockOffset(index: number): number {
    return this.sackOff + index * 8;
  }
  sackLeft(index: number): number {
    return readU32(this.buf, this.sackOff + index * 8);
  }
  sackRight(index: number): number {
    return readU32(this.buf, this.sackOff + index * 8 + 4);
  }
  setSackLeft(index: number, seq: number): void {
    writeU32(this.buf, this.sackOff + index * 8, seq);
  }
  setSackRight(index: number, seq: number): void {
    writeU32(this.buf, this.sackOff + index * 8 + 4, seq);
  }
}
