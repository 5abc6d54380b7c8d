/**
 * Rules against packets: hand-built IPv4/IPv6 packets go through the hook
 * chains the tables registered, and the verdicts, counters and side effects
 * (REJECT, CT, NAT lookups) must be the kernel's.
 */
import { buildIcmp, buildTcp, buildUdp, writeU16 } from "@ctkit/packet";
import { beforeEach, describe, expect, it } from "vitest";
import { CtStateBit } from "../src/net/ct-query.js";
import { Hook, NfVerdict } from "../src/net/hooks.js";
import { Skb } from "../src/net/skb.js";
import { NatRangeFlag } from "../src/xtables/index.js";
import { makeRig, type TestRig } from "./xtables-support.js";

let rig: TestRig;
beforeEach(() => {
  rig = makeRig();
});

const skb = new Skb();

/** Parses `bytes` into the shared Skb with the given interfaces. */
function packet(bytes: Uint8Array, iif = 2, oif = -1): Skb {
  skb.parse(bytes, 0, bytes.length);
  skb.iif = iif;
  skb.oif = oif;
  return skb;
}

const tcp = (src: string, dst: string, sport: number, dport: number) =>
  buildTcp({ src, dst, sport, dport, flags: 0x02 });
const udp = (src: string, dst: string, sport: number, dport: number) =>
  buildUdp({ src, dst, sport, dport, payload: "x" });

async function setup(...lines: string[]): Promise<void> {
  for (const l of lines) await rig.run(l);
}

/** "pkts bytes" of each rule of a chain, from `-L -v -x`. */
async function counters(chain: string, table = "filter", prog = "iptables"): Promise<string[]> {
  const out = (await rig.run(`${prog} -t ${table} -L ${chain} -v -x -n`)).stdout;
  return out
    .split("\n")
    .slice(2)
    .filter((l) => l !== "")
    .map((l) => l.trim().split(/\s+/).slice(0, 2).join(" "));
}

async function policyCounters(chain: string, prog = "iptables"): Promise<string> {
  const out = (await rig.run(`${prog} -L ${chain} -v -x -n`)).stdout;
  return (/\((policy \w+ \d+ packets, \d+ bytes)\)/.exec(out) as RegExpExecArray)[1] as string;
}

describe("hook registration", () => {
  it("registers a table at Linux's priority when it gets its first rule or policy", async () => {
    expect(rig.hooks.names(4, Hook.INPUT)).toEqual([]);
    await setup("iptables -N X");
    expect(rig.hooks.names(4, Hook.INPUT)).toEqual([]);
    await setup("iptables -A INPUT -j ACCEPT", "iptables -t raw -P PREROUTING ACCEPT");
    await setup("iptables -t mangle -A FORWARD -j ACCEPT", "ip6tables -A OUTPUT -j ACCEPT");
    expect(rig.hooks.names(4, Hook.INPUT)).toEqual(["iptable_mangle@-150", "iptable_filter@0"]);
    expect(rig.hooks.names(4, Hook.PREROUTING)).toEqual([
      "iptable_raw@-300",
      "iptable_mangle@-150",
    ]);
    expect(rig.hooks.names(4, Hook.POSTROUTING)).toEqual(["iptable_mangle@-150"]);
    expect(rig.hooks.names(6, Hook.OUTPUT)).toEqual(["ip6table_filter@0"]);
    // Registered once, however many rules follow.
    await setup("iptables -A INPUT -j DROP", "iptables -F", "iptables -A OUTPUT -j ACCEPT");
    expect(rig.hooks.names(4, Hook.OUTPUT)).toEqual([
      "iptable_raw@-300",
      "iptable_mangle@-150",
      "iptable_filter@0",
    ]);
  });

  it("registers nothing for the nat table: the NAT engine walks it", async () => {
    await setup("iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE");
    for (const h of [Hook.PREROUTING, Hook.INPUT, Hook.OUTPUT, Hook.POSTROUTING]) {
      expect(rig.hooks.names(4, h)).toEqual([]);
    }
  });
});

