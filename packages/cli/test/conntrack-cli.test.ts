/**
 * ctkit conntrack against a kernel that has seen traffic: conntrack-tools'
 * listing, counters and messages.
 */
import { Hook, Skb } from "@ctkit/kernel";
import { buildUdp } from "@ctkit/packet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Session } from "./harness.js";

let s: Session;
beforeEach(async () => {
  s = new Session();
  await s.run("modprobe nf_conntrack acct=1");
  s.kernel.conntrack.netnsGet(4);
  s.kernel.conntrack.loadTimeouts();
  const skb = new Skb();
  for (const [src, dst, sport, dport] of [
    ["10.0.0.2", "192.0.2.1", 40000, 53],
    ["192.0.2.1", "10.0.0.2", 53, 40000],
    ["10.0.0.3", "192.0.2.1", 40001, 53],
  ] as const) {
    const p = buildUdp({ src, dst, sport, dport, payload: "x" });
    skb.parse(p, 0, p.length);
    skb.time = s.kernel.now();
    s.kernel.hooks.run(4, Hook.PREROUTING, skb);
    s.kernel.hooks.run(4, Hook.POSTROUTING, skb);
  }
});
afterEach(() => s.dispose());

describe("ctkit conntrack", () => {
  it("-L lists like conntrack-tools, with counters when acct is on", async () => {
    const r = await s.run("conntrack -L");
    expect(r.stdout.split("\n")).toEqual([
      expect.stringMatching(
        /^udp {6}17 (29|30) src=10\.0\.0\.2 dst=192\.0\.2\.1 sport=40000 dport=53 packets=1 bytes=29 src=192\.0\.2\.1 dst=10\.0\.0\.2 sport=53 dport=40000 packets=1 bytes=29 mark=0 use=1$/,
      ),
      expect.stringMatching(
        /^udp {6}17 (29|30) src=10\.0\.0\.3 .* \[UNREPLIED\] src=192\.0\.2\.1 dst=10\.0\.0\.3 sport=53 dport=40001 packets=0 bytes=0 mark=0 use=1$/,
      ),
      "",
    ]);
    expect(r.stderr).toBe("conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.\n");
    expect((await s.run("conntrack -L -o extended")).stdout).toMatch(/^ipv4 {5}2 udp {6}17 /);
    expect((await s.run("conntrack -C")).stdout).toBe("2\n");
  });

  it("-L expect and -F", async () => {
    expect(await s.run("conntrack -L expect")).toEqual({
      code: 0,
      stdout: "",
      stderr: "conntrack v1.4.7 (conntrack-tools): 0 expectations have been shown.\n",
    });
    expect((await s.run("conntrack -F")).stderr).toBe(
      "conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n",
    );
    expect((await s.run("conntrack -C")).stdout).toBe("0\n");
    expect((await s.run("conntrack -L bogus")).code).toBe(2);
  });
});
