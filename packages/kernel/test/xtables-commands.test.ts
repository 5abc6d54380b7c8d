/**
 * Command semantics beyond the recorded goldens: errors as objects, every
 * failing command leaving the tables (and what they hold) untouched, helper
 * modules referenced and released, on-demand loading, and one command at a
 * time.
 */
import { describe, expect, it } from "vitest";
import { XtablesError } from "../src/xtables/index.js";
import { makeRig } from "./xtables-support.js";

async function failure(p: Promise<unknown>): Promise<XtablesError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof XtablesError) return e;
    throw e;
  }
  throw new Error("expected the command to fail");
}

describe("XtablesError", () => {
  it("carries the real stderr, exit status and a message without the final newline", async () => {
    const rig = makeRig();
    const e = await failure(rig.run("iptables -A INPUT --bogus"));
    expect(e.exitCode).toBe(2);
    expect(e.stderr).toBe(
      'iptables v1.8.9 (nf_tables): unknown option "--bogus"\n' +
        "Try `iptables -h' or 'iptables --help' for more information.\n",
    );
    expect(e.message).toBe(e.stderr.slice(0, -1));
    expect(e.stdout).toBe("");
    const k = await failure(rig.run("iptables -A INPUT -j MASQUERADE"));
    expect([k.exitCode, k.message]).toEqual([
      4,
      "iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT",
    ]);
    expect(rig.log).toEqual([
      "x_tables: ip_tables: MASQUERADE target: only valid in nat table, not filter",
    ]);
  });

  it("keeps what was printed before the failure", async () => {
    const rig = makeRig();
    await rig.run("iptables -N A");
    await rig.run("iptables -A A -j ACCEPT");
    const e = await failure(rig.run("iptables -v -X"));
    expect(e.stdout).toBe("Deleting chain `A'\n");
    const v = await failure(rig.run("iptables -v -A INPUT -j NOTRACK"));
    expect(v.stdout).toBe("CT  all opt -- in * out *  0.0.0.0/0  -> 0.0.0.0/0   NOTRACK\n");
  });

  it("reports warnings on stderr of a successful command", async () => {
    const rig = makeRig();
    expect(await rig.run("ip6tables -A INPUT -p 44")).toEqual({
      stdout: "",
      stderr: "Warning: never matched protocol: 44. use extension match instead.\n",
    });
    expect(await rig.run("iptables -V")).toEqual({
      stdout: "iptables v1.8.9 (nf_tables)\n",
      stderr: "",
    });
  });
});

describe("atomicity", () => {
  const snapshot = async (rig: ReturnType<typeof makeRig>) =>
    [
      (await rig.run("iptables -S -v")).stdout,
      (await rig.run("iptables -t raw -S -v")).stdout,
      (await rig.run("iptables -t nat -S -v")).stdout,
      rig.ct.held(4),
      JSON.stringify([...rig.refs]),
    ].join("|");

  it("leaves tables, counters and references as they were on any error", async () => {
    const rig = makeRig();
    await rig.run("iptables -N USER");
    await rig.run("iptables -A INPUT -c 5 500 -m conntrack --ctstate NEW -j USER");
    await rig.run("iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp");
    await rig.run("iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE");
    const before = await snapshot(rig);
    const failing = [
      "iptables -A INPUT -s 1.2.3.4,5.6.7.8 -j NOPE",
      "iptables -A USER -s 1.2.3.4,5.6.7.8 -j INPUT",
      "iptables -A USER -m state --state NEW -j USER",
      "iptables -I INPUT 3 -j ACCEPT",
      "iptables -D INPUT -s 1.2.3.4,5.6.7.8 -j USER",
      "iptables -D INPUT 2",
      "iptables -X USER",
      "iptables -X",
      "iptables -N USER",
      "iptables -P USER DROP",
      "iptables -F NOPE",
      "iptables -Z NOPE",
      "iptables -t raw -A PREROUTING -p udp -j CT --helper ftp",
      "iptables -t raw -A PREROUTING -p tcp -j CT --helper nosuch",
      "iptables -t nat -A PREROUTING -j MASQUERADE",
      "iptables -t filter -A INPUT -p tcp -j REJECT --reject-with tcp-reset extra",
    ];
    for (const line of failing) await failure(rig.run(line));
    expect(await snapshot(rig)).toBe(before);
  });

  it("puts back helper references taken before a later lookup failed", async () => {
    const rig = makeRig({ failTryGetFrom: 2 });
    const e = await failure(
      rig.run("iptables -t raw -A PREROUTING -p tcp -s 1.1.1.1,2.2.2.2 -j CT --helper ftp"),
    );
    expect(e.message).toContain("RULE_APPEND failed (No such file or directory)");
    expect(rig.refs.get("nf_conntrack_ftp")).toBe(0);
    expect(rig.log).toEqual(['xt_CT: No such helper "ftp"']);
    expect((await rig.run("iptables -t raw -S PREROUTING")).stdout).toBe("-P PREROUTING ACCEPT\n");
  });
});

