/**
 * Why the TCP tracker refused or ignored a packet, as a number on the hot
 * path and as Linux 6.x's log text when somebody asks for it
 * (net.netfilter.nf_conntrack_log_invalid = 6 or 255). Linux prints these
 * through nf_log with the prefix "nf_ct_proto_6: ", the message, a space and
 * then the packet dump; the texts below are the messages only.
 */
import { tcpStateName } from "./proto-tcp-states.js";

export const TcpReason = {
  None: 0,
  /** Header shorter than its data offset, or data offset below 5 words. */
  Truncated: 1,
  BadChecksum: 2,
  /** A flag combination no TCP sends (e.g. SYN+FIN, no flags at all). */
  BadFlags: 3,
  /** The first packet of a connection cannot start one. */
  InvalidNew: 4,
  /** Table said IGNORE: the packet passes, the state is not touched. Args: index, dir, state. */
  Ignored: 5,
  /** Table said INVALID. Args: index, dir, state. */
  InvalidTransition: 6,
  /** An ACK in LAST_ACK answering an ignored SYN (RFC 5961); passes, no state change. */
  ChallengeAckIgnored: 7,
  /** RST whose sequence number is below what the peer already acknowledged. */
  InvalidRst: 8,
  /** Data a little past the receiver's window; passes, the state is not touched. Arg: bytes over. */
  BytesMoreThanExpected: 9,
  /** Arg: the bound (sender td_maxend + 1). */
  SeqOverUpperBound: 10,
  /** Arg: the bound (receiver td_end + 1). */
  AckOverUpperBound: 11,
  /** Old data again; passes, the state is not touched. Arg: the bound. */
  SeqUnderLowerBound: 12,
  /** A very old ACK; passes, the state is not touched. Arg: the bound. */
  AckUnderLowerBound: 13,
} as const;
export type TcpReasonValue = (typeof TcpReason)[keyof typeof TcpReason];

/** What Linux puts before every message of the TCP tracker. */
export const TCP_LOG_PREFIX = "nf_ct_proto_6: ";

/** Linux 6.x message for a reason; a0..a2 are the reason's arguments (see TcpReason). */
export function formatTcpReason(reason: number, a0 = 0, a1 = 0, a2 = 0): string {
  switch (reason) {
    case TcpReason.None:
      return "";
    case TcpReason.Truncated:
      return "truncated packet";
    case TcpReason.BadChecksum:
      return "bad checksum";
    case TcpReason.BadFlags:
      return "invalid tcp flag combination";
    case TcpReason.InvalidNew:
      return "invalid new";
    case TcpReason.Ignored:
      return `packet (index ${a0}) in dir ${a1} ignored, state ${tcpStateName(a2)}`;
    case TcpReason.InvalidTransition:
      return `packet (index ${a0}) in dir ${a1} invalid, state ${tcpStateName(a2)}`;
    case TcpReason.ChallengeAckIgnored:
      return "challenge-ack ignored";
    case TcpReason.InvalidRst:
      return "invalid rst";
    case TcpReason.BytesMoreThanExpected:
      return `${a0 >>> 0} bytes more than expected`;
    case TcpReason.SeqOverUpperBound:
      return `SEQ is over upper bound ${a0 >>> 0} (over the window of the receiver)`;
    case TcpReason.AckOverUpperBound:
      return `ACK is over upper bound ${a0 >>> 0} (ACKed data not seen yet)`;
    case TcpReason.SeqUnderLowerBound:
      return `SEQ is under lower bound ${a0 >>> 0} (already ACKed data retransmitted)`;
    case TcpReason.AckUnderLowerBound:
      return `ignored ACK under lower bound ${a0 >>> 0} (possible overly delayed)`;
    default:
      return `unknown reason ${reason}`;
  }
}

/**
 * The second message Linux may print for one packet, when an out-of-window
 * FIN/RST answers the other side's FIN/RST on an assured connection and the
 * timer is cut. The kernel prints the new timeout in jiffies, so the text
 * depends on CONFIG_HZ (250 on the reference kernel).
 */
export function formatTcpLowerTimeout(
  index: number,
  dir: number,
  lastIndex: number,
  timeoutSeconds: number,
  hz = 250,
): string {
  return `packet (index ${index}, dir ${dir}) response for index ${lastIndex} lower timeout to ${Math.round(
    timeoutSeconds * hz,
  )}`;
}
