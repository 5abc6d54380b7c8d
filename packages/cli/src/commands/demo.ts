/**
 * ctkit demo [SCRIPT]: runs an admin script (the set-up format of
 * `ctkit replay`: one Linux command per line, '#' comments) against a fresh
 * in-memory kernel and prints a transcript. The default script shows the
 * module system: parameters, on-demand loading by alias, lsmod, modinfo.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kernel } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { type CliEnv, effectiveModulePath } from "../env.js";
import { getopt } from "../getopt.js";
import { executeInKernel } from "../run.js";
import { findCommand } from "./index.js";

/** packages/cli/dist → repository root. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Splits a script line into words; double and single quotes group. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line))
    words.push(m[1] ?? m[2] ?? (m[3] as string));
  return words;
}

export const demo: Command = {
  name: "demo",
  summary: "run the bundled example (or SCRIPT) against an in-memory kernel",
  help: "Usage:\n\tctkit demo [SCRIPT]\nRuns each line of SCRIPT (default: examples/demo/modules.setup) and prints a transcript.\n",
  where: "client",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const o = getopt("demo", argv, []);
    const script = o.rest[0]
      ? resolve(ctx.env.cwd, o.rest[0])
      : join(repoRoot, "examples", "demo", "modules.setup");
    if (!existsSync(script)) {
      ctx.io.err(`ctkit demo: cannot read ${script}: no such file\n`);
      return 1;
    }
    const stateDir = mkdtempSync(join(tmpdir(), "ctkit-demo-"));
    const env: CliEnv = {
      ...ctx.env,
      stateDir,
      configPaths: [join(stateDir, "modprobe.d")],
      moduleDirs: [...ctx.env.moduleDirs, join(repoRoot, "examples")],
    };
    const kernel = new Kernel({ modulePath: effectiveModulePath(env) });
    try {
      const lines = readFileSync(script, "utf8").split("\n");
      for (const [i, raw] of lines.entries()) {
        const line = raw.trim();
        if (line === "") {
          ctx.io.out("\n");
          continue;
        }
        if (line.startsWith("#")) {
          ctx.io.out(`${line}\n`);
          continue;
        }
        const [name, ...args] = shellWords(line);
        const command = name ? findCommand(name) : undefined;
        if (!command || command.where === "client") {
          ctx.io.err(`ctkit demo: ${script}:${i + 1}: unknown command '${name}'\n`);
          return 1;
        }
        ctx.io.out(`$ ctkit ${line}\n`);
        const code = await executeInKernel(kernel, command, args, env, ctx.io);
        if (code !== 0) ctx.io.out(`(exit ${code})\n`);
      }
      return 0;
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
};
