/**
 * The knobs of the TCP tracker: the per-namespace sysctls under
 * net.netfilter (names without that prefix) and the per-state timeouts in
 * seconds. A plain object of numbers; the tracker reads it on every packet,
 * so build it once and update it when a sysctl changes.
 */
import { CONNTRACK_TIMEOUTS } from "../conntrack-defaults.js";
import { TcpState } from "./proto-tcp-states.js";

export interface TcpSysctls {
  /** Pick up connections from the middle (an ACK may create a conntrack). Default 1. */
  nf_conntrack_tcp_loose: number;
  /** Only out-of-window RSTs are marked INVALID. Default 0. */
  nf_conntrack_tcp_be_liberal: number;
  /** Do not mark RSTs with an old sequence number INVALID. Default 0. */
  nf_conntrack_tcp_ignore_invalid_rst: number;
  /** Retransmissions without an acceptable ACK before the shorter timer applies. Default 3. */
  nf_conntrack_tcp_max_retrans: number;
  nf_conntrack_tcp_timeout_syn_sent: number;
  nf_conntrack_tcp_timeout_syn_recv: number;
  nf_conntrack_tcp_timeout_established: number;
  nf_conntrack_tcp_timeout_fin_wait: number;
  nf_conntrack_tcp_timeout_close_wait: number;
  nf_conntrack_tcp_timeout_last_ack: number;
  nf_conntrack_tcp_timeout_time_wait: number;
  nf_conntrack_tcp_timeout_close: number;
  nf_conntrack_tcp_timeout_max_retrans: number;
  nf_conntrack_tcp_timeout_unacknowledged: number;
  /**
   * SYN_SENT2 has no sysctl in Linux (its timeout is fixed at 120 s unless a
   * cttimeout policy sets it); absent means 120.
   */
  nf_conntrack_tcp_timeout_syn_sent2?: number;
}

/** Names of the sysctls above, for reading them from the sysctl table. */
export const TCP_SYSCTL_NAMES: readonly (keyof TcpSysctls)[] = [
  "nf_conntrack_tcp_loose",
  "nf_conntrack_tcp_be_liberal",
  "nf_conntrack_tcp_ignore_invalid_rst",
  "nf_conntrack_tcp_max_retrans",
  "nf_conntrack_tcp_timeout_syn_sent",
  "nf_conntrack_tcp_timeout_syn_recv",
  "nf_conntrack_tcp_timeout_established",
  "nf_conntrack_tcp_timeout_fin_wait",
  "nf_conntrack_tcp_timeout_close_wait",
  "nf_conntrack_tcp_timeout_last_ack",
  "nf_conntrack_tcp_timeout_time_wait",
  "nf_conntrack_tcp_timeout_close",
  "nf_conntrack_tcp_timeout_max_retrans",
  "nf_conntrack_tcp_timeout_unacknowledged",
];

const SYN_SENT2_TIMEOUT = 120;

/** Linux's defaults (a fresh network namespace). */
export function defaultTcpSysctls(): TcpSysctls {
  const t = CONNTRACK_TIMEOUTS;
  return {
    nf_conntrack_tcp_loose: 1,
    nf_conntrack_tcp_be_liberal: 0,
    nf_conntrack_tcp_ignore_invalid_rst: 0,
    nf_conntrack_tcp_max_retrans: 3,
    nf_conntrack_tcp_timeout_syn_sent: t.nf_conntrack_tcp_timeout_syn_sent,
    nf_conntrack_tcp_timeout_syn_recv: t.nf_conntrack_tcp_timeout_syn_recv,
    nf_conntrack_tcp_timeout_established: t.nf_conntrack_tcp_timeout_established,
    nf_conntrack_tcp_timeout_fin_wait: t.nf_conntrack_tcp_timeout_fin_wait,
    nf_conntrack_tcp_timeout_close_wait: t.nf_conntrack_tcp_timeout_close_wait,
    nf_conntrack_tcp_timeout_last_ack: t.nf_conntrack_tcp_timeout_last_ack,
    nf_conntrack_tcp_timeout_time_wait: t.nf_conntrack_tcp_timeout_time_wait,
    nf_conntrack_tcp_timeout_close: t.nf_conntrack_tcp_timeout_close,
    nf_conntrack_tcp_timeout_max_retrans: t.nf_conntrack_tcp_timeout_max_retrans,
    nf_conntrack_tcp_timeout_unacknowledged: t.nf_conntrack_tcp_timeout_unacknowledged,
  };
}

/**
 * Fills `out` from a sysctl reader such as `(n) => kernel.sysctl.get(n)`,
 * which is asked for "net.netfilter.<name>".
 */
export function readTcpSysctls(
  get: (name: string) => number,
  out: TcpSysctls = defaultTcpSysctls(),
): TcpSysctls {
  for (const name of TCP_SYSCTL_NAMES) out[name] = get(`net.netfilter.${name}`);
  return out;
}

/**
 * Timeout in seconds for a state or for the Retrans/Unack slots
 * (the kernel's timeouts[] array). NONE uses the SYN_SENT value, as the
 * kernel does for a connection's first timeout.
 */
export function tcpTimeout(s: TcpSysctls, state: number): number {
  switch (state) {
    case TcpState.None:
    case TcpState.SynSent:
      return s.nf_conntrack_tcp_timeout_syn_sent;
    case TcpState.SynRecv:
      return s.nf_conntrack_tcp_timeout_syn_recv;
    case TcpState.Established:
      return s.nf_conntrack_tcp_timeout_established;
    case TcpState.FinWait:
      return s.nf_conntrack_tcp_timeout_fin_wait;
    case TcpState.CloseWait:
      return s.nf_conntrack_tcp_timeout_close_wait;
    case TcpState.LastAck:
      return s.nf_conntrack_tcp_timeout_last_ack;
    case TcpState.TimeWait:
      return s.nf_conntrack_tcp_timeout_time_wait;
    case TcpState.Close:
      return s.nf_conntrack_tcp_timeout_close;
    case TcpState.SynSent2:
      return s.nf_conntrack_tcp_timeout_syn_sent2 ?? SYN_SENT2_TIMEOUT;
    case TcpState.Retrans:
      return s.nf_conntrack_tcp_timeout_max_retrans;
    case TcpState.Unack:
      return s.nf_conntrack_tcp_timeout_unacknowledged;
    default:
      return s.nf_conntrack_tcp_timeout_syn_sent;
  }
}
