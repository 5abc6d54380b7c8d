/**
 * Connection tracking for one kernel (network namespace): nf_conntrack_in
 * at PREROUTING/OUTPUT, helpers and confirmation at POSTROUTING/INPUT,
 * expectations, timeouts, early drop, and the queries rules make.
 *
 * New connections stay unconfirmed (out of the hash) until their first
 * packet leaves the box, as in Linux: a packet dropped on the way takes its
 * new connection with it.
 */
import { readU32, verifyL4Checksum } from "@ctkit/packet";
import type { RegisteredHelper } from "../helper/registry.js";
import { CtInfo, NF_ACCEPT } from "../helper/types.js";
import type { Kernel } from "../kernel.js";
import type { LoadedModule } from "../module/loaded-module.js";
import { type ConntrackQuery, CtStateBit } from "../net/ct-query.js";
import { type Family, Hook, NfVerdict, Priority } from "../net/hooks.js";
import type { Skb } from "../net/skb.js";
import { ConnHandle } from "./conn-handle.js";
import { type Expectation, ExpectFlag, expectClash, expectMatches, expectSame } from "./expect.js";
import { packetTuple, quotedTuple } from "./extract.js";
import { GreKeymap } from "./gre-keymap.js";
import { genericPacket, grePacket, icmpPacket, type SimpleTimeouts, udpPacket } from "./l4.js";
import { tcpSetClosing } from "./proto-tcp.js";
import { TcpState } from "./proto-tcp-states.js";
import { TcpTracker } from "./proto-tcp-tracker.js";
import { SeqAdjTable } from "./seqadj.js";
import { Ips } from "./status.js";
import { ConnTable } from "./table.js";
import { icmpTypeMayCreate, invertTuple, Tuple } from "./tuple.js";

export type ConntrackEvent = "NEW" | "UPDATE" | "DESTROY";
export type EventListener = (type: ConntrackEvent, slot: number) => void;

/** A per-protocol tracker the core delegates to (TCP). */
export interface L4Tracker {
  /** May this packet create a connection? Initialises the slot's state. */
  newConn(slot: number, skb: Skb): boolean;
  /** Updates state and timeout; returns ACCEPT, or INVALID (-1) / DROP (0). */
  packet(slot: number, dir: 0 | 1, skb: Skb, ctinfo: number): number;
  /** State name shown by conntrack -L. */
  stateName(slot: number): string;
}

/** The "verdicts" an L4 tracker returns. */
export const L4Verdict = { DROP: 0, ACCEPT: 1, INVALID: -1, REPEAT: -2 } as const;

/** Errors of expectRelated, as the kernel's negative errnos. */
export type ExpectError = "ESHUTDOWN" | "EALREADY" | "EBUSY" | "EMFILE";

const IP_CT_IS_REPLY = 3;

export class Conntrack implements ConntrackQuery {
  readonly table = new ConnTable();
  readonly expectations: Expectation[] = [];
  /** Helpers referenced by connections; table.helper holds an index into this. */
  private readonly helpers: (RegisteredHelper | null)[] = [];
  /** Per-connection helper private data (struct nf_conn_help's data area). */
  private readonly helperData = new Map<number, Record<string, unknown>>();
  /** NAT helpers' payload length changes, per connection (the seqadj extension). */
  readonly seqadj = new SeqAdjTable();
  /** Enhanced-GRE source keys by tuple, filled by the PPTP helper. */
  readonly greKeymap = new GreKeymap();
  /** NAT helper modules requested and not yet loaded. */
  private readonly natRequests = new Set<string>();
  /** UDP stream timestamps, indexed by slot. */
  streamAt = new Float64Array(0);
  private readonly listeners = new Set<EventListener>();
  private readonly users = [0, 0];
  private hookUnregs: { family: Family; unregister: () => void }[] = [];
  private tcp: L4Tracker | null = null;
  private tcpTracker: TcpTracker | null = null;
  private readonly orig = new Tuple();
  private readonly repl = new Tuple();
  private readonly inner = new Tuple();
  private readonly handle: ConnHandle;
  private expectSeq = 0;
  private evictCursor = 0;
  private autoHelperWarned = false;
  readonly timeouts: SimpleTimeouts = {
    udp: 30,
    udpStream: 120,
    icmp: 30,
    icmpv6: 30,
    gre: 30,
    greStream: 180,
    generic: 600,
  };
  /** Counters as /proc/net/stat/nf_conntrack names them. */
  readonly stats = {
    found: 0,
    invalid: 0,
    insert: 0,
    insertFailed: 0,
    drop: 0,
    earlyDrop: 0,
    expectNew: 0,
    expectCreate: 0,
    expectDelete: 0,
  };

  constructor(private readonly kernel: Kernel) {
    this.handle = new ConnHandle(this);
  }

  // ---- life cycle (nf_conntrack module) ----

