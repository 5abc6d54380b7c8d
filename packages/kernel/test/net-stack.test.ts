/**
 * The packet path around the kernel fixtures: hook order and the fields
 * hooks see, verdicts, NAT-style rewrites before routing, conntrack
 * attachment of generated errors, fragmentation, malformed input, and the
 * allocation-free forwarding loop.
 */
import {
  internetChecksum,
  ipv4HeaderChecksum,
  ipv6PseudoHeaderSum,
  readU16,
  verifyIpv4HeaderChecksum,
  writeU32,
} from "@ctkit/packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decreaseTtl } from "../src/net/forward.js";
import { Hook, NfVerdict } from "../src/net/hooks.js";
import { RejectWith } from "../src/net/reject.js";
import type { Skb } from "../src/net/skb.js";
import { Drop } from "../src/net/stats.js";
import { fromHex, makeRouter, toHex } from "./net-support.js";

const SETUP = [
  "ip addr add 10.0.1.1/24 dev r0",
  "ip addr add 10.0.2.1/24 dev r1",
  "ip -6 addr add 2001:db8:1::1/64 dev r0",
  "ip -6 addr add 2001:db8:2::1/64 dev r1",
  "sysctl -w net.ipv4.ip_forward=1",
  "sysctl -w net.ipv6.conf.all.forwarding=1",
];

/** A UDP/IPv4 packet with correct checksums. */
function udp4(src: number, dst: number, ttl = 64, payload = 8, flags = 0, id = 0x1234): Uint8Array {
  const b = new Uint8Array(28 + payload);
  b[0] = 0x45;
  b[2] = b.length >>> 8;
  b[3] = b.length & 0xff;
  b[4] = id >>> 8;
  b[5] = id & 0xff;
  b[6] = flags >>> 8;
  b[8] = ttl;
  b[9] = 17;
  writeU32(b, 12, src);
  writeU32(b, 16, dst);
  const c = ipv4HeaderChecksum(b, 0, 20);
  b[10] = c >>> 8;
  b[11] = c & 0xff;
  b[20] = 0x9c;
  b[22] = 0x00;
  b[23] = 53;
  b[24] = (8 + payload) >>> 8;
  b[25] = (8 + payload) & 0xff;
  for (let i = 0; i < payload; i++) b[28 + i] = i;
  return b; // UDP checksum 0: none
}

const C = 0x0a000102; // 10.0.1.2
const S = 0x0a000202; // 10.0.2.2
const R0 = 0x0a000101;

function router() {
  const r = makeRouter();
  r.setup(SETUP);
  return r;
}

