/**
 * Flows in progress, struct-of-arrays over a fixed pool of slots, and the
 * step machine that makes each flow's next packet with correct TCP
 * sequence and acknowledgment numbers:
 *   TCP   SYN, SYN-ACK, ACK, r × (client data, server data), FIN, FIN, ACK
 *   UDP   r × (request, reply)
 *   ICMP  r × (echo request, echo reply), same id, sequence 1..r
 * plus the optional half round (one more client packet) before the end.
 */
import { type PacketEncoder, TcpFlag } from "../encode.js";
import type { Prng } from "../prng.js";
import { flowPackets, Proto } from "./plan.js";

/** Direction of a packet: client→server goes to lan-in, server→client to wan-in. */
export const Dir = { CLIENT: 0, SERVER: 1 } as const;

const CLIENT_WINDOW = 64240;
const SERVER_WINDOW = 65160;
const TCP_PORTS = [80, 443, 443, 22, 8080];
const UDP_PORTS = [53, 53, 123, 443];
const PING_PAYLOAD = 56;
const SERVER_NETS = [0xc6336400, 0xcb007100]; // 198.51.100.0/24, 203.0.113.0/24

/**
 * Where replies go and how clients pick ports. The plain capture is routed:
 * replies go to the client, ports are random. A capture for a source-NAT
 * router sends the replies to the router's public address, and gives every
 * flow its own client port (and echo id), so that NAT can keep them and the
 * replies in the file are the ones the router expects.
 */
export interface FlowAddressing {
  /** 0: replies to the client; else the (NAT router's) address replies are sent to. */
  replyTo: number;
  /** Client port 1024 + k mod 64512 and echo id k mod 65536 for flow k. */
  portPerFlow: boolean;
}

export const ROUTED: FlowAddressing = { replyTo: 0, portPerFlow: false };

/** Client port of flow k with portPerFlow: unique among up to 64512 flows. */
export function flowPort(k: number): number {
  return 1024 + (k % 64512);
}

/** 10.0.0.0/8 address of flow k: a bijection of k+1 on 24 bits, so every flow has its own. */
export function clientAddress(k: number): number {
  return (0x0a000000 | (Math.imul(k + 1, 0x9e3779b1) & 0xffffff)) >>> 0;
}

export class FlowPool {
  /** Slots in use: 0..active-1. */
  active = 0;
  private readonly proto: Uint8Array;
  private readonly step: Uint32Array;
  private readonly steps: Uint32Array;
  private readonly rounds: Uint32Array;
  private readonly half: Uint8Array;
  private readonly client: Uint32Array;
  private readonly server: Uint32Array;
  private readonly sport: Uint16Array;
  private readonly dport: Uint16Array;
  /** TCP: next sequence number of each side. ICMP: cseq holds the echo id. */
  private readonly cseq: Uint32Array;
  private readonly sseq: Uint32Array;

  constructor(
    size: number,
    private readonly maxPayload: number,
    private readonly addressing: FlowAddressing = ROUTED,
  ) {
    this.proto = new Uint8Array(size);
    this.step = new Uint32Array(size);
    this.steps = new Uint32Array(size);
    this.rounds = new Uint32Array(size);
    this.half = new Uint8Array(size);
    this.client = new Uint32Array(size);
    this.server = new Uint32Array(size);
    this.sport = new Uint16Array(size);
    this.dport = new Uint16Array(size);
    this.cseq = new Uint32Array(size);
    this.sseq = new Uint32Array(size);
  }

  /** Starts flow k in slot `s`. */
  start(s: number, k: number, proto: Proto, rounds: number, half: boolean, rng: Prng): void {
    this.proto[s] = proto;
    this.step[s] = 0;
    this.steps[s] = flowPackets(proto, rounds) + (half ? 1 : 0);
    this.rounds[s] = rounds;
    this.half[s] = half ? 1 : 0;
    this.client[s] = clientAddress(k);
    this.server[s] = ((SERVER_NETS[rng.below(2)] as number) | rng.between(1, 254)) >>> 0;
    this.sport[s] = rng.between(32768, 60999);
    const ports = proto === Proto.TCP ? TCP_PORTS : UDP_PORTS;
    this.dport[s] = proto === Proto.ICMP ? 0 : (ports[rng.below(ports.length)] as number);
    this.cseq[s] = proto === Proto.ICMP ? rng.below(65536) : rng.u32();
    this.sseq[s] = rng.u32();
    // After the draws above, so both addressings give the same flows otherwise.
    if (this.addressing.portPerFlow) {
      this.sport[s] = flowPort(k);
      if (proto === Proto.ICMP) this.cseq[s] = k & 0xffff;
    }
  }

