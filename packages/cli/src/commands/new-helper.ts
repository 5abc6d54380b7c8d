/**
 * ctkit new-helper NAME [--dir DIR] [--port N]: scaffold a third-party
 * helper package that depmod finds and modprobe loads.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KERNEL_VERSION } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { getopt } from "../getopt.js";
import { indexJs, packageJson, readme, testJs, tsconfig } from "../scaffold/templates.js";

const HELP = `Usage:
\tctkit new-helper NAME [--dir DIR] [--port PORT]
Creates DIR/ctkit-helper-NAME (DIR defaults to the current directory): a helper
module package named nf_conntrack_NAME with a test that uses the helper kit.
NAME: lower-case letters, digits and '_', at most 15 characters (the kernel's
helper name limit).
`;

/** packages/cli/dist → packages/helper-kit. */
function helperKitDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "helper-kit");
}

export const newHelper: Command = {
  name: "new-helper",
  summary: "scaffold a third-party helper module package",
  help: HELP,
  where: "client",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const o = getopt("new-helper", argv, [
      { key: "dir", long: "dir", arg: true },
      { key: "port", long: "port", arg: true },
    ]);
    const name = o.rest[0];
    if (o.rest.length !== 1 || name === undefined) {
      ctx.io.err("ctkit new-helper: expected exactly one NAME (see --help)\n");
      return 1;
    }
    if (!/^[a-z][a-z0-9_]{0,14}$/.test(name)) {
      ctx.io.err(
        `ctkit new-helper: invalid name '${name}': use lower-case letters, digits and '_', at most 15 characters\n`,
      );
      return 1;
    }
    const portText = o.values.port?.[0] ?? "9999";
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      ctx.io.err(`ctkit new-helper: invalid --port '${portText}': expected 1-65535\n`);
      return 1;
    }
    const target = join(resolve(ctx.env.cwd, o.values.dir?.[0] ?? "."), `ctkit-helper-${name}`);
    if (existsSync(target)) {
      ctx.io.err(`ctkit new-helper: ${target} already exists; choose another --dir or remove it\n`);
      return 1;
    }
    const vars = { name, port, helperKitDir: helperKitDir(), kernelRange: `^${KERNEL_VERSION}` };
    const files: [string, string][] = [
      ["package.json", packageJson(vars)],
      ["src/index.js", indexJs(vars)],
      ["test/helper.test.js", testJs(vars)],
      ["tsconfig.json", tsconfig()],
      ["README.md", readme(vars)],
    ];
    for (const [rel, text] of files) {
      const file = join(target, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    ctx.io.out(`created ${target} (module nf_conntrack_${name})\n`);
    ctx.io.out(
      `next: cd ${target} && npm install && npm test; then ctkit depmod --module-dir ${dirname(target)}\n`,
    );
    return 0;
  },
};
