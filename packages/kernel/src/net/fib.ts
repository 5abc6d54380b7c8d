/**
 * The forwarding information base: the main and local tables for IPv4 and
 * IPv6, with the routes the kernel derives from addresses (fib_add_ifaddr,
 * addrconf prefix routes) and the ones `ip route` adds.
 *
 * Lookups are the packet path: IPv4 uses one Map per prefix length present
 * (longest first), IPv6 a list sorted longest prefix first; neither
 * allocates. Lookup structures are rebuilt on every configuration change.
 */
import { type DeviceTable, Scope } from "./device.js";
import {
  broadcastV4,
  commonPrefixLenV6,
  equalV6,
  maskV4,
  prefixMatchV6,
  prefixV4,
  prefixV6,
} from "./prefix.js";
import { IP6_RT_PRIO_ADDRCONF, Proto, Route, RouteType, Table } from "./route.js";

/** A refused change: the errno and, when the kernel gives one, its extack message. */
export interface FibError {
  errno: "EEXIST" | "ESRCH" | "ENODEV" | "EINVAL" | "EHOSTUNREACH" | "ENETUNREACH";
  extack?: string;
}

const MASKS = Array.from({ length: 33 }, (_, i) => maskV4(i));

/** Longest-prefix match over IPv4 routes: the best route per (length, prefix). */
class Lpm4 {
  private readonly maps: (Map<number, Route> | undefined)[] = new Array(33);
  private lens = new Int32Array(0);

  build(routes: readonly Route[]): void {
    this.maps.fill(undefined);
    for (const r of routes) {
      let m = this.maps[r.prefixLen];
      if (!m) {
        m = new Map();
        this.maps[r.prefixLen] = m;
      }
      // Keys are int32 (`| 0`): addresses above 2^31 would otherwise be boxed
      // doubles, and a boxed key allocates on every lookup.
      const key = r.dst4 | 0;
      const cur = m.get(key);
      if (!cur || r.metric < cur.metric || (r.metric === cur.metric && r.seq < cur.seq))
        m.set(key, r);
    }
    const lens: number[] = [];
    for (let l = 32; l >= 0; l--) if (this.maps[l]) lens.push(l);
    this.lens = Int32Array.from(lens);
  }

  lookup(addr: number): Route | null {
    const lens = this.lens;
    for (let i = 0; i < lens.length; i++) {
      const l = lens[i] as number;
      const r = (this.maps[l] as Map<number, Route>).get(addr & (MASKS[l] as number));
      if (r) return r;
    }
    return null;
  }
}

export class Fib {
  /** Routes added with `ip route` (both tables), in insertion order. */
  private readonly user: Route[] = [];
  private kernelRoutes: Route[] = [];
  /** Kernel routes an `ip route del` removed: not re-derived until their address comes back. */
  private readonly suppressed = new Set<string>();
  private readonly main4 = new Lpm4();
  private readonly local4 = new Lpm4();
  /** IPv6 main table, longest prefix first, then metric. */
  private main6: Route[] = [];
  /** Bumped on every change (route caches compare it). */
  gen = 0;

  constructor(private readonly devices: DeviceTable) {
    this.rebuild();
  }

