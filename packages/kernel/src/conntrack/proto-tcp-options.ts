/**
 * The two TCP option readers the tracker needs: the handshake options
 * (window scale, SACK permitted) and the highest SACK right edge of a
 * segment. Both walk the option area the way the kernel's simplified parser
 * does: NOP advances one byte, EOL stops, an option whose length is below 2
 * or runs past the area stops the walk, and options of an unexpected size
 * are skipped. They read the segment in place and allocate nothing.
 */
import type { TcpView } from "@ctkit/packet";
import { TcpFlags } from "./proto-tcp-store.js";

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_WINDOW = 3;
const OPT_SACK_PERM = 4;
const OPT_SACK = 5;
/** RFC 7323: shifts above 14 are treated as 14. */
export const TCP_MAX_WSCALE = 14;

/**
 * Window scale and SACK-permitted of a segment, packed as
 * `(scale << 8) | flags` where flags holds TcpFlags.WindowScale and/or
 * TcpFlags.SackPerm. Returns -1 when the header has no option area at all:
 * the kernel then leaves the direction's previous scale and flags alone.
 */
export function tcpHandshakeOptions(tcp: TcpView): number {
  const buf = tcp.buffer;
  let length = tcp.dataOffset * 4 - 20;
  if (length <= 0) return -1;
  let p = tcp.offset + 20;
  let scale = 0;
  let flags = 0;
  while (length > 0) {
    const kind = buf[p++];
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) break;
    const size = buf[p++];
    if (size < 2 || size > length) break;
    if (kind === OPT_SACK_PERM && size === 2) {
      flags |= TcpFlags.SackPerm;
    } else if (kind === OPT_WINDOW && size === 3) {
      scale = buf[p];
      if (scale > TCP_MAX_WSCALE) scale = TCP_MAX_WSCALE;
      flags |= TcpFlags.WindowScale;
    }
    p += size - 2;
    length -= size;
  }
  return (scale << 8) | flags;
}

/**
 * The highest SACK right edge of the first well-formed SACK option, or
 * `ack` when it is higher (sequence-space comparison) or no such option
 * exists. Blocks must be whole (8 bytes each, at least one).
 */
export function tcpSackMax(tcp: TcpView, ack: number): number {
  return tcpSackMax32(tcp, ack) >>> 0;
}

/** tcpSackMax with `ack` and the result as int32 (the same 32 bits; see TcpStateStore.i32). */
export function tcpSackMax32(tcp: TcpView, ack: number): number {
  const buf = tcp.buffer;
  let length = tcp.dataOffset * 4 - 20;
  let p = tcp.offset + 20;
  let sack = ack | 0;
  while (length > 0) {
    const kind = buf[p++];
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) break;
    const size = buf[p++];
    if (size < 2 || size > length) break;
    if (kind === OPT_SACK && size >= 10 && (size - 2) % 8 === 0) {
      for (let i = 0; i < size - 2; i += 8) {
        const q = p + i + 4;
        const right = (buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3];
        if (((sack - right) | 0) < 0) sack = right;
      }
      return sack;
    }
    p += size - 2;
    length -= size;
  }
  return sack;
}
