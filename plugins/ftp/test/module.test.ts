/**
 * nf_conntrack_ftp through the real module loader: metadata read without
 * running code (modinfo), modprobe with parameters, loading by alias and on
 * demand from a CT rule, reference counts, run-time parameters, unloading.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kernel } from "@ctkit/kernel";
import { describe, expect, it } from "vitest";
import { NF_NAT_FTP_HOOK, type NfNatFtpHook } from "../src/nat-hook.js";
import { FTP_PACKAGE_DIR, FtpRig } from "./support.js";

function kernel(): Kernel {
  return new Kernel({
    clock: () => 1000,
    modulePath: [{ path: FTP_PACKAGE_DIR, origin: "workspace" }],
  });
}

async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("metadata (modinfo, no code run)", () => {
  it("is Linux's: description, author, license, aliases, dependency, parameters", () => {
    const info = kernel().modules.info("nf_conntrack_ftp");
    expect(info).toMatchObject({
      name: "nf_conntrack_ftp",
      description: "ftp connection tracking helper",
      author: "Rusty Russell <rusty@rustcorp.com.au>",
      license: "GPL",
      alias: ["nfct-helper-ftp", "ip_conntrack_ftp"],
      depends: ["nf_conntrack"],
      entry: join(FTP_PACKAGE_DIR, "dist", "index.js"),
    });
    // Linux declares both without MODULE_PARM_DESC.
    expect(
      info?.params.map((p) => [
        p.name,
        p.type,
        p.max,
        p.perm.toString(8),
        p.default,
        p.description,
      ]),
    ).toEqual([
      ["ports", "array of ushort", 8, "400", [21], ""],
      ["loose", "bool", 1, "600", false, ""],
    ]);
  });

  it("is what `ctkit modinfo` prints from the workspace", () => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const state = mkdtempSync(join(tmpdir(), "ctkit-ftp-"));
    try {
      const out = execFileSync(
        process.execPath,
        [join(root, "packages/cli/dist/main.js"), "modinfo", "nf_conntrack_ftp"],
        { env: { ...process.env, CTKIT_STATE_DIR: state }, encoding: "utf8" },
      );
      expect(
        out.split("\n").filter((l) => !/^(filename|version|vermagic|intree):/.test(l)),
      ).toEqual([
        "alias:          nfct-helper-ftp",
        "alias:          ip_conntrack_ftp",
        "description:    ftp connection tracking helper",
        "author:         Rusty Russell <rusty@rustcorp.com.au>",
        "license:        GPL",
        "depends:        nf_conntrack",
        "name:           nf_conntrack_ftp",
        "parm:           ports:array of ushort",
        "parm:           loose:bool",
        "",
      ]);
      expect(out).toContain(`filename:       ${join(root, "plugins/ftp/dist/index.js")}\n`);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe("modprobe", () => {
  it("ports=21,2121 registers ftp and ftp-2121 for IPv4 and IPv6, after nf_conntrack", async () => {
    const k = kernel();
    const r = await k.modules.probe("nf_conntrack_ftp", { params: ["ports=21,2121"] });
    expect(r.loaded).toEqual(["nf_conntrack", "nf_conntrack_ftp"]);
    expect(k.helpers.list().map((h) => [h.spec.name, h.spec.l3, h.spec.l4, h.spec.port])).toEqual([
      ["ftp", "ipv4", "tcp", 21],
      ["ftp", "ipv6", "tcp", 21],
      ["ftp-2121", "ipv4", "tcp", 2121],
      ["ftp-2121", "ipv6", "tcp", 2121],
    ]);
    for (const h of k.helpers.list()) {
      expect(h.spec.expectPolicy).toEqual([{ name: "ftp", maxExpected: 1, timeout: 300 }]);
      expect(h.spec.natModName).toBe("ip_nat_ftp");
    }
    const mod = k.modules.find("nf_conntrack_ftp");
    expect(k.modules.find("nf_conntrack")?.holders.has(mod as never)).toBe(true);
    expect(k.modules.getParam("nf_conntrack_ftp", "ports")).toBe("21,2121");
    expect(k.modules.getParam("nf_conntrack_ftp", "loose")).toBe("N");
    // The loader imported dist/, so the slot is that copy's NfNatFtpHook: check its shape.
    const slot = mod?.symbols.get(NF_NAT_FTP_HOOK) as NfNatFtpHook;
    expect(slot.current).toBeNull();
    expect(typeof slot.set).toBe("function");
    // An in-tree module does not taint.
    expect(k.taint.size).toBe(0);
  });

  it("defaults to port 21 and is found by either alias", async () => {
    for (const alias of ["nfct-helper-ftp", "ip_conntrack_ftp"]) {
      const k = kernel();
      await k.modules.probe(alias);
      expect(k.helpers.list().map((h) => h.spec.name)).toEqual(["ftp", "ftp"]);
      expect(k.modules.getParam("nf_conntrack_ftp", "ports")).toBe("21");
    }
  });

  it("takes loose=1 at load and at run time, but ports only at load", async () => {
    const k = kernel();
    await k.modules.probe("nf_conntrack_ftp", { params: ["loose=1"] });
    expect(k.modules.getParam("nf_conntrack_ftp", "loose")).toBe("Y");
    k.modules.setParam("nf_conntrack_ftp", "loose", "n");
    expect(k.modules.getParam("nf_conntrack_ftp", "loose")).toBe("N");
    expect(() => k.modules.setParam("nf_conntrack_ftp", "ports", "2121")).toThrow(
      "nf_conntrack_ftp: parameter ports is read-only (perm 0400)",
    );
  });

  it.each([
    ["ports=70000", "invalid for parameter `ports'"],
    ["ports=1,2,3,4,5,6,7,8,9", "can only take 8 arguments"],
    ["loose=maybe", "invalid for parameter `loose'"],
  ])("refuses %s the way the kernel does", async (param, dmesg) => {
    const k = kernel();
    await thrown(k.modules.probe("nf_conntrack_ftp", { params: [param] }));
    expect(
      k.log
        .all()
        .map((l) => l.text)
        .join("\n"),
    ).toContain(dmesg);
    expect(k.modules.find("nf_conntrack_ftp")).toBeUndefined();
  });

  it("fails with EBUSY on a repeated port, leaving nothing registered", async () => {
    const k = kernel();
    const e = await thrown(k.modules.probe("nf_conntrack_ftp", { params: ["ports=2121,2121"] }));
    expect(e).toMatchObject({ errno: "EBUSY" });
    expect(k.log.all().map((l) => l.text)).toContain(
      "nf_conntrack_ftp: failed to register helpers",
    );
    expect(k.helpers.list()).toEqual([]);
    expect(k.modules.find("nf_conntrack_ftp")).toBeUndefined();
  });
});

describe("on demand and in use", () => {
  it("a CT --helper ftp rule loads the module, and holds it", async () => {
    const r = await FtpRig.create();
    const mod = r.k.modules.find("nf_conntrack_ftp");
    expect(mod?.state).toBe("live");
    expect(() => r.k.modules.remove("nf_conntrack_ftp")).toThrow(
      "Module nf_conntrack_ftp is in use",
    );
  });

  it("ip6tables loads it too", async () => {
    const r = await FtpRig.create({ family: 6 });
    expect(r.k.modules.find("nf_conntrack_ftp")?.state).toBe("live");
  });

  it("a rule naming a helper the loaded ports do not provide fails like xt_CT", async () => {
    const k = kernel();
    await k.modules.probe("nf_conntrack_ftp", { params: ["ports=2121"] });
    const e = await thrown(
      k.xtables.apply(4, "-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp".split(" ")),
    );
    expect(e.message).toContain("No such file or directory");
    expect(k.log.all().map((l) => l.text)).toContain('xt_CT: No such helper "ftp"');
  });

  it("once the rule and the connections are gone it unloads, taking its helpers and symbol", async () => {
    const r = await FtpRig.create();
    r.openSession();
    r.send(true, "PORT 10,0,0,2,19,137\r\n");
    expect(r.expectations()).toHaveLength(1);
    await r.iptables("-t raw -F");
    // The connection still holds the module.
    expect(() => r.k.modules.remove("nf_conntrack_ftp")).toThrow("is in use");
    r.k.conntrack.flush();
    expect(r.expectations()).toHaveLength(0);
    r.k.modules.remove("nf_conntrack_ftp");
    expect(r.k.helpers.list()).toEqual([]);
    expect(r.k.modules.find("nf_conntrack_ftp")).toBeUndefined();
  });
});
