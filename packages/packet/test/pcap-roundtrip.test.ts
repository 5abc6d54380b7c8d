import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  compareTimestamps,
  createPcapFile,
  createPcapngFile,
  FileByteSource,
  formatTimestamp,
  MemorySink,
  openCapture,
  openCaptureFile,
  openCaptureSource,
  type PacketReader,
  PcapFormatError,
  PcapngWriter,
  PcapWriter,
  timestampFromNanoseconds,
  timestampToNanoseconds,
  writePcap,
  writePcapng,
} from "../src/pcap/index.js";
import { timestampToUnits, unitsToTimestamp } from "../src/pcap/timestamp.js";
import { classicFile, concat, epb, filler, idb, shb, spb, tsresol } from "./pcap-builders.js";

const dir = mkdtempSync(join(tmpdir(), "ctkit-pcap-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const packetArb = (precision: "micro" | "nano", maxSec: number) =>
  fc
    .record({
      tsSec: fc.integer({ min: 0, max: maxSec }),
      tsNsec: fc.integer({ min: 0, max: 999_999_999 }),
      data: fc.uint8Array({ maxLength: 300 }),
      extra: fc.integer({ min: 0, max: 70_000 }),
    })
    .map(({ tsSec, tsNsec, data, extra }) => ({
      tsSec,
      tsNsec: precision === "micro" ? tsNsec - (tsNsec % 1000) : tsNsec,
      data,
      originalLength: data.length + extra,
    }));

const classicCase = fc
  .record({
    precision: fc.constantFrom("micro" as const, "nano" as const),
    littleEndian: fc.boolean(),
    linkType: fc.constantFrom(1, 101, 113, 228, 229, 276),
  })
  .chain((options) =>
    fc.record({
      options: fc.constant(options),
      packets: fc.array(packetArb(options.precision, 0xffffffff), { maxLength: 20 }),
    }),
  );

function plain(
  records: Iterable<{ tsSec: number; tsNsec: number; data: Uint8Array; originalLength?: number }>,
) {
  return Array.from(records, (r) => ({
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    data: Array.from(r.data),
    originalLength: r.originalLength,
  }));
}

describe("round trips", () => {
  it("classic pcap: read(write(packets)) == packets, exactly", () => {
    fc.assert(
      fc.property(classicCase, ({ options, packets }) => {
        const file = writePcap(packets, options);
        const reader = openCapture(file);
        const records = Array.from(reader);
        expect(plain(records)).toEqual(plain(packets));
        expect(records.every((r) => r.linkType === options.linkType)).toBe(true);
        expect(reader.interfaces[0].tsResolution).toBe(options.precision === "nano" ? 9 : 6);
      }),
      { numRuns: 200 },
    );
  });

  it("classic pcap: write(read(file)) reproduces the file byte for byte", () => {
    fc.assert(
      fc.property(classicCase, ({ options, packets }) => {
        const file = writePcap(packets, options);
        const again = writePcap(openCapture(file), { ...options, snapLength: 262144 });
        expect(again).toEqual(file);
      }),
      { numRuns: 50 },
    );
  });

  it("pcapng: read(write(packets)) == packets across interfaces of both resolutions", () => {
    const interfaceArb = fc.record({
      linkType: fc.constantFrom(1, 101, 113, 276),
      precision: fc.constantFrom("micro" as const, "nano" as const),
      name: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
    });
    const caseArb = fc
      .record({
        interfaces: fc.array(interfaceArb, { minLength: 1, maxLength: 4 }),
        le: fc.boolean(),
      })
      .chain(({ interfaces, le }) =>
        fc.record({
          interfaces: fc.constant(interfaces),
          le: fc.constant(le),
          packets: fc.array(
            fc.integer({ min: 0, max: interfaces.length - 1 }).chain((interfaceId) =>
              packetArb(interfaces[interfaceId].precision, 2 ** 33 - 1).map((p) => ({
                ...p,
                interfaceId,
              })),
            ),
            { maxLength: 20 },
          ),
        }),
      );
    fc.assert(
      fc.property(caseArb, ({ interfaces, le, packets }) => {
        const file = writePcapng(interfaces, packets, {
          littleEndian: le,
          application: "ctkit test",
        });
        const reader = openCapture(file);
        const records = Array.from(reader);
        expect(plain(records)).toEqual(plain(packets));
        expect(records.map((r) => r.interfaceId)).toEqual(packets.map((p) => p.interfaceId));
        expect(records.map((r) => r.linkType)).toEqual(
          packets.map((p) => interfaces[p.interfaceId].linkType),
        );
        expect(reader.interfaces.map((i) => [i.linkType, i.tsResolution, i.name])).toEqual(
          interfaces.map((i) => [i.linkType, i.precision === "nano" ? 9 : 6, i.name]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("classic writer output matches a hand-built file byte for byte", () => {
    const packets = [
      { tsSec: 1_700_000_000, tsNsec: 123_456_000, data: filler(60, 1) },
      { tsSec: 1_700_000_001, tsNsec: 7_000, data: filler(3, 2), originalLength: 1514 },
    ];
    for (const littleEndian of [true, false]) {
      const expected = classicFile(
        littleEndian,
        [
          { sec: 1_700_000_000, frac: 123_456, data: filler(60, 1) },
          { sec: 1_700_000_001, frac: 7, data: filler(3, 2), origlen: 1514 },
        ],
        { snaplen: 262144, linkType: 1 },
      );
      expect(writePcap(packets, { linkType: 1, littleEndian })).toEqual(expected);
    }
  });

  it("pcapng writer output matches a hand-built file byte for byte", () => {
    const sink = new MemorySink();
    const writer = new PcapngWriter(sink, { littleEndian: false });
    writer.addInterface({ linkType: 1, snapLength: 1000 });
    writer.addInterface({ linkType: 101, snapLength: 0, precision: "nano" });
    writer.writePacket(1, 5, 6, filler(5, 1), 99);
    writer.write({ tsSec: 7, tsNsec: 8000, data: filler(8, 2) });
    writer.close();
    const expected = concat(
      shb(false),
      idb(false, 1, 1000),
      idb(false, 101, 0, [tsresol(9)]),
      epb(false, 1, 1, 5_000_000_006 - 2 ** 32, filler(5, 1), 99),
      epb(false, 0, 0, 7_000_008, filler(8, 2)),
    );
    expect(sink.bytes()).toEqual(expected);
  });

  it("micro precision rounds sub-microsecond parts down", () => {
    const file = writePcap([{ tsSec: 1, tsNsec: 999_999_999, data: filler(1, 1) }], {
      linkType: 1,
    });
    expect(Array.from(openCapture(file))[0]).toMatchObject({ tsSec: 1, tsNsec: 999_999_000 });
  });
});

describe("files and streaming", () => {
  const packets = Array.from({ length: 40 }, (_, i) => ({
    tsSec: 1_700_000_000 + i,
    tsNsec: i * 1_000_001,
    data: filler(i === 7 ? 5000 : (i * 37) % 300, i),
    originalLength: i === 7 ? 5000 : (i * 37) % 300,
  }));

  function drain(reader: PacketReader) {
    const out: { ts: string; data: number[] }[] = [];
    while (reader.next()) {
      out.push({ ts: formatTimestamp(reader.tsSec, reader.tsNsec), data: Array.from(reader.data) });
    }
    reader.close();
    return out;
  }

  it("writes pcap and pcapng files and streams them back with any window size", () => {
    const pcapPath = join(dir, "stream.pcap");
    const writer = createPcapFile(pcapPath, { linkType: 1, precision: "nano" });
    for (const p of packets) writer.write(p);
    writer.close();

    const pcapngPath = join(dir, "stream.pcapng");
    const ngWriter = createPcapngFile(pcapngPath);
    ngWriter.addInterface({ linkType: 1, precision: "nano", name: "lan" });
    for (const p of packets) ngWriter.write(p);
    ngWriter.close();

    for (const path of [pcapPath, pcapngPath]) {
      const inMemory = drain(openCapture(readFileSync(path)));
      expect(inMemory).toHaveLength(40);
      expect(inMemory[3].ts).toBe("1700000003.003000003");
      expect(inMemory[7].data).toEqual(Array.from(filler(5000, 7)));
      for (const chunkSize of [1, 64, 100, 333, 4096, 1 << 20]) {
        expect(drain(openCaptureFile(path, { chunkSize }))).toEqual(inMemory);
      }
    }
  });

  it("record() copies when streaming, so records outlive the window", () => {
    const path = join(dir, "copies.pcap");
    writeFileSync(path, writePcap(packets, { linkType: 1, precision: "nano" }));
    const records = Array.from(openCaptureFile(path, { chunkSize: 128 }));
    expect(records.map((r) => Array.from(r.data))).toEqual(packets.map((p) => Array.from(p.data)));
  });

  it("streaming reports truncation with the same offset as in memory, after the same records", () => {
    const micro = packets.slice(0, 5).map((p) => ({ ...p, tsNsec: p.tsNsec - (p.tsNsec % 1000) }));
    const full = writePcapng([{ linkType: 1 }], micro);
    const lastBlock = 32 + 148; // EPB overhead + the fifth packet's 148 bytes
    const cut = full.subarray(0, full.length - 3);
    const path = join(dir, "cut.pcapng");
    writeFileSync(path, cut);
    for (const reader of [openCapture(cut), openCaptureFile(path, { chunkSize: 64 })]) {
      let n = 0;
      let caught: unknown;
      try {
        while (reader.next()) n++;
      } catch (error) {
        caught = error;
      }
      reader.close();
      expect(n).toBe(4);
      expect(caught).toBeInstanceOf(PcapFormatError);
      expect((caught as PcapFormatError).offset).toBe(full.length - lastBlock);
      expect((caught as Error).message).toBe(
        `pcapng: truncated enhanced packet block at offset ${full.length - lastBlock}: length ${lastBlock} needs bytes up to ${full.length} (file ends at ${cut.length})`,
      );
    }
  });

  it("accepts an open file descriptor and leaves it open", async () => {
    const { openSync, closeSync, fstatSync } = await import("node:fs");
    const path = join(dir, "fd.pcap");
    writeFileSync(path, writePcap(packets.slice(0, 3), { linkType: 1 }));
    const fd = openSync(path, "r");
    const reader = openCaptureSource(new FileByteSource(fd, 100));
    expect(drain(reader)).toHaveLength(3);
    expect(fstatSync(fd).size).toBeGreaterThan(0); // still open
    closeSync(fd);
  });

  it("closes the file when it is not a capture", () => {
    const path = join(dir, "text.pcap");
    writeFileSync(path, "definitely not a capture");
    expect(() => openCaptureFile(path)).toThrow(/not a pcap or pcapng file/);
  });
});

describe("robustness against corrupted files", () => {
  const classic = writePcap(
    Array.from({ length: 6 }, (_, i) => ({
      tsSec: i,
      tsNsec: i * 1000,
      data: filler(10 + i * 9, i),
    })),
    { linkType: 1 },
  );
  const ng = concat(
    shb(true),
    idb(true, 1, 0, [tsresol(9)]),
    epb(true, 0, 1, 2, filler(20, 1)),
    spb(true, 10, filler(10, 2)),
    shb(false),
    idb(false, 101, 64),
    epb(false, 0, 3, 4, filler(30, 3)),
  );

  it("random byte damage gives records and at most a PcapFormatError, never anything else", () => {
    const damage = fc.record({
      base: fc.constantFrom(classic, ng),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 6,
      }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(damage, ({ base, edits, cut }) => {
        let file = base.slice();
        for (const [at, value] of edits) file[at % file.length] = value;
        if (cut !== undefined) file = file.subarray(0, cut % (file.length + 1));
        let count = 0;
        try {
          const reader = openCapture(file);
          while (reader.next()) {
            count++;
            expect(reader.dataOffset + reader.capturedLength).toBeLessThanOrEqual(file.length);
          }
        } catch (error) {
          if (!(error instanceof PcapFormatError)) throw error;
          expect(error.offset).toBeGreaterThanOrEqual(0);
          expect(error.offset).toBeLessThan(Math.max(1, file.length));
        }
        // Each record takes at least 16 bytes, so the loop cannot have spun.
        expect(count).toBeLessThanOrEqual(file.length / 12);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("timestamps", () => {
  it("pcapng unit conversions agree with bigint arithmetic", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: 0, max: 9 }),
        (units, digits) => {
          const out = { sec: 0, nsec: 0 };
          unitsToTimestamp(Number(units >> 32n), Number(units & 0xffffffffn), digits, out);
          const perSecond = 10n ** BigInt(digits);
          const sec = units / perSecond;
          if (sec <= BigInt(Number.MAX_SAFE_INTEGER)) {
            expect(out.sec).toBe(Number(sec));
          }
          expect(out.nsec).toBe(Number(((units % perSecond) * 1_000_000_000n) / perSecond));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("timestampToUnits inverts unitsToTimestamp for representable values", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 34 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 0, max: 9 }),
        (sec, nsec, digits) => {
          const units = { high: 0, low: 0 };
          timestampToUnits(sec, nsec, digits, units);
          const expected =
            BigInt(sec) * 10n ** BigInt(digits) + BigInt(nsec) / 10n ** BigInt(9 - digits);
          expect((BigInt(units.high) << 32n) | BigInt(units.low)).toBe(expected);
          const back = { sec: 0, nsec: 0 };
          unitsToTimestamp(units.high, units.low, digits, back);
          expect(back.sec).toBe(sec);
          expect(back.nsec).toBe(nsec - (nsec % 10 ** (9 - digits)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("refuses timestamps beyond 64 bits of units", () => {
    expect(() => timestampToUnits(2 ** 53, 0, 9, { high: 0, low: 0 })).toThrow(RangeError);
  });

  it("compares like the exact nanosecond count, and converts both ways", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (aSec, aNsec, bSec, bNsec) => {
          const a = timestampToNanoseconds(aSec, aNsec);
          const b = timestampToNanoseconds(bSec, bNsec);
          expect(Math.sign(compareTimestamps(aSec, aNsec, bSec, bNsec))).toBe(
            a < b ? -1 : a > b ? 1 : 0,
          );
          expect(timestampFromNanoseconds(a)).toEqual({ sec: aSec, nsec: aNsec });
        },
      ),
    );
    expect(formatTimestamp(1795617873, 761637240)).toBe("1795617873.761637240");
    expect(formatTimestamp(1795617873, 5000, "micro")).toBe("1795617873.000005");
  });
});

describe("writer validation", () => {
  it("refuses impossible packets with RangeError", () => {
    const writer = new PcapWriter(new MemorySink(), { linkType: 1, snapLength: 100 });
    expect(() => writer.writePacket(1, 1_000_000_000, filler(1, 1))).toThrow(RangeError);
    expect(() => writer.writePacket(-1, 0, filler(1, 1))).toThrow(RangeError);
    expect(() => writer.writePacket(2 ** 32, 0, filler(1, 1))).toThrow(/out of range/);
    expect(() => writer.writePacket(1, 0.5, filler(1, 1))).toThrow(RangeError);
    expect(() => writer.writePacket(1, 0, filler(101, 1))).toThrow(
      "pcap: packet of 101 bytes is longer than the snap length 100",
    );
    expect(() => writer.writePacket(1, 0, filler(1, 1), 2 ** 32)).toThrow(RangeError);
    expect(() => new PcapWriter(new MemorySink(), { linkType: 1, snapLength: 0 })).toThrow(
      RangeError,
    );
    const ng = new PcapngWriter(new MemorySink());
    expect(() => ng.writePacket(0, 1, 0, filler(1, 1))).toThrow("pcapng: no interface 0 (0 added)");
    ng.addInterface({ linkType: 1, snapLength: 10 });
    expect(() => ng.writePacket(0, 1, 0, filler(11, 1))).toThrow(/longer than the snap length 10/);
    expect(() => ng.addInterface({ linkType: 70000 })).toThrow(RangeError);
  });

  it("an empty capture is still a valid file", () => {
    expect(Array.from(openCapture(writePcap([], { linkType: 1 })))).toEqual([]);
    expect(Array.from(openCapture(writePcapng([], [])))).toEqual([]);
  });
});
