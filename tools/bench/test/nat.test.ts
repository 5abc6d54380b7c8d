/**
 * The NAT bench's inputs and routers: a NAT capture is the routed capture
 * with every reply sent to the router's public address instead of the
 * client (nothing else differs), client ports and echo ids are one per
 * flow, and both captures go through their routers without a packet lost,
 * every connection confirmed, and MASQUERADE keeping every port.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  openCaptureFile,
  PacketDecoder,
  ParseError,
  verifyIpv4HeaderChecksum,
  verifyL4Checksum,
} from "@ctkit/packet";
import { afterAll, describe, expect, it } from "vitest";
import { capturePaths, generateFiles } from "../src/gen/files.js";
import { flowPort } from "../src/gen/flows.js";
import { GEN_DEFAULTS, type GenOptions } from "../src/gen/generate.js";
import { runNatMemory } from "../src/nat/memory.js";
import { RouterCounts, routerPass } from "../src/nat/passes.js";
import { benchRouter, WAN_ADDRESS } from "../src/nat/router.js";

const root = mkdtempSync(join(tmpdir(), "ctkit-bench-nat-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FLOWS = 400;
const base: GenOptions = { ...GEN_DEFAULTS, flows: FLOWS, packets: 4000, mix: [6, 3, 1], seed: 5 };
const natDir = join(root, "nat");
const routedDir = join(root, "routed");
generateFiles({ ...base, addressing: { replyTo: WAN_ADDRESS, portPerFlow: true } }, natDir);
generateFiles({ ...base, addressing: { replyTo: 0, portPerFlow: true } }, routedDir);

function packets(path: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const r = openCaptureFile(path);
  while (r.next()) out.push(r.bytes.slice(r.dataOffset, r.dataOffset + r.capturedLength));
  r.close();
  return out;
}

describe("NAT captures", () => {
  /** IPv4 header but its checksum, and the ports (ICMP: type, code, id): which packet of which flow. */
  const identity = (p: Uint8Array) => {
    const l4 = p[9] === 1 ? [p.subarray(20, 22), p.subarray(24, 26)] : [p.subarray(20, 24)];
    return Buffer.concat([p.subarray(0, 10), p.subarray(12, 20), ...l4]).toString("hex");
  };

  it("hold the routed capture's packets, replies sent to the router's address, checksums right", () => {
    // Payload bytes are whatever the generator's buffer held, so they may differ.
    const [natLan, natWan] = capturePaths(natDir).map(packets) as [Uint8Array[], Uint8Array[]];
    const [lan, wan] = capturePaths(routedDir).map(packets) as [Uint8Array[], Uint8Array[]];
    expect(natLan.map(identity)).toEqual(lan.map(identity));
    expect(natWan).toHaveLength(wan.length);
    const dec = new PacketDecoder();
    natWan.forEach((p, i) => {
      expect(dec.decodeIp(p, 0, p.length)).toBe(ParseError.Ok);
      expect(dec.ipv4.destination).toBe(WAN_ADDRESS);
      expect(verifyIpv4HeaderChecksum(p, 0, dec.ipv4.headerLength)).toBe(true);
      const proto = dec.transportProtocol;
      expect(verifyL4Checksum(dec.ipv4, proto, p, 20, dec.ipv4.payloadLength)).toBe(true);
      // The routed reply: the same but for the destination (a client).
      const routed = wan[i] as Uint8Array;
      expect(dec.decodeIp(routed, 0, routed.length)).toBe(ParseError.Ok);
      expect(dec.ipv4.destination >>> 24).toBe(10);
      const copy = routed.slice();
      copy.set(p.subarray(16, 20), 16);
      expect(identity(copy)).toBe(identity(p));
    });
  });

  it("give each flow its own client port and echo id", () => {
    const dec = new PacketDecoder();
    const seen = new Map<string, string>();
    for (const p of packets(capturePaths(natDir)[0])) {
      dec.decodeIp(p, 0, p.length);
      const client = String(dec.ipv4.source);
      const port =
        dec.transportProtocol === 1
          ? `id ${(p[24] as number) * 256 + (p[25] as number)}`
          : `port ${(p[20] as number) * 256 + (p[21] as number)}`;
      expect(seen.get(port) ?? client).toBe(client);
      seen.set(port, client);
    }
    expect(seen.size).toBe(FLOWS);
    expect(flowPort(0)).toBe(1024);
    expect(flowPort(64511)).toBe(65535);
    expect(flowPort(64512)).toBe(1024);
  });
});

describe("the bench routers", () => {
  it.each([
    ["MASQUERADE", true, natDir],
    ["routed", false, routedDir],
  ])("%s forwards every packet and confirms every flow", async (_, masquerade, dir) => {
    const r = await benchRouter(FLOWS, masquerade as boolean);
    const c = new RouterCounts();
    routerPass(capturePaths(dir as string), r, c);
    expect(c.packets).toBe(4000);
    expect(c.malformed).toBe(0);
    expect(c.sentLan + c.sentWan).toBe(4000);
    expect(r.kernel.conntrack.count).toBe(FLOWS);
    expect(r.kernel.conntrack.stats.invalid).toBe(0);
    expect(r.kernel.nat.core.bySourceSize > 0).toBe(masquerade);
  });

  it("the memory part forwards and tracks every connection through both routers", async () => {
    const m = await runNatMemory(3000, 1);
    expect(m.connections).toBe(3000);
    expect(m.raw.nat).toHaveLength(1);
    expect(m.raw.fwd).toHaveLength(1);
    expect(m.bySourceKeys).toBeGreaterThan(0);
    expect(m.tableBytesPerConn).toBeGreaterThan(0);
  });
});
