/**
 * Prefix arithmetic for IPv4 (unsigned 32-bit numbers) and IPv6 (16 bytes
 * at an offset). Everything here is allocation-free: the routing lookups
 * on the packet path call it.
 */

/** Netmask of a prefix length, as an unsigned number (0 for /0). */
export function maskV4(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** `addr` with the host bits of a /prefixLen cleared. */
export function prefixV4(addr: number, prefixLen: number): number {
  return (addr & maskV4(prefixLen)) >>> 0;
}

/** The directed broadcast address of addr/prefixLen. */
export function broadcastV4(addr: number, prefixLen: number): number {
  return (addr | ~maskV4(prefixLen)) >>> 0;
}

export function inSubnetV4(addr: number, net: number, prefixLen: number): boolean {
  return ((addr ^ net) & maskV4(prefixLen)) === 0;
}

export const isMulticastV4 = (a: number): boolean => a >>> 28 === 0xe;
export const isLoopbackV4 = (a: number): boolean => a >>> 24 === 127;
export const isZeronetV4 = (a: number): boolean => a >>> 24 === 0;
export const LIMITED_BROADCAST = 0xffffffff;

/** Whether the first prefixLen bits of two IPv6 addresses agree. */
export function prefixMatchV6(
  a: Uint8Array,
  aOff: number,
  b: Uint8Array,
  bOff: number,
  prefixLen: number,
): boolean {
  const whole = prefixLen >>> 3;
  for (let i = 0; i < whole; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  const rest = prefixLen & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return ((a[aOff + whole] ^ b[bOff + whole]) & m) === 0;
}

/** Number of leading bits two IPv6 addresses share (0-128). */
export function commonPrefixLenV6(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number) {
  for (let i = 0; i < 16; i++) {
    const x = a[aOff + i] ^ b[bOff + i];
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 128;
}

/** A copy of addr with the host bits of a /prefixLen cleared (setup path: allocates). */
export function prefixV6(addr: Uint8Array, prefixLen: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - i * 8));
    out[i] = addr[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

export function equalV6(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < 16; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

export function isUnspecifiedV6(a: Uint8Array, off: number): boolean {
  for (let i = 0; i < 16; i++) if (a[off + i] !== 0) return false;
  return true;
}

export function isLoopbackV6(a: Uint8Array, off: number): boolean {
  for (let i = 0; i < 15; i++) if (a[off + i] !== 0) return false;
  return a[off + 15] === 1;
}

export const isMulticastV6 = (a: Uint8Array, off: number): boolean => a[off] === 0xff;
/** Multicast scope nibble (RFC 4291 2.7). */
export const multicastScopeV6 = (a: Uint8Array, off: number): number => a[off + 1] & 0x0f;
export const isLinkLocalV6 = (a: Uint8Array, off: number): boolean =>
  a[off] === 0xfe && (a[off + 1] & 0xc0) === 0x80;

/**
 * Scope of a unicast IPv6 address as ipv6_addr_src_scope() ranks it:
 * loopback and link-local 0x2, site-local 0x5, global 0xe.
 */
export function scopeV6(a: Uint8Array, off: number): number {
  if (isMulticastV6(a, off)) {
    return multicastScopeV6(a, off);
  }
  if (isLinkLocalV6(a, off) || isLoopbackV6(a, off)) return 0x2;
  if (a[off] === 0xfe && (a[off + 1] & 0xc0) === 0xc0) return 0x5;
  return 0xe;
}

/** FNV-1a over 16 address bytes: a map key for IPv6 peers and flow hashes. */
export function hashV6(a: Uint8Array, off: number, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < 16; i++) h = Math.imul(h ^ a[off + i], 0x01000193) >>> 0;
  return h;
}

/** A 32-bit mix of numbers (murmur3 finaliser), for IDs and hashes that look random. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
