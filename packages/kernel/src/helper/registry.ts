/**
 * Registry of conntrack helpers and NAT helpers. Every registered helper
 * belongs to a module; users of a helper (a connection, a CT rule) hold a
 * reference on that module through tryGet/put, so the module cannot go away
 * under them — the kernel's nf_conntrack_helper_try_module_get.
 */
import { KernelError } from "../module/errors.js";
import type { LoadedModule } from "../module/loaded-module.js";
import {
  EXPECT_MAX_CNT,
  HELPER_NAME_MAX,
  type HelperSpec,
  type L3Family,
  L4_PROTOCOLS,
  type L4Name,
  MAX_EXPECT_CLASSES,
  type NatHelperSpec,
} from "./types.js";

export interface RegisteredHelper {
  readonly spec: HelperSpec;
  readonly owner: LoadedModule;
}

export interface RegisteredNatHelper {
  readonly spec: NatHelperSpec;
  readonly owner: LoadedModule;
}

/** The module-side operations the registry needs (implemented by ModuleSubsystem). */
export interface ModuleRefs {
  tryGet(mod: LoadedModule): boolean;
  put(mod: LoadedModule): void;
  requestModule(alias: string): Promise<boolean>;
}

function l3Overlaps(a: L3Family, b: L3Family): boolean {
  return a === "unspec" || b === "unspec" || a === b;
}

export class HelperRegistry {
  private readonly helpers: RegisteredHelper[] = [];
  private readonly natHelpers: RegisteredNatHelper[] = [];
  private readonly unregisterHooks = new Set<(h: RegisteredHelper) => void>();

  constructor(private readonly refs: ModuleRefs) {}

  register(spec: HelperSpec, owner: LoadedModule): RegisteredHelper {
    if (spec.name.length === 0 || spec.name.length > HELPER_NAME_MAX) {
      throw new KernelError(
        "EINVAL",
        `helper name "${spec.name}" must be 1 to ${HELPER_NAME_MAX} characters`,
      );
    }
    if (!(spec.l4 in L4_PROTOCOLS))
      throw new KernelError("EINVAL", `helper ${spec.name}: unknown L4 protocol ${spec.l4}`);
    if (spec.expectPolicy.length > MAX_EXPECT_CLASSES) {
      throw new KernelError(
        "EINVAL",
        `helper ${spec.name}: at most ${MAX_EXPECT_CLASSES} expectation classes`,
      );
    }
    for (const p of spec.expectPolicy) {
      if (!Number.isInteger(p.maxExpected) || p.maxExpected < 0 || p.maxExpected > EXPECT_MAX_CNT) {
        throw new KernelError(
          "EINVAL",
          `helper ${spec.name}: max_expected ${p.maxExpected} is above ${EXPECT_MAX_CNT}`,
        );
      }
      if (!(p.timeout > 0))
        throw new KernelError(
          "EINVAL",
          `helper ${spec.name}: expectation timeout must be positive`,
        );
    }
    for (const h of this.helpers) {
      const sameName =
        h.spec.name === spec.name && h.spec.l4 === spec.l4 && l3Overlaps(h.spec.l3, spec.l3);
      const samePort =
        spec.port !== 0 &&
        h.spec.port === spec.port &&
        h.spec.l4 === spec.l4 &&
        h.spec.l3 === spec.l3;
      if (sameName || samePort) {
        throw new KernelError(
          "EBUSY",
          `helper ${spec.name} (${spec.l3}/${spec.l4}) is already registered by ${h.owner.name}`,
        );
      }
    }
    const reg: RegisteredHelper = { spec, owner };
    this.helpers.push(reg);
    return reg;
  }

  /**
   * Removes a helper; listeners (conntrack, expectations) detach it from
   * live connections first, as nf_conntrack_helper_unregister does.
   */
  unregister(reg: RegisteredHelper): void {
    const i = this.helpers.indexOf(reg);
    if (i < 0) return;
    for (const hook of this.unregisterHooks) hook(reg);
    this.helpers.splice(i, 1);
  }

  onUnregister(hook: (h: RegisteredHelper) => void): () => void {
    this.unregisterHooks.add(hook);
    return () => this.unregisterHooks.delete(hook);
  }

  registerNat(spec: NatHelperSpec, owner: LoadedModule): RegisteredNatHelper {
    if (this.natHelpers.some((n) => n.spec.modName === spec.modName)) {
      throw new KernelError("EBUSY", `NAT helper ${spec.modName} is already registered`);
    }
    const reg = { spec, owner };
    this.natHelpers.push(reg);
    return reg;
  }

  unregisterNat(reg: RegisteredNatHelper): void {
    const i = this.natHelpers.indexOf(reg);
    if (i >= 0) this.natHelpers.splice(i, 1);
  }

  /** __nf_conntrack_helper_find: exact name, l3 equal or helper unspec, l4 equal. */
  find(name: string, l3: L3Family, l4: L4Name): RegisteredHelper | undefined {
    return this.helpers.find(
      (h) =>
        h.spec.name === name &&
        h.spec.l4 === l4 &&
        (h.spec.l3 === "unspec" || h.spec.l3 === l3 || l3 === "unspec"),
    );
  }

  /** Legacy port-based lookup (nf_conntrack_helper=1). */
  findByPort(l3: L3Family, l4: L4Name, port: number): RegisteredHelper | undefined {
    for (const h of this.helpers) {
      if (h.spec.port === port && h.spec.l4 === l4 && (h.spec.l3 === "unspec" || h.spec.l3 === l3))
        return h;
    }
    return undefined;
  }

  findNat(modName: string): RegisteredNatHelper | undefined {
    return this.natHelpers.find((n) => n.spec.modName === modName);
  }

  list(): readonly RegisteredHelper[] {
    return this.helpers;
  }

  /**
   * Finds a helper and takes a reference on its module; on a miss asks for
   * `nfct-helper-NAME` to be loaded and retries once. ENOENT when absent.
   */
  async tryGet(name: string, l3: L3Family, l4: L4Name): Promise<RegisteredHelper> {
    let h = this.find(name, l3, l4);
    if (h === undefined && (await this.refs.requestModule(`nfct-helper-${name}`)))
      h = this.find(name, l3, l4);
    if (h === undefined || !this.refs.tryGet(h.owner)) {
      throw new KernelError("ENOENT", `No such helper "${name}"`);
    }
    return h;
  }

  put(h: RegisteredHelper): void {
    this.refs.put(h.owner);
  }

  /**
   * nf_nat_helper_try_module_get: the conntrack helper must exist; then its
   * NAT side, loaded on demand under the helper's nat module name.
   */
  async tryGetNat(name: string, l3: L3Family, l4: L4Name): Promise<RegisteredNatHelper> {
    const h = this.find(name, l3, l4);
    if (h === undefined) throw new KernelError("ENOENT", `No such helper "${name}"`);
    const modName = h.spec.natModName ?? `ip_nat_${name.split("-")[0]}`;
    let nat = this.findNat(modName);
    if (nat === undefined && (await this.refs.requestModule(modName))) nat = this.findNat(modName);
    if (nat === undefined || !this.refs.tryGet(nat.owner)) {
      throw new KernelError("ENOENT", `No NAT helper ${modName} for helper "${name}"`);
    }
    return nat;
  }

  putNat(n: RegisteredNatHelper): void {
    this.refs.put(n.owner);
  }
}

export type { L3Family, L4Name };
