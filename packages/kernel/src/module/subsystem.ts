/**
 * The module subsystem: kmod's lookup and probe logic on top of the
 * kernel's module list and reference counts. One instance per Kernel.
 *
 * Loads are all-or-nothing: every module of a probe is validated (entry
 * present, vermagic, parameters) before the first one is loaded, and a
 * failure part-way unloads what this probe loaded.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import semver from "semver";
import type { Kernel } from "../kernel.js";
import { configOptions, type ModprobeConfig } from "./config.js";
import { createContext } from "./context.js";
import { isModuleDefinition } from "./definition.js";
import {
  buildIndex,
  loadOrBuildIndex,
  type ModuleDir,
  type ModuleIndex,
  saveIndex,
} from "./depmod.js";
import { KernelError } from "./errors.js";
import { LoadedModule } from "./loaded-module.js";
import type { ModuleInfo } from "./metadata.js";
import { ModuleError } from "./module-error.js";
import { fnmatch, isValidAliasText, normalizeAlias, normalizeName } from "./names.js";
import {
  formatParamValue,
  isReadable,
  isWritable,
  type ParamAssignment,
  ParamError,
  type ParamValue,
  paramNameEquals,
  parseParamValue,
  resolveParams,
  splitOptions,
} from "./params.js";

export interface ModuleSubsystemOptions {
  modulePath: ModuleDir[];
  /** Where the depmod index is cached; null keeps it in memory only. */
  indexFile: string | null;
  config: ModprobeConfig;
  /** Modules shipped with the kernel package (nf_conntrack, nf_nat, …). */
  coreModules: ModuleInfo[];
}

export interface ProbeOptions {
  /** Command-line `name=value` parameters for the named module. */
  params?: readonly string[];
  /** -n: resolve and validate, load nothing. */
  dryRun?: boolean;
  /** --first-time: fail if the module is already loaded. */
  firstTime?: boolean;
  /** --force-vermagic: ignore the kernel version range (taints F). */
  forceVermagic?: boolean;
  /** -b: apply the blacklist to explicit names too, not only aliases. */
  useBlacklist?: boolean;
}

/** One step of a probe, as `modprobe -v`/`--show-depends` print it. */
export interface ProbeStep {
  module: ModuleInfo;
  /** modprobe.d options for this module (config order). */
  configOptions: string;
  /** Command-line parameters (only for the module named on the command line). */
  cmdlineOptions: string;
  /** Both, as the kernel parses them: config first, so the command line wins. */
  options: string;
  /** Already loaded before this probe. */
  alreadyLoaded: boolean;
}

export interface ProbeResult {
  /** Every module the probe covers, in load order. */
  steps: ProbeStep[];
  /** Names that were actually loaded now. */
  loaded: string[];
  /** True when the name only matched blacklisted aliases (nothing done, as kmod). */
  blacklisted: boolean;
}

export interface RemoveOptions {
  /** modprobe -r --first-time: fail when the module is not loaded. */
  firstTime?: boolean;
  /** rmmod -f: remove even with references (taints R). Holders still block. */
  force?: boolean;
  dryRun?: boolean;
}

/**
 * What the current async call chain is in the middle of: the module inits
 * (and request_module aliases) it was started from. Lets a module's init
 * request modules without waiting on its own load (a deadlock), while
 * unrelated concurrent requests still wait for each other.
 */
interface LoadChain {
  inits: readonly string[];
  requests: readonly string[];
}

const NO_CHAIN: LoadChain = { inits: [], requests: [] };

/**
 * import() caches by URL for the whole process, so the query that makes each
 * load fresh must be unique process-wide, not per Kernel.
 */
let importSeq = 0;

export class ModuleSubsystem {
  private readonly modules: LoadedModule[] = [];
  private readonly pending = new Map<string, Promise<void>>();
  private readonly chain = new AsyncLocalStorage<LoadChain>();
  private loadSeq = 0;
  private idx: ModuleIndex | null = null;
  private config: ModprobeConfig;

  constructor(
    private readonly kernel: Kernel,
    private readonly opts: ModuleSubsystemOptions,
  ) {
    this.config = opts.config;
  }

  // ---- index and lookup (depmod / modinfo; no module code runs) ----

  /** The module index, rebuilt when stale. */
  index(): ModuleIndex {
    if (this.idx === null)
      this.idx = loadOrBuildIndex(
        this.opts.indexFile,
        this.opts.modulePath,
        this.opts.coreModules,
      ).index;
    return this.idx;
  }

