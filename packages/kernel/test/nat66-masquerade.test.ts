/**
 * ip6tables MASQUERADE through the whole datapath (nf_nat_ipv6_fn,
 * nf_nat_ipv6_manip_pkt): every packet the router sends must equal the
 * packet built from scratch with the translated fields, so each incremental
 * pseudo-header and port/id checksum update equals a full recomputation.
 */
import { buildIcmp, buildTcp, buildUdp, Ipv6View, readU16, verifyL4Checksum } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { Tuple } from "../dist/index.js";
import { C1, C2, hex, MASQ6, router6, SRV, WAN } from "./nat66-support.js";

/** The address words of WAN (2001:db8:2::1) as a Tuple holds them. */
const WAN_WORDS = [0x20010db8, 0x00020000, 0, 1];

function l4ChecksumOk(p: Uint8Array): boolean {
  const ip = new Ipv6View();
  ip.attach(p, 0, p.length);
  return verifyL4Checksum(ip, ip.upperProtocol, p, ip.upperOffset, ip.upperLength);
}

describe("IPv6 MASQUERADE", () => {
  it("rewrites a UDP flow both ways, byte for byte, and lists the mapped reply tuple", async () => {
    const r = await router6([MASQ6]);
    r.feed(r.lan, buildUdp({ src: C1, dst: SRV, sport: 40051, dport: 5000, payload: "request" }));
    expect(r.out).toHaveLength(1);
    expect(r.out[0]?.ifname).toBe("wan");
    expect(hex(r.out[0]?.bytes)).toBe(
      hex(buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: 40051, dport: 5000, payload: "request" })),
    );
    r.feed(r.wan, buildUdp({ src: SRV, dst: WAN, sport: 5000, dport: 40051, payload: "reply" }));
    expect(r.out[1]?.ifname).toBe("lan");
    expect(hex(r.out[1]?.bytes)).toBe(
      hex(buildUdp({ src: SRV, dst: C1, ttl: 63, sport: 5000, dport: 40051, payload: "reply" })),
    );
    const t = r.k.conntrack.table;
    const [slot] = t.slots();
    const reply = new Tuple();
    t.getTuple(slot as number, 1, reply);
    expect([...reply.dst]).toEqual(WAN_WORDS);
    expect(reply.dport).toBe(40051);
    expect((t.status[slot as number] as number) & 0x10).toBe(0x10); // IPS_SRC_NAT
  });

  it("rewrites TCP both ways with the pseudo-header update equal to a full checksum", async () => {
    const r = await router6([MASQ6]);
    const syn = {
      sport: 40041,
      dport: 8080,
      seq: 7,
      flags: 0x02,
      options: new Uint8Array([2, 4, 5, 0xa0]),
    };
    r.feed(r.lan, buildTcp({ src: C1, dst: SRV, ...syn }));
    expect(hex(r.out[0]?.bytes)).toBe(hex(buildTcp({ src: WAN, dst: SRV, ttl: 63, ...syn })));
    const synack = { sport: 8080, dport: 40041, seq: 99, ack: 8, flags: 0x12 };
    r.feed(r.wan, buildTcp({ src: SRV, dst: WAN, ...synack }));
    expect(hex(r.out[1]?.bytes)).toBe(hex(buildTcp({ src: SRV, dst: C1, ttl: 63, ...synack })));
    const data = { sport: 40041, dport: 8080, seq: 8, ack: 100, flags: 0x18, payload: "GET /" };
    r.feed(r.lan, buildTcp({ src: C1, dst: SRV, ...data }));
    expect(hex(r.out[2]?.bytes)).toBe(hex(buildTcp({ src: WAN, dst: SRV, ttl: 63, ...data })));
  });

  it("rewrites an ICMPv6 echo both ways (pseudo header only, the id is free)", async () => {
    const r = await router6([MASQ6]);
    const echo = { type: 128, id16: 0x1234, seq16: 1, payload: "ping" };
    r.feed(r.lan, buildIcmp({ src: C1, dst: SRV, ...echo }));
    expect(hex(r.out[0]?.bytes)).toBe(hex(buildIcmp({ src: WAN, dst: SRV, ttl: 63, ...echo })));
    const reply = { ...echo, type: 129 };
    r.feed(r.wan, buildIcmp({ src: SRV, dst: WAN, ...reply }));
    expect(hex(r.out[1]?.bytes)).toBe(hex(buildIcmp({ src: SRV, dst: C1, ttl: 63, ...reply })));
  });
});

