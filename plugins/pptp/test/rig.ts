/**
 * A router between PPTP clients (PNS) on `lan` and a PPTP server (PAC) on
 * `wan`, driven with real packets through the module loader: the pptp
 * helper attached by a raw-table CT rule (loading nf_conntrack_pptp on
 * demand from this workspace), optionally MASQUERADE out of wan (and with
 * it nf_nat_pptp), optionally a FORWARD filter that lets through only the
 * control connection and what conntrack calls ESTABLISHED or RELATED.
 *
 * Every packet the router sends is checked for correct IPv4 and TCP
 * checksums, so a rewrite that breaks them fails the test that made it.
 */
import { fileURLToPath } from "node:url";
import { connLine, expectLine, Kernel, Tuple } from "@ctkit/kernel";
import {
  buildGreV1,
  buildTcp,
  checksumIsValid,
  formatIpv4,
  ipv4PseudoHeaderSum,
  parseIpv4,
  readU16,
  readU32,
} from "@ctkit/packet";
import { field16, msg as msgOf } from "./messages.js";

export const PPTP_DIR = fileURLToPath(new URL("..", import.meta.url));
export const NAT_PPTP_DIR = fileURLToPath(new URL("../../nat-pptp", import.meta.url));

export const PAC = "198.51.100.2";
export const WAN = "198.51.100.1";

const SYN = 0x02;
const SYN_ACK = 0x12;
const ACK = 0x10;
const PSH_ACK = 0x18;
const FIN_ACK = 0x11;

export interface RigOptions {
  /** Attach the pptp helper with a CT rule (default true). */
  helper?: boolean;
  /** MASQUERADE out of wan (default true). */
  masquerade?: boolean;
  /** FORWARD policy DROP, accepting ESTABLISHED/RELATED and new TCP to 1723. */
  filter?: boolean;
  /** modprobe nf_nat_pptp with these parameters first (null: leave it to on-demand loading). */
  natParams?: string[] | null;
  /** Whether nf_nat_pptp can be found at all (default true). */
  natModule?: boolean;
  time?: number;
}

export interface Sent {
  ifname: string;
  bytes: Uint8Array;
}

/** One IPv4 packet as the router sent it. */
export interface Out {
  src: string;
  dst: string;
  proto: number;
  /** TCP ports, or GRE: sport 0, dport = call ID. */
  sport: number;
  dport: number;
  payload: Uint8Array;
}

export function parseOut(b: Uint8Array): Out {
  const ihl = ((b[0] as number) & 0x0f) * 4;
  if (!checksumIsValid(b, 0, ihl)) throw new Error("router sent a bad IPv4 header checksum");
  const total = readU16(b, 2);
  const proto = b[9] as number;
  const src = readU32(b, 12);
  const dst = readU32(b, 16);
  if (proto === 6) {
    const len = total - ihl;
    if (!checksumIsValid(b, ihl, len, ipv4PseudoHeaderSum(src, dst, 6, len)))
      throw new Error("router sent a bad TCP checksum");
    const doff = ((b[ihl + 12] as number) >>> 4) * 4;
    return {
      src: formatIpv4(src),
      dst: formatIpv4(dst),
      proto,
      sport: readU16(b, ihl),
      dport: readU16(b, ihl + 2),
      payload: b.slice(ihl + doff, total),
    };
  }
  if (proto === 47) {
    return {
      src: formatIpv4(src),
      dst: formatIpv4(dst),
      proto,
      sport: 0,
      dport: readU16(b, ihl + 6),
      payload: b.slice(ihl, total),
    };
  }
  return { src: formatIpv4(src), dst: formatIpv4(dst), proto, sport: 0, dport: 0, payload: b };
}

export class Rig {
  readonly out: Sent[] = [];
  time: number;

  private constructor(
    readonly k: Kernel,
    time: number,
  ) {
    this.time = time;
  }

