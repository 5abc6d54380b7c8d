/**
 * The NAT helper path end to end, with a small test protocol ("OPEN ADDR
 * PORT\r\n" from the client announces a port the server will connect to,
 * like FTP's PORT): the helper on a MASQUERADEd connection rewrites the
 * address through nf_nat's mangle API, registers its expectation through
 * nf_nat_exp_find_port with nf_nat_follow_master as expectfn; seqadj keeps
 * the rest of the stream consistent; the server's connection back is
 * translated to the client.
 */
import { buildTcp, readU16, readU32 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import {
  type ConnHandle,
  CtInfo,
  type HelperPacket,
  Kernel,
  NAT_HELPER_SYMBOLS,
  type NfNatExpFindPort,
  type NfNatFollowMaster,
  type NfNatMangle,
  Tuple,
} from "../dist/index.js";

const SRV = "198.51.100.2";
const WAN = "198.51.100.1";
const PORT = 7777;

interface Out {
  ifname: string;
  bytes: Uint8Array;
}

/** A router with MASQUERADE and the "resize" helper attached by a CT rule. */
async function router(lanAddr = "10.0.0.1/24") {
  const k = new Kernel({ clock: () => 1000 });
  expect(k.net.ip(["addr", "add", lanAddr, "dev", "lan"]).status).toBe(0);
  expect(k.net.ip(["addr", "add", `${WAN}/24`, "dev", "wan"]).status).toBe(0);
  k.sysctl.set("net.ipv4.ip_forward", "1");
  await k.modules.probe("nf_nat");
  const nfNat = k.modules.find("nf_nat");
  if (!nfNat) throw new Error("nf_nat did not load");
  const sym = <T>(name: string) => nfNat.symbols.get(name) as T;
  const mangle = sym<NfNatMangle>(NAT_HELPER_SYMBOLS.mangleTcp);
  const follow = sym<NfNatFollowMaster>(NAT_HELPER_SYMBOLS.followMaster);
  const findPort = sym<NfNatExpFindPort>(NAT_HELPER_SYMBOLS.expFindPort);
  const reply = new Tuple();
  const log: string[] = [];

  k.helpers.register(
    {
      name: "resize",
      l3: "ipv4",
      l4: "tcp",
      port: PORT,
      expectPolicy: [{ name: "resize", maxExpected: 2, timeout: 300 }],
      help(pkt: HelperPacket, _protoff, conn, ctinfo) {
        const ct = conn as ConnHandle;
        if (ctinfo !== CtInfo.ESTABLISHED || pkt.payloadLength === 0) return 1;
        const text = Buffer.from(
          pkt.data.subarray(pkt.payloadOffset, pkt.payloadOffset + pkt.payloadLength),
        ).toString("latin1");
        const m = /^OPEN (\d+\.\d+\.\d+\.\d+ (\d+))\r\n/.exec(text);
        if (!m) return 1;
        const port = Number(m[2]);
        const now = (pkt as HelperPacket & { time: number }).time;
        ct.tuple(1, reply);
        const exp = ct.expectation(0, 4, reply.src, reply.dst, 6, null, port);
        if (!ct.isNatted) return ct.expectRelated(exp, now) === 0 ? 1 : 0;
        exp.savedPort = port;
        exp.dir = 1;
        exp.expectfn = follow;
        const got = findPort(exp, port, now);
        log.push(`port ${port} -> ${got}`);
        if (got === 0) return 0;
        const rep = Buffer.from(`${WAN} ${got}`, "latin1");
        if (!mangle(pkt, 5, (m[1] as string).length, rep)) {
          ct.unexpectRelated(exp);
          return 0;
        }
        return 1;
      },
    },
    nfNat,
  );
  for (const r of [
    ["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"],
    [
      "-t",
      "raw",
      "-A",
      "PREROUTING",
      "-p",
      "tcp",
      "--dport",
      `${PORT}`,
      "-j",
      "CT",
      "--helper",
      "resize",
    ],
  ]) {
    await k.xtables.apply(4, r);
  }
  await k.settle();
  const out: Out[] = [];
  k.net.setTransmit((ifindex, data, off, len) => {
    out.push({ ifname: k.net.deviceName(ifindex), bytes: data.slice(off, off + len) });
  });
  const lan = k.net.deviceIndex("lan");
  const wan = k.net.deviceIndex("wan");
  const feed = (ifindex: number, p: Uint8Array) => k.receive(ifindex, p, 0, p.length, 1000);
  return { k, out, lan, wan, feed, log };
}

type Seg = { src: string; dst: string; sport: number; dport: number; seq: number; ack: number };

function seg(s: Seg, flags: number, payload = "", options?: number[], ttl?: number) {
  return buildTcp({
    ...s,
    flags,
    payload,
    ttl,
    options: options ? Uint8Array.from(options) : undefined,
  });
}

function hex(b: Uint8Array | undefined): string {
  return Buffer.from(b ?? new Uint8Array()).toString("hex");
}

function u32be(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Three-way handshake from `client`:40000 to SRV:7777 through the router. */
function handshake(r: Awaited<ReturnType<typeof router>>, client: string, sport = 40000) {
  const c = { src: client, dst: SRV, sport, dport: PORT };
  const s = { src: SRV, dst: WAN, sport: PORT, dport: sport };
  r.feed(r.lan, seg({ ...c, seq: 100, ack: 0 }, 0x02));
  r.feed(r.wan, seg({ ...s, seq: 500, ack: 101 }, 0x12));
  r.feed(r.lan, seg({ ...c, seq: 101, ack: 501 }, 0x10));
  return { c, s };
}

describe("a NAT helper resizing payloads (mangle + seqadj + follow master)", () => {
  it("grows the announcement, shifts later seq/ack/SACK, and translates the connection back", async () => {
    const r = await router();
    const { c, s } = handshake(r, "10.0.0.2");
    const out = r.out;
    const n = out.length;
    // 20 bytes in → 24 bytes out ("10.0.0.2" → "198.51.100.1"): seq unchanged.
    r.feed(r.lan, seg({ ...c, seq: 101, ack: 501 }, 0x18, "OPEN 10.0.0.2 5000\r\n"));
    expect(r.log).toEqual(["port 5000 -> 5000"]);
    expect(hex(out[n]?.bytes)).toBe(
      hex(seg({ ...c, src: WAN, seq: 101, ack: 501 }, 0x18, `OPEN ${WAN} 5000\r\n`, undefined, 63)),
    );
    // The server acknowledges all 24 bytes (ack 125); the client sees 121.
    r.feed(r.wan, seg({ ...s, seq: 501, ack: 125 }, 0x10));
    expect(hex(out[n + 1]?.bytes)).toBe(
      hex(seg({ ...s, dst: "10.0.0.2", seq: 501, ack: 121 }, 0x10, "", undefined, 63)),
    );
    // The client's next segment (seq 121) leaves as seq 125.
    r.feed(r.lan, seg({ ...c, seq: 121, ack: 501 }, 0x18, "NEXT\r\n"));
    expect(hex(out[n + 2]?.bytes)).toBe(
      hex(seg({ ...c, src: WAN, seq: 125, ack: 501 }, 0x18, "NEXT\r\n", undefined, 63)),
    );
    // A SACK for bytes after the correction point is shifted back too.
    const sack = [1, 1, 5, 10, ...u32be(131), ...u32be(140)];
    r.feed(r.wan, seg({ ...s, seq: 501, ack: 125 }, 0x10, "", sack));
    const sackOut = [1, 1, 5, 10, ...u32be(127), ...u32be(136)];
    expect(hex(out[n + 3]?.bytes)).toBe(
      hex(seg({ ...s, dst: "10.0.0.2", seq: 501, ack: 121 }, 0x10, "", sackOut, 63)),
    );
    // The server connects back from port 20 to WAN:5000 → DNATed to the client.
    const d = { src: SRV, dst: WAN, sport: 20, dport: 5000 };
    r.feed(r.wan, seg({ ...d, seq: 9000, ack: 0 }, 0x02));
    expect(out[n + 4]?.ifname).toBe("lan");
    expect(hex(out[n + 4]?.bytes)).toBe(
      hex(seg({ ...d, dst: "10.0.0.2", seq: 9000, ack: 0 }, 0x02, "", undefined, 63)),
    );
    const back = { src: "10.0.0.2", dst: SRV, sport: 5000, dport: 20 };
    r.feed(r.lan, seg({ ...back, seq: 7000, ack: 9001 }, 0x12));
    expect(hex(out[n + 5]?.bytes)).toBe(
      hex(seg({ ...back, src: WAN, seq: 7000, ack: 9001 }, 0x12, "", undefined, 63)),
    );
    // The data connection is the master's child, and the expectation is used up.
    expect(r.k.conntrack.expectations).toHaveLength(0);
    const lines = r.k.conntrack.table.slots().map((slot) => r.k.conntrack.table.master[slot]);
    expect(lines.filter((m) => (m as number) >= 0)).toHaveLength(1);
  });

  it("shrinks a longer private address and adjusts the other way", async () => {
    const r = await router("10.100.100.1/24");
    const client = "10.100.100.100";
    const { c, s } = handshake(r, client);
    const n = r.out.length;
    const cmd = `OPEN ${client} 5000\r\n`; // 26 bytes → 24
    r.feed(r.lan, seg({ ...c, seq: 101, ack: 501 }, 0x18, cmd));
    expect(readU16(r.out[n]?.bytes as Uint8Array, 2)).toBe(20 + 20 + 24);
    r.feed(r.wan, seg({ ...s, seq: 501, ack: 125 }, 0x10));
    expect(readU32(r.out[n + 1]?.bytes as Uint8Array, 28)).toBe(127);
    r.feed(r.lan, seg({ ...c, seq: 127, ack: 501 }, 0x18, "X"));
    expect(readU32(r.out[n + 2]?.bytes as Uint8Array, 24)).toBe(125);
    const slot = r.k.conntrack.table.slots()[0] as number;
    expect(r.k.conntrack.seqadj.state(slot, 0)).toEqual([101, 0, -2]);
  });

  it("moves a second client's announcement to another port when the first is taken", async () => {
    const r = await router();
    const a = handshake(r, "10.0.0.2", 40000);
    const b = handshake(r, "10.0.0.3", 40001);
    r.feed(r.lan, seg({ ...a.c, seq: 101, ack: 501 }, 0x18, "OPEN 10.0.0.2 5000\r\n"));
    r.feed(r.lan, seg({ ...b.c, seq: 101, ack: 501 }, 0x18, "OPEN 10.0.0.3 5000\r\n"));
    expect(r.log[0]).toBe("port 5000 -> 5000");
    const other = Number(/-> (\d+)/.exec(r.log[1] as string)?.[1]);
    expect(other).toBeGreaterThan(5000);
    expect(other).toBeLessThan(65535);
    const sent = Buffer.from(r.out[r.out.length - 1]?.bytes as Uint8Array).toString("latin1");
    expect(sent.endsWith(`OPEN ${WAN} ${other}\r\n`)).toBe(true);
    // The server's connection to the new port reaches the second client at 5000.
    const d = { src: SRV, dst: WAN, sport: 20, dport: other };
    r.feed(r.wan, seg({ ...d, seq: 1, ack: 0 }, 0x02));
    expect(hex(r.out[r.out.length - 1]?.bytes)).toBe(
      hex(seg({ ...d, dst: "10.0.0.3", dport: 5000, seq: 1, ack: 0 }, 0x02, "", undefined, 63)),
    );
  });

  it("refuses a mangle that would push the packet past 65535 bytes", async () => {
    const r = await router();
    expect(r.k.net.ip(["link", "set", "wan", "mtu", "65535"]).status).toBe(0);
    const { c } = handshake(r, "10.0.0.2");
    const before = r.out.length;
    const pad = "x".repeat(65535 - 40 - 20);
    // A maximal segment whose announcement would grow: the helper drops it.
    const p = seg(
      { ...c, seq: 101, ack: 501 },
      0x18,
      `OPEN 10.0.0.2 5000\r\n${pad}`.slice(0, 65495),
    );
    r.feed(r.lan, p);
    expect(r.out.length).toBe(before);
    expect(r.k.conntrack.expectations).toHaveLength(0);
    // Four bytes less fits: the same command then goes through, grown to 65535.
    const cmd = `OPEN 10.0.0.2 5000\r\n${pad}`;
    r.feed(r.lan, seg({ ...c, seq: 101, ack: 501 }, 0x18, cmd.slice(0, 65491)));
    expect(readU16(r.out[before]?.bytes as Uint8Array, 2)).toBe(65535);
  });
});