  /** depmod: rebuild unconditionally. */
  depmod(): ModuleIndex {
    const index = buildIndex(this.opts.modulePath, this.opts.coreModules);
    if (this.opts.indexFile !== null) saveIndex(this.opts.indexFile, index);
    this.idx = index;
    return index;
  }

  /** Drop the cached index so the next lookup re-checks staleness. */
  invalidateIndex(): void {
    this.idx = null;
  }

  setConfig(config: ModprobeConfig): void {
    this.config = config;
  }

  get modprobeConfig(): ModprobeConfig {
    return this.config;
  }

  get modulePath(): readonly ModuleDir[] {
    return this.opts.modulePath;
  }

  /** Adds directories to the end of the module path (the index is rebuilt on next use). */
  addModuleDirs(dirs: readonly ModuleDir[]): void {
    for (const d of dirs) {
      if (!this.opts.modulePath.some((p) => p.path === d.path)) {
        this.opts.modulePath.push(d);
        this.idx = null;
      }
    }
  }

  /** All known modules: core first, then the index in path order. */
  available(): ModuleInfo[] {
    return [...this.opts.coreModules, ...this.index().modules];
  }

  info(name: string): ModuleInfo | undefined {
    const n = normalizeName(name);
    return this.available().find((m) => m.name === n);
  }

  /**
   * kmod's lookup order: config aliases, then a real module name, then
   * module aliases (wildcards). `viaAlias` tells whether the blacklist
   * applies by default.
   */
  lookup(nameOrAlias: string): { modules: ModuleInfo[]; viaAlias: boolean } {
    if (!isValidAliasText(nameOrAlias)) {
      throw new ModuleError(
        "bad-name",
        nameOrAlias,
        "EINVAL",
        `invalid module name '${nameOrAlias}': a module name is never a path`,
      );
    }
    const key = normalizeAlias(nameOrAlias);
    const fromConfig = this.config.aliases
      .filter((a) => fnmatch(a.pattern, key))
      .map((a) => a.target);
    if (fromConfig.length > 0) {
      // A config alias names a module, never another alias (kmod), so a
      // pattern that also matches its own target cannot recurse.
      const modules = unique(fromConfig)
        .map((n) => this.info(n))
        .filter((m): m is ModuleInfo => m !== undefined);
      return { modules, viaAlias: true };
    }
    const direct = this.info(key);
    if (direct) return { modules: [direct], viaAlias: false };
    const byAlias = this.available().filter((m) =>
      m.alias.some((a) => fnmatch(normalizeAlias(a), key)),
    );
    return { modules: byAlias, viaAlias: true };
  }

  private resolveOrThrow(
    nameOrAlias: string,
    useBlacklist: boolean,
  ): { modules: ModuleInfo[]; blacklisted: boolean } {
    const { modules, viaAlias } = this.lookup(nameOrAlias);
    if (modules.length === 0) {
      throw new ModuleError(
        "not-found",
        nameOrAlias,
        "ENOENT",
        `Module ${nameOrAlias} not found in directory ${this.opts.modulePath.map((d) => d.path).join(":") || "(no module path)"}`,
      );
    }
    const allowed =
      viaAlias || useBlacklist
        ? modules.filter((m) => !this.config.blacklist.has(m.name))
        : modules;
    return { modules: allowed, blacklisted: allowed.length === 0 };
  }

  // ---- the module list ----

  /** Loaded modules, newest first (the order of /proc/modules and lsmod). */
  list(): LoadedModule[] {
    return [...this.modules].sort((a, b) => b.seq - a.seq);
  }

  find(name: string): LoadedModule | undefined {
    const n = normalizeName(name);
    return this.modules.find((m) => m.name === n);
  }

  isLoaded(name: string): boolean {
    return this.find(name)?.isLive ?? false;
  }

  // ---- reference counting (try_module_get / module_put) ----

  /** Fails once the module is going away or gone. */
  tryGet(mod: LoadedModule): boolean {
    if (mod.state === "going" || !this.modules.includes(mod)) return false;
    mod.refcnt++;
    return true;
  }

  put(mod: LoadedModule): void {
    if (mod.refcnt <= 0) {
      // A put without a get is a bug in the caller; never let the count go negative.
      this.kernel.log.write("warn", `module_put: ${mod.name}: reference count underflow ignored`);
      return;
    }
    mod.refcnt--;
  }

