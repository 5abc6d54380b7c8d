/**
 * depmod: the module index built from package.json metadata only, over
 * third-party and scoped packages; duplicates, missing dependencies and
 * cycles; the cached index and its staleness; invalid metadata naming the
 * file and field.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildIndex,
  coreModules,
  isStale,
  Kernel,
  loadOrBuildIndex,
  MetadataError,
  type ModuleDir,
  type ModuleError,
  parseModuleMetadata,
  readIndex,
  readModulePackage,
  resolveModulePath,
  workspacePluginsDir,
} from "../dist/index.js";
import { INVALID, rejection, resetEvents, thrown } from "./support.js";

let root: string;

beforeEach(() => {
  resetEvents();
  // Outside the workspace, so nothing here is mistaken for a workspace plugin.
  root = mkdtempSync(join(tmpdir(), "ctkit-depmod-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

interface PkgOpts {
  name?: string;
  ctkit?: Record<string, unknown> | null;
  index?: string | null;
}

/** Writes <dir>/package.json (+ index.js) for a module package. */
function writePkg(dir: string, module: string, opts: PkgOpts = {}): string {
  mkdirSync(dir, { recursive: true });
  const pkg: Record<string, unknown> = {
    name: opts.name ?? module,
    version: "2.3.4",
    type: "module",
    exports: "./index.js",
  };
  if (opts.ctkit !== null) pkg.ctkit = { module, kernel: "^1.0.0", ...opts.ctkit };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  if (opts.index !== null) {
    writeFileSync(
      join(dir, "index.js"),
      opts.index ??
        `export default { ctkitModule: 1, init() { (globalThis.__ctkitEvents ??= []).push("init:${module}"); } };\n`,
    );
  }
  return dir;
}

/** Moves a path's mtime away from its current value (filesystems may have coarse mtimes). */
function touch(path: string, seconds = 10): void {
  const t = new Date(statSync(path).mtimeMs + seconds * 1000);
  utimesSync(path, t, t);
}

function thirdPartyTree() {
  const mods = join(root, "node_modules");
  writePkg(join(mods, "ctkit-helper-tp"), "third_party", {
    name: "ctkit-helper-tp",
    ctkit: { alias: ["tp-*"], description: "Third party", license: "MIT", author: "someone" },
  });
  writePkg(join(mods, "@scope", "x"), "scoped_x", {
    name: "@scope/x",
    ctkit: { depends: ["third_party"] },
  });
  writePkg(join(mods, "left-pad"), "left_pad", { ctkit: null });
  mkdirSync(join(mods, "no-package-json"));
  writePkg(join(mods, ".hidden"), "hidden_mod");
  writeFileSync(join(mods, "@scope", "README.md"), "not a package\n");
  return mods;
}

