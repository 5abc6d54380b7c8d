/**
 * Where modules are looked for: the workspace's own plugins/ (when running
 * from a checkout), then CTKIT_MODULE_PATH (colon separated), then any
 * --module-dir given. Earlier directories win on duplicate names, so a
 * third-party package cannot shadow an in-tree module.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModuleDir } from "./module/depmod.js";

/** packages/kernel/dist → the repository root's plugins/ directory. */
export function workspacePluginsDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidate = resolve(here, "..", "..", "..", "plugins");
  return existsSync(join(candidate, "..", "pnpm-workspace.yaml")) && existsSync(candidate)
    ? candidate
    : null;
}

export function resolveModulePath(opts: {
  moduleDirs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  workspace?: boolean;
}): ModuleDir[] {
  const out: ModuleDir[] = [];
  const add = (path: string, origin: ModuleDir["origin"]) => {
    const abs = resolve(path);
    if (!out.some((d) => d.path === abs)) out.push({ path: abs, origin });
  };
  if (opts.workspace !== false) {
    const ws = workspacePluginsDir();
    if (ws) add(ws, "workspace");
  }
  const env = opts.env?.CTKIT_MODULE_PATH;
  if (env) for (const p of env.split(":")) if (p !== "") add(p, "path");
  for (const p of opts.moduleDirs ?? []) add(p, "path");
  return out;
}
