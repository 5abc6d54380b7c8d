/**
 * CT --helper against the real module subsystem: the rule loads the helper
 * module on demand (request_module("nfct-helper-NAME")), holds a reference
 * that keeps rmmod away, and lets go when the rule goes.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Kernel } from "../src/kernel.js";
import { HookTable } from "../src/net/hooks.js";
import { Xtables } from "../src/xtables/index.js";
import { FakeConntrack } from "./xtables-support.js";

const MODULES = fileURLToPath(new URL("./fixtures/xtables", import.meta.url));

function setup() {
  let now = 1000;
  const kernel = new Kernel({
    modulePath: [{ path: MODULES, origin: "path" }],
    clock: () => now++,
  });
  const xt = new Xtables({
    hooks: new HookTable(),
    helpers: kernel.helpers,
    conntrack: new FakeConntrack(),
    ifname: () => undefined,
    reject: () => {},
    log: (level, text) => kernel.log.write(level, text),
  });
  const run = (line: string) => xt.apply(4, line.split(" ").slice(1));
  return { kernel, run };
}

describe("CT --helper with the module subsystem", () => {
  it("loads the helper module on demand and pins it while the rule exists", async () => {
    const { kernel, run } = setup();
    expect(kernel.modules.isLoaded("nf_conntrack_xtftp")).toBe(false);
    await run("iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper xtftp");
    await run("iptables -t raw -A OUTPUT -p tcp --dport 21 -j CT --helper xtftp");
    const mod = kernel.modules.find("nf_conntrack_xtftp");
    expect(mod?.refcnt).toBe(2);
    expect(() => kernel.modules.remove("nf_conntrack_xtftp")).toThrow(/in use/);
    await run("iptables -t raw -D OUTPUT 1");
    expect(mod?.refcnt).toBe(1);
    await run("iptables -t raw -F");
    expect(mod?.refcnt).toBe(0);
    kernel.modules.remove("nf_conntrack_xtftp");
    expect(kernel.modules.isLoaded("nf_conntrack_xtftp")).toBe(false);
  });

  it("logs the kernel's complaint when no module provides the helper", async () => {
    const { kernel, run } = setup();
    await expect(run("iptables -t raw -A PREROUTING -p tcp -j CT --helper nosuch")).rejects.toThrow(
      "RULE_APPEND failed (No such file or directory): rule in chain PREROUTING",
    );
    await expect(run("iptables -t raw -A PREROUTING -j CT --helper xtftp")).rejects.toThrow(
      "RULE_APPEND failed (No such file or directory)",
    );
    const lines = kernel.log.all().map((l) => l.text);
    expect(lines).toContain('xt_CT: No such helper "nosuch"');
    expect(lines).toContain("xt_CT: You must specify a L4 protocol and not use inversions on it");
    // The protocol check comes before any lookup: nothing was loaded.
    expect(kernel.modules.isLoaded("nf_conntrack_xtftp")).toBe(false);
  });
});
