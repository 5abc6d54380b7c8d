/**
 * ctkit demo [SCRIPT]: runs an admin script (the set-up format of
 * `ctkit replay`) against a fresh in-memory kernel and prints a transcript.
 * The default script shows the module system: parameters, on-demand
 * loading by alias, lsmod, modinfo, run-time parameters, removal.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kernel } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { type CliEnv, effectiveModulePath } from "../env.js";
import { getopt } from "../getopt.js";
import { runScript } from "../replay/script.js";
import { kernelRunner } from "../run.js";

/** packages/cli/dist → repository root. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

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
    const stateDir = mkdtempSync(join(tmpdir(), "ctkit-demo-"));
    const env: CliEnv = {
      ...ctx.env,
      stateDir,
      configPaths: [join(stateDir, "modprobe.d")],
      moduleDirs: [...ctx.env.moduleDirs, join(repoRoot, "examples")],
    };
    const kernel = new Kernel({ modulePath: effectiveModulePath(env) });
    try {
      return await runScript(script, kernelRunner(kernel, env), ctx.io, {
        transcript: true,
        stopOnError: false,
      });
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
};
