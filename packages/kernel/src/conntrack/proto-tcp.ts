/**
 * The TCP connection tracker: what Linux 6.x's nf_conntrack_proto_tcp.c
 * decides for every TCP packet of a tracked connection.
 *
 * The conntrack core owns the table; this module owns the TCP part of each
 * entry, kept in a TcpStateStore under the entry's slot number. Per packet
 * the core calls
 *
 *     const verdict = tcpPacket(store, slot, dir, tcp, ctx, sysctls, result);
 *
 * with `tcp` attached to the segment (TcpView.length = the IP payload
 * length), `ctx` describing the connection (status bits before this packet,
 * seconds left on its timer, NAT seq offset, checksum result) and reusable
 * `result` receiving the details. On an unconfirmed (new) entry tcpPacket
 * runs tcpNew() itself. Then the core:
 * - verdict <= 0: detach the packet from the connection (it becomes ctstate
 *   INVALID; a new entry is discarded). Repeat: kill the entry and look the
 *   packet up again. Drop is never returned by tcpPacket itself; the core
 *   turns Repeat into Drop when the entry cannot be killed.
 * - verdict Accept: if result.kill, delete the entry (RST answering a
 *   connection that never saw a reply); else if result.timeout >= 0
 *   refresh the timer (unless IPS_FIXED_TIMEOUT); set IPS_ASSURED when
 *   result.setAssured; then, as Linux does after every accepted reply-
 *   direction packet, set IPS_SEEN_REPLY.
 * - result.lowerTimeout >= 0 (with an Invalid verdict): set the timer to it.
 * - result.reason != None and nf_conntrack_log_invalid is 6 or 255: log
 *   TCP_LOG_PREFIX + result.message() (and result.lowerTimeoutMessage()).
 *
 * TcpTracker (proto-tcp-tracker.ts) does all of this for the core's
 * L4Tracker interface.
 */
