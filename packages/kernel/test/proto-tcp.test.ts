/**
 * The TCP tracker's API: tcpNew, tcpPacket verdicts and result fields,
 * malformed segments, the store layout, sysctls, log texts, and a property
 * run over random segments.
 */
import { TcpView } from "@ctkit/packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  defaultTcpSysctls,
  formatTcpLowerTimeout,
  formatTcpReason,
  IpsStatus,
  readTcpSysctls,
  TCP_STATE_BYTES,
  TCP_SYSCTL_NAMES,
  TcpFlags,
  TcpPacketContext,
  TcpPacketIndex,
  TcpReason,
  TcpResult,
  TcpState,
  TcpStateStore,
  TcpVerdict,
  tcpCanEarlyDrop,
  tcpError,
  tcpEstablished,
  tcpHandshakeOptions,
  tcpNew,
  tcpPacket,
  tcpSackMax,
  tcpSetClosing,
  tcpTimeout,
} from "../src/conntrack/proto-tcp.js";
import { CONNTRACK_TIMEOUTS } from "../src/conntrack-defaults.js";
import { SysctlTable } from "../src/sysctl.js";
import { buildSegment, MiniConntrack, type SegmentSpec, tcpOf } from "./proto-tcp-harness.js";

const C = "10.1.0.2";
const S = "10.2.0.2";

function seg(spec: SegmentSpec): TcpView {
  return tcpOf(buildSegment(spec));
}

function reply(spec: Omit<SegmentSpec, "src" | "dst" | "sport" | "dport">): Uint8Array {
  return buildSegment({ ...spec, src: S, dst: C, sport: 80, dport: 40000 });
}

describe("tcpNew", () => {
  const sys = defaultTcpSysctls();

  it("a SYN starts a connection", () => {
    const store = new TcpStateStore(4);
    store.u8.fill(0xaa); // leftovers of an earlier connection in the slot
    const res = new TcpResult();
    expect(
      tcpNew(store, 2, seg({ flags: "S", seq: 100, win: 0, opts: [["ws", 3]] }), sys, res),
    ).toBe(true);
    expect(store.tdEnd(2, 0)).toBe(101);
    expect(store.tdMaxend(2, 0)).toBe(101);
    expect(store.tdMaxwin(2, 0)).toBe(1); // a zero window counts as 1
    expect(store.tdScale(2, 0)).toBe(3);
    expect(store.flags(2, 0)).toBe(TcpFlags.WindowScale);
    expect(store.tdMaxwin(2, 1)).toBe(0);
    expect(store.state(2)).toBe(TcpState.None);
    expect(store.lastIndex(2)).toBe(TcpPacketIndex.None);
    // Neighbouring slots untouched.
    expect(store.u8[TCP_STATE_BYTES]).toBe(0xaa);
    expect(res.reason).toBe(TcpReason.None);
  });

  it("a plain ACK picks up a connection only with tcp_loose", () => {
    const store = new TcpStateStore(1);
    const ack = seg({ flags: "A", seq: 100, ack: 5, win: 1000, len: 10 });
    expect(tcpNew(store, 0, ack, sys)).toBe(true);
    expect(store.tdEnd(0, 0)).toBe(110);
    expect(store.tdMaxend(0, 0)).toBe(1110);
    expect(store.flags(0, 1)).toBe(TcpFlags.SackPerm | TcpFlags.BeLiberal);
    const res = new TcpResult();
    expect(tcpNew(store, 0, ack, { ...sys, nf_conntrack_tcp_loose: 0 }, res)).toBe(false);
    expect(res.reason).toBe(TcpReason.None); // Linux logs nothing here
  });

  it("SYN/ACK, FIN, RST cannot start one ('invalid new')", () => {
    const store = new TcpStateStore(1);
    for (const flags of ["SA", "FA", "R", "RA"]) {
      const res = new TcpResult();
      expect(tcpNew(store, 0, seg({ flags, seq: 1, ack: 1 }), sys, res), flags).toBe(false);
      expect(res.message()).toBe("invalid new");
    }
  });
});

