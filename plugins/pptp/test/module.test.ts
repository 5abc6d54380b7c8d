/**
 * nf_conntrack_pptp through the real module loader: its modinfo, what
 * modprobe loads with it, the helper it registers, on-demand loading by a
 * CT rule, reference counts, and that it cannot go while in use.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kernel } from "@ctkit/kernel";
import { describe, expect, it } from "vitest";
import { NF_NAT_PPTP_HOOK, type NfNatPptpHookSlot } from "../dist/index.js";
import { Control, PPTP_DIR, Rig, startSession } from "./rig.js";

function kernel(): Kernel {
  return new Kernel({ clock: () => 1000, modulePath: [{ path: PPTP_DIR, origin: "workspace" }] });
}

describe("metadata", () => {
  it("is Linux's: description, author, license, aliases, dependencies, no parameters", () => {
    const info = kernel().modules.info("nf_conntrack_pptp");
    expect(info).toMatchObject({
      name: "nf_conntrack_pptp",
      description: "Netfilter connection tracking helper module for PPTP",
      author: "Harald Welte <laforge@gnumonks.org>",
      license: "GPL",
      alias: ["nfct-helper-pptp", "ip_conntrack_pptp"],
      depends: ["nf_conntrack", "nf_conntrack_proto_gre"],
      entry: join(PPTP_DIR, "dist", "index.js"),
      params: [],
    });
  });

  it("is what `ctkit modinfo` prints", () => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const state = mkdtempSync(join(tmpdir(), "ctkit-pptp-"));
    try {
      const out = execFileSync(
        process.execPath,
        [join(root, "packages/cli/dist/main.js"), "modinfo", "ip_conntrack_pptp"],
        { env: { ...process.env, CTKIT_STATE_DIR: state }, encoding: "utf8" },
      );
      expect(
        out.split("\n").filter((l) => !/^(filename|version|vermagic|intree):/.test(l)),
      ).toEqual([
        "alias:          nfct-helper-pptp",
        "alias:          ip_conntrack_pptp",
        "description:    Netfilter connection tracking helper module for PPTP",
        "author:         Harald Welte <laforge@gnumonks.org>",
        "license:        GPL",
        "depends:        nf_conntrack,nf_conntrack_proto_gre",
        "name:           nf_conntrack_pptp",
        "",
      ]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe("modprobe", () => {
  it("loads nf_conntrack and the GRE tracker first, and registers helper pptp for IPv4 TCP 1723", async () => {
    const k = kernel();
    const r = await k.modules.probe("nf_conntrack_pptp");
    expect(r.loaded).toEqual(["nf_conntrack", "nf_conntrack_proto_gre", "nf_conntrack_pptp"]);
    expect(
      k.helpers
        .list()
        .map((h) => [h.spec.name, h.spec.l3, h.spec.l4, h.spec.port, h.spec.natModName]),
    ).toEqual([["pptp", "ipv4", "tcp", 1723, "ip_nat_pptp"]]);
    const h = k.helpers.list()[0];
    expect(h?.spec.expectPolicy).toEqual([{ name: "", maxExpected: 2, timeout: 300 }]);
    expect(typeof h?.spec.destroy).toBe("function");
    const mod = k.modules.find("nf_conntrack_pptp");
    for (const dep of ["nf_conntrack", "nf_conntrack_proto_gre"]) {
      const d = k.modules.find(dep);
      expect(d?.holders.has(mod as never)).toBe(true);
      expect(d?.refcnt).toBe(dep === "nf_conntrack" ? 2 : 1);
    }
    expect(mod?.refcnt).toBe(0);
    // The NAT slot starts empty.
    const slot = mod?.symbols.get(NF_NAT_PPTP_HOOK) as NfNatPptpHookSlot;
    expect(slot.current).toBeNull();
    expect(k.taint.size).toBe(0);
  });

  it("is found by either alias", async () => {
    for (const alias of ["nfct-helper-pptp", "ip_conntrack_pptp"]) {
      const k = kernel();
      await k.modules.probe(alias);
      expect(k.modules.isLoaded("nf_conntrack_pptp")).toBe(true);
    }
  });

  it("takes no parameters", async () => {
    const k = kernel();
    await expect(
      k.modules.probe("nf_conntrack_pptp", { params: ["ports=1723"] }),
    ).rejects.toThrow();
    expect(k.modules.find("nf_conntrack_pptp")).toBeUndefined();
  });
});

describe("on demand and in use", () => {
  it("a CT --helper pptp rule loads it and a connection holds it", async () => {
    const r = await Rig.create({ masquerade: false });
    const mod = r.k.modules.find("nf_conntrack_pptp");
    expect(mod?.refcnt).toBe(1); // the rule
    const c = new Control(r, "10.0.0.2", 40000).handshake();
    startSession(c);
    expect(mod?.refcnt).toBe(2); // and the connection
    expect(() => r.k.modules.remove("nf_conntrack_proto_gre")).toThrow(
      "Module nf_conntrack_proto_gre is in use by: nf_conntrack_pptp",
    );
    await r.iptables("-t raw -F");
    expect(() => r.k.modules.remove("nf_conntrack_pptp")).toThrow("is in use");
    r.k.conntrack.flush();
    expect(mod?.refcnt).toBe(0);
    r.k.modules.remove("nf_conntrack_pptp");
    expect(r.k.helpers.list()).toEqual([]);
  });
});
