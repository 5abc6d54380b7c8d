/**
 * Vermagic (the module's `kernel` semver range), --force-vermagic, and the
 * taint flags: F (forced load), O (out-of-tree), D (a module threw),
 * R (forced unload), on the kernel and on each module.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ModuleError, TAINT_FLAGS, TaintSet } from "../dist/index.js";
import { dmesg, lsmod, makeKernel, rejection, resetEvents, thrown } from "./support.js";

beforeEach(resetEvents);

describe("vermagic", () => {
  it("refuses a module built for another kernel with ENOEXEC and the kernel's line", async () => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(k.modules.probe("vermagic_mod"));
    const line = "vermagic_mod: version magic '^2.0.0' should be '1.0.0'";
    expect(err).toBeInstanceOf(ModuleError);
    expect(err).toMatchObject({ kind: "insert", errno: "ENOEXEC", message: line });
    expect(err.insertReason).toBe("Exec format error");
    expect(k.log.all().find((l) => l.text === line)?.level).toBe("err");
    expect(lsmod(k)).toEqual([]);
    expect(k.taint.size).toBe(0);
  });

  it("--force-vermagic loads it and taints the module and the kernel F", async () => {
    const k = makeKernel();
    const r = await k.modules.probe("vermagic_mod", { forceVermagic: true });
    expect(r.loaded).toEqual(["vermagic_mod"]);
    const mod = k.modules.find("vermagic_mod");
    expect(mod?.state).toBe("live");
    expect([...(mod?.taints ?? [])]).toEqual(["F"]);
    expect(mod?.taintText).toBe("(F)");
    expect(k.taint.has("F")).toBe(true);
    expect(k.taint.letters).toBe("F");
    expect(k.taint.mask).toBe(1 << TAINT_FLAGS.F.bit);
    expect(dmesg(k)).toContain(
      "vermagic_mod: version magic '^2.0.0' ignored (forced): kernel tainted.",
    );
  });

  it("--force-vermagic on a matching module does not taint", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_c", { forceVermagic: true });
    expect(k.taint.size).toBe(0);
    expect(k.modules.find("chain_c")?.taintText).toBe("");
  });

  it("a dry run checks vermagic too", async () => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(k.modules.probe("vermagic_mod", { dryRun: true }));
    expect(err.errno).toBe("ENOEXEC");
  });
});

describe("out-of-tree modules", () => {
  it("a module from a --module-dir directory taints O, logged once per module", async () => {
    const k = makeKernel({ origin: "path" });
    await k.modules.probe("chain_b");
    expect(k.modules.find("chain_b")?.taintText).toBe("(O)");
    expect(k.modules.find("chain_c")?.taintText).toBe("(O)");
    expect(k.taint.letters).toBe("O");
    expect(k.taint.mask).toBe(1 << 12);
    k.modules.remove("chain_b");
    await k.modules.probe("chain_b");
    const lines = dmesg(k).filter((l) => l.includes("out-of-tree"));
    expect(lines).toEqual([
      "chain_c: loading out-of-tree module taints kernel.",
      "chain_b: loading out-of-tree module taints kernel.",
    ]);
  });

  it("workspace modules do not taint", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_b");
    expect(k.taint.size).toBe(0);
  });
});

describe("module taint letters", () => {
  it("are shown in the kernel's bit order, as /proc/modules does", async () => {
    const k = makeKernel({ origin: "path" });
    await k.modules.probe("vermagic_params", { forceVermagic: true });
    thrown(() => k.modules.setParam("vermagic_params", "level", "1"));
    const mod = k.modules.find("vermagic_params");
    expect(mod?.taintText).toBe("(FDO)");
    expect(k.taint.letters).toBe("FDO");
  });
});

describe("TaintSet", () => {
  it("computes the mask and letters in bit order", () => {
    const t = new TaintSet();
    expect(t.mask).toBe(0);
    expect(t.letters).toBe("");
    t.add("O");
    t.add("R");
    t.add("F");
    t.add("D");
    t.add("F");
    expect(t.size).toBe(4);
    expect(t.has("R")).toBe(true);
    expect(t.letters).toBe("FRDO");
    expect(t.mask).toBe((1 << 1) | (1 << 3) | (1 << 7) | (1 << 12));
  });
});
