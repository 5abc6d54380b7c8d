/**
 * TCP conntrack states and the transition table of Linux's TCP tracker
 * (nf_conntrack_proto_tcp.c, 6.x): which state a connection moves to when a
 * packet of a given kind arrives in a given direction.
 *
 * The numeric values are the kernel's (enum tcp_conntrack, uapi
 * nf_conntrack_tcp.h), so they can travel through ctnetlink-style output
 * unchanged.
 */

/** enum tcp_conntrack. */
export const TcpState = {
  None: 0,
  SynSent: 1,
  SynRecv: 2,
  Established: 3,
  FinWait: 4,
  CloseWait: 5,
  LastAck: 6,
  TimeWait: 7,
  Close: 8,
  /** Simultaneous open: a SYN was seen from each side (the kernel's old LISTEN slot). */
  SynSent2: 9,
  /** Pseudo-state of the table: the packet is invalid (TCP_CONNTRACK_MAX). */
  Invalid: 10,
  /** Pseudo-state of the table: let the packet through but do not act on it. */
  Ignore: 11,
  /** Timeout slot only: too many retransmissions, or a zero window (TCP_CONNTRACK_RETRANS). */
  Retrans: 12,
  /** Timeout slot only: data in flight that was not acknowledged (TCP_CONNTRACK_UNACK). */
  Unack: 13,
} as const;
export type TcpStateValue = (typeof TcpState)[keyof typeof TcpState];

/** Number of real states (TCP_CONNTRACK_MAX); a table entry at or above it is not a state. */
export const TCP_CONNTRACK_MAX = 10;

/** State names exactly as `conntrack -L` and /proc/net/nf_conntrack print them. */
export const TCP_STATE_NAMES: readonly string[] = Object.freeze([
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

/** The name `conntrack -L` prints for a state (pseudo-states get a descriptive name). */
export function tcpStateName(state: number): string {
  if (state >= 0 && state < TCP_CONNTRACK_MAX) return TCP_STATE_NAMES[state];
  if (state === TcpState.Invalid) return "INVALID";
  if (state === TcpState.Ignore) return "IGNORE";
  return `UNKNOWN(${state})`;
}

/**
 * Which row of the table a packet uses (enum tcp_bit_set). Chosen from the
 * flags in this priority: RST, then SYN (with or without ACK), FIN, ACK.
 */
export const TcpPacketIndex = {
  Syn: 0,
  SynAck: 1,
  Fin: 2,
  Ack: 3,
  Rst: 4,
  None: 5,
} as const;
export type TcpPacketIndexValue = (typeof TcpPacketIndex)[keyof typeof TcpPacketIndex];

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** The table row for a TCP flags byte (get_conntrack_index). */
export function tcpPacketIndex(flags: number): number {
  if (flags & RST) return TcpPacketIndex.Rst;
  if (flags & SYN) return flags & ACK ? TcpPacketIndex.SynAck : TcpPacketIndex.Syn;
  if (flags & FIN) return TcpPacketIndex.Fin;
  if (flags & ACK) return TcpPacketIndex.Ack;
  return TcpPacketIndex.None;
}

// Short names for building the table below.
const SS = TcpState.SynSent;
const SR = TcpState.SynRecv;
const ES = TcpState.Established;
const FW = TcpState.FinWait;
const CW = TcpState.CloseWait;
const LA = TcpState.LastAck;
const TW = TcpState.TimeWait;
const CL = TcpState.Close;
const S2 = TcpState.SynSent2;
const IV = TcpState.Invalid;
const IG = TcpState.Ignore;

/**
 * Rows per direction, in packet-index order; columns are the current state
 * (NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK,
 * TIME_WAIT, CLOSE, SYN_SENT2). Facts of the 6.x table:
 * - original SYN opens (or re-opens from TIME_WAIT/CLOSE), is ignored in the
 *   middle of a connection, and keeps SYN_SENT2 during a simultaneous open;
 * - a SYN/ACK from the original side is only meaningful in a simultaneous open;
 * - a reply SYN is a simultaneous open, or a role switch in TIME_WAIT;
 * - a reply ACK in SYN_SENT/SYN_SENT2 is ignored (maybe a half-open peer);
 * - RST closes from any state but NONE; a packet with no flags never fits.
 */
const ORIGINAL: readonly (readonly number[])[] = [
  /* syn    */ [SS, SS, IG, IG, IG, IG, IG, SS, SS, S2],
  /* synack */ [IV, IV, SR, IV, IV, IV, IV, IV, IV, SR],
  /* fin    */ [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
  /* ack    */ [ES, IV, ES, ES, CW, CW, TW, TW, CL, IV],
  /* rst    */ [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
  /* none   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
];
const REPLY: readonly (readonly number[])[] = [
  /* syn    */ [IV, S2, IV, IV, IV, IV, IV, SS, IV, S2],
  /* synack */ [IV, SR, IG, IG, IG, IG, IG, IG, IG, SR],
  /* fin    */ [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
  /* ack    */ [IV, IG, SR, ES, CW, CW, TW, TW, CL, IG],
  /* rst    */ [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
  /* none   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
];

const ROW = TCP_CONNTRACK_MAX;
const DIR = 6 * ROW;

/** Flattened table: TCP_TRANSITIONS[dir * 60 + index * 10 + state]. */
export const TCP_TRANSITIONS: Uint8Array = (() => {
  const t = new Uint8Array(2 * DIR);
  for (let i = 0; i < 6; i++) {
    for (let s = 0; s < ROW; s++) {
      t[i * ROW + s] = ORIGINAL[i][s];
      t[DIR + i * ROW + s] = REPLY[i][s];
    }
  }
  return t;
})();

/** The table entry: the next state, or TcpState.Invalid / TcpState.Ignore. */
export function tcpTransition(dir: number, index: number, state: number): number {
  return TCP_TRANSITIONS[dir * DIR + index * ROW + state];
}

/**
 * Whether a connection in this state may be evicted first when the table is
 * full (tcp_can_early_drop): it is already closing.
 */
export function tcpStateCanEarlyDrop(state: number): boolean {
  return (
    state === TcpState.FinWait ||
    state === TcpState.LastAck ||
    state === TcpState.TimeWait ||
    state === TcpState.Close ||
    state === TcpState.CloseWait
  );
}
