import { describe, expect, it } from "vitest";
import { badChecksum } from "../src/checksum.js";
import {
  completeRenaming,
  type NatRenaming,
  renameConntrack,
  rewriteInput,
} from "../src/rewrite-inputs.js";

function sum(p: Uint8Array, from: number, to: number, init = 0): number {
  let s = init;
  for (let i = from; i < to; i += 2) s += (p[i] << 8) | (p[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function put16(p: Uint8Array, off: number, v: number) {
  p[off] = v >> 8;
  p[off + 1] = v & 0xff;
}

/** An IPv4 header 198.51.100.2 → 198.51.100.1 (the router's WAN address) around l4. */
function ip4(proto: number, l4: number[]): Uint8Array {
  const p = new Uint8Array(20 + l4.length);
  p.set([0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, proto, 0, 0, 198, 51, 100, 2, 198, 51, 100, 1]);
  put16(p, 2, p.length);
  p.set(l4, 20);
  put16(p, 10, ~sum(p, 0, 20) & 0xffff);
  return p;
}

/** UDP 5000 → dport from the server, with a correct checksum (or none). */
function udp(dport: number, withSum = true): Uint8Array {
  const payload = [0x74, 0x6f, 0x20, 0x63, 0x32];
  const p = ip4(17, [
    0x13,
    0x88,
    dport >> 8,
    dport & 0xff,
    0,
    8 + payload.length,
    0,
    0,
    ...payload,
  ]);
  if (withSum) {
    const c = ~sum(p, 20, p.length, sum(p, 12, 20, 17 + 8 + payload.length)) & 0xffff;
    put16(p, 26, c || 0xffff);
  }
  return p;
}

function icmpSum(p: Uint8Array): void {
  put16(p, 22, 0);
  put16(p, 22, ~sum(p, 20, p.length) & 0xffff);
}

const renaming: NatRenaming = new Map([
  ["udp port", new Map([[23219, 10422]])],
  ["ICMP id", new Map([[57507, 39540]])],
]);

describe("rewriting recorded inputs with NAT's renaming", () => {
  it("gives a reply to the kernel's port ctkit's port, with valid checksums", () => {
    const p = udp(23219);
    expect(badChecksum(p)).toBeNull();
    expect(rewriteInput(p, renaming)).toBe(true);
    expect((p[22] << 8) | p[23]).toBe(10422);
    expect(badChecksum(p)).toBeNull();
    // Byte for byte what a packet built with the new port looks like.
    expect([...p]).toEqual([...udp(10422)]);
  });

  it("leaves other ports, and a UDP packet without checksum keeps none", () => {
    const p = udp(40061);
    expect(rewriteInput(p, renaming)).toBe(false);
    expect([...p]).toEqual([...udp(40061)]);
    const q = udp(23219, false);
    expect(rewriteInput(q, renaming)).toBe(true);
    expect([...q]).toEqual([...udp(10422, false)]);
  });

  it("renames the id of an echo reply, not of an echo request", () => {
    const reply = ip4(1, [0, 0, 0, 0, 0xe0, 0xa3, 0, 1, 1, 2, 3, 4]);
    icmpSum(reply);
    expect(rewriteInput(reply, renaming)).toBe(true);
    expect((reply[24] << 8) | reply[25]).toBe(39540);
    expect(badChecksum(reply)).toBeNull();
    const request = ip4(1, [8, 0, 0, 0, 0xe0, 0xa3, 0, 1, 1, 2, 3, 4]);
    icmpSum(request);
    expect(rewriteInput(request, renaming)).toBe(false);
  });

  it("renames the source port quoted in an ICMP error, fixing both checksums", () => {
    // The router's packet 198.51.100.1:23219 → 198.51.100.2:5000, quoted by port unreachable.
    const sent = udp(0);
    sent.set([198, 51, 100, 1, 198, 51, 100, 2], 12);
    put16(sent, 10, 0);
    put16(sent, 10, ~sum(sent, 0, 20) & 0xffff);
    put16(sent, 20, 23219);
    put16(sent, 22, 5000);
    put16(sent, 26, 0);
    put16(sent, 26, ~sum(sent, 20, sent.length, sum(sent, 12, 20, 17 + 13)) & 0xffff);
    const err = ip4(1, [3, 3, 0, 0, 0, 0, 0, 0, ...sent]);
    icmpSum(err);
    expect(rewriteInput(err, renaming)).toBe(true);
    const inner = err.subarray(28);
    expect((inner[20] << 8) | inner[21]).toBe(10422);
    expect(badChecksum(err)).toBeNull();
    expect(badChecksum(inner)).toBeNull();
  });

  it("completes the renaming to a permutation", () => {
    const m = completeRenaming(new Map([["udp port", new Map([[1, 2]])]]));
    expect([...(m.get("udp port") ?? [])]).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it("renames the reply tuple of the kernel's conntrack listing", () => {
    const line =
      "udp      17 29 src=10.0.0.3 dst=198.51.100.2 sport=40061 dport=5000 src=198.51.100.2 dst=198.51.100.1 sport=5000 dport=23219 mark=0 use=1";
    expect(renameConntrack(line, renaming)).toBe(line.replace("dport=23219", "dport=10422"));
    const icmp =
      "icmp     1 29 src=10.0.0.3 dst=198.51.100.2 type=8 code=0 id=57507 src=198.51.100.2 dst=198.51.100.1 type=0 code=0 id=57507 mark=0 use=1";
    expect(renameConntrack(icmp, renaming)).toBe(icmp.replace(/id=57507 mark/, "id=39540 mark"));
  });
});

describe("PPTP through NAT", () => {
  const m: NatRenaming = new Map([["tcp port", new Map([[44950, 40302]])]]);

  /** A PPTP control message of `type` from the PAC (port 1723) to the NATed port. */
  function pptp(type: number, body: number[]): Uint8Array {
    const msg = [0, 12 + body.length, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d, 0, type, 0, 0, ...body];
    const tcp = [
      0x06,
      0xbb,
      44950 >> 8,
      44950 & 0xff,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      1,
      0x50,
      0x18,
      0xff,
      0xff,
      0,
      0,
      0,
      0,
    ];
    const p = ip4(6, [...tcp, ...msg]);
    put16(p, 36, ~sum(p, 20, p.length, sum(p, 12, 20, 6 + p.length - 20)) & 0xffff);
    return p;
  }

  it("renames the peer call ID the PAC echoes, keeping the TCP checksum right", () => {
    // Outgoing-Call-Reply: call ID 0x4a02, peer call ID 44950 (the NATed port).
    const p = pptp(8, [0x4a, 0x02, 44950 >> 8, 44950 & 0xff, 1, 0, 0, 0]);
    expect(rewriteInput(p, m)).toBe(true);
    expect((p[22] << 8) | p[23]).toBe(40302); // destination port
    expect((p[40 + 14] << 8) | p[40 + 15]).toBe(40302); // peer call ID
    expect((p[40 + 12] << 8) | p[40 + 13]).toBe(0x4a02); // the PAC's own ID stays
    expect(badChecksum(p)).toBe(null);
  });

  it("leaves Call-Disconnect-Notify's call ID (the PAC's own) alone", () => {
    const p = pptp(13, [44950 >> 8, 44950 & 0xff, 1, 0]);
    rewriteInput(p, m);
    expect((p[40 + 12] << 8) | p[40 + 13]).toBe(44950);
  });

  it("renames the call ID of enhanced GRE to the PNS", () => {
    const gre = ip4(47, [0x30, 0x01, 0x88, 0x0b, 0, 0, 44950 >> 8, 44950 & 0xff, 0, 0, 0, 1]);
    expect(rewriteInput(gre, m)).toBe(true);
    expect((gre[26] << 8) | gre[27]).toBe(40302);
    const v0 = ip4(47, [0x00, 0x00, 0x08, 0x00]);
    expect(rewriteInput(v0, m)).toBe(false);
  });

  it("renames a GRE connection's reply key in conntrack -L", () => {
    const line =
      "gre 47 179 src=10.0.0.3 dst=198.51.100.2 srckey=0x1 dstkey=0x4a02 src=198.51.100.2 dst=198.51.100.1 srckey=0x4a02 dstkey=0xaf96 [ASSURED] mark=0 use=1";
    expect(renameConntrack(line, m)).toBe(line.replace("dstkey=0xaf96", "dstkey=0x9d6e"));
  });
});