describe("hook points", () => {
  it("runs PREROUTING, FORWARD, POSTROUTING with Linux's in/out interfaces, TTL already lowered at FORWARD", () => {
    const r = router();
    const seen: string[] = [];
    for (const h of [Hook.PREROUTING, Hook.INPUT, Hook.FORWARD, Hook.OUTPUT, Hook.POSTROUTING]) {
      r.hooks.register(4, h, 0, "spy", (skb: Skb) => {
        seen.push(`${h}:${skb.iif}:${skb.oif}:${skb.data[skb.l3Offset + 8]}`);
        return NfVerdict.ACCEPT;
      });
    }
    r.stack.receive(2, udp4(C, S), 0, 36, 1);
    expect(seen).toEqual([
      `${Hook.PREROUTING}:2:-1:64`,
      `${Hook.FORWARD}:2:3:63`,
      `${Hook.POSTROUTING}:2:3:63`,
    ]);
    seen.length = 0;
    // TTL 1: the time exceeded goes through OUTPUT and POSTROUTING, out of r0.
    r.stack.receive(2, udp4(C, S, 1), 0, 36, 2);
    expect(seen).toEqual([
      `${Hook.PREROUTING}:2:-1:1`,
      `${Hook.OUTPUT}:-1:2:64`,
      `${Hook.POSTROUTING}:-1:2:64`,
    ]);
    seen.length = 0;
    r.stack.receive(2, udp4(C, R0), 0, 36, 3);
    expect(seen.slice(0, 2)).toEqual([`${Hook.PREROUTING}:2:-1:64`, `${Hook.INPUT}:2:-1:64`]);
  });

  it("ends a packet on DROP (counted) or STOLEN (not counted)", () => {
    const r = router();
    let verdict: number = NfVerdict.DROP;
    r.hooks.register(4, Hook.FORWARD, 0, "v", () => verdict as NfVerdict);
    r.stack.receive(2, udp4(C, S), 0, 36, 1);
    verdict = NfVerdict.STOLEN;
    r.stack.receive(2, udp4(C, S), 0, 36, 1);
    expect(r.sent).toEqual([]);
    expect(r.stack.stats.drops[Drop.NETFILTER]).toBe(1);
  });

  it("routes on the destination a PREROUTING hook wrote (DNAT)", () => {
    const r = router();
    r.hooks.register(4, Hook.PREROUTING, -100, "dnat", (skb: Skb) => {
      const b = skb.data;
      const o = skb.l3Offset;
      writeU32(b, o + 16, S);
      b[o + 10] = 0;
      b[o + 11] = 0;
      const c = ipv4HeaderChecksum(b, o, 20);
      b[o + 10] = c >>> 8;
      b[o + 11] = c & 0xff;
      return NfVerdict.ACCEPT;
    });
    r.stack.receive(2, udp4(C, R0), 0, 36, 1);
    expect(r.sent.map((s) => s.iface)).toEqual(["r1"]);
  });

  it("forwards in place: the transmit callback gets the caller's buffer", () => {
    const r = router();
    const pkt = udp4(C, S);
    let same = false;
    r.stack.setTransmit((_i, data) => {
      same = data === pkt;
    });
    r.stack.receive(2, pkt, 0, pkt.length, 1);
    expect(same).toBe(true);
    expect(pkt[8]).toBe(63);
    expect(verifyIpv4HeaderChecksum(pkt, 0, 20)).toBe(true);
  });

  it("attaches the cause's connection to generated errors and REJECT resets (nf_ct_attach)", () => {
    const r = router();
    const attached: number[][] = [];
    r.hooks.register(4, Hook.PREROUTING, -200, "ct", (skb: Skb) => {
      skb.ct = 7;
      skb.ctinfo = 2; // NEW, original direction
      return NfVerdict.ACCEPT;
    });
    r.hooks.register(4, Hook.OUTPUT, -200, "ct-out", (skb: Skb) => {
      attached.push([skb.ct, skb.ctinfo]);
      return NfVerdict.ACCEPT;
    });
    r.stack.receive(2, udp4(C, S, 1), 0, 36, 1);
    expect(attached).toEqual([[7, 4]]); // RELATED_REPLY
  });

  it("does not answer from inside the sending of an answer (icmp_xmit_lock)", () => {
    const r = router();
    let rejected = 0;
    r.hooks.register(4, Hook.OUTPUT, 0, "reject-all", (skb: Skb, h) => {
      rejected++;
      r.stack.reject(skb, RejectWith.ICMP_PORT_UNREACHABLE, h);
      return NfVerdict.DROP;
    });
    r.stack.receive(2, udp4(C, S, 1), 0, 36, 1);
    expect(rejected).toBe(1);
    expect(r.sent).toEqual([]);
  });
});

