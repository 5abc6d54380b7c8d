/**
 * ctkit status: is a kernel running, and is it tainted (and by which module).
 */
import { type Kernel, TAINT_FLAGS } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { getopt } from "../getopt.js";

export const status: Command = {
  name: "status",
  summary: "show the running kernel's version, taint and module count",
  help: "Usage:\n\tctkit status [--json]\n",
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const kernel = ctx.kernel as Kernel;
    getopt("status", argv, []);
    const mods = kernel.modules.list();
    const tainted = mods
      .filter((m) => m.taints.size > 0)
      .map((m) => ({ name: m.name, taints: m.taintText }));
    if (ctx.env.json) {
      ctx.io.out(
        `${JSON.stringify({ version: kernel.version, pid: process.pid, tainted: kernel.taint.mask, taintFlags: kernel.taint.letters, modules: mods.length, taintedModules: tainted }, null, 2)}\n`,
      );
      return 0;
    }
    ctx.io.out(
      `ctkit kernel ${kernel.version}, pid ${process.pid}, ${mods.length} module(s) loaded\n`,
    );
    ctx.io.out(
      `tainted: ${kernel.taint.mask}${kernel.taint.size ? ` (${kernel.taint.letters})` : ""}\n`,
    );
    for (const letter of kernel.taint.letters)
      ctx.io.out(`  ${letter}: ${TAINT_FLAGS[letter as keyof typeof TAINT_FLAGS].description}\n`);
    for (const t of tainted) ctx.io.out(`  module ${t.name} ${t.taints}\n`);
    return 0;
  },
};
