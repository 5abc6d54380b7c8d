/**
 * ctkit modinfo: a module's metadata in kmod's layout, read from the index
 * (or a package directory) without running any module code.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ModuleError, type ModuleInfo, type ParamSpec, readModulePackage } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { localKernel } from "../env.js";
import { getopt } from "../getopt.js";
import { moduleErrorLine } from "./module-errors.js";

const HELP = `Usage:
\tctkit modinfo [options] <modulename|package-dir> [...]
Options:
\t-a, --author                Print only 'author'
\t-d, --description           Print only 'description'
\t-l, --license               Print only 'license'
\t-p, --parameters            Print only 'parm'
\t-n, --filename              Print only 'filename'
\t-0, --null                  Use \\0 instead of \\n
\t-F, --field=FIELD           Print only provided FIELD
\t    --json                  Print every field as JSON
\t    --module-dir=DIR        Also search DIR for modules
\t-h, --help                  Show this help
`;

/** kmod's "%s:%-*s%s": key, colon, padding to column 17. */
function keyLine(key: string, value: string, sep: string): string {
  if (sep === "\0" && key !== "filename" && key !== "parm") return `${key}=${value}\0`;
  const pad = Math.abs(15 - key.length);
  return `${key}:${" ".repeat(pad)}${value}${sep}`;
}

function parmText(p: ParamSpec, forField: boolean): string {
  if (p.description) return `${p.name}:${p.description} (${p.type})`;
  return forField ? `${p.name}: (${p.type})` : `${p.name}:${p.type}`;
}

/** Every field in the order modinfo prints them. */
export function modinfoFields(m: ModuleInfo): [string, string][] {
  const f: [string, string][] = [["filename", m.entry]];
  for (const a of m.alias) f.push(["alias", a]);
  if (m.description) f.push(["description", m.description]);
  if (m.author) f.push(["author", m.author]);
  if (m.license) f.push(["license", m.license]);
  if (m.version) f.push(["version", m.version]);
  if (m.softdep.pre.length || m.softdep.post.length) {
    const pre = m.softdep.pre.length ? `pre: ${m.softdep.pre.join(" ")}` : "";
    const post = m.softdep.post.length ? `post: ${m.softdep.post.join(" ")}` : "";
    f.push(["softdep", [pre, post].filter(Boolean).join(" ")]);
  }
  f.push(["depends", m.depends.join(",")]);
  // Like Linux's "intree: Y": set for modules shipped with ctkit, absent for third-party ones.
  if (m.origin !== "path") f.push(["intree", "Y"]);
  f.push(["name", m.name]);
  f.push(["vermagic", m.kernel]);
  for (const p of m.params) f.push(["parm", parmText(p, false)]);
  return f;
}

export const modinfo: Command = {
  name: "modinfo",
  summary: "show information about a module",
  help: HELP,
  where: "local",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const o = getopt("modinfo", argv, [
      { key: "author", short: "a", long: "author" },
      { key: "description", short: "d", long: "description" },
      { key: "license", short: "l", long: "license" },
      { key: "parameters", short: "p", long: "parameters" },
      { key: "filename", short: "n", long: "filename" },
      { key: "null", short: "0", long: "null" },
      { key: "field", short: "F", long: "field", arg: true },
    ]);
    if (o.rest.length === 0) {
      ctx.io.err("modinfo: ERROR: missing module or filename.\n");
      return 1;
    }
    const f = o.flags;
    const field =
      o.values.field?.[0] ??
      (f.author
        ? "author"
        : f.description
          ? "description"
          : f.license
            ? "license"
            : f.parameters
              ? "parm"
              : f.filename
                ? "filename"
                : null);
    const sep = f.null ? "\0" : "\n";
    const kernel = localKernel(ctx.env);
    let status = 0;
    const json: Record<string, unknown>[] = [];
    for (const arg of o.rest) {
      try {
        const m = findModule(kernel, arg, ctx.env.cwd);
        if (ctx.env.json) {
          json.push({
            ...m,
            params: m.params.map((p) => ({
              ...p,
              perm: `0${p.perm.toString(8).padStart(3, "0")}`,
            })),
          });
          continue;
        }
        if (field === null) {
          for (const [k, v] of modinfoFields(m)) ctx.io.out(keyLine(k, v, sep));
        } else if (field === "parm") {
          for (const p of m.params) ctx.io.out(`${parmText(p, true)}${sep}`);
        } else {
          for (const [k, v] of modinfoFields(m)) if (k === field) ctx.io.out(`${v}${sep}`);
        }
      } catch (e) {
        ctx.io.err(`${moduleErrorLine("modinfo", e, "")}\n`);
        status = 1;
      }
    }
    if (ctx.env.json) ctx.io.out(`${JSON.stringify(json, null, 2)}\n`);
    return status;
  },
};

/** A module name or alias from the index, or a package directory given by path. */
function findModule(kernel: ReturnType<typeof localKernel>, arg: string, cwd: string): ModuleInfo {
  if (arg.includes("/")) {
    const dir = resolve(cwd, arg);
    if (existsSync(dir) && statSync(dir).isDirectory()) {
      const info = readModulePackage(dir, "path");
      if (info) return info;
    }
    throw new ModuleError("not-found", arg, "ENOENT", `Module ${arg} not found.`);
  }
  const { modules } = kernel.modules.lookup(arg);
  const m = modules[0];
  if (!m) throw new ModuleError("not-found", arg, "ENOENT", `Module ${arg} not found.`);
  return m;
}