describe("IPv4 header matches", () => {
  it("matches addresses, protocol and ports, and counts packets and IP bytes", async () => {
    await setup(
      "iptables -A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT",
      "iptables -A INPUT -d 192.0.2.1 -p udp --sport 53 -j ACCEPT",
      "iptables -P INPUT DROP",
    );
    const ssh = tcp("10.1.2.3", "192.0.2.1", 40000, 22);
    expect(rig.hooks.run(4, Hook.INPUT, packet(ssh))).toBe(NfVerdict.ACCEPT);
    expect(rig.hooks.run(4, Hook.INPUT, packet(tcp("11.1.2.3", "192.0.2.1", 40000, 22)))).toBe(
      NfVerdict.DROP,
    );
    expect(rig.hooks.run(4, Hook.INPUT, packet(tcp("10.1.2.3", "192.0.2.1", 40000, 23)))).toBe(
      NfVerdict.DROP,
    );
    const dns = udp("8.8.8.8", "192.0.2.1", 53, 5353);
    expect(rig.hooks.run(4, Hook.INPUT, packet(dns))).toBe(NfVerdict.ACCEPT);
    expect(await counters("INPUT")).toEqual([`1 ${ssh.length}`, `1 ${dns.length}`]);
    expect(await policyCounters("INPUT")).toBe(`policy DROP 2 packets, ${2 * ssh.length} bytes`);
  });

  it("inverts addresses, protocols and port ranges", async () => {
    await setup(
      "iptables -A INPUT ! -s 10.0.0.0/8 -j DROP",
      "iptables -A INPUT ! -p tcp -j DROP",
      "iptables -A INPUT -p tcp ! --dport 1000:2000 -j DROP",
    );
    const run = (b: Uint8Array) => rig.hooks.run(4, Hook.INPUT, packet(b));
    expect(run(tcp("172.16.0.1", "10.9.9.9", 1, 1500))).toBe(NfVerdict.DROP);
    expect(run(udp("10.0.0.1", "10.9.9.9", 1, 1500))).toBe(NfVerdict.DROP);
    expect(run(tcp("10.0.0.1", "10.9.9.9", 1, 2001))).toBe(NfVerdict.DROP);
    expect(run(tcp("10.0.0.1", "10.9.9.9", 1, 2000))).toBe(NfVerdict.ACCEPT);
    expect(await counters("INPUT")).toEqual(["1 40", "1 29", "1 40"]);
  });

  it("compares non-contiguous masks bit by bit", async () => {
    await setup("iptables -A INPUT -s 10.0.0.5/255.0.0.255 -j DROP");
    const run = (src: string) => rig.hooks.run(4, Hook.INPUT, packet(tcp(src, "1.1.1.1", 1, 2)));
    expect(run("10.77.88.5")).toBe(NfVerdict.DROP);
    expect(run("10.77.88.6")).toBe(NfVerdict.ACCEPT);
  });

  it("matches interface names exactly or by prefix, through the ifindex resolver", async () => {
    await setup(
      "iptables -A FORWARD -i eth0 -o wan0 -j ACCEPT",
      "iptables -A FORWARD -i eth+ ! -o wan+ -j RETURN",
      "iptables -A FORWARD -i + -j DROP",
      "iptables -P FORWARD ACCEPT",
    );
    const pkt = tcp("10.0.0.1", "8.8.8.8", 1, 80);
    const run = (iif: number, oif: number) => rig.hooks.run(4, Hook.FORWARD, packet(pkt, iif, oif));
    expect(run(2, 4)).toBe(NfVerdict.ACCEPT); // eth0 -> wan0
    expect(run(3, 1)).toBe(NfVerdict.ACCEPT); // eth1 -> lo: RETURN, then the policy
    expect(run(1, 4)).toBe(NfVerdict.DROP); // lo: only "-i +" matches
    expect(await counters("FORWARD")).toEqual(["1 40", "1 40", "1 40"]);
    expect(await policyCounters("FORWARD")).toBe("policy ACCEPT 1 packets, 40 bytes");
  });

  it("an unknown input device matches no -i name", async () => {
    await setup("iptables -A FORWARD -i eth0 -j DROP", "iptables -A FORWARD ! -i eth0 -j REJECT");
    // A FORWARD packet always has one; here the router did not set it.
    expect(rig.hooks.run(4, Hook.FORWARD, packet(tcp("1.1.1.1", "2.2.2.2", 1, 2), -1, 3))).toBe(
      NfVerdict.DROP,
    );
    expect(await counters("FORWARD")).toEqual(["0 0", "1 40"]);
  });
});