  /**
   * Hooks are registered while someone needs tracking (nf_ct_netns_get).
   * Like xt_conntrack depending on nf_conntrack, the first user loads the
   * module (on demand) and holds a reference on it until the last one goes.
   */
  netnsGet(family: Family): void {
    const i = family === 4 ? 0 : 1;
    this.users[i] = (this.users[i] as number) + 1;
    if (this.users[i] === 1) this.registerHooks(family);
    if ((this.users[0] as number) + (this.users[1] as number) === 1) this.holdModule();
  }

  netnsPut(family: Family): void {
    const i = family === 4 ? 0 : 1;
    if ((this.users[i] as number) === 0) return;
    this.users[i] = (this.users[i] as number) - 1;
    if (this.users[i] === 0) this.unregisterHooks(family);
    if ((this.users[0] as number) + (this.users[1] as number) === 0 && this.heldModule) {
      this.kernel.modules.put(this.heldModule);
      this.heldModule = null;
    }
  }

  private heldModule: LoadedModule | null = null;
  /**
   * Kept result of the warm reads in warmLookup: written, never read, so
   * that the compiler keeps the loads.
   */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: its writes are the point (warmLookup)
  private warmth = 0;
  /** Connection whose state changed with the current packet (cached UPDATE event). */
  private updated = -1;

  private holdModule(): void {
    const take = () => {
      const m = this.kernel.modules.find("nf_conntrack");
      if (
        m &&
        this.heldModule === null &&
        this.users[0] + this.users[1] > 0 &&
        this.kernel.modules.tryGet(m)
      ) {
        this.heldModule = m;
      }
    };
    if (this.kernel.modules.isLoaded("nf_conntrack")) take();
    else this.kernel.defer(this.kernel.modules.requestModule("nf_conntrack").then(take));
  }

  isTracking(family: Family): boolean {
    return (this.users[family === 4 ? 0 : 1] as number) > 0;
  }

  private registerHooks(family: Family): void {
    const h = this.kernel.hooks;
    const add = (unregister: () => void) => this.hookUnregs.push({ family, unregister });
    add(
      h.register(family, Hook.PREROUTING, Priority.CONNTRACK, "conntrack_in", (skb, hook) =>
        this.in(skb, hook),
      ),
    );
    add(
      h.register(family, Hook.OUTPUT, Priority.CONNTRACK, "conntrack_local", (skb, hook) =>
        this.in(skb, hook),
      ),
    );
    add(
      h.register(family, Hook.POSTROUTING, Priority.CONNTRACK_CONFIRM, "conntrack_confirm", (skb) =>
        this.confirm(skb),
      ),
    );
    add(
      h.register(family, Hook.INPUT, Priority.CONNTRACK_CONFIRM, "conntrack_confirm", (skb) =>
        this.confirm(skb),
      ),
    );
  }

  private unregisterHooks(family: Family): void {
    for (const u of this.hookUnregs) if (u.family === family) u.unregister();
    this.hookUnregs = this.hookUnregs.filter((u) => u.family !== family);
  }

  setTcpTracker(t: L4Tracker): void {
    this.tcp = t;
  }

  /**
   * nf_ct_set_closing: REJECT answered a TCP connection's packet with a
   * reset, so the connection is closing (state CLOSE, close timeout).
   */
  setClosing(slot: number, now: number): void {
    const tcp = this.tcpTracker;
    if (tcp === null || !this.table.isLive(slot) || this.table.proto[slot] !== 6) return;
    const timeout = tcpSetClosing(tcp.store, slot, this.table.status[slot] as number, tcp.sysctls);
    if (timeout >= 0) this.table.expires[slot] = now + timeout;
  }

  /** Installs Linux's TCP tracker (nf_conntrack_proto_tcp) on this table. */
  enableTcp(): void {
    // No kill hook: a killed connection simply expires now, so the packet
    // being processed keeps a valid slot until it is done (as the skb's
    // reference keeps a killed conntrack alive in Linux).
    const tcp = new TcpTracker(this.table, {
      log: (line) => this.kernel.log.write("warn", line),
      // The peer acknowledges the mangled stream; the window is tracked in the original one.
      seqOffset: (slot, dir, seq) => this.seqadj.offset(slot, dir, seq),
      seqOffsetStatus: Ips.SEQ_ADJUST,
      stateChanged: (slot) => {
        this.updated = slot;
      },
    });
    this.tcpTracker = tcp;
    this.tcp = tcp;
    this.loadTimeouts();
  }

