/**
 * ctkit dmesg: the running kernel's log, "[seconds] text" like dmesg(1).
 */
import type { Kernel } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { getopt } from "../getopt.js";

export const dmesg: Command = {
  name: "dmesg",
  summary: "print the kernel log",
  help: "Usage:\n\tctkit dmesg [--json]\nPrints the kernel log of the running kernel, oldest first.\n",
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const kernel = ctx.kernel as Kernel;
    getopt("dmesg", argv, []);
    const lines = kernel.log.all();
    if (ctx.env.json) {
      ctx.io.out(`${JSON.stringify(lines, null, 2)}\n`);
      return 0;
    }
    const t0 = lines[0]?.time ?? 0;
    for (const l of lines) ctx.io.out(`[${(l.time - t0).toFixed(6).padStart(12)}] ${l.text}\n`);
    return 0;
  },
};
