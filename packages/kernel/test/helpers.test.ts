/**
 * The helper registry: validation like nf_conntrack_helper_register, lookup,
 * and the on-demand path (request_module("nfct-helper-NAME") / "ip_nat_NAME")
 * that takes a module reference for every user.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  HelperRegistry,
  type HelperSpec,
  Kernel,
  KernelError,
  type LoadedModule,
  type ModuleError,
  type ModuleRefs,
  type RegisteredHelper,
} from "../dist/index.js";
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

function helper(name: string, extra: Partial<HelperSpec> = {}): HelperSpec {
  return {
    name,
    l3: "ipv4",
    l4: "tcp",
    port: 0,
    expectPolicy: [{ name, maxExpected: 1, timeout: 300 }],
    help: () => 1,
    ...extra,
  };
}

/** A registry over fake modules, recording request_module calls. */
function fakeRegistry(provide: (alias: string, reg: HelperRegistry) => boolean = () => false) {
  const requests: string[] = [];
  const refs: ModuleRefs & { count: Map<string, number> } = {
    count: new Map(),
    tryGet(mod) {
      this.count.set(mod.name, (this.count.get(mod.name) ?? 0) + 1);
      return true;
    },
    put(mod) {
      this.count.set(mod.name, (this.count.get(mod.name) ?? 0) - 1);
    },
    async requestModule(alias) {
      requests.push(alias);
      return provide(alias, reg);
    },
  };
  const reg = new HelperRegistry(refs);
  return { reg, refs, requests };
}

const owner = (name: string) => ({ name }) as unknown as LoadedModule;

describe("registration rules", () => {
  it("accepts a 15-character name and max_expected 255", () => {
    const { reg } = fakeRegistry();
    const h = reg.register(
      helper("abcdefghijklmno", { expectPolicy: [{ name: "e", maxExpected: 255, timeout: 5 }] }),
      owner("m"),
    );
    expect(reg.list()).toEqual([h]);
  });

  it.each<[string, HelperSpec, string]>([
    [
      "a 16-character name",
      helper("abcdefghijklmnop"),
      'helper name "abcdefghijklmnop" must be 1 to 15 characters',
    ],
    ["an empty name", helper(""), 'helper name "" must be 1 to 15 characters'],
    [
      "max_expected above 255",
      helper("big", { expectPolicy: [{ name: "e", maxExpected: 256, timeout: 5 }] }),
      "helper big: max_expected 256 is above 255",
    ],
    [
      "a non-positive expectation timeout",
      helper("tmo", { expectPolicy: [{ name: "e", maxExpected: 1, timeout: 0 }] }),
      "helper tmo: expectation timeout must be positive",
    ],
    [
      "more than 4 expectation classes",
      helper("many", {
        expectPolicy: [1, 2, 3, 4, 5].map((i) => ({ name: `c${i}`, maxExpected: 1, timeout: 5 })),
      }),
      "helper many: at most 4 expectation classes",
    ],
    [
      "an unknown L4 protocol",
      helper("l4", { l4: "dccp" as HelperSpec["l4"] }),
      "helper l4: unknown L4 protocol dccp",
    ],
  ])("refuses %s with EINVAL", (_what, spec, message) => {
    const { reg } = fakeRegistry();
    const e = thrown<KernelError>(() => reg.register(spec, owner("m")));
    expect(e).toBeInstanceOf(KernelError);
    expect(e).toMatchObject({ errno: "EINVAL", message });
    expect(reg.list()).toEqual([]);
  });

  it("refuses a duplicate name on the same protocol with EBUSY", () => {
    const { reg } = fakeRegistry();
    reg.register(helper("ftp", { port: 21 }), owner("a"));
    expect(thrown(() => reg.register(helper("ftp"), owner("b")))).toMatchObject({
      errno: "EBUSY",
      message: "helper ftp (ipv4/tcp) is already registered by a",
    });
    // An unspec helper overlaps every family.
    expect(thrown(() => reg.register(helper("ftp", { l3: "unspec" }), owner("b")))).toMatchObject({
      errno: "EBUSY",
    });
    // The same name on another L4 protocol or another family is fine.
    reg.register(helper("ftp", { l4: "udp" }), owner("b"));
    reg.register(helper("ftp", { l3: "ipv6", port: 21 }), owner("b"));
    // The same port under another name on the same tuple is not (auto-assign ambiguity).
    expect(thrown(() => reg.register(helper("other", { port: 21 }), owner("c")))).toMatchObject({
      errno: "EBUSY",
    });
  });

  it("finds helpers by name and by port, with unspec matching both families", () => {
    const { reg } = fakeRegistry();
    const ftp = reg.register(helper("ftp", { port: 21 }), owner("a"));
    const any = reg.register(helper("sip", { l3: "unspec", l4: "udp", port: 5060 }), owner("b"));
    expect(reg.find("ftp", "ipv4", "tcp")).toBe(ftp);
    expect(reg.find("ftp", "ipv6", "tcp")).toBeUndefined();
    expect(reg.find("ftp", "ipv4", "udp")).toBeUndefined();
    expect(reg.find("sip", "ipv6", "udp")).toBe(any);
    expect(reg.findByPort("ipv4", "tcp", 21)).toBe(ftp);
    expect(reg.findByPort("ipv6", "udp", 5060)).toBe(any);
    expect(reg.findByPort("ipv4", "tcp", 22)).toBeUndefined();
  });

  it("tells unregister hooks before a helper goes away", () => {
    const { reg } = fakeRegistry();
    const h = reg.register(helper("ftp"), owner("a"));
    const seen: RegisteredHelper[] = [];
    const off = reg.onUnregister((x) => seen.push(x));
    reg.unregister(h);
    reg.unregister(h);
    expect(seen).toEqual([h]);
    expect(reg.list()).toEqual([]);
    off();
    reg.unregister(reg.register(helper("ftp"), owner("a")));
    expect(seen).toHaveLength(1);
  });

  it("NAT helpers are unique by module name", () => {
    const { reg } = fakeRegistry();
    const n = reg.registerNat({ modName: "ip_nat_ftp" }, owner("a"));
    expect(thrown(() => reg.registerNat({ modName: "ip_nat_ftp" }, owner("b")))).toMatchObject({
      errno: "EBUSY",
      message: "NAT helper ip_nat_ftp is already registered",
    });
    expect(reg.findNat("ip_nat_ftp")).toBe(n);
    reg.unregisterNat(n);
    expect(reg.findNat("ip_nat_ftp")).toBeUndefined();
  });
});

