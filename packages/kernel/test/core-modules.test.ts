/**
 * The modules built into the kernel package: nf_conntrack (parameters →
 * sysctls, as Linux computes them), nf_conntrack_proto_gre and nf_nat, with
 * the usual holders/refcount rules.
 */
import { existsSync, readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { coreModules, KERNEL_VERSION, Kernel, ModuleError } from "../dist/index.js";
import { lsmod, resetEvents, thrown } from "./support.js";

beforeEach(resetEvents);

const sysctlOf = (k: Kernel, name: string) => k.sysctl.get(`net.netfilter.${name}`);

describe("version", () => {
  it("KERNEL_VERSION equals packages/kernel/package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(KERNEL_VERSION).toBe(pkg.version);
    expect(new Kernel().version).toBe(pkg.version);
  });
});

describe("core module metadata", () => {
  it("lists nf_conntrack, nf_conntrack_proto_gre and nf_nat, with built entry files", () => {
    const core = coreModules();
    expect(core.map((m) => m.name)).toEqual(["nf_conntrack", "nf_conntrack_proto_gre", "nf_nat"]);
    for (const m of core) {
      expect(m.origin).toBe("core");
      expect(m.kernel).toBe(`=${KERNEL_VERSION}`);
      expect(m.packageName).toBe("@ctkit/kernel");
      expect(m.version).toBe(KERNEL_VERSION);
      expect(m.entry.endsWith(`/dist/core/${m.name}.js`)).toBe(true);
      expect(existsSync(m.entry)).toBe(true);
    }
    expect(core[1]?.depends).toEqual(["nf_conntrack"]);
    expect(core[2]?.depends).toEqual(["nf_conntrack"]);
  });

  it("declares nf_conntrack's parameters with Linux's types and permissions", () => {
    const ct = coreModules()[0];
    expect(
      ct?.params.map((p) => [p.name, p.type, p.perm.toString(8).padStart(4, "0"), p.default]),
    ).toEqual([
      ["hashsize", "uint", "0600", 0],
      ["expect_hashsize", "uint", "0400", 0],
      ["acct", "bool", "0644", false],
      ["tstamp", "bool", "0644", false],
      ["nf_conntrack_helper", "bool", "0644", false],
    ]);
  });

  it("are known to a kernel without any module path", () => {
    const k = new Kernel();
    expect(k.modules.available().map((m) => m.name)).toEqual([
      "nf_conntrack",
      "nf_conntrack_proto_gre",
      "nf_nat",
    ]);
    expect(k.modules.info("nf-conntrack")?.description).not.toBe("");
  });
});

