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
import { Nat } from "./nat/hooks.js";
import { HookTable } from "./net/hooks.js";
import { rejectWithFromName } from "./net/reject.js";
import { NetStack } from "./net/stack.js";
import { SysctlTable } from "./sysctl.js";
import { TaintSet } from "./taint.js";
import { KERNEL_VERSION } from "./version.js";
import { Xtables } from "./xtables/xtables.js";

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
  /** Interfaces, routes and the packet path (the router). */
  readonly net: NetStack;
  /** iptables/ip6tables tables. */
  readonly xtables: Xtables;
  /** Network address translation (hooks in once a nat table is in use). */
  readonly nat: Nat;
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
    // The stack registers the namespace's net.ipv4/net.ipv6 sysctls
    // (ip_forward included) and caches what the packet path reads.
    this.net = new NetStack({ sysctl: this.sysctl, hooks: this.hooks, log: this.log });
    this.net.onRejectReset = (skb) => {
      if (skb.ct >= 0) this.conntrack.setClosing(skb.ct, skb.time);
    };
    this.xtables = new Xtables({
      hooks: this.hooks,
      helpers: this.helpers,
      conntrack: this.conntrack,
      ifname: (i) => this.net.devices.get(i)?.name,
      reject: (skb, kind, hook) => {
        const how = rejectWithFromName(skb.family, kind);
        if (how !== undefined) this.net.reject(skb, how, hook);
      },
      log: (level, text) => this.log.write(level, text),
      natInUse: (family) => this.nat.enable(family),
    });
    this.nat = new Nat(this);
  }

  now(): number {
    return this.clock();
  }

  private readonly pending: Promise<unknown>[] = [];

  /** Work started by a synchronous kernel path (an on-demand module load). */
  defer(p: Promise<unknown>): void {
    this.pending.push(p);
  }

  /** Whether deferred work is outstanding (a packet started a module load). */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Waits for deferred work; admin commands call it before they return. */
  async settle(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }

  /**
   * A packet arrived on interface `ifindex` (IP header at `offset`). Runs
   * the whole path; what the router sends goes to net's transmit callback.
   * New connections whose packets never left (dropped, or delivered
   * nowhere) are forgotten afterwards, as the kernel frees them with the skb.
   */
  receive(ifindex: number, data: Uint8Array, offset: number, length: number, time: number): void {
    this.net.receive(ifindex, data, offset, length, time);
    this.conntrack.release(this.net.rx);
    this.conntrack.release(this.net.tx);
  }
}