describe("buildIndex", () => {
  it("indexes third-party and scoped packages, skipping non-modules and hidden dirs", () => {
    const mods = thirdPartyTree();
    const idx = buildIndex([{ path: mods, origin: "path" }], coreModules());
    expect(idx.modules.map((m) => m.name).sort()).toEqual(["scoped_x", "third_party"]);
    expect(idx.warnings).toEqual([]);
    expect(idx.modulePath).toEqual([{ path: mods, origin: "path" }]);
    const tp = idx.modules.find((m) => m.name === "third_party");
    expect(tp).toMatchObject({
      packageName: "ctkit-helper-tp",
      version: "2.3.4",
      description: "Third party",
      license: "MIT",
      author: "someone",
      alias: ["tp-*"],
      origin: "path",
      packageDir: join(mods, "ctkit-helper-tp"),
      entry: join(mods, "ctkit-helper-tp", "index.js"),
    });
    const sx = idx.modules.find((m) => m.name === "scoped_x");
    expect(sx).toMatchObject({ packageName: "@scope/x", depends: ["third_party"] });
    // Every directory and package.json read is stamped for staleness checks.
    expect(Object.keys(idx.stamps)).toEqual(
      expect.arrayContaining([
        mods,
        join(mods, "@scope"),
        join(mods, "@scope", "x", "package.json"),
        join(mods, "ctkit-helper-tp", "package.json"),
      ]),
    );
  });

  it("a module directory may be a single package", () => {
    const dir = writePkg(join(root, "one"), "single_mod");
    const idx = buildIndex([{ path: dir, origin: "path" }], []);
    expect(idx.modules.map((m) => m.name)).toEqual(["single_mod"]);
  });

  it("a missing directory contributes nothing", () => {
    const idx = buildIndex([{ path: join(root, "nope"), origin: "path" }], []);
    expect(idx.modules).toEqual([]);
    expect(idx.stamps[join(root, "nope")]).toBe(-1);
  });

  it("keeps the first module of a name and warns about later duplicates", () => {
    const a = join(root, "a");
    const b = join(root, "b");
    writePkg(join(a, "dup"), "dup_mod", { ctkit: { description: "first" } });
    writePkg(join(b, "dup"), "dup-mod", { ctkit: { description: "second" } });
    writePkg(join(b, "shadow"), "nf_conntrack");
    const idx = buildIndex(
      [
        { path: a, origin: "workspace" },
        { path: b, origin: "path" },
      ],
      coreModules(),
    );
    expect(idx.modules.map((m) => [m.name, m.description])).toEqual([["dup_mod", "first"]]);
    const coreEntry = coreModules()[0]?.entry;
    expect(idx.warnings).toEqual([
      `depmod: WARNING: module dup_mod in ${join(b, "dup")} ignored: already provided by ${join(a, "dup")}`,
      `depmod: WARNING: module nf_conntrack in ${join(b, "shadow")} ignored: already provided by ${coreEntry}`,
    ]);
  });

  it("warns about dependencies on unknown modules; probing one then fails", async () => {
    const dir = join(root, "mods");
    writePkg(join(dir, "needy"), "needy", { ctkit: { depends: ["ghost"] } });
    const idx = buildIndex([{ path: dir, origin: "path" }], coreModules());
    expect(idx.warnings).toEqual(["depmod: WARNING: needy needs unknown module ghost"]);
    const k = new Kernel({ modulePath: [{ path: dir, origin: "path" }] });
    const err = await rejection<ModuleError>(k.modules.probe("needy"));
    expect(err).toMatchObject({
      kind: "insert",
      errno: "ENOENT",
      message: "needy: depends on ghost, which is not in the module index (run depmod)",
    });
  });

  it("refuses dependency cycles, naming the file and the chain", () => {
    const dir = join(root, "mods");
    writePkg(join(dir, "a"), "cyc_a", { ctkit: { depends: ["cyc_b"] } });
    writePkg(join(dir, "b"), "cyc_b", { ctkit: { depends: ["cyc_c"] } });
    writePkg(join(dir, "c"), "cyc_c", { ctkit: { depends: ["cyc_a"] } });
    const e = thrown<MetadataError>(() => buildIndex([{ path: dir, origin: "path" }], []));
    expect(e).toBeInstanceOf(MetadataError);
    expect(e.file).toBe(join(dir, "a", "package.json"));
    expect(e.field).toBe("ctkit.depends");
    expect(e.message).toBe(
      `${join(dir, "a", "package.json")}: field "ctkit.depends": dependency cycle: cyc_a -> cyc_b -> cyc_c -> cyc_a`,
    );
  });

  it("refuses a module that depends on itself", () => {
    const dir = join(root, "mods");
    writePkg(join(dir, "self"), "selfish", { ctkit: { depends: ["selfish"] } });
    const e = thrown<MetadataError>(() => buildIndex([{ path: dir, origin: "path" }], []));
    expect(e.message).toContain("dependency cycle: selfish -> selfish");
  });

  it("never runs module code", () => {
    const dir = join(root, "mods");
    writePkg(join(dir, "boom"), "boom_mod", { index: "throw new Error('ran at depmod');\n" });
    expect(buildIndex([{ path: dir, origin: "path" }], []).modules.map((m) => m.name)).toEqual([
      "boom_mod",
    ]);
  });
});