describe("IPv6 MASQUERADE: two clients with the same port or echo id", () => {
  it("gives the second UDP flow another port; its replies reach the second client", async () => {
    const r = await router6([MASQ6]);
    r.feed(r.lan, buildUdp({ src: C1, dst: SRV, sport: 40061, dport: 5000, payload: "a" }));
    r.feed(r.lan, buildUdp({ src: C2, dst: SRV, sport: 40061, dport: 5000, payload: "b" }));
    expect(readU16(r.out[0]?.bytes as Uint8Array, 40)).toBe(40061);
    const port = readU16(r.out[1]?.bytes as Uint8Array, 40);
    expect(port).not.toBe(40061);
    expect(port).toBeGreaterThanOrEqual(1024);
    expect(hex(r.out[1]?.bytes)).toBe(
      hex(buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: port, dport: 5000, payload: "b" })),
    );
    r.feed(r.wan, buildUdp({ src: SRV, dst: WAN, sport: 5000, dport: port, payload: "to b" }));
    r.feed(r.wan, buildUdp({ src: SRV, dst: WAN, sport: 5000, dport: 40061, payload: "to a" }));
    expect(hex(r.out[2]?.bytes)).toBe(
      hex(buildUdp({ src: SRV, dst: C2, ttl: 63, sport: 5000, dport: 40061, payload: "to b" })),
    );
    expect(hex(r.out[3]?.bytes)).toBe(
      hex(buildUdp({ src: SRV, dst: C1, ttl: 63, sport: 5000, dport: 40061, payload: "to a" })),
    );
  });

  it("gives the second TCP connection another port", async () => {
    const r = await router6([MASQ6]);
    const syn = { sport: 40041, dport: 8080, seq: 1, flags: 0x02 };
    r.feed(r.lan, buildTcp({ src: C1, dst: SRV, ...syn }));
    r.feed(r.lan, buildTcp({ src: C2, dst: SRV, ...syn }));
    const port = readU16(r.out[1]?.bytes as Uint8Array, 40);
    expect(port).not.toBe(40041);
    expect(hex(r.out[1]?.bytes)).toBe(
      hex(buildTcp({ src: WAN, dst: SRV, ttl: 63, ...syn, sport: port })),
    );
    const synack = { sport: 8080, dport: port, seq: 500, ack: 2, flags: 0x12 };
    r.feed(r.wan, buildTcp({ src: SRV, dst: WAN, ...synack }));
    expect(hex(r.out[2]?.bytes)).toBe(
      hex(buildTcp({ src: SRV, dst: C2, ttl: 63, ...synack, dport: 40041 })),
    );
  });

  it("remaps the second client's echo id, and maps the reply back", async () => {
    const r = await router6([MASQ6]);
    const echo = { type: 128, id16: 0x3333, seq16: 1, payload: "x" };
    r.feed(r.lan, buildIcmp({ src: C1, dst: SRV, ...echo }));
    r.feed(r.lan, buildIcmp({ src: C2, dst: SRV, ...echo }));
    expect(readU16(r.out[0]?.bytes as Uint8Array, 44)).toBe(0x3333);
    const id = readU16(r.out[1]?.bytes as Uint8Array, 44);
    expect(id).not.toBe(0x3333);
    expect(hex(r.out[1]?.bytes)).toBe(
      hex(buildIcmp({ src: WAN, dst: SRV, ttl: 63, ...echo, id16: id })),
    );
    r.feed(r.wan, buildIcmp({ src: SRV, dst: WAN, ...echo, type: 129, id16: id }));
    expect(r.out[2]?.ifname).toBe("lan");
    expect(hex(r.out[2]?.bytes)).toBe(
      hex(buildIcmp({ src: SRV, dst: C2, ttl: 63, ...echo, type: 129 })),
    );
    for (const s of r.out) expect(l4ChecksumOk(s.bytes)).toBe(true);
  });
});

