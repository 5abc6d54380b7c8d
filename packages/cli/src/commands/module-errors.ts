/**
 * Turns kernel-side failures into the lines kmod prints. Anything that is
 * not a user-facing kernel error is re-thrown (a bug, not a user mistake).
 */
import { ConfigError, KernelError, MetadataError, ModuleError } from "@ctkit/kernel";

export type Tool = "modprobe" | "modprobe -r" | "rmmod" | "modinfo";

export function moduleErrorLine(tool: Tool, e: unknown, moduleDirs: string): string {
  const prog = tool === "modprobe -r" ? "modprobe" : tool;
  if (e instanceof ModuleError) {
    switch (e.kind) {
      case "not-found":
        if (tool === "modinfo") return `modinfo: ERROR: Module ${e.module} not found.`;
        if (tool === "modprobe -r") return `modprobe: FATAL: Module ${e.module} not found.`;
        return `${prog}: FATAL: Module ${e.module} not found in directory ${moduleDirs}`;
      case "bad-name":
        return `${prog}: FATAL: ${e.message}`;
      case "not-loaded":
        return tool === "rmmod"
          ? `rmmod: ERROR: ${e.message}`
          : `modprobe: FATAL: Module ${e.module} is not in kernel.`;
      case "in-use":
        return tool === "rmmod"
          ? `rmmod: ERROR: ${e.message}`
          : `modprobe: FATAL: Module ${e.module} is in use.`;
      case "insert":
        return `${prog}: ERROR: could not insert '${e.module}': ${e.insertReason}`;
    }
  }
  if (e instanceof ConfigError || e instanceof MetadataError) return `${prog}: FATAL: ${e.message}`;
  if (e instanceof KernelError) return `${prog}: ERROR: ${e.message}`;
  throw e;
}

export function modulePathText(dirs: readonly { path: string }[]): string {
  return dirs.map((d) => d.path).join(":") || "(empty module path)";
}