  // ---- loading ----

  /** modprobe NAME [params]: resolve, load dependencies first, then NAME. */
  async probe(nameOrAlias: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
    const { modules, blacklisted } = this.resolveOrThrow(nameOrAlias, opts.useBlacklist ?? false);
    const steps: ProbeStep[] = [];
    const planned = new Set<string>();
    for (const target of modules) this.plan(target, target, opts, steps, planned, []);

    if (opts.firstTime) {
      const loadedTarget = modules.find((m) => this.isLoaded(m.name));
      if (loadedTarget)
        throw new ModuleError(
          "insert",
          loadedTarget.name,
          "EEXIST",
          `${loadedTarget.name}: module is already loaded`,
        );
    }
    // Validate every module that will be loaded before loading any of them.
    const prepared = steps
      .filter((s) => !s.alreadyLoaded)
      .map((s) => ({ step: s, ...this.prepare(s, opts) }));
    const result: ProbeResult = { steps, loaded: [], blacklisted };
    if (opts.dryRun) return result;

    const loadedNow: LoadedModule[] = [];
    try {
      for (const p of prepared) {
        const mod = await this.insert(p.step.module, p.params, opts.forceVermagic ?? false);
        if (mod) {
          loadedNow.push(mod);
          result.loaded.push(mod.name);
        }
      }
    } catch (e) {
      for (const mod of loadedNow.reverse()) if (mod.refcnt === 0) this.teardown(mod, "rollback");
      throw e;
    }
    return result;
  }

  /** Orders pre-softdeps, dependencies, the module, post-softdeps; each once. */
  private plan(
    m: ModuleInfo,
    target: ModuleInfo,
    opts: ProbeOptions,
    steps: ProbeStep[],
    planned: Set<string>,
    chain: string[],
  ): void {
    if (planned.has(m.name) || chain.includes(m.name)) return;
    const soft = this.softdeps(m);
    const sub = (name: string, required: boolean) => {
      const dep = this.info(name);
      if (dep) this.plan(dep, target, opts, steps, planned, [...chain, m.name]);
      else if (required) {
        throw new ModuleError(
          "insert",
          m.name,
          "ENOENT",
          `${m.name}: depends on ${name}, which is not in the module index (run depmod)`,
        );
      } else
        this.kernel.log.write("warn", `modprobe: softdep ${name} of ${m.name} not found, skipped`);
    };
    for (const p of soft.pre) sub(p, false);
    for (const d of m.depends) sub(d, true);
    planned.add(m.name);
    const cmdlineOptions = m === target ? (opts.params ?? []).map(quoteParam).join(" ") : "";
    const configText = configOptions(this.config, m.name);
    steps.push({
      module: m,
      configOptions: configText,
      cmdlineOptions,
      options: [configText, cmdlineOptions].filter((o) => o !== "").join(" "),
      // Only a live module counts: one still loading is waited for in insert().
      alreadyLoaded: this.isLoaded(m.name),
    });
    for (const p of soft.post) sub(p, false);
  }

  private softdeps(m: ModuleInfo): { pre: string[]; post: string[] } {
    const fromConfig = this.config.softdeps.get(m.name);
    return {
      pre: unique([...m.softdep.pre, ...(fromConfig?.pre ?? [])]),
      post: unique([...m.softdep.post, ...(fromConfig?.post ?? [])]),
    };
  }

  /** Checks that would make the kernel refuse the module, done up front. */
  private prepare(step: ProbeStep, opts: ProbeOptions): { params: Record<string, ParamValue> } {
    const m = step.module;
    let size: number;
    try {
      size = statSync(m.entry).size;
    } catch {
      throw new ModuleError(
        "insert",
        m.name,
        "ENOENT",
        `${m.name}: entry file ${m.entry} is missing (build the package first)`,
      );
    }
    if (size === 0)
      throw new ModuleError(
        "insert",
        m.name,
        "ENOEXEC",
        `${m.name}: entry file ${m.entry} is empty`,
      );
    const kernelVersion = this.kernel.version;
    if (
      !opts.forceVermagic &&
      !semver.satisfies(kernelVersion, m.kernel, { includePrerelease: true })
    ) {
      const line = `${m.name}: version magic '${m.kernel}' should be '${kernelVersion}'`;
      this.kernel.log.write("err", line);
      throw new ModuleError("insert", m.name, "ENOEXEC", line);
    }
    let assignments: ParamAssignment[];
    try {
      assignments = splitOptions(step.options);
      return { params: resolveParams(m.name, m.params, assignments) };
    } catch (e) {
      if (e instanceof ParamError) {
        for (const line of e.dmesg) this.kernel.log.write("err", line);
        throw new ModuleError("insert", m.name, e.errno, e.message);
      }
      throw e;
    }
  }

