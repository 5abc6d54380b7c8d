/**
 * Property test: random sequences of probe / rmmod / modprobe -r /
 * try_module_get / module_put / request_module / helper lookups over the
 * fixture modules keep the module list consistent after every step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Kernel, KernelError, type LoadedModule, ModuleError } from "../dist/index.js";
import { makeKernel, resetEvents } from "./support.js";

const MODULES = [
  "chain_a",
  "chain_b",
  "chain_c",
  "soft_pre",
  "soft_post",
  "nf_conntrack",
  "nf_nat",
  "nf_conntrack_proto_gre",
  "nf_conntrack_x",
  "nf_nat_x",
  "dash_mod",
  "counter_mod",
  "throws_init",
  "vermagic_mod",
  "sym_bad",
] as const;

const ALIASES = [
  "nfct-helper-x",
  "ip_nat_x",
  "chain-alias",
  "nf-nat",
  "shared-alias",
  "nfct-helper-nothing",
] as const;

type Op =
  | { op: "probe"; name: string }
  | { op: "remove"; name: string; force: boolean }
  | { op: "removeWithDeps"; name: string }
  | { op: "get"; name: string }
  | { op: "put"; pick: number }
  | { op: "request"; alias: string }
  | { op: "helperGet" }
  | { op: "parallel"; a: string; b: string };

const name = fc.constantFrom(...MODULES);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("probe" as const), name }), weight: 4 },
  {
    arbitrary: fc.record({ op: fc.constant("remove" as const), name, force: fc.boolean() }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant("removeWithDeps" as const), name }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("get" as const), name }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("put" as const), pick: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant("request" as const),
      alias: fc.constantFrom(...ALIASES),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant("helperGet" as const) }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant("parallel" as const), a: name, b: name }),
    weight: 2,
  },
);

/** What the test itself holds: references taken with tryGet, and modules seen removed. */
interface Model {
  held: LoadedModule[];
  gone: LoadedModule[];
}

/** Load failures the fixtures produce on purpose. */
function expectedLoadFailure(e: unknown): boolean {
  return (
    e instanceof ModuleError &&
    e.kind === "insert" &&
    ["EINVAL", "ENOEXEC", "ENOENT"].includes(e.errno)
  );
}

async function step(k: Kernel, m: Model, op: Op): Promise<void> {
  switch (op.op) {
    case "probe": {
      try {
        const r = await k.modules.probe(op.name);
        expect(k.modules.isLoaded(op.name)).toBe(true);
        for (const n of r.loaded) expect(k.modules.isLoaded(n)).toBe(true);
      } catch (e) {
        if (!expectedLoadFailure(e)) throw e;
        expect(k.modules.isLoaded(op.name)).toBe(false);
      }
      return;
    }
    case "remove": {
      const mod = k.modules.find(op.name);
      const before = mod ? { refcnt: mod.refcnt, holders: [...mod.holders] } : null;
      let err: unknown = null;
      try {
        k.modules.remove(op.name, { force: op.force });
      } catch (e) {
        err = e;
      }
      if (mod === undefined || before === null) {
        expect(err).toBeInstanceOf(ModuleError);
        expect((err as ModuleError).kind).toBe("not-loaded");
        return;
      }
      if (before.holders.length > 0) {
        expect((err as ModuleError).kind).toBe("in-use");
        expect((err as ModuleError).message).toMatch(/^Module \S+ is in use by: /);
        return;
      }
      if (before.refcnt > 0 && !op.force) {
        expect((err as ModuleError).kind).toBe("in-use");
        expect((err as ModuleError).message).toBe(`Module ${mod.name} is in use`);
        return;
      }
      expect(err).toBeNull();
      if (before.refcnt > 0) {
        expect(mod.taints.has("R")).toBe(true);
        expect(k.taint.has("R")).toBe(true);
      }
      m.gone.push(mod);
      // References into a force-removed module are dead; forget them.
      m.held = m.held.filter((h) => h !== mod);
      return;
    }
    case "removeWithDeps": {
      const mod = k.modules.find(op.name);
      const busy = mod !== undefined && (mod.refcnt > 0 || mod.holders.size > 0);
      const listed = new Set(k.modules.list());
      try {
        const removed = k.modules.removeWithDeps(op.name);
        expect(busy).toBe(false);
        expect(removed[0] ?? op.name).toBe(op.name);
        if (mod === undefined) expect(removed).toEqual([]);
        for (const gone of listed) if (!k.modules.list().includes(gone)) m.gone.push(gone);
      } catch (e) {
        expect(e).toBeInstanceOf(ModuleError);
        expect((e as ModuleError).kind).toBe("in-use");
        expect(busy).toBe(true);
      }
      return;
    }
    case "get": {
      const mod = k.modules.find(op.name);
      if (mod === undefined) return;
      expect(k.modules.tryGet(mod)).toBe(true);
      m.held.push(mod);
      return;
    }
    case "put": {
      if (m.held.length === 0) return;
      const [mod] = m.held.splice(op.pick % m.held.length, 1);
      if (mod) k.modules.put(mod);
      return;
    }
    case "request": {
      const ok = await k.modules.requestModule(op.alias);
      expect(typeof ok).toBe("boolean");
      return;
    }
    case "parallel": {
      // Two overlapping probes: each either succeeds or fails the expected way.
      const results = await Promise.allSettled([k.modules.probe(op.a), k.modules.probe(op.b)]);
      for (const r of results) {
        if (r.status === "rejected" && !expectedLoadFailure(r.reason)) throw r.reason;
      }
      return;
    }
    case "helperGet": {
      try {
        const h = await k.helpers.tryGet("x", "ipv4", "tcp");
        m.held.push(h.owner);
      } catch (e) {
        expect(e).toBeInstanceOf(KernelError);
        expect((e as KernelError).errno).toBe("ENOENT");
      }
      return;
    }
  }
}

