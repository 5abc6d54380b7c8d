/**
 * The kernel log (dmesg): a bounded ring with sequence numbers, the kernel
 * clock, once-only lines and subscribers.
 */
import { describe, expect, it } from "vitest";
import { KernelLog } from "../dist/index.js";
import { makeKernel } from "./support.js";

describe("KernelLog", () => {
  it("stamps lines with a sequence number and the clock", () => {
    let t = 100;
    const log = new KernelLog(() => t);
    log.write("info", "one");
    t = 101.5;
    log.write("err", "two");
    expect(log.all()).toEqual([
      { seq: 1, time: 100, level: "info", text: "one" },
      { seq: 2, time: 101.5, level: "err", text: "two" },
    ]);
    expect(log.lastSeq).toBe(2);
    expect(log.since(1).map((l) => l.text)).toEqual(["two"]);
  });

  it("keeps only the newest lines up to its capacity", () => {
    const log = new KernelLog(() => 0, 3);
    for (let i = 1; i <= 5; i++) log.write("info", `l${i}`);
    expect(log.all().map((l) => l.text)).toEqual(["l3", "l4", "l5"]);
    expect(log.lastSeq).toBe(5);
    expect(log.since(0).map((l) => l.seq)).toEqual([3, 4, 5]);
  });

  it("once() logs a key only the first time", () => {
    const log = new KernelLog(() => 0);
    log.once("k", "warn", "first");
    log.once("k", "warn", "again");
    log.once("other", "warn", "other");
    expect(log.all().map((l) => l.text)).toEqual(["first", "other"]);
  });

  it("subscribers see new lines until they unsubscribe", () => {
    const log = new KernelLog(() => 0);
    const seen: string[] = [];
    const off = log.subscribe((l) => seen.push(l.text));
    log.write("info", "a");
    off();
    log.write("info", "b");
    expect(seen).toEqual(["a"]);
  });

  it("a module's ctx.log prefixes the module name and uses the kernel clock", async () => {
    const k = makeKernel();
    await k.modules.probe("chain_c");
    const line = k.log.all().find((l) => l.text === "chain_c: exporting c_value");
    expect(line).toMatchObject({ level: "info" });
    expect(line?.time).toBeGreaterThanOrEqual(1000);
    expect(k.now()).toBeGreaterThan(line?.time ?? Number.POSITIVE_INFINITY);
  });
});
