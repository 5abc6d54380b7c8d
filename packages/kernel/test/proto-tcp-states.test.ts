/**
 * The TCP state table against Linux 6.x's tcp_conntracks[2][6][10],
 * transcribed here cell by cell in the kernel's own notation, plus the
 * packet-index choice and the state names conntrack -L prints.
 */
import { describe, expect, it } from "vitest";
import {
  TCP_CONNTRACK_MAX,
  TCP_STATE_NAMES,
  TcpPacketIndex,
  TcpState,
  tcpPacketIndex,
  tcpStateCanEarlyDrop,
  tcpStateName,
  tcpTransition,
} from "../src/conntrack/proto-tcp.js";

// Linux's table (net/netfilter/nf_conntrack_proto_tcp.c, 6.x), columns
// sNO sSS sSR sES sFW sCW sLA sTW sCL sS2.
const LINUX = {
  original: {
    syn: "sSS sSS sIG sIG sIG sIG sIG sSS sSS sS2",
    synack: "sIV sIV sSR sIV sIV sIV sIV sIV sIV sSR",
    fin: "sIV sIV sFW sFW sLA sLA sLA sTW sCL sIV",
    ack: "sES sIV sES sES sCW sCW sTW sTW sCL sIV",
    rst: "sIV sCL sCL sCL sCL sCL sCL sCL sCL sCL",
    none: "sIV sIV sIV sIV sIV sIV sIV sIV sIV sIV",
  },
  reply: {
    syn: "sIV sS2 sIV sIV sIV sIV sIV sSS sIV sS2",
    synack: "sIV sSR sIG sIG sIG sIG sIG sIG sIG sSR",
    fin: "sIV sIV sFW sFW sLA sLA sLA sTW sCL sIV",
    ack: "sIV sIG sSR sES sCW sCW sTW sTW sCL sIG",
    rst: "sIV sCL sCL sCL sCL sCL sCL sCL sCL sCL",
    none: "sIV sIV sIV sIV sIV sIV sIV sIV sIV sIV",
  },
} as const;

const CODE: Record<string, number> = {
  sNO: TcpState.None,
  sSS: TcpState.SynSent,
  sSR: TcpState.SynRecv,
  sES: TcpState.Established,
  sFW: TcpState.FinWait,
  sCW: TcpState.CloseWait,
  sLA: TcpState.LastAck,
  sTW: TcpState.TimeWait,
  sCL: TcpState.Close,
  sS2: TcpState.SynSent2,
  sIV: TcpState.Invalid,
  sIG: TcpState.Ignore,
};
const ROWS = ["syn", "synack", "fin", "ack", "rst", "none"] as const;

describe("tcp_conntracks table", () => {
  for (const [dirName, dir] of [
    ["original", 0],
    ["reply", 1],
  ] as const) {
    for (const [index, row] of ROWS.entries()) {
      it(`${dirName} ${row}`, () => {
        const cells = LINUX[dirName][row].split(" ").map((c) => CODE[c]);
        const mine = cells.map((_, state) => tcpTransition(dir, index, state));
        expect(mine).toEqual(cells);
      });
    }
  }

  it("uses the kernel's numbering", () => {
    expect(TCP_CONNTRACK_MAX).toBe(10);
    expect(TcpState.Invalid).toBe(TCP_CONNTRACK_MAX);
    expect([TcpState.Ignore, TcpState.Retrans, TcpState.Unack]).toEqual([11, 12, 13]);
    expect(Object.values(TcpPacketIndex)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe("packet index", () => {
  // get_conntrack_index: RST first, then SYN (ACK decides SYN vs SYN/ACK), FIN, ACK.
  function reference(flags: number): number {
    if (flags & 0x04) return 4;
    if (flags & 0x02) return flags & 0x10 ? 1 : 0;
    if (flags & 0x01) return 2;
    if (flags & 0x10) return 3;
    return 5;
  }
  it("matches for all 256 flag bytes", () => {
    for (let f = 0; f < 256; f++) expect(tcpPacketIndex(f), `flags ${f}`).toBe(reference(f));
  });
  it("examples", () => {
    expect(tcpPacketIndex(0x02)).toBe(TcpPacketIndex.Syn);
    expect(tcpPacketIndex(0x12)).toBe(TcpPacketIndex.SynAck);
    expect(tcpPacketIndex(0x11)).toBe(TcpPacketIndex.Fin);
    expect(tcpPacketIndex(0x18)).toBe(TcpPacketIndex.Ack);
    expect(tcpPacketIndex(0x14)).toBe(TcpPacketIndex.Rst);
    expect(tcpPacketIndex(0x08)).toBe(TcpPacketIndex.None);
  });
});

describe("state names", () => {
  it("are what conntrack -L prints", () => {
    expect(TCP_STATE_NAMES).toEqual([
      "NONE",
      "SYN_SENT",
      "SYN_RECV",
      "ESTABLISHED",
      "FIN_WAIT",
      "CLOSE_WAIT",
      "LAST_ACK",
      "TIME_WAIT",
      "CLOSE",
      "SYN_SENT2",
    ]);
    expect(tcpStateName(TcpState.TimeWait)).toBe("TIME_WAIT");
    expect(tcpStateName(TcpState.Invalid)).toBe("INVALID");
    expect(tcpStateName(TcpState.Ignore)).toBe("IGNORE");
  });

  it("early drop only for closing states", () => {
    const closing = [4, 5, 6, 7, 8];
    for (let s = 0; s < TCP_CONNTRACK_MAX; s++) {
      expect(tcpStateCanEarlyDrop(s), TCP_STATE_NAMES[s]).toBe(closing.includes(s));
    }
  });
});
