/**
 * The router of one kernel instance: devices, routes, and the IPv4/IPv6
 * packet path of docs/design/datapath.md with Linux's netfilter hook
 * points. receive() takes what arrived on an interface; everything the
 * router sends (forwarded packets, ICMP errors, RSTs, echo replies) leaves
 * through the transmit callback.
 *
 * One Skb is reused for received packets and one for packets the router
 * builds itself (into a preallocated buffer): forwarding allocates nothing.
 * Buffers handed to the transmit callback are only valid during the call,
 * and a forwarded packet is the caller's own buffer, changed in place (TTL,
 * checksum, NAT).
 */
import { readU16, readU32 } from "@ctkit/packet";
import type { KernelLog } from "../log.js";
import type { SysctlTable } from "../sysctl.js";
import { DeviceTable, type NetDevice } from "./device.js";
import { Fib } from "./fib.js";
import { fragment4 } from "./fragment.js";
import { Hook, type HookTable, NfVerdict } from "./hooks.js";
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, icmpSend4 } from "./icmp-error.js";
import { IpIdents } from "./ident.js";
import { receive4 } from "./input4.js";
import { receive6 } from "./input6.js";
import { type IpResult, type IpTarget, runIp } from "./ip-command.js";
import { NetSysctl } from "./net-sysctl.js";
import { isUnspecifiedV6, prefixMatchV6 } from "./prefix.js";
import { GlobalIcmpLimit, PeerTable } from "./ratelimit.js";
import { reject as rejectPacket } from "./reject.js";
import { RouteState, RtKind } from "./route-state.js";
import { Skb } from "./skb.js";
import { Drop, NetStats } from "./stats.js";

/** Receives every packet the router sends: valid only during the call. */
export type TransmitFn = (
  ifindex: number,
  data: Uint8Array,
  offset: number,
  length: number,
  time: number,
) => void;

export interface NetStackOptions {
  sysctl: SysctlTable;
  hooks: HookTable;
  log: KernelLog;
  transmit?: TransmitFn;
  /** CONFIG_HZ of the imitated kernel: rate limits count in jiffies. Default 250. */
  hz?: number;
}

const NO_TRANSMIT: TransmitFn = () => {};

export class NetStack implements IpTarget {
  readonly sys: NetSysctl;
  readonly devices: DeviceTable;
  readonly fib: Fib;
  readonly hooks: HookTable;
  readonly log: KernelLog;
  readonly stats = new NetStats();
  readonly hz: number;
  readonly peers: PeerTable;
  readonly globalIcmp: GlobalIcmpLimit;
  readonly idents = new IpIdents();
  /** The Skb of received packets, and the one of packets the router builds. */
  readonly rx = new Skb();
  readonly tx = new Skb();
  readonly rxRoute = new RouteState();
  readonly txRoute = new RouteState();
  /** Where the router builds its own packets (the largest IP packet fits). */
  readonly txBuf = new Uint8Array(65536);
  /** Where IPv4 fragments are built, one at a time. */
  readonly fragBuf = new Uint8Array(65536);
  /** Scratch IPv6 address (source selection). */
  readonly addr6 = new Uint8Array(16);
  /** Set while a generated packet is on its way out: Linux's icmp_xmit_lock refuses nesting. */
  generating = false;
  /** Called for every dropped packet when set (tracing); the Skb is only valid during the call. */
  onDrop: ((reason: Drop, skb: Skb) => void) | null = null;
  /**
   * Called when REJECT --reject-with tcp-reset answered a packet: conntrack
   * marks its connection as closing there (nf_ct_set_closing).
   */
  onRejectReset: ((skb: Skb) => void) | null = null;
  private transmitFn: TransmitFn;

  constructor(opts: NetStackOptions) {
    this.hz = opts.hz ?? 250;
    this.sys = new NetSysctl(opts.sysctl, this.hz);
    this.hooks = opts.hooks;
    this.log = opts.log;
    this.transmitFn = opts.transmit ?? NO_TRANSMIT;
    this.devices = new DeviceTable();
    this.fib = new Fib(this.devices);
    this.peers = new PeerTable(this.hz);
    this.globalIcmp = new GlobalIcmpLimit(this.hz);
  }

  // ------------------------------------------------------------ public API