  onEvent(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(type: ConntrackEvent, slot: number): void {
    if (this.listeners.size === 0) return;
    for (const l of this.listeners) l(type, slot);
  }

  /** net.netfilter.nf_conntrack_checksum and _max, cached by loadTimeouts(). */
  private checksumCheck = true;
  private maxConns = 0;

  private checksumOk(skb: Skb): boolean {
    const p = skb.l4Proto;
    if (p !== 6 && p !== 17 && p !== 1 && p !== 58) return true;
    const ip = skb.family === 4 ? skb.dec.ipv4 : skb.dec.ipv6;
    const len = p === 17 ? skb.dec.udp.length : skb.l3Offset + skb.l3Length - skb.l4Offset;
    return verifyL4Checksum(ip, p, skb.data, skb.l4Offset, len);
  }

  /** Reads the sysctls that tune the trackers (called when they change). */
  loadTimeouts(): void {
    const s = this.kernel.sysctl;
    const get = (name: string, dflt: number) => (s.has(name) ? s.get(name) : dflt);
    this.tcpTracker?.refresh((name) => get(name, 0));
    this.checksumCheck = get("net.netfilter.nf_conntrack_checksum", 1) === 1;
    this.maxConns = get("net.netfilter.nf_conntrack_max", 0);
    const t = this.timeouts;
    t.udp = get("net.netfilter.nf_conntrack_udp_timeout", 30);
    t.udpStream = get("net.netfilter.nf_conntrack_udp_timeout_stream", 120);
    t.icmp = get("net.netfilter.nf_conntrack_icmp_timeout", 30);
    t.icmpv6 = get("net.netfilter.nf_conntrack_icmpv6_timeout", 30);
    t.gre = get("net.netfilter.nf_conntrack_gre_timeout", 30);
    t.greStream = get("net.netfilter.nf_conntrack_gre_timeout_stream", 180);
    t.generic = get("net.netfilter.nf_conntrack_generic_timeout", 600);
  }

  // ---- ConntrackQuery (what rules ask) ----

  stateBits(skb: Skb): number {
    if (skb.untracked) return CtStateBit.UNTRACKED;
    if (skb.ct < 0) return CtStateBit.INVALID;
    const ctinfo = skb.ctinfo;
    let bits = 1 << ((ctinfo % IP_CT_IS_REPLY) + 1);
    const status = this.table.status[skb.ct] as number;
    if (status & Ips.SRC_NAT) bits |= CtStateBit.SNAT;
    if (status & Ips.DST_NAT) bits |= CtStateBit.DNAT;
    return bits;
  }

  /**
   * xt_helper looks at the helper of the connection's master: it matches
   * the related connections a helper expected (the FTP data connection),
   * not the control connection itself.
   */
  helperName(skb: Skb): string | null {
    if (skb.ct < 0) return null;
    const master = this.table.master[skb.ct] as number;
    if (master < 0 || !this.table.isLive(master)) return null;
    const h = this.helperOf(master);
    return h ? h.spec.name : null;
  }

  /** The helper of a slot; index -1 (none) is never used as an array index (a slow path in V8). */
  helperOf(slot: number): RegisteredHelper | null {
    const i = this.table.helper[slot] as number;
    return i >= 0 ? (this.helpers[i] ?? null) : null;
  }

  // ---- the packet path ----

  /** nf_conntrack_in. */
  in(skb: Skb, hook: Hook): NfVerdict {
    if (skb.untracked) return NfVerdict.ACCEPT;
    if (skb.ct >= 0) return NfVerdict.ACCEPT; // seen already (locally generated, re-entering)
    const now = skb.time;
    // A cached UPDATE of an earlier packet that never reached confirm is stale.
    this.updated = -1;
    const proto = skb.family === 4 ? skb.dec.ipv4.protocol : skb.dec.ipv6.upperProtocol;
    if (skb.isLaterFragment) {
      this.stats.invalid++;
      return NfVerdict.ACCEPT;
    }
    // tcp_error/udp_error/icmp_error: with nf_conntrack_checksum, a packet
    // arriving with a bad transport checksum belongs to no connection.
    if (
      hook === Hook.PREROUTING &&
      this.checksumCheck &&
      skb.l4Proto === proto &&
      !this.checksumOk(skb)
    ) {
      this.stats.invalid++;
      return NfVerdict.ACCEPT;
    }
    if ((proto === 1 && skb.l4Proto === 1) || (proto === 58 && skb.l4Proto === 58)) {
      // An ICMP error is RELATED to the connection it quotes (or INVALID); never a connection itself.
      if (this.icmpError(skb)) return NfVerdict.ACCEPT;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!packetTuple(skb, this.orig, this.greKeymap)) {
        this.stats.invalid++;
        return NfVerdict.ACCEPT;
      }
      let v = this.warmLookup();
      if (v >= 0 && (this.table.expires[v >> 1] as number) <= now) {
        this.destroy(v >> 1);
        v = -1;
      }
      let slot: number;
      let ctinfo: number;
      if (v < 0) {
        slot = this.initConn(skb);
        if (slot === -2) {
          this.stats.drop++;
          return NfVerdict.DROP;
        }
        if (slot < 0) {
          this.stats.invalid++;
          return NfVerdict.ACCEPT;
        }
        ctinfo = (this.table.status[slot] as number) & Ips.EXPECTED ? CtInfo.RELATED : CtInfo.NEW;
      } else {
        slot = v >> 1;
        this.stats.found++;
        if (v & 1) ctinfo = CtInfo.ESTABLISHED_REPLY;
        else {
          const st = this.table.status[slot] as number;
          ctinfo =
            st & Ips.SEEN_REPLY
              ? CtInfo.ESTABLISHED
              : st & Ips.EXPECTED
                ? CtInfo.RELATED
                : CtInfo.NEW;
        }
      }
      skb.ct = slot;
      skb.ctinfo = ctinfo;
      const dir = (v < 0 ? 0 : v & 1) as 0 | 1;
      const assuredBefore = (this.table.status[slot] as number) & Ips.ASSURED;
      const verdict = this.l4Packet(slot, dir, skb, ctinfo);
      if (verdict === L4Verdict.REPEAT) {
        // The TCP tracker asked for a fresh connection (SYN reopening a closed one).
        this.destroy(slot);
        skb.ct = -1;
        skb.ctinfo = -1;
        continue;
      }
      if (verdict <= 0) {
        if (((this.table.status[slot] as number) & Ips.CONFIRMED) === 0) this.freeUnconfirmed(slot);
        skb.ct = -1;
        skb.ctinfo = -1;
        this.stats.invalid++;
        if (verdict === L4Verdict.DROP) {
          this.stats.drop++;
          return NfVerdict.DROP;
        }
        return NfVerdict.ACCEPT;
      }
      this.account(slot, ctinfo >= IP_CT_IS_REPLY ? 1 : 0, skb);
      if (((this.table.status[slot] as number) & Ips.ASSURED) !== assuredBefore)
        this.updated = slot;
      if (ctinfo === CtInfo.ESTABLISHED_REPLY) {
        const st = this.table.status[slot] as number;
        if ((st & Ips.SEEN_REPLY) === 0) {
          this.table.status[slot] = st | Ips.SEEN_REPLY;
          this.updated = slot;
        }
      }
      return NfVerdict.ACCEPT;
    }
    return NfVerdict.ACCEPT;
  }

