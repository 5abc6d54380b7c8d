/**
 * modprobe's ordering (pre-softdeps, dependencies, the module, post-softdeps),
 * the holders/refcount bookkeeping it leaves behind, and the unload side
 * (rmmod and modprobe -r).
 */
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { Kernel, type LoadedModule, ModuleError } from "../dist/index.js";
import {
  dmesg,
  events,
  FIXTURES,
  lsmod,
  makeKernel,
  rejection,
  resetEvents,
  thrown,
} from "./support.js";

beforeEach(resetEvents);

const holderNames = (m: LoadedModule | undefined) => [...(m?.holders ?? [])].map((h) => h.name);

describe("load order", () => {
  it("loads pre-softdeps, then dependencies deepest first, then the module, then post-softdeps", async () => {
    const k = makeKernel();
    const r = await k.modules.probe("chain_a");
    const order = ["soft_pre", "chain_c", "chain_b", "chain_a", "soft_post"];
    expect(r.loaded).toEqual(order);
    expect(r.blacklisted).toBe(false);
    expect(r.steps.map((s) => [s.module.name, s.alreadyLoaded])).toEqual(
      order.map((n) => [n, false]),
    );
    expect(events()).toEqual([
      "init:soft_pre",
      "init:chain_c",
      "init:chain_b",
      "chain_b saw c_value=42",
      "init:chain_a",
      "init:soft_post",
    ]);
    // lsmod lists the newest first.
    expect(lsmod(k)).toEqual([...order].reverse());
    expect(k.modules.list().every((m) => m.state === "live")).toBe(true);
  });

  it("records holders and reference counts for hard dependencies only", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_a");
    const m = (n: string) => k.modules.find(n) as LoadedModule;
    expect(holderNames(m("chain_c"))).toEqual(["chain_b"]);
    expect(holderNames(m("chain_b"))).toEqual(["chain_a"]);
    expect(m("chain_c").refcnt).toBe(1);
    expect(m("chain_b").refcnt).toBe(1);
    expect(m("chain_a").refcnt).toBe(0);
    expect(m("chain_a").uses.map((u) => u.name)).toEqual(["chain_b"]);
    // Softdeps are ordering hints, not references.
    expect(m("soft_pre").refcnt).toBe(0);
    expect(m("soft_post").holders.size).toBe(0);
  });

  it("loads through an alias of the target", async () => {
    const k = makeKernel();
    const r = await k.modules.probe("chain-alias");
    expect(r.loaded).toEqual(["soft_pre", "chain_c", "chain_b", "chain_a", "soft_post"]);
  });

  it("skips what is already loaded and reports it in the steps", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_c");
    resetEvents();
    const r = await k.modules.probe("chain_a");
    expect(r.loaded).toEqual(["soft_pre", "chain_b", "chain_a", "soft_post"]);
    expect(r.steps.find((s) => s.module.name === "chain_c")?.alreadyLoaded).toBe(true);
    expect(events()).not.toContain("init:chain_c");

    const again = await k.modules.probe("chain_a");
    expect(again.loaded).toEqual([]);
    expect(again.steps.every((s) => s.alreadyLoaded)).toBe(true);
  });

  it("uses softdeps from configuration too, and warns about missing ones", async () => {
    const k = makeKernel({
      config: "softdep chain_c pre: dash-mod missing_soft post: counter_mod\n",
    });
    const r = await k.modules.probe("chain_c");
    expect(r.loaded).toEqual(["dash_mod", "chain_c", "counter_mod"]);
    expect(dmesg(k)).toContain("modprobe: softdep missing_soft of chain_c not found, skipped");
  });

  it("--first-time fails with EEXIST when the module is already loaded", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_c");
    const err = await rejection<ModuleError>(k.modules.probe("chain_c", { firstTime: true }));
    expect(err).toMatchObject({
      kind: "insert",
      errno: "EEXIST",
      message: "chain_c: module is already loaded",
    });
    expect(err.insertReason).toBe("Module already in kernel");
    // Without --first-time it is a quiet success.
    expect((await k.modules.probe("chain_c")).loaded).toEqual([]);
  });

  it("dry run resolves and validates but loads nothing", async () => {
    const k = makeKernel();
    const r = await k.modules.probe("chain_a", { dryRun: true });
    expect(r.steps.map((s) => s.module.name)).toEqual([
      "soft_pre",
      "chain_c",
      "chain_b",
      "chain_a",
      "soft_post",
    ]);
    expect(r.loaded).toEqual([]);
    expect(lsmod(k)).toEqual([]);
    expect(events()).toEqual([]);
    // Validation still happens in a dry run.
    const err = await rejection<ModuleError>(
      k.modules.probe("chain_c", { dryRun: true, params: ["nope=1"] }),
    );
    expect(err.errno).toBe("ENOENT");
  });
});

