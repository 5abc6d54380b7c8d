/**
 * ip6tables -t nat targets: SNAT and DNAT ranges (xt_nat), REDIRECT
 * (nf_nat_redirect_ipv6) and libxt_NAT's parsing of IPv6 ranges. Addresses
 * the kernel picks from a multi-address range and the parser's answers
 * were recorded on Linux 6.18 with ip6tables 1.8.9 in network namespaces.
 */
import { buildIcmp, buildTcp, buildUdp, readU16 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { Kernel, Tuple } from "../dist/index.js";
import { C1, C2, hex, router6, SRV, WAN } from "./nat66-support.js";

function replySource(k: Kernel): string {
  const t = k.conntrack.table;
  const [slot] = t.slots();
  const reply = new Tuple();
  t.getTuple(slot as number, 1, reply);
  return `${[...reply.src].map((w) => w.toString(16).padStart(8, "0")).join("")}:${reply.sport}`;
}

describe("SNAT and DNAT with IPv6 ranges", () => {
  it("SNAT --to-source [ADDR]:2000-2001 maps two clients into the port range", async () => {
    const r = await router6([
      [
        ...["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-p", "udp"],
        ...["-j", "SNAT", "--to-source", `[${WAN}]:2000-2001`],
      ],
    ]);
    r.feed(r.lan, buildUdp({ src: C1, dst: SRV, sport: 40000, dport: 53, payload: "a" }));
    r.feed(r.lan, buildUdp({ src: C2, dst: SRV, sport: 40000, dport: 53, payload: "b" }));
    const p1 = readU16(r.out[0]?.bytes as Uint8Array, 40);
    const p2 = readU16(r.out[1]?.bytes as Uint8Array, 40);
    expect([p1, p2].sort()).toEqual([2000, 2001]);
    expect(hex(r.out[1]?.bytes)).toBe(
      hex(buildUdp({ src: WAN, dst: SRV, ttl: 63, sport: p2, dport: 53, payload: "b" })),
    );
  });

  it("picks a multi-address range's address by jhash of the addresses, as the kernel does", async () => {
    const snat = (proto: string, to: string, ...more: string[]) => [
      ...["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-p", proto, "-j", "SNAT"],
      ...["--to-source", to, ...more],
    ];
    const r = await router6([
      snat("udp", "2001:db8:2::10-2001:db8:2::1f"),
      snat("tcp", "[2001:db8:2::a:0-2001:db8:2::b:ffff]:7000-7100", "--persistent"),
    ]);
    const sources: string[] = [];
    for (const [n, c] of [C1, C2].entries()) {
      r.feed(r.lan, buildUdp({ src: c, dst: SRV, sport: 40000 + n, dport: 53 }));
      r.feed(r.lan, buildTcp({ src: c, dst: SRV, sport: 41000 + n, dport: 80, flags: 0x02 }));
    }
    for (const s of r.out) {
      const b = s.bytes;
      sources.push(
        Buffer.from(b.subarray(8, 24))
          .toString("hex")
          .replace(/^20010db8000200000000/, "…"),
      );
    }
    // Linux 6.18: 2001:db8:2::14, 2001:db8:2::b:e36d, 2001:db8:2::17, 2001:db8:2::a:bf3.
    expect(sources).toEqual(["…000000000014", "…0000000be36d", "…000000000017", "…0000000a0bf3"]);
    for (const s of r.out.filter((o) => o.bytes[6] === 6)) {
      const port = readU16(s.bytes, 40);
      expect(port >= 7000 && port <= 7100).toBe(true);
    }
  });

  it("DNAT --to-destination [ADDR]:PORT sends a public port to an inside server and answers from the public one", async () => {
    const r = await router6([
      [
        ...["-t", "nat", "-A", "PREROUTING", "-i", "wan", "-p", "tcp", "--dport", "8080"],
        ...["-j", "DNAT", "--to-destination", `[${C1}]:80`],
      ],
    ]);
    const syn = { sport: 5555, seq: 1, flags: 0x02 };
    r.feed(r.wan, buildTcp({ src: SRV, dst: WAN, dport: 8080, ...syn }));
    expect(r.out[0]?.ifname).toBe("lan");
    expect(hex(r.out[0]?.bytes)).toBe(
      hex(buildTcp({ src: SRV, dst: C1, ttl: 63, dport: 80, ...syn })),
    );
    const synack = { dport: 5555, seq: 50, ack: 2, flags: 0x12 };
    r.feed(r.lan, buildTcp({ src: C1, dst: SRV, sport: 80, ...synack }));
    expect(hex(r.out[1]?.bytes)).toBe(
      hex(buildTcp({ src: WAN, dst: SRV, ttl: 63, sport: 8080, ...synack })),
    );
  });

  it("an error from the inside server about a DNATed flow is translated at POSTROUTING", async () => {
    const r = await router6([
      [
        ...["-t", "nat", "-A", "PREROUTING", "-i", "wan", "-p", "udp", "--dport", "8081"],
        ...["-j", "DNAT", "--to-destination", `[${C1}]:9`],
      ],
    ]);
    const probe = buildUdp({ src: SRV, dst: WAN, sport: 40052, dport: 8081, payload: "p" });
    r.feed(r.wan, probe.slice());
    const forwarded = r.out[0]?.bytes as Uint8Array;
    r.feed(r.lan, buildIcmp({ src: C1, dst: SRV, type: 1, code: 4, payload: forwarded }));
    const asSent = buildUdp({
      src: SRV,
      dst: WAN,
      ttl: 63,
      sport: 40052,
      dport: 8081,
      payload: "p",
    });
    expect(r.out[1]?.ifname).toBe("wan");
    expect(hex(r.out[1]?.bytes)).toBe(
      hex(buildIcmp({ src: WAN, dst: SRV, ttl: 63, type: 1, code: 4, payload: asSent })),
    );
  });
});

describe("REDIRECT (nf_nat_redirect_ipv6)", () => {
  const redirect = (proto: string, port: string, ...to: string[]) => [
    ...["-t", "nat", "-A", "PREROUTING", "-i", "lan", "-p", proto, "--dport", port],
    ...["-j", "REDIRECT", ...to],
  ];

  it("sends to the incoming interface's newest address of the destination's scope class", async () => {
    const r = await router6(
      [redirect("udp", "53", "--to-ports", "5353")],
      [["-6", "addr", "add", "2001:db8:1::99/64", "dev", "lan"]],
    );
    const q = buildUdp({ src: C1, dst: SRV, sport: 40080, dport: 53, payload: "query" });
    r.feed(r.lan, q.slice());
    expect(replySource(r.k)).toBe("20010db8000100000000000000000099:5353");
    // Nobody listens there: the router's port unreachable, translated, comes "from" srv:53.
    expect(r.out[0]?.ifname).toBe("lan");
    const want = buildIcmp({ src: SRV, dst: C1, ttl: 64, type: 1, code: 4, payload: q });
    expect(hex(r.out[0]?.bytes.subarray(4))).toBe(hex(want.subarray(4)));
  });

  it("a link-local destination goes to the interface's link-local address", async () => {
    const r = await router6(
      [redirect("tcp", "80")],
      [["-6", "addr", "add", "fe80::1/64", "dev", "lan"]],
    );
    r.feed(r.lan, buildTcp({ src: C1, dst: "fe80::5", sport: 40081, dport: 80, flags: 0x02 }));
    expect(replySource(r.k)).toBe("fe800000000000000000000000000001:80");
  });

  it("drops the packet when the interface has no address of that class", async () => {
    const r = await router6([redirect("tcp", "80")]);
    r.feed(r.lan, buildTcp({ src: C1, dst: "fe80::5", sport: 40081, dport: 80, flags: 0x02 }));
    expect(r.out).toHaveLength(0);
    expect(r.k.conntrack.table.slots()).toHaveLength(0);
  });

  it("never picks an IPv4-mapped address", async () => {
    const r = await router6(
      [redirect("tcp", "80")],
      [["-6", "addr", "add", "::ffff:10.0.0.1/128", "dev", "lan"]],
    );
    r.feed(r.lan, buildTcp({ src: C1, dst: SRV, sport: 40082, dport: 80, flags: 0x02 }));
    // LAN (2001:db8:1::1) is older than the mapped address, but the only usable one.
    expect(replySource(r.k)).toBe("20010db8000100000000000000000001:80");
  });
});

describe("ip6tables -t nat parsing (libxt_NAT)", () => {
  async function save(args: string): Promise<string> {
    const k = new Kernel({ clock: () => 1000 });
    await k.xtables.apply(6, ["-t", "nat", "-A", "POSTROUTING", ...args.split(" ")]);
    const out = await k.xtables.apply(6, ["-t", "nat", "-S", "POSTROUTING"]);
    return out.stdout.split("\n")[1] ?? "";
  }

  async function refused(args: string): Promise<string> {
    const k = new Kernel({ clock: () => 1000 });
    try {
      await k.xtables.apply(6, ["-t", "nat", "-A", "POSTROUTING", ...args.split(" ")]);
    } catch (e) {
      return (e as { stderr: string }).stderr.split("\n")[0] ?? "";
    }
    return "accepted";
  }

  it("reads bracketed addresses with ports and prints them back with brackets", async () => {
    expect(await save("-p udp -j SNAT --to-source [2001:db8::1]:1000-2000")).toBe(
      "-A POSTROUTING -p udp -j SNAT --to-source [2001:db8::1]:1000-2000",
    );
    expect(await save("-p tcp -j SNAT --to-source [2001:db8::1-2001:db8::3]:80")).toBe(
      "-A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::1-2001:db8::3]:80",
    );
    expect(await save("-j SNAT --to-source [2001:db8::1]")).toBe(
      "-A POSTROUTING -j SNAT --to-source 2001:db8::1",
    );
    expect(await save("-p udp -j SNAT --to-source [::1]xyz:80")).toBe(
      "-A POSTROUTING -p udp -j SNAT --to-source [::1]:80",
    );
  });

  it("takes a lone colon after two characters as 'ports only', as libxt_NAT does", async () => {
    expect(await save("-p udp -j SNAT --to-source []:80")).toBe(
      "-A POSTROUTING -p udp -j SNAT --to-source :80",
    );
    expect(await save("-p udp -j SNAT --to-source ab:80")).toBe(
      "-A POSTROUTING -p udp -j SNAT --to-source :80",
    );
    expect(await refused("-p udp -j SNAT --to-source 1[]:80")).toBe(
      'ip6tables v1.8.9 (nf_tables): Bad IP address ""',
    );
    // The same parser serves iptables: "12:80" is a port, not address 12.
    const k = new Kernel({ clock: () => 1000 });
    const rule = ["-p", "udp", "-j", "SNAT", "--to-source", "12:80"];
    await k.xtables.apply(4, ["-t", "nat", "-A", "POSTROUTING", ...rule]);
    const listed = await k.xtables.apply(4, ["-t", "nat", "-S", "POSTROUTING"]);
    expect(listed.stdout).toContain("-A POSTROUTING -p udp -j SNAT --to-source :80\n");
  });

  it("refuses what ip6tables refuses, with its words", async () => {
    expect(await refused("-p udp -j SNAT --to-source [2001:db8::1")).toBe(
      "ip6tables v1.8.9 (nf_tables): Invalid address format",
    );
    expect(await refused("-j SNAT --to-source 1.2.3.4")).toBe(
      'ip6tables v1.8.9 (nf_tables): Bad IP address "1.2.3.4"',
    );
    expect(await refused("-p icmpv6 -j SNAT --to-source [2001:db8::1]:5")).toBe(
      "ip6tables v1.8.9 (nf_tables): Need TCP, UDP, SCTP or DCCP with port specification",
    );
    expect(await refused("-p udp -j SNAT --to-source [::1]-[::2]:80")).toBe(
      "ip6tables v1.8.9 (nf_tables): Port `:2]:80' not valid",
    );
  });
});
