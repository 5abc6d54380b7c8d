/**
 * TCP window tracking (Linux's tcp_in_window, after Guido van Rooij's "Real
 * Stateful TCP Packet Filtering in IP Filter", bounds per RFC 793):
 *
 * For each direction the tracker keeps td_end (highest seq + len sent),
 * td_maxend (highest right edge the receiver ever offered: ack + window),
 * td_maxwin (largest window seen, grown by SACK and by data past maxend) and
 * td_maxack (highest ACK sent). A segment of the sender is acceptable when
 *   I.   seq <= sender.td_maxend                                (upper bound of data)
 *   II.  seq + len >= sender.td_end - receiver.td_maxwin         (lower bound of data)
 *   III. sack <= receiver.td_end                                 (upper bound of the ACK)
 *   IV.  sack >= receiver.td_end - max(sender.td_maxwin, 66000)  (lower bound of the ACK)
 * where sack is the ACK, or the highest SACK right edge when the receiver
 * allowed SACK. Failing I or III makes the packet INVALID; failing II or IV
 * only means "old": the packet passes without touching the state. All
 * comparisons are in 32-bit sequence space.
 */
import type { TcpView } from "@ctkit/packet";
import { TcpReason } from "./proto-tcp-log.js";
import { tcpHandshakeOptions, tcpSackMax32 } from "./proto-tcp-options.js";
import type { TcpResult } from "./proto-tcp-result.js";
import { TcpPacketIndex, TcpState } from "./proto-tcp-states.js";
import {
  B_FLAGS,
  B_LAST_DIR,
  B_RETRANS,
  B_SCALE,
  B_STATE,
  H_LAST_WIN,
  TCP_STATE_BYTES,
  TcpFlags,
  type TcpStateStore,
  W_DIR,
  W_LAST_ACK,
  W_LAST_END,
  W_LAST_SEQ,
  W_TD_END,
  W_TD_MAXACK,
  W_TD_MAXEND,
  W_TD_MAXWIN,
} from "./proto-tcp-store.js";

/** Outcome of the window check (enum nf_ct_tcp_action). */
export const TcpWindowAction = {
  /** Pass the packet, but do not update anything (old or overshooting segment). */
  Ignore: 0,
  /** Out of window: the packet is INVALID. */
  Invalid: 1,
  /** In window; the state was updated. */
  Accept: 2,
} as const;

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** The lower bound for ACKs is never closer than this to td_end (MAXACKWINCONST). */
export const MAX_ACK_WINDOW_CONST = 66000;

const WORDS = TCP_STATE_BYTES / 4;

