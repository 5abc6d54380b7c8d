/**
 * NAT through the whole datapath (packages/kernel/src/nat): MASQUERADE,
 * SNAT, DNAT on hand-built packets; the router's output must equal the
 * packet built from scratch with the translated fields (so every
 * incremental checksum update equals a full recomputation).
 */
import { buildIcmp, buildTcp, buildUdp, checksumIsValid, readU16 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { Kernel, Tuple } from "../dist/index.js";

const C1 = "10.0.0.2";
const C2 = "10.0.0.3";
const SRV = "198.51.100.2";
const WAN = "198.51.100.1";

interface Out {
  ifname: string;
  bytes: Uint8Array;
}

async function router(
  rules: string[][],
): Promise<{ k: Kernel; out: Out[]; lan: number; wan: number }> {
  const k = new Kernel({ clock: () => 1000 });
  expect(k.net.ip(["addr", "add", "10.0.0.1/24", "dev", "lan"]).status).toBe(0);
  expect(k.net.ip(["addr", "add", `${WAN}/24`, "dev", "wan"]).status).toBe(0);
  k.sysctl.set("net.ipv4.ip_forward", "1");
  for (const r of rules) await k.xtables.apply(4, r);
  await k.settle();
  const out: Out[] = [];
  k.net.setTransmit((ifindex, data, off, len) => {
    out.push({ ifname: k.net.deviceName(ifindex), bytes: data.slice(off, off + len) });
  });
  return { k, out, lan: k.net.deviceIndex("lan"), wan: k.net.deviceIndex("wan") };
}

const MASQ = ["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"];

function feed(k: Kernel, ifindex: number, p: Uint8Array, t = 1000): void {
  k.receive(ifindex, p, 0, p.length, t);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

describe("MASQUERADE", () => {
  it("rewrites a UDP flow both ways, byte for byte, and lists the mapped reply tuple", async () => {
    const { k, out, lan, wan } = await router([MASQ]);
    feed(k, lan, buildUdp({ src: C1, dst: SRV, sport: 40051, dport: 5000, payload: "request" }));
    expect(out).toHaveLength(1);
    expect(out[0]?.ifname).toBe("wan");
    expect(hex(out[0]?.bytes as Uint8Array)).toBe(
      hex(buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: 40051, dport: 5000, payload: "request" })),
    );
    feed(k, wan, buildUdp({ src: SRV, dst: WAN, sport: 5000, dport: 40051, payload: "reply" }));
    expect(out).toHaveLength(2);
    expect(out[1]?.ifname).toBe("lan");
    expect(hex(out[1]?.bytes as Uint8Array)).toBe(
      hex(buildUdp({ src: SRV, dst: C1, ttl: 63, sport: 5000, dport: 40051, payload: "reply" })),
    );
    const t = k.conntrack.table;
    const [slot] = t.slots();
    const tup = new Tuple();
    t.getTuple(slot as number, 1, tup);
    expect(tup.dst[0]).toBe(0xc6336401);
    expect(tup.dport).toBe(40051);
    expect((t.status[slot as number] as number) & 0x10).toBe(0x10); // IPS_SRC_NAT
  });

  it("keeps a zero UDP checksum zero", async () => {
    const { k, out, lan } = await router([MASQ]);
    const p = buildUdp({ src: C1, dst: SRV, sport: 1111, dport: 53, payload: "q" });
    p[26] = 0;
    p[27] = 0;
    feed(k, lan, p);
    expect(readU16(out[0]?.bytes as Uint8Array, 26)).toBe(0);
  });

  it("rewrites TCP with the incremental checksum equal to a full one", async () => {
    const { k, out, lan, wan } = await router([MASQ]);
    feed(k, lan, buildTcp({ src: C1, dst: SRV, sport: 40041, dport: 8080, seq: 7, flags: 0x02 }));
    expect(hex(out[0]?.bytes as Uint8Array)).toBe(
      hex(
        buildTcp({ src: WAN, dst: SRV, ttl: 63, sport: 40041, dport: 8080, seq: 7, flags: 0x02 }),
      ),
    );
    feed(
      k,
      wan,
      buildTcp({ src: SRV, dst: WAN, sport: 8080, dport: 40041, seq: 99, ack: 8, flags: 0x12 }),
    );
    expect(hex(out[1]?.bytes as Uint8Array)).toBe(
      hex(
        buildTcp({
          src: SRV,
          dst: C1,
          ttl: 63,
          sport: 8080,
          dport: 40041,
          seq: 99,
          ack: 8,
          flags: 0x12,
        }),
      ),
    );
  });

  it("gives a second client with the same source port another port, and its replies reach it", async () => {
    const { k, out, lan, wan } = await router([MASQ]);
    feed(k, lan, buildUdp({ src: C1, dst: SRV, sport: 40061, dport: 5000, payload: "a" }));
    feed(k, lan, buildUdp({ src: C2, dst: SRV, sport: 40061, dport: 5000, payload: "b" }));
    const first = readU16(out[0]?.bytes as Uint8Array, 20);
    const second = readU16(out[1]?.bytes as Uint8Array, 20);
    expect(first).toBe(40061);
    expect(second).not.toBe(40061);
    expect(second).toBeGreaterThanOrEqual(1024);
    expect(hex(out[1]?.bytes as Uint8Array)).toBe(
      hex(buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: second, dport: 5000, payload: "b" })),
    );
    feed(k, wan, buildUdp({ src: SRV, dst: WAN, sport: 5000, dport: second, payload: "to b" }));
    expect(hex(out[2]?.bytes as Uint8Array)).toBe(
      hex(buildUdp({ src: SRV, dst: C2, ttl: 63, sport: 5000, dport: 40061, payload: "to b" })),
    );
  });

  it("remaps a clashing ICMP echo id", async () => {
    const { k, out, lan, wan } = await router([MASQ]);
    feed(k, lan, buildIcmp({ src: C1, dst: SRV, type: 8, id16: 0x3333, seq16: 1, payload: "x" }));
    feed(k, lan, buildIcmp({ src: C2, dst: SRV, type: 8, id16: 0x3333, seq16: 1, payload: "x" }));
    expect(readU16(out[0]?.bytes as Uint8Array, 24)).toBe(0x3333);
    const id = readU16(out[1]?.bytes as Uint8Array, 24);
    expect(id).not.toBe(0x3333);
    expect(hex(out[1]?.bytes as Uint8Array)).toBe(
      hex(buildIcmp({ src: WAN, dst: SRV, ttl: 63, type: 8, id16: id, seq16: 1, payload: "x" })),
    );
    feed(k, wan, buildIcmp({ src: SRV, dst: WAN, type: 0, id16: id, seq16: 1, payload: "x" }));
    expect(hex(out[2]?.bytes as Uint8Array)).toBe(
      hex(buildIcmp({ src: SRV, dst: C2, ttl: 63, type: 0, id16: 0x3333, seq16: 1, payload: "x" })),
    );
  });

  it("translates a port unreachable quoting the NATed packet back to the client", async () => {
    const { k, out, lan, wan } = await router([MASQ]);
    feed(k, lan, buildUdp({ src: C1, dst: SRV, sport: 40052, dport: 9, payload: "probe" }));
    const quoted = out[0]?.bytes as Uint8Array;
    feed(k, wan, buildIcmp({ src: SRV, dst: WAN, type: 3, code: 3, payload: quoted }));
    expect(out[1]?.ifname).toBe("lan");
    expect(hex(out[1]?.bytes as Uint8Array)).toBe(
      hex(
        buildIcmp({
          src: SRV,
          dst: C1,
          ttl: 63,
          type: 3,
          code: 3,
          payload: buildUdp({
            src: C1,
            dst: SRV,
            ttl: 63,
            sport: 40052,
            dport: 9,
            payload: "probe",
          }),
        }),
      ),
    );
  });

  it("translates an error the router itself sends about a de-NATed reply", async () => {
    const { k, out, lan, wan } = await router([MASQ]);
    feed(k, lan, buildUdp({ src: C1, dst: SRV, sport: 40070, dport: 5000, payload: "a" }));
    // The reply arrives with TTL 1: de-NATed at PREROUTING, then it cannot be forwarded.
    feed(k, wan, buildUdp({ src: SRV, dst: WAN, ttl: 1, sport: 5000, dport: 40070, payload: "b" }));
    const err = out[1]?.bytes as Uint8Array;
    expect(out[1]?.ifname).toBe("wan");
    expect(err[20]).toBe(11);
    expect(checksumIsValid(err, 20, err.length - 20)).toBe(true);
    // The quoted packet looks as the server sent it: to the router's address and port.
    expect(hex(err.subarray(28 + 16, 28 + 20))).toBe("c6336401");
    expect(readU16(err, 28 + 22)).toBe(40070);
    expect(checksumIsValid(err, 28, 20)).toBe(true);
  });
});