describe("tcpError", () => {
  const res = new TcpResult();
  it("accepts the flag combinations TCPs send", () => {
    for (const flags of [
      "S",
      "SU",
      "SA",
      "R",
      "RA",
      "FA",
      "FAU",
      "A",
      "AU",
      "SAPEC",
      "PA",
      "FPA",
    ]) {
      res.reset();
      expect(tcpError(seg({ flags, seq: 1 }), false, res), flags).toBe(false);
    }
  });
  it("rejects the others", () => {
    for (const flags of ["", "P", "F", "SF", "SR", "RF", "SRA", "FSRPAUEC", "U", "FU"]) {
      res.reset();
      expect(tcpError(seg({ flags, seq: 1 }), false, res), flags).toBe(true);
      expect(res.message()).toBe("invalid tcp flag combination");
    }
  });
  it("rejects bad data offsets and reported checksum errors", () => {
    res.reset();
    expect(tcpError(seg({ flags: "A", seq: 1, doff: 4 }), false, res)).toBe(true);
    expect(res.message()).toBe("truncated packet");
    res.reset();
    expect(tcpError(seg({ flags: "A", seq: 1, doff: 6 }), false, res)).toBe(true);
    res.reset();
    expect(tcpError(seg({ flags: "A", seq: 1 }), true, res)).toBe(true);
    expect(res.message()).toBe("bad checksum");
  });
  it("a segment shorter than 20 bytes is INVALID without a log line", () => {
    const pkt = buildSegment({ flags: "S", seq: 1 });
    const view = new TcpView();
    view.attach(pkt, 20, 12);
    const res2 = new TcpResult();
    const verdict = tcpPacket(
      new TcpStateStore(1),
      0,
      0,
      view,
      new TcpPacketContext(),
      defaultTcpSysctls(),
      res2,
    );
    expect(verdict).toBe(TcpVerdict.Invalid);
    expect(res2.reason).toBe(TcpReason.None);
  });
});

