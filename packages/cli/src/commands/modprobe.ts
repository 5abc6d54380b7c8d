/**
 * ctkit modprobe: kmod's modprobe against the running kernel.
 */
import { ModuleError, type ProbeStep } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { getopt } from "../getopt.js";
import { moduleErrorLine, modulePathText } from "./module-errors.js";
import { showConfig } from "./showconfig.js";

const SPECS = [
  { key: "all", short: "a", long: "all" },
  { key: "remove", short: "r", long: "remove" },
  { key: "dryRun", short: "n", long: "dry-run" },
  { key: "verbose", short: "v", long: "verbose" },
  { key: "quiet", short: "q", long: "quiet" },
  { key: "showDepends", short: "D", long: "show-depends" },
  { key: "showConfig", short: "c", long: "showconfig" },
  { key: "resolveAlias", short: "R", long: "resolve-alias" },
  { key: "useBlacklist", short: "b", long: "use-blacklist" },
  { key: "firstTime", long: "first-time" },
  { key: "forceVermagic", long: "force-vermagic" },
  { key: "force", short: "f", long: "force" },
];

const HELP = `Usage:
\tctkit modprobe [options] [-i] [-b] modulename [module parameters...]
\tctkit modprobe [options] -a [-i] [-b] modulename [modulename...]
\tctkit modprobe [options] -r [-i] modulename [modulename...]
\tctkit modprobe [options] -c
Management Options:
\t-a, --all                   Consider every non-argument to be a module name to be inserted or removed (-r)
\t-r, --remove                Remove modules instead of inserting, with dependencies nobody uses
\t    --first-time            Fail if module already inserted or removed
\t-b, --use-blacklist         Apply blacklist to resolved alias and explicit names
\t-R, --resolve-alias         Only lookup and print alias and exit
Query Options:
\t-D, --show-depends          Only print module dependencies and exit
\t-c, --showconfig            Print out known configuration and exit
General Options:
\t-n, --dry-run               Do not execute operations, just print out
\t-f, --force                 Force module insertion or removal (implies --force-vermagic)
\t    --force-vermagic        Ignore the module's kernel version range (taints the kernel)
\t-q, --quiet                 Disable messages
\t-v, --verbose               Enables more messages
\t-C, --config=FILE           Use FILE instead of the default modprobe.d directory
\t    --state-dir=DIR         ctkit state directory (default ~/.ctkit, or $CTKIT_STATE_DIR)
\t    --module-dir=DIR        Also search DIR for modules (repeatable; also $CTKIT_MODULE_PATH)
\t-h, --help                  Show this help
`;

/** kmod's print_action: config-only options keep a trailing space, as kmod prints them. */
function insmodLine(step: ProbeStep): string {
  const opts =
    step.configOptions && step.cmdlineOptions
      ? `${step.configOptions} ${step.cmdlineOptions}`
      : step.configOptions
        ? `${step.configOptions} `
        : step.cmdlineOptions;
  return `insmod ${step.module.entry} ${opts}\n`;
}

export const modprobe: Command = {
  name: "modprobe",
  summary: "add and remove modules from the running kernel",
  help: HELP,
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const kernel = ctx.kernel;
    if (!kernel) throw new Error("modprobe needs a kernel");
    const o = getopt("modprobe", argv, SPECS);
    const f = o.flags;
    const say = (line: string) => {
      if (!f.quiet) ctx.io.err(`${line}\n`);
    };
    const mods = kernel.modules;
    if (f.showConfig) {
      ctx.io.out(showConfig(mods));
      return 0;
    }
    if (o.rest.length === 0) {
      say("modprobe: ERROR: missing parameters. See -h.");
      return 1;
    }
    const dirs = modulePathText(mods.modulePath);
    const fail = (tool: "modprobe" | "modprobe -r", e: unknown): number => {
      say(moduleErrorLine(tool, e, dirs));
      return 1;
    };

    if (f.resolveAlias) {
      try {
        const { modules } = mods.lookup(o.rest[0] as string);
        if (modules.length === 0) {
          const name = o.rest[0] as string;
          return fail(
            "modprobe",
            new ModuleError("not-found", name, "ENOENT", `Module ${name} not found.`),
          );
        }
        for (const m of modules) ctx.io.out(`${m.name}\n`);
        return 0;
      } catch (e) {
        return fail("modprobe", e);
      }
    }

    if (f.remove) {
      let status = 0;
      for (const name of o.rest) {
        try {
          const removed = mods.removeWithDeps(name, { dryRun: f.dryRun, firstTime: f.firstTime });
          if (f.verbose) for (const r of removed) ctx.io.out(`rmmod ${r}\n`);
        } catch (e) {
          status = fail("modprobe -r", e);
          if (!f.all) break;
        }
      }
      return status;
    }

    const names = f.all ? o.rest : [o.rest[0] as string];
    const params = f.all ? [] : o.rest.slice(1);
    let status = 0;
    for (const name of names) {
      try {
        const r = await mods.probe(name, {
          params,
          dryRun: f.dryRun || f.showDepends,
          firstTime: f.firstTime,
          forceVermagic: f.forceVermagic || f.force,
          useBlacklist: f.useBlacklist,
        });
        if (f.showDepends) for (const s of r.steps) ctx.io.out(insmodLine(s));
        else if (f.verbose)
          for (const s of r.steps) if (!s.alreadyLoaded) ctx.io.out(insmodLine(s));
      } catch (e) {
        status = fail("modprobe", e);
        if (!f.all) break;
      }
    }
    return status;
  },
};
