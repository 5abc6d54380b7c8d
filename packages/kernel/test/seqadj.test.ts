/**
 * Sequence adjustment (nf_conntrack_seqadj.c) on its own: the correction
 * history per direction, sequence/ACK/SACK rewriting with incremental
 * checksums, and the option walk that drops malformed segments.
 */
import { buildTcp, checksumIsValid, ipv4PseudoHeaderSum, readU32 } from "@ctkit/packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SeqAdjTable } from "../dist/index.js";

const SLOT = 3;

function segment(p: { seq: number; ack?: number; flags?: number; options?: number[] }) {
  return buildTcp({
    src: "10.0.0.2",
    dst: "198.51.100.2",
    sport: 40000,
    dport: 21,
    seq: p.seq,
    ack: p.ack ?? 0,
    flags: p.flags ?? 0x18,
    options: p.options ? Uint8Array.from(p.options) : undefined,
    payload: "x",
  });
}

function tcpChecksumOk(b: Uint8Array): boolean {
  const len = b.length - 20;
  return checksumIsValid(b, 20, len, ipv4PseudoHeaderSum(0x0a000002, 0xc6336402, 6, len));
}

function adjust(t: SeqAdjTable, dir: 0 | 1, b: Uint8Array): boolean {
  return t.adjust(SLOT, dir, b, 20, b.length - 20);
}