  /**
   * table.find(this.orig), then the first read of each cache line the
   * packet's tracking goes on to use (ConnTable.warm, the TCP state, the
   * UDP stream time), so that their misses overlap rather than come one at
   * a time.
   */
  private warmLookup(): number {
    const v = this.table.find(this.orig);
    if (v >= 0) {
      const s = v >> 1;
      const p = this.orig.proto;
      const tcp = this.tcpTracker;
      // Everything int32 (`| 0`, `^`): a fractional value kept here would be boxed per packet.
      this.warmth =
        this.table.warm(s) ^
        (p === 6 && tcp !== null ? tcp.store.warm(s) : p === 17 ? (this.streamAt[s] ?? 0) | 0 : 0);
    }
    return v;
  }

  private account(slot: number, dir: 0 | 1, skb: Skb): void {
    const a = slot * 4 + dir * 2;
    const acct = this.table.acct;
    acct[a] = (acct[a] as number) + 1;
    acct[a + 1] = (acct[a + 1] as number) + skb.l3Length;
  }

  private l4Packet(slot: number, dir: 0 | 1, skb: Skb, ctinfo: number): number {
    const t = this.table;
    switch (t.proto[slot]) {
      case 6:
        if (this.tcp === null) return L4Verdict.INVALID;
        if (
          ((t.status[slot] as number) & Ips.CONFIRMED) === 0 &&
          dir === 0 &&
          !this.tcp.newConn(slot, skb)
        )
          return L4Verdict.INVALID;
        return this.tcp.packet(slot, dir, skb, ctinfo);
      case 17:
        udpPacket(t, slot, skb, this.timeouts, this.streamAt);
        return L4Verdict.ACCEPT;
      case 1:
      case 58: {
        if (((t.status[slot] as number) & Ips.CONFIRMED) === 0) {
          const type = ((t.ports[slot * 2] as number) & 0xffff) >>> 8;
          if (!icmpTypeMayCreate(t.family[slot] as 4 | 6, type)) return L4Verdict.INVALID;
        }
        icmpPacket(t, slot, skb, t.proto[slot] === 1 ? this.timeouts.icmp : this.timeouts.icmpv6);
        return L4Verdict.ACCEPT;
      }
      case 47:
        grePacket(t, slot, skb, this.timeouts);
        return L4Verdict.ACCEPT;
      default:
        genericPacket(t, slot, skb, this.timeouts);
        return L4Verdict.ACCEPT;
    }
  }

  /**
   * nf_conntrack_icmpv4_error / icmpv6_error: an ICMP error is RELATED to
   * the connection whose packet it quotes. Returns false when the packet is not
   * an error (normal tracking follows), true when handled.
   */
  private icmpError(skb: Skb): boolean {
    const v6 = skb.family === 6;
    const icmp = v6 ? skb.dec.icmpv6 : skb.dec.icmp;
    const type = icmp.type;
    const isError = v6
      ? type < 128
      : type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
    if (!isError) return false;
    const innerOff = icmp.innerOffset;
    const innerLen = skb.l3Offset + skb.l3Length - innerOff;
    if (
      !quotedTuple(skb, innerOff, innerLen, this.inner, this.greKeymap) ||
      !invertTuple(this.inner, this.repl)
    ) {
      this.stats.invalid++;
      return true;
    }
    const v = this.table.find(this.repl);
    if (v < 0) {
      this.stats.invalid++;
      return true;
    }
    const slot = v >> 1;
    const dir = (v & 1) as 0 | 1;
    // The error must travel to the address the connection's packets in that direction go to.
    this.table.getTuple(slot, dir, this.orig);
    const sameDst = skb.family === 4 ? this.orig.dst[0] === skb.daddr4 : this.dstEquals6(skb);
    if (!sameDst) {
      this.stats.invalid++;
      return true;
    }
    skb.ct = slot;
    skb.ctinfo = dir === 1 ? CtInfo.RELATED_REPLY : CtInfo.RELATED;
    return true;
  }

