import { describe, expect, it } from "vitest";
import { comparePacket } from "../src/compare-packets.js";
import { Renamer } from "../src/rename.js";

/** A UDP packet 10.0.0.2:sport → 198.51.100.2:5000 with correct checksums. */
function udp(src: number[], sport: number): Uint8Array {
  const p = new Uint8Array(32);
  p.set([0x45, 0, 0, 32, 0, 1, 0x40, 0, 63, 17, 0, 0, ...src, 198, 51, 100, 2]);
  p.set([sport >> 8, sport & 0xff, 0x13, 0x88, 0, 12, 0, 0, 1, 2, 3, 4], 20);
  const sum = (from: number, to: number, init: number) => {
    let s = init;
    for (let i = from; i < to; i += 2) s += (p[i] << 8) | p[i + 1];
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    return ~s & 0xffff;
  };
  const h = sum(0, 20, 0);
  p[10] = h >> 8;
  p[11] = h & 0xff;
  let ps = 17 + 12;
  for (let i = 12; i < 20; i += 2) ps += (p[i] << 8) | p[i + 1];
  const u = sum(20, 32, ps);
  p[26] = u >> 8;
  p[27] = u & 0xff;
  return p;
}

const nat = { natSide: true, routerAddresses: new Set(["198.51.100.1"]) };
const wan = [198, 51, 100, 1];

describe("renaming NAT-chosen identifiers", () => {
  it("accepts a consistent one-to-one renaming of the masqueraded port", () => {
    const r = new Renamer();
    expect(comparePacket("wan-out #1", udp(wan, 40000), udp(wan, 1024), nat, r)).toBeNull();
    expect(comparePacket("wan-out #2", udp(wan, 40000), udp(wan, 1024), nat, r)).toBeNull();
    expect(r.nonIdentity()).toEqual(["udp port 40000→1024"]);
  });

  it("rejects a flow changing its port and two flows sharing one", () => {
    const r = new Renamer();
    comparePacket("wan-out #1", udp(wan, 40000), udp(wan, 1024), nat, r);
    expect(comparePacket("wan-out #2", udp(wan, 40000), udp(wan, 1025), nat, r)?.message).toBe(
      "wan-out #2: UDP sport: kernel 40000, ctkit 1025 (udp port 40000 was renamed to 1024 before, now to 1025)",
    );
    expect(comparePacket("wan-out #3", udp(wan, 40001), udp(wan, 1024), nat, r)?.message).toBe(
      "wan-out #3: UDP sport: kernel 40001, ctkit 1024 (udp port 1024 already stands for 40000, now also for 40001)",
    );
  });

  it("does not rename ports where there is no NAT", () => {
    const plain = { natSide: false, routerAddresses: new Set<string>() };
    expect(
      comparePacket("lan-out #1", udp(wan, 40000), udp(wan, 1024), plain, new Renamer())?.message,
    ).toBe("lan-out #1: UDP sport: kernel 40000, ctkit 1024");
  });
});