describe("IPv6 MASQUERADE: the source address (ipv6_dev_get_saddr)", () => {
  it("prefers the outgoing interface's address to a longer match on another interface", async () => {
    // 2001:db8:1::1 (lan) shares 48 bits with the destination, 2001:db8:2::1 (wan) 46.
    const dst = "2001:db8:1:ffff::5";
    const r = await router6(
      [MASQ6],
      [["-6", "route", "add", "2001:db8:1:ffff::/64", "via", SRV, "dev", "wan"]],
    );
    r.feed(r.lan, buildUdp({ src: C1, dst, sport: 1000, dport: 53, payload: "q" }));
    expect(r.out[0]?.ifname).toBe("wan");
    expect(hex(r.out[0]?.bytes)).toBe(
      hex(buildUdp({ src: WAN, dst, ttl: 63, sport: 1000, dport: 53, payload: "q" })),
    );
  });

  it("takes the outgoing interface's address with the longest prefix in common", async () => {
    const r = await router6([MASQ6], [["-6", "addr", "add", "2001:db8:3::1/64", "dev", "wan"]]);
    r.feed(r.lan, buildUdp({ src: C1, dst: "2001:db8:3::9", sport: 1000, dport: 53 }));
    expect(hex(r.out[0]?.bytes)).toBe(
      hex(
        buildUdp({ src: "2001:db8:3::1", dst: "2001:db8:3::9", ttl: 63, sport: 1000, dport: 53 }),
      ),
    );
  });
});

describe("NAT66 hooks and module", () => {
  it("registers nf_nat_ipv6_ops' functions at Linux's hooks and priorities", async () => {
    const { k } = await router6([MASQ6]);
    expect(k.hooks.names(6, 0)).toContain("nf_nat_ipv6_in@-100");
    expect(k.hooks.names(6, 1)).toContain("nf_nat_ipv6_local_in@100");
    expect(k.hooks.names(6, 3)).toContain("nf_nat_ipv6_local_fn@-100");
    expect(k.hooks.names(6, 4)).toContain("nf_nat_ipv6_out@100");
    // The IPv4 nat table is not in use: no IPv4 NAT hooks.
    expect(k.hooks.names(4, 4).some((n) => n.startsWith("nf_nat"))).toBe(false);
  });

  it("the first ip6tables nat rule loads nf_nat and holds it; an iptables one takes another reference", async () => {
    const { k } = await router6([MASQ6]);
    expect(k.modules.find("nf_nat")?.refcnt).toBe(1);
    await k.xtables.apply(4, ["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"]);
    await k.settle();
    expect(k.modules.find("nf_nat")?.refcnt).toBe(2);
    expect(k.hooks.names(4, 4)).toContain("nf_nat_ipv4_out@100");
  });
});

describe("NAT66 on the hot path", () => {
  /** Heap growth over `n` calls of `step`, after a warm-up. */
  function heapGrowth(step: () => void, n: number): number {
    for (let i = 0; i < 50_000; i++) step();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) step();
    return process.memoryUsage().heapUsed - before;
  }

  it("translates established packets and ICMPv6 errors without allocating", async () => {
    const r = await router6([MASQ6]);
    let sent = 0;
    r.k.net.setTransmit(() => {
      sent++;
    });
    const out = buildUdp({ src: C1, dst: SRV, sport: 40051, dport: 5000, payload: "request" });
    const back = buildUdp({ src: SRV, dst: WAN, sport: 5000, dport: 40051, payload: "reply" });
    const quoted = buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: 40051, dport: 5000 });
    const err = buildIcmp({ src: SRV, dst: WAN, type: 1, code: 4, payload: quoted });
    const p = new Uint8Array(256);
    const run = (template: Uint8Array, ifindex: number) => () => {
      p.set(template);
      r.k.receive(ifindex, p, 0, template.length, 1000);
    };
    r.feed(r.lan, out.slice());
    // 200k packets allocating even 16 bytes each would add ~3 MB.
    const grown = [
      heapGrowth(run(out, r.lan), 200_000),
      heapGrowth(run(back, r.wan), 200_000),
      heapGrowth(run(err, r.wan), 200_000),
    ];
    expect(grown.map((g) => g < 512 * 1024)).toEqual([true, true, true]);
    expect(sent).toBe(1 + 3 * 250_000);
  });
});
