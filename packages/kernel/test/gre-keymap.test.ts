/**
 * Enhanced GRE tracking (nf_conntrack_proto_gre.c): the call ID is the
 * destination key, the keymap gives the source key; other GRE is keyless;
 * enhanced GRE that does not carry PPP gets no connection. The keymap's
 * one-entry-per-direction rule and its cleanup with the master.
 */
import { buildGreV1, buildTcp } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { type ConnHandle, GreKeymap, Kernel, type NfCtGreKeymapAdd, Tuple } from "../dist/index.js";

const PNS = "10.0.0.2";
const PAC = "198.51.100.2";

async function router() {
  const k = new Kernel({ clock: () => 1000 });
  k.net.ip(["addr", "add", "10.0.0.1/24", "dev", "lan"]);
  k.net.ip(["addr", "add", "198.51.100.1/24", "dev", "wan"]);
  k.sysctl.set("net.ipv4.ip_forward", "1");
  await k.xtables.apply(4, [
    "-A",
    "FORWARD",
    "-m",
    "conntrack",
    "--ctstate",
    "INVALID",
    "-j",
    "DROP",
  ]);
  await k.modules.probe("nf_conntrack_proto_gre");
  await k.settle();
  const sent: Uint8Array[] = [];
  k.net.setTransmit((_i, d, off, len) => sent.push(d.slice(off, off + len)));
  const lan = k.net.deviceIndex("lan");
  const wan = k.net.deviceIndex("wan");
  const feed = (ifindex: number, p: Uint8Array) => k.receive(ifindex, p, 0, p.length, 1000);
  return { k, sent, lan, wan, feed };
}

function ip4(s: string): number {
  return s.split(".").reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
}

function greTuple(src: string, dst: string, skey: number, dkey: number): Tuple {
  const t = new Tuple();
  t.family = 4;
  t.proto = 47;
  t.src[0] = ip4(src);
  t.dst[0] = ip4(dst);
  t.sport = skey;
  t.dport = dkey;
  return t;
}

describe("GRE keymap", () => {
  it("keeps one entry per master and direction, accepting the same tuple again", () => {
    const km = new GreKeymap();
    const a = greTuple(PNS, PAC, 0x100, 0x200);
    expect(km.add(7, 1, 0, a)).toBe(0);
    expect(km.add(7, 1, 0, greTuple(PNS, PAC, 0x999, 0x200))).toBe(0); // same key tuple
    expect(km.add(7, 1, 0, greTuple(PNS, PAC, 0x100, 0x201))).toBe("EEXIST");
    expect(km.add(7, 1, 1, greTuple(PAC, PNS, 0x200, 0x100))).toBe(0);
    expect(km.size).toBe(2);
    expect(km.lookup(greTuple(PNS, PAC, 0, 0x200))).toBe(0x100);
    expect(km.lookup(greTuple(PNS, PAC, 0, 0x201))).toBe(0);
    // A reused slot (new id) is another master.
    expect(km.add(7, 2, 0, greTuple(PNS, PAC, 0x5, 0x6))).toBe(0);
    km.destroy(7, 1);
    expect(km.size).toBe(1);
    km.flush();
    expect(km.size).toBe(0);
  });
});

describe("enhanced GRE through conntrack", () => {
  it("tracks version 1 by call ID, the source key from the keymap", async () => {
    const r = await router();
    // Without a keymap entry the source key is 0.
    r.feed(r.lan, buildGreV1({ src: PNS, dst: PAC, callId: 0x4000, seq: 1 }));
    expect(r.sent).toHaveLength(1);
    const t = new Tuple();
    const slot = r.k.conntrack.table.slots()[0] as number;
    r.k.conntrack.table.getTuple(slot, 0, t);
    expect([t.sport, t.dport]).toEqual([0, 0x4000]);
    r.k.conntrack.table.getTuple(slot, 1, t);
    expect([t.sport, t.dport]).toEqual([0x4000, 0]);
  });

  it("gives both directions their keys once the helper filled the keymap", async () => {
    const r = await router();
    // A control connection to own the keymap entries (the PPTP helper's master).
    r.feed(r.lan, buildTcp({ src: PNS, dst: PAC, sport: 40000, dport: 1723, seq: 1, flags: 0x02 }));
    const master = r.k.conntrack.table.slots()[0] as number;
    const mod = r.k.modules.find("nf_conntrack_proto_gre");
    const add = mod?.symbols.get("nf_ct_gre_keymap_add") as NfCtGreKeymapAdd;
    const ct = { slot: master, id: r.k.conntrack.table.id[master] } as unknown as ConnHandle;
    expect(add(ct, 0, greTuple(PNS, PAC, 0x0101, 0x0202))).toBe(0);
    expect(add(ct, 1, greTuple(PAC, PNS, 0x0202, 0x0101))).toBe(0);
    r.feed(r.lan, buildGreV1({ src: PNS, dst: PAC, callId: 0x0202, seq: 1 }));
    r.feed(r.wan, buildGreV1({ src: PAC, dst: PNS, callId: 0x0101, seq: 1, ack: 1 }));
    expect(r.sent).toHaveLength(3);
    const slots = r.k.conntrack.table.slots().filter((s) => r.k.conntrack.table.proto[s] === 47);
    expect(slots).toHaveLength(1); // the reply found the same connection
    const t = new Tuple();
    r.k.conntrack.table.getTuple(slots[0] as number, 0, t);
    expect([t.sport, t.dport]).toEqual([0x0101, 0x0202]);
    expect((r.k.conntrack.table.status[slots[0] as number] as number) & 0x2).toBe(0x2); // SEEN_REPLY
    // The master's death takes its keymap entries.
    r.k.conntrack.kill(master);
    expect(r.k.conntrack.greKeymap.size).toBe(0);
  });

  it("tracks plain and cut GRE keyless, and refuses enhanced GRE that is not PPP", async () => {
    const r = await router();
    const v0 = buildGreV1({ src: PNS, dst: PAC, callId: 7 });
    v0[21] = 0x00; // version 0
    r.feed(r.lan, v0);
    expect(r.sent).toHaveLength(1);
    const notPpp = buildGreV1({ src: PNS, dst: "198.51.100.3", callId: 7, protocol: 0x0800 });
    r.feed(r.lan, notPpp);
    expect(r.sent).toHaveLength(1); // INVALID: dropped by the rule
    expect(r.k.conntrack.table.count).toBe(1);
    // Only 6 GRE bytes: keyless, but tracked.
    const cut = buildGreV1({ src: PNS, dst: "198.51.100.4", callId: 7, seq: null });
    const short = cut.subarray(0, 26);
    short[3] = 26;
    short[10] = 0;
    short[11] = 0;
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += ((short[i] as number) << 8) | (short[i + 1] as number);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    short[10] = (~sum >>> 8) & 0xff;
    short[11] = ~sum & 0xff;
    r.feed(r.lan, short);
    expect(r.sent).toHaveLength(2);
    expect(r.k.conntrack.table.count).toBe(2);
  });
});
