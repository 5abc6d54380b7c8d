/**
 * A module whose init throws must leave nothing behind: its helper, sysctl
 * and symbols are undone, the dependencies the same probe loaded are
 * unloaded again, and the kernel is tainted D with a dmesg line.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ModuleError } from "../dist/index.js";
import { dmesg, events, lsmod, makeKernel, rejection, resetEvents } from "./support.js";

beforeEach(resetEvents);

describe("init failure", () => {
  it("rolls back the module's registrations and the dependencies loaded with it", async () => {
    const k = makeKernel();
    const sysctlsBefore = k.sysctl.names();
    const err = await rejection<ModuleError>(k.modules.probe("throws_init"));
    expect(err).toBeInstanceOf(ModuleError);
    expect(err).toMatchObject({
      kind: "insert",
      errno: "EINVAL",
      module: "throws_init",
      message: "throws_init: init failed: boom in init",
    });
    expect(events()).toEqual(["init:chain_c", "init:throws_init", "exit:chain_c"]);
    expect(lsmod(k)).toEqual([]);
    expect(k.helpers.find("thr", "ipv4", "tcp")).toBeUndefined();
    expect(k.helpers.list()).toEqual([]);
    expect(k.sysctl.has("net.netfilter.throws_init_knob")).toBe(false);
    expect(k.sysctl.names()).toEqual(sysctlsBefore);
  });

  it("taints the kernel D and logs the throw", async () => {
    const k = makeKernel();
    await rejection(k.modules.probe("throws_init"));
    expect(k.taint.has("D")).toBe(true);
    expect(k.taint.letters).toBe("D");
    expect(k.taint.mask).toBe(1 << 7);
    const line = k.log
      .all()
      .find((l) => l.text === "throws_init: init threw: Error: boom in init (kernel tainted)");
    expect(line?.level).toBe("err");
  });

  it("keeps a dependency that was loaded before the probe, with its reference released", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_c");
    await rejection(k.modules.probe("throws_init"));
    expect(lsmod(k)).toEqual(["chain_c"]);
    const c = k.modules.find("chain_c");
    expect(c?.refcnt).toBe(0);
    expect(c?.holders.size).toBe(0);
    expect(c?.state).toBe("live");
  });

  it("undoes everything, so a second attempt fails the same way (no EBUSY/EEXIST leftovers)", async () => {
    const k = makeKernel();
    const first = await rejection<ModuleError>(k.modules.probe("throws_init"));
    const second = await rejection<ModuleError>(k.modules.probe("throws_init"));
    expect(second.message).toBe(first.message);
    expect(second.errno).toBe("EINVAL");
  });
});

describe("exit failure", () => {
  it("a throwing exit still unloads the module and undoes its registrations, tainting D", async () => {
    const k = makeKernel();
    await k.modules.probe("bad_exit");
    expect(k.sysctl.get("net.netfilter.bad_exit_knob")).toBe(1);
    k.modules.remove("bad_exit");
    expect(k.modules.find("bad_exit")).toBeUndefined();
    expect(k.sysctl.has("net.netfilter.bad_exit_knob")).toBe(false);
    expect(k.taint.has("D")).toBe(true);
    expect(dmesg(k)).toContain("bad_exit: exit threw: Error: exit exploded (kernel tainted)");
  });
});

describe("a failure later in the same probe", () => {
  it("unloads the modules this probe already loaded, in reverse order", async () => {
    // A post-softdep's init fails: the whole probe is rolled back (all-or-nothing;
    // kmod would ignore a softdep's failure).
    const k = makeKernel({ config: "softdep chain_b post: throws_init\n" });
    const err = await rejection<ModuleError>(k.modules.probe("chain_b"));
    expect(err.module).toBe("throws_init");
    expect(lsmod(k)).toEqual([]);
    expect(events()).toEqual([
      "init:chain_c",
      "init:chain_b",
      "chain_b saw c_value=42",
      "init:throws_init",
      "exit:chain_b",
      "exit:chain_c",
    ]);
  });
});