describe("SNAT and DNAT", () => {
  it("SNAT --to-source ADDR:PORT-PORT maps into the port range", async () => {
    const { k, out, lan } = await router([
      [
        "-t",
        "nat",
        "-A",
        "POSTROUTING",
        "-o",
        "wan",
        "-p",
        "udp",
        "-j",
        "SNAT",
        "--to-source",
        "198.51.100.7:2000-2001",
      ],
    ]);
    feed(k, lan, buildUdp({ src: C1, dst: SRV, sport: 40000, dport: 53, payload: "a" }));
    feed(k, lan, buildUdp({ src: C2, dst: SRV, sport: 40000, dport: 53, payload: "a" }));
    const p1 = readU16(out[0]?.bytes as Uint8Array, 20);
    const p2 = readU16(out[1]?.bytes as Uint8Array, 20);
    expect([p1, p2].sort()).toEqual([2000, 2001]);
    expect(hex(out[0]?.bytes as Uint8Array)).toBe(
      hex(buildUdp({ src: "198.51.100.7", dst: SRV, ttl: 63, sport: p1, dport: 53, payload: "a" })),
    );
  });

  it("DNAT --to-destination sends a public port to an inside server and answers from the public one", async () => {
    const { k, out, lan, wan } = await router([
      [
        "-t",
        "nat",
        "-A",
        "PREROUTING",
        "-i",
        "wan",
        "-p",
        "tcp",
        "--dport",
        "8080",
        "-j",
        "DNAT",
        "--to-destination",
        `${C1}:80`,
      ],
    ]);
    feed(k, wan, buildTcp({ src: SRV, dst: WAN, sport: 5555, dport: 8080, seq: 1, flags: 0x02 }));
    expect(out[0]?.ifname).toBe("lan");
    expect(hex(out[0]?.bytes as Uint8Array)).toBe(
      hex(buildTcp({ src: SRV, dst: C1, ttl: 63, sport: 5555, dport: 80, seq: 1, flags: 0x02 })),
    );
    feed(
      k,
      lan,
      buildTcp({ src: C1, dst: SRV, sport: 80, dport: 5555, seq: 50, ack: 2, flags: 0x12 }),
    );
    expect(hex(out[1]?.bytes as Uint8Array)).toBe(
      hex(
        buildTcp({
          src: WAN,
          dst: SRV,
          ttl: 63,
          sport: 8080,
          dport: 5555,
          seq: 50,
          ack: 2,
          flags: 0x12,
        }),
      ),
    );
  });
});

describe("by-source table", () => {
  it("forgets a connection's source mapping when the connection is destroyed", async () => {
    const { k, lan } = await router([MASQ]);
    feed(k, lan, buildUdp({ src: C1, dst: SRV, sport: 40051, dport: 5000, payload: "x" }));
    feed(k, lan, buildUdp({ src: C2, dst: SRV, sport: 40052, dport: 5000, payload: "x" }));
    expect(k.nat.core.bySourceSize).toBe(2);
    expect(k.conntrack.flush()).toBe(2);
    expect(k.nat.core.bySourceSize).toBe(0);
  });
});

describe("module", () => {
  it("the first nat rule loads nf_nat on demand and holds it, as iptable_nat does", async () => {
    const { k } = await router([MASQ]);
    const nat = k.modules.find("nf_nat");
    expect(nat?.refcnt).toBe(1);
    expect(() => k.modules.remove("nf_nat")).toThrow("Module nf_nat is in use");
    expect(k.hooks.names(4, 4)).toContain("nf_nat_ipv4_out@100");
  });
});
