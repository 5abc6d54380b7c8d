/**
 * depmod: builds the module index from package.json metadata only. The
 * index is cached as JSON with the mtimes of everything it was built from,
 * so a changed, added or removed package makes it stale and it is rebuilt.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { MetadataError } from "./errors.js";
import { type ModuleInfo, type ModuleOrigin, readModulePackage } from "./metadata.js";

export const INDEX_FORMAT = 1;

export interface ModuleIndex {
  format: number;
  /** Directories searched, in order; the first module of a name wins. */
  modulePath: ModuleDir[];
  /** path → mtimeMs (-1 = absent) of every directory and package.json read. */
  stamps: Record<string, number>;
  modules: ModuleInfo[];
  /** Duplicate names and other non-fatal findings, kmod-style. */
  warnings: string[];
}

export interface ModuleDir {
  path: string;
  origin: ModuleOrigin;
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * A module directory is either one package (its package.json has a `ctkit`
 * field) or a folder of packages, one level deep, with npm scopes (`@x/y`)
 * followed — so both `plugins/` and a project's `node_modules/` work.
 */
function packagesIn(dir: string, stamps: Record<string, number>): string[] {
  stamps[dir] = mtime(dir);
  if (stamps[dir] < 0) return [];
  const own = join(dir, "package.json");
  if (existsSync(own)) {
    stamps[own] = mtime(own);
    if (hasCtkitField(own)) return [dir];
  }
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    if (entry.name.startsWith(".")) continue;
    const child = join(dir, entry.name);
    if (entry.name.startsWith("@")) {
      stamps[child] = mtime(child);
      for (const scoped of readdirSync(child).sort()) out.push(join(child, scoped));
    } else out.push(child);
  }
  return out.filter((p) => {
    const pj = join(p, "package.json");
    stamps[pj] = mtime(pj);
    return stamps[pj] >= 0;
  });
}

/**
 * True when the package.json declares a module, and also when it cannot be
 * parsed: then readModulePackage reports the broken file (MetadataError)
 * instead of the directory being silently treated as a folder of packages.
 */
function hasCtkitField(pkgJson: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(pkgJson, "utf8")) as Record<string, unknown>;
    return pkg.ctkit !== undefined;
  } catch {
    return true;
  }
}

/**
 * Scans the directories. Invalid metadata is fatal (MetadataError names the
 * file and field): a broken module must be fixed, not silently skipped.
 */
export function buildIndex(
  dirs: readonly ModuleDir[],
  builtins: readonly ModuleInfo[],
): ModuleIndex {
  const stamps: Record<string, number> = {};
  const modules: ModuleInfo[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, string>(builtins.map((b) => [b.name, b.entry]));
  for (const { path, origin } of dirs) {
    for (const pkgDir of packagesIn(resolve(path), stamps)) {
      const info = readModulePackage(pkgDir, origin);
      if (info === null) continue;
      const first = seen.get(info.name);
      if (first !== undefined) {
        warnings.push(
          `depmod: WARNING: module ${info.name} in ${pkgDir} ignored: already provided by ${first}`,
        );
        continue;
      }
      seen.set(info.name, info.packageDir);
      modules.push(info);
    }
  }
  checkDependencies([...builtins, ...modules], warnings);
  return {
    format: INDEX_FORMAT,
    modulePath: dirs.map((d) => ({ path: resolve(d.path), origin: d.origin })),
    stamps,
    modules,
    warnings,
  };
}

/** Missing dependencies and cycles are reported now, not at load time. */
function checkDependencies(all: readonly ModuleInfo[], warnings: string[]): void {
  const byName = new Map(all.map((m) => [m.name, m]));
  for (const m of all) {
    for (const d of m.depends) {
      if (!byName.has(d)) warnings.push(`depmod: WARNING: ${m.name} needs unknown module ${d}`);
    }
  }
  const state = new Map<string, 1 | 2>();
  const visit = (m: ModuleInfo, chain: string[]): void => {
    if (state.get(m.name) === 2) return;
    if (state.get(m.name) === 1) {
      throw new MetadataError(
        join(m.packageDir, "package.json"),
        "ctkit.depends",
        `dependency cycle: ${[...chain, m.name].join(" -> ")}`,
      );
    }
    state.set(m.name, 1);
    for (const d of m.depends) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...chain, m.name]);
    }
    state.set(m.name, 2);
  };
  for (const m of all) visit(m, []);
}

export function isStale(index: ModuleIndex, dirs: readonly ModuleDir[]): boolean {
  if (index.format !== INDEX_FORMAT) return true;
  const wanted = dirs.map((d) => resolve(d.path));
  if (
    wanted.length !== index.modulePath.length ||
    wanted.some((p, i) => p !== index.modulePath[i]?.path)
  )
    return true;
  return Object.entries(index.stamps).some(([p, t]) => mtime(p) !== t);
}

export function saveIndex(file: string, index: ModuleIndex): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // Write then rename, so a concurrent reader never sees half an index.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(index), { mode: 0o600 });
  renameSync(tmp, file);
}

export function readIndex(file: string): ModuleIndex | null {
  try {
    const idx = JSON.parse(readFileSync(file, "utf8")) as ModuleIndex;
    return idx.format === INDEX_FORMAT && Array.isArray(idx.modules) ? idx : null;
  } catch {
    return null;
  }
}

/** The cached index when fresh, else a rebuilt (and re-saved) one. */
export function loadOrBuildIndex(
  file: string | null,
  dirs: readonly ModuleDir[],
  builtins: readonly ModuleInfo[],
): { index: ModuleIndex; rebuilt: boolean } {
  if (file !== null) {
    const cached = readIndex(file);
    if (cached !== null && !isStale(cached, dirs)) return { index: cached, rebuilt: false };
  }
  const index = buildIndex(dirs, builtins);
  if (file !== null) saveIndex(file, index);
  return { index, rebuilt: true };
}
