/**
 * A target extension instance: its options, how it is printed, and what the
 * kernel's xt_check_target() would say about it (allowed table and hooks,
 * then the target's own checkentry).
 */
import { Hook } from "../../net/hooks.js";
import type { BatchErrno } from "../errors.js";
import { Extension, type ParseContext } from "../ext.js";

/** Bit of a hook in a hook mask, as (1 << NF_INET_*). */
export const hookBit = (h: Hook): number => 1 << h;

export const HOOKS_ALL =
  hookBit(Hook.PREROUTING) |
  hookBit(Hook.INPUT) |
  hookBit(Hook.FORWARD) |
  hookBit(Hook.OUTPUT) |
  hookBit(Hook.POSTROUTING);

/** What the kernel logs and returns when it refuses a rule. */
export interface KernelRefusal {
  errno: BatchErrno;
  /** Kernel log line (pr_info), or null for a silent refusal. */
  log: string | null;
}

/** What a target's checkentry sees of the rule. */
export interface CheckContext extends ParseContext {
  table: string;
}

export abstract class Target extends Extension {
  /** Name in the `-L` target column (NOTRACK shows as CT). */
  get listName(): string {
    return this.name;
  }
  /** Name after -j in `-S`. */
  get saveName(): string {
    return this.name;
  }
  /** Name the kernel uses in its log ("CT target: ..."). */
  get kernelName(): string {
    return this.listName;
  }
  /** xt_target.table: the only table the target is valid in, null for any. */
  readonly table: string | null = null;
  /** xt_target.hooks: hooks it may be used from (HOOKS_ALL for any). */
  readonly hooks: number = HOOKS_ALL;

  /** checkentry() after the table and hook tests; null when accepted. */
  checkEntry(_ctx: CheckContext): KernelRefusal | null {
    return null;
  }

  /** `-L` text starting with a space, or "". */
  abstract print(numeric: boolean): string;
  /** `-S` options after " -j NAME", starting with a space, or "". */
  abstract save(): string;
}

/** ACCEPT, DROP, RETURN: the standard target, no options. */
export class StandardTarget extends Target {
  readonly opts = [];
  constructor(readonly name: "ACCEPT" | "DROP" | "RETURN") {
    super();
  }
  protected parse(): void {}
  print(): string {
    return "";
  }
  save(): string {
    return "";
  }
}