describe("fragments", () => {
  /** A second fragment (offset 8 bytes) of a UDP datagram. */
  function laterFragment(): Uint8Array {
    const b = udp("10.0.0.1", "10.0.0.2", 53, 53);
    writeU16(b, 6, 1);
    return b;
  }

  it("port matches never match a later fragment, the protocol still does", async () => {
    await setup(
      "iptables -A INPUT -p udp --dport 53 -j ACCEPT",
      "iptables -A INPUT -p udp ! --dport 53 -j ACCEPT",
      "iptables -A INPUT -p udp -j DROP",
    );
    expect(rig.hooks.run(4, Hook.INPUT, packet(laterFragment()))).toBe(NfVerdict.DROP);
    expect(await counters("INPUT")).toEqual(["0 0", "0 0", "1 29"]);
  });

  it("-f matches later fragments only, ! -f the others", async () => {
    await setup("iptables -A INPUT -f -j DROP", "iptables -A INPUT ! -f -j ACCEPT");
    expect(rig.hooks.run(4, Hook.INPUT, packet(laterFragment()))).toBe(NfVerdict.DROP);
    expect(rig.hooks.run(4, Hook.INPUT, packet(udp("1.1.1.1", "2.2.2.2", 1, 2)))).toBe(
      NfVerdict.ACCEPT,
    );
    expect(await counters("INPUT")).toEqual(["1 29", "1 29"]);
  });
});

describe("ICMP", () => {
  it("matches types and code ranges, and 'any'", async () => {
    await setup(
      "iptables -A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT",
      "iptables -A INPUT -p icmp --icmp-type echo-request -j RETURN",
      "iptables -A INPUT -p icmp ! --icmp-type destination-unreachable -j DROP",
      "iptables -A INPUT -p icmp --icmp-type any",
    );
    const icmp = (type: number, code: number) =>
      packet(buildIcmp({ src: "1.1.1.1", dst: "2.2.2.2", type, code }));
    expect(rig.hooks.run(4, Hook.INPUT, icmp(3, 3))).toBe(NfVerdict.ACCEPT);
    expect(rig.hooks.run(4, Hook.INPUT, icmp(8, 0))).toBe(NfVerdict.ACCEPT); // RETURN: policy
    expect(rig.hooks.run(4, Hook.INPUT, icmp(0, 0))).toBe(NfVerdict.DROP);
    expect(rig.hooks.run(4, Hook.INPUT, icmp(3, 1))).toBe(NfVerdict.ACCEPT);
    expect(await counters("INPUT")).toEqual(["1 28", "1 28", "1 28", "1 28"]);
  });

  it("matches ICMPv6 types", async () => {
    await setup(
      "ip6tables -A INPUT -p icmpv6 --icmpv6-type neighbour-solicitation -j ACCEPT",
      "ip6tables -A INPUT -p icmpv6 --icmpv6-type 1/4 -j DROP",
    );
    const icmp6 = (type: number, code: number) =>
      packet(buildIcmp({ src: "fe80::1", dst: "ff02::1", type, code }));
    expect(rig.hooks.run(6, Hook.INPUT, icmp6(135, 0))).toBe(NfVerdict.ACCEPT);
    expect(rig.hooks.run(6, Hook.INPUT, icmp6(1, 4))).toBe(NfVerdict.DROP);
    expect(rig.hooks.run(6, Hook.INPUT, icmp6(1, 3))).toBe(NfVerdict.ACCEPT);
    expect(await counters("INPUT", "filter", "ip6tables")).toEqual(["1 48", "1 48"]);
  });
});