  /** insmod of one validated module. Returns null if someone else loaded it meanwhile. */
  private async insert(
    info: ModuleInfo,
    params: Record<string, ParamValue>,
    forced: boolean,
  ): Promise<LoadedModule | null> {
    // Wait for a load of the same module by another probe (Linux waits for a
    // COMING module too); loop, as a failed load may be retried by a third.
    let inFlight = this.pending.get(info.name);
    while (inFlight) {
      if ((this.chain.getStore() ?? NO_CHAIN).inits.includes(info.name)) {
        // Requested from its own init: waiting would never end.
        throw new ModuleError(
          "insert",
          info.name,
          "EBUSY",
          `${info.name}: module is still initialising (requested from its own init)`,
        );
      }
      await inFlight.catch(() => undefined);
      inFlight = this.pending.get(info.name);
    }
    if (this.find(info.name)) return null;
    let done!: () => void;
    this.pending.set(
      info.name,
      new Promise<void>((r) => {
        done = r;
      }),
    );
    try {
      return await this.insertNow(info, params, forced);
    } finally {
      this.pending.delete(info.name);
      done();
    }
  }

  private async insertNow(
    info: ModuleInfo,
    params: Record<string, ParamValue>,
    forced: boolean,
  ): Promise<LoadedModule> {
    const size = statSync(info.entry).size;
    const mod = new LoadedModule(info, params, size, ++this.loadSeq);
    this.modules.push(mod);
    try {
      for (const depName of info.depends) {
        const dep = this.find(depName);
        if (!dep?.isLive || !this.tryGet(dep)) {
          throw new ModuleError(
            "insert",
            info.name,
            "ENOENT",
            `${info.name}: dependency ${depName} is not loaded`,
          );
        }
        dep.holders.add(mod);
        mod.uses.push(dep);
      }
      if (info.origin === "path") {
        mod.taints.add("O");
        this.kernel.taint.add("O");
        this.kernel.log.once(
          `oot:${info.name}`,
          "warn",
          `${info.name}: loading out-of-tree module taints kernel.`,
        );
      }
      if (
        forced &&
        !semver.satisfies(this.kernel.version, info.kernel, { includePrerelease: true })
      ) {
        mod.taints.add("F");
        this.kernel.taint.add("F");
        this.kernel.log.write(
          "warn",
          `${info.name}: version magic '${info.kernel}' ignored (forced): kernel tainted.`,
        );
      }
      const definition = await this.importDefinition(mod);
      mod.definition = definition;
      mod.state = "coming";
      const chain = this.chain.getStore() ?? NO_CHAIN;
      await this.chain.run({ ...chain, inits: [...chain.inits, info.name] }, () =>
        definition.init(createContext(this.kernel, mod)),
      );
      mod.state = "live";
      return mod;
    } catch (e) {
      this.teardown(mod, "init-failed");
      if (e instanceof ModuleError) throw e;
      const deliberate = e instanceof KernelError;
      const reason = e instanceof Error ? e.message : String(e);
      if (!deliberate) this.taintByThrow(mod, "init", e);
      else this.kernel.log.write("err", `${info.name}: init failed: ${reason}`);
      throw new ModuleError(
        "insert",
        info.name,
        deliberate ? (e as KernelError).errno : "EINVAL",
        `${info.name}: init failed: ${reason}`,
      );
    }
  }

  private async importDefinition(
    mod: LoadedModule,
  ): Promise<NonNullable<LoadedModule["definition"]>> {
    // A fresh URL per load gives every insmod fresh module-level state, as
    // a reloaded kernel module gets fresh .data.
    const url = `${pathToFileURL(mod.info.entry).href}?ctkit-load=${++importSeq}`;
    let ns: Record<string, unknown>;
    try {
      ns = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      const line = `${mod.name}: cannot import ${mod.info.entry}: ${(e as Error).message?.split("\n")[0]}`;
      this.kernel.log.write("err", line);
      throw new ModuleError("insert", mod.name, "ENOEXEC", line);
    }
    if (!isModuleDefinition(ns.default)) {
      const line = `${mod.name}: ${mod.info.entry} does not default-export a module (use defineModule)`;
      this.kernel.log.write("err", line);
      throw new ModuleError("insert", mod.name, "ENOEXEC", line);
    }
    return ns.default;
  }

