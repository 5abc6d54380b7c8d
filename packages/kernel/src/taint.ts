/**
 * Kernel taint flags, with the letters Linux uses in /proc/sys/kernel/tainted
 * and oops reports. ctkit sets the ones that have a meaning here.
 */
export const TAINT_FLAGS = {
  /** A module was loaded with --force-vermagic. */
  F: { bit: 1, description: "module force loaded" },
  /** A module was removed with rmmod -f. */
  R: { bit: 3, description: "module force unloaded" },
  /** A module's code threw (the kernel would have oopsed). */
  D: { bit: 7, description: "kernel died recently (a module threw)" },
  /** A module from outside the workspace (--module-dir) was loaded. */
  O: { bit: 12, description: "out-of-tree module loaded" },
} as const;

export type TaintFlag = keyof typeof TAINT_FLAGS;

export class TaintSet {
  private readonly flags = new Set<TaintFlag>();

  add(flag: TaintFlag): void {
    this.flags.add(flag);
  }

  has(flag: TaintFlag): boolean {
    return this.flags.has(flag);
  }

  /** The number /proc/sys/kernel/tainted shows. */
  get mask(): number {
    let m = 0;
    for (const f of this.flags) m |= 1 << TAINT_FLAGS[f].bit;
    return m;
  }

  /** Letters in bit order, as in an oops header ("Tainted: G ... O"). */
  get letters(): string {
    return [...this.flags].sort((a, b) => TAINT_FLAGS[a].bit - TAINT_FLAGS[b].bit).join("");
  }

  get size(): number {
    return this.flags.size;
  }
}
