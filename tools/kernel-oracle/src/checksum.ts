/** Internet checksums (RFC 1071) and the validity checks compare uses. */

export function sum16(b: Uint8Array, start: number, end: number, init = 0): number {
  let s = init;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function pseudo(ip: Uint8Array, proto: number, l4len: number): number {
  if (ip[0] >> 4 === 4) return sum16(ip, 12, 20, proto + l4len);
  return sum16(ip, 8, 40, proto + (l4len >>> 16) + (l4len & 0xffff));
}

/**
 * Which checksum of this IP packet is wrong, or null when all are right.
 * Only the outermost headers are checked (a quoted packet may be truncated).
 */
export function badChecksum(ip: Uint8Array): string | null {
  if (ip.length < 1) return "empty packet";
  const v = ip[0] >> 4;
  let proto: number;
  let l4: number;
  let end: number;
  if (v === 4) {
    const ihl = (ip[0] & 15) * 4;
    if (sum16(ip, 0, ihl) !== 0xffff) return "IPv4 header checksum";
    if ((((ip[6] << 8) | ip[7]) & 0x1fff) !== 0) return null; // later fragment
    proto = ip[9];
    l4 = ihl;
    end = Math.min(ip.length, (ip[2] << 8) | ip[3]);
  } else if (v === 6) {
    proto = ip[6];
    l4 = 40;
    end = Math.min(ip.length, 40 + ((ip[4] << 8) | ip[5]));
  } else return `IP version ${v}`;
  const len = end - l4;
  const names: Record<number, string> = { 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6" };
  const name = names[proto];
  if (name === undefined) return null;
  if (proto === 17 && v === 4 && ((ip[l4 + 6] << 8) | ip[l4 + 7]) === 0) return null;
  const init = proto === 1 ? 0 : pseudo(ip, proto, len);
  return sum16(ip, l4, end, init) === 0xffff ? null : `${name} checksum`;
}