function checkInvariants(k: Kernel, m: Model): void {
  const list = k.modules.list();
  expect(new Set(list.map((x) => x.name)).size).toBe(list.length);
  for (const mod of list) {
    expect(mod.state).toBe("live");
    expect(mod.refcnt).toBeGreaterThanOrEqual(0);
    expect(mod.refcnt).toBeGreaterThanOrEqual(mod.holders.size);
    // Exact accounting: holders plus the references this test holds.
    expect(mod.refcnt).toBe(mod.holders.size + m.held.filter((h) => h === mod).length);
    for (const holder of mod.holders) {
      expect(list).toContain(holder);
      expect(holder.uses).toContain(mod);
    }
    expect(mod.uses.map((u) => u.name).sort()).toEqual([...mod.info.depends].sort());
    for (const dep of mod.info.depends) {
      const d = k.modules.find(dep);
      expect(d?.state).toBe("live");
      expect(d?.holders.has(mod)).toBe(true);
    }
  }
  for (const g of m.gone) {
    if (list.includes(g)) continue;
    expect(k.modules.tryGet(g)).toBe(false);
  }
  for (const h of k.helpers.list()) expect(list).toContain(h.owner);
  expect(k.sysctl.has("net.netfilter.nf_conntrack_x_loose")).toBe(
    k.modules.isLoaded("nf_conntrack_x"),
  );
  expect(k.sysctl.has("net.netfilter.nf_conntrack_max")).toBe(k.modules.isLoaded("nf_conntrack"));
  expect(k.natConfig.enabled).toBe(k.modules.isLoaded("nf_nat"));
}

describe("module reference counting", () => {
  it("keeps its invariants under random operation sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        resetEvents();
        const k = makeKernel();
        const model: Model = { held: [], gone: [] };
        for (const op of ops) {
          await step(k, model, op);
          checkInvariants(k, model);
        }
        // Releasing everything lets modprobe -r clear the whole kernel.
        for (const mod of model.held.splice(0)) k.modules.put(mod);
        for (const mod of k.modules.list()) {
          if (mod.holders.size === 0 && k.modules.find(mod.name))
            k.modules.removeWithDeps(mod.name);
        }
        checkInvariants(k, model);
        expect(k.modules.list()).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it("put never lets a count go negative", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_c");
    const c = k.modules.find("chain_c") as LoadedModule;
    k.modules.put(c);
    expect(c.refcnt).toBe(0);
    expect(k.log.all().map((l) => l.text)).toContain(
      "module_put: chain_c: reference count underflow ignored",
    );
  });
});