describe("on-demand lookup with a fake module layer", () => {
  it("tryGet requests nfct-helper-NAME once on a miss and takes a reference", async () => {
    const { reg, refs, requests } = fakeRegistry((alias, r) => {
      r.register(helper("ftp"), owner("nf_conntrack_ftp"));
      return alias === "nfct-helper-ftp";
    });
    const h = await reg.tryGet("ftp", "ipv4", "tcp");
    expect(requests).toEqual(["nfct-helper-ftp"]);
    expect(refs.count.get("nf_conntrack_ftp")).toBe(1);
    await reg.tryGet("ftp", "ipv4", "tcp");
    expect(requests).toHaveLength(1);
    reg.put(h);
    expect(refs.count.get("nf_conntrack_ftp")).toBe(1);
  });

  it("tryGetNat requests ip_nat_ + the helper's base name, or its natModName", async () => {
    const { reg, requests } = fakeRegistry();
    reg.register(helper("ftp-2121"), owner("nf_conntrack_ftp"));
    reg.register(helper("odd", { natModName: "ip_nat_special" }), owner("nf_conntrack_odd"));
    const e1 = await rejection<KernelError>(reg.tryGetNat("ftp-2121", "ipv4", "tcp"));
    expect(e1).toMatchObject({
      errno: "ENOENT",
      message: 'No NAT helper ip_nat_ftp for helper "ftp-2121"',
    });
    await rejection(reg.tryGetNat("odd", "ipv4", "tcp"));
    expect(requests).toEqual(["ip_nat_ftp", "ip_nat_special"]);
  });

  it("tryGetNat without the conntrack helper fails without requesting anything", async () => {
    const { reg, requests } = fakeRegistry();
    const e = await rejection<KernelError>(reg.tryGetNat("ftp", "ipv4", "tcp"));
    expect(e).toMatchObject({ errno: "ENOENT", message: 'No such helper "ftp"' });
    expect(requests).toEqual([]);
  });
});