describe("tcpPacket results", () => {
  it("walks a connection through open and close with the right timeouts", () => {
    const ct = new MiniConntrack();
    const steps: [Uint8Array, string, number][] = [
      [buildSegment({ flags: "S", seq: 1 }), "SYN_SENT", 120],
      [reply({ flags: "SA", seq: 9, ack: 2 }), "SYN_RECV", 60],
      [buildSegment({ flags: "A", seq: 2, ack: 10 }), "ESTABLISHED", 432000],
      [buildSegment({ flags: "FA", seq: 2, ack: 10 }), "FIN_WAIT", 120],
      [reply({ flags: "A", seq: 10, ack: 3 }), "CLOSE_WAIT", 60],
      [reply({ flags: "FA", seq: 10, ack: 3 }), "LAST_ACK", 30],
      [buildSegment({ flags: "A", seq: 3, ack: 11 }), "TIME_WAIT", 120],
    ];
    let t = 0;
    for (const [pkt, state, timeout] of steps) {
      t += 1;
      const out = ct.packet(pkt, t);
      expect(out.verdict).toBe(TcpVerdict.Accept);
      expect(out.result.timeout, state).toBe(timeout);
      expect(ct.list(t)[0].state).toBe(state);
      expect(out.result.stateChanged).toBe(true);
    }
    expect(ct.list(t)[0].assured).toBe(true);
    // The client's FIN came first.
    const e = ct.lookup(C, S, 40000, 80);
    expect(e && ct.store.flags(e.slot, 0) & TcpFlags.CloseInit).toBeTruthy();
  });

  it("a SYN on a closed connection asks for a re-lookup (Repeat + kill)", () => {
    const store = new TcpStateStore(1);
    const ctx = new TcpPacketContext();
    const res = new TcpResult();
    const sys = defaultTcpSysctls();
    tcpPacket(store, 0, 0, seg({ flags: "S", seq: 1 }), ctx, sys, res);
    ctx.status = IpsStatus.Confirmed;
    tcpPacket(store, 0, 1, seg({ flags: "SA", seq: 9, ack: 2 }), ctx, sys, res);
    ctx.status |= IpsStatus.SeenReply;
    tcpPacket(store, 0, 0, seg({ flags: "R", seq: 2 }), ctx, sys, res);
    expect(res.newState).toBe(TcpState.Close);
    expect(res.timeout).toBe(10);
    const v = tcpPacket(store, 0, 0, seg({ flags: "S", seq: 1000 }), ctx, sys, res);
    expect(v).toBe(TcpVerdict.Repeat);
    expect(res.verdict).toBe(TcpVerdict.Repeat);
    expect(res.kill).toBe(true);
  });

  it("a RST before any reply deletes the connection; a SYN retransmission does not refresh", () => {
    const ct = new MiniConntrack();
    ct.packet(buildSegment({ flags: "S", seq: 1 }), 0);
    const again = ct.packet(buildSegment({ flags: "S", seq: 1 }), 5);
    expect(again.result.timeout).toBe(-1);
    expect(ct.list(5)[0].remaining).toBe(115);
    const rst = ct.packet(reply({ flags: "RA", seq: 0, ack: 2 }), 6);
    expect(rst.verdict).toBe(TcpVerdict.Accept);
    expect(rst.result.kill).toBe(true);
    expect(ct.list(6)).toEqual([]);
  });

  it("ignored packets report why and leave the timer alone", () => {
    const ct = new MiniConntrack();
    ct.packet(buildSegment({ flags: "S", seq: 1 }), 0);
    ct.packet(reply({ flags: "SA", seq: 9, ack: 2 }), 0);
    ct.packet(buildSegment({ flags: "A", seq: 2, ack: 10 }), 0);
    const out = ct.packet(buildSegment({ flags: "S", seq: 77 }), 1);
    expect(out.verdict).toBe(TcpVerdict.Accept);
    expect(out.result.timeout).toBe(-1);
    expect(out.logs).toEqual([
      "nf_ct_proto_6: packet (index 0) in dir 0 ignored, state ESTABLISHED ",
    ]);
  });

  it("an out-of-window FIN answering the peer's FIN cuts an assured connection's timer", () => {
    const ct = new MiniConntrack();
    ct.packet(buildSegment({ flags: "S", seq: 1 }), 0);
    ct.packet(reply({ flags: "SA", seq: 9, ack: 2 }), 0);
    ct.packet(buildSegment({ flags: "A", seq: 2, ack: 10 }), 0);
    ct.packet(reply({ flags: "FA", seq: 9_000_000, ack: 2 }), 1);
    const out = ct.packet(buildSegment({ flags: "FA", seq: 9_000_000, ack: 10 }), 2);
    expect(out.verdict).toBe(TcpVerdict.Invalid);
    expect(out.result.lowerTimeout).toBe(300);
    expect(out.result.lowerTimeoutLastIndex).toBe(TcpPacketIndex.Fin);
    expect(out.logs[1]).toBe(
      "nf_ct_proto_6: packet (index 2, dir 0) response for index 2 lower timeout to 75000 ",
    );
    expect(ct.list(2)[0].remaining).toBe(300);
  });

  it("no timer cut for fixed-timeout connections", () => {
    const store = new TcpStateStore(1);
    const ctx = new TcpPacketContext();
    const res = new TcpResult();
    const sys = defaultTcpSysctls();
    tcpPacket(store, 0, 0, seg({ flags: "S", seq: 1 }), ctx, sys, res);
    ctx.status = IpsStatus.Confirmed;
    tcpPacket(store, 0, 1, seg({ flags: "SA", seq: 9, ack: 2 }), ctx, sys, res);
    ctx.status |= IpsStatus.SeenReply;
    tcpPacket(store, 0, 0, seg({ flags: "A", seq: 2, ack: 10 }), ctx, sys, res);
    ctx.status |= IpsStatus.Assured | IpsStatus.FixedTimeout;
    ctx.expiresIn = 400000;
    tcpPacket(store, 0, 1, seg({ flags: "FA", seq: 9_000_000, ack: 2 }), ctx, sys, res);
    tcpPacket(store, 0, 0, seg({ flags: "RA", seq: 9_000_000, ack: 10 }), ctx, sys, res);
    expect(res.verdict).toBe(TcpVerdict.Invalid);
    expect(res.lowerTimeout).toBe(-1);
  });
});

