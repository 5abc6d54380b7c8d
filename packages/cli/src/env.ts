/**
 * The environment a command runs in: state directory, module path,
 * modprobe.d config, working directory. Resolved once per invocation in
 * the client and sent along to the daemon, so both see the same paths.
 */
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { Kernel, loadConfig, type ModuleDir, readIndex, resolveModulePath } from "@ctkit/kernel";

export interface CliEnv {
  cwd: string;
  stateDir: string;
  /** Absolute --module-dir values of this invocation. */
  moduleDirs: string[];
  /** modprobe.d paths (-C/--config), or the default inside the state dir. */
  configPaths: string[];
  /** CTKIT_MODULE_PATH of the invoking shell. */
  envModulePath: string;
  json: boolean;
}

export class CliError extends Error {}

export function resolveStateDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  if (flag) return resolve(cwd, flag);
  if (env.CTKIT_STATE_DIR) return resolve(cwd, env.CTKIT_STATE_DIR);
  return join(homedir(), ".ctkit");
}

/**
 * The state directory holds the daemon socket and its token: it must be
 * ours and closed to everybody else.
 */
export function ensurePrivateDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory())
    throw new CliError(`ctkit: state dir ${dir} is not a directory; pass --state-dir DIR`);
  if (typeof process.getuid === "function" && st.uid !== process.getuid()) {
    throw new CliError(
      `ctkit: state dir ${dir} belongs to uid ${st.uid}, not you; pass --state-dir DIR`,
    );
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

export function indexFile(env: CliEnv): string {
  return join(env.stateDir, "modules.index.json");
}

export function defaultConfigDir(stateDir: string): string {
  return join(stateDir, "modprobe.d");
}

/**
 * Workspace plugins, CTKIT_MODULE_PATH, the directories an earlier depmod
 * recorded in the index (so `depmod --module-dir X` is remembered, as kmod
 * remembers what depmod indexed), then this invocation's --module-dir.
 */
export function effectiveModulePath(env: CliEnv): ModuleDir[] {
  const base = resolveModulePath({ env: { CTKIT_MODULE_PATH: env.envModulePath }, moduleDirs: [] });
  const recorded = (readIndex(indexFile(env))?.modulePath ?? []).filter(
    (d) => d.origin === "path" && existsSync(d.path),
  );
  const out = [...base];
  for (const d of [
    ...recorded,
    ...env.moduleDirs.map((p) => ({ path: p, origin: "path" as const })),
  ]) {
    if (!out.some((o) => o.path === d.path)) out.push(d);
  }
  return out;
}

/** A kernel for commands that only read metadata (modinfo, depmod) or run one-shot. */
export function localKernel(env: CliEnv): Kernel {
  return new Kernel({
    modulePath: effectiveModulePath(env),
    indexFile: existsSync(env.stateDir) ? indexFile(env) : null,
    config: loadConfig(env.configPaths),
  });
}
