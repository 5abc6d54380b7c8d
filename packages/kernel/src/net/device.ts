/**
 * Network devices and their addresses (struct net_device, in_device,
 * inet6_dev reduced to what ctkit routes with). A device comes into being
 * when something names it (an address, `ip link set`); indexes start at 2
 * in creation order because 1 is lo, as in a fresh Linux namespace.
 *
 * Address lists keep Linux's order, because `ip addr show`, source address
 * selection and secondary promotion all depend on it.
 */
import { inSubnetV4, maskV4, scopeV6 } from "./prefix.js";

/** rtnetlink scopes (RT_SCOPE_*): smaller is wider. */
export const Scope = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 } as const;

export interface Addr4 {
  addr: number;
  prefixLen: number;
  /** Explicit broadcast address (`brd`), 0 when none was given. */
  broadcast: number;
  scope: number;
  /** IFA_F_SECONDARY: another address with the same subnet and mask came first. */
  secondary: boolean;
  noPrefixRoute: boolean;
  /** Creation order across all addresses: kernel routes inherit it. */
  seq: number;
}

export interface Addr6 {
  addr: Uint8Array;
  prefixLen: number;
  scope: number;
  noDad: boolean;
  noPrefixRoute: boolean;
  seq: number;
}

export class NetDevice {
  mtu: number;
  readonly v4: Addr4[] = [];
  readonly v6: Addr6[] = [];
  /** A locally administered MAC derived from the index, for `ip link`-style output. */
  readonly mac = new Uint8Array(6);

  constructor(
    readonly index: number,
    readonly name: string,
    readonly loopback = false,
  ) {
    this.mtu = loopback ? 65536 : 1500;
    if (!loopback) {
      this.mac[0] = 0x02;
      this.mac[4] = (index >>> 8) & 0xff;
      this.mac[5] = index & 0xff;
    }
  }

  /** The first primary IPv4 address, 0 when the device has none. */
  primaryV4(): number {
    for (const a of this.v4) if (!a.secondary) return a.addr;
    return 0;
  }
}

export type AddrError = "EEXIST" | "EINVAL" | "EADDRNOTAVAIL";

export class DeviceTable {
  private readonly list: NetDevice[] = [];
  private readonly byIndex: (NetDevice | undefined)[] = [];
  private nextIndex = 2;
  private seq = 0;
  /** Bumped on every address change (dev_addr_genid): caches of chosen sources compare it. */
  genid = 0;
  readonly lo: NetDevice;

  constructor() {
    this.lo = new NetDevice(1, "lo", true);
    this.insert(this.lo);
    this.lo.v4.push({
      addr: 0x7f000001,
      prefixLen: 8,
      broadcast: 0,
      scope: Scope.HOST,
      secondary: false,
      noPrefixRoute: false,
      seq: this.seq++,
    });
    const one = new Uint8Array(16);
    one[15] = 1;
    this.lo.v6.push({
      addr: one,
      prefixLen: 128,
      scope: Scope.HOST,
      noDad: false,
      noPrefixRoute: false,
      seq: this.seq++,
    });
  }

  private insert(dev: NetDevice): void {
    this.list.push(dev);
    this.byIndex[dev.index] = dev;
  }

  get(index: number): NetDevice | undefined {
    return index >= 0 ? this.byIndex[index] : undefined;
  }

  byName(name: string): NetDevice | undefined {
    for (const d of this.list) if (d.name === name) return d;
    return undefined;
  }

  /** The device called `name`, created (next index) if it does not exist yet. */
  ensure(name: string): NetDevice {
    const found = this.byName(name);
    if (found) return found;
    const dev = new NetDevice(this.nextIndex++, name);
    this.insert(dev);
    return dev;
  }

  all(): readonly NetDevice[] {
    return this.list;
  }

  nextSeq(): number {
    return this.seq++;
  }