describe("nf_conntrack", () => {
  it("modprobe nf_conntrack hashsize=32768 acct=1 nf_conntrack_helper=1 sets the sysctls", async () => {
    const k = new Kernel();
    await k.modules.probe("nf_conntrack", {
      params: ["hashsize=32768", "acct=1", "nf_conntrack_helper=1"],
    });
    expect(sysctlOf(k, "nf_conntrack_buckets")).toBe(32768);
    // nf_conntrack_init_start: max_factor 8 when hashsize is given explicitly.
    expect(sysctlOf(k, "nf_conntrack_max")).toBe(262144);
    // nf_conntrack_expect_init: (32768 / 256) * 4.
    expect(sysctlOf(k, "nf_conntrack_expect_max")).toBe(512);
    expect(sysctlOf(k, "nf_conntrack_acct")).toBe(1);
    expect(sysctlOf(k, "nf_conntrack_helper")).toBe(1);
    expect(sysctlOf(k, "nf_conntrack_timestamp")).toBe(0);
    expect(k.conntrackConfig).toMatchObject({ enabled: true, buckets: 32768 });
    expect(k.modules.getParam("nf_conntrack", "acct")).toBe("Y");
    expect(k.modules.getParam("nf_conntrack", "hashsize")).toBe("32768");
  });

  it("without parameters uses the large-memory default and max_factor 1", async () => {
    const k = new Kernel();
    await k.modules.probe("nf_conntrack");
    expect(sysctlOf(k, "nf_conntrack_buckets")).toBe(262144);
    expect(sysctlOf(k, "nf_conntrack_max")).toBe(262144);
    expect(sysctlOf(k, "nf_conntrack_expect_max")).toBe(4096);
    expect(sysctlOf(k, "nf_conntrack_acct")).toBe(0);
    expect(sysctlOf(k, "nf_conntrack_helper")).toBe(0);
    expect(sysctlOf(k, "nf_conntrack_tcp_timeout_established")).toBe(432000);
    expect(sysctlOf(k, "nf_conntrack_udp_timeout")).toBe(30);
  });

  it("expect_hashsize sets the expectation limit directly", async () => {
    const k = new Kernel();
    await k.modules.probe("nf_conntrack", { params: ["expect_hashsize=100"] });
    expect(sysctlOf(k, "nf_conntrack_expect_max")).toBe(400);
  });

  it("nf_conntrack_count is computed and read-only", async () => {
    const k = new Kernel();
    await k.modules.probe("nf_conntrack");
    let live = 3;
    k.conntrackConfig.count = () => live;
    expect(sysctlOf(k, "nf_conntrack_count")).toBe(3);
    live = 5;
    expect(sysctlOf(k, "nf_conntrack_count")).toBe(5);
    expect(thrown(() => k.sysctl.set("net.netfilter.nf_conntrack_count", "1"))).toMatchObject({
      errno: "EINVAL",
    });
  });

  it("writing nf_conntrack_buckets resizes the table", async () => {
    const k = new Kernel();
    await k.modules.probe("nf_conntrack");
    k.sysctl.set("net.netfilter.nf_conntrack_buckets", "4096");
    expect(k.conntrackConfig.buckets).toBe(4096);
  });

  it("unloading removes every sysctl it added and disables conntrack", async () => {
    const k = new Kernel();
    const before = k.sysctl.names();
    await k.modules.probe("nf_conntrack");
    expect(k.sysctl.names().length).toBeGreaterThan(before.length + 20);
    k.modules.remove("nf_conntrack");
    expect(k.sysctl.names()).toEqual(before);
    expect(k.conntrackConfig.enabled).toBe(false);
  });

  it("loads from its aliases", async () => {
    const k = new Kernel();
    expect((await k.modules.probe("ip_conntrack")).loaded).toEqual(["nf_conntrack"]);
  });

  it("core modules never taint, even with a module path of origin 'path'", async () => {
    const k = new Kernel({ modulePath: [{ path: "/nonexistent", origin: "path" }] });
    await k.modules.probe("nf_nat");
    expect(k.taint.size).toBe(0);
    expect(k.modules.list().every((m) => m.taintText === "")).toBe(true);
  });
});

describe("nf_nat and nf_conntrack_proto_gre", () => {
  it("nf_nat depends on nf_conntrack: loaded first, held, and refused for rmmod", async () => {
    const k = new Kernel();
    const r = await k.modules.probe("nf_nat");
    expect(r.loaded).toEqual(["nf_conntrack", "nf_nat"]);
    expect(k.natConfig.enabled).toBe(true);
    const ct = k.modules.find("nf_conntrack");
    expect([...(ct?.holders ?? [])].map((h) => h.name)).toEqual(["nf_nat"]);
    expect(ct?.refcnt).toBe(1);
    const e = thrown<ModuleError>(() => k.modules.remove("nf_conntrack"));
    expect(e).toBeInstanceOf(ModuleError);
    expect(e).toMatchObject({
      kind: "in-use",
      holders: ["nf_nat"],
      message: "Module nf_conntrack is in use by: nf_nat",
    });
    expect(k.modules.isLoaded("nf_conntrack")).toBe(true);
  });

  it("modprobe -r nf_nat removes nf_nat and then the unused nf_conntrack", async () => {
    const k = new Kernel();
    await k.modules.probe("nf_nat");
    expect(k.modules.removeWithDeps("nf_nat")).toEqual(["nf_nat", "nf_conntrack"]);
    expect(lsmod(k)).toEqual([]);
    expect(k.natConfig.enabled).toBe(false);
    expect(k.conntrackConfig.enabled).toBe(false);
  });

  it("lists every holder, newest first", async () => {
    const k = new Kernel();
    await k.modules.probe("nf_nat");
    await k.modules.probe("nf_conntrack_gre");
    expect(lsmod(k)).toEqual(["nf_conntrack_proto_gre", "nf_nat", "nf_conntrack"]);
    expect(thrown(() => k.modules.remove("nf_conntrack")).message).toBe(
      "Module nf_conntrack is in use by: nf_conntrack_proto_gre nf_nat",
    );
    expect(k.modules.find("nf_conntrack")?.refcnt).toBe(2);
    expect(sysctlOf(k, "nf_conntrack_gre_timeout")).toBe(30);
    expect(sysctlOf(k, "nf_conntrack_gre_timeout_stream")).toBe(180);
    // modprobe -r of one user keeps nf_conntrack for the other.
    expect(k.modules.removeWithDeps("nf_nat")).toEqual(["nf_nat"]);
    expect(k.modules.find("nf_conntrack")?.refcnt).toBe(1);
  });
});
