/**
 * ipv6_skip_exthdr as NAT and conntrack use it: the walk from the end of an IPv6 header
 * over hop-by-hop, routing, fragment, destination-options and AH headers
 * to the transport header, reading only inside the packet. Unlike the
 * packet decoder it never rejects the packet: like the kernel it only needs
 * each header's first two bytes, and stops at a fragment header with a
 * non-zero offset (what follows is payload, not a header).
 */

/** ipv6_ext_hdr(): the next-header values the walk steps over (59, "no next header", ends it). */
function isExtHeader(nexthdr: number): boolean {
  return (
    nexthdr === 0 ||
    nexthdr === 43 ||
    nexthdr === 44 ||
    nexthdr === 51 ||
    nexthdr === 59 ||
    nexthdr === 60
  );
}

/**
 * One reusable walker (a scratch object: walking allocates nothing). After
 * skip(), `nexthdr` is the protocol found (still 44 when the walk stopped at
 * a later fragment) and `fragOff` the fragment header's offset/flags word
 * (0 without one).
 */
export class ExtHeaderWalk {
  nexthdr = 0;
  fragOff = 0;

  /**
   * Walks from `start` (just past the fixed header) with the fixed header's
   * next-header value; `end` is the end of the packet's bytes. Returns the
   * offset of the transport header, or -1 when a header cannot be read or
   * the chain says there is none.
   */
  skip(buf: Uint8Array, start: number, end: number, nexthdr: number): number {
    this.fragOff = 0;
    let off = start;
    let next = nexthdr;
    while (isExtHeader(next)) {
      if (next === 59 || off + 2 > end) return -1;
      let len: number;
      if (next === 44) {
        if (off + 4 > end) return -1;
        this.fragOff = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
        // A later fragment: its transport header is in the first one.
        if ((this.fragOff & 0xfff8) !== 0) break;
        len = 8;
      } else if (next === 51) {
        len = ((buf[off + 1] as number) + 2) << 2;
      } else {
        len = ((buf[off + 1] as number) + 1) << 3;
      }
      next = buf[off] as number;
      off += len;
    }
    this.nexthdr = next;
    return off;
  }
}