  static async create(o: RigOptions = {}): Promise<Rig> {
    const rig: Rig = new Rig(
      new Kernel({
        clock: (): number => rig.time,
        modulePath: [
          { path: PPTP_DIR, origin: "workspace" },
          ...(o.natModule === false ? [] : [{ path: NAT_PPTP_DIR, origin: "workspace" as const }]),
        ],
      }),
      o.time ?? 1000,
    );
    const k = rig.k;
    const ip = (args: string[]) => {
      const r = k.net.ip(args);
      if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
    };
    ip(["addr", "add", "10.0.0.1/24", "dev", "lan"]);
    ip(["addr", "add", `${WAN}/24`, "dev", "wan"]);
    k.sysctl.set("net.ipv4.ip_forward", "1");
    const masquerade = o.masquerade ?? true;
    if (masquerade && o.natParams !== null)
      await k.modules.probe("nf_nat_pptp", { params: o.natParams ?? [] });
    if (o.helper ?? true)
      await rig.iptables("-t raw -A PREROUTING -p tcp --dport 1723 -j CT --helper pptp");
    if (masquerade) await rig.iptables("-t nat -A POSTROUTING -o wan -j MASQUERADE");
    if (o.filter) {
      await rig.iptables("-P FORWARD DROP");
      await rig.iptables("-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT");
      await rig.iptables("-A FORWARD -p tcp --dport 1723 -j ACCEPT");
    }
    k.net.setTransmit((ifindex, data, off, len) => {
      rig.out.push({ ifname: k.net.deviceName(ifindex), bytes: data.slice(off, off + len) });
    });
    return rig;
  }

  async iptables(line: string): Promise<void> {
    await this.k.xtables.apply(4, line.split(" "));
    await this.k.settle();
  }

  /** Feeds a packet arriving on `dev`; returns what the router sent because of it. */
  feed(dev: "lan" | "wan", bytes: Uint8Array): Sent[] {
    const before = this.out.length;
    this.k.receive(this.k.net.deviceIndex(dev), bytes, 0, bytes.length, this.time);
    return this.out.slice(before);
  }

  /** Feeds a packet and returns it as forwarded out of the other side, or null. */
  forward(dev: "lan" | "wan", bytes: Uint8Array): Out | null {
    const sent = this.feed(dev, bytes);
    const other = dev === "lan" ? "wan" : "lan";
    const fwd = sent.filter((s) => s.ifname === other);
    return fwd.length === 1 ? parseOut(fwd[0]?.bytes as Uint8Array) : null;
  }

  /** GRE from a PNS on lan to the PAC, keyed with `callId`; as forwarded, or null. */
  greFromPns(client: string, callId: number, seq = 1): Out | null {
    return this.forward("lan", buildGreV1({ src: client, dst: PAC, callId, seq }));
  }

  /** GRE from the PAC to `dst` (the public address through NAT), keyed `callId`. */
  greFromPac(dst: string, callId: number, seq = 1): Out | null {
    return this.forward("wan", buildGreV1({ src: PAC, dst, callId, seq, ack: 1 }));
  }

  advance(seconds: number): void {
    this.time += seconds;
    this.k.conntrack.gc(this.time);
  }

  /** `conntrack -L` lines, the kernel's order aside (sorted). */
  conntrackLines(): string[] {
    const ct = this.k.conntrack;
    return ct
      .liveSlots(this.time)
      .map((s) => connLine(ct, s, { now: this.time, acct: false }))
      .sort();
  }

  /** `conntrack -L expect` lines, sorted. */
  expectLines(): string[] {
    const ct = this.k.conntrack;
    return ct.expectations.map((e) => expectLine(ct, e, this.time)).sort();
  }

  /** GRE keymap entries as "dir src>dst skey/dkey" (hex keys). */
  keymap(): string[] {
    return this.k.conntrack.greKeymap
      .list()
      .map(
        (e) =>
          `${e.dir} ${formatIpv4(e.tuple.src[0] as number)}>${formatIpv4(e.tuple.dst[0] as number)} ${e.tuple.sport.toString(16)}/${e.tuple.dport.toString(16)}`,
      );
  }

  /** GRE connections as "orig | reply" tuples with hex keys. */
  greConns(): string[] {
    const ct = this.k.conntrack;
    const o = new Tuple();
    const r = new Tuple();
    const txt = (t: Tuple) =>
      `${formatIpv4(t.src[0] as number)}>${formatIpv4(t.dst[0] as number)} ${t.sport.toString(16)}/${t.dport.toString(16)}`;
    return ct
      .liveSlots(this.time)
      .filter((s) => ct.table.proto[s] === 47)
      .map((s) => {
        ct.table.getTuple(s, 0, o);
        ct.table.getTuple(s, 1, r);
        return `${txt(o)} | ${txt(r)}`;
      })
      .sort();
  }

  logs(): string[] {
    return this.k.log.all().map((l) => l.text);
  }
}

/** One PPTP control connection from a PNS on lan, with its TCP sequence numbers kept right. */
export class Control {
  readonly next = [1000, 50000];
  /** The PNS's address and port as the PAC sees them (learned from the forwarded SYN). */
  seenAddr = "";
  seenPort = 0;

