/**
 * IPv4 fragmentation on output (ip_do_fragment's slow path): a packet
 * without DF that exceeds the MTU leaves as fragments of
 * (MTU - header) rounded down to 8 bytes, in order, each with the
 * original ID; later fragments keep only the options marked "copied"
 * (ip_options_fragment). Fragments are built one at a time in fragBuf.
 */
import { ipv4HeaderChecksum, readU16, writeU16 } from "@ctkit/packet";
import type { Skb } from "./skb.js";
import type { NetStack } from "./stack.js";

const IP_MF = 0x2000;

export function fragment4(s: NetStack, skb: Skb, mtu: number): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  const hlen = ((buf[off] as number) & 0x0f) * 4;
  const total = readU16(buf, off + 2);
  const field = readU16(buf, off + 6);
  const notLast = (field & IP_MF) !== 0;
  let offset = (field & 0x1fff) * 8;
  let left = total - hlen;
  let ptr = off + hlen;
  const out = s.fragBuf;
  let first = true;
  while (left > 0) {
    let len = left;
    if (len > mtu - hlen) len = (mtu - hlen) & ~7;
    if (len <= 0) return;
    out.set(buf.subarray(off, off + hlen), 0);
    if (!first) optionsFragment(out, hlen);
    out.set(buf.subarray(ptr, ptr + len), hlen);
    writeU16(out, 2, hlen + len);
    writeU16(out, 6, (offset >>> 3) | (left - len > 0 || notLast ? IP_MF : 0));
    writeU16(out, 10, 0);
    writeU16(out, 10, ipv4HeaderChecksum(out, 0, hlen));
    s.transmitRaw(skb.oif, out, 0, hlen + len, skb.time);
    ptr += len;
    offset += len;
    left -= len;
    first = false;
  }
}

/** ip_options_fragment: options without the "copied" flag become NOPs after the first fragment. */
function optionsFragment(h: Uint8Array, hlen: number): void {
  let i = 20;
  while (i < hlen) {
    const type = h[i] as number;
    if (type === 0) return; // end of options
    if (type === 1) {
      i++;
      continue;
    }
    const len = h[i + 1] as number;
    if (len < 2 || i + len > hlen) return;
    if ((type & 0x80) === 0) h.fill(1, i, i + len);
    i += len;
  }
}
