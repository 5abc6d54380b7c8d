/**
 * Name resolution as kmod does it: config aliases first, then real module
 * names, then module aliases (fnmatch wildcards); '-' equals '_'; the
 * blacklist; names that are paths are refused before touching the disk.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { Kernel, ModuleError } from "../dist/index.js";
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

const names = (k: Kernel, q: string) => k.modules.lookup(q).modules.map((m) => m.name);

beforeEach(resetEvents);

describe("lookup", () => {
  it("finds a module by its real name, not via an alias", () => {
    const k = makeKernel();
    expect(k.modules.lookup("nf_conntrack_x")).toMatchObject({
      viaAlias: false,
      modules: [{ name: "nf_conntrack_x", origin: "workspace" }],
    });
  });

  it("finds a module by one of its aliases", () => {
    const k = makeKernel();
    const r = k.modules.lookup("nfct-helper-x");
    expect(r.viaAlias).toBe(true);
    expect(r.modules.map((m) => m.name)).toEqual(["nf_conntrack_x"]);
    expect(names(k, "ip_conntrack_x")).toEqual(["nf_conntrack_x"]);
  });

  it("treats '-' and '_' as the same character in names and aliases", () => {
    const k = makeKernel();
    expect(names(k, "nf-conntrack-x")).toEqual(["nf_conntrack_x"]);
    expect(names(k, "nfct_helper_x")).toEqual(["nf_conntrack_x"]);
    expect(names(k, "dash-mod")).toEqual(["dash_mod"]);
    expect(names(k, "dash_alias")).toEqual(["dash_mod"]);
    expect(k.modules.info("dash-mod")?.name).toBe("dash_mod");
  });

  it("matches wildcard aliases with fnmatch rules", () => {
    const k = makeKernel();
    expect(names(k, "nfct-helper-wibble")).toEqual(["wild_helper"]);
    expect(names(k, "nfct-helper-w")).toEqual(["wild_helper"]);
    expect(names(k, "wq1")).toEqual(["wild_helper"]);
    expect(names(k, "wq12")).toEqual([]);
    expect(names(k, "nfct-helper-v")).toEqual([]);
  });

  it("keeps bracket ranges intact when normalising alias patterns (kmod alias_normalize)", () => {
    const k = makeKernel();
    // The alias is "wild-[0-9]": the '-' inside the brackets is a range, not a name dash.
    expect(names(k, "wild-5")).toEqual(["wild_helper"]);
    expect(names(k, "wild_7")).toEqual(["wild_helper"]);
    expect(names(k, "wild-a")).toEqual([]);
  });

  it("returns every module providing an alias, in index order", () => {
    const k = makeKernel();
    expect(names(k, "shared-alias")).toEqual(["blk_mod", "shared_mod"]);
  });

  it("resolves the core modules' aliases", () => {
    const k = makeKernel();
    expect(names(k, "ip_conntrack")).toEqual(["nf_conntrack"]);
    expect(names(k, "nf-nat")).toEqual(["nf_nat"]);
    expect(names(k, "nf_conntrack_gre")).toEqual(["nf_conntrack_proto_gre"]);
  });

  it("lets config aliases override module aliases and even real names", () => {
    const k = makeKernel({
      config: "alias nfct-helper-x dash_mod\nalias chain_c counter_mod\nalias my-* soft_pre\n",
    });
    expect(k.modules.lookup("nfct-helper-x")).toMatchObject({
      viaAlias: true,
      modules: [{ name: "dash_mod" }],
    });
    expect(names(k, "chain_c")).toEqual(["counter_mod"]);
    expect(names(k, "my-thing")).toEqual(["soft_pre"]);
    expect(names(k, "my_thing")).toEqual(["soft_pre"]);
  });

  it("does not recurse when a config alias pattern matches its own target", () => {
    const k = makeKernel({ config: "alias chain* chain_c\n" });
    expect(names(k, "chain_c")).toEqual(["chain_c"]);
    expect(names(k, "chain-alias")).toEqual(["chain_c"]);
  });

  it("a config alias naming a module that does not exist finds nothing", async () => {
    const k = makeKernel({ config: "alias ghost-* no_such_module\n" });
    expect(names(k, "ghost-1")).toEqual([]);
    const err = await rejection<ModuleError>(k.modules.probe("ghost-1"));
    expect(err).toMatchObject({ kind: "not-found", errno: "ENOENT" });
  });
});

describe("invalid names", () => {
  it.each(["../x", "a/b", "/etc/passwd", "..", "x y", "", "a\\b"])(
    "refuses %j with kind bad-name before any lookup",
    async (name) => {
      const k = makeKernel();
      const err = await rejection<ModuleError>(k.modules.probe(name));
      expect(err).toBeInstanceOf(ModuleError);
      expect(err).toMatchObject({
        kind: "bad-name",
        errno: "EINVAL",
        module: name,
        message: `invalid module name '${name}': a module name is never a path`,
      });
      expect(thrown<ModuleError>(() => k.modules.removeWithDeps(name)).kind).toBe("bad-name");
      expect(await k.modules.requestModule(name)).toBe(false);
      expect(lsmod(k)).toEqual([]);
    },
  );
});

describe("not found", () => {
  it("names the module and the module path, as modprobe does", async () => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(k.modules.probe("no_such_module"));
    expect(err).toMatchObject({
      kind: "not-found",
      errno: "ENOENT",
      module: "no_such_module",
      message: `Module no_such_module not found in directory ${FIXTURES}`,
    });
  });

  it("says so when there is no module path at all", async () => {
    const k = new Kernel();
    const err = await rejection<ModuleError>(k.modules.probe("nope"));
    expect(err.message).toBe("Module nope not found in directory (no module path)");
    // Core modules need no module path.
    await k.modules.probe("nf_conntrack");
    expect(k.modules.isLoaded("nf_conntrack")).toBe(true);
  });
});

describe("blacklist", () => {
  const blacklisted = "blacklist blk_mod\n";

  it("does not apply to an explicit module name", async () => {
    const k = makeKernel({ config: blacklisted });
    const r = await k.modules.probe("blk_mod");
    expect(r).toMatchObject({ loaded: ["blk_mod"], blacklisted: false });
  });

  it("applies to explicit names with useBlacklist (modprobe -b)", async () => {
    const k = makeKernel({ config: blacklisted });
    const r = await k.modules.probe("blk_mod", { useBlacklist: true });
    expect(r).toEqual({ steps: [], loaded: [], blacklisted: true });
    expect(k.modules.isLoaded("blk_mod")).toBe(false);
    expect(events()).toEqual([]);
  });

  it("applies to alias lookups: nothing is loaded, and that is not an error", async () => {
    const k = makeKernel({ config: blacklisted });
    const r = await k.modules.probe("blk-alias");
    expect(r).toEqual({ steps: [], loaded: [], blacklisted: true });
    expect(lsmod(k)).toEqual([]);
  });

  it("filters only the blacklisted module when an alias has several providers", async () => {
    const k = makeKernel({ config: blacklisted });
    const r = await k.modules.probe("shared-alias");
    expect(r).toMatchObject({ loaded: ["shared_mod"], blacklisted: false });
    expect(lsmod(k)).toEqual(["shared_mod"]);
  });

  it("applies to request_module of an alias", async () => {
    const k = makeKernel({ config: blacklisted });
    expect(await k.modules.requestModule("nfct-helper-blk")).toBe(false);
    expect(k.modules.isLoaded("blk_mod")).toBe(false);
    expect(dmesg(k)).toContain("request_module: nfct-helper-blk is blacklisted, not loaded");
  });

  it("applies to modules named through a config alias", async () => {
    const k = makeKernel({ config: `${blacklisted}alias my-blk blk_mod\n` });
    expect((await k.modules.probe("my-blk")).blacklisted).toBe(true);
  });

  it("without a blacklist the alias loads every provider", async () => {
    const k = makeKernel();
    const r = await k.modules.probe("shared-alias");
    expect(r.loaded).toEqual(["blk_mod", "shared_mod"]);
  });
});
