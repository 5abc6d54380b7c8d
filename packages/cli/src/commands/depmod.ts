/**
 * ctkit depmod: (re)build the module index from the module path. Prints
 * nothing on success, as depmod does; -n prints the index instead.
 */
import type { Command, CommandContext } from "../command.js";
import { ensurePrivateDir, localKernel } from "../env.js";
import { getopt } from "../getopt.js";
import { moduleErrorLine } from "./module-errors.js";

const HELP = `Usage:
\tctkit depmod [options]
Builds the index of modules found in the workspace plugins, $CTKIT_MODULE_PATH,
directories indexed before, and every --module-dir given. Module code is not run.
Options:
\t    --module-dir=DIR  Also index DIR (a package, or a folder of packages such as node_modules)
\t-n, --dry-run         Print the index (modules.dep and modules.alias style) instead of writing it
\t-v, --verbose         Print each module found
\t    --json            Print the index as JSON
\t-h, --help            Show this help
`;

export const depmod: Command = {
  name: "depmod",
  summary: "build the module index",
  help: HELP,
  where: "local",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const o = getopt("depmod", argv, [
      { key: "dryRun", short: "n", long: "dry-run" },
      { key: "verbose", short: "v", long: "verbose" },
      { key: "all", short: "a", long: "all" },
    ]);
    if (!o.flags.dryRun) ensurePrivateDir(ctx.env.stateDir);
    try {
      const kernel = localKernel(ctx.env);
      const index = o.flags.dryRun ? kernel.modules.index() : kernel.modules.depmod();
      for (const w of index.warnings) ctx.io.err(`${w}\n`);
      const all = kernel.modules.available();
      if (ctx.env.json) {
        ctx.io.out(`${JSON.stringify({ modulePath: index.modulePath, modules: all }, null, 2)}\n`);
      } else if (o.flags.dryRun) {
        for (const m of all)
          ctx.io.out(`${m.entry}:${m.depends.length ? ` ${m.depends.join(" ")}` : ""}\n`);
        ctx.io.out("# Aliases extracted from modules themselves.\n");
        for (const m of all) for (const a of m.alias) ctx.io.out(`alias ${a} ${m.name}\n`);
      } else if (o.flags.verbose) {
        for (const m of all) ctx.io.out(`${m.name} ${m.entry}\n`);
      }
      return 0;
    } catch (e) {
      ctx.io.err(`${moduleErrorLine("modprobe", e, "").replace(/^modprobe: /, "depmod: ")}\n`);
      return 1;
    }
  },
};
