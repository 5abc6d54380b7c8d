/**
 * A deliberately wrong ctkit must fail the comparison with a readable message:
 * its output is mutated before comparing (TTL not decremented, a payload byte
 * flipped, a packet lost, a port renamed where no NAT may rename it).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareFixture } from "../src/compare.js";
import { FIXTURES_DIR } from "../src/paths.js";

const tcp = join(FIXTURES_DIR, "tcp-routed");

describe("a wrong ctkit is caught", () => {
  it("TTL not decremented", () => {
    const r = compareFixture(tcp, {
      mutate: (i, pkts) => {
        if (i !== "wan") return;
        const p = pkts[2];
        p[8] += 1;
        // Keep the header checksum right, so the TTL itself is what differs.
        p[10] = 0;
        p[11] = 0;
        let s = 0;
        for (let j = 0; j < 20; j += 2) s += (p[j] << 8) | p[j + 1];
        while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
        p[10] = (~s >> 8) & 0xff;
        p[11] = ~s & 0xff;
      },
    });
    expect(r.differences[0]).toBe("wan-out #3: IPv4 ttl: kernel 63, ctkit 64");
    expect(r.summary).toMatch(/^tcp-routed: 1 difference\(s\)/);
  });

  it("a flipped payload byte shows up as a bad checksum", () => {
    const r = compareFixture(tcp, {
      mutate: (i, pkts) => {
        if (i === "lan") pkts[2][pkts[2].length - 1] ^= 0xff;
      },
    });
    expect(r.differences).toEqual(["lan-out #3: TCP checksum wrong in ctkit's packet"]);
  });

  it("a lost packet", () => {
    const r = compareFixture(tcp, { mutate: (i, pkts) => i === "lan" && pkts.splice(4, 1) });
    expect(r.differences[0]).toMatch(
      /^lan-out: kernel sent 5 packets, ctkit 4; #5: kernel 198\.51\.100\.2 > 10\.0\.0\.2 TCP sport 8080/,
    );
  });

  it("an IP ID changed on a forwarded packet (only router-made IDs may be renamed)", () => {
    const r = compareFixture(join(FIXTURES_DIR, "udp-routed"), {
      mutate: (i, pkts) => {
        if (i !== "wan") return;
        const p = pkts[0];
        // Change the ID and compensate in the checksum (RFC 1624), so only the ID differs.
        const old = (p[4] << 8) | p[5];
        const now = old ^ 0x0101;
        p[4] = now >> 8;
        p[5] = now & 0xff;
        let c = (~((p[10] << 8) | p[11]) & 0xffff) + (~old & 0xffff) + now;
        while (c > 0xffff) c = (c & 0xffff) + (c >>> 16);
        p[10] = (~c >> 8) & 0xff;
        p[11] = ~c & 0xff;
      },
    });
    expect(r.differences[0]).toMatch(/^wan-out #1: IPv4 id: kernel \d+, ctkit \d+$/);
  });
});
