/**
 * Conntrack core on hand-built packets pushed through the hook chains the
 * way the router does: PREROUTING (tracking) then POSTROUTING (confirm).
 */
import { buildIcmp, buildTcp, buildUdp } from "@ctkit/packet";
import { beforeEach, describe, expect, it } from "vitest";
import {
  ConnHandle,
  CtInfo,
  CtStateBit,
  connLine,
  expectLine,
  Hook,
  Ips,
  Kernel,
  NfVerdict,
  Skb,
} from "../dist/index.js";

let k: Kernel;
const skb = new Skb();

async function boot(params: string[] = []): Promise<Kernel> {
  const kernel = new Kernel({ clock: () => 1000 });
  await kernel.modules.probe("nf_conntrack", { params });
  kernel.conntrack.netnsGet(4);
  kernel.conntrack.loadTimeouts();
  return kernel;
}

/** One forwarded packet: conntrack in, then confirm. Returns the state bits rules would see. */
function forward(
  pkt: Uint8Array,
  time: number,
  confirm = true,
): { verdict: number; bits: number; ct: number; ctinfo: number } {
  skb.parse(pkt, 0, pkt.length);
  skb.time = time;
  let verdict = k.hooks.run(4, Hook.PREROUTING, skb);
  const bits = k.conntrack.stateBits(skb);
  const ct = skb.ct;
  const ctinfo = skb.ctinfo;
  if (verdict === NfVerdict.ACCEPT && confirm) verdict = k.hooks.run(4, Hook.POSTROUTING, skb);
  if (!confirm) k.conntrack.release(skb);
  return { verdict, bits, ct, ctinfo };
}

const udp = (src: string, dst: string, sport: number, dport: number) =>
  buildUdp({ src, dst, sport, dport, payload: "hello" });

beforeEach(async () => {
  k = await boot();
});

describe("UDP", () => {
  it("is NEW, then ESTABLISHED both ways; a stream after 2 s gets 120 s and ASSURED", () => {
    const a = forward(udp("10.0.0.2", "192.0.2.1", 40000, 53), 1000);
    expect(a).toMatchObject({
      verdict: NfVerdict.ACCEPT,
      bits: CtStateBit.NEW,
      ctinfo: CtInfo.NEW,
    });
    expect(k.conntrack.count).toBe(1);
    const line = () => connLine(k.conntrack, a.ct, { now: 1000, acct: false });
    expect(line()).toBe(
      "udp      17 30 src=10.0.0.2 dst=192.0.2.1 sport=40000 dport=53 [UNREPLIED] src=192.0.2.1 dst=10.0.0.2 sport=53 dport=40000 mark=0 use=1",
    );
    const r = forward(udp("192.0.2.1", "10.0.0.2", 53, 40000), 1000.5);
    expect(r).toMatchObject({
      ct: a.ct,
      bits: CtStateBit.ESTABLISHED,
      ctinfo: CtInfo.ESTABLISHED_REPLY,
    });
    // The first reply still gets the unreplied timeout (SEEN_REPLY is set after the tracker ran).
    expect(k.conntrack.table.expires[a.ct]).toBe(1030.5);
    expect(forward(udp("10.0.0.2", "192.0.2.1", 40000, 53), 1001).ctinfo).toBe(CtInfo.ESTABLISHED);
    expect(k.conntrack.table.status[a.ct] & Ips.ASSURED).toBe(0);
    forward(udp("10.0.0.2", "192.0.2.1", 40000, 53), 1003);
    expect(k.conntrack.table.status[a.ct] & Ips.ASSURED).toBe(Ips.ASSURED);
    expect(k.conntrack.table.expires[a.ct]).toBe(1123);
  });

  it("counts packets and bytes per direction with acct", async () => {
    k = await boot(["acct=1"]);
    const a = forward(udp("10.0.0.2", "192.0.2.1", 1, 2), 1000);
    forward(udp("192.0.2.1", "10.0.0.2", 2, 1), 1000);
    forward(udp("192.0.2.1", "10.0.0.2", 2, 1), 1000);
    expect(connLine(k.conntrack, a.ct, { now: 1000, acct: true })).toContain(
      "sport=1 dport=2 packets=1 bytes=33 src=192.0.2.1 dst=10.0.0.2 sport=2 dport=1 packets=2 bytes=66 mark=0",
    );
  });

  it("expires: a packet after the timeout starts a new connection", () => {
    const a = forward(udp("10.0.0.2", "192.0.2.1", 40000, 53), 1000);
    const id = k.conntrack.table.id[a.ct];
    const b = forward(udp("10.0.0.2", "192.0.2.1", 40000, 53), 1031);
    expect(b.ctinfo).toBe(CtInfo.NEW);
    expect(k.conntrack.table.id[b.ct]).not.toBe(id);
    expect(k.conntrack.count).toBe(1);
  });

  it("forgets a new connection whose packet never left the box", () => {
    forward(udp("10.0.0.2", "192.0.2.1", 40000, 53), 1000, false);
    expect(k.conntrack.count).toBe(0);
    expect(forward(udp("10.0.0.2", "192.0.2.1", 40000, 53), 1000).ctinfo).toBe(CtInfo.NEW);
  });
});