describe("invalid metadata", () => {
  const cases: [string, string][] = [
    ["bad-json", "(file)"],
    ["ctkit-not-object", "ctkit"],
    ["missing-module", "ctkit.module"],
    ["module-is-path", "ctkit.module"],
    ["module-too-long", "ctkit.module"],
    ["missing-kernel", "ctkit.kernel"],
    ["bad-kernel-range", "ctkit.kernel"],
    ["bad-alias", "ctkit.alias[1]"],
    ["alias-not-array", "ctkit.alias"],
    ["bad-depends", "ctkit.depends[0]"],
    ["bad-softdep", "ctkit.softdep.pre"],
    ["softdep-not-object", "ctkit.softdep"],
    ["bad-description", "ctkit.description"],
    ["params-not-object", "ctkit.params"],
    ["bad-param-name", "ctkit.params.1abc"],
    ["bad-param-type", "ctkit.params.ratio.type"],
    ["missing-param-type", "ctkit.params.ratio.type"],
    ["array-invbool", "ctkit.params.flags.type"],
    ["array-no-max", "ctkit.params.ports.max"],
    ["array-max-too-big", "ctkit.params.ports.max"],
    ["world-writable", "ctkit.params.p.perm"],
    ["bad-perm-text", "ctkit.params.p.perm"],
    ["perm-decimal", "ctkit.params.p.perm"],
    ["bad-default-type", "ctkit.params.p.default"],
    ["default-out-of-range", "ctkit.params.p.default"],
    ["array-default-too-long", "ctkit.params.p.default"],
    ["bad-param-description", "ctkit.params.p.description"],
    ["entry-outside", "ctkit.entry"],
    ["exports-unusable", "exports"],
  ];

  it("has a fixture for every case", () => {
    expect(readdirSync(INVALID).sort()).toEqual(cases.map(([c]) => c).sort());
  });

  it.each(cases)("%s → MetadataError on field %s, naming the file", (dir, field) => {
    const file = join(INVALID, dir, "package.json");
    const e = thrown<MetadataError>(() =>
      buildIndex([{ path: join(INVALID, dir), origin: "path" }], []),
    );
    expect(e).toBeInstanceOf(MetadataError);
    expect(e.file).toBe(file);
    expect(e.field).toBe(field);
    expect(e.message.startsWith(`${file}: field "${field}": `)).toBe(true);
    // readModulePackage reports the same.
    expect(thrown<MetadataError>(() => readModulePackage(join(INVALID, dir), "path")).field).toBe(
      field,
    );
  });

  it("a kernel whose module path holds invalid metadata fails lookups with that error", async () => {
    const k = new Kernel({
      modulePath: [{ path: join(INVALID, "world-writable"), origin: "path" }],
    });
    const e = await rejection<MetadataError>(k.modules.probe("anything"));
    expect(e).toBeInstanceOf(MetadataError);
    expect(e.field).toBe("ctkit.params.p.perm");
  });
});

