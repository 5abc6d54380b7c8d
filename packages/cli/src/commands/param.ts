/**
 * ctkit param: module parameters of loaded modules, as
 * /sys/module/NAME/parameters/PARAM would show and accept them.
 *   ctkit param list MODULE          every readable parameter with its value
 *   ctkit param get MODULE PARAM     one value
 *   ctkit param set MODULE PARAM V   write (only parameters with a write bit)
 */
import { formatParamValue, isReadable, type Kernel, KernelError } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { moduleErrorLine } from "./module-errors.js";

const HELP = `Usage:
\tctkit param list MODULE
\tctkit param get MODULE PARAM
\tctkit param set MODULE PARAM VALUE
Reads and writes /sys/module/MODULE/parameters/PARAM of the running kernel.
Only parameters whose permission has a write bit can be set at run time.
`;

export const param: Command = {
  name: "param",
  summary: "read or change module parameters at run time",
  help: HELP,
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const kernel = ctx.kernel as Kernel;
    // No options of its own: values such as "-3" are values, not options.
    const rest = argv;
    const [verb, mod, name, value] = rest;
    const arity: Record<string, number> = { list: 2, get: 3, set: 4 };
    if (verb === undefined || !(verb in arity) || rest.length !== arity[verb]) {
      ctx.io.err(
        `ctkit param: expected 'list MODULE', 'get MODULE PARAM' or 'set MODULE PARAM VALUE'\n`,
      );
      return 1;
    }
    try {
      if (verb === "list") {
        const m = kernel.modules.find(mod as string);
        if (!m) return fail(ctx, `ctkit param: module ${mod} is not loaded`);
        const visible = m.info.params.filter(isReadable);
        if (ctx.env.json) {
          ctx.io.out(
            `${JSON.stringify(Object.fromEntries(visible.map((p) => [p.name, m.params[p.name]])), null, 2)}\n`,
          );
        } else {
          for (const p of visible)
            ctx.io.out(`${p.name} = ${formatParamValue(m.params[p.name] as never)}\n`);
        }
      } else if (verb === "get") {
        ctx.io.out(`${kernel.modules.getParam(mod as string, name as string)}\n`);
      } else {
        kernel.modules.setParam(mod as string, name as string, value as string);
      }
      return 0;
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      return fail(
        ctx,
        e.errno === "ENOENT" && e.message.startsWith("Module")
          ? moduleErrorLine("rmmod", e, "").replace("rmmod: ERROR: ", "ctkit param: ")
          : `ctkit param: ${e.message}`,
      );
    }
  },
};

function fail(ctx: CommandContext, line: string): number {
  ctx.io.err(`${line}\n`);
  return 1;
}