  /** Re-derives the kernel routes from the addresses and rebuilds the lookup structures. */
  rebuild(): void {
    const derived: Route[] = [];
    const seen = new Set<string>();
    const push = (r: Route) => {
      const k = r.key();
      if (seen.has(k) || this.suppressed.has(k)) return;
      seen.add(k);
      derived.push(r);
    };
    for (const dev of this.devices.all()) {
      for (const a of dev.v4) {
        const prim = a.secondary
          ? (dev.v4.find(
              (p) =>
                !p.secondary &&
                p.prefixLen === a.prefixLen &&
                prefixV4(p.addr, p.prefixLen) === prefixV4(a.addr, a.prefixLen),
            ) ?? a)
          : a;
        const base = { family: 4 as const, oif: dev.index, proto: Proto.KERNEL, metric: 0 };
        const src = prim.addr;
        push(
          new Route({
            ...base,
            table: Table.LOCAL,
            type: RouteType.LOCAL,
            dst4: a.addr,
            prefixLen: 32,
            scope: Scope.HOST,
            prefsrc4: src,
            seq: a.seq,
            kernel: true,
          }),
        );
        if (a.broadcast !== 0 && a.broadcast !== 0xffffffff) {
          push(
            new Route({
              ...base,
              table: Table.LOCAL,
              type: RouteType.BROADCAST,
              dst4: a.broadcast,
              prefixLen: 32,
              scope: Scope.LINK,
              prefsrc4: src,
              seq: a.seq,
              kernel: true,
            }),
          );
        }
        const prefix = prefixV4(a.addr, a.prefixLen);
        if (prefix >>> 24 !== 0 && !a.secondary && (prefix !== a.addr || a.prefixLen < 32)) {
          if (!a.noPrefixRoute) {
            push(
              new Route({
                ...base,
                table: dev.loopback ? Table.LOCAL : Table.MAIN,
                type: dev.loopback ? RouteType.LOCAL : RouteType.UNICAST,
                dst4: prefix,
                prefixLen: a.prefixLen,
                scope: dev.loopback ? Scope.HOST : Scope.LINK,
                prefsrc4: src,
                seq: a.seq,
                kernel: true,
              }),
            );
          }
          if (a.prefixLen < 31) {
            push(
              new Route({
                ...base,
                table: Table.LOCAL,
                type: RouteType.BROADCAST,
                dst4: broadcastV4(a.addr, a.prefixLen),
                prefixLen: 32,
                scope: Scope.LINK,
                prefsrc4: src,
                seq: a.seq,
                kernel: true,
              }),
            );
          }
        }
      }
      for (const a of dev.v6) {
        push(
          new Route({
            family: 6,
            table: Table.LOCAL,
            type: RouteType.LOCAL,
            dst6: a.addr,
            prefixLen: 128,
            oif: dev.index,
            proto: Proto.KERNEL,
            scope: Scope.UNIVERSE,
            metric: 0,
            seq: a.seq,
            kernel: true,
          }),
        );
        if (!dev.loopback && !a.noPrefixRoute) {
          push(
            new Route({
              family: 6,
              table: Table.MAIN,
              type: RouteType.UNICAST,
              dst6: prefixV6(a.addr, a.prefixLen),
              prefixLen: a.prefixLen,
              oif: dev.index,
              proto: Proto.KERNEL,
              scope: Scope.UNIVERSE,
              metric: IP6_RT_PRIO_ADDRCONF,
              seq: a.seq,
              kernel: true,
            }),
          );
        }
      }
    }
    this.kernelRoutes = derived;
    this.pruneStaleSources();
    const all = this.routes();
    this.main4.build(all.filter((r) => r.family === 4 && r.table === Table.MAIN));
    this.local4.build(all.filter((r) => r.family === 4 && r.table === Table.LOCAL));
    this.main6 = all
      .filter((r) => r.family === 6 && r.table === Table.MAIN)
      .sort((a, b) => b.prefixLen - a.prefixLen || a.metric - b.metric || a.seq - b.seq);
    this.gen++;
  }

  /**
   * A route's `src` must stay one of our addresses: when it goes, Linux
   * flushes IPv4 routes using it (fib_sync_down_addr) and forgets the
   * source of IPv6 ones (rt6_remove_prefsrc).
   */
  private pruneStaleSources(): void {
    const local4 = new Set<number>();
    const local6: Uint8Array[] = [];
    for (const d of this.devices.all()) {
      for (const a of d.v4) local4.add(a.addr);
      for (const a of d.v6) local6.push(a.addr);
    }
    for (let i = this.user.length - 1; i >= 0; i--) {
      const r = this.user[i] as Route;
      if (r.family === 4 && r.prefsrc4 !== 0 && !local4.has(r.prefsrc4)) this.user.splice(i, 1);
      const src = r.prefsrc6;
      if (r.family === 6 && src && !local6.some((a) => equalV6(a, 0, src, 0))) {
        this.user[i] = new Route({ ...r, dst4: r.dst4, dst6: r.dst6, prefsrc6: null });
      }
    }
  }

  /** Every route of both families and tables (kernel ones first, then user ones). */
  routes(): Route[] {
    return [...this.kernelRoutes, ...this.user];
  }

  // ---- packet path ----

  /**
   * fib_lookup for IPv4: the local table first, then main (the default
   * rules). Addresses may be given as uint32 or int32; the packet path
   * passes int32 (`addr | 0`) so that V8 never boxes them.
   */
  lookup4(daddr: number): Route | null {
    return this.local4.lookup(daddr) ?? this.main4.lookup(daddr);
  }

  lookupMain4(daddr: number): Route | null {
    return this.main4.lookup(daddr);
  }

  /** The local-table entry for an address (LOCAL or BROADCAST), null for others. */
  local4Entry(daddr: number): Route | null {
    return this.local4.lookup(daddr);
  }

  lookup6(buf: Uint8Array, off: number): Route | null {
    const list = this.main6;
    for (let i = 0; i < list.length; i++) {
      const r = list[i] as Route;
      if (prefixMatchV6(buf, off, r.dst6, 0, r.prefixLen)) return r;
    }
    return null;
  }

  // ---- configuration ----

