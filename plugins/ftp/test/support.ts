/**
 * A router with the ftp helper, driven with real packets: a client on
 * `lan`, a server on `wan`, forwarding on, the helper attached by a raw-table
 * CT rule (which loads nf_conntrack_ftp on demand from this package), and a
 * FORWARD filter that lets only the control connection and RELATED/
 * ESTABLISHED traffic through — so "the data connection passes" means the
 * helper's expectation made it RELATED.
 */
import { fileURLToPath } from "node:url";
import { type Expectation, expectLine, Kernel } from "@ctkit/kernel";
import { buildTcp } from "@ctkit/packet";

/** This package: a module directory holding exactly nf_conntrack_ftp. */
export const FTP_PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

export const V4 = {
  client: "10.0.0.2",
  server: "198.51.100.2",
  lanGw: "10.0.0.1",
  wanGw: "198.51.100.1",
};
export const V6 = {
  client: "2001:db8:1::2",
  server: "2001:db8:2::2",
  lanGw: "2001:db8:1::1",
  wanGw: "2001:db8:2::1",
};

const ACK = 0x10;
const PSH_ACK = 0x18;
const SYN = 0x02;
const SYN_ACK = 0x12;

export interface RigOptions {
  family?: 4 | 6;
  /** modprobe parameters, applied before the rule loads the module. */
  params?: string[];
  /** Server port of the control connection. */
  port?: number;
  /** Helper the CT rule names (default: "ftp" for 21, "ftp-PORT" otherwise). */
  helper?: string;
  /** Start time (seconds). */
  time?: number;
  /** MASQUERADE out of wan: the server then talks to the router's wan address. */
  masquerade?: boolean;
}

export interface Sent {
  ifname: string;
  bytes: Uint8Array;
}

/** One TCP connection through the router, with sequence numbers kept right. */
export class FtpRig {
  readonly out: Sent[] = [];
  /** Next sequence number each side sends (0 client, 1 server). */
  readonly nextSeq = [1000, 50000];
  clientPort = 40000;
  time: number;
  /** The client's address as the server sees it (the wan address when masqueraded). */
  clientSeen: string;

  private constructor(
    readonly k: Kernel,
    readonly family: 4 | 6,
    readonly port: number,
    time: number,
  ) {
    this.time = time;
    this.clientSeen = this.addrs.client;
  }