describe("helpers", () => {
  it("tcpEstablished, tcpCanEarlyDrop, tcpSetClosing", () => {
    const store = new TcpStateStore(1);
    const sys = defaultTcpSysctls();
    store.setState(0, TcpState.Established);
    expect(tcpEstablished(store, 0, IpsStatus.Assured)).toBe(true);
    expect(tcpEstablished(store, 0, 0)).toBe(false);
    expect(tcpCanEarlyDrop(store, 0)).toBe(false);
    expect(tcpSetClosing(store, 0, 0, sys)).toBe(-1); // unconfirmed: untouched
    expect(store.state(0)).toBe(TcpState.Established);
    expect(tcpSetClosing(store, 0, IpsStatus.Confirmed, sys)).toBe(10);
    expect(store.state(0)).toBe(TcpState.Close);
    expect(tcpCanEarlyDrop(store, 0)).toBe(true);
    expect(tcpSetClosing(store, 0, IpsStatus.Confirmed, sys)).toBe(-1);
  });

  it("option readers", () => {
    expect(tcpHandshakeOptions(seg({ flags: "S", seq: 1 }))).toBe(-1);
    expect(tcpHandshakeOptions(seg({ flags: "S", seq: 1, opts: [["nop"]] }))).toBe(0);
    expect(
      tcpHandshakeOptions(seg({ flags: "S", seq: 1, opts: [["sackok"], ["ws", 9], ["mss", 1]] })),
    ).toBe((9 << 8) | TcpFlags.SackPerm | TcpFlags.WindowScale);
    // A window-scale option of the wrong size is skipped; a length running
    // past the header stops the walk.
    expect(tcpHandshakeOptions(seg({ flags: "S", seq: 1, opts: [["raw", [3, 4, 7, 0]]] }))).toBe(0);
    expect(
      tcpHandshakeOptions(seg({ flags: "S", seq: 1, opts: [["raw", [4, 2, 3, 9, 7, 0, 0, 0]]] })),
    ).toBe(TcpFlags.SackPerm);
    expect(tcpSackMax(seg({ flags: "A", seq: 1, opts: [["sack", [[50, 60]]]] }), 100)).toBe(100);
    expect(tcpSackMax(seg({ flags: "A", seq: 1, opts: [["sack", [[50, 160]]]] }), 100)).toBe(160);
    expect(
      tcpSackMax(
        seg({ flags: "A", seq: 1, opts: [["raw", [5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]]] }),
        7,
      ),
    ).toBe(7);
  });
});

describe("store", () => {
  it("takes 64 bytes per connection and grows keeping records", () => {
    const store = new TcpStateStore(2);
    expect(store.byteLength).toBe(2 * 64);
    store.setState(1, TcpState.TimeWait);
    store.u32[16 + 0] = 12345;
    store.ensureCapacity(3);
    expect(store.capacity).toBe(4);
    expect(store.byteLength).toBe(4 * 64);
    expect(store.state(1)).toBe(TcpState.TimeWait);
    expect(store.tdEnd(1, 0)).toBe(12345);
    store.copy(1, 3);
    expect(store.state(3)).toBe(TcpState.TimeWait);
    store.clear(1);
    expect(store.state(1)).toBe(0);
    expect(store.tdEnd(1, 0)).toBe(0);
  });
});

