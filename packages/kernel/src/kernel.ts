/**
 * One Kernel is one network namespace of a Linux router: its module list,
 * sysctls, helpers and (with the datapath) its tables. Time is virtual:
 * the clock is whatever the owner says (capture timestamps in replay).
 */
import { Conntrack } from "./conntrack/core.js";
import { coreModules } from "./core-modules.js";
import { HelperRegistry } from "./helper/registry.js";
import { KernelLog } from "./log.js";
import { emptyConfig, type ModprobeConfig } from "./module/config.js";
import type { ModuleDir } from "./module/depmod.js";
import { ModuleSubsystem } from "./module/subsystem.js";
import { HookTable } from "./net/hooks.js";
import { SysctlTable } from "./sysctl.js";
import { TaintSet } from "./taint.js";
import { KERNEL_VERSION } from "./version.js";

export interface KernelOptions {
  /** Directories searched for modules, in order (see defaultModulePath). */
  modulePath?: ModuleDir[];
  /** Where depmod caches its index; null or absent keeps it in memory. */
  indexFile?: string | null;
  /** modprobe.d configuration already read. */
  config?: ModprobeConfig;
  /** Seconds; defaults to wall-clock time. */
  clock?: () => number;
}

/** Settings nf_conntrack applies when loaded. */
export interface ConntrackConfig {
  enabled: boolean;
  buckets: number;
  /** Live entry count (the datapath installs the real counter). */
  count: () => number;
}

export interface NatConfig {
  enabled: boolean;
}

export class Kernel {
  readonly version = KERNEL_VERSION;
  readonly log: KernelLog;
  readonly taint = new TaintSet();
  readonly sysctl = new SysctlTable();
  readonly modules: ModuleSubsystem;
  readonly helpers: HelperRegistry;
  readonly conntrackConfig: ConntrackConfig = { enabled: false, buckets: 0, count: () => 0 };
  readonly natConfig: NatConfig = { enabled: false };
  /** Netfilter hook chains of this namespace. */
  readonly hooks = new HookTable();
  readonly conntrack: Conntrack;
  private readonly clock: () => number;

  constructor(opts: KernelOptions = {}) {
    this.clock = opts.clock ?? (() => Date.now() / 1000);
    this.log = new KernelLog(this.clock);
    this.modules = new ModuleSubsystem(this, {
      modulePath: opts.modulePath ?? [],
      indexFile: opts.indexFile ?? null,
      config: opts.config ?? emptyConfig(),
      coreModules: coreModules(),
    });
    this.helpers = new HelperRegistry(this.modules);
    this.conntrack = new Conntrack(this);
    // Unloading a helper detaches it from live connections and drops its expectations.
    this.helpers.onUnregister((h) => this.conntrack.detachHelper(h));
    // Always present in a network namespace, module or not.
    // proc_dointvec: any integer is accepted; non-zero means forwarding on.
    this.sysctl.register("net.ipv4.ip_forward", { value: 0 });
    this.sysctl.register("net.ipv6.conf.all.forwarding", { value: 0 });
  }

  now(): number {
    return this.clock();
  }
}