import type { TcpView } from "@ctkit/packet";
import { TcpReason } from "./proto-tcp-log.js";
import { tcpHandshakeOptions } from "./proto-tcp-options.js";
import {
  IpsStatus,
  type TcpPacketContext,
  type TcpResult,
  TcpVerdict,
} from "./proto-tcp-result.js";
import {
  TCP_CONNTRACK_MAX,
  TcpPacketIndex,
  TcpState,
  tcpPacketIndex,
  tcpStateCanEarlyDrop,
  tcpTransition,
} from "./proto-tcp-states.js";
import {
  B_FLAGS,
  B_LAST_DIR,
  B_LAST_FLAGS,
  B_LAST_INDEX,
  B_LAST_WSCALE,
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
import { type TcpSysctls, tcpTimeout } from "./proto-tcp-sysctls.js";
import {
  seqBefore,
  TcpWindowAction,
  tcpInWindow,
  tcpSegmentEnd,
  tcpSegmentEnd32,
  tcpSeq32,
} from "./proto-tcp-window.js";

export * from "./proto-tcp-log.js";
export * from "./proto-tcp-options.js";
export * from "./proto-tcp-result.js";
export * from "./proto-tcp-states.js";
export * from "./proto-tcp-store.js";
export * from "./proto-tcp-sysctls.js";
export * from "./proto-tcp-window.js";

const WORDS = TCP_STATE_BYTES / 4;
const HALVES = TCP_STATE_BYTES / 2;

const RST = 0x04;
const MIN_HEADER = 20;

/**
 * Flag combinations a TCP may send, indexed by flags & (FIN|SYN|RST|ACK|URG);
 * PSH, ECE and CWR never matter.
 */
const VALID_FLAGS: Uint8Array = (() => {
  const t = new Uint8Array(0x40);
  for (const f of [0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30]) t[f] = 1;
  return t;
})();
const FLAG_MASK = 0x37;

/**
 * Malformed segments (tcp_error): header shorter than its data offset or an
 * offset below 5 words, a checksum the caller found bad, or an impossible
 * flag combination. Returns true (and sets res.reason) when the packet is
 * INVALID.
 */
export function tcpError(tcp: TcpView, badChecksum: boolean, res: TcpResult): boolean {
  const doff = tcp.dataOffset * 4;
  if (doff < MIN_HEADER || tcp.length < doff) {
    res.reason = TcpReason.Truncated;
    return true;
  }
  if (badChecksum) {
    res.reason = TcpReason.BadChecksum;
    return true;
  }
  if (!VALID_FLAGS[tcp.flags & FLAG_MASK]) {
    res.reason = TcpReason.BadFlags;
    return true;
  }
  return false;
}

/**
 * May this packet create a connection (tcp_new)? A SYN without ACK always
 * may; a plain ACK may only when nf_conntrack_tcp_loose is on (mid-stream
 * pick-up, then both directions are tracked liberally and SACK is assumed).
 * On success the slot is initialised for the original direction.
 */
export function tcpNew(
  store: TcpStateStore,
  slot: number,
  tcp: TcpView,
  sysctls: TcpSysctls,
  res?: TcpResult,
): boolean {
  const next = tcpTransition(0, tcpPacketIndex(tcp.flags), TcpState.None);
  if (next >= TCP_CONNTRACK_MAX) {
    if (res) res.reason = TcpReason.InvalidNew;
    return false;
  }
  const u32 = store.u32;
  const u8 = store.u8;
  const w = slot * WORDS;
  const b = slot * TCP_STATE_BYTES;
  const win = tcp.window;
  if (next === TcpState.SynSent) {
    store.clear(slot);
    const end = tcpSegmentEnd32(tcp, tcpSeq32(tcp));
    u32[w + W_TD_END] = end;
    u32[w + W_TD_MAXWIN] = win === 0 ? 1 : win;
    u32[w + W_TD_MAXEND] = end;
    const opts = tcpHandshakeOptions(tcp);
    if (opts >= 0) {
      u8[b + B_SCALE] = opts >>> 8;
      u8[b + B_FLAGS] = opts & 0xff;
    }
  } else if (!sysctls.nf_conntrack_tcp_loose) {
    return false;
  } else {
    store.clear(slot);
    const end = tcpSegmentEnd32(tcp, tcpSeq32(tcp));
    u32[w + W_TD_END] = end;
    u32[w + W_TD_MAXWIN] = win === 0 ? 1 : win;
    u32[w + W_TD_MAXEND] = end + u32[w + W_TD_MAXWIN];
    const liberal = TcpFlags.SackPerm | TcpFlags.BeLiberal;
    u8[b + B_FLAGS] = liberal;
    u8[b + B_FLAGS + 2] = liberal;
  }
  u8[b + B_LAST_INDEX] = TcpPacketIndex.None;
  return true;
}

/**
 * Tracks one packet of direction `dir` (0 original, 1 reply) — Linux's
 * nf_conntrack_tcp_packet. Returns the verdict (also in res.verdict); see
 * the module comment for what the caller does with `res`.
 */
export function tcpPacket(
  store: TcpStateStore,
  slot: number,
  dir: 0 | 1,
  tcp: TcpView,
  ctx: TcpPacketContext,
  sysctls: TcpSysctls,
  res: TcpResult,
): number {
  res.reset();
  const verdict = track(store, slot, dir, tcp, ctx, sysctls, res);
  res.verdict = verdict;
  res.newState = store.u8[slot * TCP_STATE_BYTES + B_STATE];
  return verdict;
}

function track(
  store: TcpStateStore,
  slot: number,
  dir: 0 | 1,
  tcp: TcpView,
  ctx: TcpPacketContext,
  sysctls: TcpSysctls,
  res: TcpResult,
): number {
  // Not even a whole basic header: no log line, just INVALID.
  if (tcp.length < MIN_HEADER) return TcpVerdict.Invalid;
  if (tcpError(tcp, ctx.badChecksum, res)) return TcpVerdict.Invalid;
  const status = ctx.status;
  if (!(status & IpsStatus.Confirmed) && !tcpNew(store, slot, tcp, sysctls, res)) {
    return TcpVerdict.Invalid;
  }

  const u32 = store.u32;
  const u8 = store.u8;
  const w = slot * WORDS;
  const b = slot * TCP_STATE_BYTES;
  const flags = tcp.flags;
  const index = tcpPacketIndex(flags);
  let oldState = u8[b + B_STATE];
  let newState = tcpTransition(dir, index, oldState);
  res.index = index;
  res.oldState = oldState;
  let skipWindow = false;

  switch (newState) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: a SYN that cannot re-open is ignored
    case TcpState.SynSent: {
      if (oldState < TcpState.TimeWait) break;
      // SYN on a connection in TIME_WAIT or CLOSE (RFC 1122 re-open): if
      // either side began the close, or this side reset it, the old entry
      // goes and the packet starts a new connection.
      const either = u8[b + B_FLAGS] | u8[b + B_FLAGS + 2];
      if (
        either & TcpFlags.CloseInit ||
        (u8[b + B_LAST_DIR] === dir && u8[b + B_LAST_INDEX] === TcpPacketIndex.Rst)
      ) {
        res.kill = true;
        return TcpVerdict.Repeat;
      }
    }
    case TcpState.Ignore: {
      if (
        index === TcpPacketIndex.SynAck &&
        u8[b + B_LAST_INDEX] === TcpPacketIndex.Syn &&
        u8[b + B_LAST_DIR] !== dir &&
        tcp.acknowledgmentNumber === u32[w + W_LAST_END]
      ) {
        // This SYN/ACK answers a SYN we let through as ignored: both ends
        // agree on a new connection and only we were out of sync. Rebuild
        // the SYN sender's half from what was noted about that SYN, start
        // this side over, and go on as for SYN_SENT -> SYN_RECV.
        oldState = TcpState.SynSent;
        newState = TcpState.SynRecv;
        resyncFromIgnoredSyn(store, slot, dir);
        res.oldState = oldState;
        break;
      }
      noteIgnored(store, slot, dir, index, oldState, tcp);
      res.reason = TcpReason.Ignored;
      res.a0 = index;
      res.a1 = dir;
      res.a2 = oldState;
      return TcpVerdict.Accept;
    }
    case TcpState.Invalid:
      res.reason = TcpReason.InvalidTransition;
      res.a0 = index;
      res.a1 = dir;
      res.a2 = oldState;
      return TcpVerdict.Invalid;
    case TcpState.TimeWait:
      // RFC 5961: a peer in LAST_ACK answers a stray SYN with a challenge
      // ACK; that ACK does not acknowledge the last FIN.
      if (
        oldState === TcpState.LastAck &&
        index === TcpPacketIndex.Ack &&
        u8[b + B_LAST_DIR] !== dir &&
        u8[b + B_LAST_INDEX] === TcpPacketIndex.Syn &&
        u8[b + B_LAST_FLAGS] & TcpFlags.ExpChallengeAck
      ) {
        u8[b + B_LAST_FLAGS] &= ~TcpFlags.ExpChallengeAck;
        res.reason = TcpReason.ChallengeAckIgnored;
        return TcpVerdict.Accept;
      }
      break;
    case TcpState.SynSent2:
      u8[b + B_LAST_FLAGS] |= TcpFlags.SimultaneousOpen;
      break;
    case TcpState.SynRecv:
      // The table cannot tell a simultaneous open apart: there the reply's
      // ACK completes the handshake.
      if (
        dir === 1 &&
        index === TcpPacketIndex.Ack &&
        u8[b + B_LAST_FLAGS] & TcpFlags.SimultaneousOpen
      ) {
        newState = TcpState.Established;
      }
      break;
    case TcpState.Close: {
      if (index !== TcpPacketIndex.Rst) break;
      if (tcpStateCanEarlyDrop(oldState)) {
        // Closing already: the tuple may be in use again, the window data is
        // stale, so do not check it.
        skipWindow = true;
        break;
      }
      const rdir = dir ^ 1;
      const seq = tcp.sequenceNumber;
      if (
        u8[b + B_FLAGS + 2 * rdir] & TcpFlags.MaxackSet &&
        u8[b + B_LAST_INDEX] !== TcpPacketIndex.Syn
      ) {
        const established = oldState === TcpState.Established && (status & IpsStatus.Assured) !== 0;
        const peerMaxack = u32[w + rdir * W_DIR + W_TD_MAXACK];
        // Seq 0 before the connection is established: most likely the
        // answer to a SYN let through above.
        if (seq === 0 && !established) break;
        if (seqBefore(seq, peerMaxack) && !sysctls.nf_conntrack_tcp_ignore_invalid_rst) {
          res.reason = TcpReason.InvalidRst;
          return TcpVerdict.Invalid;
        }
        if (!established || seq === peerMaxack) break;
        // RST right after this side's last data segment ("RST train").
        if (
          u8[b + B_LAST_INDEX] === TcpPacketIndex.Ack &&
          u8[b + B_LAST_DIR] === dir &&
          seq === u32[w + W_LAST_END]
        ) {
          break;
        }
        // In window but not exact: stay ESTABLISHED so that the peer can
        // answer with a challenge ACK.
        newState = oldState;
      }
      const ackSeq = tcp.acknowledgmentNumber;
      const lastIndex = u8[b + B_LAST_INDEX];
      if (
        ((status & IpsStatus.SeenReply && lastIndex === TcpPacketIndex.Syn) ||
          (!(status & IpsStatus.Assured) && lastIndex === TcpPacketIndex.Ack)) &&
        ackSeq === u32[w + W_LAST_END]
      ) {
        // RST answering a SYN or ACK we let through as ignored: the entry
        // is out of sync; take the RST without checking the window.
        skipWindow = true;
        break;
      }
      if (
        oldState === TcpState.SynSent &&
        lastIndex === TcpPacketIndex.Ack &&
        u8[b + B_LAST_DIR] === 1 &&
        seq === u32[w + W_LAST_ACK]
      ) {
        // RST answering a challenge ACK we let through.
        skipWindow = true;
      }
      break;
    }
  }

  if (!skipWindow) {
    const action = tcpInWindow(
      store,
      slot,
      dir,
      index,
      tcp,
      ctx.seqOffset,
      sysctls.nf_conntrack_tcp_be_liberal,
      res,
    );
    if (action === TcpWindowAction.Ignore) return TcpVerdict.Accept;
    if (action === TcpWindowAction.Invalid) {
      handleInvalid(store, slot, dir, index, ctx, sysctls, res);
      return TcpVerdict.Invalid;
    }
  }

  // In window from here on.
  u8[b + B_LAST_INDEX] = index;
  u8[b + B_LAST_DIR] = dir;
  u8[b + B_STATE] = newState;
  if (oldState !== newState && newState === TcpState.FinWait) {
    u8[b + B_FLAGS + 2 * dir] |= TcpFlags.CloseInit;
  }

  const stateTimeout = tcpTimeout(sysctls, newState);
  const retransTimeout = sysctls.nf_conntrack_tcp_timeout_max_retrans;
  const unackTimeout = sysctls.nf_conntrack_tcp_timeout_unacknowledged;
  let timeout: number;
  if (u8[b + B_RETRANS] >= sysctls.nf_conntrack_tcp_max_retrans && stateTimeout > retransTimeout) {
    timeout = retransTimeout;
  } else if (index === TcpPacketIndex.Rst) {
    timeout = sysctls.nf_conntrack_tcp_timeout_close;
  } else if (
    (u8[b + B_FLAGS] | u8[b + B_FLAGS + 2]) & TcpFlags.DataUnacknowledged &&
    stateTimeout > unackTimeout
  ) {
    timeout = unackTimeout;
  } else if (store.u16[slot * HALVES + H_LAST_WIN] === 0 && stateTimeout > retransTimeout) {
    timeout = retransTimeout;
  } else {
    timeout = stateTimeout;
  }
  res.stateChanged = newState !== oldState;
  res.oldState = oldState;

  if (!(status & IpsStatus.SeenReply)) {
    // Only a RST came back: not a connection worth keeping.
    if (flags & RST) {
      res.kill = true;
      return TcpVerdict.Accept;
    }
    // A retransmitted SYN does not extend the entry's life, or port reuse
    // could keep it (and its NAT mapping) alive forever.
    if (index === TcpPacketIndex.Syn && oldState === TcpState.SynSent) return TcpVerdict.Accept;
    // Picked up mid-stream and no answer yet: keep the timeout short.
    if (newState === TcpState.Established && timeout > unackTimeout) timeout = unackTimeout;
  } else if (
    !(status & IpsStatus.Assured) &&
    (oldState === TcpState.SynRecv || oldState === TcpState.Established) &&
    newState === TcpState.Established
  ) {
    // A valid ACK completing the handshake, or the first answer on a
    // picked-up connection.
    res.setAssured = true;
  }
  res.timeout = timeout;
  return TcpVerdict.Accept;
}

