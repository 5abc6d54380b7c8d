/**
 * ctkit rmmod: remove modules from the running kernel (kmod's rmmod).
 */
import type { Command, CommandContext } from "../command.js";
import { getopt } from "../getopt.js";
import { moduleErrorLine } from "./module-errors.js";

const HELP = `Usage:
\tctkit rmmod [options] modulename ...
Options:
\t-f, --force       forces a module unload even with references held (taints the kernel)
\t                  (modules that depend on it still block the removal)
\t-s, --syslog      print to syslog, not stderr (accepted; ctkit prints to stderr)
\t-v, --verbose     enables more messages
\t-h, --help        show this help
`;

export const rmmod: Command = {
  name: "rmmod",
  summary: "remove modules from the running kernel",
  help: HELP,
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const kernel = ctx.kernel;
    if (!kernel) throw new Error("rmmod needs a kernel");
    const o = getopt("rmmod", argv, [
      { key: "force", short: "f", long: "force" },
      { key: "syslog", short: "s", long: "syslog" },
      { key: "verbose", short: "v", long: "verbose" },
    ]);
    if (o.rest.length === 0) {
      ctx.io.err("rmmod: ERROR: missing module name.\n");
      return 1;
    }
    let errors = 0;
    for (const name of o.rest) {
      try {
        kernel.modules.remove(name, { force: o.flags.force });
      } catch (e) {
        ctx.io.err(`${moduleErrorLine("rmmod", e, "")}\n`);
        errors++;
      }
    }
    return errors > 0 ? 1 : 0;
  },
};