  /** __inet_insert_ifa: duplicate, scope clash, secondary marking and list position. */
  addV4(
    dev: NetDevice,
    addr: number,
    prefixLen: number,
    opts: { broadcast?: number; scope?: number; noPrefixRoute?: boolean } = {},
  ): AddrError | null {
    const scope = opts.scope ?? Scope.UNIVERSE;
    let secondary = false;
    let lastPrimary = 0;
    for (let i = 0; i < dev.v4.length; i++) {
      const a = dev.v4[i] as Addr4;
      if (!a.secondary && scope <= a.scope) lastPrimary = i + 1;
      if (a.prefixLen === prefixLen && inSubnetV4(addr, a.addr, prefixLen)) {
        if (a.addr === addr) return "EEXIST";
        if (a.scope !== scope) return "EINVAL";
        secondary = true;
      }
    }
    const entry: Addr4 = {
      addr,
      prefixLen,
      broadcast: opts.broadcast ?? 0,
      scope,
      secondary,
      noPrefixRoute: opts.noPrefixRoute ?? false,
      seq: this.seq++,
    };
    // Secondaries go last; a primary goes after the last primary of wider or equal scope.
    if (secondary) dev.v4.push(entry);
    else dev.v4.splice(lastPrimary, 0, entry);
    this.genid++;
    return null;
  }

  /**
   * inet_rtm_deladdr + __inet_del_ifa. prefixLen undefined is iproute2's
   * wildcard deletion (first address equal to `addr`, any length).
   * Deleting a primary takes its secondaries with it, unless promote is set
   * (net.ipv4.conf.*.promote_secondaries), which promotes the first one.
   */
  delV4(
    dev: NetDevice,
    addr: number,
    prefixLen: number | undefined,
    promote: boolean,
  ): AddrError | null {
    const i = dev.v4.findIndex(
      (a) =>
        a.addr === addr &&
        (prefixLen === undefined ||
          (a.prefixLen === prefixLen && inSubnetV4(addr, a.addr, prefixLen))),
    );
    if (i < 0) return "EADDRNOTAVAIL";
    const victim = dev.v4[i] as Addr4;
    dev.v4.splice(i, 1);
    if (!victim.secondary) {
      const mask = maskV4(victim.prefixLen);
      const same = (a: Addr4) =>
        a.secondary && a.prefixLen === victim.prefixLen && ((a.addr ^ victim.addr) & mask) === 0;
      if (promote) {
        const j = dev.v4.findIndex(same);
        if (j >= 0) {
          const p = dev.v4[j] as Addr4;
          dev.v4.splice(j, 1);
          p.secondary = false;
          let last = 0;
          for (let k = 0; k < dev.v4.length; k++) if (!(dev.v4[k] as Addr4).secondary) last = k + 1;
          dev.v4.splice(last, 0, p);
        }
      } else {
        for (let k = dev.v4.length - 1; k >= 0; k--)
          if (same(dev.v4[k] as Addr4)) dev.v4.splice(k, 1);
      }
    }
    this.genid++;
    return null;
  }

  /**
   * ipv6_add_addr: the same address twice on one device is EEXIST whatever
   * its length; the list is ordered by scope, newest first within a scope.
   */
  addV6(
    dev: NetDevice,
    addr: Uint8Array,
    prefixLen: number,
    opts: { noDad?: boolean; noPrefixRoute?: boolean } = {},
  ): AddrError | null {
    for (const a of dev.v6) if (sameBytes(a.addr, addr)) return "EEXIST";
    const srcScope = scopeV6(addr, 0);
    let at = dev.v6.length;
    for (let i = 0; i < dev.v6.length; i++) {
      if (srcScope >= scopeV6((dev.v6[i] as Addr6).addr, 0)) {
        at = i;
        break;
      }
    }
    dev.v6.splice(at, 0, {
      addr: Uint8Array.from(addr),
      prefixLen,
      scope: srcScope === 0x2 ? Scope.LINK : Scope.UNIVERSE,
      noDad: opts.noDad ?? false,
      noPrefixRoute: opts.noPrefixRoute ?? false,
      seq: this.seq++,
    });
    this.genid++;
    return null;
  }

  /** inet6_addr_del: address and length must both match. */
  delV6(dev: NetDevice, addr: Uint8Array, prefixLen: number): AddrError | null {
    const i = dev.v6.findIndex((a) => a.prefixLen === prefixLen && sameBytes(a.addr, addr));
    if (i < 0) return "EADDRNOTAVAIL";
    dev.v6.splice(i, 1);
    this.genid++;
    return null;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}