/**
 * Notes an ignored packet in the last_* fields so that the answer to it can
 * be recognised (a SYN/ACK to an ignored SYN, an RST to an ignored ACK).
 */
function noteIgnored(
  store: TcpStateStore,
  slot: number,
  dir: number,
  index: number,
  oldState: number,
  tcp: TcpView,
): void {
  const u32 = store.u32;
  const u8 = store.u8;
  const w = slot * WORDS;
  const b = slot * TCP_STATE_BYTES;
  const seq = tcp.sequenceNumber;
  u8[b + B_LAST_INDEX] = index;
  u8[b + B_LAST_DIR] = dir;
  u32[w + W_LAST_SEQ] = seq;
  u32[w + W_LAST_END] = tcpSegmentEnd(tcp, seq);
  store.u16[slot * HALVES + H_LAST_WIN] = tcp.window;
  if (index === TcpPacketIndex.Syn && dir === 0) {
    // A SYN from the original side while we think the connection is up:
    // keep its options in case the server accepts it.
    let lastFlags = 0;
    let lastWscale = 0;
    const opts = tcpHandshakeOptions(tcp);
    if (opts >= 0) {
      if (opts & TcpFlags.WindowScale) {
        lastFlags |= TcpFlags.WindowScale;
        lastWscale = opts >>> 8;
      }
      if (opts & TcpFlags.SackPerm) lastFlags |= TcpFlags.SackPerm;
    }
    // In LAST_ACK the peer may answer with a challenge ACK (RFC 5961) that
    // must not be taken for the ACK of the last FIN.
    if (oldState === TcpState.LastAck) lastFlags |= TcpFlags.ExpChallengeAck;
    u8[b + B_LAST_FLAGS] = lastFlags;
    u8[b + B_LAST_WSCALE] = lastWscale;
  }
  // A reply ACK in SYN_SENT may be a challenge ACK answering the SYN.
  if (oldState === TcpState.SynSent && index === TcpPacketIndex.Ack && dir === 1) {
    u32[w + W_LAST_ACK] = tcp.acknowledgmentNumber;
  }
}

