/**
 * A packet NAT cannot rewrite is dropped, as nf_nat_ipv6_manip_pkt makes
 * nf_nat_packet drop it: here GRE of a version NAT does not know, on a
 * DNATed connection (GRE version 0 passes, its header untouched).
 */
import { buildGreV1 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { C1, router6, SRV, WAN } from "./nat66-support.js";

const DNAT = [
  "-t",
  "nat",
  "-A",
  "PREROUTING",
  "-i",
  "wan",
  "-p",
  "47",
  "-j",
  "DNAT",
  "--to-destination",
  C1,
];

function gre(version: number): Uint8Array {
  const p = buildGreV1({ src: SRV, dst: WAN, callId: 7, seq: null });
  p[41] = ((p[41] as number) & 0xf8) | version;
  return p;
}

describe("NAT66 of a packet it cannot rewrite", () => {
  it("forwards GRE version 0 and drops an unknown GRE version", async () => {
    const r = await router6([DNAT]);
    r.feed(r.wan, gre(0));
    expect(r.out.map((s) => s.ifname)).toEqual(["lan"]);
    r.feed(r.wan, gre(2));
    expect(r.out).toHaveLength(1);
  });
});
