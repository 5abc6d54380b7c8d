/**
 * A ctkit subcommand. `where` says where it runs: "live" commands act on a
 * running kernel (inside the daemon), "local" ones in the calling process
 * on metadata only, "client" ones manage the daemon or the file system.
 */
import type { Kernel } from "@ctkit/kernel";
import type { CliEnv } from "./env.js";
import type { Io } from "./io.js";

export interface CommandContext {
  io: Io;
  env: CliEnv;
  /** The running kernel, for "live" commands. */
  kernel: Kernel | null;
}

export interface Command {
  name: string;
  summary: string;
  /** Full --help text. */
  help: string;
  where: "live" | "local" | "client";
  run(ctx: CommandContext, args: string[]): Promise<number>;
}

/** Pads like kmod's "%-Ns". */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + " ".repeat(width - s.length);
}

export function padLeft(s: string, width: number): string {
  return s.length >= width ? s : " ".repeat(width - s.length) + s;
}