/**
 * The answer of the reply side to an ignored SYN: rebuild the SYN sender's
 * window data from the last_* notes and reset this direction so that the
 * window check re-initialises it from the SYN/ACK.
 */
function resyncFromIgnoredSyn(store: TcpStateStore, slot: number, dir: number): void {
  const u32 = store.u32;
  const u8 = store.u8;
  const w = slot * WORDS;
  const b = slot * TCP_STATE_BYTES;
  const ld = u8[b + B_LAST_DIR];
  const lw = w + ld * W_DIR;
  const lastEnd = u32[w + W_LAST_END];
  const lastWin = store.u16[slot * HALVES + H_LAST_WIN];
  u32[lw + W_TD_END] = lastEnd;
  u32[lw + W_TD_MAXEND] = lastEnd;
  u32[lw + W_TD_MAXWIN] = lastWin === 0 ? 1 : lastWin;
  u8[b + B_SCALE + 2 * ld] = u8[b + B_LAST_WSCALE];
  u8[b + B_LAST_FLAGS] &= ~TcpFlags.ExpChallengeAck;
  u8[b + B_FLAGS + 2 * ld] = u8[b + B_LAST_FLAGS];
  const sw = w + dir * W_DIR;
  u32[sw + W_TD_END] = 0;
  u32[sw + W_TD_MAXEND] = 0;
  u32[sw + W_TD_MAXWIN] = 0;
  u32[sw + W_TD_MAXACK] = 0;
  u8[b + B_SCALE + 2 * dir] = 0;
  u8[b + B_FLAGS + 2 * dir] &= TcpFlags.BeLiberal;
}

