/**
 * What the caller tells the TCP tracker about the connection, and what the
 * tracker tells back, as reusable objects (one of each per kernel instance):
 * nothing is allocated per packet.
 */
import { formatTcpLowerTimeout, formatTcpReason, TcpReason } from "./proto-tcp-log.js";

/**
 * Verdicts, numerically as the kernel's conntrack L4 handlers return them:
 * positive passes with the connection attached, zero or negative means the
 * packet leaves conntrack without a connection ("ctstate INVALID").
 */
export const TcpVerdict = {
  /** NF_ACCEPT: the packet belongs to the connection. */
  Accept: 1,
  /** -NF_ACCEPT: let the packet go on, but without a connection (INVALID); a new entry is discarded. */
  Invalid: -1,
  /** NF_DROP: only when a re-open could not remove the old entry (see Repeat). */
  Drop: 0,
  /**
   * -NF_REPEAT: a SYN re-opens a closed or aborted connection. Kill the entry
   * (TcpResult.kill is set) and look the packet up again so it creates a
   * fresh connection. If the entry is already being destroyed, drop instead.
   */
  Repeat: -4,
} as const;
export type TcpVerdictValue = (typeof TcpVerdict)[keyof typeof TcpVerdict];

/** The ct->status bits (enum ip_conntrack_status) the tracker reads. */
export const IpsStatus = {
  Expected: 1 << 0,
  SeenReply: 1 << 1,
  Assured: 1 << 2,
  Confirmed: 1 << 3,
  FixedTimeout: 1 << 10,
} as const;

/** Facts about the connection the tracker cannot know itself; fill before each call. */
export class TcpPacketContext {
  /**
   * IpsStatus bits of the connection before this packet (Linux sets
   * SEEN_REPLY only after the tracker ran). Without Confirmed the packet is
   * the connection's first and tcpNew() runs.
   */
  status = 0;
  /** Seconds left on the connection's timer (used to cut it after an out-of-window FIN/RST). */
  expiresIn = 0;
  /**
   * NAT sequence adjustment of the other direction at this packet's ACK
   * (nf_ct_seq_offset(ct, !dir, ack - 1)); 0 without seqadj.
   */
  seqOffset = 0;
  /**
   * The caller verified the TCP checksum and it is wrong. Linux only checks
   * when net.netfilter.nf_conntrack_checksum is 1 and the hook is PREROUTING.
   */
  badChecksum = false;
}

/** The tracker's answer for one packet. */
export class TcpResult {
  verdict: number = TcpVerdict.Accept;
  /** Row of the state table the packet used (TcpPacketIndex). */
  index = 0;
  /** State before the packet (as the kernel last saw it; a re-sync reports SYN_SENT). */
  oldState = 0;
  /** State after the packet. */
  newState = 0;
  /** Refresh the connection timer to this many seconds; -1 leaves it alone. */
  timeout = -1;
  /** Set IPS_ASSURED (and emit the ASSURED event). */
  setAssured = false;
  /**
   * Delete the connection. With Accept: a RST ended a connection that never
   * saw a reply (the packet still passes). With Repeat: see TcpVerdict.Repeat.
   */
  kill = false;
  /** The state changed (Linux emits an IPCT_PROTOINFO event). */
  stateChanged = false;
  /** Why the packet was refused or ignored (TcpReason); None when nothing is logged. */
  reason = 0;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  /**
   * Seconds to set the timer to (even if lower than now) because an
   * out-of-window FIN/RST answered the other side's FIN/RST on an assured
   * connection; -1 when not. Comes with its own log line.
   */
  lowerTimeout = -1;
  /** The other side's packet index that the lowered timeout answers. */
  lowerTimeoutLastIndex = 0;

  reset(): void {
    this.verdict = TcpVerdict.Accept;
    this.index = 0;
    this.oldState = 0;
    this.newState = 0;
    this.timeout = -1;
    this.setAssured = false;
    this.kill = false;
    this.stateChanged = false;
    this.reason = TcpReason.None;
    this.a0 = 0;
    this.a1 = 0;
    this.a2 = 0;
    this.lowerTimeout = -1;
    this.lowerTimeoutLastIndex = 0;
  }

  /** The log message (without "nf_ct_proto_6: "), "" when there is none. */
  message(): string {
    return formatTcpReason(this.reason, this.a0, this.a1, this.a2);
  }

  /** The second message, when lowerTimeout is set ("" otherwise); `hz` as CONFIG_HZ. */
  lowerTimeoutMessage(dir: number, hz = 250): string {
    if (this.lowerTimeout < 0) return "";
    return formatTcpLowerTimeout(
      this.index,
      dir,
      this.lowerTimeoutLastIndex,
      this.lowerTimeout,
      hz,
    );
  }
}
