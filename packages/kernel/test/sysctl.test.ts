/**
 * The sysctl table: registration, validation of writes, computed and
 * read-only entries, and unregistration that only removes one's own entry.
 */
import { describe, expect, it } from "vitest";
import { KernelError, SysctlTable } from "../dist/index.js";
import { thrown } from "./support.js";

describe("SysctlTable", () => {
  it("registers, reads and writes entries; '/' separators are accepted", () => {
    const t = new SysctlTable();
    const seen: number[] = [];
    t.register("net.netfilter.knob", { value: 3, min: 0, max: 10, onChange: (v) => seen.push(v) });
    expect(t.has("net/netfilter/knob")).toBe(true);
    expect(t.get("net.netfilter.knob")).toBe(3);
    t.set("net/netfilter/knob", " 7\n");
    expect(t.get("net.netfilter.knob")).toBe(7);
    t.set("net.netfilter.knob", "0");
    expect(seen).toEqual([7, 0]);
  });

  it("refuses invalid names and duplicates", () => {
    const t = new SysctlTable();
    expect(thrown<KernelError>(() => t.register("Net.Bad", { value: 0 }))).toMatchObject({
      errno: "EINVAL",
      message: "sysctl: invalid name Net.Bad",
    });
    expect(thrown(() => t.register("single", { value: 0 })).message).toContain("invalid name");
    t.register("a.b", { value: 0 });
    expect(thrown<KernelError>(() => t.register("a.b", { value: 1 }))).toMatchObject({
      errno: "EEXIST",
      message: "sysctl: a.b is already registered",
    });
  });

  it.each(["abc", "1.5", "", "0x10", "+1", "11", "-1", "9007199254740993"])(
    "refuses %j for a 0..10 entry with EINVAL and keeps the value",
    (text) => {
      const t = new SysctlTable();
      t.register("a.b", { value: 4, min: 0, max: 10 });
      const e = thrown<KernelError>(() => t.set("a.b", text));
      expect(e).toBeInstanceOf(KernelError);
      expect(e).toMatchObject({
        errno: "EINVAL",
        message: 'sysctl: setting key "a.b": Invalid argument',
      });
      expect(t.get("a.b")).toBe(4);
    },
  );

  it("refuses writes to read-only and computed entries", () => {
    const t = new SysctlTable();
    t.register("a.ro", { value: 1, mode: 0o444 });
    let n = 5;
    t.register("a.count", { value: 0, get: () => n });
    expect(thrown<KernelError>(() => t.set("a.ro", "2")).errno).toBe("EINVAL");
    expect(thrown<KernelError>(() => t.set("a.count", "2")).errno).toBe("EINVAL");
    expect(t.get("a.ro")).toBe(1);
    n = 6;
    expect(t.get("a.count")).toBe(6);
  });

  it("unknown keys are ENOENT with sysctl(8)'s wording", () => {
    const t = new SysctlTable();
    expect(thrown<KernelError>(() => t.get("net.nope"))).toMatchObject({
      errno: "ENOENT",
      message: "sysctl: cannot stat /proc/sys/net/nope: No such file or directory",
    });
    expect(thrown<KernelError>(() => t.set("net/nope", "1")).errno).toBe("ENOENT");
  });

  it("unregistering removes only the entry it registered", () => {
    const t = new SysctlTable();
    const off = t.register("a.b", { value: 1 });
    off();
    expect(t.has("a.b")).toBe(false);
    t.register("a.b", { value: 2 });
    off();
    expect(t.get("a.b")).toBe(2);
    expect(t.names()).toEqual(["a.b"]);
  });

  it("lists names sorted", () => {
    const t = new SysctlTable();
    for (const n of ["net.z", "net.a", "kernel.x"]) t.register(n, { value: 0 });
    expect(t.names()).toEqual(["kernel.x", "net.a", "net.z"]);
  });
});
