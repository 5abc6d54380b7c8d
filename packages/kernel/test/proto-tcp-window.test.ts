/**
 * Window tracking internals: the per-direction td_* values after each
 * packet (worked out by hand from the rules in tcp_in_window), window
 * scaling, SACK, retransmission counting, NAT sequence offsets and
 * sequence-number wrap-around. The end-to-end verdicts of the same
 * mechanisms are checked against the real kernel in proto-tcp-kernel.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  seqAfter,
  seqBefore,
  TcpFlags,
  TcpReason,
  TcpState,
  TcpVerdict,
} from "../src/conntrack/proto-tcp.js";
import { buildSegment, MiniConntrack, type SegmentSpec, type TcpOpt } from "./proto-tcp-harness.js";

const C = "10.1.0.2";
const S = "10.2.0.2";
const SYN_OPTS: TcpOpt[] = [["mss", 1460], ["sackok"], ["ws", 7]];

type Spec = Omit<SegmentSpec, "src" | "dst" | "sport" | "dport">;

class Flow {
  readonly ct: MiniConntrack;
  now = 0;
  constructor(sysctls = {}) {
    this.ct = new MiniConntrack(sysctls);
  }
  o(spec: Spec, seqOffset = 0) {
    this.now += 0.001;
    return this.ct.packet(buildSegment({ ...spec, src: C, dst: S }), this.now, seqOffset);
  }
  r(spec: Spec, seqOffset = 0) {
    this.now += 0.001;
    return this.ct.packet(
      buildSegment({ ...spec, src: S, dst: C, sport: 80, dport: 40000 }),
      this.now,
      seqOffset,
    );
  }
  get slot(): number {
    const e = this.ct.lookup(C, S, 40000, 80);
    if (!e) throw new Error("no entry");
    return e.slot;
  }
  seen(dir: number) {
    const st = this.ct.store;
    const slot = this.slot;
    return {
      end: st.tdEnd(slot, dir),
      maxend: st.tdMaxend(slot, dir),
      maxwin: st.tdMaxwin(slot, dir),
      maxack: st.tdMaxack(slot, dir),
      scale: st.tdScale(slot, dir),
      flags: st.flags(slot, dir),
    };
  }
  handshake(cOpts: TcpOpt[] = SYN_OPTS, sOpts: TcpOpt[] = SYN_OPTS, sWin = 29200, cWin = 502) {
    this.o({ flags: "S", seq: 1000, win: 64240, opts: cOpts });
    this.r({ flags: "SA", seq: 5000, ack: 1001, win: sWin, opts: sOpts });
    return this.o({ flags: "A", seq: 1001, ack: 5001, win: cWin });
  }
}

describe("sequence comparisons", () => {
  it("work modulo 2^32", () => {
    expect(seqBefore(1, 2)).toBe(true);
    expect(seqBefore(0xfffffff0, 0x10)).toBe(true);
    expect(seqAfter(0x10, 0xfffffff0)).toBe(true);
    expect(seqAfter(5, 5)).toBe(false);
    expect(seqBefore(5, 5)).toBe(false);
  });
});

describe("handshake bookkeeping", () => {
  it("SYN, SYN/ACK, ACK set td_end/td_maxend/td_maxwin/scale/flags as Linux", () => {
    const f = new Flow();
    f.o({ flags: "S", seq: 1000, win: 64240, opts: SYN_OPTS });
    expect(f.seen(0)).toEqual({
      end: 1001,
      maxend: 1001,
      maxwin: 64240,
      maxack: 0,
      scale: 7,
      flags: TcpFlags.WindowScale | TcpFlags.SackPerm,
    });
    // The receiver's right edge is assumed from the SYN's window.
    expect(f.seen(1)).toMatchObject({ end: 0, maxend: 64240, maxwin: 0 });

    f.r({ flags: "SA", seq: 5000, ack: 1001, win: 29200, opts: SYN_OPTS });
    expect(f.seen(1)).toEqual({
      end: 5001,
      maxend: 5001,
      maxwin: 29200,
      maxack: 1001,
      scale: 7,
      flags: TcpFlags.WindowScale | TcpFlags.SackPerm | TcpFlags.MaxackSet,
    });
    expect(f.seen(0).maxend).toBe(1001 + 29200);

    const out = f.o({ flags: "A", seq: 1001, ack: 5001, win: 502 });
    expect(out.result.setAssured).toBe(true);
    // 502 << 7 = 64256 now counts as the client's window.
    expect(f.seen(0)).toMatchObject({ maxwin: 64256, maxack: 5001 });
    expect(f.seen(1).maxend).toBe(5001 + 64256);
    const st = f.ct.store;
    expect(st.lastDir(f.slot)).toBe(0);
    expect(st.lastSeq(f.slot)).toBe(1001);
    expect(st.lastAck(f.slot)).toBe(5001);
    expect(st.lastEnd(f.slot)).toBe(1001);
    expect(st.lastWin(f.slot)).toBe(502);
    expect(st.retrans(f.slot)).toBe(0);
  });

  it("window scaling is only used when both sides offer it", () => {
    const f = new Flow();
    f.handshake(SYN_OPTS, [["mss", 1460]]);
    expect(f.seen(0).scale).toBe(0);
    expect(f.seen(1).scale).toBe(0);
    // The client's window is now taken literally: 502 bytes.
    expect(f.seen(1).maxend).toBe(5001 + 502);
    const out = f.r({ flags: "PA", seq: 5001 + 600, ack: 1001, len: 10 });
    expect(out.result.reason).toBe(TcpReason.BytesMoreThanExpected);
  });

  it("a shift above 14 counts as 14", () => {
    const f = new Flow();
    f.handshake([["ws", 15]], [["ws", 200]]);
    expect(f.seen(0).scale).toBe(14);
    expect(f.seen(1).scale).toBe(14);
  });

  it("SYN windows are never scaled", () => {
    const f = new Flow();
    f.o({ flags: "S", seq: 1000, win: 100, opts: SYN_OPTS });
    f.r({ flags: "SA", seq: 5000, ack: 1001, win: 200, opts: SYN_OPTS });
    expect(f.seen(0).maxend).toBe(1001 + 200);
  });

  it("a SYN/ACK without options keeps what the direction had", () => {
    const f = new Flow();
    f.o({ flags: "S", seq: 1000, opts: SYN_OPTS });
    f.r({ flags: "SA", seq: 5000, ack: 1001 });
    // No option area at all: the client's flags stay; scaling is off for
    // both because the server did not offer it.
    expect(f.seen(0).flags & TcpFlags.WindowScale).toBe(TcpFlags.WindowScale);
    expect(f.seen(0).scale).toBe(0);
    expect(f.seen(1).flags & TcpFlags.WindowScale).toBe(0);
  });
});

describe("window checks", () => {
  it("data sets DATA_UNACKNOWLEDGED until the peer acknowledges it", () => {
    const f = new Flow();
    f.handshake();
    const out = f.o({ flags: "PA", seq: 1001, ack: 5001, win: 502, len: 100 });
    expect(f.seen(0).end).toBe(1101);
    expect(f.seen(0).flags & TcpFlags.DataUnacknowledged).toBeTruthy();
    expect(out.result.timeout).toBe(300);
    const ack = f.r({ flags: "A", seq: 5001, ack: 1101, win: 229 });
    expect(f.seen(0).flags & TcpFlags.DataUnacknowledged).toBe(0);
    expect(ack.result.timeout).toBe(432000);
  });

  it("reports the exact bounds", () => {
    const f = new Flow();
    f.handshake(SYN_OPTS, SYN_OPTS, 1000);
    // Client's upper bound is the server's ack + window: 1001 + 1000.
    let out = f.o({ flags: "PA", seq: 1001 + 5000, ack: 5001, win: 502, len: 10 });
    expect(out.verdict).toBe(TcpVerdict.Invalid);
    expect(out.result.reason).toBe(TcpReason.SeqOverUpperBound);
    expect(out.result.a0).toBe(2002);
    expect(out.result.message()).toBe(
      "SEQ is over upper bound 2002 (over the window of the receiver)",
    );
    out = f.o({ flags: "A", seq: 1001, ack: 5002, win: 502 });
    expect(out.result.message()).toBe("ACK is over upper bound 5002 (ACKed data not seen yet)");
    expect(out.ctstate).toBe("INVALID");
  });

  it("old data and old ACKs pass without touching the state", () => {
    const f = new Flow();
    f.handshake(SYN_OPTS, SYN_OPTS, 1000);
    for (let i = 0; i < 3; i++) {
      f.o({ flags: "PA", seq: 1001 + i * 1000, ack: 5001, win: 502, len: 1000 });
      f.r({ flags: "A", seq: 5001, ack: 2001 + i * 1000, win: 8 });
    }
    const before = f.seen(0);
    const out = f.o({ flags: "PA", seq: 1001, ack: 5001, win: 502, len: 10 });
    expect(out.verdict).toBe(TcpVerdict.Accept);
    expect(out.ctstate).toBe("ESTABLISHED");
    expect(out.result.reason).toBe(TcpReason.SeqUnderLowerBound);
    expect(out.result.timeout).toBe(-1);
    expect(f.seen(0)).toEqual(before);
  });

  it("SACK blocks extend the ACK check when the receiver permitted SACK", () => {
    const f = new Flow();
    f.handshake();
    f.r({ flags: "PA", seq: 5001, ack: 1001, win: 229, len: 100 });
    f.r({ flags: "PA", seq: 5101, ack: 1001, win: 229, len: 100 });
    let out = f.o({
      flags: "A",
      seq: 1001,
      ack: 5001,
      win: 502,
      opts: [["nop"], ["nop"], ["sack", [[5101, 5201]]]],
    });
    expect(out.verdict).toBe(TcpVerdict.Accept);
    // td_maxwin grows by sack - ack.
    expect(f.seen(0).maxwin).toBe(64256 + 200);
    out = f.o({
      flags: "A",
      seq: 1001,
      ack: 5001,
      win: 502,
      opts: [["nop"], ["nop"], ["sack", [[5101, 5301]]]],
    });
    expect(out.result.message()).toBe("ACK is over upper bound 5202 (ACKed data not seen yet)");
    // Only the first well-formed SACK option counts; the highest right edge wins.
    out = f.o({
      flags: "A",
      seq: 1001,
      ack: 5001,
      win: 502,
      opts: [
        [
          "sack",
          [
            [5150, 5160],
            [5101, 5201],
          ],
        ],
        ["sack", [[5101, 9999]]],
      ],
    });
    expect(out.verdict).toBe(TcpVerdict.Accept);
  });

  it("SACK is ignored when the receiver did not permit it", () => {
    const f = new Flow();
    f.handshake(SYN_OPTS, [
      ["mss", 1460],
      ["ws", 7],
    ]);
    f.r({ flags: "PA", seq: 5001, ack: 1001, win: 229, len: 100 });
    const out = f.o({
      flags: "A",
      seq: 1001,
      ack: 5001,
      win: 502,
      opts: [["nop"], ["nop"], ["sack", [[5101, 9999]]]],
    });
    expect(out.verdict).toBe(TcpVerdict.Accept);
  });

  it("NAT sequence offsets are taken out of the ACK", () => {
    const f = new Flow();
    f.handshake();
    f.r({ flags: "PA", seq: 5001, ack: 1001, win: 229, len: 100 });
    // The server's data grew by 50 bytes through a NAT helper: the client
    // acknowledges 5151 for what the server knows as 5101.
    expect(f.o({ flags: "A", seq: 1001, ack: 5151, win: 502 }, 50).verdict).toBe(TcpVerdict.Accept);
    expect(f.seen(0).maxack).toBe(5101);
    expect(f.o({ flags: "A", seq: 1001, ack: 5151, win: 502 }).verdict).toBe(TcpVerdict.Invalid);
  });

  it("counts retransmitted pure ACKs and shortens the timeout at max_retrans", () => {
    const f = new Flow();
    f.handshake();
    const timeouts: number[] = [];
    for (let i = 0; i < 5; i++) {
      timeouts.push(f.r({ flags: "A", seq: 5001, ack: 1001, win: 229 }).result.timeout);
    }
    expect(f.ct.store.retrans(f.slot)).toBe(4);
    expect(timeouts).toEqual([432000, 432000, 432000, 300, 300]);
    // Any other segment restarts the count.
    f.r({ flags: "A", seq: 5001, ack: 1001, win: 230 });
    expect(f.ct.store.retrans(f.slot)).toBe(0);
  });

  it("a zero window gives the max_retrans timeout", () => {
    const f = new Flow();
    f.handshake();
    expect(f.r({ flags: "A", seq: 5001, ack: 1001, win: 0 }).result.timeout).toBe(300);
    // td_maxend stays one past a zero window so the peer's probe fits.
    expect(f.seen(0).maxend).toBeGreaterThan(1001);
  });

  it("sequence numbers wrap around 2^32", () => {
    const f = new Flow();
    const isn = 0xffffff00;
    f.o({ flags: "S", seq: isn, opts: SYN_OPTS });
    f.r({ flags: "SA", seq: 7, ack: isn + 1, opts: SYN_OPTS });
    f.o({ flags: "A", seq: isn + 1, ack: 8, win: 502 });
    const out = f.o({ flags: "PA", seq: isn + 1, ack: 8, win: 502, len: 1000 });
    expect(out.verdict).toBe(TcpVerdict.Accept);
    expect(f.seen(0).end).toBe((isn + 1001) >>> 0);
    expect(f.r({ flags: "A", seq: 8, ack: (isn + 1001) >>> 0, win: 229 }).verdict).toBe(
      TcpVerdict.Accept,
    );
    expect(f.ct.store.state(f.slot)).toBe(TcpState.Established);
  });

  it("a liberal connection accepts anything but reports nothing", () => {
    const f = new Flow();
    f.handshake();
    f.ct.store.setBeLiberal(f.slot);
    const out = f.o({ flags: "PA", seq: 1001 + 9_000_000, ack: 5001, win: 502, len: 10 });
    expect(out.verdict).toBe(TcpVerdict.Accept);
    expect(out.result.reason).toBe(TcpReason.None);
  });
});

describe("mid-stream pick-up", () => {
  it("initialises from the first packet and trusts the peer's first answer", () => {
    const f = new Flow();
    const first = f.o({ flags: "A", seq: 1000, ack: 5001, win: 1000 });
    expect(first.ctstate).toBe("NEW");
    expect(first.result.timeout).toBe(300);
    const liberal = TcpFlags.SackPerm | TcpFlags.BeLiberal;
    expect(f.seen(0)).toMatchObject({ end: 1000, maxwin: 1000, maxend: 2000, flags: liberal });
    expect(f.seen(1).flags).toBe(liberal);
    // The reply acknowledges one byte more than the client sent: a keepalive
    // answer, so the client's td_end moves up by one.
    f.r({ flags: "A", seq: 5001, ack: 1001, win: 300 });
    expect(f.seen(0).end).toBe(1001);
    expect(f.seen(1)).toMatchObject({ end: 5001, maxwin: 300, maxend: 5301 });
    const third = f.o({ flags: "A", seq: 1001, ack: 5001, win: 1000 });
    expect(third.result.setAssured).toBe(true);
    expect(third.result.timeout).toBe(432000);
  });
});
