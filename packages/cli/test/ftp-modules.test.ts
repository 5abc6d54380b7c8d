/**
 * The FTP modules' life cycle around real traffic (issue 7): the kernel
 * recording of active FTP through MASQUERADE is fed into a kernel set up by
 * the recording's own script; nf_conntrack_ftp is loaded by the CT rule,
 * nf_nat_ftp on demand when the control connection is translated. lsmod
 * then shows who holds what; nf_conntrack_ftp cannot go while nf_nat_ftp
 * uses it; once the connections are flushed both unload in order.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NetworkLayerLocation, openCaptureFile } from "@ctkit/packet";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot, Session } from "./harness.js";

const FIXTURE = join(repoRoot, "tools", "kernel-oracle", "fixtures", "ftp-active-masq");

/** Packets of the recording's input captures, merged by time. */
function inputs(): { ifname: string; t: number; bytes: Uint8Array }[] {
  const all: { ifname: string; t: number; bytes: Uint8Array }[] = [];
  const loc = new NetworkLayerLocation();
  for (const ifname of ["lan", "wan"]) {
    const r = openCaptureFile(join(FIXTURE, `${ifname}-in.pcap`));
    while (r.next()) {
      if (!r.locateNetworkLayer(loc)) continue;
      const t = r.tsSec + r.tsNsec / 1e9;
      all.push({ ifname, t, bytes: r.bytes.slice(loc.offset, r.dataOffset + r.capturedLength) });
    }
    r.close();
  }
  return all.sort((a, b) => a.t - b.t);
}

let s: Session;
afterEach(() => s?.dispose());

describe("nf_conntrack_ftp and nf_nat_ftp around an FTP session", () => {
  it("load on demand, show their users in lsmod, and unload in order once traffic is gone", async () => {
    s = new Session([]);
    for (const line of readFileSync(join(FIXTURE, "setup"), "utf8").split("\n")) {
      if (line.trim() === "" || line.startsWith("#")) continue;
      expect((await s.run(line)).code, line).toBe(0);
    }
    // The rule loaded the conntrack helper; nothing has been translated yet.
    expect((await s.run("lsmod")).stdout).toMatch(/^nf_conntrack_ftp\s+\d+\s+1\s*$/m);
    expect((await s.run("lsmod")).stdout).not.toMatch(/nf_nat_ftp/);

    const k = s.kernel;
    for (const p of inputs()) {
      k.receive(k.net.deviceIndex(p.ifname), p.bytes, 0, p.bytes.length, p.t);
      if (k.hasPending) await k.settle();
    }
    const lsmod = (await s.run("lsmod")).stdout;
    // nf_nat_ftp came on demand; it holds nf_conntrack_ftp and nf_nat.
    expect(lsmod).toMatch(/^nf_nat_ftp\s+\d+\s+0\s*$/m);
    expect(lsmod).toMatch(/^nf_nat\s+\d+\s+2\s+nf_nat_ftp$/m);
    // nf_conntrack_ftp: the CT rule's template, the control connection, and nf_nat_ftp.
    expect(lsmod).toMatch(/^nf_conntrack_ftp\s+\d+\s+3\s+nf_nat_ftp$/m);

    const busy = await s.run("rmmod nf_conntrack_ftp");
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe("rmmod: ERROR: Module nf_conntrack_ftp is in use by: nf_nat_ftp\n");

    // The rule and the connections let go; then both modules can go, NAT half first.
    expect((await s.run("iptables -t raw -F")).code).toBe(0);
    expect((await s.run("conntrack -F")).code).toBe(0);
    expect((await s.run("rmmod nf_nat_ftp")).code).toBe(0);
    const done = await s.run("rmmod nf_conntrack_ftp");
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expect((await s.run("lsmod")).stdout).not.toMatch(/ftp/);
  });
});
