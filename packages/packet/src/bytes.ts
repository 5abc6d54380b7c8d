/**
 * Big-endian field access. Callers (the views) validate bounds once in `attach()`, so these
 * helpers do no checks of their own: an out-of-range read of a typed array yields
 * `undefined`, which the bit operators turn into 0, and never throws.
 */

/** A zero-length buffer so that detached views hold a typed array, keeping them monomorphic. */
export const EMPTY_BUFFER: Uint8Array = new Uint8Array(0);

export function readU16(buf: Uint8Array, off: number): number {
  return (buf[off] << 8) | buf[off + 1];
}

export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

export function writeU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 8;
  buf[off + 1] = value;
}

export function writeU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 24;
  buf[off + 1] = value >>> 16;
  buf[off + 2] = value >>> 8;
  buf[off + 3] = value;
}

/** Whether `[off, off + len)` lies inside `buf`; attach() uses it to reject caller mistakes. */
export function rangeInside(buf: Uint8Array, off: number, len: number): boolean {
  return off >= 0 && len >= 0 && off + len <= buf.length;
}
