/**
 * The adapter the conntrack core plugs in as its TCP tracker: timers and
 * ASSURED written into the table, verdicts in the core's numbering, log
 * lines gated by nf_conntrack_log_invalid, seqadj and kill hooks.
 */
import { TcpView } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { IpsStatus } from "../src/conntrack/proto-tcp.js";
import {
  TcpTracker,
  type TcpTrackerPacket,
  type TcpTrackerTable,
  TcpTrackerVerdict,
} from "../src/conntrack/proto-tcp-tracker.js";
import type { ConnTable } from "../src/conntrack/table.js";
import type { Skb } from "../src/net/skb.js";
import { buildSegment, type SegmentSpec, tcpOf } from "./proto-tcp-harness.js";

// The core's real table and packet types fit the adapter's structural ones.
const _table = (t: ConnTable): TcpTrackerTable => t;
const _skb = (s: Skb): TcpTrackerPacket => s;
void _table;
void _skb;

function setup(hooks = {}) {
  const table = {
    capacity: 4,
    status: new Uint32Array(4),
    expires: new Float64Array(4),
  };
  const lines: string[] = [];
  const tracker = new TcpTracker(table, { log: (l: string) => lines.push(l), ...hooks });
  const skb = { time: 0, dec: { tcp: new TcpView() } };
  const send = (spec: SegmentSpec, time: number, dir: 0 | 1 = 0) => {
    skb.time = time;
    tcpOf(buildSegment(spec), skb.dec.tcp);
    return tracker.packet(0, dir, skb, 0);
  };
  const first = (spec: SegmentSpec, time: number) => {
    skb.time = time;
    tcpOf(buildSegment(spec), skb.dec.tcp);
    return tracker.newConn(0, skb);
  };
  return { table, tracker, lines, send, first };
}

describe("TcpTracker adapter", () => {
  it("writes timers and ASSURED into the table", () => {
    const { table, tracker, send, first } = setup();
    expect(first({ flags: "S", seq: 1 }, 10)).toBe(true);
    expect(send({ flags: "S", seq: 1 }, 10)).toBe(TcpTrackerVerdict.ACCEPT);
    expect(table.expires[0]).toBe(130);
    expect(tracker.stateName(0)).toBe("SYN_SENT");
    table.status[0] = IpsStatus.Confirmed;
    expect(send({ flags: "SA", seq: 9, ack: 2 }, 11, 1)).toBe(TcpTrackerVerdict.ACCEPT);
    expect(table.expires[0]).toBe(71);
    table.status[0] |= IpsStatus.SeenReply; // the core does this after a reply
    send({ flags: "A", seq: 2, ack: 10 }, 12);
    expect(table.status[0] & IpsStatus.Assured).toBeTruthy();
    expect(table.expires[0]).toBe(12 + 432000);
    expect(tracker.stateName(0)).toBe("ESTABLISHED");
  });

  it("answers REPEAT for a SYN re-opening a closed connection, INVALID for junk", () => {
    const { table, send, first } = setup();
    first({ flags: "S", seq: 1 }, 0);
    send({ flags: "S", seq: 1 }, 0);
    table.status[0] = IpsStatus.Confirmed;
    send({ flags: "SA", seq: 9, ack: 2 }, 0, 1);
    table.status[0] |= IpsStatus.SeenReply;
    send({ flags: "R", seq: 2 }, 1);
    expect(send({ flags: "S", seq: 99 }, 2)).toBe(TcpTrackerVerdict.REPEAT);
    expect(send({ flags: "SF", seq: 99 }, 2)).toBe(TcpTrackerVerdict.INVALID);
  });

  it("logs only with nf_conntrack_log_invalid 6 or 255, in Linux's check order", () => {
    const { tracker, lines, first } = setup();
    expect(first({ flags: "F", seq: 1 }, 0)).toBe(false);
    expect(lines).toEqual([]);
    tracker.refresh((n) => (n === "net.netfilter.nf_conntrack_log_invalid" ? 6 : 0));
    expect(tracker.sysctls.nf_conntrack_tcp_loose).toBe(0);
    expect(first({ flags: "F", seq: 1 }, 0)).toBe(false);
    expect(first({ flags: "SA", seq: 1, ack: 1 }, 0)).toBe(false);
    expect(lines).toEqual([
      "nf_ct_proto_6: invalid tcp flag combination ",
      "nf_ct_proto_6: invalid new ",
    ]);
    tracker.logInvalid = 17;
    first({ flags: "F", seq: 1 }, 0);
    expect(lines.length).toBe(2);
  });

  it("kills a connection whose only answer is a RST", () => {
    const killed: number[] = [];
    const { table, send, first } = setup({ kill: (s: number) => killed.push(s) });
    first({ flags: "S", seq: 1 }, 0);
    send({ flags: "S", seq: 1 }, 0);
    table.status[0] = IpsStatus.Confirmed;
    expect(send({ flags: "RA", seq: 0, ack: 2 }, 1, 1)).toBe(TcpTrackerVerdict.ACCEPT);
    expect(killed).toEqual([0]);
  });

  it("passes the seqadj offset of the other direction at ack - 1", () => {
    const calls: [number, number, number][] = [];
    const { table, send, first } = setup({
      seqOffset: (slot: number, dir: 0 | 1, seq: number) => {
        calls.push([slot, dir, seq]);
        return dir === 1 ? 50 : 0;
      },
    });
    first({ flags: "S", seq: 1 }, 0);
    send({ flags: "S", seq: 1 }, 0);
    table.status[0] = IpsStatus.Confirmed;
    send({ flags: "SA", seq: 9, ack: 2 }, 0, 1);
    table.status[0] |= IpsStatus.SeenReply;
    send({ flags: "A", seq: 2, ack: 10 }, 0);
    send({ flags: "PA", seq: 10, ack: 2, len: 100 }, 0, 1);
    // The client acknowledges 160 for the server's 110 (50 bytes added by NAT).
    expect(send({ flags: "A", seq: 2, ack: 160 }, 0)).toBe(TcpTrackerVerdict.ACCEPT);
    expect(calls.at(-1)).toEqual([0, 1, 159]);
  });
});
