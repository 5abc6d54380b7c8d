/**
 * ICMP rate limiting on the virtual clock: the per-peer token bucket
 * (inet_peer_xrlim_allow), ip_error's bucket on the same peer, the
 * namespace-wide icmp_msgs_per_sec/icmp_msgs_burst bucket, the sysctls
 * that tune them, and redirect back-off. The kernel fixtures check the
 * default behaviour end to end; these pin the arithmetic.
 */
import { ipv4HeaderChecksum, writeU32 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { GlobalIcmpLimit, InetPeer, ipErrorAllow, xrlimAllow } from "../src/net/ratelimit.js";
import { makeRouter } from "./net-support.js";

const HZ = 250;

describe("inet_peer_xrlim_allow", () => {
  it("lets a new peer send six messages, then one per timeout", () => {
    const now = 1_000_000;
    const peer = new InetPeer(1, now, HZ);
    const allowed = Array.from({ length: 8 }, () => xrlimAllow(peer, HZ, now));
    expect(allowed).toEqual([true, true, true, true, true, true, false, false]);
    expect(xrlimAllow(peer, HZ, now + HZ - 1)).toBe(false);
    expect(xrlimAllow(peer, HZ, now + HZ)).toBe(true);
    // Saved tokens never exceed six messages' worth.
    expect(Array.from({ length: 7 }, () => xrlimAllow(peer, HZ, now + 100 * HZ))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it("shares its tokens with ip_error's bucket: only two net unreachables in a burst", () => {
    const now = 5_000_000;
    const peer = new InetPeer(1, now, HZ);
    let sent = 0;
    for (let i = 0; i < 10; i++) {
      if (ipErrorAllow(peer, HZ, 5 * HZ, now) && xrlimAllow(peer, HZ, now)) sent++;
    }
    expect(sent).toBe(2);
  });
});

describe("icmp_global_allow", () => {
  it("fills to the burst on first use and refills per 20 ms, consuming one credit a message", () => {
    const g = new GlobalIcmpLimit(HZ);
    const take = (now: number) => {
      const ok = g.allow(now, 1000, 3);
      if (ok) g.consume();
      return ok;
    };
    expect([take(100), take(100), take(100), take(100)]).toEqual([true, true, true, false]);
    expect(take(104)).toBe(false); // less than HZ/50 jiffies later
    expect([take(105), take(105), take(105), take(105)]).toEqual([true, true, true, false]);
  });
});

function ttl1(src: number): Uint8Array {
  const b = new Uint8Array(28);
  b[0] = 0x45;
  b[3] = 28;
  b[8] = 1;
  b[9] = 17;
  writeU32(b, 12, src);
  writeU32(b, 16, 0x0a000202);
  const c = ipv4HeaderChecksum(b, 0, 20);
  b[10] = c >>> 8;
  b[11] = c & 0xff;
  b[25] = 8;
  return b;
}

describe("through the stack", () => {
  function router() {
    const r = makeRouter();
    r.setup([
      "ip addr add 10.0.1.1/24 dev r0",
      "ip addr add 10.0.2.1/24 dev r1",
      "sysctl -w net.ipv4.ip_forward=1",
    ]);
    return r;
  }

  it("net.ipv4.icmp_msgs_burst caps errors to many peers at once", () => {
    const r = router();
    r.setup(["sysctl -w net.ipv4.icmp_msgs_burst=3"]);
    for (let i = 0; i < 10; i++) {
      const p = ttl1(0x0a000110 + i);
      r.stack.receive(2, p, 0, p.length, 1000);
    }
    expect(r.sent.length).toBe(3);
  });

  it("net.ipv4.icmp_ratelimit=0 and an empty ratemask lift the per-peer limit", () => {
    for (const knob of ["net.ipv4.icmp_ratelimit=0", "net.ipv4.icmp_ratemask=0"]) {
      const r = router();
      r.setup([`sysctl -w ${knob}`]);
      for (let i = 0; i < 10; i++) {
        const p = ttl1(0x0a000110);
        r.stack.receive(2, p, 0, p.length, 1000);
      }
      expect(r.sent.length).toBe(10);
    }
  });

  it("registers its sysctls with Linux's defaults", () => {
    const r = router();
    expect(
      [
        "net.ipv4.ip_default_ttl",
        "net.ipv4.icmp_ratelimit",
        "net.ipv4.icmp_ratemask",
        "net.ipv4.icmp_msgs_per_sec",
        "net.ipv4.icmp_msgs_burst",
        "net.ipv4.icmp_echo_ignore_broadcasts",
        "net.ipv6.icmp.ratelimit",
        "net.ipv6.conf.all.hop_limit",
        "net.ipv4.route.error_cost",
        "net.ipv4.route.error_burst",
      ].map((k) => r.sysctl.get(k)),
    ).toEqual([64, 1000, 6168, 1000, 50, 1, 100, 64, HZ, 5 * HZ]);
    expect(() => r.sysctl.set("net.ipv4.ip_default_ttl", "0")).toThrow(/Invalid argument/);
    r.setup(["sysctl -w net.ipv4.ip_default_ttl=33"]);
    const p = ttl1(0x0a000110);
    r.stack.receive(2, p, 0, p.length, 1000);
    expect(r.sent[0]?.hex.slice(16, 18)).toBe("21");
  });
});
