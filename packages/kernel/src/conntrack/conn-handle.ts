/**
 * What a helper's help() receives as "the connection": a handle onto a
 * table slot (one reused object, so calling a helper allocates nothing).
 * Valid only during the call.
 */
import type { Conntrack, ExpectError } from "./core.js";
import { type Expectation, newExpectation } from "./expect.js";
import { Ips } from "./status.js";
import type { Tuple } from "./tuple.js";

export class ConnHandle {
  slot = -1;

  constructor(private readonly core: Conntrack) {}

  get id(): number {
    return this.core.table.id[this.slot] as number;
  }

  get status(): number {
    return this.core.table.status[this.slot] as number;
  }

  /** True when NAT changed one of the tuples (IPS_NAT_MASK). */
  get isNatted(): boolean {
    return (this.status & (Ips.SRC_NAT | Ips.DST_NAT)) !== 0;
  }

  /** Name of the helper attached to the connection ("" when none), as nf_ct_helper_log prints it. */
  get helperName(): string {
    return this.core.helperOf(this.slot)?.spec.name ?? "";
  }

  /** Copies the tuple of direction `dir` into `out`. */
  tuple(dir: 0 | 1, out: Tuple): void {
    this.core.table.getTuple(this.slot, dir, out);
  }

  /** The helper's private per-connection data, created empty on first use. */
  get data(): Record<string, unknown> {
    return this.core.dataOf(this.slot);
  }

  /**
   * nf_ct_expect_alloc + nf_ct_expect_init: an expectation for a connection
   * from `saddr` (null = any) port `sport` (null = any) to `daddr`:`dport`.
   * Addresses are 4 words (IPv4 uses word 0).
   */
  expectation(
    cls: number,
    family: 4 | 6,
    saddr: Uint32Array | null,
    daddr: Uint32Array,
    proto: number,
    sport: number | null,
    dport: number,
  ): Expectation {
    const e = newExpectation();
    e.master = this.slot;
    e.cls = cls;
    e.tuple.family = family;
    e.tuple.proto = proto;
    e.tuple.dst.set(daddr);
    if (saddr !== null) {
      e.tuple.src.set(saddr);
      e.maskSrc.fill(0xffffffff);
      if (family === 4) e.maskSrc.fill(0, 1);
    }
    e.tuple.sport = sport ?? 0;
    e.maskSport = sport === null ? 0 : 0xffff;
    e.tuple.dport = dport;
    return e;
  }

  /** nf_ct_expect_related: 0 on success, else the kernel's errno name. */
  expectRelated(e: Expectation, now: number): 0 | ExpectError {
    return this.core.expectRelated(e, now);
  }

  /** nf_ct_unexpect_related: withdraw an expectation this connection registered. */
  unexpectRelated(e: Expectation): void {
    this.core.unexpect(e);
  }
}
