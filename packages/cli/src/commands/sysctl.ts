/**
 * ctkit sysctl: read and write the running kernel's sysctls, shaped like
 * procps sysctl(8): `KEY`, `KEY=VALUE` / `-w KEY=VALUE`, `-n`, `-a`, `-q`.
 */
import { type Kernel, KernelError } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { getopt } from "../getopt.js";

const HELP = `Usage:
\tctkit sysctl [options] [variable[=value] ...]
Options:
\t-a, --all        display all variables
\t-n, --values     print only values of the given variable(s)
\t-N, --names      print variable names without values
\t-w, --write      enable writing a value to variable
\t-q, --quiet      do not echo variable set
\t-e, --ignore     ignore unknown variables errors
\t    --json       print name → value as JSON
\t-h, --help       display this help and exit
`;

export const sysctl: Command = {
  name: "sysctl",
  summary: "read and write kernel parameters",
  help: HELP,
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const kernel = ctx.kernel as Kernel;
    const o = getopt("sysctl", argv, [
      { key: "all", short: "a", long: "all" },
      { key: "values", short: "n", long: "values" },
      { key: "names", short: "N", long: "names" },
      { key: "write", short: "w", long: "write" },
      { key: "quiet", short: "q", long: "quiet" },
      { key: "ignore", short: "e", long: "ignore" },
    ]);
    const f = o.flags;
    const show = (name: string) => {
      const v = kernel.sysctl.get(name);
      if (f.names) ctx.io.out(`${name}\n`);
      else ctx.io.out(f.values ? `${v}\n` : `${name} = ${v}\n`);
    };
    if (f.all || o.rest.length === 0) {
      if (!f.all) {
        ctx.io.err("sysctl: no variables specified\nTry `sysctl --help' for more information.\n");
        return 1;
      }
      const names = kernel.sysctl.names();
      if (ctx.env.json)
        ctx.io.out(
          `${JSON.stringify(Object.fromEntries(names.map((n) => [n, kernel.sysctl.get(n)])), null, 2)}\n`,
        );
      else for (const n of names) show(n);
      return 0;
    }
    let status = 0;
    const json: Record<string, number> = {};
    for (const arg of o.rest) {
      const eq = arg.indexOf("=");
      try {
        if (eq >= 0) {
          const name = arg.slice(0, eq).replaceAll("/", ".");
          kernel.sysctl.set(name, arg.slice(eq + 1));
          if (!f.quiet) show(name);
        } else if (f.write) {
          ctx.io.err(`sysctl: "${arg}" must be of the form name=value\n`);
          status = 1;
        } else if (ctx.env.json) json[arg.replaceAll("/", ".")] = kernel.sysctl.get(arg);
        else show(arg.replaceAll("/", "."));
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        if (e.errno === "ENOENT" && f.ignore) continue;
        ctx.io.err(`${e.message}\n`);
        status = 1;
      }
    }
    if (ctx.env.json && Object.keys(json).length) ctx.io.out(`${JSON.stringify(json, null, 2)}\n`);
    return status;
  },
};