describe("sysctls", () => {
  it("defaults are Linux's", () => {
    const s = defaultTcpSysctls();
    expect(s.nf_conntrack_tcp_loose).toBe(1);
    expect(s.nf_conntrack_tcp_be_liberal).toBe(0);
    expect(s.nf_conntrack_tcp_ignore_invalid_rst).toBe(0);
    expect(s.nf_conntrack_tcp_max_retrans).toBe(3);
    for (const name of TCP_SYSCTL_NAMES) {
      if (name.includes("timeout")) expect(s[name]).toBe(CONNTRACK_TIMEOUTS[name]);
    }
    expect(tcpTimeout(s, TcpState.SynSent2)).toBe(120);
    expect(tcpTimeout(s, TcpState.Retrans)).toBe(300);
    expect(tcpTimeout(s, TcpState.Unack)).toBe(300);
    expect(tcpTimeout(s, TcpState.Established)).toBe(432000);
  });

  it("reads net.netfilter.* from a sysctl table", () => {
    const table = new SysctlTable();
    for (const [name, value] of Object.entries(defaultTcpSysctls())) {
      table.register(`net.netfilter.${name}`, { value });
    }
    table.set("net.netfilter.nf_conntrack_tcp_loose", "0");
    table.set("net.netfilter.nf_conntrack_tcp_timeout_close", "7");
    const s = readTcpSysctls((n) => table.get(n));
    expect(s.nf_conntrack_tcp_loose).toBe(0);
    expect(tcpTimeout(s, TcpState.Close)).toBe(7);
  });
});

describe("log texts (Linux 6.x)", () => {
  it("formats every reason", () => {
    expect(formatTcpReason(TcpReason.None)).toBe("");
    expect(formatTcpReason(TcpReason.Ignored, 1, 1, TcpState.SynRecv)).toBe(
      "packet (index 1) in dir 1 ignored, state SYN_RECV",
    );
    expect(formatTcpReason(TcpReason.InvalidTransition, 3, 0, TcpState.SynSent)).toBe(
      "packet (index 3) in dir 0 invalid, state SYN_SENT",
    );
    expect(formatTcpReason(TcpReason.ChallengeAckIgnored)).toBe("challenge-ack ignored");
    expect(formatTcpReason(TcpReason.InvalidRst)).toBe("invalid rst");
    expect(formatTcpReason(TcpReason.BytesMoreThanExpected, 201)).toBe(
      "201 bytes more than expected",
    );
    expect(formatTcpReason(TcpReason.SeqUnderLowerBound, 3000)).toBe(
      "SEQ is under lower bound 3000 (already ACKed data retransmitted)",
    );
    expect(formatTcpReason(TcpReason.AckUnderLowerBound, -1)).toBe(
      "ignored ACK under lower bound 4294967295 (possible overly delayed)",
    );
    expect(formatTcpLowerTimeout(4, 0, 2, 300, 1000)).toBe(
      "packet (index 4, dir 0) response for index 2 lower timeout to 300000",
    );
  });
});

describe("robustness", () => {
  it("random segments on a tracked connection never break the tracker", () => {
    const flagSets = ["S", "SA", "A", "PA", "FA", "R", "RA", "", "SF", "FPA", "AU"];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            reply: fc.boolean(),
            flags: fc.constantFrom(...flagSets),
            seq: fc.oneof(
              fc.integer({ min: 0, max: 0xffffffff }),
              fc.integer({ min: 990, max: 1200 }),
            ),
            ack: fc.oneof(
              fc.integer({ min: 0, max: 0xffffffff }),
              fc.integer({ min: 4990, max: 5200 }),
            ),
            win: fc.integer({ min: 0, max: 0xffff }),
            len: fc.integer({ min: 0, max: 300 }),
            ws: fc.option(fc.integer({ min: 0, max: 255 })),
          }),
          { maxLength: 25 },
        ),
        (segments) => {
          const ct = new MiniConntrack();
          let t = 0;
          for (const s of segments) {
            const spec = {
              flags: s.flags,
              seq: s.seq,
              ack: s.ack,
              win: s.win,
              len: s.len,
              opts: s.ws === null ? [] : [["ws", s.ws] as ["ws", number]],
            };
            t += 0.5;
            const out = ct.packet(s.reply ? reply(spec) : buildSegment(spec), t);
            expect([TcpVerdict.Accept, TcpVerdict.Invalid]).toContain(out.verdict);
            expect(out.result.newState).toBeLessThan(10);
            for (const e of ct.list(t)) {
              expect(e.remaining).toBeGreaterThan(0);
              expect(e.remaining).toBeLessThanOrEqual(432000);
            }
            if (out.entry) {
              expect(ct.store.tdScale(out.entry.slot, 0)).toBeLessThanOrEqual(14);
              expect(ct.store.tdScale(out.entry.slot, 1)).toBeLessThanOrEqual(14);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
