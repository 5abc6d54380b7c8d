/**
 * ctkit lsmod: the module list in kmod's format, newest first.
 */
import type { Kernel } from "@ctkit/kernel";
import { type Command, type CommandContext, padLeft, padRight } from "../command.js";
import { getopt } from "../getopt.js";

export function lsmodText(kernel: Kernel): string {
  let out = "Module                  Size  Used by\n";
  for (const m of kernel.modules.list()) {
    const holders = [...m.holders].sort((a, b) => b.seq - a.seq).map((h) => h.name);
    out += `${padRight(m.name, 19)} ${padLeft(String(m.size), 8)}  ${m.refcnt}${holders.length ? ` ${holders.join(",")}` : ""}\n`;
  }
  return out;
}

export function lsmodJson(kernel: Kernel) {
  return {
    tainted: kernel.taint.mask,
    taintFlags: kernel.taint.letters,
    modules: kernel.modules.list().map((m) => ({
      name: m.name,
      size: m.size,
      refcnt: m.refcnt,
      usedBy: [...m.holders].map((h) => h.name),
      state: m.state,
      taints: [...m.taints].sort().join(""),
      filename: m.info.entry,
      params: m.params,
    })),
  };
}

export const lsmod: Command = {
  name: "lsmod",
  summary: "show the status of modules in the running kernel",
  help: "Usage:\n\tctkit lsmod [--json]\nShows loaded modules: name, size of the entry file, use count and the modules using it.\n",
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const kernel = ctx.kernel;
    if (!kernel) throw new Error("lsmod needs a kernel");
    const o = getopt("lsmod", argv, []);
    if (o.rest.length > 0) {
      ctx.io.err("Usage: lsmod\n");
      return 1;
    }
    ctx.io.out(
      ctx.env.json ? `${JSON.stringify(lsmodJson(kernel), null, 2)}\n` : lsmodText(kernel),
    );
    return 0;
  },
};