describe("parseModuleMetadata", () => {
  const file = "/pkgs/m/package.json";
  const parse = (ctkit: Record<string, unknown>, pkg: Record<string, unknown> = {}) =>
    parseModuleMetadata({ name: "m-pkg", version: "1.2.3", ...pkg, ctkit }, file, "path");

  it("fills defaults and normalises names", () => {
    const m = parse({
      module: "my-mod",
      kernel: "^1.0.0",
      depends: ["a-b"],
      softdep: { post: ["c-d"] },
    });
    expect(m).toMatchObject({
      name: "my_mod",
      description: "",
      license: "",
      author: "",
      version: "1.2.3",
      alias: [],
      depends: ["a_b"],
      softdep: { pre: [], post: ["c_d"] },
      params: [],
      packageName: "m-pkg",
      packageDir: "/pkgs/m",
      entry: "/pkgs/m/index.js",
    });
  });

  it("takes the license from package.json when ctkit has none", () => {
    expect(parse({ module: "m", kernel: "*" }, { license: "MIT" }).license).toBe("MIT");
  });

  it("resolves the entry from ctkit.entry, exports, exports['.'].import/default, or main", () => {
    expect(parse({ module: "m", kernel: "*", entry: "lib/x.js" }).entry).toBe("/pkgs/m/lib/x.js");
    expect(parse({ module: "m", kernel: "*" }, { exports: "./dist/a.js" }).entry).toBe(
      "/pkgs/m/dist/a.js",
    );
    expect(
      parse(
        { module: "m", kernel: "*" },
        { exports: { ".": { import: "./i.js", default: "./d.js" } } },
      ).entry,
    ).toBe("/pkgs/m/i.js");
    expect(parse({ module: "m", kernel: "*" }, { exports: { default: "./d.js" } }).entry).toBe(
      "/pkgs/m/d.js",
    );
    expect(parse({ module: "m", kernel: "*" }, { main: "main.js" }).entry).toBe("/pkgs/m/main.js");
  });

  it("parses parameter specs with octal permissions and defaults", () => {
    const m = parse({
      module: "m",
      kernel: "*",
      params: {
        ports: { type: "array of ushort", max: 8, perm: "0400", description: "Ports" },
        loose: { type: "bool", perm: "644", default: true },
        hidden: { type: "charp" },
        level: { type: "short", perm: 0o600, default: -5 },
      },
    });
    expect(m.params).toEqual([
      {
        name: "ports",
        type: "array of ushort",
        element: "ushort",
        isArray: true,
        max: 8,
        perm: 0o400,
        description: "Ports",
        default: [],
      },
      {
        name: "loose",
        type: "bool",
        element: "bool",
        isArray: false,
        max: 1,
        perm: 0o644,
        description: "",
        default: true,
      },
      {
        name: "hidden",
        type: "charp",
        element: "charp",
        isArray: false,
        max: 1,
        perm: 0,
        description: "",
        default: "",
      },
      {
        name: "level",
        type: "short",
        element: "short",
        isArray: false,
        max: 1,
        perm: 0o600,
        description: "",
        default: -5,
      },
    ]);
  });

  it("a package without a ctkit field is not a module", () => {
    const dir = join(root, "plain");
    writePkg(dir, "plain", { ctkit: null });
    expect(readModulePackage(dir, "path")).toBeNull();
  });
});