/** Seconds: an out-of-window FIN/RST only shortens timers longer than this. */
const SHRINK_FLOOR = 120;

/**
 * After an out-of-window packet (nf_tcp_handle_invalid): on an assured
 * connection, a FIN or RST that answers the other side's FIN or RST means
 * both ends are closing while we are out of sync; cut the timer down to the
 * unacknowledged-data timeout instead of leaving the entry for days.
 */
function handleInvalid(
  store: TcpStateStore,
  slot: number,
  dir: number,
  index: number,
  ctx: TcpPacketContext,
  sysctls: TcpSysctls,
  res: TcpResult,
): void {
  const status = ctx.status;
  if (!(status & IpsStatus.Assured) || status & IpsStatus.FixedTimeout) return;
  if (index !== TcpPacketIndex.Rst && index !== TcpPacketIndex.Fin) return;
  const u8 = store.u8;
  const b = slot * TCP_STATE_BYTES;
  const lastIndex = u8[b + B_LAST_INDEX];
  if (
    u8[b + B_LAST_DIR] !== dir &&
    (lastIndex === TcpPacketIndex.Fin || lastIndex === TcpPacketIndex.Rst)
  ) {
    if (ctx.expiresIn < SHRINK_FLOOR) return;
    const unack = sysctls.nf_conntrack_tcp_timeout_unacknowledged;
    if (ctx.expiresIn > unack) {
      res.lowerTimeout = unack;
      res.lowerTimeoutLastIndex = lastIndex;
    }
  } else {
    u8[b + B_LAST_INDEX] = index;
    u8[b + B_LAST_DIR] = dir;
  }
}