  protoOf(s: number): Proto {
    return this.proto[s] as Proto;
  }

  isDone(s: number): boolean {
    return this.step[s] === this.steps[s];
  }

  /** Moves the flow in slot `from` to slot `to` (to fill a finished flow's hole). */
  move(from: number, to: number): void {
    this.proto[to] = this.proto[from] as number;
    this.step[to] = this.step[from] as number;
    this.steps[to] = this.steps[from] as number;
    this.rounds[to] = this.rounds[from] as number;
    this.half[to] = this.half[from] as number;
    this.client[to] = this.client[from] as number;
    this.server[to] = this.server[from] as number;
    this.sport[to] = this.sport[from] as number;
    this.dport[to] = this.dport[from] as number;
    this.cseq[to] = this.cseq[from] as number;
    this.sseq[to] = this.sseq[from] as number;
  }

  /** Writes slot s's next packet into `enc`; returns its length, direction in `lastDir`. */
  emit(s: number, enc: PacketEncoder, rng: Prng): number {
    const step = this.step[s] as number;
    this.step[s] = step + 1;
    const proto = this.proto[s] as Proto;
    if (proto === Proto.TCP) return this.tcp(s, step, enc, rng);
    const r2 = 2 * (this.rounds[s] as number);
    // Past the rounds only the half round is left: one more client packet.
    const fromServer = step < r2 && step % 2 === 1;
    this.address(s, fromServer, enc);
    if (proto === Proto.UDP) {
      return enc.udp(fromServer ? this.payload(rng, 40, 512) : this.payload(rng, 20, 120));
    }
    const seq = (step >>> 1) + 1;
    const ping = Math.min(PING_PAYLOAD, this.maxPayload);
    return enc.icmpEcho(fromServer ? 0 : 8, this.cseq[s] as number, seq, ping);
  }

  /** Direction of the packet the last emit() made. */
  lastDir: 0 | 1 = 0;

  private address(s: number, fromServer: boolean, enc: PacketEncoder): void {
    this.lastDir = fromServer ? Dir.SERVER : Dir.CLIENT;
    const c = this.client[s] as number;
    const v = this.server[s] as number;
    const cp = this.sport[s] as number;
    const vp = this.dport[s] as number;
    enc.src = fromServer ? v : c;
    enc.dst = fromServer ? this.addressing.replyTo || c : v;
    enc.sport = fromServer ? vp : cp;
    enc.dport = fromServer ? cp : vp;
  }

  private payload(rng: Prng, lo: number, hi: number): number {
    const max = this.maxPayload;
    return rng.between(Math.min(lo, max), Math.min(hi, max));
  }

  private tcp(s: number, step: number, enc: PacketEncoder, rng: Prng): number {
    const r2 = 2 * (this.rounds[s] as number);
    const c = this.cseq[s] as number;
    const v = this.sseq[s] as number;
    const { Syn, Ack, Psh, Fin } = TcpFlag;
    if (step === 0) {
      this.address(s, false, enc);
      this.cseq[s] = c + 1;
      return enc.tcp(c, 0, Syn, CLIENT_WINDOW, 0, true);
    }
    if (step === 1) {
      this.address(s, true, enc);
      this.sseq[s] = v + 1;
      return enc.tcp(v, c, Syn | Ack, SERVER_WINDOW, 0, true);
    }
    if (step === 2) {
      this.address(s, false, enc);
      return enc.tcp(c, v, Ack, CLIENT_WINDOW, 0);
    }
    let d = step - 3;
    const half = this.half[s] as number;
    if (d < r2 + half) {
      // Data: client on even steps (and the half round), server on odd ones.
      const fromServer = d < r2 && d % 2 === 1;
      this.address(s, fromServer, enc);
      if (fromServer) {
        const n = this.payload(rng, 64, 1400);
        this.sseq[s] = v + n;
        return enc.tcp(v, c, Psh | Ack, SERVER_WINDOW, n);
      }
      const n = this.payload(rng, 32, 512);
      this.cseq[s] = c + n;
      return enc.tcp(c, v, Psh | Ack, CLIENT_WINDOW, n);
    }
    d -= r2 + half;
    if (d === 0) {
      this.address(s, false, enc);
      this.cseq[s] = c + 1;
      return enc.tcp(c, v, Fin | Ack, CLIENT_WINDOW, 0);
    }
    if (d === 1) {
      this.address(s, true, enc);
      this.sseq[s] = v + 1;
      return enc.tcp(v, c, Fin | Ack, SERVER_WINDOW, 0);
    }
    this.address(s, false, enc);
    return enc.tcp(c, v, Ack, CLIENT_WINDOW, 0);
  }
}