  constructor(
    readonly rig: Rig,
    readonly client: string,
    readonly sport: number,
  ) {
    if (parseIpv4(client) === undefined) throw new Error(`bad client ${client}`);
  }

  private seg(fromPns: boolean, flags: number, payload: Uint8Array, seq?: number): Uint8Array {
    const me = fromPns ? 0 : 1;
    return buildTcp({
      src: fromPns ? this.client : PAC,
      dst: fromPns ? PAC : this.seenAddr,
      sport: fromPns ? this.sport : 1723,
      dport: fromPns ? 1723 : this.seenPort,
      seq: seq ?? (this.next[me] as number),
      ack: flags & ACK ? (this.next[1 - me] as number) : 0,
      flags,
      payload,
    });
  }

  handshake(): this {
    const syn = this.rig.forward("lan", this.seg(true, SYN, new Uint8Array(0)));
    if (syn === null) throw new Error("SYN not forwarded");
    this.seenAddr = syn.src;
    this.seenPort = syn.sport;
    this.next[0] = 1001;
    if (this.rig.forward("wan", this.seg(false, SYN_ACK, new Uint8Array(0))) === null)
      throw new Error("SYN/ACK not forwarded");
    this.next[1] = 50001;
    if (this.rig.forward("lan", this.seg(true, ACK, new Uint8Array(0))) === null)
      throw new Error("ACK not forwarded");
    return this;
  }

  /** A message from the PNS; the payload the PAC receives, or null when dropped. */
  pns(m: Uint8Array): Uint8Array | null {
    const seg = this.seg(true, PSH_ACK, m);
    this.next[0] = ((this.next[0] as number) + m.length) >>> 0;
    return this.rig.forward("lan", seg)?.payload ?? null;
  }

  /** A message from the PAC; the payload the PNS receives, or null. */
  pac(m: Uint8Array): Uint8Array | null {
    const seg = this.seg(false, PSH_ACK, m);
    this.next[1] = ((this.next[1] as number) + m.length) >>> 0;
    return this.rig.forward("wan", seg)?.payload ?? null;
  }

  /** The PNS retransmits its last message `m` (same sequence number). */
  pnsAgain(m: Uint8Array): Uint8Array | null {
    const seq = ((this.next[0] as number) - m.length) >>> 0;
    return this.rig.forward("lan", this.seg(true, PSH_ACK, m, seq))?.payload ?? null;
  }

  /** Both sides close: FIN, FIN, last ACK. */
  close(): void {
    this.rig.forward("lan", this.seg(true, FIN_ACK, new Uint8Array(0)));
    this.next[0] = ((this.next[0] as number) + 1) >>> 0;
    this.rig.forward("wan", this.seg(false, FIN_ACK, new Uint8Array(0)));
    this.next[1] = ((this.next[1] as number) + 1) >>> 0;
    this.rig.forward("lan", this.seg(true, ACK, new Uint8Array(0)));
  }

  /** The conntrack slot of this control connection. */
  slot(): number {
    const t = new Tuple();
    t.family = 4;
    t.proto = 6;
    t.src[0] = parseIpv4(this.client) as number;
    t.dst[0] = parseIpv4(PAC) as number;
    t.sport = this.sport;
    t.dport = 1723;
    return this.rig.k.conntrack.findConn(t, this.rig.time);
  }
}

/** Start-Control-Connection request and OK reply. */
export function startSession(c: Control): void {
  if (c.pns(msgOf(1)) === null) throw new Error("Start-Control-Connection-Request dropped");
  if (c.pac(msgOf(2, { result: 1 })) === null)
    throw new Error("Start-Control-Connection-Reply dropped");
}

export interface CallIds {
  /** The call ID the PAC received in the Outgoing-Call-Request (NAT may change it). */
  atPac: number;
  /** The peer's call ID the PNS received in the reply (its own, if NAT put it back). */
  atPns: number;
}

/** Outgoing-Call-Request with the PNS's `pnsCallId`, answered by the PAC with `pacCallId`. */
export function outgoingCall(
  c: Control,
  pnsCallId: number,
  pacCallId: number,
  result = 1,
): CallIds {
  const req = c.pns(msgOf(7, { callId: pnsCallId }));
  if (req === null) throw new Error("Outgoing-Call-Request dropped");
  const atPac = field16(req, 12);
  const rep = c.pac(msgOf(8, { callId: pacCallId, peerCallId: atPac, result }));
  if (rep === null) throw new Error("Outgoing-Call-Reply dropped");
  return { atPac, atPns: field16(rep, 14) };
}