  private dstEquals6(skb: Skb): boolean {
    const d = skb.data;
    const o = skb.daddr6Off;
    for (let i = 0; i < 4; i++) if (readU32(d, o + i * 4) !== this.orig.dst[i]) return false;
    return true;
  }

  /** init_conntrack: a new, unconfirmed connection. -1: no connection (invalid), -2: drop (table full). */
  private initConn(skb: Skb): number {
    const now = skb.time;
    if (!invertTuple(this.orig, this.repl)) return -1;
    const max = this.maxConns;
    if (max > 0 && this.table.count >= max && !this.earlyDrop(now)) {
      this.kernel.log.write("warn", "nf_conntrack: nf_conntrack: table full, dropping packet");
      return -2;
    }
    const t = this.table;
    const slot = t.alloc();
    if (this.streamAt.length < t.capacity) {
      const grown = new Float64Array(t.capacity);
      grown.set(this.streamAt);
      this.streamAt = grown;
    }
    t.setTuple(slot, 0, this.orig);
    t.setTuple(slot, 1, this.repl);
    t.expires[slot] = now;
    let exp: Expectation | null = null;
    if (this.expectations.length > 0) exp = this.findExpectation(this.orig, now);
    if (exp !== null) {
      t.status[slot] = Ips.EXPECTED;
      t.master[slot] = exp.master;
      t.mark[slot] = t.mark[exp.master] as number;
      this.stats.expectNew++;
    } else this.assignHelper(slot, skb);
    if (exp?.expectfn) {
      try {
        exp.expectfn(slot, exp, now);
      } catch (e) {
        const h = this.helpers[exp.helper];
        if (h) this.kernel.modules.taintByThrow(h.owner, `helper ${h.spec.name} expectfn`, e);
      }
    }
    return slot;
  }

  /** Evicts one connection that is expired or not yet assured, as early_drop does. */
  private earlyDrop(now: number): boolean {
    const t = this.table;
    for (let n = 0; n < 128 && n < t.capacity; n++) {
      const s = this.evictCursor;
      this.evictCursor = (this.evictCursor + 1) % t.capacity;
      if (t.id[s] === 0 || ((t.status[s] as number) & Ips.CONFIRMED) === 0) continue;
      if ((t.expires[s] as number) <= now || ((t.status[s] as number) & Ips.ASSURED) === 0) {
        this.destroy(s);
        this.stats.earlyDrop++;
        return true;
      }
    }
    return false;
  }

  /**
   * Helper from the CT template, or (legacy, nf_conntrack_helper=1) by the
   * reply tuple's source port; otherwise warn once that automatic
   * assignment is off, when a helper would have matched.
   */
  private assignHelper(slot: number, skb: Skb): void {
    const tmpl = skb.ctTemplate as { helper?: RegisteredHelper } | null;
    let h: RegisteredHelper | undefined = tmpl?.helper;
    if (h === undefined && !tmpl) {
      const l3 = skb.family === 4 ? "ipv4" : "ipv6";
      const l4 = this.orig.proto === 6 ? "tcp" : this.orig.proto === 17 ? "udp" : null;
      if (l4 !== null && this.kernel.helpers.list().length > 0) {
        const byPort = this.kernel.helpers.findByPort(l3, l4, this.repl.sport);
        if (byPort) {
          const auto =
            this.kernel.sysctl.has("net.netfilter.nf_conntrack_helper") &&
            this.kernel.sysctl.get("net.netfilter.nf_conntrack_helper") === 1;
          if (auto) h = byPort;
          else if (!this.autoHelperWarned) {
            this.autoHelperWarned = true;
            this.kernel.log.write(
              "info",
              "nf_conntrack: default automatic helper assignment has been turned off for security reasons and CT-based  firewall rule not found. Use the iptables CT target to attach helpers instead.",
            );
          }
        }
      }
    }
    if (h === undefined || !this.kernel.modules.tryGet(h.owner)) return;
    let idx = this.helpers.indexOf(h);
    if (idx < 0) {
      idx = this.helpers.indexOf(null);
      if (idx < 0) idx = this.helpers.push(h) - 1;
      else this.helpers[idx] = h;
    }
    this.table.helper[slot] = idx;
    this.table.status[slot] = (this.table.status[slot] as number) | Ips.HELPER;
  }