function u32be(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

describe("seqadj correction history", () => {
  it("applies the old offset up to the mangled segment and the new one after it", () => {
    const t = new SeqAdjTable();
    t.add(SLOT);
    expect(t.set(SLOT, 0, 1000, 4)).toBe(true);
    expect(t.state(SLOT, 0)).toEqual([1000, 0, 4]);
    expect(t.offset(SLOT, 0, 1000)).toBe(0); // the mangled segment itself
    expect(t.offset(SLOT, 0, 1001)).toBe(4);
    expect(t.offset(SLOT, 0, 999)).toBe(0);
    // The other direction is untouched.
    expect(t.state(SLOT, 1)).toEqual([0, 0, 0]);
  });

  it("accumulates growing and shrinking rewrites, remembering only the latest point", () => {
    const t = new SeqAdjTable();
    t.add(SLOT);
    t.set(SLOT, 0, 1000, 4);
    t.set(SLOT, 0, 2000, -2);
    expect(t.state(SLOT, 0)).toEqual([2000, 4, 2]);
    expect(t.offset(SLOT, 0, 1500)).toBe(4);
    expect(t.offset(SLOT, 0, 2001)).toBe(2);
  });

  it("does not count a re-mangled retransmission twice", () => {
    const t = new SeqAdjTable();
    t.add(SLOT);
    t.set(SLOT, 0, 1000, 4);
    t.set(SLOT, 0, 1000, 4); // same segment again
    expect(t.state(SLOT, 0)).toEqual([1000, 0, 4]);
    t.set(SLOT, 0, 900, 4); // an older one
    expect(t.state(SLOT, 0)).toEqual([1000, 0, 4]);
  });

  it("handles the wrap of sequence space", () => {
    const t = new SeqAdjTable();
    t.add(SLOT);
    t.set(SLOT, 0, 0xfffffff0, 3);
    expect(t.offset(SLOT, 0, 0x10)).toBe(3); // after the wrap is "after"
    t.set(SLOT, 0, 0x20, 5);
    expect(t.state(SLOT, 0)).toEqual([0x20, 3, 8]);
  });

  it("ignores corrections for a connection without the extension, as Linux does", () => {
    const t = new SeqAdjTable();
    expect(t.set(SLOT, 0, 1, 4)).toBe(false);
    expect(t.offset(SLOT, 0, 5)).toBe(0);
    t.add(SLOT);
    t.free(SLOT);
    expect(t.has(SLOT)).toBe(false);
  });
});

describe("seqadj on the wire", () => {
  it("shifts seq by this direction's offset and ack by the other's", () => {
    const t = new SeqAdjTable();
    t.add(SLOT);
    t.set(SLOT, 0, 1000, 4); // client's segment at 1000 grew by 4
    // A later client segment: seq +4.
    const c = segment({ seq: 1030, ack: 5000 });
    expect(adjust(t, 0, c)).toBe(true);
    expect(readU32(c, 24)).toBe(1034);
    expect(readU32(c, 28)).toBe(5000);
    expect(tcpChecksumOk(c)).toBe(true);
    // The server acknowledges 1034 in its numbering → 1030 for the client.
    const s = segment({ seq: 5000, ack: 1034 });
    expect(adjust(t, 1, s)).toBe(true);
    expect(readU32(s, 24)).toBe(5000);
    expect(readU32(s, 28)).toBe(1030);
    expect(tcpChecksumOk(s)).toBe(true);
    // An ACK of the mangled segment's start is not shifted.
    const early = segment({ seq: 5000, ack: 1000 });
    adjust(t, 1, early);
    expect(readU32(early, 28)).toBe(1000);
  });

  it("leaves ack alone without the ACK flag", () => {
    const t = new SeqAdjTable();
    t.add(SLOT);
    t.set(SLOT, 1, 10, 7);
    const syn = segment({ seq: 77, ack: 1234, flags: 0x02 });
    adjust(t, 0, syn);
    expect(readU32(syn, 28)).toBe(1234);
  });

  it("rewrites every SACK edge with the other direction's offset", () => {
    const t = new SeqAdjTable();
    t.add(SLOT);
    t.set(SLOT, 0, 1000, -3); // client's segment shrank by 3
    const opts = [1, 1, 5, 18, ...u32be(1100), ...u32be(1200), ...u32be(900), ...u32be(950)];
    const s = segment({ seq: 5000, ack: 1097, options: opts });
    expect(adjust(t, 1, s)).toBe(true);
    expect(readU32(s, 28)).toBe(1100);
    expect(readU32(s, 44)).toBe(1103);
    expect(readU32(s, 48)).toBe(1203);
    expect(readU32(s, 52)).toBe(900);
    expect(readU32(s, 56)).toBe(950);
    expect(tcpChecksumOk(s)).toBe(true);
  });

  it("drops a segment whose options are malformed", () => {
    const t = new SeqAdjTable();
    t.add(SLOT);
    t.set(SLOT, 0, 1000, 4);
    // A kind with a length that runs past the header.
    expect(adjust(t, 1, segment({ seq: 1, ack: 1100, options: [8, 12, 0, 0] }))).toBe(false);
    // A length below 2.
    expect(adjust(t, 1, segment({ seq: 1, ack: 1100, options: [1, 1, 3, 1] }))).toBe(false);
    // An option kind as the last byte, with no room for its length.
    expect(adjust(t, 1, segment({ seq: 1, ack: 1100, options: [1, 1, 1, 8] }))).toBe(false);
    // End of options stops the walk before garbage.
    expect(adjust(t, 1, segment({ seq: 1, ack: 1100, options: [0, 99, 99, 99] }))).toBe(true);
    // A SACK whose length is not whole blocks is skipped, not adjusted.
    const odd = segment({ seq: 1, ack: 1100, options: [5, 6, ...u32be(1200), 1, 1] });
    expect(adjust(t, 1, odd)).toBe(true);
    expect(readU32(odd, 42)).toBe(1200);
  });

  it("keeps the checksum right for any offsets and numbers (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (pos, delta, seq, ack, edge) => {
          const t = new SeqAdjTable();
          t.add(SLOT);
          t.set(SLOT, 0, pos, delta === 0 ? 1 : delta);
          t.set(SLOT, 1, pos ^ 0x5555, -delta || 2);
          const opts = [1, 1, 5, 10, ...u32be(edge), ...u32be((edge + 10) >>> 0)];
          for (const dir of [0, 1] as const) {
            const b = segment({ seq, ack, options: opts });
            adjust(t, dir, b);
            expect(tcpChecksumOk(b)).toBe(true);
            const want = (seq + t.offset(SLOT, dir, seq)) >>> 0;
            expect(readU32(b, 24)).toBe(want);
          }
        },
      ),
    );
  });
});
