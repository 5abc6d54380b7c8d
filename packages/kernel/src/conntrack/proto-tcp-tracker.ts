/**
 * Glue between the TCP tracker functions and the conntrack core's
 * per-protocol tracker interface (core.ts: newConn / packet / stateName,
 * verdicts as L4Verdict). The tracker writes the connection's timer and
 * ASSURED bit into the core's table itself, as the simple L4 handlers do.
 *
 * Wiring:
 *
 *     const tcp = new TcpTracker(conntrack.table, { log: (l) => kernel.log.write("warn", l) });
 *     tcp.refresh((name) => kernel.sysctl.get(name));   // and again after sysctl writes
 *     conntrack.setTcpTracker(tcp);
 *
 * The table and packet types are structural so this file depends on
 * nothing but the TCP tracker.
 */
import type { TcpView } from "@ctkit/packet";
import { tcpError, tcpNew, tcpPacket } from "./proto-tcp.js";
import { TCP_LOG_PREFIX, TcpReason } from "./proto-tcp-log.js";
import { IpsStatus, TcpPacketContext, TcpResult, TcpVerdict } from "./proto-tcp-result.js";
import { tcpStateName } from "./proto-tcp-states.js";
import { TcpStateStore } from "./proto-tcp-store.js";
import { defaultTcpSysctls, readTcpSysctls, type TcpSysctls } from "./proto-tcp-sysctls.js";

/** The parts of the conntrack table the tracker touches, indexed by slot. */
export interface TcpTrackerTable {
  capacity: number;
  /** enum ip_conntrack_status bits. */
  status: Uint32Array;
  /** Absolute expiry time (seconds, the packet clock). */
  expires: Float64Array;
}

/** The parts of a packet the tracker reads. */
export interface TcpTrackerPacket {
  /** Packet time (seconds, same clock as the table's expiry times). */
  time: number;
  /** Decoded headers; `tcp` attached to the IP payload. */
  dec: { tcp: TcpView };
}

export interface TcpTrackerHooks {
  /** Receives "nf_ct_proto_6: <message> " lines when nf_conntrack_log_invalid is 6 or 255. */
  log?(line: string): void;
  /**
   * NAT sequence adjustment (nf_ct_seq_offset) of direction `dir` for a
   * sequence number; absent means no seqadj.
   */
  seqOffset?(slot: number, dir: 0 | 1, seq: number): number;
  /**
   * Status bits a connection must have for seqOffset to be asked (IPS_SEQ_ADJUST: only
   * connections a NAT helper resized have offsets); 0 or absent asks for every packet.
   */
  seqOffsetStatus?: number;
  /** The TCP state changed (Linux's IPCT_PROTOINFO event). */
  stateChanged?(slot: number): void;
  /**
   * Delete the connection now (a RST answering a connection that never saw
   * a reply); the packet itself still passes. Default: expire it now.
   */
  kill?(slot: number): void;
}

/** Verdicts as core.ts's L4Verdict spells them. */
export const TcpTrackerVerdict = { DROP: 0, ACCEPT: 1, INVALID: -1, REPEAT: -2 } as const;

export class TcpTracker {
  readonly store: TcpStateStore;
  readonly sysctls: TcpSysctls = defaultTcpSysctls();
  /** net.netfilter.nf_conntrack_log_invalid. */
  logInvalid = 0;
  /** CONFIG_HZ of the modelled kernel (shows in one log line). */
  hz = 250;
  private readonly ctx = new TcpPacketContext();
  private readonly res = new TcpResult();

  constructor(
    private readonly table: TcpTrackerTable,
    private readonly hooks: TcpTrackerHooks = {},
  ) {
    this.store = new TcpStateStore(table.capacity);
  }

  /** Re-reads the TCP sysctls and nf_conntrack_log_invalid through `get("net.netfilter.…")`. */
  refresh(get: (name: string) => number): void {
    readTcpSysctls(get, this.sysctls);
    this.logInvalid = get("net.netfilter.nf_conntrack_log_invalid");
  }

  /** The result of the last call (reason, timeout, …), for tracing. */
  get lastResult(): TcpResult {
    return this.res;
  }

  /**
   * tcp_error + tcp_new for the first packet of an unconfirmed connection
   * (Linux checks the header before deciding whether it may open one).
   */
  newConn(slot: number, skb: TcpTrackerPacket): boolean {
    const tcp = skb.dec.tcp;
    const res = this.res;
    res.reset();
    this.store.ensureCapacity(this.table.capacity);
    const ok =
      tcp.length >= 20 &&
      !tcpError(tcp, false, res) &&
      tcpNew(this.store, slot, tcp, this.sysctls, res);
    if (!ok) this.report(res, 0);
    return ok;
  }

  /** nf_conntrack_tcp_packet for a connection whose slot newConn() initialised or that is confirmed. */
  packet(slot: number, dir: 0 | 1, skb: TcpTrackerPacket, _ctinfo: number): number {
    const t = this.table;
    const now = skb.time;
    const tcp = skb.dec.tcp;
    const ctx = this.ctx;
    const res = this.res;
    const status = t.status[slot];
    // newConn() already ran tcp_new for an unconfirmed entry.
    ctx.status = status | IpsStatus.Confirmed;
    ctx.expiresIn = t.expires[slot] - now;
    const need = this.hooks.seqOffsetStatus ?? 0;
    ctx.seqOffset =
      this.hooks.seqOffset && tcp.length >= 20 && (status & need) === need
        ? this.hooks.seqOffset(slot, (dir ^ 1) as 0 | 1, (tcp.acknowledgmentNumber - 1) >>> 0)
        : 0;
    ctx.badChecksum = false;
    this.store.ensureCapacity(t.capacity);
    const verdict = tcpPacket(this.store, slot, dir, tcp, ctx, this.sysctls, res);
    this.report(res, dir);
    if (res.lowerTimeout >= 0) t.expires[slot] = now + res.lowerTimeout;
    if (verdict === TcpVerdict.Repeat) return TcpTrackerVerdict.REPEAT;
    if (verdict === TcpVerdict.Invalid) return TcpTrackerVerdict.INVALID;
    if (verdict === TcpVerdict.Drop) return TcpTrackerVerdict.DROP;
    if (res.stateChanged) this.hooks.stateChanged?.(slot);
    if (res.kill) {
      if (this.hooks.kill) this.hooks.kill(slot);
      else t.expires[slot] = now;
      return TcpTrackerVerdict.ACCEPT;
    }
    if (res.timeout >= 0 && !(status & IpsStatus.FixedTimeout)) t.expires[slot] = now + res.timeout;
    if (res.setAssured) t.status[slot] = t.status[slot] | IpsStatus.Assured;
    return TcpTrackerVerdict.ACCEPT;
  }

  stateName(slot: number): string {
    return tcpStateName(this.store.state(slot));
  }

  private report(res: TcpResult, dir: number): void {
    const log = this.hooks.log;
    if (!log || (this.logInvalid !== 6 && this.logInvalid !== 255)) return;
    if (res.reason !== TcpReason.None) log(`${TCP_LOG_PREFIX}${res.message()} `);
    if (res.lowerTimeout >= 0) log(`${TCP_LOG_PREFIX}${res.lowerTimeoutMessage(dir, this.hz)} `);
  }
}
