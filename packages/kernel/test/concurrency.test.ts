/**
 * Loads that overlap in time: two probes of one module load it once, a
 * probe returns only once what it asked for is live, a dependent waits for a
 * dependency that is still initialising, and request_module from a module's
 * own init does not deadlock.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { events, lsmod, makeKernel, resetEvents } from "./support.js";

beforeEach(resetEvents);

describe("concurrent probes", () => {
  it("two probes of the same module at once load it once", async () => {
    const k = makeKernel();
    const [a, b] = await Promise.all([k.modules.probe("slow_mod"), k.modules.probe("slow_mod")]);
    expect(events().filter((e) => e === "init-start:slow_mod")).toHaveLength(1);
    expect([...a.loaded, ...b.loaded]).toEqual(["slow_mod"]);
    expect(lsmod(k)).toEqual(["slow_mod"]);
    expect(k.modules.find("slow_mod")?.state).toBe("live");
  });

  it("a second probe returns only when the module is live", async () => {
    const k = makeKernel();
    const first = k.modules.probe("slow_mod");
    await k.modules.probe("slow_mod");
    expect(k.modules.isLoaded("slow_mod")).toBe(true);
    expect(k.helpers.find("slow", "ipv4", "udp")).toBeDefined();
    await first;
  });

  it("a dependent waits for a dependency another probe is still loading", async () => {
    const k = makeKernel();
    const dep = k.modules.probe("slow_mod");
    const user = k.modules.probe("slow_user");
    await Promise.all([dep, user]);
    expect(events()).toContain("init:slow_user:dep-state=live:sym=ready");
    expect([...(k.modules.find("slow_mod")?.holders ?? [])].map((h) => h.name)).toEqual([
      "slow_user",
    ]);
  });

  it("concurrent request_module calls for the same alias all succeed", async () => {
    const k = makeKernel();
    const results = await Promise.all([
      k.modules.requestModule("slow-alias"),
      k.modules.requestModule("slow-alias"),
      k.modules.requestModule("slow_alias"),
    ]);
    expect(results).toEqual([true, true, true]);
    expect(events().filter((e) => e === "init-start:slow_mod")).toHaveLength(1);
  });

  it("a module requesting its own alias from init gets false instead of a deadlock", async () => {
    const k = makeKernel();
    await k.modules.probe("init_req");
    expect(events()).toEqual(["init:init_req:request=false"]);
    expect(k.modules.isLoaded("init_req")).toBe(true);
  });

  it("concurrent probes of a failing module both fail and leave nothing loaded", async () => {
    const k = makeKernel();
    const [a, b] = await Promise.allSettled([
      k.modules.probe("throws_init"),
      k.modules.probe("throws_init"),
    ]);
    expect(a.status).toBe("rejected");
    expect(b.status).toBe("rejected");
    // The first fails in init; the second waited for it, retried, and failed too
    // (in init, or because the first one's rollback took the dependency away).
    for (const r of [a, b]) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ kind: "insert" });
    }
    expect(k.modules.find("throws_init")).toBeUndefined();
    expect(k.modules.list().every((m) => m.state === "live")).toBe(true);
  });

  it("rmmod of a module that is still loading is refused (EBUSY)", async () => {
    const k = makeKernel();
    const p = k.modules.probe("slow_mod");
    await new Promise((r) => setTimeout(r, 5));
    // Its init waits 30 ms, so it is still unformed or coming.
    expect(k.modules.find("slow_mod")?.state).not.toBe("live");
    expect(k.modules.isLoaded("slow_mod")).toBe(false);
    expect(() => k.modules.remove("slow_mod")).toThrow("Module slow_mod is in use");
    await p;
    k.modules.remove("slow_mod");
    expect(lsmod(k)).toEqual([]);
  });
});
