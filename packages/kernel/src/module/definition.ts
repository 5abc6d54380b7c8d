/**
 * What a module's entry file default-exports. Modules are plain objects
 * with lifecycle callbacks; all registrations go through the context so the
 * kernel can undo them on unload or on a failed init (Fastify-style
 * encapsulation: a module cannot leave anything behind).
 */
import type { ModuleContext } from "./context.js";
import type { ParamValue } from "./params.js";

export type ParamValues = Record<string, ParamValue>;

export interface ModuleDefinition<P extends ParamValues = ParamValues> {
  /** Brand checked at load time, so a random ESM file is not mistaken for a module. */
  readonly ctkitModule: 1;
  /** module_init: register helpers, NAT helpers, sysctls, symbols. Throwing aborts the load. */
  init(ctx: ModuleContext<P>): void | Promise<void>;
  /** module_exit: runs before the context's registrations are undone. */
  exit?(ctx: ModuleContext<P>): void;
  /**
   * A writable parameter changed at run time (sysfs write). Throwing
   * rejects the write and the old value is restored.
   */
  paramChanged?(name: keyof P & string, value: ParamValue, ctx: ModuleContext<P>): void;
}

export function defineModule<P extends ParamValues = ParamValues>(
  def: Omit<ModuleDefinition<P>, "ctkitModule">,
): ModuleDefinition<P> {
  return { ...def, ctkitModule: 1 };
}

export function isModuleDefinition(v: unknown): v is ModuleDefinition {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as ModuleDefinition).ctkitModule === 1 &&
    typeof (v as ModuleDefinition).init === "function"
  );
}
