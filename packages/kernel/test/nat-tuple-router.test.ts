/**
 * Tuple selection through the whole datapath: the router of the NAT kernel
 * fixtures with nat rules, fed hand-built packets. Every case was first
 * run on a Linux 6.18 router in network namespaces (the kernel-oracle
 * topology); where Linux picks at random the test checks what Linux
 * guarantees (the range, the class, uniqueness), elsewhere the exact bytes.
 */
import { buildIcmp, buildUdp, readU16, readU32 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { C1, C2, hex, natRouter, SRV, WAN } from "./nat-router-support.js";

const udp = (src: string, sport: number, dst: string, dport: number, payload = "x") =>
  buildUdp({ src, dst, sport, dport, payload });

/** Source address and port of a sent IPv4 UDP/TCP packet. */
function source(p: Uint8Array): string {
  const a = readU32(p, 12);
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}:${readU16(p, 20)}`;
}

describe("a second client from the same source port (MASQUERADE)", () => {
  // Linux 6.18 gave c2: 80→318, 513→691, 700→797, 1023→747, 1024→14058, 40061→15230.
  it.each([
    [80, 1, 511],
    [511, 1, 511],
    [513, 600, 1023],
    [700, 600, 1023],
    [1023, 600, 1023],
    [1024, 1024, 65535],
    [40061, 1024, 65535],
  ])(
    "from port %i gets another port in %i-%i, and the rest of the packet is unchanged",
    async (port, lo, hi) => {
      const r = await natRouter(["-t nat -A POSTROUTING -o wan -j MASQUERADE"]);
      r.fromLan(udp(C1, port, SRV, 9000));
      r.fromLan(udp(C2, port, SRV, 9000));
      expect(r.sent).toHaveLength(2);
      expect(source(r.sent[0]?.bytes as Uint8Array)).toBe(`${WAN}:${port}`);
      const second = readU16(r.sent[1]?.bytes as Uint8Array, 20);
      expect(second).not.toBe(port);
      expect(second).toBeGreaterThanOrEqual(lo);
      expect(second).toBeLessThanOrEqual(hi);
      expect(hex(r.sent[1]?.bytes as Uint8Array)).toBe(
        hex(buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: second, dport: 9000, payload: "x" })),
      );
    },
  );
});

describe("SNAT to an address range", () => {
  const RANGE =
    "-t nat -A POSTROUTING -o wan -p udp -j SNAT --to-source 198.51.100.10-198.51.100.20";

  it("picks the address Linux picks for each client (jhash of source and destination)", async () => {
    const r = await natRouter([RANGE]);
    r.fromLan(udp(C1, 41006, SRV, 5000));
    r.fromLan(udp(C2, 41006, SRV, 5000));
    r.fromLan(udp(C1, 41007, "203.0.113.7", 5000));
    r.fromLan(udp(C2, 41007, "203.0.113.7", 5000));
    expect(r.sent.map((s) => source(s.bytes))).toEqual([
      "198.51.100.13:41006",
      "198.51.100.16:41006",
      "198.51.100.20:41007",
      "198.51.100.15:41007",
    ]);
  });

  it("maps a source it already maps the same way for other destinations (find_appropriate_src)", async () => {
    // Without the existing mapping the hash would give 198.51.100.20 and .11 for the last two.
    const r = await natRouter([RANGE]);
    for (const dst of [SRV, "203.0.113.7", "203.0.113.200"]) r.fromLan(udp(C1, 40002, dst, 5000));
    expect(r.sent.map((s) => source(s.bytes))).toEqual([
      "198.51.100.13:40002",
      "198.51.100.13:40002",
      "198.51.100.13:40002",
    ]);
  });
});

describe("port ranges", () => {
  it("MASQUERADE --to-ports keeps a free port inside the range and moves the others into it", async () => {
    const r = await natRouter([
      "-t nat -A POSTROUTING -o wan -p udp -j MASQUERADE --to-ports 3000-3009",
    ]);
    r.fromLan(udp(C1, 3005, "203.0.113.9", 5007));
    r.fromLan(udp(C1, 40001, "203.0.113.9", 5007));
    r.fromLan(udp(C1, 40002, "203.0.113.9", 5007));
    r.fromLan(udp(C2, 3005, "203.0.113.9", 5007));
    const ports = r.sent.map((s) => readU16(s.bytes, 20));
    expect(ports).toHaveLength(4);
    expect(ports[0]).toBe(3005);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(3000);
      expect(p).toBeLessThanOrEqual(3009);
    }
    expect(new Set(ports).size).toBe(4);
  });

  it("SNAT -p icmp --to-source A:100-101 gives echo ids from the range, one each", async () => {
    const r = await natRouter([
      "-t nat -A POSTROUTING -o wan -p icmp -j SNAT --to-source 198.51.100.1:100-101",
    ]);
    const echo = (src: string) =>
      buildIcmp({ src, dst: "203.0.113.7", type: 8, id16: 0x3333, seq16: 1, payload: "ping" });
    r.fromLan(echo(C1));
    r.fromLan(echo(C2));
    const ids = r.sent.map((s) => readU16(s.bytes, 24));
    expect(ids.sort()).toEqual([100, 101]);
    expect(hex(r.sent[0]?.bytes as Uint8Array)).toBe(
      hex(
        buildIcmp({
          src: WAN,
          dst: "203.0.113.7",
          ttl: 63,
          type: 8,
          id16: readU16(r.sent[0]?.bytes as Uint8Array, 24),
          seq16: 1,
          payload: "ping",
        }),
      ),
    );
  });

  it("DNAT into a port range walks up from the lowest port for the same client socket", async () => {
    // Linux 6.18: srv:42000 → :7000, :7001, :7002 reached c1 on 8000, 8001, 8002; srv:42001 on 8000.
    const r = await natRouter([
      "-t nat -A PREROUTING -i wan -p udp --dport 7000:7002 -j DNAT --to-destination 10.0.0.2:8000-8010",
    ]);
    for (const dport of [7000, 7001, 7002]) r.fromWan(udp(SRV, 42000, WAN, dport, "d"));
    r.fromWan(udp(SRV, 42001, WAN, 7000, "d"));
    expect(r.sent.map((s) => [s.ifname, readU16(s.bytes, 22)])).toEqual([
      ["lan", 8000],
      ["lan", 8001],
      ["lan", 8002],
      ["lan", 8000],
    ]);
    expect(hex(r.sent[1]?.bytes as Uint8Array)).toBe(
      hex(buildUdp({ src: SRV, dst: C1, ttl: 63, sport: 42000, dport: 8001, payload: "d" })),
    );
  });
});

describe("--random and --random-fully", () => {
  it.each(["--random", "--random-fully"])(
    "MASQUERADE %s moves free ports too, keeping each port's class",
    async (flag) => {
      const r = await natRouter([`-t nat -A POSTROUTING -o wan -p udp -j MASQUERADE ${flag}`]);
      const from = [40001, 40002, 40003, 40004, 80];
      for (const p of from) r.fromLan(udp(C1, p, "203.0.113.9", 5005));
      const ports = r.sent.map((s) => readU16(s.bytes, 20));
      expect(ports).toHaveLength(5);
      // Linux keeps a free port only when the random pick lands on it (1 in 64512 here).
      expect(ports.filter((p, i) => p !== from[i]).length).toBeGreaterThan(0);
      for (const p of ports.slice(0, 4)) expect(p).toBeGreaterThanOrEqual(1024);
      expect(ports[4]).toBeGreaterThanOrEqual(1);
      expect(ports[4]).toBeLessThanOrEqual(511);
    },
  );
});