describe("IPv6", () => {
  it("compares prefixes word by word, including non-contiguous masks", async () => {
    await setup(
      "ip6tables -A INPUT -s 2001:db8::/32 -d ::1 -j DROP",
      "ip6tables -A INPUT -s 2001:db8:0:0:ff::/ffff:ffff:0:0:ff:: -j REJECT",
      "ip6tables -A INPUT ! -d fd00::/8 -j DROP",
    );
    const run = (src: string, dst: string) =>
      rig.hooks.run(6, Hook.INPUT, packet(tcp(src, dst, 1, 2)));
    expect(run("2001:db8:1::1", "::1")).toBe(NfVerdict.DROP);
    expect(run("2001:db8:5:6:1ff::1", "fd00::1")).toBe(NfVerdict.DROP);
    expect(rig.rejects).toEqual(["icmp6-port-unreachable"]);
    expect(run("2001:db8:5:6:100::1", "fd00::1")).toBe(NfVerdict.ACCEPT);
    expect(run("2001:db9::1", "2001::1")).toBe(NfVerdict.DROP);
    expect(await counters("INPUT", "filter", "ip6tables")).toEqual(["1 60", "1 60", "1 60"]);
  });

  /** IPv6 + hop-by-hop options header + TCP, or a later fragment of UDP. */
  function withExtension(kind: "hbh" | "frag"): Uint8Array {
    const inner =
      kind === "hbh"
        ? tcp("2001:db8::1", "2001:db8::2", 1000, 22)
        : udp("2001:db8::1", "2001:db8::2", 53, 53);
    const l4 = inner.subarray(40);
    const b = new Uint8Array(48 + l4.length);
    b.set(inner.subarray(0, 40), 0);
    writeU16(b, 4, 8 + l4.length);
    b[6] = kind === "hbh" ? 0 : 44;
    b[40] = inner[6] as number; // next header after the extension header
    if (kind === "hbh") {
      b[41] = 0; // 8 bytes, PadN
      b[42] = 1;
      b[43] = 4;
    } else {
      writeU16(b, 42, 8 << 3); // fragment offset 8 (later fragment)
    }
    b.set(l4, 48);
    return b;
  }

  it("-p looks past extension headers, as ipv6_find_hdr does", async () => {
    await setup(
      "ip6tables -A INPUT -p tcp --dport 22 -j DROP",
      "ip6tables -A INPUT -p 0 -j ACCEPT",
    );
    expect(rig.hooks.run(6, Hook.INPUT, packet(withExtension("hbh")))).toBe(NfVerdict.DROP);
    expect(await counters("INPUT", "filter", "ip6tables")).toEqual(["1 68", "0 0"]);
  });

  it("a later fragment matches -p udp but not its ports", async () => {
    await setup(
      "ip6tables -A INPUT -p udp --dport 53 -j DROP",
      "ip6tables -A INPUT -p udp -j REJECT",
    );
    expect(rig.hooks.run(6, Hook.INPUT, packet(withExtension("frag")))).toBe(NfVerdict.DROP);
    expect(await counters("INPUT", "filter", "ip6tables")).toEqual(["0 0", "1 57"]);
  });
});