  /**
   * A packet arrived on interface `ifindex`: the IP packet is
   * data[offset, offset+length) (trailing link padding allowed); `time` is
   * the capture time in seconds and the clock of everything it causes.
   */
  receive(ifindex: number, data: Uint8Array, offset: number, length: number, time: number): void {
    this.stats.received++;
    const skb = this.rx;
    this.rxRoute.reset();
    skb.parse(data, offset, length);
    skb.iif = ifindex;
    skb.time = time;
    const dev = this.devices.get(ifindex);
    if (dev === undefined || dev.loopback) {
      this.drop(Drop.NO_DEVICE, skb);
      return;
    }
    if (skb.dec.ipVersion === 0) {
      this.drop(Drop.MALFORMED, skb);
      return;
    }
    if (skb.family === 4) receive4(this, skb);
    else receive6(this, skb);
  }

  setTransmit(fn: TransmitFn): void {
    this.transmitFn = fn;
  }

  /** Runs `ip ARGS` against this stack (argv without "ip"). */
  ip(argv: readonly string[]): IpResult {
    return runIp(this, argv);
  }

  /**
   * The REJECT target (ipt_REJECT / ip6t_REJECT): answers `skb` with the
   * ICMP error or TCP RST `withValue` names (RejectWith / Reject6With).
   * The caller then drops the packet (NF_DROP).
   */
  reject(skb: Skb, withValue: number, hook: Hook): void {
    rejectPacket(this, skb, withValue, hook);
  }

  /** Index of the interface called `name`, -1 when there is none. */
  deviceIndex(name: string): number {
    const d = this.devices.byName(name);
    return d ? d.index : -1;
  }

  deviceName(ifindex: number): string {
    return this.devices.get(ifindex)?.name ?? `if${ifindex}`;
  }

  /** Interfaces other than lo, in index order. */
  deviceNames(): string[] {
    return this.devices
      .all()
      .filter((d) => !d.loopback)
      .map((d) => d.name);
  }

  /** Unregisters the stack's sysctls. */
  dispose(): void {
    this.sys.dispose();
  }

  // ------------------------------------------------------------ IpTarget

  forwarding6(): boolean {
    return this.sys.forwarding6();
  }

  promoteSecondaries(): boolean {
    return this.sys.promoteSecondariesAll !== 0 || this.sys.promoteSecondariesDefault !== 0;
  }

  // ------------------------------------------------------------ internals

  jiffies(time: number): number {
    return Math.floor(time * this.hz);
  }

  routeStateOf(skb: Skb): RouteState {
    return skb === this.tx ? this.txRoute : this.rxRoute;
  }

  drop(reason: Drop, skb: Skb): void {
    this.stats.drops[reason]++;
    if (this.onDrop !== null) this.onDrop(reason, skb);
  }

  /** Ends a packet a hook did not accept (STOLEN packets are not drops). */
  hookVerdict(v: number, skb: Skb): void {
    if (v === NfVerdict.DROP) this.drop(Drop.NETFILTER, skb);
  }

  /**
   * IPv6 hop limit for packets the router sends out of `oif`
   * (ip6_dst_hoplimit: the device's hop_limit, which starts as
   * net.ipv6.conf.default.hop_limit; per-device values are not modelled).
   */
  hopLimit6(_oif: number): number {
    return this.sys.hopLimitDefault;
  }

  /**
   * Whether an IPv6 address is the router's: 1 for an address of one of its
   * devices, 2 for a subnet-router anycast address (only while forwarding).
   */
  localKind6(buf: Uint8Array, off: number): number {
    const devs = this.devices.all();
    for (let i = 0; i < devs.length; i++) {
      const v6 = (devs[i] as NetDevice).v6;
      for (let j = 0; j < v6.length; j++) {
        const a = v6[j];
        if (a !== undefined && prefixMatchV6(buf, off, a.addr, 0, 128)) return 1;
      }
    }
    if (!this.sys.forwarding6()) return 0;
    for (let i = 0; i < devs.length; i++) {
      const d = devs[i] as NetDevice;
      if (d.loopback) continue;
      for (let j = 0; j < d.v6.length; j++) {
        const a = d.v6[j];
        if (a === undefined || a.prefixLen >= 127) continue;
        if (!prefixMatchV6(buf, off, a.addr, 0, a.prefixLen)) continue;
        if (hostBitsZero(buf, off, a.prefixLen) && !isUnspecifiedV6(buf, off)) return 2;
      }
    }
    return 0;
  }

  /** Whether an IPv4 address (uint32 or int32) is one of the router's (any device, lo included). */
  isLocal4(addr: number): boolean {
    const r = this.fib.local4Entry(addr);
    return r !== null && r.type === 2;
  }