describe("packets the stack refuses", () => {
  it("never throws on random bytes, and counts what it drops", () => {
    const r = router();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.boolean(), (bytes, v6) => {
        if (bytes.length > 0) bytes[0] = (bytes[0] as number & 0x0f) | (v6 ? 0x60 : 0x40);
        r.stack.receive(2, bytes, 0, bytes.length, 1);
        r.stack.receive(3, bytes, 0, bytes.length, 1);
      }),
      { numRuns: 3000 },
    );
    expect(r.stack.stats.drops[Drop.MALFORMED]).toBeGreaterThan(0);
  });

  it("drops unknown interfaces, bad header checksums and local fragments", () => {
    const r = router();
    const p = udp4(C, R0);
    r.stack.receive(9, p, 0, p.length, 1);
    expect(r.stack.stats.drops[Drop.NO_DEVICE]).toBe(1);
    const bad = udp4(C, S);
    bad[10] ^= 1;
    r.stack.receive(2, bad, 0, bad.length, 1);
    expect(r.stack.stats.drops[Drop.IP_CSUM]).toBe(1);
    const frag = udp4(C, R0, 64, 8, 0x2000);
    r.stack.receive(2, frag, 0, frag.length, 1);
    expect(r.stack.stats.drops[Drop.LOCAL_FRAGMENT]).toBe(1);
    expect(r.sent).toEqual([]);
  });

  it("reports drops to onDrop with the reason", () => {
    const r = router();
    const reasons: number[] = [];
    r.stack.onDrop = (reason) => reasons.push(reason);
    r.stack.receive(2, udp4(C, S, 1), 0, 36, 1);
    r.stack.receive(2, udp4(C, 0xc0000201), 0, 36, 1);
    expect(reasons).toEqual([Drop.TTL_EXPIRED, Drop.NO_ROUTE]);
  });

  it("does not build IPv6 fragments: an echo reply larger than the way back is dropped", () => {
    const r = router();
    r.setup(["ip link set dev r0 mtu 1280"]);
    const len = 1400;
    const b = new Uint8Array(40 + len);
    b[0] = 0x60;
    b[4] = len >>> 8;
    b[5] = len & 0xff;
    b[6] = 58;
    b[7] = 64;
    b.set(fromHex("20010db8000100000000000000000002"), 8);
    b.set(fromHex("20010db8000100000000000000000001"), 24);
    b[40] = 128;
    const c = internetChecksum(b, 40, len, ipv6PseudoHeaderSum(b, 8, 24, 58, len));
    b[42] = c >>> 8;
    b[43] = c & 0xff;
    r.stack.receive(2, b, 0, b.length, 1);
    expect(r.sent).toEqual([]);
    expect(r.stack.stats.drops[Drop.OUTPUT_FAILED]).toBe(1);
  });
});

describe("the router's own ICMP", () => {
  function echo(dst: number, type = 8): Uint8Array {
    const b = new Uint8Array(40);
    b[0] = 0x45;
    b[3] = 40;
    b[8] = 64;
    b[9] = 1;
    writeU32(b, 12, C);
    writeU32(b, 16, dst);
    const c = ipv4HeaderChecksum(b, 0, 20);
    b[10] = c >>> 8;
    b[11] = c & 0xff;
    b[20] = type;
    b[24] = 0x12; // identifier
    b[27] = 1; // sequence
    b.set([1, 2, 3, 4], 28); // timestamp: originate
    const ic = internetChecksum(b, 20, 20);
    b[22] = ic >>> 8;
    b[23] = ic & 0xff;
    return b;
  }

  it("answers echo to a broadcast only with icmp_echo_ignore_broadcasts=0, from the interface's address", () => {
    const r = router();
    r.stack.receive(2, echo(0x0a0001ff), 0, 40, 1);
    expect(r.sent).toEqual([]);
    r.setup(["sysctl -w net.ipv4.icmp_echo_ignore_broadcasts=0"]);
    r.stack.receive(2, echo(0x0a0001ff), 0, 40, 1);
    expect(r.sent.length).toBe(1);
    expect(r.sent[0]?.hex.slice(24, 40)).toBe("0a0001010a000102");
  });

  it("ignores echo requests with icmp_echo_ignore_all=1", () => {
    const r = router();
    r.setup(["sysctl -w net.ipv4.icmp_echo_ignore_all=1"]);
    r.stack.receive(2, echo(R0), 0, 40, 1);
    expect(r.sent).toEqual([]);
  });

  it("fills timestamp replies from the virtual clock (ms since midnight UT)", () => {
    const r = router();
    const t = Date.UTC(2024, 0, 1, 13, 14, 15, 678) / 1000;
    r.stack.receive(2, echo(R0, 13), 0, 40, t);
    const reply = fromHex(r.sent[0]?.hex ?? "");
    const ms = ((13 * 60 + 14) * 60 + 15) * 1000 + 678;
    expect(reply.length).toBe(40);
    expect(toHex(reply.subarray(20, 40))).toBe(
      `0e00${toHex(reply.subarray(22, 24))}12000001010203040${ms.toString(16).padStart(7, "0")}0${ms.toString(16).padStart(7, "0")}`,
    );
    expect(internetChecksum(reply, 20, 20)).toBe(0);
  });
});

