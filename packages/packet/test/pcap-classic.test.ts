import { describe, expect, it } from "vitest";
import {
  type ClassicPcapReader,
  openCapture,
  type PacketReader,
  PcapFormatError,
  type PcapRecord,
} from "../src/pcap/index.js";
import {
  bytes,
  classicFile,
  classicHeader,
  classicRecord,
  concat,
  fields,
  filler,
} from "./pcap-builders.js";

function readAll(file: Uint8Array): PcapRecord[] {
  return Array.from(openCapture(file));
}

/** Reads until the end or the first error; returns both. */
function readUntilError(file: Uint8Array): { records: PcapRecord[]; error: unknown } {
  const records: PcapRecord[] = [];
  try {
    for (const record of openCapture(file)) records.push(record);
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

const packetA = filler(60, 1);
const packetB = filler(1514, 2);
const packetC = filler(0, 3);

describe("classic pcap reader", () => {
  for (const le of [true, false]) {
    const order = le ? "little-endian" : "big-endian";

    it(`reads a ${order} microsecond file`, () => {
      const file = classicFile(le, [
        { sec: 1_700_000_000, frac: 123_456, data: packetA },
        { sec: 1_700_000_001, frac: 999_999, data: packetB, origlen: 9000 },
        { sec: 0xffffffff, frac: 0, data: packetC },
      ]);
      const reader = openCapture(file) as ClassicPcapReader;
      expect(reader.format).toBe("pcap");
      expect(reader.header).toMatchObject({
        littleEndian: le,
        precision: "micro",
        versionMajor: 2,
        versionMinor: 4,
        snapLength: 65535,
        linkType: 1,
        fcsLength: 0,
      });
      const records = Array.from(reader);
      expect(records.map((r) => [r.tsSec, r.tsNsec, r.originalLength, r.data.length])).toEqual([
        [1_700_000_000, 123_456_000, 60, 60],
        [1_700_000_001, 999_999_000, 9000, 1514],
        [4294967295, 0, 0, 0],
      ]);
      expect(records[0].data).toEqual(packetA);
      expect(records[1].data).toEqual(packetB);
      expect(records.every((r) => r.linkType === 1 && r.interfaceId === 0)).toBe(true);
    });

    it(`reads a ${order} nanosecond file`, () => {
      const file = classicFile(
        le,
        [
          { sec: 1_700_000_000, frac: 123_456_789, data: packetA },
          { sec: 1_700_000_000, frac: 999_999_999, data: packetB },
        ],
        { nano: true, linkType: 101 },
      );
      const reader = openCapture(file) as ClassicPcapReader;
      expect(reader.header.precision).toBe("nano");
      expect(reader.interfaces).toEqual([
        {
          linkType: 101,
          snapLength: 65535,
          name: undefined,
          tsResolution: 9,
          tsOffset: 0,
          section: 0,
          localId: 0,
        },
      ]);
      const records = Array.from(reader);
      expect(records.map((r) => [r.tsSec, r.tsNsec, r.linkType])).toEqual([
        [1_700_000_000, 123_456_789, 101],
        [1_700_000_000, 999_999_999, 101],
      ]);
    });
  }

  it("exposes each packet in place, without copying, through the cursor fields", () => {
    const file = classicFile(true, [
      { sec: 10, frac: 1, data: packetA },
      { sec: 11, frac: 2, data: packetB },
    ]);
    const reader = openCapture(file);
    expect(reader.next()).toBe(true);
    expect(reader.bytes).toBe(file);
    expect(reader.dataOffset).toBe(24 + 16);
    expect(reader.capturedLength).toBe(60);
    expect(reader.recordOffset).toBe(24);
    expect(reader.packetNumber).toBe(1);
    expect(reader.data.buffer).toBe(file.buffer);
    expect(reader.next()).toBe(true);
    expect(reader.dataOffset).toBe(24 + 16 + 60 + 16);
    expect(reader.recordOffset).toBe(24 + 16 + 60);
    expect(reader.packetNumber).toBe(2);
    expect(reader.next()).toBe(false);
    expect(reader.next()).toBe(false);
  });

  it("works on a Uint8Array that is a window into a larger buffer", () => {
    const file = classicFile(false, [{ sec: 5, frac: 6, data: packetA }]);
    const big = new Uint8Array(file.length + 100);
    big.set(file, 37);
    const records = readAll(big.subarray(37, 37 + file.length));
    expect(records).toHaveLength(1);
    expect(records[0].data).toEqual(packetA);
    expect(records[0].tsSec).toBe(5);
  });

  it("decodes the FCS length bits of the link-type field", () => {
    // Bit 26 says an FCS is present; bits 28-31 give its length in 16-bit words.
    const file = classicFile(true, [], { linkType: 0x24000001 });
    const reader = openCapture(file) as ClassicPcapReader;
    expect(reader.header.linkType).toBe(1);
    expect(reader.header.fcsLength).toBe(4);
  });

  it("reads an empty capture (header only)", () => {
    expect(readAll(classicHeader(true))).toEqual([]);
  });

  it("tolerates caplen > snaplen up to 262144, as Wireshark does", () => {
    const big = filler(2000, 9);
    const file = classicFile(true, [{ sec: 1, frac: 0, data: big }], { snaplen: 1500 });
    expect(readAll(file)[0].data).toEqual(big);
  });

  it("treats snaplen 0 as unknown", () => {
    const file = classicFile(true, [{ sec: 1, frac: 0, data: packetB }], { snaplen: 0 });
    expect(readAll(file)[0].data.length).toBe(1514);
  });

  it("accepts caplen > original length as written", () => {
    const file = classicFile(true, [{ sec: 1, frac: 0, data: packetA, origlen: 20 }]);
    expect(readAll(file)[0]).toMatchObject({ originalLength: 20 });
    expect(readAll(file)[0].data.length).toBe(60);
  });
});

describe("classic pcap errors", () => {
  function expectError(
    file: Uint8Array,
    offset: number,
    message: RegExp | string,
  ): PcapFormatError {
    const { error } = readUntilError(file);
    expect(error).toBeInstanceOf(PcapFormatError);
    const e = error as PcapFormatError;
    expect(e.offset).toBe(offset);
    expect(e.message).toMatch(message);
    return e;
  }

  it("rejects files that are not captures", () => {
    expectError(
      new Uint8Array(0),
      0,
      "pcap: empty file, no file header at offset 0 (file ends at 0)",
    );
    expectError(bytes(0xd4, 0xc3), 0, "pcap: truncated file header at offset 0 (file ends at 2)");
    expectError(
      bytes(1, 2, 3, 4, 5, 6, 7, 8),
      0,
      "not a pcap or pcapng file (starts with 0x01020304)",
    );
    expectError(new TextEncoder().encode("hello world, this is text"), 0, /starts with 0x68656c6c/);
  });

  it("rejects a truncated file header", () => {
    expectError(
      classicHeader(true).subarray(0, 20),
      0,
      "pcap: truncated file header at offset 0 (file ends at 20)",
    );
  });

  it("rejects other versions and the modified pcap format by name", () => {
    expectError(classicHeader(true, { major: 1 }), 4, "pcap: unsupported version 1 at offset 4");
    const modified = classicHeader(true);
    new DataView(modified.buffer).setUint32(0, 0xa1b2cd34, true);
    expectError(modified, 0, /modified \(Kuznetzov\)/);
  });

  it("reports a truncated record header after delivering the records before it", () => {
    const full = classicFile(true, [
      { sec: 1, frac: 0, data: packetA },
      { sec: 2, frac: 0, data: packetA },
    ]);
    const cut = full.subarray(0, 24 + 76 + 10);
    const { records, error } = readUntilError(cut);
    expect(records).toHaveLength(1);
    expect(records[0].tsSec).toBe(1);
    expect(error).toBeInstanceOf(PcapFormatError);
    expect((error as PcapFormatError).offset).toBe(100);
    expect((error as Error).message).toBe(
      "pcap: truncated record header at offset 100 (file ends at 110)",
    );
  });

  it("reports truncated record data with the record's offset", () => {
    const full = classicFile(true, [{ sec: 1, frac: 0, data: packetA }]);
    expectError(
      full.subarray(0, full.length - 1),
      24,
      "pcap: truncated record data at offset 24: caplen 60 needs bytes up to 100 (file ends at 99)",
    );
  });

  it("refuses a gigantic caplen without allocating it", () => {
    const file = concat(
      classicHeader(true),
      fields(true, [4, 1], [4, 0], [4, 0xfffffff0], [4, 0xfffffff0]),
      filler(32, 1),
    );
    expectError(
      file,
      24,
      "pcap: record at offset 24 has caplen 4294967280, more than the maximum 262144",
    );
  });

  it("with a huge snaplen, a huge caplen is a truncation, not an allocation", () => {
    const file = concat(
      classicHeader(false, { snaplen: 0xffffffff }),
      fields(false, [4, 1], [4, 0], [4, 0x40000000], [4, 0x40000000]),
      filler(32, 1),
    );
    expectError(file, 24, /truncated record data at offset 24: caplen 1073741824/);
  });

  it("every truncation point gives clean records or an error at the cut record", () => {
    const specs = [
      { sec: 1, frac: 10, data: filler(14, 1) },
      { sec: 2, frac: 20, data: filler(0, 2) },
      { sec: 3, frac: 30, data: filler(33, 3) },
      { sec: 4, frac: 40, data: filler(1, 4) },
    ];
    for (const le of [true, false]) {
      const full = classicFile(le, specs, { nano: !le });
      const boundaries = [24];
      for (const s of specs)
        boundaries.push(boundaries[boundaries.length - 1] + 16 + s.data.length);
      for (let cut = 0; cut <= full.length; cut++) {
        const { records, error } = readUntilError(full.subarray(0, cut));
        const complete = boundaries.filter((b) => b <= cut).length - 1;
        expect(records.length).toBe(Math.max(0, complete));
        records.forEach((r, i) => {
          expect(r.tsSec).toBe(specs[i].sec);
          expect(r.data).toEqual(specs[i].data);
        });
        if (boundaries.includes(cut)) {
          expect(error).toBeUndefined();
        } else {
          expect(error).toBeInstanceOf(PcapFormatError);
          const last = cut < 24 ? 0 : Math.max(...boundaries.filter((b) => b < cut));
          expect((error as PcapFormatError).offset).toBe(last);
          expect((error as Error).message).toContain(`(file ends at ${cut})`);
        }
      }
    }
  });

  it("keeps throwing the same error if next() is called again", () => {
    const full = classicFile(true, [{ sec: 1, frac: 0, data: packetA }]);
    const reader: PacketReader = openCapture(full.subarray(0, 30));
    expect(() => reader.next()).toThrow(PcapFormatError);
    expect(() => reader.next()).toThrow(/offset 24/);
  });

  it("record headers can be read piecewise from hand-built parts", () => {
    // A sanity check of the builders themselves against a known byte layout.
    const r = classicRecord(false, { sec: 0x01020304, frac: 5, data: bytes(0xaa) });
    expect(Array.from(r)).toEqual([1, 2, 3, 4, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0xaa]);
  });
});