describe("TCP", () => {
  const C = "10.0.0.2";
  const S = "192.0.2.1";
  const tcp = (
    src: string,
    dst: string,
    sport: number,
    dport: number,
    seq: number,
    ack: number,
    flags: number,
    payload = "",
  ) => buildTcp({ src, dst, sport, dport, seq, ack, flags, payload });

  it("walks the handshake to ESTABLISHED/ASSURED and lists the state", () => {
    const syn = forward(tcp(C, S, 40000, 80, 100, 0, 0x02), 1000);
    expect(syn.bits).toBe(CtStateBit.NEW);
    expect(connLine(k.conntrack, syn.ct, { now: 1000, acct: false })).toMatch(
      /^tcp {6}6 120 SYN_SENT src=10\.0\.0\.2 .* \[UNREPLIED\] /,
    );
    expect(forward(tcp(S, C, 80, 40000, 500, 101, 0x12), 1000).ctinfo).toBe(
      CtInfo.ESTABLISHED_REPLY,
    );
    expect(forward(tcp(C, S, 40000, 80, 101, 501, 0x10), 1000).ctinfo).toBe(CtInfo.ESTABLISHED);
    expect(k.conntrack.table.status[syn.ct] & Ips.ASSURED).toBe(Ips.ASSURED);
    expect(connLine(k.conntrack, syn.ct, { now: 1000, acct: false })).toBe(
      "tcp      6 432000 ESTABLISHED src=10.0.0.2 dst=192.0.2.1 sport=40000 dport=80 src=192.0.2.1 dst=10.0.0.2 sport=80 dport=40000 [ASSURED] mark=0 use=1",
    );
  });

  it("a mid-stream ACK is picked up with tcp_loose=1 and INVALID with tcp_loose=0", () => {
    expect(forward(tcp(C, S, 40001, 80, 7, 9, 0x10), 1000).bits).toBe(CtStateBit.NEW);
    k.sysctl.set("net.netfilter.nf_conntrack_tcp_loose", "0");
    expect(forward(tcp(C, S, 40002, 80, 7, 9, 0x10), 1000)).toMatchObject({
      ct: -1,
      bits: CtStateBit.INVALID,
    });
  });

  it("warns once that automatic helper assignment is off; assigns by port with nf_conntrack_helper=1", async () => {
    k = new Kernel({
      clock: () => 1000,
      modulePath: [
        { path: new URL("../../../examples", import.meta.url).pathname, origin: "path" },
      ],
    });
    await k.modules.probe("nf_conntrack_sample");
    k.conntrack.netnsGet(4);
    const warn =
      "nf_conntrack: default automatic helper assignment has been turned off for security reasons and CT-based  firewall rule not found. Use the iptables CT target to attach helpers instead.";
    const a = forward(tcp(C, S, 1, 9999, 1, 0, 0x02), 1000);
    forward(tcp(C, S, 2, 9999, 1, 0, 0x02), 1000);
    expect(k.log.all().filter((l) => l.text === warn)).toHaveLength(1);
    expect(k.conntrack.helperOf(a.ct)).toBeNull();
    k.sysctl.set("net.netfilter.nf_conntrack_helper", "1");
    const b = forward(tcp(C, S, 3, 9999, 1, 0, 0x02), 1000);
    expect(k.conntrack.helperOf(b.ct)?.spec.name).toBe("sample");
  });
});

describe("checksums", () => {
  it("a bad transport checksum at PREROUTING means no connection, unless nf_conntrack_checksum=0", () => {
    const p = udp("10.0.0.2", "192.0.2.1", 40000, 53);
    p[27] ^= 0xff;
    expect(forward(p, 1000)).toMatchObject({ ct: -1, bits: CtStateBit.INVALID });
    k.sysctl.set("net.netfilter.nf_conntrack_checksum", "0");
    k.conntrack.loadTimeouts();
    expect(forward(p, 1000).bits).toBe(CtStateBit.NEW);
  });
});