  /** nf_confirm: run the helper, then put a new connection into the table. */
  confirm(skb: Skb): NfVerdict {
    const slot = skb.ct;
    if (slot < 0) return NfVerdict.ACCEPT;
    const t = this.table;
    // No helper ever referenced: no slot can have one, and its helper cell stays unread.
    const h = this.helpers.length === 0 ? null : this.helperOf(slot);
    if (h && skb.ctinfo !== CtInfo.RELATED_REPLY) {
      let v: number;
      try {
        this.handle.slot = slot;
        v = h.spec.help(skb, skb.l4Offset, this.handle, skb.ctinfo as CtInfo);
      } catch (e) {
        this.kernel.modules.taintByThrow(h.owner, `helper ${h.spec.name}`, e);
        v = 0;
      }
      if (v !== NF_ACCEPT) {
        if (((t.status[slot] as number) & Ips.CONFIRMED) === 0) this.freeUnconfirmed(slot);
        skb.ct = -1;
        return NfVerdict.DROP;
      }
    }
    // nf_ct_seq_adjust, after the helper (which may have just mangled this
    // very segment). Linux would also run it on an ICMP error travelling in
    // the original direction, rewriting bytes that are not a TCP header;
    // ctkit adjusts TCP segments only.
    if (
      ((t.status[slot] as number) & Ips.SEQ_ADJUST) !== 0 &&
      skb.ctinfo !== CtInfo.RELATED_REPLY &&
      skb.l4Proto === 6 &&
      !this.seqadj.adjust(
        slot,
        skb.ctinfo >= IP_CT_IS_REPLY ? 1 : 0,
        skb.data,
        skb.l4Offset,
        skb.l3Offset + skb.l3Length - skb.l4Offset,
      )
    ) {
      this.stats.drop++;
      if (((t.status[slot] as number) & Ips.CONFIRMED) === 0) this.freeUnconfirmed(slot);
      skb.ct = -1;
      return NfVerdict.DROP;
    }
    const st = t.status[slot] as number;
    // A reply-direction packet on an unconfirmed connection is one attached
    // to it (an ICMP error or RST answering its first packet): it must not
    // confirm the connection, as __nf_conntrack_confirm refuses it.
    const updated = this.updated;
    this.updated = -1;
    if ((st & Ips.CONFIRMED) === 0 && skb.ctinfo < IP_CT_IS_REPLY) {
      // __nf_conntrack_confirm: a tuple already in the table (NAT found no
      // free one, e.g. an exhausted port range) loses: the packet is dropped.
      t.getTuple(slot, 1, this.repl);
      if (t.find(this.repl) >= 0) {
        this.stats.drop++;
        this.stats.insertFailed++;
        this.freeUnconfirmed(slot);
        skb.ct = -1;
        return NfVerdict.DROP;
      }
      t.status[slot] = st | Ips.CONFIRMED;
      t.insert(slot);
      this.stats.insert++;
      this.emit("NEW", slot);
    } else if (updated === slot) {
      // The event cache: at most one UPDATE per packet, delivered at confirm.
      this.emit("UPDATE", slot);
    }
    return NfVerdict.ACCEPT;
  }

  /**
   * End of a packet's life: a connection it created but that never got
   * confirmed (the packet was dropped or consumed) goes away with it.
   */
  release(skb: Skb): void {
    const slot = skb.ct;
    if (
      slot >= 0 &&
      this.table.isLive(slot) &&
      ((this.table.status[slot] as number) & Ips.CONFIRMED) === 0
    ) {
      this.freeUnconfirmed(slot);
    }
    skb.ct = -1;
    skb.ctinfo = -1;
  }

  private freeUnconfirmed(slot: number): void {
    this.dropHelper(slot);
    this.forgetExtensions(slot);
    this.table.free(slot);
  }

  /**
   * Per-connection state kept outside the table. The PPTP helper's destroy
   * already removed its keymap entries; a helper that failed to do so
   * must not leave keys behind that a reused slot would inherit.
   */
  private forgetExtensions(slot: number): void {
    this.seqadj.free(slot);
    if (this.greKeymap.size > 0) this.greKeymap.destroy(slot, this.table.id[slot] as number);
  }

  private dropHelper(slot: number): void {
    const h = this.helperOf(slot);
    if (!h) return;
    try {
      if (h.spec.destroy) {
        this.handle.slot = slot;
        h.spec.destroy(this.handle);
      }
    } catch (e) {
      this.kernel.modules.taintByThrow(h.owner, `helper ${h.spec.name} destroy`, e);
    }
    this.helperData.delete(slot);
    this.table.helper[slot] = -1;
    this.kernel.modules.put(h.owner);
  }

  /** Removes a confirmed connection: its expectations, helper reference, hash entries. */
  destroy(slot: number): void {
    const t = this.table;
    if (!t.isLive(slot)) return;
    this.removeExpectationsOf(slot);
    this.emit("DESTROY", slot);
    this.dropHelper(slot);
    if ((t.status[slot] as number) & Ips.CONFIRMED) t.remove(slot);
    this.forgetExtensions(slot);
    t.free(slot);
  }

