/**
 * Writes IPv4 TCP, UDP and ICMP echo packets with correct lengths and
 * checksums into one reused buffer, in place: the generator and the memory
 * bench make millions of packets without allocating one. Set the address
 * and port fields, then call a method; it returns the packet's length.
 * Payload bytes are whatever the buffer holds past the headers (a fixed
 * pattern at construction), so they cost nothing to produce.
 */
import {
  checksumSkippingField,
  ipv4HeaderChecksum,
  ipv4PseudoHeaderSum,
  TcpFlag,
  udpChecksumOnWire,
} from "@ctkit/packet";

/** The largest packet the encoder makes: an Ethernet MTU. */
export const MAX_PACKET = 1500;
const IP = 20;
const TCP = 20;
const MSS_OPTION = 4;
const MSS = 1460;

export { TcpFlag };

export class PacketEncoder {
  readonly buf = new Uint8Array(MAX_PACKET);
  /** IPv4 addresses as unsigned 32-bit numbers. */
  src = 0;
  dst = 0;
  sport = 0;
  dport = 0;
  /** IPv4 identification of the next packet (incremented per packet). */
  ipId = 0;

  constructor() {
    for (let i = 0; i < MAX_PACKET; i++) this.buf[i] = (i * 131 + 7) & 0xff;
  }

  /** A TCP segment; `mss` adds the MSS option (SYN, SYN-ACK). */
  tcp(
    seq: number,
    ack: number,
    flags: number,
    window: number,
    payload: number,
    mss = false,
  ): number {
    const b = this.buf;
    const hl = TCP + (mss ? MSS_OPTION : 0);
    const l4 = hl + payload;
    const len = this.ip(6, l4);
    w16(b, IP, this.sport);
    w16(b, IP + 2, this.dport);
    w32(b, IP + 4, seq);
    w32(b, IP + 8, ack);
    b[IP + 12] = (hl / 4) << 4;
    b[IP + 13] = flags;
    w16(b, IP + 14, window);
    w16(b, IP + 18, 0);
    if (mss) {
      b[IP + 20] = 2;
      b[IP + 21] = 4;
      w16(b, IP + 22, MSS);
    }
    const sum = checksumSkippingField(
      b,
      IP,
      l4,
      16,
      ipv4PseudoHeaderSum(this.src, this.dst, 6, l4),
    );
    w16(b, IP + 16, sum);
    return len;
  }

  /** A UDP datagram with `payload` bytes. */
  udp(payload: number): number {
    const b = this.buf;
    const l4 = 8 + payload;
    const len = this.ip(17, l4);
    w16(b, IP, this.sport);
    w16(b, IP + 2, this.dport);
    w16(b, IP + 4, l4);
    const sum = checksumSkippingField(
      b,
      IP,
      l4,
      6,
      ipv4PseudoHeaderSum(this.src, this.dst, 17, l4),
    );
    w16(b, IP + 6, udpChecksumOnWire(sum));
    return len;
  }

  /** An ICMP echo request (type 8) or reply (type 0). */
  icmpEcho(type: 0 | 8, id: number, seq: number, payload: number): number {
    const b = this.buf;
    const l4 = 8 + payload;
    const len = this.ip(1, l4);
    b[IP] = type;
    b[IP + 1] = 0;
    w16(b, IP + 4, id);
    w16(b, IP + 6, seq);
    w16(b, IP + 2, checksumSkippingField(b, IP, l4, 2, 0));
    return len;
  }

  private ip(proto: number, l4: number): number {
    const b = this.buf;
    const len = IP + l4;
    if (len > MAX_PACKET) throw new RangeError(`packet of ${len} bytes exceeds ${MAX_PACKET}`);
    b[0] = 0x45;
    b[1] = 0;
    w16(b, 2, len);
    w16(b, 4, this.ipId);
    this.ipId = (this.ipId + 1) & 0xffff;
    w16(b, 6, 0x4000);
    b[8] = 64;
    b[9] = proto;
    w32(b, 12, this.src);
    w32(b, 16, this.dst);
    w16(b, 10, ipv4HeaderChecksum(b, 0, IP));
    return len;
  }
}

function w16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

function w32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}