describe("user chains", () => {
  it("jump, RETURN, falling off the end and RETURN from a built-in chain", async () => {
    await setup(
      "iptables -N WEB",
      "iptables -N DEEP",
      "iptables -A INPUT -p tcp -j WEB",
      "iptables -A INPUT -p tcp --dport 25 -j RETURN",
      "iptables -A INPUT -j DROP",
      "iptables -A WEB -p tcp --dport 80 -j ACCEPT",
      "iptables -A WEB -p tcp --dport 443 -j DEEP",
      "iptables -A WEB -p tcp --dport 8080 -j RETURN",
      "iptables -A WEB -p tcp --dport 8081 -j DROP",
      "iptables -A DEEP -s 10.0.0.0/8 -j ACCEPT",
    );
    const run = (src: string, dport: number) =>
      rig.hooks.run(4, Hook.INPUT, packet(tcp(src, "192.0.2.1", 5000, dport)));
    expect(run("1.1.1.1", 80)).toBe(NfVerdict.ACCEPT);
    expect(run("10.1.1.1", 443)).toBe(NfVerdict.ACCEPT);
    expect(run("1.1.1.1", 443)).toBe(NfVerdict.DROP); // DEEP falls off, WEB goes on, then DROP
    expect(run("1.1.1.1", 8080)).toBe(NfVerdict.DROP); // RETURN to INPUT, then DROP
    expect(run("1.1.1.1", 8081)).toBe(NfVerdict.DROP);
    expect(run("1.1.1.1", 25)).toBe(NfVerdict.ACCEPT); // RETURN in INPUT: policy
    expect(await counters("INPUT")).toEqual(["6 240", "1 40", "2 80"]);
    expect(await counters("WEB")).toEqual(["1 40", "2 80", "1 40", "1 40"]);
    expect(await counters("DEEP")).toEqual(["1 40"]);
    expect(await policyCounters("INPUT")).toBe("policy ACCEPT 1 packets, 40 bytes");
  });

  it("counts a rule without target and goes on", async () => {
    await setup("iptables -A OUTPUT -p udp", "iptables -A OUTPUT -p udp");
    expect(rig.hooks.run(4, Hook.OUTPUT, packet(udp("1.1.1.1", "2.2.2.2", 1, 2), -1, 2))).toBe(
      NfVerdict.ACCEPT,
    );
    expect(await counters("OUTPUT")).toEqual(["1 29", "1 29"]);
  });
});

describe("conntrack matches", () => {
  it("tests the state bits ConntrackQuery reports", async () => {
    await setup(
      "iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
      "iptables -A INPUT -m state --state INVALID -j DROP",
      "iptables -A INPUT -m conntrack ! --ctstate NEW -j REJECT",
      "iptables -A INPUT -m conntrack --ctstate DNAT -j RETURN",
      "iptables -P INPUT DROP",
    );
    const run = (bits: number) => {
      rig.ct.bits = bits;
      return rig.hooks.run(4, Hook.INPUT, packet(tcp("1.1.1.1", "2.2.2.2", 1, 2)));
    };
    expect(run(CtStateBit.ESTABLISHED)).toBe(NfVerdict.ACCEPT);
    expect(run(CtStateBit.RELATED | CtStateBit.DNAT)).toBe(NfVerdict.ACCEPT);
    expect(run(CtStateBit.INVALID)).toBe(NfVerdict.DROP);
    expect(run(CtStateBit.UNTRACKED)).toBe(NfVerdict.DROP);
    expect(rig.rejects).toEqual(["icmp-port-unreachable"]);
    expect(run(CtStateBit.NEW | CtStateBit.DNAT)).toBe(NfVerdict.DROP);
    expect(run(CtStateBit.NEW)).toBe(NfVerdict.DROP);
    expect(await counters("INPUT")).toEqual(["2 80", "1 40", "1 40", "1 40"]);
    expect(await policyCounters("INPUT")).toBe("policy DROP 2 packets, 80 bytes");
  });

  it("-m helper compares the helper name like xt_helper", async () => {
    await setup(
      "iptables -A FORWARD -m helper --helper ftp-2121 -j ACCEPT",
      "iptables -A FORWARD -m helper ! --helper pptp -j REJECT --reject-with tcp-reset -p tcp",
      "iptables -P FORWARD DROP",
    );
    await rig.xt.apply(4, ["-A", "FORWARD", "-m", "helper", "--helper", "", "-j", "RETURN"]);
    const run = (helper: string | null) => {
      rig.ct.helper = helper;
      return rig.hooks.run(4, Hook.FORWARD, packet(tcp("1.1.1.1", "2.2.2.2", 1, 2)));
    };
    expect(run("ftp")).toBe(NfVerdict.ACCEPT); // "ftp-2121" starts with "ftp"
    expect(run(null)).toBe(NfVerdict.DROP); // no helper: "! --helper pptp" matches
    expect(rig.rejects).toEqual(["tcp-reset"]);
    expect(run("pptp")).toBe(NfVerdict.DROP); // "" matches any helper: RETURN, policy
    expect(await counters("FORWARD")).toEqual(["1 40", "1 40", "1 40"]);
  });

  it("takes conntrack in the namespace while such rules exist", async () => {
    await setup(
      "iptables -A INPUT -m conntrack --ctstate NEW",
      "iptables -A INPUT -p tcp",
      "ip6tables -A INPUT -m state --state NEW -m helper --helper ftp",
      "iptables -t nat -A POSTROUTING -j MASQUERADE",
      "iptables -t raw -A PREROUTING -j NOTRACK",
      "iptables -A INPUT -s 1.2.3.4,5.6.7.8 -m helper --helper ftp",
    );
    expect([rig.ct.held(4), rig.ct.held(6)]).toEqual([5, 1]);
    await setup("iptables -D INPUT 1", "iptables -D INPUT 1");
    expect(rig.ct.held(4)).toBe(4);
    await setup(
      "iptables -F",
      "iptables -t nat -F",
      "ip6tables -D INPUT -m state --state NEW -m helper --helper ftp",
    );
    expect([rig.ct.held(4), rig.ct.held(6)]).toEqual([1, 0]);
    await setup("iptables -t raw -F");
    expect(rig.ct.gets[4]).toBe(5);
    expect(rig.ct.held(4)).toBe(0);
  });
});