describe("ICMP", () => {
  it("tracks echo by id; an error quoting a tracked flow is RELATED, an unknown one INVALID", () => {
    const req = forward(
      buildIcmp({ src: "10.0.0.2", dst: "192.0.2.1", type: 8, id16: 77, seq16: 1 }),
      1000,
    );
    expect(req.bits).toBe(CtStateBit.NEW);
    expect(connLine(k.conntrack, req.ct, { now: 1000, acct: false })).toBe(
      "icmp     1 30 src=10.0.0.2 dst=192.0.2.1 type=8 code=0 id=77 [UNREPLIED] src=192.0.2.1 dst=10.0.0.2 type=0 code=0 id=77 mark=0 use=1",
    );
    const rep = forward(
      buildIcmp({ src: "192.0.2.1", dst: "10.0.0.2", type: 0, id16: 77, seq16: 1 }),
      1000,
    );
    expect(rep).toMatchObject({ ct: req.ct, ctinfo: CtInfo.ESTABLISHED_REPLY });

    const flow = udp("10.0.0.2", "192.0.2.1", 40000, 53);
    const u = forward(flow, 1000);
    const unreach = buildIcmp({
      src: "192.0.2.1",
      dst: "10.0.0.2",
      type: 3,
      code: 3,
      payload: flow.subarray(0, 28),
    });
    expect(forward(unreach, 1000)).toMatchObject({
      ct: u.ct,
      ctinfo: CtInfo.RELATED_REPLY,
      bits: CtStateBit.RELATED,
    });
    const stray = buildIcmp({
      src: "192.0.2.1",
      dst: "10.0.0.2",
      type: 3,
      code: 3,
      payload: udp("10.0.0.2", "192.0.2.9", 1, 2).subarray(0, 28),
    });
    expect(forward(stray, 1000)).toMatchObject({ ct: -1, bits: CtStateBit.INVALID });
    // An error aimed at someone other than the flow's endpoint is not related either.
    const wrongDst = buildIcmp({
      src: "192.0.2.1",
      dst: "10.0.0.3",
      type: 3,
      code: 3,
      payload: flow.subarray(0, 28),
    });
    expect(forward(wrongDst, 1000).bits).toBe(CtStateBit.INVALID);
  });

  it("refuses to start a connection with an answer type", () => {
    expect(
      forward(buildIcmp({ src: "10.0.0.2", dst: "192.0.2.1", type: 0, id16: 5 }), 1000),
    ).toMatchObject({ ct: -1, bits: CtStateBit.INVALID });
    expect(k.conntrack.count).toBe(0);
  });
});

describe("tracking switch", () => {
  it("tracks nothing until something asks for it, and untracked packets say so", async () => {
    const kernel = new Kernel({ clock: () => 0 });
    await kernel.modules.probe("nf_conntrack");
    k = kernel;
    expect(forward(udp("10.0.0.2", "192.0.2.1", 1, 2), 0)).toMatchObject({ ct: -1 });
    expect(kernel.conntrack.count).toBe(0);
    kernel.conntrack.netnsGet(4);
    skb.parse(udp("10.0.0.2", "192.0.2.1", 1, 2), 0, 33);
    skb.untracked = true;
    expect(kernel.hooks.run(4, Hook.PREROUTING, skb)).toBe(NfVerdict.ACCEPT);
    expect(kernel.conntrack.stateBits(skb)).toBe(CtStateBit.UNTRACKED);
    kernel.conntrack.netnsPut(4);
    expect(kernel.hooks.names(4, Hook.PREROUTING)).toEqual([]);
  });
});

describe("table full", () => {
  it("evicts an unassured connection (early drop), else drops with the kernel's message", async () => {
    k = await boot();
    k.sysctl.set("net.netfilter.nf_conntrack_max", "2");
    forward(udp("10.0.0.2", "192.0.2.1", 1, 1), 1000);
    forward(udp("10.0.0.2", "192.0.2.1", 2, 2), 1000);
    expect(forward(udp("10.0.0.2", "192.0.2.1", 3, 3), 1000).verdict).toBe(NfVerdict.ACCEPT);
    expect(k.conntrack.count).toBe(2);
    expect(k.conntrack.stats.earlyDrop).toBe(1);
    // Make both assured streams: nothing may be evicted any more.
    for (const s of k.conntrack.table.slots()) k.conntrack.table.status[s] |= Ips.ASSURED;
    expect(forward(udp("10.0.0.2", "192.0.2.1", 4, 4), 1000).verdict).toBe(NfVerdict.DROP);
    expect(k.log.all().map((l) => l.text)).toContain(
      "nf_conntrack: nf_conntrack: table full, dropping packet",
    );
  });
});

