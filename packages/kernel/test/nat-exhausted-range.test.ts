/**
 * SNAT ranges with no free tuple left, as recorded on Linux 6.18 in
 * tools/kernel-oracle/fixtures/nat-exhausted-range (and a single-port and
 * an ICMP variant run the same way). get_unique_tuple gives up and keeps a
 * clashing tuple; __nf_conntrack_confirm then finds the reply tuple taken
 * and drops the packet (insert_failed), so the flow gets nothing through
 * and no connection. Before giving up on a TCP SYN, nf_nat_used_tuple_harder
 * evicts a TIME_WAIT holder of the port whose sequence the SYN has passed.
 */
import { buildIcmp, buildTcp, buildUdp, readU16 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { C1, C2, natRouter, SRV, WAN } from "./nat-router-support.js";

const SYN = 0x02;
const FIN = 0x01;
const ACK = 0x10;
/** The SYN options of the recorded packets: MSS 1460, SACK permitted, timestamps, wscale 7. */
const SYN_OPTS = Uint8Array.from(Buffer.from("020405b40402080a0001e2400000000001030307", "hex"));

const udp = (src: string, sport: number) =>
  buildUdp({ src, dst: SRV, sport, dport: 5000, payload: "from a client" });

function tcp(
  src: string,
  dst: string,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
): Uint8Array {
  const options = flags & SYN ? SYN_OPTS : undefined;
  return buildTcp({ src, dst, sport, dport, seq, ack, flags, options });
}

const UDP_RANGE = "-t nat -A POSTROUTING -o wan -p udp -j SNAT --to-source 198.51.100.1:1000-1001";

describe("UDP: two ports, more flows", () => {
  it("the first two flows take both ports, whichever way round", async () => {
    const r = await natRouter([UDP_RANGE]);
    r.fromLan(udp(C1, 40001));
    r.fromLan(udp(C2, 40001));
    expect(r.sent.map((s) => readU16(s.bytes, 20)).sort()).toEqual([1000, 1001]);
  });

  it("a third flow is dropped and leaves no connection", async () => {
    const r = await natRouter([UDP_RANGE]);
    r.fromLan(udp(C1, 40001));
    r.fromLan(udp(C2, 40001));
    r.fromLan(udp(C1, 40002));
    r.fromLan(udp(C2, 40002));
    expect(r.sent).toHaveLength(2);
    expect(r.conntrack()).toHaveLength(2);
    expect(r.conntrack().join("\n")).not.toContain("sport=40002");
  });

  it("a one-port range equal to the client's port: the second client is dropped", async () => {
    const r = await natRouter([
      "-t nat -A POSTROUTING -o wan -p udp -j SNAT --to-source 198.51.100.1:1000",
    ]);
    r.fromLan(udp(C1, 1000));
    r.fromLan(udp(C2, 1000));
    expect(r.sent).toHaveLength(1);
    expect(r.conntrack()).toEqual([
      `udp      17 src=${C1} dst=${SRV} sport=1000 dport=5000 [UNREPLIED] src=${SRV} dst=${WAN} sport=5000 dport=1000 mark=0 use=1`,
    ]);
  });
});

describe("ICMP: two ids, three echo requests", () => {
  it("the third echo request is dropped", async () => {
    const r = await natRouter([
      "-t nat -A POSTROUTING -o wan -p icmp -j SNAT --to-source 198.51.100.1:100-101",
    ]);
    const echo = (src: string, id16: number) =>
      buildIcmp({ src, dst: "203.0.113.7", type: 8, id16, seq16: 1, payload: "ping" });
    r.fromLan(echo(C1, 0x3333));
    r.fromLan(echo(C2, 0x3333));
    r.fromLan(echo(C1, 0x3334));
    expect(r.sent.map((s) => readU16(s.bytes, 24)).sort()).toEqual([100, 101]);
  });
});

describe("TCP: two ports, three unanswered SYNs", () => {
  it("the third SYN is dropped", async () => {
    const r = await natRouter([
      "-t nat -A POSTROUTING -o wan -p tcp --dport 6000 -j SNAT --to-source 198.51.100.1:2000-2001",
    ]);
    for (const [src, sport] of [
      [C1, 43000],
      [C2, 43000],
      [C1, 43001],
    ] as const) {
      r.fromLan(tcp(src, "203.0.113.7", sport, 6000, 7000, 0, SYN));
    }
    expect(r.sent.map((s) => readU16(s.bytes, 20)).sort()).toEqual([2000, 2001]);
    expect(r.conntrack()).toHaveLength(2);
  });
});

describe("TCP: the only port held by a connection in TIME_WAIT", () => {
  /** c1 opens and closes a connection through the one-port range: it ends in TIME_WAIT. */
  async function heldInTimeWait(dport: number, port: number, server: string, a: number) {
    const r = await natRouter([
      `-t nat -A POSTROUTING -o wan -p tcp --dport ${dport} -j SNAT --to-source ${WAN}:${port}`,
    ]);
    const b = 9000000;
    const sport = 44000;
    const lan = (seq: number, ack: number, flags: number) =>
      r.fromLan(tcp(C1, server, sport, dport, seq, ack, flags));
    const wan = (seq: number, ack: number, flags: number) =>
      r.fromWan(tcp(server, WAN, dport, port, seq, ack, flags));
    lan(a, 0, SYN);
    wan(b, a + 1, SYN | ACK);
    lan(a + 1, b + 1, ACK);
    lan(a + 1, b + 1, FIN | ACK);
    wan(b + 1, a + 2, FIN | ACK);
    lan(a + 2, b + 2, ACK);
    const held = `tcp      6 TIME_WAIT src=${C1} dst=${server} sport=${sport} dport=${dport} src=${server} dst=${WAN} sport=${dport} dport=${port} [ASSURED] mark=0 use=1`;
    expect(r.conntrack()).toEqual([held]);
    expect(r.sent).toHaveLength(6);
    const syn = (seq: number) => r.fromLan(tcp(C2, server, sport, dport, seq, 0, SYN));
    return { r, held, syn };
  }

  it("a SYN past the old connection's sequence leaves with the port", async () => {
    const { r, syn } = await heldInTimeWait(6001, 3000, "203.0.113.8", 1000000);
    syn(2000000);
    expect(r.sent).toHaveLength(7);
    expect(readU16(r.sent[6]?.bytes as Uint8Array, 20)).toBe(3000);
  });

  it("... and evicts the TIME_WAIT connection (nf_nat_used_tuple_harder)", async () => {
    const { r, syn } = await heldInTimeWait(6001, 3000, "203.0.113.8", 1000000);
    syn(2000000);
    expect(r.conntrack()).toEqual([
      `tcp      6 SYN_SENT src=${C2} dst=203.0.113.8 sport=44000 dport=6001 [UNREPLIED] src=203.0.113.8 dst=${WAN} sport=6001 dport=3000 mark=0 use=1`,
    ]);
  });

  it("a SYN behind the old connection's sequence is dropped; TIME_WAIT stays", async () => {
    const { r, held, syn } = await heldInTimeWait(6002, 3001, "203.0.113.9", 5000000);
    syn(1000);
    expect(r.sent).toHaveLength(6);
    expect(r.conntrack()).toEqual([held]);
  });
});