/**
 * nf_conntrack_tcp_established: ESTABLISHED and assured (what NAT and the
 * RST checks mean by "established").
 */
export function tcpEstablished(store: TcpStateStore, slot: number, status: number): boolean {
  return store.state(slot) === TcpState.Established && (status & IpsStatus.Assured) !== 0;
}

/** tcp_can_early_drop for a slot. */
export function tcpCanEarlyDrop(store: TcpStateStore, slot: number): boolean {
  return tcpStateCanEarlyDrop(store.state(slot));
}

/**
 * nf_conntrack_tcp_set_closing (flowtable teardown and friends): force the
 * state to CLOSE. Returns the timeout to set in seconds, or -1 when the
 * timer must be left alone (unconfirmed, already CLOSE, or fixed timeout).
 */
export function tcpSetClosing(
  store: TcpStateStore,
  slot: number,
  status: number,
  sysctls: TcpSysctls,
): number {
  if (!(status & IpsStatus.Confirmed)) return -1;
  const old = store.state(slot);
  store.setState(slot, TcpState.Close);
  if (old === TcpState.Close || status & IpsStatus.FixedTimeout) return -1;
  return sysctls.nf_conntrack_tcp_timeout_close;
}

/** Per-direction window-scale shift as ctnetlink reports it (CTA_PROTOINFO_TCP_WSCALE_*). */
export function tcpWindowScale(store: TcpStateStore, slot: number, dir: number): number {
  return store.u8[slot * TCP_STATE_BYTES + B_SCALE + 2 * dir];
}