  /**
   * A module's code threw where the kernel would have oopsed: log it, taint
   * the kernel and the module (D), and carry on.
   */
  taintByThrow(mod: LoadedModule, where: string, e: unknown): void {
    mod.taints.add("D");
    this.kernel.taint.add("D");
    const first = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    this.kernel.log.write(
      "err",
      `${mod.name}: ${where} threw: ${first.split("\n")[0]} (kernel tainted)`,
    );
  }

  // ---- unloading ----

  /** rmmod: refuses while holders or references remain (unless force for references). */
  remove(name: string, opts: RemoveOptions = {}): void {
    const mod = this.find(name);
    if (!mod)
      throw new ModuleError(
        "not-loaded",
        normalizeName(name),
        "ENOENT",
        `Module ${normalizeName(name)} is not currently loaded`,
      );
    if (mod.holders.size > 0) {
      const holders = [...mod.holders].sort((a, b) => b.seq - a.seq).map((h) => h.name);
      throw new ModuleError(
        "in-use",
        mod.name,
        "EWOULDBLOCK",
        `Module ${mod.name} is in use by: ${holders.join(" ")}`,
        holders,
      );
    }
    if (mod.state !== "live")
      throw new ModuleError("in-use", mod.name, "EBUSY", `Module ${mod.name} is in use`);
    if (mod.refcnt > 0) {
      if (!opts.force)
        throw new ModuleError("in-use", mod.name, "EWOULDBLOCK", `Module ${mod.name} is in use`);
    }
    if (opts.dryRun) return;
    if (mod.refcnt > 0) {
      mod.taints.add("R");
      this.kernel.taint.add("R");
      this.kernel.log.write("warn", `Disabling lock debugging due to kernel taint`);
      this.kernel.log.write(
        "warn",
        `${mod.name}: forced unload with ${mod.refcnt} reference(s) held: kernel tainted.`,
      );
    }
    this.teardown(mod, "unload");
  }

  /**
   * modprobe -r: remove the named module, then the dependencies (and
   * softdeps) nobody uses any more. Returns the names removed, in order.
   */
  removeWithDeps(nameOrAlias: string, opts: RemoveOptions = {}): string[] {
    const { modules } = this.lookup(nameOrAlias);
    if (modules.length === 0) {
      throw new ModuleError("not-found", nameOrAlias, "ENOENT", `Module ${nameOrAlias} not found.`);
    }
    const targets = modules.map((m) => m.name);
    const removed: string[] = [];
    for (const name of targets) {
      const mod = this.find(name);
      if (!mod) {
        // kmod: removing a module that is not loaded is silently fine, unless --first-time.
        if (opts.firstTime) {
          throw new ModuleError("not-loaded", name, "ENOENT", `Module ${name} is not in kernel.`);
        }
        continue;
      }
      if (mod.refcnt > 0 || mod.holders.size > 0)
        throw new ModuleError("in-use", name, "EWOULDBLOCK", `Module ${name} is in use.`);
      const deps = [
        ...mod.info.depends,
        ...this.softdeps(mod.info).pre,
        ...this.softdeps(mod.info).post,
      ];
      this.remove(name, opts);
      removed.push(name);
      for (const d of deps) this.removeUnused(d, opts, removed);
    }
    return removed;
  }

  private removeUnused(name: string, opts: RemoveOptions, removed: string[]): void {
    const mod = this.find(name);
    if (!mod || mod.refcnt > 0 || mod.holders.size > 0 || removed.includes(mod.name)) return;
    const deps = mod.info.depends;
    this.remove(mod.name, opts);
    removed.push(mod.name);
    for (const d of deps) this.removeUnused(d, opts, removed);
  }