describe("the cached index", () => {
  function setup() {
    const mods = thirdPartyTree();
    const dirs: ModuleDir[] = [{ path: mods, origin: "path" }];
    const file = join(root, "cache", "modules.json");
    return { mods, dirs, file };
  }

  it("is written on first use and reused while fresh", () => {
    const { dirs, file } = setup();
    const first = loadOrBuildIndex(file, dirs, coreModules());
    expect(first.rebuilt).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const cached = readIndex(file);
    expect(cached?.modules.map((m) => m.name).sort()).toEqual(["scoped_x", "third_party"]);
    const second = loadOrBuildIndex(file, dirs, coreModules());
    expect(second.rebuilt).toBe(false);
    expect(second.index).toEqual(first.index);
    expect(isStale(second.index, dirs)).toBe(false);
  });

  it("goes stale when a package.json is edited", () => {
    const { mods, dirs, file } = setup();
    loadOrBuildIndex(file, dirs, coreModules());
    const pj = join(mods, "ctkit-helper-tp", "package.json");
    const pkg = JSON.parse(readFileSync(pj, "utf8"));
    pkg.ctkit.alias = ["tp-new"];
    writeFileSync(pj, JSON.stringify(pkg));
    touch(pj);
    const r = loadOrBuildIndex(file, dirs, coreModules());
    expect(r.rebuilt).toBe(true);
    expect(r.index.modules.find((m) => m.name === "third_party")?.alias).toEqual(["tp-new"]);
    expect(loadOrBuildIndex(file, dirs, coreModules()).rebuilt).toBe(false);
  });

  it("goes stale when a package is added, also inside a scope", () => {
    const { mods, dirs, file } = setup();
    const idx = loadOrBuildIndex(file, dirs, coreModules()).index;
    writePkg(join(mods, "@scope", "y"), "scoped_y");
    touch(join(mods, "@scope"));
    expect(isStale(idx, dirs)).toBe(true);
    const r = loadOrBuildIndex(file, dirs, coreModules());
    expect(r.index.modules.map((m) => m.name).sort()).toEqual([
      "scoped_x",
      "scoped_y",
      "third_party",
    ]);

    writePkg(join(mods, "another"), "another_mod");
    touch(mods);
    expect(isStale(r.index, dirs)).toBe(true);
  });

  it("goes stale when a directory that was not a package becomes one", () => {
    const { mods, dirs, file } = setup();
    const idx = loadOrBuildIndex(file, dirs, coreModules()).index;
    writePkg(join(mods, "no-package-json"), "late_mod");
    expect(isStale(idx, dirs)).toBe(true);
  });

  it("goes stale when a package is removed", () => {
    const { mods, dirs, file } = setup();
    const idx = loadOrBuildIndex(file, dirs, coreModules()).index;
    rmSync(join(mods, "ctkit-helper-tp"), { recursive: true });
    touch(mods);
    expect(isStale(idx, dirs)).toBe(true);
    const r = loadOrBuildIndex(file, dirs, coreModules());
    expect(r.index.modules.map((m) => m.name)).toEqual(["scoped_x"]);
    expect(r.index.warnings).toEqual([
      "depmod: WARNING: scoped_x needs unknown module third_party",
    ]);
  });

  it("goes stale when the module path changes", () => {
    const { dirs, file } = setup();
    const idx = loadOrBuildIndex(file, dirs, coreModules()).index;
    expect(isStale(idx, [...dirs, { path: join(root, "more"), origin: "path" }])).toBe(true);
    expect(isStale(idx, [])).toBe(true);
    expect(isStale({ ...idx, format: 0 }, dirs)).toBe(true);
  });

  it("is rebuilt when the file is corrupt or of another format", () => {
    const { dirs, file } = setup();
    mkdirSync(join(root, "cache"), { recursive: true });
    writeFileSync(file, "{ not json");
    expect(readIndex(file)).toBeNull();
    expect(loadOrBuildIndex(file, dirs, coreModules()).rebuilt).toBe(true);
    writeFileSync(file, JSON.stringify({ ...readIndex(file), format: 99 }));
    expect(readIndex(file)).toBeNull();
    expect(loadOrBuildIndex(file, dirs, coreModules()).rebuilt).toBe(true);
  });

  it("Kernel uses the cache; invalidateIndex picks up changes; depmod rewrites the file", async () => {
    const { mods, dirs, file } = setup();
    const k = new Kernel({ modulePath: dirs, indexFile: file });
    expect(k.modules.lookup("tp-anything").modules.map((m) => m.name)).toEqual(["third_party"]);
    writePkg(join(mods, "newer"), "newer_mod");
    touch(mods);
    // The kernel keeps its index until told to look again.
    expect(k.modules.info("newer_mod")).toBeUndefined();
    k.modules.invalidateIndex();
    expect(k.modules.info("newer_mod")?.origin).toBe("path");

    // Tamper with the cache while keeping its stamps fresh: depmod must still rewrite it.
    const cached = readIndex(file);
    writeFileSync(file, JSON.stringify({ ...cached, modules: [] }));
    const idx = k.modules.depmod();
    expect(idx.modules.map((m) => m.name).sort()).toEqual(["newer_mod", "scoped_x", "third_party"]);
    expect(
      readIndex(file)
        ?.modules.map((m) => m.name)
        .sort(),
    ).toEqual(["newer_mod", "scoped_x", "third_party"]);

    await k.modules.probe("scoped_x");
    expect(k.modules.list().map((m) => m.name)).toEqual(["scoped_x", "third_party"]);
  });
});

describe("resolveModulePath", () => {
  it("orders CTKIT_MODULE_PATH before --module-dir, resolves and de-duplicates", () => {
    const dirs = resolveModulePath({
      workspace: false,
      env: { CTKIT_MODULE_PATH: `${root}/a::${root}/b` },
      moduleDirs: [`${root}/b`, `${root}/c/../c`],
    });
    expect(dirs).toEqual([
      { path: `${root}/a`, origin: "path" },
      { path: `${root}/b`, origin: "path" },
      { path: `${root}/c`, origin: "path" },
    ]);
  });

  it("puts the workspace plugins first when running from a checkout", () => {
    const ws = workspacePluginsDir();
    const dirs = resolveModulePath({ moduleDirs: [root] });
    if (ws === null) {
      expect(dirs).toEqual([{ path: root, origin: "path" }]);
    } else {
      expect(ws.endsWith("/plugins")).toBe(true);
      expect(dirs).toEqual([
        { path: ws, origin: "workspace" },
        { path: root, origin: "path" },
      ]);
    }
  });
});