describe("CT and NOTRACK", () => {
  it("mark packets untracked or attach a helper template, first rule wins", async () => {
    await setup(
      "iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp",
      "iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --notrack",
      "iptables -t raw -A PREROUTING -p udp -j NOTRACK",
      "iptables -t raw -A PREROUTING -p tcp --dport 80 -j CT",
    );
    let s = packet(tcp("1.1.1.1", "2.2.2.2", 1000, 21));
    expect(rig.hooks.run(4, Hook.PREROUTING, s)).toBe(NfVerdict.ACCEPT);
    expect(s.untracked).toBe(false);
    const tmpl = s.ctTemplate as { helper: { spec: { name: string } } };
    expect(tmpl.helper.spec.name).toBe("ftp");
    // The same template object for every packet: nothing allocated per packet.
    s = packet(tcp("1.1.1.1", "2.2.2.2", 1000, 21));
    rig.hooks.run(4, Hook.PREROUTING, s);
    expect(s.ctTemplate).toBe(tmpl);
    s = packet(udp("1.1.1.1", "2.2.2.2", 1000, 21));
    rig.hooks.run(4, Hook.PREROUTING, s);
    expect([s.untracked, s.ctTemplate]).toEqual([true, null]);
    s = packet(tcp("1.1.1.1", "2.2.2.2", 1000, 80));
    rig.hooks.run(4, Hook.PREROUTING, s);
    expect(s.ctTemplate).toEqual({ helper: null });
    expect(await counters("PREROUTING", "raw")).toEqual(["2 80", "2 80", "1 29", "1 40"]);
  });

  it("leaves packets that already have a connection alone", async () => {
    await setup("iptables -t raw -A OUTPUT -j CT --notrack");
    const s = packet(udp("1.1.1.1", "2.2.2.2", 1, 2), -1, 2);
    s.ct = 7;
    rig.hooks.run(4, Hook.OUTPUT, s);
    expect(s.untracked).toBe(false);
  });
});

