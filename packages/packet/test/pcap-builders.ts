// Hand-assembles capture files byte by byte for the pcap tests, independently
// of the library's writers, so that a writer bug cannot hide a matching
// reader bug.

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Encodes fields of the given widths (2 or 4 bytes) in one byte order. */
export function fields(le: boolean, ...values: [width: 1 | 2 | 4, value: number][]): Uint8Array {
  const out = new Uint8Array(values.reduce((n, [w]) => n + w, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [width, value] of values) {
    if (width === 1) view.setUint8(at, value);
    else if (width === 2) view.setUint16(at, value, le);
    else view.setUint32(at, value, le);
    at += width;
  }
  return out;
}

export interface ClassicRecordSpec {
  sec: number;
  /** Microseconds or nanoseconds, as the file's magic says. */
  frac: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  caplen?: number;
  origlen?: number;
}

export function classicHeader(
  le: boolean,
  options: { nano?: boolean; snaplen?: number; linkType?: number; major?: number } = {},
): Uint8Array {
  return fields(
    le,
    [4, options.nano ? 0xa1b23c4d : 0xa1b2c3d4],
    [2, options.major ?? 2],
    [2, 4],
    [4, 0],
    [4, 0],
    [4, options.snaplen ?? 65535],
    [4, options.linkType ?? 1],
  );
}

export function classicRecord(le: boolean, r: ClassicRecordSpec): Uint8Array {
  return concat(
    fields(
      le,
      [4, r.sec],
      [4, r.frac],
      [4, r.caplen ?? r.data.length],
      [4, r.origlen ?? r.data.length],
    ),
    r.data,
  );
}

export function classicFile(
  le: boolean,
  records: ClassicRecordSpec[],
  options: { nano?: boolean; snaplen?: number; linkType?: number } = {},
): Uint8Array {
  return concat(classicHeader(le, options), ...records.map((r) => classicRecord(le, r)));
}

const pad4 = (n: number) => (n + 3) & ~3;

/** A pcapng block: type, total length, body padded to 4, total length again. */
export function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, le);
  view.setUint32(4, total, le);
  out.set(body, 8);
  view.setUint32(total - 4, total, le);
  return out;
}

export function options(le: boolean, opts: [code: number, value: Uint8Array][]): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  for (const [code, value] of opts) {
    const padded = new Uint8Array(pad4(value.length));
    padded.set(value);
    parts.push(fields(le, [2, code], [2, value.length]), padded);
  }
  parts.push(fields(le, [2, 0], [2, 0]));
  return concat(...parts);
}

export function shb(le: boolean, major = 1): Uint8Array {
  return block(
    le,
    0x0a0d0d0a,
    fields(le, [4, 0x1a2b3c4d], [2, major], [2, 0], [4, 0xffffffff], [4, 0xffffffff]),
  );
}

export function idb(
  le: boolean,
  linkType: number,
  snaplen: number,
  opts: [number, Uint8Array][] = [],
): Uint8Array {
  return block(le, 1, concat(fields(le, [2, linkType], [2, 0], [4, snaplen]), options(le, opts)));
}

export const tsresol = (value: number): [number, Uint8Array] => [9, Uint8Array.of(value)];

export function tsoffset(le: boolean, seconds: number): [number, Uint8Array] {
  const high = Math.floor(seconds / 2 ** 32);
  const low = seconds - high * 2 ** 32;
  const out = new DataView(new ArrayBuffer(8));
  if (le) {
    out.setUint32(0, low, true);
    out.setInt32(4, high, true);
  } else {
    out.setInt32(0, high, false);
    out.setUint32(4, low, false);
  }
  return [14, new Uint8Array(out.buffer)];
}

export function epb(
  le: boolean,
  interfaceId: number,
  high: number,
  low: number,
  data: Uint8Array,
  origlen = data.length,
): Uint8Array {
  return block(
    le,
    6,
    concat(fields(le, [4, interfaceId], [4, high], [4, low], [4, data.length], [4, origlen]), data),
  );
}

export function spb(le: boolean, origlen: number, data: Uint8Array): Uint8Array {
  return block(le, 3, concat(fields(le, [4, origlen]), data));
}

/** The obsolete Packet Block (type 2). */
export function opb(
  le: boolean,
  interfaceId: number,
  high: number,
  low: number,
  data: Uint8Array,
): Uint8Array {
  return block(
    le,
    2,
    concat(
      fields(le, [2, interfaceId], [2, 0], [4, high], [4, low], [4, data.length], [4, data.length]),
      data,
    ),
  );
}

export const bytes = (...values: number[]) => Uint8Array.from(values);

/** Deterministic filler so each test packet is recognisable. */
export function filler(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) & 0xff;
  return out;
}
