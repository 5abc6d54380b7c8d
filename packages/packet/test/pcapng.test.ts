import { describe, expect, it } from "vitest";
import {
  openCapture,
  PcapFormatError,
  type PcapngReader,
  type PcapRecord,
} from "../src/pcap/index.js";
import {
  block,
  bytes,
  concat,
  epb,
  fields,
  filler,
  idb,
  opb,
  shb,
  spb,
  tsoffset,
  tsresol,
} from "./pcap-builders.js";

function readUntilError(file: Uint8Array): { records: PcapRecord[]; error: unknown } {
  const records: PcapRecord[] = [];
  try {
    for (const record of openCapture(file)) records.push(record);
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

function readAll(file: Uint8Array): PcapRecord[] {
  const { records, error } = readUntilError(file);
  if (error) throw error;
  return records;
}

function expectError(file: Uint8Array, offset: number, message: string | RegExp): PcapRecord[] {
  const { records, error } = readUntilError(file);
  expect(error).toBeInstanceOf(PcapFormatError);
  expect((error as PcapFormatError).offset).toBe(offset);
  expect((error as Error).message).toMatch(message);
  return records;
}

const name = (s: string): [number, Uint8Array] => [2, new TextEncoder().encode(s)];

// 1_700_000_000.123456789 s in various units, as (high, low) 32-bit halves.
const NS = 1_700_000_000_123_456_789n;
const split = (v: bigint): [number, number] => [Number(v >> 32n), Number(v & 0xffffffffn)];

describe("pcapng reader", () => {
  for (const le of [true, false]) {
    const order = le ? "little-endian" : "big-endian";

    it(`reads a ${order} section with two interfaces of different resolution`, () => {
      const file = concat(
        shb(le),
        idb(le, 1, 65535, [name("eth0")]), // default resolution: microseconds
        idb(le, 101, 0, [tsresol(9), name("tun0")]),
        epb(le, 0, ...split(NS / 1000n), filler(60, 1)),
        epb(le, 1, ...split(NS), filler(40, 2), 1500),
        epb(le, 0, ...split(NS / 1000n + 1n), filler(61, 3)),
      );
      const reader = openCapture(file) as PcapngReader;
      expect(reader.format).toBe("pcapng");
      const records = Array.from(reader);
      expect(records.map((r) => [r.interfaceId, r.linkType, r.tsSec, r.tsNsec])).toEqual([
        [0, 1, 1_700_000_000, 123_456_000],
        [1, 101, 1_700_000_000, 123_456_789],
        [0, 1, 1_700_000_000, 123_457_000],
      ]);
      expect(records[1]).toMatchObject({ originalLength: 1500 });
      expect(records[1].data).toEqual(filler(40, 2));
      expect(records[2].data).toEqual(filler(61, 3));
      expect(reader.interfaces).toEqual([
        {
          linkType: 1,
          snapLength: 65535,
          name: "eth0",
          tsResolution: 6,
          tsOffset: 0,
          section: 0,
          localId: 0,
        },
        {
          linkType: 101,
          snapLength: 0,
          name: "tun0",
          tsResolution: 9,
          tsOffset: 0,
          section: 0,
          localId: 1,
        },
      ]);
      expect(reader.sections).toBe(1);
    });
  }

  it("converts odd resolutions: seconds, milliseconds, picoseconds, 2^-20 and 2^-32", () => {
    const le = true;
    const file = concat(
      shb(le),
      idb(le, 1, 0, [tsresol(0)]),
      idb(le, 1, 0, [tsresol(3)]),
      idb(le, 1, 0, [tsresol(12)]),
      idb(le, 1, 0, [tsresol(0x80 | 20)]),
      idb(le, 1, 0, [tsresol(0x80 | 32)]),
      epb(le, 0, ...split(1_700_000_000n), bytes(1)),
      epb(le, 1, ...split(1_700_000_000_999n), bytes(2)),
      epb(le, 2, ...split(1_000_000_123_456_789_999n), bytes(3)), // picoseconds
      // 1.5 s + 1 tick in 2^-20 units.
      epb(le, 3, ...split((3n << 19n) + 1n), bytes(4)),
      // 0.25 s in 2^-32 units, with seconds in the high word.
      epb(le, 4, 1_700_000_000, 0x40000000, bytes(5)),
    );
    expect(readAll(file).map((r) => [r.tsSec, r.tsNsec])).toEqual([
      [1_700_000_000, 0],
      [1_700_000_000, 999_000_000],
      [1_000_000, 123_456_789], // rounded down to nanoseconds
      [1, 500_000_953], // floor(1e9 / 2^20) = 953
      [1_700_000_000, 250_000_000],
    ]);
  });

  it("adds if_tsoffset seconds", () => {
    for (const le of [true, false]) {
      const file = concat(
        shb(le),
        idb(le, 1, 0, [tsoffset(le, 1_000_000_000)]),
        idb(le, 1, 0, [tsoffset(le, -5)]),
        epb(le, 0, ...split(700_000_000_000_042n), bytes(1)),
        epb(le, 1, ...split(10_000_000n), bytes(2)),
      );
      expect(readAll(file).map((r) => [r.tsSec, r.tsNsec])).toEqual([
        [1_700_000_000, 42_000],
        [5, 0],
      ]);
    }
  });

  it("reads simple packet blocks (no timestamp, captured length limited by snaplen)", () => {
    const le = false;
    const file = concat(
      shb(le),
      idb(le, 228, 50),
      spb(le, 40, filler(40, 1)),
      spb(le, 1500, filler(50, 2)), // cut by the snaplen of 50
      epb(le, 0, ...split(5_000_000n), filler(10, 3)),
    );
    const reader = openCapture(file);
    expect(reader.next()).toBe(true);
    expect([
      reader.hasTimestamp,
      reader.tsSec,
      reader.capturedLength,
      reader.originalLength,
    ]).toEqual([false, 0, 40, 40]);
    expect(reader.data).toEqual(filler(40, 1));
    expect(reader.linkType).toBe(228);
    expect(reader.next()).toBe(true);
    expect([reader.capturedLength, reader.originalLength]).toEqual([50, 1500]);
    expect(reader.next()).toBe(true);
    expect([reader.hasTimestamp, reader.tsSec, reader.capturedLength]).toEqual([true, 5, 10]);
    expect(reader.next()).toBe(false);
  });

  it("takes a simple packet's captured length from the block when the snaplen is 0", () => {
    const le = true;
    // Original length 100, but only 7 bytes captured (padded to 8 in the block).
    const file = concat(shb(le), idb(le, 1, 0), spb(le, 100, filler(7, 1)));
    const [record] = readAll(file);
    expect(record.data.length).toBe(8);
    expect(record.originalLength).toBe(100);
  });

  it("reads the obsolete packet block", () => {
    const le = true;
    const file = concat(
      shb(le),
      idb(le, 1, 0),
      idb(le, 113, 0),
      opb(le, 1, 0, 2_000_001, filler(20, 4)),
    );
    const [record] = readAll(file);
    expect(record).toMatchObject({ interfaceId: 1, linkType: 113, tsSec: 2, tsNsec: 1000 });
    expect(record.data).toEqual(filler(20, 4));
  });

  it("skips statistics, name resolution, custom and unknown blocks", () => {
    const le = true;
    const isb = block(le, 5, fields(le, [4, 0], [4, 0], [4, 0]));
    const nrb = block(
      le,
      4,
      concat(fields(le, [2, 1], [2, 13]), bytes(10, 0, 0, 1, 104, 111, 115, 116, 0, 0, 0, 0, 0)),
    );
    const custom = block(le, 0x00000bad, concat(fields(le, [4, 32473]), filler(9, 7)));
    const unknown = block(le, 0x12345678, new Uint8Array(0));
    const file = concat(
      shb(le),
      nrb,
      idb(le, 1, 0),
      custom,
      epb(le, 0, 0, 1, filler(30, 1)),
      isb,
      unknown,
      epb(le, 0, 0, 2, filler(31, 2)),
      isb,
    );
    const records = readAll(file);
    expect(records.map((r) => r.data.length)).toEqual([30, 31]);
    expect(records[1].data).toEqual(filler(31, 2));
  });

  it("starts a new interface list with each section, even in another byte order", () => {
    const file = concat(
      shb(true),
      idb(true, 1, 0),
      idb(true, 101, 0),
      epb(true, 1, 0, 1_000_000, bytes(0x45)),
      shb(false),
      idb(false, 113, 0, [tsresol(9)]),
      epb(false, 0, 0, 2_000_000_000, bytes(0x60)),
    );
    const reader = openCapture(file) as PcapngReader;
    const records = Array.from(reader);
    expect(records.map((r) => [r.interfaceId, r.linkType, r.tsSec])).toEqual([
      [1, 101, 1],
      [2, 113, 2],
    ]);
    expect(reader.sections).toBe(2);
    expect(reader.interfaces.map((i) => [i.section, i.localId])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    // Interface 1 of the first section does not exist in the second one.
    const stale = concat(file, epb(false, 1, 0, 0, bytes(1)));
    expectError(stale, file.length, /refers to interface 1, but the section has 1/);
  });
});

describe("pcapng errors", () => {
  const le = true;
  const head = concat(shb(le), idb(le, 1, 0));

  it("needs a section header first", () => {
    expectError(concat(idb(le, 1, 0), shb(le)), 0, /not a pcap or pcapng file/);
    const bad = shb(le);
    new DataView(bad.buffer).setUint32(8, 0x11223344, true);
    expectError(bad, 0, "pcapng: section header at offset 0 has bad byte-order magic 0x11223344");
    expectError(shb(le, 2), 0, "pcapng: section header at offset 0 has unsupported version 2.0");
  });

  it("rejects block lengths below the minimum or not a multiple of 4", () => {
    const tooShort = concat(head, fields(le, [4, 6], [4, 28]), new Uint8Array(20));
    expectError(
      tooShort,
      head.length,
      `pcapng: enhanced packet block at offset ${head.length} has total length 28 (minimum 32)`,
    );
    const odd = concat(head, fields(le, [4, 0x99], [4, 13]), new Uint8Array(9));
    expectError(
      odd,
      head.length,
      /block type 0x00000099 at offset 48 has total length 13 \(not a multiple of 4\)/,
    );
    const zero = concat(head, fields(le, [4, 0x99], [4, 0]), new Uint8Array(8));
    expectError(zero, head.length, /total length 0 \(minimum 12\)/);
  });

  it("rejects a trailing length that differs from the leading one", () => {
    const packet = epb(le, 0, 0, 0, filler(8, 1));
    new DataView(packet.buffer).setUint32(packet.length - 4, 44, true);
    const records = expectError(
      concat(head, epb(le, 0, 0, 0, filler(4, 1)), packet),
      head.length + 36,
      `pcapng: enhanced packet block at offset ${head.length + 36} has total length 40 but trailing length 44`,
    );
    expect(records).toHaveLength(1);
    const unknown = block(le, 0x777, new Uint8Array(4));
    new DataView(unknown.buffer).setUint32(12, 99, true);
    expectError(concat(head, unknown), head.length, /trailing length 99/);
  });

  it("refuses a block length of gigabytes without allocating it", () => {
    const file = concat(head, fields(le, [4, 6], [4, 0xfffffffc]), new Uint8Array(40));
    expectError(
      file,
      head.length,
      `pcapng: truncated enhanced packet block at offset 48: length 4294967292 needs bytes up to 4294967340 (file ends at ${file.length})`,
    );
  });

  it("refuses a captured length larger than its block", () => {
    const packet = epb(le, 0, 0, 0, filler(8, 1));
    new DataView(packet.buffer).setUint32(20, 0xffffff00, true);
    expectError(
      concat(head, packet),
      head.length,
      "pcapng: enhanced packet block at offset 48 has captured length 4294967040 but room for 8",
    );
  });

  it("refuses packets for undeclared interfaces and options that overrun their block", () => {
    expectError(
      concat(shb(le), epb(le, 0, 0, 0, bytes(1))),
      28,
      /refers to interface 0, but the section has 0/,
    );
    expectError(
      concat(shb(le), spb(le, 1, bytes(1))),
      28,
      /simple packet block at offset 28 refers to interface 0/,
    );
    const overrun = idb(le, 1, 0, [name("eth0")]);
    new DataView(overrun.buffer).setUint16(18, 200, true); // option length 200
    expectError(concat(shb(le), overrun), 28, /option 2 at offset 44 overruns the block/);
  });

  it("every truncation point gives clean records or an error at the cut block", () => {
    const blocks = [
      shb(false),
      idb(false, 1, 0, [tsresol(9), name("x")]),
      epb(false, 0, 1, 2, filler(5, 1)),
      block(false, 5, new Uint8Array(12)),
      spb(false, 3, filler(3, 2)),
      shb(true),
      idb(true, 101, 0),
      epb(true, 0, 3, 4, filler(9, 3)),
    ];
    const packetBlocks = new Set([2, 4, 7]);
    const full = concat(...blocks);
    const boundaries = [0];
    for (const b of blocks) boundaries.push(boundaries[boundaries.length - 1] + b.length);
    const expected = readAll(full);
    expect(expected).toHaveLength(3);
    for (let cut = 0; cut <= full.length; cut++) {
      const { records, error } = readUntilError(full.subarray(0, cut));
      const whole = boundaries.filter((b) => b <= cut).length - 1;
      const delivered = [...packetBlocks].filter((i) => i < whole).length;
      expect(records.length).toBe(delivered);
      records.forEach((r, i) => {
        expect(r.data).toEqual(expected[i].data);
      });
      if (cut > 0 && boundaries.includes(cut)) {
        expect(error).toBeUndefined();
      } else {
        expect(error).toBeInstanceOf(PcapFormatError);
        const start = Math.max(0, ...boundaries.filter((b) => b < cut));
        expect((error as PcapFormatError).offset).toBe(start);
        expect((error as Error).message).toContain(`(file ends at ${cut})`);
      }
    }
  });
});
