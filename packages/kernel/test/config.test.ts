/**
 * modprobe.d parsing: alias, options, blacklist, softdep; comments and
 * backslash continuation; install/remove and unknown commands rejected with
 * file:line; several directories with later files overriding earlier ones.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  configOptions,
  emptyConfig,
  loadConfig,
  type ModprobeConfig,
  parseConfigText,
} from "../dist/index.js";
import { thrown } from "./support.js";

const parse = (text: string, file = "/etc/modprobe.d/t.conf"): ModprobeConfig => {
  const cfg = emptyConfig();
  parseConfigText(cfg, text, file);
  return cfg;
};
const parseError = (text: string, file = "/etc/modprobe.d/t.conf") =>
  thrown<ConfigError>(() => parse(text, file));

describe("parseConfigText", () => {
  it("reads alias, options, blacklist and softdep lines", () => {
    const cfg = parse(
      [
        "alias nfct-helper-ftp* nf-conntrack-ftp",
        "options nf_conntrack hashsize=32768 acct=1",
        "blacklist nf-nat-pptp",
        "softdep nf_nat_ftp pre: nf_nat post: foo bar",
      ].join("\n"),
    );
    expect(cfg.aliases).toEqual([{ pattern: "nfct_helper_ftp*", target: "nf_conntrack_ftp" }]);
    expect(cfg.options.get("nf_conntrack")).toEqual(["hashsize=32768 acct=1"]);
    expect([...cfg.blacklist]).toEqual(["nf_nat_pptp"]);
    expect(cfg.softdeps.get("nf_nat_ftp")).toEqual({ pre: ["nf_nat"], post: ["foo", "bar"] });
    expect(cfg.files).toEqual(["/etc/modprobe.d/t.conf"]);
  });

  it("ignores comments and blank lines, and accepts tabs and extra spaces", () => {
    const cfg = parse(
      "# a comment\n\n   # indented comment\n\talias\t x  chain_c \n   \noptions  chain_c   a=1\n",
    );
    expect(cfg.aliases).toEqual([{ pattern: "x", target: "chain_c" }]);
    expect(cfg.options.get("chain_c")).toEqual(["a=1"]);
  });

  it("joins lines ending in a backslash", () => {
    const cfg = parse("options chain_c a=1 \\\n  b=2 \\\n c=3\nblacklist x\n");
    expect(cfg.options.get("chain_c")).toEqual(["a=1   b=2  c=3"]);
    expect([...cfg.blacklist]).toEqual(["x"]);
  });

  it("accumulates options for the same module, in order, and keeps quoting for later", () => {
    const cfg = parse('options m a=1\noptions m b="x y"\noptions m\noptions other c=3\n');
    expect(cfg.options.get("m")).toEqual(["a=1", 'b="x y"']);
    expect(configOptions(cfg, "m")).toBe('a=1 b="x y"');
    expect(configOptions(cfg, "other")).toBe("c=3");
    expect(configOptions(cfg, "none")).toBe("");
  });

  it("takes the options after the module name even when the name occurs inside 'options'", () => {
    const cfg = parse("options opt level=3\noptions ion x=1\noptions s y=2\n");
    expect(cfg.options.get("opt")).toEqual(["level=3"]);
    expect(cfg.options.get("ion")).toEqual(["x=1"]);
    expect(cfg.options.get("s")).toEqual(["y=2"]);
  });

  it("normalises module names and alias patterns ('-' → '_')", () => {
    const cfg = parse(
      "alias my-alias dash-mod\noptions dash-mod opt_val=1\nsoftdep a-b pre: c-d\n",
    );
    expect(cfg.aliases[0]).toEqual({ pattern: "my_alias", target: "dash_mod" });
    expect(configOptions(cfg, "dash-mod")).toBe("opt_val=1");
    expect(cfg.softdeps.get("a_b")).toEqual({ pre: ["c_d"], post: [] });
  });

  it("merges repeated softdep lines", () => {
    const cfg = parse("softdep m pre: a\nsoftdep m post: b pre: c\n");
    expect(cfg.softdeps.get("m")).toEqual({ pre: ["a", "c"], post: ["b"] });
  });

  it.each([
    ["install", "install nf_conntrack /bin/true"],
    ["remove", "remove nf_conntrack /bin/false"],
  ])("rejects '%s' (shell commands) naming file and line", (cmd, line) => {
    const e = parseError(`# header\nalias a chain_c\n${line}\n`, "/etc/modprobe.d/evil.conf");
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.file).toBe("/etc/modprobe.d/evil.conf");
    expect(e.line).toBe(3);
    expect(e.message).toBe(
      `/etc/modprobe.d/evil.conf:3: '${cmd}' lines run shell commands and are not supported by ctkit; use 'softdep' or remove the line`,
    );
  });

  it("reports the first physical line of a continued line", () => {
    const e = parseError("blacklist a\ninstall x \\\n  /bin/true\n");
    expect(e.line).toBe(2);
  });

  it.each<[string, string]>([
    [
      "frobnicate chain_c",
      "unknown command 'frobnicate' (expected alias, options, blacklist or softdep)",
    ],
    ["alias onlyone", "usage: alias WILDCARD MODULE"],
    ["alias a b c", "usage: alias WILDCARD MODULE"],
    ["alias a/b chain_c", "'a/b' is not a valid alias"],
    ["alias a ../x", "'alias' needs a module name, got '../x'"],
    ["options", "'options' needs a module name, got nothing"],
    ["options a/b x=1", "'options' needs a module name, got 'a/b'"],
    ["blacklist", "usage: blacklist MODULE"],
    ["blacklist a b", "usage: blacklist MODULE"],
    ["softdep m a", "softdep: module names must follow 'pre:' or 'post:'"],
    ["softdep m pre: ../x", "'softdep' needs a module name, got '../x'"],
  ])("rejects %j", (line, detail) => {
    const e = parseError(`\n${line}\n`, "f.conf");
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe(`f.conf:2: ${detail}`);
  });
});

describe("loadConfig", () => {
  const root = mkdtempSync(join(tmpdir(), "ctkit-config-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const lib = join(root, "lib", "modprobe.d");
  const etc = join(root, "etc", "modprobe.d");
  mkdirSync(lib, { recursive: true });
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(lib, "50-ct.conf"), "options chain_c from=lib\n");
  writeFileSync(join(lib, "10-first.conf"), "alias first chain_c\n");
  writeFileSync(join(etc, "50-ct.conf"), "options chain_c from=etc\n");
  writeFileSync(join(etc, "90-last.conf"), "blacklist chain_b\n");
  writeFileSync(join(etc, "README"), "this is not a config file\n");
  const single = join(root, "extra.conf");
  writeFileSync(single, "options chain_c extra=1\n");

  it("reads *.conf files of every directory in name order; a later directory's file wins", () => {
    const cfg = loadConfig([lib, etc]);
    expect(cfg.files).toEqual([
      join(lib, "10-first.conf"),
      join(etc, "50-ct.conf"),
      join(etc, "90-last.conf"),
    ]);
    expect(cfg.options.get("chain_c")).toEqual(["from=etc"]);
    expect(cfg.aliases).toEqual([{ pattern: "first", target: "chain_c" }]);
    expect([...cfg.blacklist]).toEqual(["chain_b"]);
  });

  it("the order of the directories decides which file of a name wins", () => {
    expect(loadConfig([etc, lib]).options.get("chain_c")).toEqual(["from=lib"]);
  });

  it("accepts single files (read after the directories) and skips missing paths", () => {
    const cfg = loadConfig([single, join(root, "missing"), lib]);
    expect(cfg.files).toEqual([join(lib, "10-first.conf"), join(lib, "50-ct.conf"), single]);
    expect(configOptions(cfg, "chain_c")).toBe("from=lib extra=1");
  });

  it("an invalid line in a file names that file", () => {
    const bad = join(root, "bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "x.conf"), "alias ok chain_c\ninstall chain_c /bin/sh\n");
    const e = thrown<ConfigError>(() => loadConfig([lib, bad]));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.file).toBe(join(bad, "x.conf"));
    expect(e.line).toBe(2);
  });

  it("no paths give an empty configuration", () => {
    expect(loadConfig([])).toEqual(emptyConfig());
  });
});
