/**
 * The README's main command: the seed scenario (examples/pptp-nat, captured
 * on Linux 6.18) replayed with only a CT rule and MASQUERADE. Both PPTP
 * modules load on demand, both calls get their GRE connection with the
 * keys Linux gave them, and the server's GRE reaches each client with its
 * own call ID.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatIpv4, openCapture, PacketDecoder } from "@ctkit/packet";
import { afterAll, describe, expect, it } from "vitest";
import { replayExample, repoRoot } from "./harness.js";

const ex = join(repoRoot, "examples", "pptp-nat");
const out = mkdtempSync(join(tmpdir(), "ctkit-demo-pptp-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** "dst call N" for every enhanced GRE packet in a capture. */
function greDelivered(file: string): string[] {
  const r = openCapture(readFileSync(file));
  const d = new PacketDecoder();
  const seen: string[] = [];
  while (r.next()) {
    d.decodeIp(r.bytes, r.dataOffset, r.capturedLength);
    if (d.transportProtocol === 47)
      seen.push(`${formatIpv4(d.ipv4.destination)} call ${d.gre.callId}`);
  }
  return seen;
}

describe("pnpm demo: two PPTP clients, one call ID, one NAT address", () => {
  it("loads both helpers on demand and keeps the two calls apart", async () => {
    const r = await replayExample(ex, out, "--print");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const gre = r.stdout.split("\n").filter((l) => l.startsWith("gre "));
    expect(gre).toEqual([
      "gre      47 179 src=10.0.0.2 dst=198.51.100.2 srckey=0x1 dstkey=0x4a01 src=198.51.100.2 dst=198.51.100.1 srckey=0x4a01 dstkey=0x9e35 [ASSURED] mark=0 use=1",
      "gre      47 180 src=10.0.0.3 dst=198.51.100.2 srckey=0x1 dstkey=0x4a02 src=198.51.100.2 dst=198.51.100.1 srckey=0x4a02 dstkey=0x9e36 [ASSURED] mark=0 use=1",
    ]);
    expect(r.stdout).toMatch(/ESTABLISHED src=10\.0\.0\.2 .* helper=pptp use=2\n/);
    expect(r.stdout).toMatch(/ESTABLISHED src=10\.0\.0\.3 .* helper=pptp use=2\n/);
    expect(r.stdout).toMatch(/^nf_nat_pptp\s+\d+\s+0$/m);
    expect(r.stdout).toMatch(/^nf_conntrack_pptp\s+\d+\s+\d+ nf_nat_pptp$/m);
    // The server's GRE to the shared address reaches each client as its own call 1.
    expect(greDelivered(join(out, "lan-out.pcap"))).toEqual([
      "10.0.0.2 call 1",
      "10.0.0.3 call 1",
      "10.0.0.2 call 1",
      "10.0.0.3 call 1",
    ]);
    // And the clients' GRE left with the server's call IDs, from the NAT address.
    expect(greDelivered(join(out, "wan-out.pcap")).sort()).toEqual([
      "198.51.100.2 call 18945",
      "198.51.100.2 call 18945",
      "198.51.100.2 call 18946",
      "198.51.100.2 call 18946",
    ]);
  });
});