describe("helpers and expectations", () => {
  async function withHelper(): Promise<void> {
    k = new Kernel({
      clock: () => 1000,
      modulePath: [
        { path: new URL("../../../examples", import.meta.url).pathname, origin: "path" },
      ],
    });
    await k.modules.probe("nf_conntrack_sample", { params: ["ports=9999"] });
    k.conntrack.netnsGet(4);
    k.conntrack.loadTimeouts();
  }

  it("a CT-template helper runs, holds its module, and its expectation makes the next connection RELATED", async () => {
    await withHelper();
    const helper = await k.helpers.tryGet("sample", "ipv4", "tcp");
    skb.parse(udp("10.0.0.2", "192.0.2.1", 5000, 9999), 0, 33);
    skb.time = 1000;
    skb.ctTemplate = { helper };
    k.hooks.run(4, Hook.PREROUTING, skb);
    k.hooks.run(4, Hook.POSTROUTING, skb);
    const master = skb.ct;
    expect(k.conntrack.helperOf(master)?.spec.name).toBe("sample");
    // -m helper matches the connections a helper expected, not its own.
    expect(k.conntrack.helperName(skb)).toBeNull();
    const mod = k.modules.find("nf_conntrack_sample");
    expect(mod?.refcnt).toBe(2); // the template reference and the connection's
    expect(() => k.modules.remove("nf_conntrack_sample")).toThrow(
      "Module nf_conntrack_sample is in use",
    );

    const h = new ConnHandle(k.conntrack);
    h.slot = master;
    const client = new Uint32Array([0x0a000002, 0, 0, 0]);
    const server = new Uint32Array([0xc0000201, 0, 0, 0]);
    const exp = h.expectation(0, 4, server, client, 17, null, 6000);
    expect(h.expectRelated(exp, 1000)).toBe(0);
    expect(expectLine(k.conntrack, exp, 1000)).toBe(
      "300 proto=17 src=192.0.2.1 dst=10.0.0.2 sport=0 dport=6000 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.0.0.2 master-dst=192.0.2.1 sport=5000 dport=9999 class=0 helper=sample",
    );
    const data = forward(udp("192.0.2.1", "10.0.0.2", 20, 6000), 1001);
    expect(data).toMatchObject({ ctinfo: CtInfo.RELATED, bits: CtStateBit.RELATED });
    skb.ct = data.ct;
    expect(k.conntrack.helperName(skb)).toBe("sample");
    expect(k.conntrack.table.master[data.ct]).toBe(master);
    expect(k.conntrack.expectations).toHaveLength(0);
    // One-shot: a second identical connection attempt is NEW.
    expect(forward(udp("192.0.2.1", "10.0.0.2", 21, 6000), 1001).ctinfo).toBe(CtInfo.NEW);
  });

  it("max_expected evicts the oldest; the master's death takes its expectations", async () => {
    await withHelper();
    const helper = await k.helpers.tryGet("sample", "ipv4", "tcp");
    skb.parse(udp("10.0.0.2", "192.0.2.1", 5000, 9999), 0, 33);
    skb.time = 1000;
    skb.ctTemplate = { helper };
    k.hooks.run(4, Hook.PREROUTING, skb);
    k.hooks.run(4, Hook.POSTROUTING, skb);
    const h = new ConnHandle(k.conntrack);
    h.slot = skb.ct;
    const a = new Uint32Array([0x0a000002, 0, 0, 0]);
    expect(h.expectRelated(h.expectation(0, 4, null, a, 6, null, 1111), 1000)).toBe(0);
    expect(h.expectRelated(h.expectation(0, 4, null, a, 6, null, 2222), 1000)).toBe(0);
    expect(k.conntrack.expectations.map((e) => e.tuple.dport)).toEqual([2222]);
    k.conntrack.destroy(skb.ct);
    expect(k.conntrack.expectations).toHaveLength(0);
    // The connection's module reference went with it; only the template's remains.
    expect(k.modules.find("nf_conntrack_sample")?.refcnt).toBe(1);
    k.helpers.put(helper);
    k.modules.remove("nf_conntrack_sample");
    expect(k.helpers.list()).toHaveLength(0);
  });
});