  /**
   * Sends the IPv4 packet the router built in txBuf[0, len): OUTPUT hooks,
   * re-routing if they changed the destination, POSTROUTING, transmit.
   * `cause` is the packet it answers when the new one belongs to its
   * connection (nf_ct_attach: ICMP errors, REJECT's RST), else null.
   */
  output4(len: number, oif: number, time: number, cause: Skb | null): void {
    if (this.generating) return;
    this.generating = true;
    try {
      const skb = this.prepareTx(len, oif, time, cause);
      const daddr = readU32(skb.data, skb.l3Offset + 16);
      let v = this.hooks.run(4, Hook.OUTPUT, skb);
      if (v !== NfVerdict.ACCEPT) {
        this.hookVerdict(v, skb);
        return;
      }
      const now = readU32(skb.data, skb.l3Offset + 16);
      if (now !== daddr) {
        // ip_route_me_harder: a hook (NAT OUTPUT) sent it elsewhere.
        const r = this.fib.lookup4(now);
        if (r === null || r.type !== 1) {
          this.drop(Drop.NO_ROUTE, skb);
          return;
        }
        skb.oif = r.oif;
      }
      v = this.hooks.run(4, Hook.POSTROUTING, skb);
      if (v !== NfVerdict.ACCEPT) {
        this.hookVerdict(v, skb);
        return;
      }
      this.stats.generated++;
      this.finishOutput4(skb);
    } finally {
      this.generating = false;
    }
  }

  /** output4 for IPv6 (ip6_local_out). */
  output6(len: number, oif: number, time: number, cause: Skb | null): void {
    if (this.generating) return;
    this.generating = true;
    try {
      const skb = this.prepareTx(len, oif, time, cause);
      let v = this.hooks.run(6, Hook.OUTPUT, skb);
      if (v !== NfVerdict.ACCEPT) {
        this.hookVerdict(v, skb);
        return;
      }
      const r = this.fib.lookup6(skb.data, skb.l3Offset + 24);
      if (r === null || r.type !== 1) {
        this.drop(Drop.NO_ROUTE, skb);
        return;
      }
      skb.oif = r.oif;
      v = this.hooks.run(6, Hook.POSTROUTING, skb);
      if (v !== NfVerdict.ACCEPT) {
        this.hookVerdict(v, skb);
        return;
      }
      this.stats.generated++;
      this.finishOutput6(skb);
    } finally {
      this.generating = false;
    }
  }

  private prepareTx(len: number, oif: number, time: number, cause: Skb | null): Skb {
    const skb = this.tx;
    this.txRoute.reset();
    this.txRoute.kind = RtKind.OUTPUT;
    skb.parse(this.txBuf, 0, len);
    skb.iif = -1;
    skb.oif = oif;
    skb.time = time;
    if (cause !== null && cause.ct >= 0) {
      // nf_conntrack_attach: the answer travels the other way, as RELATED.
      skb.ct = cause.ct;
      skb.ctinfo = cause.ctinfo >= 3 ? 1 : 4;
    }
    return skb;
  }

  /** ip_finish_output: fragment what exceeds the MTU (DF set: frag needed), then transmit. */
  finishOutput4(skb: Skb): void {
    const buf = skb.data;
    const off = skb.l3Offset;
    const total = readU16(buf, off + 2);
    const dev = this.devices.get(skb.oif);
    const mtu = dev ? dev.mtu : 1500;
    if (total > mtu) {
      if ((buf[off + 6] as number) & 0x40) {
        // ip_fragment: a DF packet that grew past the MTU after the forward check (NAT).
        icmpSend4(this, skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
        this.drop(Drop.TOO_BIG, skb);
        return;
      }
      fragment4(this, skb, mtu);
      return;
    }
    this.stats.transmitted++;
    this.transmitFn(skb.oif, buf, off, total, skb.time);
  }

  finishOutput6(skb: Skb): void {
    const buf = skb.data;
    const off = skb.l3Offset;
    const total = 40 + readU16(buf, off + 4);
    const dev = this.devices.get(skb.oif);
    if (dev && total > dev.mtu) {
      // Linux would fragment a packet it originates; ctkit does not build IPv6 fragments.
      this.drop(Drop.OUTPUT_FAILED, skb);
      return;
    }
    this.stats.transmitted++;
    this.transmitFn(skb.oif, buf, off, total, skb.time);
  }

  /** Hands one finished packet (or fragment) to the transmit callback. */
  transmitRaw(oif: number, buf: Uint8Array, off: number, len: number, time: number): void {
    this.stats.transmitted++;
    this.transmitFn(oif, buf, off, len, time);
  }
}

function hostBitsZero(buf: Uint8Array, off: number, prefixLen: number): boolean {
  for (let bit = prefixLen; bit < 128; bit++) {
    if (((buf[off + (bit >>> 3)] as number) >>> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}
