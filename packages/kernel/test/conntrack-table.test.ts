/**
 * ConnTable's hash on its own: entries carry the ports and first address
 * words, IPv4 tuples hash their endpoints in a canonical order, IPv6 ones
 * every word. Lookups must still tell apart every tuple that differs
 * anywhere: family, protocol, any address word, either port.
 */
import { describe, expect, it } from "vitest";
import { ConnTable, invertTuple, Tuple } from "../dist/index.js";

function tuple(
  family: 4 | 6,
  proto: number,
  src: number[],
  dst: number[],
  sport: number,
  dport: number,
): Tuple {
  const t = new Tuple();
  t.family = family;
  t.proto = proto;
  src.forEach((w, i) => {
    t.src[i] = w;
  });
  dst.forEach((w, i) => {
    t.dst[i] = w;
  });
  t.sport = sport;
  t.dport = dport;
  return t;
}

/** Allocates, stores both directions (reply = inverse unless given) and inserts. */
function add(table: ConnTable, orig: Tuple, reply?: Tuple): number {
  const r = reply ?? new Tuple();
  if (!reply) invertTuple(orig, r);
  const s = table.alloc();
  table.setTuple(s, 0, orig);
  table.setTuple(s, 1, r);
  table.insert(s);
  return s;
}

function inverse(t: Tuple): Tuple {
  const r = new Tuple();
  invertTuple(t, r);
  return r;
}

describe("ConnTable lookups", () => {
  it("finds both directions of IPv4 connections and nothing that differs in one field", () => {
    const table = new ConnTable(16);
    // Addresses above 2^31 on purpose: stored as int32 in the entries.
    const a = tuple(4, 6, [0xc0a80001], [0xcb007105], 40000, 443);
    const b = tuple(4, 17, [0xc0a80001], [0xcb007105], 40000, 443);
    const sa = add(table, a);
    const sb = add(table, b);
    expect(table.find(a)).toBe(sa * 2);
    expect(table.find(inverse(a))).toBe(sa * 2 + 1);
    expect(table.find(b)).toBe(sb * 2);
    expect(table.find(inverse(b))).toBe(sb * 2 + 1);
    for (const miss of [
      tuple(4, 6, [0xc0a80002], [0xcb007105], 40000, 443),
      tuple(4, 6, [0xc0a80001], [0xcb007106], 40000, 443),
      tuple(4, 6, [0xc0a80001], [0xcb007105], 40001, 443),
      tuple(4, 6, [0xc0a80001], [0xcb007105], 40000, 444),
      tuple(4, 1, [0xc0a80001], [0xcb007105], 40000, 443),
      // Same first words, more words set: not the IPv4 connection.
      tuple(4, 6, [0xc0a80001, 0, 0, 1], [0xcb007105], 40000, 443),
      tuple(6, 6, [0xc0a80001], [0xcb007105], 40000, 443),
    ]) {
      expect(table.find(miss)).toBe(-1);
    }
  });

  it("tells IPv6 tuples apart by every address word", () => {
    const table = new ConnTable(16);
    const base = [0x20010db8, 0, 0, 0x1];
    const peer = [0x20010db8, 0, 0, 0x2];
    const a = tuple(6, 17, base, peer, 5000, 53);
    const sa = add(table, a);
    expect(table.find(a)).toBe(sa * 2);
    expect(table.find(inverse(a))).toBe(sa * 2 + 1);
    for (let word = 1; word < 4; word++) {
      const src = [...base];
      src[word] = (src[word] as number) ^ 0x80000000;
      expect(table.find(tuple(6, 17, src, peer, 5000, 53))).toBe(-1);
      const dst = [...peer];
      dst[word] = (dst[word] as number) ^ 0x80000000;
      expect(table.find(tuple(6, 17, base, dst, 5000, 53))).toBe(-1);
    }
    // An IPv6 connection whose first words equal an IPv4 one's: both found, each its own.
    const v4 = tuple(4, 17, [0x20010db8], [0x20010db8], 5000, 53);
    const s4 = add(table, v4);
    expect(table.find(v4)).toBe(s4 * 2);
    expect(table.find(a)).toBe(sa * 2);
  });

  it("never takes one IPv6 connection for another that shares ports and first words", () => {
    // Many entries alike in everything the hash entry holds: probe sequences
    // run over each other's entries, and only the slot's words tell them apart.
    const table = new ConnTable(16);
    const slots: [number, Tuple][] = [];
    for (let i = 0; i < 400; i++) {
      const t = tuple(6, 6, [0x20010db8, 0, i, 1], [0x20010db8, 0, 0, 2], 40000, 443);
      slots.push([add(table, t), t]);
    }
    for (const [s, t] of slots) {
      expect(table.find(t)).toBe(s * 2);
      expect(table.find(inverse(t))).toBe(s * 2 + 1);
    }
  });

  it("finds a reply tuple NAT changed, and not the old one, after a re-hash", () => {
    const table = new ConnTable(16);
    const orig = tuple(4, 6, [0x0a000002], [0x08080808], 1234, 80);
    const natted = tuple(4, 6, [0x08080808], [0xc6336401], 80, 61000);
    const s = add(table, orig, natted);
    expect(table.find(natted)).toBe(s * 2 + 1);
    expect(table.find(inverse(orig))).toBe(-1);
    // What Conntrack.alterReply does: out of the hash, new reply, back in.
    table.remove(s);
    const again = tuple(4, 6, [0x08080808], [0xc6336401], 80, 61001);
    table.setTuple(s, 1, again);
    table.insert(s);
    expect(table.find(again)).toBe(s * 2 + 1);
    expect(table.find(natted)).toBe(-1);
    expect(table.find(orig)).toBe(s * 2);
  });

  it("keeps every connection findable through growth, removals and tombstone clean-ups", () => {
    const table = new ConnTable(16);
    const live = new Map<number, Tuple>();
    for (let i = 0; i < 3000; i++) {
      const t =
        i % 3 === 0
          ? tuple(6, 6, [0x20010db8, 0, i, 1], [0x20010db8, 0, 0, 2], 1024 + i, 443)
          : tuple(4, i % 2 ? 6 : 17, [0x0a000000 + i], [0xc0000201], 1024 + (i % 50000), 53);
      live.set(add(table, t), t);
      // Remove every third one again, the way destroy() does.
      if (i % 3 === 1) {
        const [s] = live.keys();
        table.remove(s as number);
        table.free(s as number);
        live.delete(s as number);
      }
    }
    expect(table.count).toBe(live.size);
    for (const [s, t] of live) {
      expect(table.find(t)).toBe(s * 2);
      expect(table.find(inverse(t))).toBe(s * 2 + 1);
    }
  });
});