  /** Undo everything a module did, release its dependencies, drop it from the list. */
  private teardown(mod: LoadedModule, why: "unload" | "rollback" | "init-failed"): void {
    const wasLive = mod.state === "live";
    mod.state = "going";
    if (wasLive && mod.definition?.exit) {
      try {
        mod.definition.exit(createContext(this.kernel, mod));
      } catch (e) {
        this.taintByThrow(mod, "exit", e);
      }
    }
    while (mod.cleanups.length > 0) {
      const undo = mod.cleanups.pop() as () => void;
      try {
        undo();
      } catch (e) {
        this.taintByThrow(mod, why === "unload" ? "cleanup" : "rollback", e);
      }
    }
    for (const dep of mod.uses) {
      dep.holders.delete(mod);
      this.put(dep);
    }
    mod.uses.length = 0;
    const i = this.modules.indexOf(mod);
    if (i >= 0) this.modules.splice(i, 1);
  }

  // ---- on-demand loading ----

  /**
   * request_module(): load whatever provides `alias`, quietly; the blacklist
   * applies (it is an alias lookup). Returns whether it loaded or was
   * already there. Recursive requests for the same alias (from the init of
   * the module being loaded for it) return false; concurrent requests from
   * unrelated callers each wait for the load and return true.
   */
  async requestModule(alias: string): Promise<boolean> {
    const chain = this.chain.getStore() ?? NO_CHAIN;
    if (chain.requests.includes(alias)) return false;
    return this.chain.run({ ...chain, requests: [...chain.requests, alias] }, () =>
      this.requestModuleNow(alias),
    );
  }

  private async requestModuleNow(alias: string): Promise<boolean> {
    try {
      const r = await this.probe(alias, {});
      if (r.blacklisted) {
        this.kernel.log.write("info", `request_module: ${alias} is blacklisted, not loaded`);
        return false;
      }
      return true;
    } catch (e) {
      this.kernel.log.write(
        "info",
        `request_module: modprobe ${alias} failed: ${(e as Error).message}`,
      );
      return false;
    }
  }

  // ---- run-time parameters (/sys/module/NAME/parameters) ----

  getParam(moduleName: string, param: string): string {
    const { mod, spec } = this.paramSpec(moduleName, param);
    if (!isReadable(spec))
      throw new KernelError("EACCES", `${mod.name}: parameter ${spec.name} is not readable`);
    return formatParamValue(mod.params[spec.name] as ParamValue);
  }

  setParam(moduleName: string, param: string, text: string): void {
    const { mod, spec } = this.paramSpec(moduleName, param);
    if (!isWritable(spec)) {
      throw new KernelError(
        "EACCES",
        `${mod.name}: parameter ${spec.name} is read-only (perm ${spec.perm.toString(8).padStart(4, "0")})`,
      );
    }
    const value = (() => {
      try {
        return parseParamValue(mod.name, spec, text.endsWith("\n") ? text.slice(0, -1) : text);
      } catch (e) {
        if (e instanceof ParamError) for (const line of e.dmesg) this.kernel.log.write("err", line);
        throw e;
      }
    })();
    const old = mod.params[spec.name] as ParamValue;
    mod.params[spec.name] = value;
    try {
      mod.definition?.paramChanged?.(spec.name, value, createContext(this.kernel, mod));
    } catch (e) {
      mod.params[spec.name] = old;
      if (e instanceof KernelError) throw e;
      this.taintByThrow(mod, "paramChanged", e);
      throw new KernelError("EINVAL", `${mod.name}: rejected ${spec.name}=${text}`);
    }
  }

  private paramSpec(moduleName: string, param: string) {
    const mod = this.find(moduleName);
    if (!mod)
      throw new ModuleError(
        "not-loaded",
        normalizeName(moduleName),
        "ENOENT",
        `Module ${normalizeName(moduleName)} is not currently loaded`,
      );
    const spec = mod.info.params.find((p) => paramNameEquals(p.name, param));
    // perm 0 parameters have no sysfs file at all.
    if (!spec || spec.perm === 0) {
      throw new KernelError(
        "ENOENT",
        `/sys/module/${mod.name}/parameters/${param}: No such file or directory`,
      );
    }
    return { mod, spec };
  }
}

/** kmod rewrites a command-line `k=v w` as `k="v w"` so it survives re-splitting. */
function quoteParam(p: string): string {
  const eq = p.indexOf("=");
  if (eq < 0 || !/\s/.test(p) || p[eq + 1] === '"' || p[eq + 1] === "'") return p;
  return `${p.slice(0, eq + 1)}"${p.slice(eq + 1)}"`;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
