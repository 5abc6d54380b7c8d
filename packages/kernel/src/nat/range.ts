/**
 * struct nf_nat_range2 as the NAT engine uses it: flags, an address range
 * (host-order 32-bit words, IPv4 in word 0) and a port/id range. One
 * scratch range per engine; the rule's NatTarget is copied in.
 */
import { NatRangeFlag, type NatTarget } from "../xtables/targets/nat.js";

export { NatRangeFlag };

/** NF_NAT_RANGE_PROTO_RANDOM_ALL. */
export const PROTO_RANDOM_ALL = NatRangeFlag.PROTO_RANDOM | NatRangeFlag.PROTO_RANDOM_FULLY;

/** enum nf_nat_manip_type. */
export const Manip = { SRC: 0, DST: 1 } as const;
export type Manip = 0 | 1;

export class NatRange {
  flags = 0;
  readonly minAddr = new Uint32Array(4);
  readonly maxAddr = new Uint32Array(4);
  minProto = 0;
  maxProto = 0;

  clear(): void {
    this.flags = 0;
    this.minAddr.fill(0);
    this.maxAddr.fill(0);
    this.minProto = 0;
    this.maxProto = 0;
  }

  /** Copies a rule's range (xt_nat's conversion into nf_nat_range2). */
  fromTarget(t: NatTarget): void {
    this.clear();
    this.flags = t.flags;
    if (t.family === 4) {
      this.minAddr[0] = t.minAddr4 >>> 0;
      this.maxAddr[0] = t.maxAddr4 >>> 0;
    } else if (t.minAddr6 !== null && t.maxAddr6 !== null) {
      for (let i = 0; i < 4; i++) {
        this.minAddr[i] = readWord(t.minAddr6, i * 4);
        this.maxAddr[i] = readWord(t.maxAddr6, i * 4);
      }
    }
    this.minProto = t.minPort;
    this.maxProto = t.maxPort;
  }

  /** A single IPv4 address, the rest of the range kept (MASQUERADE, REDIRECT). */
  setAddr4(addr: number): void {
    this.flags |= NatRangeFlag.MAP_IPS;
    this.minAddr.fill(0);
    this.maxAddr.fill(0);
    this.minAddr[0] = addr >>> 0;
    this.maxAddr[0] = addr >>> 0;
  }

  /** setAddr4 for the IPv6 address at addr[off, off+16). */
  setAddr6(addr: Uint8Array, off: number): void {
    this.flags |= NatRangeFlag.MAP_IPS;
    for (let i = 0; i < 4; i++) {
      const w = readWord(addr, off + i * 4);
      this.minAddr[i] = w;
      this.maxAddr[i] = w;
    }
  }
}

function readWord(b: Uint8Array, o: number): number {
  return (
    (((b[o] as number) << 24) |
      ((b[o + 1] as number) << 16) |
      ((b[o + 2] as number) << 8) |
      (b[o + 3] as number)) >>>
    0
  );
}