  static async create(o: RigOptions = {}): Promise<FtpRig> {
    const family = o.family ?? 4;
    const port = o.port ?? 21;
    const rig: FtpRig = new FtpRig(
      new Kernel({
        clock: (): number => rig.time,
        modulePath: [{ path: FTP_PACKAGE_DIR, origin: "workspace" }],
      }),
      family,
      port,
      o.time ?? 1000,
    );
    const k = rig.k;
    const a = family === 4 ? V4 : V6;
    const plen = family === 4 ? 24 : 64;
    const ip = (args: string[]) => {
      const r = k.net.ip(family === 4 ? args : ["-6", ...args]);
      if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
    };
    ip(["addr", "add", `${a.lanGw}/${plen}`, "dev", "lan"]);
    ip(["addr", "add", `${a.wanGw}/${plen}`, "dev", "wan"]);
    // Room for whole huge lines in one segment (as over loopback or with GRO).
    for (const dev of ["lan", "wan"]) ip(["link", "set", "dev", dev, "mtu", "65535"]);
    k.sysctl.set(family === 4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding", "1");
    if (o.params) await k.modules.probe("nf_conntrack_ftp", { params: o.params });
    const helper = o.helper ?? (port === 21 ? "ftp" : `ftp-${port}`);
    await rig.iptables(`-t raw -A PREROUTING -p tcp --dport ${port} -j CT --helper ${helper}`);
    await rig.iptables("-P FORWARD DROP");
    await rig.iptables("-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT");
    await rig.iptables(`-A FORWARD -p tcp --dport ${port} -j ACCEPT`);
    if (o.masquerade) {
      await rig.iptables("-t nat -A POSTROUTING -o wan -j MASQUERADE");
      rig.clientSeen = a.wanGw;
    }
    k.net.setTransmit((ifindex, data, off, len) => {
      rig.out.push({ ifname: k.net.deviceName(ifindex), bytes: data.slice(off, off + len) });
    });
    return rig;
  }

  async iptables(line: string): Promise<void> {
    // Rejects with iptables' own message when the command fails.
    await this.k.xtables.apply(this.family, line.split(" "));
    await this.k.settle();
  }

  get addrs(): typeof V4 {
    return this.family === 4 ? V4 : V6;
  }

  /** Feeds one packet; true when the router forwarded it (and sent nothing else). */
  feed(fromClient: boolean, bytes: Uint8Array): boolean {
    const before = this.out.length;
    const dev = this.k.net.deviceIndex(fromClient ? "lan" : "wan");
    this.k.receive(dev, bytes, 0, bytes.length, this.time);
    const sent = this.out.slice(before);
    return sent.length === 1 && sent[0]?.ifname === (fromClient ? "wan" : "lan");
  }

  /** A TCP segment of the control connection. */
  segment(
    fromClient: boolean,
    flags: number,
    payload: Uint8Array | string,
    seq?: number,
  ): Uint8Array {
    const a = this.addrs;
    const me = fromClient ? 0 : 1;
    return buildTcp({
      src: fromClient ? a.client : a.server,
      dst: fromClient ? a.server : this.clientSeen,
      sport: fromClient ? this.clientPort : this.port,
      dport: fromClient ? this.port : this.clientPort,
      seq: seq ?? (this.nextSeq[me] as number),
      ack: flags & ACK ? (this.nextSeq[1 - me] as number) : 0,
      flags,
      payload,
    });
  }

  handshake(): void {
    const step = (fromClient: boolean, flags: number) => {
      if (!this.feed(fromClient, this.segment(fromClient, flags, "")))
        throw new Error(`handshake segment ${flags} not forwarded`);
    };
    step(true, SYN);
    this.nextSeq[0] = 1001;
    step(false, SYN_ACK);
    this.nextSeq[1] = 50001;
    step(true, ACK);
  }

  /**
   * Sends data from one side and advances its sequence number (whether or
   * not the router forwarded it: a dropped segment is retransmitted with
   * `resend`). Returns whether it was forwarded.
   */
  send(fromClient: boolean, payload: Uint8Array | string): boolean {
    const me = fromClient ? 0 : 1;
    const seg = this.segment(fromClient, PSH_ACK, payload);
    const len = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
    this.nextSeq[me] = ((this.nextSeq[me] as number) + len) >>> 0;
    return this.feed(fromClient, seg);
  }

  /** Sends a segment at an explicit sequence number (a retransmission), without moving nextSeq. */
  resend(fromClient: boolean, payload: Uint8Array | string, seq: number): boolean {
    return this.feed(fromClient, this.segment(fromClient, PSH_ACK, payload, seq));
  }

  /** The greeting and the first command: each side's first segment is never parsed, later ones are. */
  openSession(): void {
    this.handshake();
    if (!this.send(false, "220 ready\r\n")) throw new Error("greeting dropped");
    if (!this.send(true, "USER ftp\r\n")) throw new Error("USER dropped");
  }

  /** A SYN of the data connection; true when the FORWARD filter let it through (RELATED). */
  dataSyn(fromServer: boolean, src: string, dst: string, sport: number, dport: number): boolean {
    const p = buildTcp({ src, dst, sport, dport, seq: 7, flags: SYN });
    return this.feed(!fromServer, p);
  }

  expectations(): readonly Expectation[] {
    return this.k.conntrack.expectations;
  }

  /** `conntrack -L expect` lines. */
  expectLines(): string[] {
    return this.k.conntrack.expectations.map((e) => expectLine(this.k.conntrack, e, this.time));
  }

  /** Kernel log texts written since the rig was built. */
  logs(): string[] {
    return this.k.log.all().map((l) => l.text);
  }
}