  /**
   * fib_check_nh_v4_gw: the gateway must be reached by a route of link or
   * host scope (a connected or device route, or a local address), through
   * `oif` when one is given. Returns that route.
   */
  gatewayRoute4(gw: number, oif: number): Route | null {
    const candidates = this.routes().filter(
      (r) =>
        r.family === 4 &&
        r.scope >= Scope.LINK &&
        (r.type === RouteType.UNICAST || r.type === RouteType.LOCAL) &&
        ((gw ^ r.dst4) & (MASKS[r.prefixLen] as number)) === 0 &&
        (oif === 0 || r.oif === oif),
    );
    const best = (t: number) =>
      candidates
        .filter((r) => r.table === t)
        .sort((a, b) => b.prefixLen - a.prefixLen || a.metric - b.metric || a.seq - b.seq)[0];
    return best(Table.LOCAL) ?? best(Table.MAIN) ?? null;
  }

  /** ip6_route_check_nh: a non-gateway, non-reject route to the gateway, through `oif` if given. */
  gatewayRoute6(gw: Uint8Array, oif: number): Route | null {
    for (const r of this.main6) {
      if (!prefixMatchV6(gw, 0, r.dst6, 0, r.prefixLen)) continue;
      if (oif !== 0 && r.oif !== oif) continue;
      if (r.type !== RouteType.UNICAST || r.hasGateway) return null;
      return r;
    }
    return null;
  }

  /** Adds a route; `replace` replaces the first route with the same prefix and metric. */
  add(route: Route, replace: boolean): FibError | null {
    const clash = this.routes().find((r) => sameSlot(r, route));
    if (clash && !replace) return { errno: "EEXIST" };
    if (clash) this.remove(clash);
    this.user.push(route);
    this.rebuild();
    return null;
  }

  /** Deletes the first route that `match` accepts among those with this prefix. */
  delete(
    family: 4 | 6,
    table: number,
    dst4: number,
    dst6: Uint8Array | null,
    prefixLen: number,
    match: (r: Route) => boolean,
  ): FibError | null {
    const order = family === 4 ? sortForDisplay4 : sortForDisplay6;
    const victim = order(
      this.routes().filter(
        (r) =>
          r.family === family &&
          r.table === table &&
          r.prefixLen === prefixLen &&
          (family === 4 ? r.dst4 === dst4 : equalV6(r.dst6, 0, dst6 as Uint8Array, 0)),
      ),
    ).find(match);
    if (!victim) return { errno: "ESRCH" };
    this.remove(victim);
    this.rebuild();
    return null;
  }

  private remove(r: Route): void {
    const i = this.user.indexOf(r);
    if (i >= 0) this.user.splice(i, 1);
    else this.suppressed.add(r.key());
  }

  /**
   * An address was added: the kernel routes it implies come back even if
   * an `ip route del` had removed them before.
   */
  addressAdded(): void {
    this.suppressed.clear();
    this.rebuild();
  }

  /**
   * fib_disable_ip: when a device loses its last IPv4 address, every IPv4
   * route through it goes too.
   */
  flushDevice4(oif: number): void {
    for (let i = this.user.length - 1; i >= 0; i--) {
      const r = this.user[i] as Route;
      if (r.family === 4 && r.oif === oif) this.user.splice(i, 1);
    }
  }
}

/** Two routes occupying the same slot: same table, prefix and metric (NLM_F_EXCL clash). */
function sameSlot(a: Route, b: Route): boolean {
  if (a.family !== b.family || a.table !== b.table || a.prefixLen !== b.prefixLen) return false;
  if (a.metric !== b.metric) return false;
  return a.family === 4 ? a.dst4 === b.dst4 : equalV6(a.dst6, 0, b.dst6, 0);
}

/** The fib_trie dump order: by prefix, the longer of two equal keys first, then metric. */
export function sortForDisplay4(routes: Route[]): Route[] {
  return routes.sort(
    (a, b) => a.dst4 - b.dst4 || b.prefixLen - a.prefixLen || a.metric - b.metric || a.seq - b.seq,
  );
}

/**
 * The fib6 tree walk order: a post-order walk of a binary trie, so a route
 * comes after every longer route it covers, and the 0 branch before the 1.
 */
export function sortForDisplay6(routes: Route[]): Route[] {
  return routes.sort((a, b) => {
    const m = Math.min(a.prefixLen, b.prefixLen);
    const common = commonPrefixLenV6(a.dst6, 0, b.dst6, 0);
    if (common < m) {
      const byte = common >>> 3;
      const bit = 0x80 >>> (common & 7);
      return ((a.dst6[byte] as number) & bit) - ((b.dst6[byte] as number) & bit);
    }
    return b.prefixLen - a.prefixLen || a.metric - b.metric || a.seq - b.seq;
  });
}
