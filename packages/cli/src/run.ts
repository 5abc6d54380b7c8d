/**
 * Entry point shared by the CLI process and the daemon: splits ctkit's
 * global options from the command's own, then runs the command where it
 * belongs (in the daemon for "live" commands).
 */
import { resolve } from "node:path";
import { ConfigError, Kernel, KernelError, loadConfig, MetadataError } from "@ctkit/kernel";
import type { Command } from "./command.js";
import { COMMANDS, findCommand } from "./commands/index.js";
import { NoDaemonError, sendRequest } from "./daemon/client.js";
import type { Request } from "./daemon/protocol.js";
import { startDaemon } from "./daemon/server.js";
import {
  type CliEnv,
  CliError,
  defaultConfigDir,
  effectiveModulePath,
  ensurePrivateDir,
  indexFile,
  resolveStateDir,
} from "./env.js";
import { UsageError } from "./getopt.js";
import type { Io } from "./io.js";

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

interface Split {
  command: string | undefined;
  args: string[];
  env: CliEnv;
  help: boolean;
}

/** Pulls --state-dir, --module-dir, --config/-C, --json and -h/--help out of argv. */
function splitGlobals(argv: readonly string[], opts: RunOptions): Split {
  const args: string[] = [];
  let stateDir: string | undefined;
  const moduleDirs: string[] = [];
  const configPaths: string[] = [];
  let json = false;
  let help = false;
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const takeValue = (name: string): string => {
      const eq = a.indexOf("=");
      if (a.startsWith("--") && eq >= 0) return a.slice(eq + 1);
      if (!a.startsWith("--") && a.length > 2) return a.slice(2);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`ctkit: option '${name}' requires an argument`);
      return v;
    };
    if (a === "--") {
      args.push(...argv.slice(i));
      break;
    }
    if (a === "--state-dir" || a.startsWith("--state-dir=")) stateDir = takeValue("--state-dir");
    else if (a === "--module-dir" || a.startsWith("--module-dir="))
      moduleDirs.push(resolve(opts.cwd, takeValue("--module-dir")));
    else if (a === "--config" || a.startsWith("--config=") || a.startsWith("-C"))
      configPaths.push(resolve(opts.cwd, takeValue("--config")));
    else if (a === "--json") json = true;
    else if (a === "-h" || a === "--help") help = true;
    else if (command === undefined && !a.startsWith("-")) command = a;
    else args.push(a);
  }
  const dir = resolveStateDir(stateDir, opts.env, opts.cwd);
  return {
    command,
    args,
    help,
    env: {
      cwd: opts.cwd,
      stateDir: dir,
      moduleDirs,
      configPaths: configPaths.length ? configPaths : [defaultConfigDir(dir)],
      envModulePath: opts.env.CTKIT_MODULE_PATH ?? "",
      json,
    },
  };
}

function topHelp(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(12)}${c.summary}`);
  return `Usage: ctkit [--state-dir DIR] [--module-dir DIR] [--config DIR] [--json] COMMAND [ARGS]

ctkit re-creates the Linux netfilter connection-tracking stack and its helper
modules. Commands are shaped like the Linux tools they are named after.

Commands:
${lines.join("\n")}

Run 'ctkit COMMAND --help' for a command's options.
`;
}

/** Errors that are the user's to fix: one line, non-zero exit, no stack trace. */
function userErrorLine(e: unknown): string | null {
  if (e instanceof UsageError || e instanceof CliError || e instanceof NoDaemonError)
    return e.message;
  if (e instanceof ConfigError || e instanceof MetadataError) return `ctkit: ${e.message}`;
  if (e instanceof KernelError) return `ctkit: ${e.message}`;
  return null;
}

export async function runCli(argv: readonly string[], io: Io, opts: RunOptions): Promise<number> {
  let split: Split;
  try {
    split = splitGlobals(argv, opts);
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 1;
  }
  const { command: name, args, env } = split;
  if (name === undefined) {
    (split.help ? io.out : io.err).call(io, topHelp());
    return split.help ? 0 : 1;
  }
  if (name === "__daemon") return runDaemon(env, io);
  const command = findCommand(name);
  if (!command) {
    io.err(`ctkit: unknown command '${name}'. See 'ctkit --help'.\n`);
    return 1;
  }
  if (split.help) {
    io.out(command.help);
    return 0;
  }
  try {
    if (command.where === "live") return await sendRequest(env, name, args, io);
    return await command.run({ io, env, kernel: null }, args);
  } catch (e) {
    const line = userErrorLine(e);
    if (line === null) throw e;
    io.err(`${line}\n`);
    return 1;
  }
}

/** Runs one request inside the daemon against its kernel. */
export async function executeInKernel(
  kernel: Kernel,
  command: Command,
  args: string[],
  env: CliEnv,
  io: Io,
): Promise<number> {
  try {
    // Each request sees the current config files and module path, as each
    // kmod invocation re-reads them.
    kernel.modules.setConfig(loadConfig(env.configPaths));
    kernel.modules.addModuleDirs(effectiveModulePath(env));
    kernel.modules.invalidateIndex();
    return await command.run({ io, env, kernel }, args);
  } catch (e) {
    const line = userErrorLine(e);
    if (line === null) throw e;
    io.err(`${line}\n`);
    return 1;
  }
}

/** Runs admin-script lines (demo, replay SETUP) as ctkit commands in `kernel`; null for an unknown command. */
export function kernelRunner(kernel: Kernel, env: CliEnv) {
  return (name: string, args: string[], io: Io): Promise<number | null> => {
    const command = findCommand(name);
    return command ? executeInKernel(kernel, command, args, env, io) : Promise.resolve(null);
  };
}

async function runDaemon(env: CliEnv, io: Io): Promise<number> {
  ensurePrivateDir(env.stateDir);
  const kernel = new Kernel({ modulePath: effectiveModulePath(env), indexFile: indexFile(env) });
  const daemon = await startDaemon(env.stateDir, (req: Request, rio: Io) => {
    const command = findCommand(req.command);
    if (command?.where !== "live") {
      rio.err(`ctkit: '${req.command}' cannot run in the kernel\n`);
      return Promise.resolve(2);
    }
    return executeInKernel(kernel, command, req.args, req.env, rio);
  });
  io.err(`ctkit: kernel ${kernel.version} running (pid ${process.pid})\n`);
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => void daemon.stop());
  await daemon.closed;
  return 0;
}
