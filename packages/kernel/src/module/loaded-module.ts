/**
 * A module in the kernel's module list, with the state machine and
 * reference count of struct module (UNFORMED → COMING → LIVE → GOING).
 */
import { TAINT_FLAGS, type TaintFlag } from "../taint.js";
import type { ModuleDefinition } from "./definition.js";
import type { ModuleInfo } from "./metadata.js";
import type { ParamValue } from "./params.js";

export type ModuleState = "unformed" | "coming" | "live" | "going";

export class LoadedModule {
  state: ModuleState = "unformed";
  /** Users: dependent modules, connections and rules using this module's objects. */
  refcnt = 0;
  /** Modules that depend on this one ("Used by" in lsmod). */
  readonly holders = new Set<LoadedModule>();
  /** Modules this one holds a reference on. */
  readonly uses: LoadedModule[] = [];
  readonly taints = new Set<TaintFlag>();
  definition: ModuleDefinition | null = null;
  /** Undo actions for everything registered through the context, run LIFO. */
  readonly cleanups: (() => void)[] = [];
  /** Symbols this module exports to its dependents. */
  readonly symbols = new Map<string, unknown>();

  constructor(
    readonly info: ModuleInfo,
    readonly params: Record<string, ParamValue>,
    /** Size of the entry file in bytes (lsmod's Size column). */
    readonly size: number,
    /** Load sequence number; lsmod lists the newest first. */
    readonly seq: number,
  ) {}

  get name(): string {
    return this.info.name;
  }

  get isLive(): boolean {
    return this.state === "live";
  }

  /** Taint letters as /proc/modules shows them, in taint-bit order, e.g. "(FO)"; "" when clean. */
  get taintText(): string {
    if (this.taints.size === 0) return "";
    const letters = [...this.taints].sort((a, b) => TAINT_FLAGS[a].bit - TAINT_FLAGS[b].bit);
    return `(${letters.join("")})`;
  }
}