describe("helpers from real modules", () => {
  it("tryGet loads the module on demand and holds a module reference", async () => {
    const k = makeKernel();
    const h = await k.helpers.tryGet("x", "ipv4", "tcp");
    expect(h.owner.name).toBe("nf_conntrack_x");
    expect(h.spec).toMatchObject({ name: "x", port: 2121, l4: "tcp" });
    expect(lsmod(k)).toEqual(["nf_conntrack_x", "nf_conntrack"]);
    expect(h.owner.refcnt).toBe(1);
    expect(h.owner.holders.size).toBe(0);

    const e = thrown<ModuleError>(() => k.modules.remove("nf_conntrack_x"));
    expect(e).toMatchObject({
      kind: "in-use",
      errno: "EWOULDBLOCK",
      holders: [],
      message: "Module nf_conntrack_x is in use",
    });
    expect(thrown<ModuleError>(() => k.modules.removeWithDeps("nf_conntrack_x")).kind).toBe(
      "in-use",
    );

    k.helpers.put(h);
    expect(h.owner.refcnt).toBe(0);
    k.modules.remove("nf_conntrack_x");
    expect(k.helpers.find("x", "ipv4", "tcp")).toBeUndefined();
    expect(k.sysctl.has("net.netfilter.nf_conntrack_x_loose")).toBe(false);
  });

  it("each user holds its own reference", async () => {
    const k = makeKernel();
    const a = await k.helpers.tryGet("x", "ipv4", "tcp");
    const b = await k.helpers.tryGet("x", "ipv4", "tcp");
    expect(a).toBe(b);
    expect(a.owner.refcnt).toBe(2);
    k.helpers.put(a);
    expect(thrown(() => k.modules.remove("nf_conntrack_x")).message).toBe(
      "Module nf_conntrack_x is in use",
    );
    k.helpers.put(b);
    k.modules.remove("nf_conntrack_x");
  });

  it("rmmod -f with a reference held removes the module and taints R", async () => {
    const k = makeKernel();
    const h = await k.helpers.tryGet("x", "ipv4", "tcp");
    k.modules.remove("nf_conntrack_x", { force: true });
    expect(k.modules.find("nf_conntrack_x")).toBeUndefined();
    expect(h.owner.taints.has("R")).toBe(true);
    expect(k.taint.has("R")).toBe(true);
    expect(dmesg(k)).toContain(
      "nf_conntrack_x: forced unload with 1 reference(s) held: kernel tainted.",
    );
    expect(k.helpers.find("x", "ipv4", "tcp")).toBeUndefined();
    // The module is gone: no new references to it.
    expect(k.modules.tryGet(h.owner)).toBe(false);
  });

  it("an unknown helper is ENOENT after a failed request_module", async () => {
    const k = makeKernel();
    const e = await rejection<KernelError>(k.helpers.tryGet("nonexistent", "ipv4", "tcp"));
    expect(e).toBeInstanceOf(KernelError);
    expect(e).toMatchObject({ errno: "ENOENT", message: 'No such helper "nonexistent"' });
    expect(dmesg(k)).toContain(
      `request_module: modprobe nfct-helper-nonexistent failed: Module nfct-helper-nonexistent not found in directory ${FIXTURES}`,
    );
    expect(lsmod(k)).toEqual([]);
  });

  it("a helper registered for another family is not found, even after loading", async () => {
    const k = makeKernel();
    await rejection(k.helpers.tryGet("x", "ipv6", "tcp"));
    expect(k.modules.isLoaded("nf_conntrack_x")).toBe(true);
    expect(k.modules.find("nf_conntrack_x")?.refcnt).toBe(0);
  });

  it("tryGetNat requests ip_nat_NAME, which loads the NAT module and its dependencies", async () => {
    const k = makeKernel();
    const h = await k.helpers.tryGet("x", "ipv4", "tcp");
    const nat = await k.helpers.tryGetNat("x", "ipv4", "tcp");
    expect(nat.spec.modName).toBe("ip_nat_x");
    expect(nat.owner.name).toBe("nf_nat_x");
    expect(events()).toContain("init:nf_nat_x:nf_conntrack_x");
    expect(lsmod(k)).toEqual(["nf_nat_x", "nf_nat", "nf_conntrack_x", "nf_conntrack"]);
    expect(nat.owner.refcnt).toBe(1);
    // nf_conntrack_x: one reference from the helper user, one from its holder nf_nat_x.
    expect(h.owner.refcnt).toBe(2);
    expect(thrown(() => k.modules.remove("nf_nat_x")).message).toBe("Module nf_nat_x is in use");
    k.helpers.putNat(nat);
    k.helpers.put(h);
    expect(k.modules.removeWithDeps("nf_nat_x")).toEqual([
      "nf_nat_x",
      "nf_conntrack_x",
      "nf_nat",
      "nf_conntrack",
    ]);
  });

  it("registration errors from init fail the load with their errno and no taint", async () => {
    const k = makeKernel();
    await k.modules.probe("nf_conntrack_x");
    const cases: [string, string, string][] = [
      [
        "helper_dup",
        "EBUSY",
        "helper_dup: init failed: helper x (ipv4/tcp) is already registered by nf_conntrack_x",
      ],
      [
        "helper_bigexp",
        "EINVAL",
        "helper_bigexp: init failed: helper bigexp: max_expected 256 is above 255",
      ],
      [
        "helper_longname",
        "EINVAL",
        'helper_longname: init failed: helper name "abcdefghijklmnop" must be 1 to 15 characters',
      ],
    ];
    for (const [name, errno, message] of cases) {
      const e = await rejection<ModuleError>(k.modules.probe(name));
      expect(e).toMatchObject({ kind: "insert", errno, module: name, message });
      expect(dmesg(k)).toContain(message);
      expect(k.modules.find(name)).toBeUndefined();
    }
    expect(k.taint.size).toBe(0);
    await k.modules.probe("helper_okname");
    expect(k.helpers.find("abcdefghijklmno", "ipv6", "udp")?.owner.name).toBe("helper_okname");
  });

  it("two users asking for an unloaded helper at once both get it, loaded once", async () => {
    const k = makeKernel();
    const [a, b] = await Promise.all([
      k.helpers.tryGet("slow", "ipv4", "udp"),
      k.helpers.tryGet("slow", "ipv4", "udp"),
    ]);
    expect(a).toBe(b);
    expect(a.owner.refcnt).toBe(2);
    expect(events().filter((e) => e === "init-start:slow_mod")).toHaveLength(1);
  });

  it("the helper registry of a kernel is wired to its module subsystem", () => {
    const k = new Kernel();
    expect(k.helpers).toBeInstanceOf(HelperRegistry);
    expect(k.helpers.list()).toEqual([]);
  });
});
