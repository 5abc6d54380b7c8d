/**
 * Random and mutated packets through the whole datapath (router, rules,
 * conntrack with TCP tracking and a helper): nothing may throw, and the
 * tables stay consistent (every hashed connection is findable by both of
 * its tuples, counts add up, no expectation points at a dead master).
 */
import { buildIcmp, buildTcp, buildUdp } from "@ctkit/packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ips, Kernel, Tuple } from "../dist/index.js";

async function router(): Promise<Kernel> {
  let now = 1000;
  const k = new Kernel({ clock: () => now });
  const setup = [
    ["ip", "addr", "add", "10.0.0.1/24", "dev", "lan"],
    ["ip", "addr", "add", "198.51.100.1/24", "dev", "wan"],
    ["ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "lan"],
    ["ip", "-6", "addr", "add", "2001:db8:2::1/64", "dev", "wan"],
  ];
  for (const a of setup) expect(k.net.ip(a.slice(1)).status).toBe(0);
  k.sysctl.set("net.ipv4.ip_forward", "1");
  k.sysctl.set("net.ipv6.conf.all.forwarding", "1");
  await k.xtables.apply(4, ["-P", "FORWARD", "DROP"]);
  await k.xtables.apply(4, [
    "-A",
    "FORWARD",
    "-m",
    "conntrack",
    "--ctstate",
    "ESTABLISHED,RELATED",
    "-j",
    "ACCEPT",
  ]);
  await k.xtables.apply(4, ["-A", "FORWARD", "-i", "lan", "-j", "ACCEPT"]);
  await k.xtables.apply(4, ["-A", "INPUT", "-p", "udp", "--dport", "7", "-j", "REJECT"]);
  await k.xtables.apply(6, [
    "-A",
    "FORWARD",
    "-m",
    "conntrack",
    "--ctstate",
    "INVALID",
    "-j",
    "DROP",
  ]);
  await k.settle();
  k.net.setTransmit(() => undefined);
  Object.assign(k, {
    tick: (t: number) => {
      now = t;
    },
  });
  return k;
}

function seeds(): Uint8Array[] {
  const c = "10.0.0.2";
  const s = "198.51.100.9";
  return [
    buildTcp({ src: c, dst: s, sport: 1234, dport: 80, seq: 1, flags: 0x02 }),
    buildTcp({ src: s, dst: c, sport: 80, dport: 1234, seq: 9, ack: 2, flags: 0x12 }),
    buildTcp({
      src: c,
      dst: s,
      sport: 1234,
      dport: 80,
      seq: 2,
      ack: 10,
      flags: 0x18,
      payload: "GET /\r\n",
    }),
    buildUdp({ src: c, dst: s, sport: 5353, dport: 53, payload: "q" }),
    buildUdp({ src: c, dst: "10.0.0.1", sport: 5353, dport: 7, payload: "echo" }),
    buildIcmp({ src: c, dst: s, type: 8, id16: 1 }),
    buildIcmp({
      src: s,
      dst: c,
      type: 3,
      code: 3,
      payload: buildUdp({ src: c, dst: s, sport: 5353, dport: 53 }),
    }),
    buildUdp({ src: "2001:db8:1::2", dst: "2001:db8:2::9", sport: 1, dport: 2, payload: "six" }),
    buildTcp({ src: c, dst: s, sport: 1234, dport: 80, seq: 1, flags: 0x02, ttl: 1 }),
  ];
}

/** Hash and tables agree. */
function checkConsistent(k: Kernel): void {
  const ct = k.conntrack;
  const t = ct.table;
  const tup = new Tuple();
  let live = 0;
  for (let s = 0; s < t.capacity; s++) {
    if (t.id[s] === 0) continue;
    live++;
    expect(t.status[s] & Ips.CONFIRMED).toBe(Ips.CONFIRMED); // nothing unconfirmed left between packets
    for (const dir of [0, 1] as const) {
      t.getTuple(s, dir, tup);
      expect(t.find(tup)).toBe(s * 2 + dir);
    }
  }
  expect(live).toBe(t.count);
  for (const e of ct.expectations) expect(t.isLive(e.master)).toBe(true);
}

describe("datapath fuzz", () => {
  it("tracks the unmutated seeds (so the fuzzing below exercises real state)", async () => {
    const k = await router();
    for (const p of seeds()) k.receive(2, p, 0, p.length, 1000);
    checkConsistent(k);
    // TCP, UDP (and its port-unreachable's flow), ICMP echo and IPv6 UDP; the TTL-1 SYN left nothing.
    expect(k.conntrack.count).toBe(4);
  });

  it("survives random bytes on any interface", async () => {
    const k = await router();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 4 })), {
          maxLength: 40,
        }),
        (pkts) => {
          let t = 2000;
          for (const [bytes, ifindex] of pkts) {
            t += 0.001;
            k.receive(ifindex, bytes, 0, bytes.length, t);
          }
          checkConsistent(k);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("survives mutated real packets (bit flips, truncation, lengths) in any order", async () => {
    const k = await router();
    const base = seeds();
    const mutant = fc
      .record({
        i: fc.integer({ min: 0, max: base.length - 1 }),
        flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
        cut: fc.nat(),
        from: fc.constantFrom(2, 3),
        dt: fc.integer({ min: 0, max: 400 }),
      })
      .map(({ i, flips, cut, from, dt }) => {
        const p = (base[i] as Uint8Array).slice();
        for (const [pos, bit] of flips) p[pos % p.length] ^= 1 << bit;
        return {
          p: p.subarray(0, cut % 3 === 0 ? p.length : Math.max(1, cut % (p.length + 1))),
          from,
          dt,
        };
      });
    fc.assert(
      fc.property(fc.array(mutant, { maxLength: 60 }), (pkts) => {
        let t = 5000;
        for (const { p, from, dt } of pkts) {
          t += dt;
          (k as unknown as { tick(t: number): void }).tick(t);
          k.receive(from, p, 0, p.length, t);
        }
        checkConsistent(k);
        k.conntrack.gc(t + 1e6);
        expect(k.conntrack.count).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