describe("symbols", () => {
  it("a module sees the symbols of its declared dependencies", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_b");
    expect(events()).toContain("chain_b saw c_value=42");
    expect(k.modules.find("chain_c")?.symbols.get("c_value")).toBe(42);
  });

  it("a symbol of an indirect dependency is an unknown symbol (ENOENT), and the load rolls back", async () => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(k.modules.probe("sym_bad"));
    expect(err).toMatchObject({
      kind: "insert",
      errno: "ENOENT",
      module: "sym_bad",
      message: "sym_bad: init failed: sym_bad: Unknown symbol c_value (err -2)",
    });
    expect(dmesg(k)).toContain("sym_bad: init failed: sym_bad: Unknown symbol c_value (err -2)");
    // A deliberate refusal (a KernelError) is not a crash: no taint.
    expect(k.taint.size).toBe(0);
    expect(lsmod(k)).toEqual([]);
  });
});

describe("broken packages", () => {
  it("a missing entry file is ENOENT before anything is loaded", async () => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(k.modules.probe("noentry_mod"));
    expect(err).toMatchObject({
      kind: "insert",
      errno: "ENOENT",
      message: `noentry_mod: entry file ${join(FIXTURES, "noentry", "index.js")} is missing (build the package first)`,
    });
  });

  it("an entry that does not default-export a module is ENOEXEC", async () => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(k.modules.probe("not_a_module"));
    const line = `not_a_module: ${join(FIXTURES, "not-a-module", "index.js")} does not default-export a module (use defineModule)`;
    expect(err).toMatchObject({ kind: "insert", errno: "ENOEXEC", message: line });
    expect(dmesg(k)).toContain(line);
    expect(lsmod(k)).toEqual([]);
  });
});

describe("module state", () => {
  it("every load gets fresh module-level state, also across kernels", async () => {
    const k1 = makeKernel();
    await k1.modules.probe("counter_mod");
    k1.modules.remove("counter_mod");
    await k1.modules.probe("counter_mod");
    const k2 = makeKernel();
    await k2.modules.probe("counter_mod");
    expect(events()).toEqual(["init:counter_mod:1", "init:counter_mod:1", "init:counter_mod:1"]);
  });

  it("lsmod data: size of the entry file and a load sequence", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_b");
    const [b, c] = k.modules.list();
    expect(b?.name).toBe("chain_b");
    expect(c?.name).toBe("chain_c");
    expect(b?.size).toBeGreaterThan(0);
    expect((b?.seq ?? 0) > (c?.seq ?? 0)).toBe(true);
    expect(b?.taintText).toBe("");
  });
});

