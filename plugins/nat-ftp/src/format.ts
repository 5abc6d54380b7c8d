/**
 * The replacement text nf_nat_ftp writes over an announcement
 * (nf_nat_ftp_fmt_cmd): for PORT and 227 the six decimal numbers of
 * address and port, for EPRT "|1|a.b.c.d|port|" or "|2|<IPv6>|port|", for
 * 229 "|||port|". Linux prints an IPv6 address with %pI6 — all eight
 * groups, four lower-case hex digits each, never "::" — so an EPRT through
 * IPv6 NAT usually grows. Written as ASCII into a caller's buffer, so a
 * rewrite allocates nothing.
 */
import { FtpType } from "@ctkit/plugin-ftp";

/** Longest output: "|2|" + 39 + "|65535|". */
export const MAX_FORMATTED = 3 + 39 + 7;

const HEX = "0123456789abcdef";

class AsciiWriter {
  len = 0;
  constructor(readonly out: Uint8Array) {}

  char(c: string): void {
    this.out[this.len++] = c.charCodeAt(0);
  }

  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.out[this.len++] = s.charCodeAt(i);
  }

  decimal(v: number): void {
    if (v >= 10) this.decimal(Math.floor(v / 10));
    this.out[this.len++] = 0x30 + (v % 10);
  }

  hex4(v: number): void {
    for (let shift = 12; shift >= 0; shift -= 4) this.char(HEX[(v >>> shift) & 0xf] as string);
  }
}

/**
 * Writes the replacement for an announcement of `type` on a connection of
 * `family`, naming address `addr` (tuple words, IPv4 in word 0) and `port`.
 * Returns its length.
 */
export function formatAnnouncement(
  out: Uint8Array,
  type: FtpType,
  family: 4 | 6,
  addr: Uint32Array,
  port: number,
): number {
  const w = new AsciiWriter(out);
  const a = (addr[0] as number) >>> 0;
  switch (type) {
    case FtpType.PORT:
    case FtpType.PASV:
      // Only the first four address bytes exist in this syntax, whatever the family.
      for (let shift = 24; shift >= 0; shift -= 8) {
        w.decimal((a >>> shift) & 0xff);
        w.char(",");
      }
      w.decimal(port >>> 8);
      w.char(",");
      w.decimal(port & 0xff);
      break;
    case FtpType.EPRT:
      if (family === 4) {
        w.text("|1|");
        for (let shift = 24; shift >= 0; shift -= 8) {
          w.decimal((a >>> shift) & 0xff);
          if (shift > 0) w.char(".");
        }
      } else {
        w.text("|2|");
        for (let i = 0; i < 8; i++) {
          const word = (addr[i >> 1] as number) >>> 0;
          w.hex4(i & 1 ? word & 0xffff : word >>> 16);
          if (i < 7) w.char(":");
        }
      }
      w.char("|");
      w.decimal(port);
      w.char("|");
      break;
    case FtpType.EPSV:
      w.text("|||");
      w.decimal(port);
      w.char("|");
      break;
  }
  return w.len;
}
