/**
 * modprobe.d files in the state dir, read on every command as kmod reads
 * them on every invocation.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Session } from "./harness.js";

let s: Session;
let confDir: string;
beforeEach(() => {
  s = new Session();
  confDir = join(s.stateDir, "modprobe.d");
  mkdirSync(confDir);
});
afterEach(() => s.dispose());

describe("modprobe.d", () => {
  it("applies options, with the command line winning, and shows them in -v", async () => {
    writeFileSync(
      join(confDir, "ct.conf"),
      "# conntrack tuning\noptions nf_conntrack hashsize=2048 \\\n  acct=1\n",
    );
    const r = await s.run("modprobe -v nf_conntrack hashsize=4096");
    expect(r.stdout).toMatch(/nf_conntrack\.js hashsize=2048 {3}acct=1 hashsize=4096\n$/);
    expect(
      (await s.run("sysctl -n net.netfilter.nf_conntrack_buckets net.netfilter.nf_conntrack_acct"))
        .stdout,
    ).toBe("4096\n1\n");
  });

  it("resolves config aliases and blacklists alias lookups only", async () => {
    writeFileSync(
      join(confDir, "a.conf"),
      "alias my-helper nf_conntrack_sample\nblacklist nf_conntrack_sample\n",
    );
    // Blacklisted and asked for by an alias: silently nothing, as kmod.
    expect(await s.run("modprobe my-helper")).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(s.kernel.modules.isLoaded("nf_conntrack_sample")).toBe(false);
    expect(await s.kernel.modules.requestModule("nfct-helper-sample")).toBe(false);
    // By its real name it loads; -b blocks that too.
    expect((await s.run("modprobe -b nf_conntrack_sample")).code).toBe(0);
    expect(s.kernel.modules.isLoaded("nf_conntrack_sample")).toBe(false);
    expect((await s.run("modprobe nf_conntrack_sample")).code).toBe(0);
    expect(s.kernel.modules.isLoaded("nf_conntrack_sample")).toBe(true);
  });

  it("loads softdeps around the module", async () => {
    writeFileSync(
      join(confDir, "soft.conf"),
      "softdep nf_conntrack_sample pre: nf_conntrack_proto_gre post: nf_nat\n",
    );
    const r = await s.run("modprobe -v nf_conntrack_sample");
    expect(r.stdout.split("\n").map((l) => l.split("/").pop())).toEqual([
      "nf_conntrack.js ",
      "nf_conntrack_proto_gre.js ",
      "index.js ",
      "nf_nat.js ",
      "",
    ]);
  });

  it("refuses install/remove lines and unknown commands with file and line", async () => {
    writeFileSync(join(confDir, "bad.conf"), "\n\ninstall nf_nat /bin/sh -c 'rm -rf /'\n");
    expect(await s.run("modprobe nf_nat")).toEqual({
      code: 1,
      stdout: "",
      stderr: `ctkit: ${join(confDir, "bad.conf")}:3: 'install' lines run shell commands and are not supported by ctkit; use 'softdep' or remove the line\n`,
    });
    writeFileSync(join(confDir, "bad.conf"), "frob nf_nat\n");
    expect((await s.run("lsmod")).stderr).toBe(
      `ctkit: ${join(confDir, "bad.conf")}:1: unknown command 'frob' (expected alias, options, blacklist or softdep)\n`,
    );
    expect(s.kernel.modules.list()).toEqual([]);
  });
});