  /**
   * nf_conntrack_alter_reply: NAT changed what the reply direction looks
   * like. A confirmed connection is re-hashed under its new reply tuple.
   */
  alterReply(slot: number, reply: Tuple): void {
    const t = this.table;
    const confirmed = ((t.status[slot] as number) & Ips.CONFIRMED) !== 0;
    if (confirmed) t.remove(slot);
    t.setTuple(slot, 1, reply);
    if (confirmed) t.insert(slot);
  }

  private readonly takenA = new Tuple();
  private readonly takenB = new Tuple();

  /**
   * nf_conntrack_tuple_taken: whether a confirmed connection other than
   * `ignored` has the tuple in either direction. Expired ones are reaped on
   * the way; one with the same original tuple as `ignored` (the same flow)
   * does not count.
   */
  tupleTaken(tuple: Tuple, ignored: number, now: number): boolean {
    for (;;) {
      const v = this.table.find(tuple);
      if (v < 0) return false;
      const s = v >> 1;
      if (s === ignored) return false;
      if ((this.table.expires[s] as number) <= now) {
        this.destroy(s);
        continue;
      }
      if (ignored >= 0) {
        this.table.getTuple(ignored, 0, this.takenA);
        this.table.getTuple(s, 0, this.takenB);
        if (this.takenA.equals(this.takenB)) return false;
      }
      return true;
    }
  }

  /**
   * nf_nat_used_tuple_harder: whether `reply` stays taken for the new
   * connection `slot`. A new TCP connection (still SYN_SENT) may take the
   * tuple of an old one that has finished (TIME_WAIT or later, was
   * source-NATed, not dying or fixed) when its SYN is past the old one's sequence
   * space: the old connection is killed. Anything else: tupleTaken.
   */
  takenUnlessEvictable(reply: Tuple, slot: number, now: number): boolean {
    const tcp = this.tcpTracker;
    const t = this.table;
    if (tcp === null || t.proto[slot] !== 6 || tcp.store.state(slot) !== TcpState.SynSent)
      return this.tupleTaken(reply, slot, now);
    const v = t.find(reply);
    if (v < 0) return false;
    const old = v >> 1;
    if ((t.expires[old] as number) <= now) {
      this.destroy(old);
      return false;
    }
    // Only a connection whose reply direction is this tuple can be evicted.
    if ((v & 1) === 0 || old === slot) return true;
    const st = t.status[old] as number;
    if (tcp.store.state(old) < TcpState.TimeWait) return true;
    if ((st & (Ips.FIXED_TIMEOUT | Ips.DYING)) !== 0 || (st & Ips.SRC_NAT) === 0) return true;
    if (((tcp.store.tdEnd(slot, 0) - tcp.store.tdEnd(old, 0)) | 0) <= 0) return true;
    this.kill(old);
    return false;
  }

  /** Drops expired connections and expectations (the GC worker). */
  gc(now: number): void {
    const t = this.table;
    for (let s = 0; s < t.capacity; s++) {
      if (
        t.id[s] !== 0 &&
        ((t.status[s] as number) & Ips.CONFIRMED) !== 0 &&
        (t.expires[s] as number) <= now
      )
        this.destroy(s);
    }
    for (let i = this.expectations.length - 1; i >= 0; i--) {
      if ((this.expectations[i] as Expectation).expires <= now) this.unlinkExpectation(i);
    }
  }

  /** conntrack -F. */
  flush(): number {
    let n = 0;
    for (const s of this.table.slots()) {
      if (((this.table.status[s] as number) & Ips.CONFIRMED) === 0) continue;
      this.destroy(s);
      n++;
    }
    return n;
  }

  get count(): number {
    return this.table.count;
  }

  /** TCP state name of a slot, for listings ("" without a TCP tracker). */
  tcpStateName(slot: number): string {
    return this.tcp ? this.tcp.stateName(slot) : "";
  }

  /** Confirmed, unexpired connections in id order (what conntrack -L dumps). */
  liveSlots(now: number): number[] {
    const t = this.table;
    return t
      .slots()
      .filter(
        (s) => ((t.status[s] as number) & Ips.CONFIRMED) !== 0 && (t.expires[s] as number) > now,
      );
  }

  // ---- helper data and expectations ----

  dataOf(slot: number): Record<string, unknown> {
    let d = this.helperData.get(slot);
    if (d === undefined) {
      d = {};
      this.helperData.set(slot, d);
    }
    return d;
  }

