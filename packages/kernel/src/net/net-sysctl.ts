/**
 * The router's sysctls, with Linux's defaults, registered in the kernel's
 * SysctlTable. Values are mirrored into plain fields on every write, so
 * the packet path reads numbers, not the table.
 *
 * Time-valued entries keep Linux's units: icmp_ratelimit values are in
 * milliseconds (proc_dointvec_ms_jiffies), net.ipv4.route.* in jiffies.
 * net.ipv6.icmp.ratemask is a bitmap in Linux ("0-1,3-127"); the table
 * holds integers only, so its default (every error type but Packet Too
 * Big) is built in and not settable.
 */
import type { SysctlSpec, SysctlTable } from "../sysctl.js";

export class NetSysctl {
  ipDefaultTtl = 64;
  icmpRatelimitMs = 1000;
  icmpRatemask = 0x1818;
  icmpMsgsPerSec = 1000;
  icmpMsgsBurst = 50;
  icmpEchoIgnoreAll = 0;
  icmpEchoIgnoreBroadcasts = 1;
  icmpErrorsUseInboundIfaddr = 0;
  sendRedirectsAll = 1;
  sendRedirectsDefault = 1;
  rpFilterAll = 0;
  rpFilterDefault = 0;
  acceptLocalAll = 0;
  acceptLocalDefault = 0;
  promoteSecondariesAll = 0;
  promoteSecondariesDefault = 0;
  routeErrorCost: number;
  routeErrorBurst: number;
  redirectNumber = 9;
  redirectLoad: number;
  redirectSilence: number;
  icmp6RatelimitMs = 100;
  icmp6EchoIgnoreAll = 0;
  icmp6EchoIgnoreAnycast = 0;
  hopLimitAll = 64;
  hopLimitDefault = 64;
  ipForward = 0;
  forwardingAll6 = 0;
  private readonly ownsForwarding4: boolean;
  private readonly ownsForwarding6: boolean;
  private readonly unregister: (() => void)[] = [];

