/**
 * The nf_nat_ftp_hook slot: exported by nf_conntrack_ftp, called instead
 * of registering the expectation when a function is installed and the
 * connection is NATed — with everything nf_nat_ftp needs to rewrite the
 * announcement.
 */
import { CtInfo, NF_ACCEPT, NF_DROP } from "@ctkit/helper-kit";
import type { ConnHandle, Expectation } from "@ctkit/kernel";
import { describe, expect, it } from "vitest";
import { FtpType } from "../src/command.js";
import { NF_NAT_FTP_HOOK, type NfNatFtpFn, NfNatFtpHook } from "../src/nat-hook.js";
import type { FtpPacket } from "../src/packet.js";
import { FtpRig, V4 } from "./support.js";

interface Call {
  ctinfo: CtInfo;
  type: number;
  protoff: number;
  matchOff: number;
  matchLen: number;
  text: string;
  natted: boolean;
  exp: { src: number; dst: number; sport: number; dport: number; maskSport: number; proto: number };
  seq: number;
}

/** A rig whose nf_nat_ftp_hook slot holds a recorder returning `verdict`. */
async function withRecorder(verdict: number, nat: boolean): Promise<{ r: FtpRig; calls: Call[] }> {
  const r = await FtpRig.create({ params: [], masquerade: nat });
  const slot = r.k.modules.find("nf_conntrack_ftp")?.symbols.get(NF_NAT_FTP_HOOK) as NfNatFtpHook;
  expect(slot).toBeInstanceOf(Object);
  const calls: Call[] = [];
  const fn: NfNatFtpFn = (pkt, ct, ctinfo, type, protoff, matchOff, matchLen, exp, seq) => {
    const at = pkt.payloadOffset + matchOff;
    calls.push({
      ctinfo,
      type,
      protoff,
      matchOff,
      matchLen,
      text: Buffer.from(pkt.data.subarray(at, at + matchLen)).toString(),
      natted: (ct as ConnHandle).isNatted,
      exp: summary(exp),
      seq,
    });
    return verdict as 0 | 1;
  };
  slot.set(fn);
  r.openSession();
  return { r, calls };
}

function summary(e: Expectation) {
  return {
    src: e.tuple.src[0] as number,
    dst: e.tuple.dst[0] as number,
    sport: e.tuple.sport,
    dport: e.tuple.dport,
    maskSport: e.maskSport,
    proto: e.tuple.proto,
  };
}

describe("nf_nat_ftp_hook", () => {
  it("is not called for a connection NAT did not change", async () => {
    const { r, calls } = await withRecorder(NF_DROP, false);
    expect(r.send(true, "PORT 10,0,0,2,19,137\r\n")).toBe(true);
    expect(calls).toEqual([]);
    expect(r.expectations()).toHaveLength(1);
  });

  it("gets the announcement, the unregistered expectation and the segment's seq on a NATed connection", async () => {
    const { r, calls } = await withRecorder(NF_ACCEPT, true);
    const seq = r.nextSeq[0] as number;
    expect(r.send(true, "PORTX 10,0,0,2,19,137\r\n")).toBe(true);
    expect(calls).toEqual([
      {
        ctinfo: CtInfo.ESTABLISHED,
        type: FtpType.PORT,
        protoff: 20,
        matchOff: 6,
        matchLen: 15,
        text: "10,0,0,2,19,137",
        natted: true,
        // From the server to where it sends: the masqueraded address.
        exp: { src: 0xc6336402, dst: 0xc6336401, sport: 0, dport: 5001, maskSport: 0, proto: 6 },
        seq,
      },
    ]);
    // Registering it is the NAT module's business.
    expect(r.expectations()).toHaveLength(0);
  });

  it("reports 227 and 229 with their types, the match placed on the numbers", async () => {
    const { r, calls } = await withRecorder(NF_ACCEPT, true);
    r.send(false, "227 Entering Passive Mode (198,51,100,2,195,110).\r\n");
    r.send(false, "229 Entering Extended Passive Mode (|||6446|)\r\n");
    r.send(true, "EPRT |1|10.0.0.2|5282|\r\n");
    expect(calls.map((c) => [c.ctinfo, c.type, c.matchOff, c.text, c.exp.dport])).toEqual([
      [CtInfo.ESTABLISHED_REPLY, FtpType.PASV, 27, "198,51,100,2,195,110", 50030],
      [CtInfo.ESTABLISHED_REPLY, FtpType.EPSV, 36, "|||6446|", 6446],
      [CtInfo.ESTABLISHED, FtpType.EPRT, 5, "|1|10.0.0.2|5282|", 5282],
    ]);
    // Passive: from the client (as it arrived) to the server.
    expect(calls[0]?.exp).toMatchObject({ src: 0x0a000002, dst: 0xc6336402 });
  });

  it("its verdict is the packet's; line tracking moves on either way", async () => {
    const { r, calls } = await withRecorder(NF_DROP, true);
    expect(r.send(true, "PORT 10,0,0,2,19,137\r\n")).toBe(false);
    expect(r.send(true, "PORT 10,0,0,2,19,138\r\n")).toBe(false);
    expect(calls.map((c) => c.exp.dport)).toEqual([5001, 5002]);
    // No helper log line: the drop was the NAT function's decision.
    expect(r.logs().filter((l) => l.startsWith("nf_ct_"))).toEqual([]);
  });

  it("is not called for an address mismatch without loose", async () => {
    const { r, calls } = await withRecorder(NF_ACCEPT, true);
    expect(r.send(true, "PORT 10,0,0,9,19,137\r\n")).toBe(true);
    expect(calls).toEqual([]);
  });

  it("cannot be taken by a second function, and clear only removes its own", () => {
    const slot = new NfNatFtpHook();
    const a: NfNatFtpFn = () => NF_ACCEPT;
    const b: NfNatFtpFn = () => NF_DROP;
    slot.set(a);
    slot.set(a);
    expect(() => slot.set(b)).toThrow("nf_nat_ftp_hook is already set by another module");
    slot.clear(b);
    expect(slot.current).toBe(a);
    slot.clear(a);
    expect(slot.current).toBeNull();
    slot.set(b);
    expect(slot.current).toBe(b);
  });
});

// FtpPacket is what nf_nat_ftp receives: the datapath's packet satisfies it.
const _typecheck: (p: FtpPacket) => number = (p) => p.time + V4.client.length;
void _typecheck;
