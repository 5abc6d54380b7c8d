/**
 * Address text conversions. These allocate (strings, arrays) and belong to setup, logging and
 * tests, not to the per-packet path, which keeps IPv4 addresses as numbers and IPv6 addresses
 * as offsets into the packet buffer.
 */

/** Dotted-quad text of an IPv4 address held as an unsigned 32-bit number. */
export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

/**
 * Parses strict dotted-quad text (four decimal parts 0-255, no leading zeros, as inet_pton
 * accepts) into an unsigned 32-bit number; `undefined` if the text is not one.
 */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let address = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    address = address * 256 + value;
  }
  return address;
}

/** Copies 16 address bytes, e.g. from a packet into a caller's Uint8Array(16). */
export function copyIpv6(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff = 0): void {
  for (let i = 0; i < 16; i++) dst[dstOff + i] = src[srcOff + i];
}

/** Whether two 16-byte IPv6 addresses (each given as buffer + offset) are equal. */
export function ipv6Equal(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < 16; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

/**
 * Canonical text of the IPv6 address at `buf[off..off+16)`: RFC 5952 (lowercase, no leading
 * zeros, the longest run of two or more zero groups, leftmost on a tie, becomes "::") plus
 * glibc inet_ntop's dotted tail for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible
 * (::a.b.c.d) addresses, so that output matches what conntrack-tools and ip(8) print.
 */
export function formatIpv6(buf: Uint8Array, off = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((buf[off + 2 * i] << 8) | buf[off + 2 * i + 1]);

  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;

  // Same test as glibc: a zero run covering exactly words 0-5, or words 0-4 followed by ffff.
  const dottedTail = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff));

  let text = "";
  const hexEnd = dottedTail ? 6 : 8;
  for (let i = 0; i < hexEnd; i++) {
    if (i === bestStart) {
      text += "::";
      i += bestLen - 1;
      continue;
    }
    if (text !== "" && !text.endsWith(":")) text += ":";
    text += words[i].toString(16);
  }
  if (dottedTail) {
    if (!text.endsWith(":")) text += ":";
    text += `${buf[off + 12]}.${buf[off + 13]}.${buf[off + 14]}.${buf[off + 15]}`;
  }
  return text;
}

/**
 * Parses IPv6 text (RFC 4291 §2.2: hex groups, one "::", optional dotted IPv4 tail) into
 * `out[outOff..outOff+16)` (a new Uint8Array(16) if omitted) and returns `out`; `undefined`
 * if the text is not an address. Zone suffixes ("%eth0") are rejected: they are not part of
 * the address on the wire.
 */
export function parseIpv6(text: string, out?: Uint8Array, outOff = 0): Uint8Array | undefined {
  const groups: number[] = [];
  let compressAt = -1;

  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1].split(":")) : [];
  const parts = halves.length === 2 ? [...head, ...tail] : head;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    // A dotted IPv4 tail must end the text: "1.2.3.4::" is not an address.
    const endsText = i === parts.length - 1 && !(halves.length === 2 && tail.length === 0);
    if (endsText && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      groups.push(Number.parseInt(part, 16));
    }
    if (halves.length === 2 && i === head.length - 1) compressAt = groups.length;
  }
  if (halves.length === 2) {
    if (head.length === 0) compressAt = 0;
    if (groups.length > 7) return undefined; // "::" must stand for at least one zero group
    const zeros = new Array<number>(8 - groups.length).fill(0);
    groups.splice(compressAt, 0, ...zeros);
  } else if (groups.length !== 8) {
    return undefined;
  }

  const target = out ?? new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    target[outOff + 2 * i] = groups[i] >>> 8;
    target[outOff + 2 * i + 1] = groups[i] & 0xff;
  }
  return target;
}

/** Colon-separated lowercase hex of the 6-byte MAC address at `buf[off..)`. */
export function formatMac(buf: Uint8Array, off = 0): string {
  let text = "";
  for (let i = 0; i < 6; i++) {
    if (i > 0) text += ":";
    text += buf[off + i].toString(16).padStart(2, "0");
  }
  return text;
}

/** Parses "aa:bb:cc:dd:ee:ff" (or with "-") into `out` (new Uint8Array(6) if omitted). */
export function parseMac(text: string, out?: Uint8Array, outOff = 0): Uint8Array | undefined {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return undefined;
  const target = out ?? new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i])) return undefined;
    target[outOff + i] = Number.parseInt(parts[i], 16);
  }
  return target;
}
