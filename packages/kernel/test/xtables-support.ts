/**
 * Test plumbing for the xtables tests: an Xtables over a real HookTable, a
 * HelperRegistry whose modules are fakes (ftp for IPv4 and IPv6, pptp for
 * IPv4, as the Linux helpers register), a ConntrackQuery whose answers the
 * test sets, and recorders for kernel log lines, REJECTs and module
 * references.
 */

import { HelperRegistry, type ModuleRefs } from "../src/helper/registry.js";
import type { HelperSpec } from "../src/helper/types.js";
import type { LoadedModule } from "../src/module/loaded-module.js";
import type { ConntrackQuery } from "../src/net/ct-query.js";
import { HookTable } from "../src/net/hooks.js";
import type { Skb } from "../src/net/skb.js";
import { Xtables, type XtablesResult } from "../src/xtables/index.js";
import type { RejectKind } from "../src/xtables/targets/reject.js";

export function helperSpec(name: string, l3: HelperSpec["l3"], port: number): HelperSpec {
  return {
    name,
    l3,
    l4: "tcp",
    port,
    expectPolicy: [{ name, maxExpected: 1, timeout: 300 }],
    help: () => 1,
  };
}

export class FakeConntrack implements ConntrackQuery {
  bits = 0;
  helper: string | null = null;
  readonly gets = { 4: 0, 6: 0 };
  readonly puts = { 4: 0, 6: 0 };
  stateBits(_skb: Skb): number {
    return this.bits;
  }
  helperName(_skb: Skb): string | null {
    return this.helper;
  }
  netnsGet(family: 4 | 6): void {
    this.gets[family]++;
  }
  netnsPut(family: 4 | 6): void {
    this.puts[family]++;
  }
  /** References currently held. */
  held(family: 4 | 6): number {
    return this.gets[family] - this.puts[family];
  }
}

export interface TestRig {
  xt: Xtables;
  hooks: HookTable;
  helpers: HelperRegistry;
  ct: FakeConntrack;
  /** Module name → references held. */
  refs: Map<string, number>;
  /** request_module() calls. */
  requests: string[];
  log: string[];
  rejects: RejectKind[];
  ifnames: Map<number, string>;
  run(line: string): Promise<XtablesResult>;
}

export interface RigOptions {
  /** ftp is only registered once "nfct-helper-ftp" is requested. */
  autoload?: boolean;
  /** tryModuleGet fails from this call on (a module going away). */
  failTryGetFrom?: number;
}

export function makeRig(opts: RigOptions = {}): TestRig {
  const refs = new Map<string, number>();
  const requests: string[] = [];
  const owner = (name: string) => ({ name }) as unknown as LoadedModule;
  const ftpMod = owner("nf_conntrack_ftp");
  const pptpMod = owner("nf_conntrack_pptp");
  let loaded = opts.autoload !== true;
  let tryGets = 0;
  const moduleRefs: ModuleRefs = {
    tryGet(mod) {
      tryGets++;
      if (opts.failTryGetFrom !== undefined && tryGets >= opts.failTryGetFrom) return false;
      refs.set(mod.name, (refs.get(mod.name) ?? 0) + 1);
      return true;
    },
    put(mod) {
      refs.set(mod.name, (refs.get(mod.name) ?? 0) - 1);
    },
    async requestModule(alias) {
      requests.push(alias);
      if (!loaded && alias === "nfct-helper-ftp") {
        loaded = true;
        helpers.register(helperSpec("ftp", "unspec", 21), ftpMod);
        return true;
      }
      return false;
    },
  };
  const helpers = new HelperRegistry(moduleRefs);
  if (loaded) helpers.register(helperSpec("ftp", "unspec", 21), ftpMod);
  helpers.register(helperSpec("pptp", "ipv4", 1723), pptpMod);
  const hooks = new HookTable();
  const ct = new FakeConntrack();
  const log: string[] = [];
  const rejects: RejectKind[] = [];
  const ifnames = new Map<number, string>([
    [1, "lo"],
    [2, "eth0"],
    [3, "eth1"],
    [4, "wan0"],
  ]);
  const xt = new Xtables({
    hooks,
    helpers,
    conntrack: ct,
    ifname: (i) => ifnames.get(i),
    reject: (_skb, kind) => {
      rejects.push(kind);
    },
    log: (_level, text) => {
      log.push(text);
    },
  });
  return {
    xt,
    hooks,
    helpers,
    ct,
    refs,
    requests,
    log,
    rejects,
    ifnames,
    run(line: string) {
      const argv = line.split(" ").filter((a) => a !== "");
      const family = argv[0] === "ip6tables" ? 6 : 4;
      return xt.apply(family, argv.slice(1));
    },
  };
}