/** a < b in sequence space. */
export function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
/** a > b in sequence space. */
export function seqAfter(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

/**
 * seq + payload length, plus one for SYN and one for FIN: the sequence
 * number just past this segment. The payload is what the IP layer delimits
 * (TcpView.length) minus the TCP header.
 */
export function tcpSegmentEnd(tcp: TcpView, seq: number): number {
  return tcpSegmentEnd32(tcp, seq) >>> 0;
}

/**
 * The tracker's own forms of the 32-bit sequence-space numbers: the same
 * bits as int32, which V8 keeps unboxed across calls (see TcpStateStore.i32).
 * Sequence comparisons (seqBefore/seqAfter) work on either form; equality
 * needs both sides in the same one.
 */
export function tcpSegmentEnd32(tcp: TcpView, seq: number): number {
  const f = tcp.flags;
  return (seq + (tcp.length - tcp.dataOffset * 4) + (f & SYN ? 1 : 0) + (f & FIN ? 1 : 0)) | 0;
}

/** The sequence number of a segment, as int32. */
export function tcpSeq32(tcp: TcpView): number {
  const b = tcp.buffer;
  const o = tcp.offset + 4;
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/** The acknowledgment number of a segment, as int32. */
export function tcpAck32(tcp: TcpView): number {
  const b = tcp.buffer;
  const o = tcp.offset + 8;
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/**
 * Initialises the sender's half from a SYN or SYN/ACK (tcp_init_sender):
 * td_end = td_maxend = end, td_maxwin = the raw window (at least 1), scale
 * and SACK-permitted from the options. When the packet is the reply
 * direction's SYN/ACK (or SYN in a simultaneous open), window scaling is
 * only kept if both sides offered it (RFC 7323); otherwise both scales drop
 * to 0.
 */
export function tcpInitSender(
  store: TcpStateStore,
  slot: number,
  dir: number,
  tcp: TcpView,
  end: number,
  win: number,
): void {
  const u32 = store.u32;
  const u8 = store.u8;
  const sw = slot * WORDS + dir * W_DIR;
  const b = slot * TCP_STATE_BYTES;
  const sf = b + B_FLAGS + 2 * dir;
  const rf = b + B_FLAGS + 2 * (dir ^ 1);
  u32[sw + W_TD_END] = end;
  u32[sw + W_TD_MAXEND] = end;
  u32[sw + W_TD_MAXWIN] = win === 0 ? 1 : win;
  const opts = tcpHandshakeOptions(tcp);
  if (opts >= 0) {
    u8[b + B_SCALE + 2 * dir] = opts >>> 8;
    u8[sf] = (u8[sf] & TcpFlags.BeLiberal) | (opts & 0xff);
  }
  if (dir === 1 && !(u8[sf] & TcpFlags.WindowScale && u8[rf] & TcpFlags.WindowScale)) {
    u8[b + B_SCALE] = 0;
    u8[b + B_SCALE + 2] = 0;
  }
}

/** nf_tcp_log_invalid: a liberal sender (flag or sysctl) turns any complaint into Accept. */
function complain(
  res: TcpResult,
  senderFlags: number,
  sysBeLiberal: number,
  action: number,
  reason: number,
  arg: number,
): number {
  if (senderFlags & TcpFlags.BeLiberal || sysBeLiberal) return TcpWindowAction.Accept;
  res.reason = reason;
  res.a0 = arg >>> 0;
  return action;
}

/**
 * The window check for one packet of direction `dir` (tcp_in_window).
 * Updates both directions' tracking data when the packet is in window and
 * records retransmissions of pure ACKs. `seqOffset` is the NAT sequence
 * offset of the other direction (0 without seqadj); `sysBeLiberal` the
 * nf_conntrack_tcp_be_liberal sysctl. Complaints go to `res.reason`.
 */
export function tcpInWindow(
  store: TcpStateStore,
  slot: number,
  dir: number,
  index: number,
  tcp: TcpView,
  seqOffset: number,
  sysBeLiberal: number,
  res: TcpResult,
): number {
  // Sequence-space values (seq, ack, sack, end, td_end, td_maxend,
  // td_maxack, last_*) are int32 here and read through i32; window sizes
  // (td_maxwin, win) stay unsigned and are read through u32.
  const u32 = store.u32;
  const i32 = store.i32;
  const u8 = store.u8;
  const w = slot * WORDS;
  const b = slot * TCP_STATE_BYTES;
  const sw = w + dir * W_DIR;
  const rw = w + (dir ^ 1) * W_DIR;
  const sf = b + B_FLAGS + 2 * dir;
  const rf = b + B_FLAGS + 2 * (dir ^ 1);
  const state = u8[b + B_STATE];
  const flags = tcp.flags;

  let seq = tcpSeq32(tcp);
  let ack = tcpAck32(tcp);
  let sack = ack;
  const winRaw = tcp.window;
  let win = winRaw;
  let end = tcpSegmentEnd32(tcp, seq);

  if (u8[rf] & TcpFlags.SackPerm) sack = tcpSackMax32(tcp, sack);
  ack = (ack - seqOffset) | 0;
  sack = (sack - seqOffset) | 0;

  if (u32[sw + W_TD_MAXWIN] === 0) {
    if (flags & SYN) {
      // SYN/ACK answering the SYN, or the reply side's SYN of a simultaneous open.
      tcpInitSender(store, slot, dir, tcp, end, win);
      if (!(flags & ACK)) return TcpWindowAction.Accept;
    } else {
      // First packet seen from this side in the middle of a connection:
      // take what the packet says.
      u32[sw + W_TD_END] = end;
      const swin = (win << u8[b + B_SCALE + 2 * dir]) >>> 0;
      u32[sw + W_TD_MAXWIN] = swin === 0 ? 1 : swin;
      u32[sw + W_TD_MAXEND] = end + u32[sw + W_TD_MAXWIN];
      if (u32[rw + W_TD_MAXWIN] === 0) {
        // Nothing known of the other side yet: make III and IV pass for now.
        u32[rw + W_TD_END] = sack;
        u32[rw + W_TD_MAXEND] = sack;
      } else if (sack === (((i32[rw + W_TD_END] as number) + 1) | 0)) {
        // Probably the answer to a keepalive.
        u32[rw + W_TD_END] = sack;
      }
    }
  } else if (
    flags & SYN &&
    seqAfter(end, i32[sw + W_TD_END] as number) &&
    (state === TcpState.SynSent || state === TcpState.SynRecv)
  ) {
    // A new SYN (or SYN/ACK) with a higher ISN during the handshake: the
    // endpoint was re-initialised, start this side over (RFC 793).
    tcpInitSender(store, slot, dir, tcp, end, win);
    if (dir === 1 && !(flags & ACK)) return TcpWindowAction.Accept;
  }

  if (!(flags & ACK)) {
    // No ACK: pretend it acknowledges exactly what the receiver sent.
    ack = i32[rw + W_TD_END] as number;
    sack = ack;
  } else if (flags & RST && ack === 0) {
    // Stacks that send RST+ACK with a zero ACK number.
    ack = i32[rw + W_TD_END] as number;
    sack = ack;
  }

  if (flags & RST && seq === 0 && state === TcpState.SynSent) {
    // RST answering our SYN.
    seq = i32[sw + W_TD_END] as number;
    end = seq;
  }

  const maxAckWindow = Math.max(u32[sw + W_TD_MAXWIN], MAX_ACK_WINDOW_CONST);

  if (!seqBefore(seq, ((i32[sw + W_TD_MAXEND] as number) + 1) | 0)) {
    const overshot = (end - (i32[sw + W_TD_MAXEND] as number) + 1) >>> 0;
    const ackOk = seqAfter(sack, ((i32[rw + W_TD_END] as number) - maxAckWindow - 1) | 0);
    const rmaxwin = u32[rw + W_TD_MAXWIN] as number;
    const inRecvWin =
      rmaxwin !== 0 && seqAfter(end, ((i32[sw + W_TD_END] as number) - rmaxwin - 1) | 0);
    if (
      inRecvWin &&
      ackOk &&
      overshot <= rmaxwin &&
      seqBefore(sack, ((i32[rw + W_TD_END] as number) + 1) | 0)
    ) {
      // A sender that overruns the receive window a little: remember the
      // data so that the ACK for it does not fail III later.
      u32[sw + W_TD_END] = end;
      u8[sf] |= TcpFlags.DataUnacknowledged;
      return complain(
        res,
        u8[sf],
        sysBeLiberal,
        TcpWindowAction.Ignore,
        TcpReason.BytesMoreThanExpected,
        overshot,
      );
    }
    return complain(
      res,
      u8[sf],
      sysBeLiberal,
      TcpWindowAction.Invalid,
      TcpReason.SeqOverUpperBound,
      u32[sw + W_TD_MAXEND] + 1,
    );
  }

  if (!seqBefore(sack, ((i32[rw + W_TD_END] as number) + 1) | 0)) {
    return complain(
      res,
      u8[sf],
      sysBeLiberal,
      TcpWindowAction.Invalid,
      TcpReason.AckOverUpperBound,
      u32[rw + W_TD_END] + 1,
    );
  }

  const rmaxwin = u32[rw + W_TD_MAXWIN] as number;
  if (rmaxwin !== 0 && !seqAfter(end, ((i32[sw + W_TD_END] as number) - rmaxwin - 1) | 0)) {
    return complain(
      res,
      u8[sf],
      sysBeLiberal,
      TcpWindowAction.Ignore,
      TcpReason.SeqUnderLowerBound,
      u32[sw + W_TD_END] - rmaxwin - 1,
    );
  }
  if (!seqAfter(sack, ((i32[rw + W_TD_END] as number) - maxAckWindow - 1) | 0)) {
    return complain(
      res,
      u8[sf],
      sysBeLiberal,
      TcpWindowAction.Ignore,
      TcpReason.AckUnderLowerBound,
      u32[rw + W_TD_END] - maxAckWindow - 1,
    );
  }

  // In window. Scale the advertised window (never on SYNs: RFC 7323).
  if (!(flags & SYN)) win = (win << u8[b + B_SCALE + 2 * dir]) >>> 0;

  // The sender's side.
  const swin = (win + sack - ack) >>> 0;
  if (u32[sw + W_TD_MAXWIN] < swin) u32[sw + W_TD_MAXWIN] = swin;
  if (seqAfter(end, i32[sw + W_TD_END] as number)) {
    u32[sw + W_TD_END] = end;
    u8[sf] |= TcpFlags.DataUnacknowledged;
  }
  if (flags & ACK) {
    if (!(u8[sf] & TcpFlags.MaxackSet)) {
      u32[sw + W_TD_MAXACK] = ack;
      u8[sf] |= TcpFlags.MaxackSet;
    } else if (seqAfter(ack, i32[sw + W_TD_MAXACK] as number)) {
      u32[sw + W_TD_MAXACK] = ack;
    }
  }

  // The receiver's side.
  if (u32[rw + W_TD_MAXWIN] !== 0 && seqAfter(end, i32[sw + W_TD_MAXEND] as number)) {
    u32[rw + W_TD_MAXWIN] =
      (u32[rw + W_TD_MAXWIN] as number) + ((end - (i32[sw + W_TD_MAXEND] as number)) >>> 0);
  }
  const right = (sack + win) | 0;
  if (seqAfter(right, ((i32[rw + W_TD_MAXEND] as number) - 1) | 0)) {
    u32[rw + W_TD_MAXEND] = win === 0 ? right + 1 : right;
  }
  if (ack === i32[rw + W_TD_END]) u8[rf] &= ~TcpFlags.DataUnacknowledged;

  // Retransmission counting: the same pure ACK segment again, same direction.
  if (index === TcpPacketIndex.Ack) {
    const h = slot * (TCP_STATE_BYTES / 2) + H_LAST_WIN;
    if (
      u8[b + B_LAST_DIR] === dir &&
      i32[w + W_LAST_SEQ] === seq &&
      i32[w + W_LAST_ACK] === ack &&
      i32[w + W_LAST_END] === end &&
      store.u16[h] === winRaw
    ) {
      u8[b + B_RETRANS]++;
    } else {
      u8[b + B_LAST_DIR] = dir;
      u32[w + W_LAST_SEQ] = seq;
      u32[w + W_LAST_ACK] = ack;
      u32[w + W_LAST_END] = end;
      store.u16[h] = winRaw;
      u8[b + B_RETRANS] = 0;
    }
  }
  return TcpWindowAction.Accept;
}