  /**
   * __nf_ct_expect_check + insert: replace an identical expectation of the
   * same master, refuse a clash (EBUSY), evict the master's oldest one of
   * the class at max_expected, refuse when the table is full (EMFILE).
   */
  expectRelated(exp: Expectation, now: number): 0 | ExpectError {
    const t = this.table;
    const h = this.helperOf(exp.master);
    if (!h) return "ESHUTDOWN";
    for (let i = 0; i < this.expectations.length; i++) {
      const e = this.expectations[i] as Expectation;
      if (e.master === exp.master && expectSame(e, exp)) {
        if (e.cls !== exp.cls) return "EALREADY";
        this.unlinkExpectation(i);
        break;
      }
    }
    for (const e of this.expectations) if (expectClash(e, exp)) return "EBUSY";
    const policy = h.spec.expectPolicy[exp.cls];
    if (policy) {
      const mine = this.expectations.filter((e) => e.master === exp.master && e.cls === exp.cls);
      if (mine.length >= policy.maxExpected && mine.length > 0) {
        const oldest = mine.reduce((a, b) => (a.seq < b.seq ? a : b));
        this.unlinkExpectation(this.expectations.indexOf(oldest));
        if (mine.length - 1 >= policy.maxExpected) return "EMFILE";
      }
    }
    const max = this.kernel.sysctl.has("net.netfilter.nf_conntrack_expect_max")
      ? this.kernel.sysctl.get("net.netfilter.nf_conntrack_expect_max")
      : 0;
    if (max > 0 && this.expectations.length >= max) {
      this.kernel.log.write("warn", "nf_conntrack: expectation table full");
      return "EMFILE";
    }
    exp.masterId = t.id[exp.master] as number;
    exp.helper = t.helper[exp.master] as number;
    exp.seq = ++this.expectSeq;
    exp.expires = now + (policy?.timeout ?? 300);
    this.expectations.push(exp);
    this.stats.expectCreate++;
    return 0;
  }

  /** nf_ct_find_expectation: skips expired/inactive ones and unconfirmed masters; consumes unless PERMANENT. */
  private findExpectation(t: Tuple, now: number): Expectation | null {
    for (let i = 0; i < this.expectations.length; i++) {
      const e = this.expectations[i] as Expectation;
      if (e.expires <= now || e.flags & ExpectFlag.INACTIVE) continue;
      if (!expectMatches(e, t)) continue;
      if (((this.table.status[e.master] as number) & Ips.CONFIRMED) === 0) return null;
      if ((e.flags & ExpectFlag.PERMANENT) === 0) this.unlinkExpectation(i);
      return e;
    }
    return null;
  }

  unlinkExpectation(i: number): void {
    this.expectations.splice(i, 1);
    this.stats.expectDelete++;
  }

  /**
   * NAT translated a connection that has a helper: the helper's NAT half
   * (ip_nat_NAME) must be there to rewrite what the helper finds. Linux
   * leaves loading it to the admin (or to nft's ct helper object); ctkit
   * requests it on demand, once, without holding a reference, so
   * `rmmod nf_nat_ftp` works when the admin wants it gone.
   */
  natHelperNeeded(slot: number): void {
    const mod = this.helperOf(slot)?.spec.natModName;
    if (!mod || this.kernel.helpers.findNat(mod) || this.natRequests.has(mod)) return;
    this.natRequests.add(mod);
    this.kernel.defer(
      this.kernel.modules.requestModule(mod).finally(() => this.natRequests.delete(mod)),
    );
  }

  /**
   * __nf_ct_expect_find: the live expectation a connection with tuple `t`
   * would match, without consuming it.
   */
  findExpectationFor(t: Tuple, now: number): Expectation | null {
    for (const e of this.expectations) {
      if (e.expires > now && expectMatches(e, t)) return e;
    }
    return null;
  }

  /** nf_conntrack_find_get: the live connection with `t` as either tuple, or -1. */
  findConn(t: Tuple, now: number): number {
    const v = this.table.find(t);
    if (v < 0) return -1;
    const slot = v >> 1;
    return (this.table.expires[slot] as number) > now ? slot : -1;
  }

  /** nf_ct_kill: the connection goes away now (DESTROY event, expectations, helper). */
  kill(slot: number): void {
    this.destroy(slot);
  }

  /** nf_ct_unexpect_related: removes `e` if it is still registered. */
  unexpect(e: Expectation): void {
    const i = this.expectations.indexOf(e);
    if (i >= 0) this.unlinkExpectation(i);
  }

  removeExpectationsOf(master: number): void {
    for (let i = this.expectations.length - 1; i >= 0; i--) {
      if ((this.expectations[i] as Expectation).master === master) this.unlinkExpectation(i);
    }
  }

  /**
   * A helper is being unregistered: detach it from every connection and
   * drop its expectations (nf_conntrack_helper_unregister).
   */
  detachHelper(h: RegisteredHelper): void {
    const idx = this.helpers.indexOf(h);
    if (idx < 0) return;
    for (let i = this.expectations.length - 1; i >= 0; i--) {
      if ((this.expectations[i] as Expectation).helper === idx) this.unlinkExpectation(i);
    }
    const t = this.table;
    for (let s = 0; s < t.capacity; s++)
      if (t.id[s] !== 0 && t.helper[s] === idx) this.dropHelper(s);
    this.helpers[idx] = null;
  }
}
