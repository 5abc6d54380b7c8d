/**
 * Bob Jenkins' lookup3 hash as include/linux/jhash.h computes it (jhash2
 * over 32-bit words), for the choices Linux makes with it deterministically
 * (find_best_ips_proto's address pick). Words are the values as a
 * little-endian CPU loads them from memory: network-order addresses are
 * byte-swapped first (see le32).
 */
const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, s: number): number {
  return ((x << s) | (x >>> (32 - s))) >>> 0;
}

/** A host-order address word as a little-endian CPU reads its network-order bytes. */
export function le32(hostOrder: number): number {
  const x = hostOrder >>> 0;
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** jhash2(k, k.length, initval). */
export function jhash2(k: ArrayLike<number>, initval: number): number {
  let length = k.length;
  let a = (JHASH_INITVAL + (length << 2) + initval) >>> 0;
  let b = a;
  let c = a;
  let i = 0;
  while (length > 3) {
    a = (a + (k[i] as number)) >>> 0;
    b = (b + (k[i + 1] as number)) >>> 0;
    c = (c + (k[i + 2] as number)) >>> 0;
    // __jhash_mix
    a = (a - c) >>> 0;
    a = (a ^ rol32(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rol32(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rol32(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rol32(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rol32(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rol32(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    length -= 3;
    i += 3;
  }
  if (length === 0) return c;
  if (length === 3) c = (c + (k[i + 2] as number)) >>> 0;
  if (length >= 2) b = (b + (k[i + 1] as number)) >>> 0;
  a = (a + (k[i] as number)) >>> 0;
  // __jhash_final
  c = ((c ^ b) - rol32(b, 14)) >>> 0;
  a = ((a ^ c) - rol32(c, 11)) >>> 0;
  b = ((b ^ a) - rol32(a, 25)) >>> 0;
  c = ((c ^ b) - rol32(b, 16)) >>> 0;
  a = ((a ^ c) - rol32(c, 4)) >>> 0;
  b = ((b ^ a) - rol32(a, 14)) >>> 0;
  c = ((c ^ b) - rol32(b, 24)) >>> 0;
  return c;
}

/** reciprocal_scale(val, ep_ro): (u32)(((u64)val * ep_ro) >> 32), exact. */
export function reciprocalScale(val: number, epRo: number): number {
  const e = epRo >>> 0;
  const a = (val >>> 16) * e;
  const b = (val & 0xffff) * e;
  const a1 = Math.floor(a / 65536);
  const a0 = a - a1 * 65536;
  return (a1 + Math.floor((a0 * 65536 + b) / 4294967296)) >>> 0;
}