describe("REJECT", () => {
  it("asks the router for the reply and drops the packet", async () => {
    await setup(
      "iptables -A INPUT -p tcp -j REJECT --reject-with tcp-reset",
      "iptables -A INPUT -j REJECT --reject-with icmp-admin-prohibited",
    );
    expect(rig.hooks.run(4, Hook.INPUT, packet(tcp("1.1.1.1", "2.2.2.2", 1, 2)))).toBe(
      NfVerdict.DROP,
    );
    expect(rig.hooks.run(4, Hook.INPUT, packet(udp("1.1.1.1", "2.2.2.2", 1, 2)))).toBe(
      NfVerdict.DROP,
    );
    expect(rig.rejects).toEqual(["tcp-reset", "icmp-admin-prohibited"]);
  });
});

describe("nat table lookups", () => {
  it("returns the NAT target of the first matching rule", async () => {
    await setup(
      "iptables -t nat -N PORTFWD",
      "iptables -t nat -A PREROUTING -i eth1 -j PORTFWD",
      "iptables -t nat -A PORTFWD -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.5:80",
      "iptables -t nat -A PORTFWD -p tcp --dport 8081 -j ACCEPT",
      "iptables -t nat -A POSTROUTING -s 10.0.0.0/8 -o wan0 -p tcp -j MASQUERADE --to-ports 1024-2047",
      "iptables -t nat -A POSTROUTING -p udp -j SNAT --to-source 192.0.2.1-192.0.2.9 --random",
      "ip6tables -t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::5]:8080",
    );
    const dnat = rig.xt.natLookup(
      4,
      Hook.PREROUTING,
      packet(tcp("8.8.8.8", "192.0.2.1", 1, 8080), 3),
    );
    expect(dnat).toMatchObject({
      kind: "DNAT",
      family: 4,
      flags: NatRangeFlag.MAP_IPS | NatRangeFlag.PROTO_SPECIFIED,
      minAddr4: 0x0a000005,
      maxAddr4: 0x0a000005,
      minPort: 80,
      maxPort: 80,
    });
    expect(
      rig.xt.natLookup(4, Hook.PREROUTING, packet(tcp("8.8.8.8", "192.0.2.1", 1, 8081), 3)),
    ).toBeNull();
    expect(
      rig.xt.natLookup(4, Hook.PREROUTING, packet(tcp("8.8.8.8", "192.0.2.1", 1, 8080), 2)),
    ).toBeNull();
    const masq = rig.xt.natLookup(
      4,
      Hook.POSTROUTING,
      packet(tcp("10.0.0.5", "8.8.8.8", 1, 80), 2, 4),
    );
    expect(masq).toMatchObject({
      kind: "MASQUERADE",
      flags: NatRangeFlag.PROTO_SPECIFIED,
      minPort: 1024,
      maxPort: 2047,
    });
    const snat = rig.xt.natLookup(
      4,
      Hook.POSTROUTING,
      packet(udp("10.0.0.5", "8.8.8.8", 1, 53), 2, 3),
    );
    expect(snat).toMatchObject({
      kind: "SNAT",
      flags: NatRangeFlag.MAP_IPS | NatRangeFlag.PROTO_RANDOM,
      minAddr4: 0xc0000201,
      maxAddr4: 0xc0000209,
    });
    const v6 = rig.xt.natLookup(
      6,
      Hook.PREROUTING,
      packet(tcp("2001:db8::1", "2001:db8::2", 1, 2)),
    );
    expect(v6?.kind).toBe("DNAT");
    expect(Array.from(v6?.minAddr6 ?? [])).toEqual([
      0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
    ]);
    expect(
      rig.xt.natLookup(6, Hook.POSTROUTING, packet(tcp("2001:db8::1", "2001:db8::2", 1, 2))),
    ).toBeNull();
    expect(await counters("PREROUTING", "nat")).toEqual(["2 80"]);
    expect(await counters("PORTFWD", "nat")).toEqual(["1 40", "1 40"]);
    expect(rig.xt.hasNatRules(4)).toBe(true);
  });

  it("has nothing to say without nat rules", () => {
    expect(
      rig.xt.natLookup(4, Hook.POSTROUTING, packet(tcp("1.1.1.1", "2.2.2.2", 1, 2))),
    ).toBeNull();
    expect(rig.xt.hasNatRules(4)).toBe(false);
  });
});