describe("fragmentation (ip_do_fragment)", () => {
  it("splits a non-DF packet at the MTU in 8-byte units and the pieces rebuild it", () => {
    const r = router();
    r.setup(["ip link set dev r1 mtu 600"]);
    const p = udp4(C, S, 64, 1472, 0, 0x4242);
    const original = Uint8Array.from(p);
    r.stack.receive(2, p, 0, p.length, 1);
    expect(r.sent.length).toBe(3);
    const payload: number[] = [];
    let expectOff = 0;
    for (const [i, s] of r.sent.entries()) {
      const f = fromHex(s.hex);
      expect(s.iface).toBe("r1");
      expect(verifyIpv4HeaderChecksum(f, 0, 20)).toBe(true);
      expect(readU16(f, 4)).toBe(0x4242);
      const field = readU16(f, 6);
      expect((field & 0x1fff) * 8).toBe(expectOff);
      expect((field & 0x2000) !== 0).toBe(i < 2);
      expect(f.length).toBeLessThanOrEqual(600);
      payload.push(...f.subarray(20));
      expectOff += f.length - 20;
    }
    expect(toHex(Uint8Array.from(payload))).toBe(toHex(original.subarray(20)));
  });
});

describe("ip_decrease_ttl", () => {
  it("keeps the header checksum valid for any header", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.integer({ min: 2, max: 255 }),
        (h, ttl) => {
          h[0] = 0x45;
          h[8] = ttl;
          h[10] = 0;
          h[11] = 0;
          const c = ipv4HeaderChecksum(h, 0, 20);
          h[10] = c >>> 8;
          h[11] = c & 0xff;
          decreaseTtl(h, 0);
          return h[8] === ttl - 1 && verifyIpv4HeaderChecksum(h, 0, 20);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("gives the results of the kernel's arithmetic in the corner cases", () => {
    const h = new Uint8Array(20);
    h[8] = 9;
    h[10] = 0xfe;
    h[11] = 0xff;
    decreaseTtl(h, 0);
    // 0xfeff + 0x0100 is ones'-complement zero; x86 Linux writes 0x0000, not 0xffff.
    expect([h[10], h[11]]).toEqual([0x00, 0x00]);
    h[8] = 9;
    h[10] = 0xff;
    h[11] = 0xff;
    decreaseTtl(h, 0);
    expect([h[10], h[11]]).toEqual([0x01, 0x00]);
  });
});

describe("hot path", () => {
  /** Heap growth over `n` calls of `step`, after a warm-up. */
  function heapGrowth(step: () => void, n: number): number {
    for (let i = 0; i < 50_000; i++) step();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) step();
    return process.memoryUsage().heapUsed - before;
  }

  it("forwards IPv4 and IPv6 without allocating", () => {
    const r = makeRouter();
    r.setup([
      "ip addr add 192.168.1.1/24 dev r0",
      "ip addr add 172.31.0.1/16 dev r1",
      "ip -6 addr add 2001:db8:1::1/64 dev r0",
      "ip -6 addr add 2001:db8:2::1/64 dev r1",
      "ip route add 203.0.113.0/24 via 172.31.0.2",
      "sysctl -w net.ipv4.ip_forward=1",
      "sysctl -w net.ipv6.conf.all.forwarding=1",
    ]);
    r.stack.setTransmit(() => {});
    const p4 = udp4(0xc0a80102, 0xcb007105, 255); // 192.168.1.2 -> 203.0.113.5
    const p6 = fromHex(
      "6000000000101140" +
        "20010db8000100000000000000000002" +
        "20010db8000200000000000000000005" +
        "9c400035001000000001020304050607",
    );
    const step4 = () => {
      p4[8] = 200;
      p4[10] = 0;
      p4[11] = 0;
      const c = ipv4HeaderChecksum(p4, 0, 20);
      p4[10] = c >>> 8;
      p4[11] = c & 0xff;
      r.stack.receive(2, p4, 0, p4.length, 1);
    };
    const step6 = () => {
      p6[7] = 200;
      r.stack.receive(2, p6, 0, p6.length, 1);
    };
    // 200k packets allocating even 16 bytes each would add ~3 MB.
    const grown = [heapGrowth(step4, 200_000), heapGrowth(step6, 200_000)];
    expect(grown.map((g) => g < 512 * 1024)).toEqual([true, true]);
    expect(r.stack.stats.forwarded).toBe(500_000);
  });
});
