/**
 * nf_nat_pptp through the real module loader: modinfo, what modprobe
 * brings with it, the references it holds (lsmod's "Used by"), the NAT
 * helper it registers and the hook it fills, loading on demand when a PPTP
 * control connection is translated, its multi_call parameter, unloading.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kernel, type LoadedModule } from "@ctkit/kernel";
import { NF_NAT_PPTP_HOOK, type NfNatPptpHookSlot } from "@ctkit/plugin-pptp";
import { describe, expect, it } from "vitest";
import {
  Control,
  NAT_PPTP_DIR,
  outgoingCall,
  PPTP_DIR,
  Rig,
  startSession,
} from "../../pptp/test/rig.js";

function kernel(): Kernel {
  return new Kernel({
    clock: () => 1000,
    modulePath: [
      { path: PPTP_DIR, origin: "workspace" },
      { path: NAT_PPTP_DIR, origin: "workspace" },
    ],
  });
}

/** lsmod's "Used by" column of a module: count and holders. */
function usedBy(k: Kernel, name: string): string {
  const m = k.modules.find(name) as LoadedModule;
  const holders = [...m.holders].map((h) => h.name).sort();
  return `${m.refcnt}${holders.length ? ` ${holders.join(",")}` : ""}`;
}

describe("metadata", () => {
  it("is Linux's, plus the multi_call parameter", () => {
    const info = kernel().modules.info("nf_nat_pptp");
    expect(info).toMatchObject({
      name: "nf_nat_pptp",
      description: "Netfilter NAT helper module for PPTP",
      author: "Harald Welte <laforge@gnumonks.org>",
      license: "GPL",
      alias: ["ip_nat_pptp"],
      depends: ["nf_nat", "nf_conntrack_pptp", "nf_conntrack"],
    });
    expect(info?.params.map((p) => [p.name, p.type, p.perm.toString(8), p.default])).toEqual([
      ["multi_call", "bool", "644", false],
    ]);
  });

  it("is what `ctkit modinfo` prints", () => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const state = mkdtempSync(join(tmpdir(), "ctkit-nat-pptp-"));
    try {
      const out = execFileSync(
        process.execPath,
        [join(root, "packages/cli/dist/main.js"), "modinfo", "nf_nat_pptp"],
        { env: { ...process.env, CTKIT_STATE_DIR: state }, encoding: "utf8" },
      );
      expect(
        out.split("\n").filter((l) => !/^(filename|version|vermagic|intree):/.test(l)),
      ).toEqual([
        "alias:          ip_nat_pptp",
        "description:    Netfilter NAT helper module for PPTP",
        "author:         Harald Welte <laforge@gnumonks.org>",
        "license:        GPL",
        "depends:        nf_nat,nf_conntrack_pptp,nf_conntrack",
        "name:           nf_nat_pptp",
        "parm:           multi_call:Several concurrent calls per control connection, each with its own translated call ID (not in Linux; 0 = one call per connection, as Linux) (bool)",
        "",
      ]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe("modprobe, lsmod, rmmod", () => {
  it("loads what it depends on and holds nf_conntrack_pptp and nf_nat", async () => {
    const k = kernel();
    const r = await k.modules.probe("nf_nat_pptp");
    expect(r.loaded).toEqual([
      "nf_conntrack",
      "nf_nat",
      "nf_conntrack_proto_gre",
      "nf_conntrack_pptp",
      "nf_nat_pptp",
    ]);
    expect(usedBy(k, "nf_nat_pptp")).toBe("0");
    expect(usedBy(k, "nf_conntrack_pptp")).toBe("1 nf_nat_pptp");
    expect(usedBy(k, "nf_nat")).toBe("1 nf_nat_pptp");
    expect(usedBy(k, "nf_conntrack_proto_gre")).toBe("1 nf_conntrack_pptp");
    expect(usedBy(k, "nf_conntrack")).toBe(
      "4 nf_conntrack_pptp,nf_conntrack_proto_gre,nf_nat,nf_nat_pptp",
    );
    expect(k.helpers.findNat("ip_nat_pptp")?.owner.name).toBe("nf_nat_pptp");
    const slot = k.modules
      .find("nf_conntrack_pptp")
      ?.symbols.get(NF_NAT_PPTP_HOOK) as NfNatPptpHookSlot;
    expect(Object.keys(slot.current ?? {}).sort()).toEqual([
      "destroy",
      "expGre",
      "expectfn",
      "inbound",
      "outbound",
      "tracksCalls",
    ]);
    expect(() => k.modules.remove("nf_conntrack_pptp")).toThrow(
      "Module nf_conntrack_pptp is in use by: nf_nat_pptp",
    );
    expect(() => k.modules.remove("nf_nat")).toThrow("Module nf_nat is in use by: nf_nat_pptp");
    // modprobe -r takes the dependencies nobody uses any more with it.
    expect(k.modules.removeWithDeps("nf_nat_pptp")).toEqual([
      "nf_nat_pptp",
      "nf_nat",
      "nf_conntrack_pptp",
      "nf_conntrack_proto_gre",
      "nf_conntrack",
    ]);
    expect(slot.current).toBeNull();
    expect(k.helpers.findNat("ip_nat_pptp")).toBeUndefined();
  });

  it("is loaded on demand when a control connection with the helper is translated", async () => {
    const r = await Rig.create({ natParams: null });
    expect(r.k.modules.isLoaded("nf_nat_pptp")).toBe(false);
    const c = new Control(r, "10.0.0.2", 40000).handshake();
    await r.k.settle();
    expect(r.k.modules.isLoaded("nf_nat_pptp")).toBe(true);
    startSession(c);
    // The rule and the connection hold the helper; nothing holds the NAT half but its users.
    expect(usedBy(r.k, "nf_conntrack_pptp")).toBe("3 nf_nat_pptp");
    expect(usedBy(r.k, "nf_nat_pptp")).toBe("0");
    // And it does its work: the call ID on the wire is the translated port.
    expect(outgoingCall(c, 1, 0x4a01)).toEqual({ atPac: c.seenPort, atPns: 1 });
  });

  it("can go while connections run; their messages are then left untranslated, as in Linux", async () => {
    const r = await Rig.create();
    const c = new Control(r, "10.0.0.2", 40000).handshake();
    startSession(c);
    r.k.modules.remove("nf_nat_pptp");
    expect(r.k.modules.isLoaded("nf_conntrack_pptp")).toBe(true);
    expect(outgoingCall(c, 1, 0x4a01)).toEqual({ atPac: 1, atPns: 1 });
  });

  it("takes multi_call at load and at run time", async () => {
    const k = kernel();
    await k.modules.probe("nf_nat_pptp", { params: ["multi_call=1"] });
    expect(k.modules.getParam("nf_nat_pptp", "multi_call")).toBe("Y");
    k.modules.setParam("nf_nat_pptp", "multi_call", "0");
    expect(k.modules.getParam("nf_nat_pptp", "multi_call")).toBe("N");
    await expect(
      kernel().modules.probe("nf_nat_pptp", { params: ["multi_call=maybe"] }),
    ).rejects.toThrow();
  });
});
