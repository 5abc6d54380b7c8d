/**
 * The object a module's init receives. Every registration made through it
 * is recorded on the module and undone automatically, in reverse order,
 * when the module is removed or its init fails.
 */
import type { RegisteredHelper, RegisteredNatHelper } from "../helper/registry.js";
import type { HelperSpec, NatHelperSpec } from "../helper/types.js";
import type { Kernel } from "../kernel.js";
import type { LogLevel } from "../log.js";
import type { SysctlSpec } from "../sysctl.js";
import type { ParamValues } from "./definition.js";
import { KernelError } from "./errors.js";
import type { LoadedModule } from "./loaded-module.js";

export interface ModuleContext<P extends ParamValues = ParamValues> {
  readonly name: string;
  /** Current parameter values; writable ones change when an admin writes them. */
  readonly params: Readonly<P>;
  readonly kernel: Kernel;
  /** Writes "<module>: <text>" to the kernel log. */
  log(text: string, level?: LogLevel): void;
  registerHelper<Pkt, Conn>(spec: HelperSpec<Pkt, Conn>): RegisteredHelper;
  registerNatHelper(spec: NatHelperSpec): RegisteredNatHelper;
  registerSysctl(name: string, spec: SysctlSpec): void;
  /** EXPORT_SYMBOL: make a value available to modules that depend on this one. */
  exportSymbol(name: string, value: unknown): void;
  /** Resolve a symbol exported by one of this module's dependencies. */
  symbol<T>(name: string): T;
  /** Run `fn` when the module goes away (after exit). */
  onCleanup(fn: () => void): void;
}

export function createContext(kernel: Kernel, mod: LoadedModule): ModuleContext {
  const cleanup = (fn: () => void) => mod.cleanups.push(fn);
  return {
    name: mod.name,
    params: mod.params,
    kernel,
    log: (text, level = "info") => kernel.log.write(level, `${mod.name}: ${text}`),
    registerHelper(spec) {
      const reg = kernel.helpers.register(spec as HelperSpec, mod);
      cleanup(() => kernel.helpers.unregister(reg));
      return reg;
    },
    registerNatHelper(spec) {
      const reg = kernel.helpers.registerNat(spec, mod);
      cleanup(() => kernel.helpers.unregisterNat(reg));
      return reg;
    },
    registerSysctl(name, spec) {
      cleanup(kernel.sysctl.register(name, spec));
    },
    exportSymbol(name, value) {
      for (const m of kernel.modules.list()) {
        if (m !== mod && m.symbols.has(name)) {
          throw new KernelError(
            "EEXIST",
            `${mod.name}: exports duplicate symbol ${name} (owned by ${m.name})`,
          );
        }
      }
      mod.symbols.set(name, value);
      cleanup(() => mod.symbols.delete(name));
    },
    symbol<T>(name: string): T {
      for (const dep of mod.uses) if (dep.symbols.has(name)) return dep.symbols.get(name) as T;
      throw new KernelError("ENOENT", `${mod.name}: Unknown symbol ${name} (err -2)`);
    },
    onCleanup: cleanup,
  };
}
