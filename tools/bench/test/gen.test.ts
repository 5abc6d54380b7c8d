/**
 * The capture generator: same options and seed give the same bytes, the
 * packet count is exact, every packet carries valid IPv4 and transport
 * checksums and consistent TCP sequence numbers, and the two files merged
 * by timestamp form one strictly increasing timeline.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LinkType,
  openCaptureFile,
  PacketDecoder,
  ParseError,
  TcpFlag,
  verifyIpv4HeaderChecksum,
  verifyL4Checksum,
} from "@ctkit/packet";
import { afterAll, describe, expect, it } from "vitest";
import { MergedCaptures } from "../src/datapath/merge.js";
import { capturePaths, generateFiles } from "../src/gen/files.js";
import { GEN_DEFAULTS, type GenOptions } from "../src/gen/generate.js";
import { makePlan, parseMix } from "../src/gen/plan.js";
import { Prng } from "../src/prng.js";

const root = mkdtempSync(join(tmpdir(), "ctkit-bench-gen-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
function gen(over: Partial<GenOptions>): { dir: string; paths: [string, string] } {
  const dir = join(root, String(dirs++));
  generateFiles({ ...GEN_DEFAULTS, flows: 300, packets: undefined, mix: [6, 3, 1], ...over }, dir);
  return { dir, paths: capturePaths(dir) };
}

const bytes = (p: string) => readFileSync(p);

describe("determinism", () => {
  it("gives identical files for the same options and seed, different ones for another seed", () => {
    const a = gen({ seed: 7, packets: 5000 });
    const b = gen({ seed: 7, packets: 5000 });
    const c = gen({ seed: 8, packets: 5000 });
    for (const i of [0, 1]) {
      expect(bytes(a.paths[i] as string).equals(bytes(b.paths[i] as string))).toBe(true);
      expect(bytes(a.paths[i] as string).equals(bytes(c.paths[i] as string))).toBe(false);
    }
  });
});

describe("packet count", () => {
  it("is exactly --packets, odd remainders included, split between the two files", () => {
    for (const packets of [4000, 4001, 9999]) {
      const m = generateFiles(
        { ...GEN_DEFAULTS, flows: 300, packets, mix: [6, 3, 1] },
        join(root, `count-${packets}`),
      );
      expect(m.packets).toBe(packets);
      expect(m.packetsByDir[0] + m.packetsByDir[1]).toBe(packets);
      let seen = 0;
      for (const p of capturePaths(join(root, `count-${packets}`))) {
        const r = openCaptureFile(p);
        expect(r.linkType).toBe(LinkType.RAW);
        while (r.next()) seen++;
        r.close();
      }
      expect(seen).toBe(packets);
    }
  });

  it("defaults to one round per flow: TCP 8, UDP 2, ICMP 2 packets", () => {
    const m = generateFiles(
      { ...GEN_DEFAULTS, flows: 100, packets: undefined, mix: [6, 3, 1] },
      join(root, "minimum"),
    );
    expect(m.flowsByProto).toEqual([60, 30, 10]);
    expect(m.packets).toBe(60 * 8 + 30 * 2 + 10 * 2);
  });

  it("refuses fewer packets than the flows need, and a bad mix", () => {
    expect(() => makePlan(100, 10, [1, 0, 0], new Prng(1))).toThrow(/fewest/);
    expect(() => parseMix("tcp=1,sctp=2")).toThrow(/--mix/);
    expect(parseMix("udp")).toEqual([0, 1, 0]);
  });
});

describe("packets", () => {
  const { paths } = gen({ seed: 3, packets: 6000, maxPayload: 600 });

  it("decode, with valid IPv4 header and transport checksums", () => {
    const dec = new PacketDecoder();
    let n = 0;
    for (const p of paths) {
      const r = openCaptureFile(p);
      while (r.next()) {
        const at = r.dataOffset;
        expect(dec.decodeIp(r.bytes, at, r.capturedLength)).toBe(ParseError.Ok);
        expect(verifyIpv4HeaderChecksum(r.bytes, at, dec.ipv4.headerLength)).toBe(true);
        const proto = dec.transportProtocol;
        expect([1, 6, 17]).toContain(proto);
        const l4 = dec.ipv4.payloadOffset;
        expect(verifyL4Checksum(dec.ipv4, proto, r.bytes, l4, dec.ipv4.payloadLength)).toBe(true);
        n++;
      }
      r.close();
    }
    expect(n).toBe(6000);
  });

  it("merge into one strictly increasing timeline: client→server on lan, replies on wan", () => {
    const m = new MergedCaptures(paths);
    const dec = new PacketDecoder();
    let last = -1;
    let n = 0;
    while (m.next()) {
      const r = m.reader;
      const t = r.tsSec * 1e6 + r.tsNsec / 1e3;
      expect(t).toBeGreaterThan(last);
      last = t;
      dec.decodeIp(r.bytes, r.dataOffset, r.capturedLength);
      const fromClient = dec.ipv4.source >>> 24 === 10;
      expect(m.input).toBe(fromClient ? 0 : 1);
      n++;
    }
    m.close();
    expect(n).toBe(6000);
  });

  it("have TCP sequence and acknowledgment numbers that follow the bytes sent", () => {
    // Per connection and side: the next sequence number it must send.
    const next = new Map<string, number>();
    const m = new MergedCaptures(paths);
    const dec = new PacketDecoder();
    let segments = 0;
    while (m.next()) {
      const r = m.reader;
      dec.decodeIp(r.bytes, r.dataOffset, r.capturedLength);
      if (dec.transportProtocol !== 6) continue;
      const ip = dec.ipv4;
      const tcp = dec.tcp;
      const me = `${ip.source}:${tcp.sourcePort}>${ip.destination}:${tcp.destinationPort}`;
      const peer = `${ip.destination}:${tcp.destinationPort}>${ip.source}:${tcp.sourcePort}`;
      const f = tcp.flags;
      const seq = tcp.sequenceNumber;
      if (f & TcpFlag.Syn) expect(next.has(me)).toBe(false);
      else expect(seq).toBe(next.get(me));
      if (f & TcpFlag.Ack) expect(tcp.acknowledgmentNumber).toBe(next.get(peer));
      else expect(f).toBe(TcpFlag.Syn);
      const len = tcp.payloadLength + (f & (TcpFlag.Syn | TcpFlag.Fin) ? 1 : 0);
      next.set(me, (seq + len) >>> 0);
      segments++;
    }
    m.close();
    expect(segments).toBeGreaterThan(1000);
  });
});
