/**
 * ctkit iptables / ip6tables: the rule tables of the kernel, with the
 * options, listings and messages of iptables 1.8 (nf_tables).
 */
import { type Kernel, XtablesError } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";

function tablesCommand(name: "iptables" | "ip6tables", family: 4 | 6): Command {
  return {
    name,
    summary: `${family === 4 ? "IPv4" : "IPv6"} packet filter rules (raw, mangle, nat, filter)`,
    help: `Usage: ctkit ${name} [-t TABLE] {-A|-I|-D|-P|-F|-Z|-N|-X|-L|-S} ...\nThe iptables subset of DESIGN.md; see 'iptables(8)'.\n`,
    where: "live",
    async run(ctx: CommandContext, argv: string[]): Promise<number> {
      const kernel = ctx.kernel as Kernel;
      try {
        const r = await kernel.xtables.apply(family, argv);
        if (r.stdout) ctx.io.out(r.stdout);
        if (r.stderr) ctx.io.err(r.stderr);
        // A rule that needs conntrack loads nf_conntrack on demand.
        await kernel.settle();
        return 0;
      } catch (e) {
        if (!(e instanceof XtablesError)) throw e;
        if (e.stdout) ctx.io.out(e.stdout);
        ctx.io.err(e.stderr);
        return e.exitCode;
      }
    },
  };
}

export const iptables = tablesCommand("iptables", 4);
export const ip6tables = tablesCommand("ip6tables", 6);
