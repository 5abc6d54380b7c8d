/**
 * /sys/module/NAME/parameters at run time: writable parameters change and
 * the module hears about it, read-only ones refuse, perm 0 ones do not exist,
 * and a module rejecting a value leaves the old one in place.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { KernelError, ModuleError, ParamError } from "../dist/index.js";
import { dmesg, events, makeKernel, resetEvents, thrown } from "./support.js";

beforeEach(resetEvents);

async function withX(params: string[] = []) {
  const k = makeKernel();
  await k.modules.probe("nf_conntrack_x", { params });
  resetEvents();
  return k;
}

describe("writable parameters", () => {
  it("change, and paramChanged sees the new value (also in ctx.params)", async () => {
    const k = await withX();
    k.modules.setParam("nf_conntrack_x", "debug", "3");
    expect(k.modules.getParam("nf_conntrack_x", "debug")).toBe("3");
    expect(k.modules.find("nf_conntrack_x")?.params.debug).toBe(3);
    expect(events()).toEqual(["param:debug=3:seen=3"]);
  });

  it("accept the trailing newline `echo` writes, and '-' for '_' in names", async () => {
    const k = await withX();
    k.modules.setParam("nf-conntrack-x", "debug", "0x10\n");
    expect(k.modules.getParam("nf_conntrack_x", "debug")).toBe("16");
    k.modules.setParam("nf_conntrack_x", "loose", "Y");
    expect(k.modules.getParam("nf_conntrack_x", "loose")).toBe("Y");
    expect(events()).toEqual(["param:debug=16:seen=16", "param:loose=true:seen=true"]);
  });

  it("refuse a malformed value with the parser's errno and keep the old value", async () => {
    const k = await withX();
    const e = thrown<ParamError>(() => k.modules.setParam("nf_conntrack_x", "debug", "ten"));
    expect(e).toBeInstanceOf(ParamError);
    expect(e.errno).toBe("EINVAL");
    expect(k.modules.getParam("nf_conntrack_x", "debug")).toBe("0");
    expect(events()).toEqual([]);
  });

  it("write-only parameters can be written but not read", async () => {
    const k = await withX();
    k.modules.setParam("nf_conntrack_x", "wo", "5");
    expect(k.modules.find("nf_conntrack_x")?.params.wo).toBe(5);
    const e = thrown<KernelError>(() => k.modules.getParam("nf_conntrack_x", "wo"));
    expect(e).toMatchObject({
      errno: "EACCES",
      message: "nf_conntrack_x: parameter wo is not readable",
    });
  });
});

describe("read-only and hidden parameters", () => {
  it("a read-only parameter can be read but not written (EACCES)", async () => {
    const k = await withX(["ports=21,2121"]);
    expect(k.modules.getParam("nf_conntrack_x", "ports")).toBe("21,2121");
    const e = thrown<KernelError>(() => k.modules.setParam("nf_conntrack_x", "ports", "22"));
    expect(e).toBeInstanceOf(KernelError);
    expect(e).toMatchObject({
      errno: "EACCES",
      message: "nf_conntrack_x: parameter ports is read-only (perm 0400)",
    });
    expect(k.modules.getParam("nf_conntrack_x", "ports")).toBe("21,2121");
    expect(events()).toEqual([]);
  });

  it("a perm 0 parameter has no sysfs file at all", async () => {
    const k = await withX();
    const msg = "/sys/module/nf_conntrack_x/parameters/secret: No such file or directory";
    expect(thrown(() => k.modules.getParam("nf_conntrack_x", "secret"))).toMatchObject({
      errno: "ENOENT",
      message: msg,
    });
    expect(thrown(() => k.modules.setParam("nf_conntrack_x", "secret", "x"))).toMatchObject({
      errno: "ENOENT",
      message: msg,
    });
    // It still exists for the module itself and can be set at load time.
    expect(k.modules.find("nf_conntrack_x")?.params.secret).toBe("hidden");
  });

  it("an unknown parameter is ENOENT", async () => {
    const k = await withX();
    expect(thrown(() => k.modules.getParam("nf_conntrack_x", "nope"))).toMatchObject({
      errno: "ENOENT",
      message: "/sys/module/nf_conntrack_x/parameters/nope: No such file or directory",
    });
  });

  it("a module that is not loaded has no parameters", () => {
    const k = makeKernel();
    const e = thrown<ModuleError>(() => k.modules.setParam("nf_conntrack_x", "debug", "1"));
    expect(e).toBeInstanceOf(ModuleError);
    expect(e).toMatchObject({
      kind: "not-loaded",
      message: "Module nf_conntrack_x is not currently loaded",
    });
  });
});

describe("paramChanged refusing a value", () => {
  it("a throw (a crash) restores the old value, taints D and is reported as EINVAL", async () => {
    const k = await withX();
    k.modules.setParam("nf_conntrack_x", "debug", "2");
    const e = thrown<KernelError>(() => k.modules.setParam("nf_conntrack_x", "debug", "13"));
    expect(e).toBeInstanceOf(KernelError);
    expect(e).toMatchObject({ errno: "EINVAL", message: "nf_conntrack_x: rejected debug=13" });
    expect(k.modules.getParam("nf_conntrack_x", "debug")).toBe("2");
    const mod = k.modules.find("nf_conntrack_x");
    expect(mod?.taints.has("D")).toBe(true);
    expect(mod?.taintText).toBe("(D)");
    expect(k.taint.has("D")).toBe(true);
    expect(dmesg(k)).toContain(
      "nf_conntrack_x: paramChanged threw: Error: unlucky number (kernel tainted)",
    );
    // The module is still live and usable.
    expect(mod?.state).toBe("live");
    k.modules.setParam("nf_conntrack_x", "debug", "4");
    expect(k.modules.getParam("nf_conntrack_x", "debug")).toBe("4");
  });

  it("a deliberate KernelError passes through with its errno, restores, and does not taint", async () => {
    const k = await withX();
    const e = thrown<KernelError>(() => k.modules.setParam("nf_conntrack_x", "debug", "66"));
    expect(e).toBeInstanceOf(KernelError);
    expect(e).toMatchObject({
      errno: "EINVAL",
      message: 'sysctl: setting key "net.netfilter.nf_conntrack_x_loose": Invalid argument',
    });
    expect(k.modules.getParam("nf_conntrack_x", "debug")).toBe("0");
    expect(k.taint.size).toBe(0);
  });
});

describe("nf_conntrack hashsize at run time", () => {
  it("resizes the table: nf_conntrack_buckets follows, nf_conntrack_max does not", async () => {
    const k = makeKernel();
    await k.modules.probe("nf_conntrack", { params: ["hashsize=32768"] });
    const max = k.sysctl.get("net.netfilter.nf_conntrack_max");
    k.modules.setParam("nf_conntrack", "hashsize", "16384");
    expect(k.sysctl.get("net.netfilter.nf_conntrack_buckets")).toBe(16384);
    expect(k.conntrackConfig.buckets).toBe(16384);
    expect(k.modules.getParam("nf_conntrack", "hashsize")).toBe("16384");
    expect(k.sysctl.get("net.netfilter.nf_conntrack_max")).toBe(max);
  });

  it("hashsize=0 is refused with EINVAL like nf_conntrack_set_hashsize, without a taint", async () => {
    const k = makeKernel();
    await k.modules.probe("nf_conntrack", { params: ["hashsize=32768"] });
    const e = thrown<KernelError>(() => k.modules.setParam("nf_conntrack", "hashsize", "0"));
    expect(e).toBeInstanceOf(KernelError);
    expect(e.errno).toBe("EINVAL");
    expect(k.modules.getParam("nf_conntrack", "hashsize")).toBe("32768");
    expect(k.sysctl.get("net.netfilter.nf_conntrack_buckets")).toBe(32768);
    expect(k.taint.size).toBe(0);
  });

  it("a size the sysctl refuses restores the old value", async () => {
    const k = makeKernel();
    await k.modules.probe("nf_conntrack", { params: ["hashsize=32768"] });
    const e = thrown<KernelError>(() =>
      k.modules.setParam("nf_conntrack", "hashsize", String(2 ** 27)),
    );
    expect(e.errno).toBe("EINVAL");
    expect(k.modules.getParam("nf_conntrack", "hashsize")).toBe("32768");
    expect(k.sysctl.get("net.netfilter.nf_conntrack_buckets")).toBe(32768);
  });

  it("expect_hashsize is read-only (0400)", async () => {
    const k = makeKernel();
    await k.modules.probe("nf_conntrack");
    expect(thrown(() => k.modules.setParam("nf_conntrack", "expect_hashsize", "8"))).toMatchObject({
      errno: "EACCES",
      message: "nf_conntrack: parameter expect_hashsize is read-only (perm 0400)",
    });
    expect(k.modules.getParam("nf_conntrack", "expect_hashsize")).toBe("0");
  });
});