  constructor(
    private readonly table: SysctlTable,
    /** Jiffies per second of the kernel ctkit imitates (CONFIG_HZ). */
    readonly hz: number,
  ) {
    this.routeErrorCost = hz;
    this.routeErrorBurst = 5 * hz;
    this.redirectLoad = Math.floor(hz / 50);
    this.redirectSilence = Math.floor(hz / 50) << 10;
    const bool = { min: 0, max: 1 };
    const reg = (name: string, spec: Omit<SysctlSpec, "value">, field: keyof this & string) => {
      const value = this[field] as unknown as number;
      this.unregister.push(
        table.register(name, {
          ...spec,
          value,
          onChange: (v) => {
            (this as Record<string, unknown>)[field] = v;
          },
        }),
      );
    };
    reg("net.ipv4.ip_default_ttl", { min: 1, max: 255 }, "ipDefaultTtl");
    reg("net.ipv4.icmp_ratelimit", { min: 0 }, "icmpRatelimitMs");
    reg("net.ipv4.icmp_ratemask", {}, "icmpRatemask");
    reg("net.ipv4.icmp_msgs_per_sec", { min: 0 }, "icmpMsgsPerSec");
    reg("net.ipv4.icmp_msgs_burst", { min: 0 }, "icmpMsgsBurst");
    reg("net.ipv4.icmp_echo_ignore_all", bool, "icmpEchoIgnoreAll");
    reg("net.ipv4.icmp_echo_ignore_broadcasts", bool, "icmpEchoIgnoreBroadcasts");
    reg("net.ipv4.icmp_errors_use_inbound_ifaddr", bool, "icmpErrorsUseInboundIfaddr");
    reg("net.ipv4.conf.all.send_redirects", {}, "sendRedirectsAll");
    reg("net.ipv4.conf.default.send_redirects", {}, "sendRedirectsDefault");
    reg("net.ipv4.conf.all.rp_filter", { min: 0, max: 2 }, "rpFilterAll");
    reg("net.ipv4.conf.default.rp_filter", { min: 0, max: 2 }, "rpFilterDefault");
    reg("net.ipv4.conf.all.accept_local", {}, "acceptLocalAll");
    reg("net.ipv4.conf.default.accept_local", {}, "acceptLocalDefault");
    reg("net.ipv4.conf.all.promote_secondaries", {}, "promoteSecondariesAll");
    reg("net.ipv4.conf.default.promote_secondaries", {}, "promoteSecondariesDefault");
    reg("net.ipv4.route.error_cost", {}, "routeErrorCost");
    reg("net.ipv4.route.error_burst", {}, "routeErrorBurst");
    reg("net.ipv4.route.redirect_number", {}, "redirectNumber");
    reg("net.ipv4.route.redirect_load", {}, "redirectLoad");
    reg("net.ipv4.route.redirect_silence", {}, "redirectSilence");
    reg("net.ipv6.icmp.ratelimit", { min: 0 }, "icmp6RatelimitMs");
    reg("net.ipv6.icmp.echo_ignore_all", bool, "icmp6EchoIgnoreAll");
    reg("net.ipv6.icmp.echo_ignore_anycast", bool, "icmp6EchoIgnoreAnycast");
    reg("net.ipv6.conf.all.hop_limit", { min: 1, max: 255 }, "hopLimitAll");
    reg("net.ipv6.conf.default.hop_limit", { min: 1, max: 255 }, "hopLimitDefault");
    // The forwarding switches are read for every packet. When the stack owns
    // them their value is mirrored like the others; when someone else
    // registered them first (the Kernel did before the stack existed), every
    // read goes through SysctlTable.get, which costs a fifth of the
    // forwarding time.
    // net.ipv4.conf.all.forwarding is the same switch as ip_forward under
    // another name: a write to either shows in both.
    const sync = (to: string, v: number) => {
      if (table.has(to) && table.get(to) !== v) table.set(to, String(v));
    };
    this.ownsForwarding4 = !table.has("net.ipv4.ip_forward");
    if (this.ownsForwarding4) {
      this.unregister.push(
        table.register("net.ipv4.ip_forward", {
          value: 0,
          onChange: (v) => {
            this.ipForward = v;
            sync("net.ipv4.conf.all.forwarding", v);
          },
        }),
      );
    }
    if (!table.has("net.ipv4.conf.all.forwarding")) {
      this.unregister.push(
        table.register("net.ipv4.conf.all.forwarding", {
          value: table.get("net.ipv4.ip_forward"),
          onChange: (v) => sync("net.ipv4.ip_forward", v),
        }),
      );
    }
    this.ownsForwarding6 = !table.has("net.ipv6.conf.all.forwarding");
    if (this.ownsForwarding6) reg("net.ipv6.conf.all.forwarding", {}, "forwardingAll6");
  }

  /**
   * Per-interface settings are not modelled: an interface has the
   * "default" value it was created with, which Linux combines with "all"
   * (the larger rp_filter; the OR of the flags).
   */
  rpFilter(): number {
    return Math.max(this.rpFilterAll, this.rpFilterDefault);
  }

  acceptLocal(): boolean {
    return this.acceptLocalAll !== 0 || this.acceptLocalDefault !== 0;
  }

  sendRedirects(): boolean {
    return this.sendRedirectsAll !== 0 || this.sendRedirectsDefault !== 0;
  }

  /** net.ipv4.ip_forward (proc_dointvec: any non-zero value turns forwarding on). */
  forwarding4(): boolean {
    return (this.ownsForwarding4 ? this.ipForward : this.table.get("net.ipv4.ip_forward")) !== 0;
  }

  forwarding6(): boolean {
    return (
      (this.ownsForwarding6
        ? this.forwardingAll6
        : this.table.get("net.ipv6.conf.all.forwarding")) !== 0
    );
  }

  /** msecs_to_jiffies. */
  msToJiffies(ms: number): number {
    return Math.ceil((ms * this.hz) / 1000);
  }

  dispose(): void {
    for (const u of this.unregister.splice(0)) u();
  }
}