describe("CT --helper and modules", () => {
  it("holds one module reference per rule, released on delete and flush", async () => {
    const rig = makeRig();
    const ftp = () => rig.refs.get("nf_conntrack_ftp") ?? 0;
    await rig.run("iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp");
    await rig.run("ip6tables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp");
    await rig.run("iptables -t raw -A OUTPUT -p tcp -s 1.1.1.1,2.2.2.2 -j CT --helper ftp");
    await rig.run("iptables -t raw -A OUTPUT -p tcp -j CT --notrack --helper ftp");
    expect(ftp()).toBe(4);
    await rig.run("iptables -t raw -D PREROUTING -p tcp --dport 21 -j CT --helper ftp");
    expect(ftp()).toBe(3);
    await rig.run("iptables -t raw -D OUTPUT 1");
    expect(ftp()).toBe(2);
    await rig.run("iptables -t raw -F");
    expect(ftp()).toBe(1);
    await rig.run("ip6tables -t raw -F PREROUTING");
    expect(ftp()).toBe(0);
    await rig.run("iptables -t raw -A PREROUTING -p tcp -j CT --helper pptp");
    expect(rig.refs.get("nf_conntrack_pptp")).toBe(1);
  });

  it("loads the helper module on demand, once", async () => {
    const rig = makeRig({ autoload: true });
    await rig.run("iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp");
    await rig.run("iptables -t raw -A PREROUTING -p tcp --dport 2121 -j CT --helper ftp");
    expect(rig.requests).toEqual(["nfct-helper-ftp"]);
    const e = await failure(rig.run("iptables -t raw -A PREROUTING -p tcp -j CT --helper sip"));
    expect(e.exitCode).toBe(4);
    expect(rig.requests).toEqual(["nfct-helper-ftp", "nfct-helper-sip"]);
    expect(rig.log).toEqual(['xt_CT: No such helper "sip"']);
  });

  it("looks up helpers by family: pptp exists for IPv4 only", async () => {
    const rig = makeRig();
    const e = await failure(rig.run("ip6tables -t raw -A PREROUTING -p tcp -j CT --helper pptp"));
    expect(e.message).toContain("(No such file or directory)");
    expect(rig.log).toEqual(['xt_CT: No such helper "pptp"']);
  });
});

describe("serialisation", () => {
  it("runs commands one at a time, in the order they were given", async () => {
    const rig = makeRig({ autoload: true });
    const results = await Promise.allSettled([
      rig.run("iptables -t raw -N X"),
      rig.run("iptables -t raw -A X -p tcp -j CT --helper ftp"),
      rig.run("iptables -t raw -A X -j NOPE"),
      rig.run("iptables -t raw -A X -p udp -j CT --notrack"),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect((await rig.run("iptables -t raw -S X")).stdout).toBe(
      "-N X\n-A X -p tcp -j CT --helper ftp\n-A X -p udp -j CT --notrack\n",
    );
  });
});