describe("rmmod", () => {
  it("removes an unused module and runs its exit", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_c");
    resetEvents();
    k.modules.remove("chain_c");
    expect(events()).toEqual(["exit:chain_c"]);
    expect(lsmod(k)).toEqual([]);
  });

  it("refuses a module with holders, naming them like kmod", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_a");
    const err = thrown<ModuleError>(() => k.modules.remove("chain_b"));
    expect(err).toBeInstanceOf(ModuleError);
    expect(err).toMatchObject({
      kind: "in-use",
      errno: "EWOULDBLOCK",
      module: "chain_b",
      holders: ["chain_a"],
      message: "Module chain_b is in use by: chain_a",
    });
    // Holders block even rmmod -f.
    expect(thrown<ModuleError>(() => k.modules.remove("chain_b", { force: true })).kind).toBe(
      "in-use",
    );
    expect(k.taint.size).toBe(0);
  });

  it("refuses a module that is not loaded", () => {
    const k = makeKernel();
    expect(thrown<ModuleError>(() => k.modules.remove("chain-c"))).toMatchObject({
      kind: "not-loaded",
      errno: "ENOENT",
      module: "chain_c",
      message: "Module chain_c is not currently loaded",
    });
  });

  it("accepts '-' for '_' in the name", async () => {
    const k = makeKernel();
    await k.modules.probe("dash_mod");
    expect(k.modules.find("dash-mod")?.name).toBe("dash_mod");
    k.modules.remove("dash-mod");
    expect(k.modules.isLoaded("dash_mod")).toBe(false);
  });

  it("dry run checks but removes nothing", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_c");
    k.modules.remove("chain_c", { dryRun: true });
    expect(k.modules.isLoaded("chain_c")).toBe(true);
  });

  it("releases the dependency's reference", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_b");
    k.modules.remove("chain_b");
    const c = k.modules.find("chain_c");
    expect(c?.refcnt).toBe(0);
    expect(c?.holders.size).toBe(0);
    k.modules.remove("chain_c");
    expect(lsmod(k)).toEqual([]);
  });
});

describe("modprobe -r", () => {
  it("removes the module, then its dependencies and softdeps nobody uses", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_a");
    resetEvents();
    const removed = k.modules.removeWithDeps("chain_a");
    expect(removed).toEqual(["chain_a", "chain_b", "chain_c", "soft_pre", "soft_post"]);
    expect(events()).toEqual([
      "exit:chain_a",
      "exit:chain_b",
      "exit:chain_c",
      "exit:soft_pre",
      "exit:soft_post",
    ]);
    expect(lsmod(k)).toEqual([]);
  });

  it("keeps dependencies that something else still uses", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_a");
    const c = k.modules.find("chain_c") as LoadedModule;
    expect(k.modules.tryGet(c)).toBe(true);
    expect(k.modules.removeWithDeps("chain_a")).toEqual([
      "chain_a",
      "chain_b",
      "soft_pre",
      "soft_post",
    ]);
    expect(lsmod(k)).toEqual(["chain_c"]);
    k.modules.put(c);
    expect(k.modules.removeWithDeps("chain_c")).toEqual(["chain_c"]);
  });

  it("works through an alias", async () => {
    const k = makeKernel();
    await k.modules.probe("nfct-helper-x");
    expect(k.modules.removeWithDeps("nfct-helper-x")).toEqual(["nf_conntrack_x", "nf_conntrack"]);
  });

  it("refuses a module in use with modprobe's wording", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_a");
    expect(thrown<ModuleError>(() => k.modules.removeWithDeps("chain_b"))).toMatchObject({
      kind: "in-use",
      errno: "EWOULDBLOCK",
      message: "Module chain_b is in use.",
    });
    expect(lsmod(k)).toHaveLength(5);
  });

  it("quietly does nothing for a known module that is not loaded (kmod without --first-time)", () => {
    const k = makeKernel();
    expect(k.modules.removeWithDeps("chain_b")).toEqual([]);
  });

  it("--first-time refuses a module that is not loaded with modprobe's wording", () => {
    const k = makeKernel();
    expect(
      thrown<ModuleError>(() => k.modules.removeWithDeps("chain_b", { firstTime: true })),
    ).toMatchObject({
      kind: "not-loaded",
      errno: "ENOENT",
      message: "Module chain_b is not in kernel.",
    });
  });

  it("refuses a name that is in no index", () => {
    const k = makeKernel();
    expect(thrown<ModuleError>(() => k.modules.removeWithDeps("no_such_thing"))).toMatchObject({
      kind: "not-found",
      errno: "ENOENT",
      message: "Module no_such_thing not found.",
    });
  });
});

describe("a kernel without fixtures", () => {
  it("has no modules loaded and the namespace sysctls", () => {
    const k = new Kernel();
    expect(k.modules.list()).toEqual([]);
    const names = k.sysctl.names();
    expect(names).toContain("net.ipv4.ip_forward");
    expect(names).toContain("net.ipv6.conf.all.forwarding");
    expect(names).toContain("net.ipv4.ip_default_ttl");
    // Conntrack's knobs appear only with nf_conntrack.
    expect(names.filter((n) => n.startsWith("net.netfilter."))).toEqual([]);
  });
});
