/**
 * Failures of module operations, structured so each tool can word them the
 * way kmod does (modprobe says "is in use.", rmmod "is in use by: …").
 */
import { type Errno, KernelError, STRERROR } from "./errors.js";

export type ModuleErrorKind =
  /** No module or alias of that name in the index. */
  | "not-found"
  /** The name is not a valid module name (e.g. a path). */
  | "bad-name"
  /** rmmod / modprobe -r of a module that is not loaded. */
  | "not-loaded"
  /** Removal refused: holders or references remain. */
  | "in-use"
  /** Loading failed: bad parameter, vermagic, init threw, … (errno says which). */
  | "insert";

export class ModuleError extends KernelError {
  constructor(
    readonly kind: ModuleErrorKind,
    readonly module: string,
    errno: Errno,
    detail: string,
    readonly holders: readonly string[] = [],
  ) {
    super(errno, detail);
  }

  /** What kmod prints after "could not insert 'x': " for this errno. */
  get insertReason(): string {
    if (this.errno === "ENOENT")
      return "Unknown symbol in module, or unknown parameter (see dmesg)";
    if (this.errno === "EEXIST") return "Module already in kernel";
    return STRERROR[this.errno];
  }
}
