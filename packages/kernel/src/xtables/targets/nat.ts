/**
 * The NAT targets of the nat table: SNAT, DNAT, MASQUERADE, REDIRECT
 * (libxt_NAT). The rule engine only parses, checks and lists them; the NAT
 * engine executes the NatTarget a matching rule carries (see
 * Xtables.natLookup). Parsing follows libxt_NAT's parse_to/parse_ports:
 * "ADDR[-ADDR][:PORT[-PORT]]", IPv6 addresses in brackets when a port
 * follows, ports need -p tcp/udp/sctp/dccp/icmp.
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "@ctkit/packet";
import { Hook } from "../../net/hooks.js";
import { type Program, paramProblem } from "../errors.js";
import type { OptDef, ParseContext } from "../ext.js";
import { getServByNameAny } from "../netdb.js";
import { strtouiPrefix } from "../strtoul.js";
import { hookBit, Target } from "./target.js";

/** NF_NAT_RANGE_* flags of struct nf_nat_range2. */
export const NatRangeFlag = {
  MAP_IPS: 1 << 0,
  PROTO_SPECIFIED: 1 << 1,
  PROTO_RANDOM: 1 << 2,
  PERSISTENT: 1 << 3,
  PROTO_RANDOM_FULLY: 1 << 4,
} as const;

export type NatKind = "SNAT" | "DNAT" | "MASQUERADE" | "REDIRECT";

/** What a NAT rule tells the NAT engine (struct nf_nat_range2). */
export interface NatTarget {
  readonly kind: NatKind;
  readonly family: 4 | 6;
  /** OR of NatRangeFlag. */
  readonly flags: number;
  /** IPv4 address range (family 4, when MAP_IPS), unsigned 32-bit. */
  readonly minAddr4: number;
  readonly maxAddr4: number;
  /** IPv6 address range (family 6, when MAP_IPS), 16 bytes each. */
  readonly minAddr6: Uint8Array | null;
  readonly maxAddr6: Uint8Array | null;
  /** Port range (when PROTO_SPECIFIED). */
  readonly minPort: number;
  readonly maxPort: number;
}

const O_TO_DEST = 0;
const O_TO_SRC = 1;
const O_TO_PORTS = 2;
const O_RANDOM = 3;
const O_RANDOM_FULLY = 4;
const O_PERSISTENT = 5;

const random: OptDef = { name: "random", id: O_RANDOM, hasArg: false };
const randomFully: OptDef = { name: "random-fully", id: O_RANDOM_FULLY, hasArg: false };
const persistent: OptDef = { name: "persistent", id: O_PERSISTENT, hasArg: false };

const SNAT_OPTS: readonly OptDef[] = [
  { name: "to-source", id: O_TO_SRC, hasArg: true, mand: true },
  random,
  randomFully,
  persistent,
];
const DNAT_OPTS: readonly OptDef[] = [
  { name: "to-destination", id: O_TO_DEST, hasArg: true, mand: true },
  random,
  persistent,
];
const MASQUERADE_OPTS: readonly OptDef[] = [
  { name: "to-ports", id: O_TO_PORTS, hasArg: true },
  random,
  randomFully,
];
const REDIRECT_OPTS: readonly OptDef[] = [
  { name: "to-ports", id: O_TO_PORTS, hasArg: true },
  random,
];

/** Protocols whose rules may name ports (libxt_NAT's portok). */
function portOk(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 33 || proto === 1;
}

class Range {
  flags = 0;
  min4 = 0;
  max4 = 0;
  min6: Uint8Array | null = null;
  max6: Uint8Array | null = null;
  minPort = 0;
  maxPort = 0;
}

function parsePorts(prog: Program, arg: string, portok: boolean, r: Range): void {
  if (!portok) throw paramProblem(prog, "Need TCP, UDP, SCTP or DCCP with port specification");
  r.flags |= NatRangeFlag.PROTO_SPECIFIED;
  let port: number;
  let rest: string;
  const first = strtouiPrefix(arg, 0, 65535);
  if (first === undefined) {
    const byName = getServByNameAny(arg);
    if (byName === undefined) throw paramProblem(prog, `Port \`${arg}' not valid`);
    port = byName;
    rest = "";
  } else {
    port = first.value;
    rest = first.rest;
  }
  if (rest === "") {
    r.minPort = r.maxPort = port;
    return;
  }
  if (rest[0] === ":") throw paramProblem(prog, "Invalid port:port syntax - use dash");
  if (rest[0] !== "-") throw paramProblem(prog, `Garbage after port value: \`${rest}'`);
  // A range: no service names here.
  const hiText = rest.slice(1);
  const hi = strtouiPrefix(hiText, 0, 65535);
  if (hi === undefined) throw paramProblem(prog, `Port \`${hiText}' not valid`);
  if (hi.value < port) throw paramProblem(prog, `Port range \`${hiText}' funky`);
  // Shifted port maps ("/base") are not supported.
  if (hi.rest !== "") throw paramProblem(prog, `Garbage after port range: \`${hi.rest}'`);
  r.minPort = port;
  r.maxPort = hi.value;
}

function parseTo(prog: Program, family: 4 | 6, orig: string, portok: boolean, r: Range): void {
  let start: string;
  /** Where the port part's colon is in `orig`, -1 for none. */
  let colon: number;
  const lb = orig.indexOf("[");
  if (lb < 0) {
    // One colon is port information, more make an IPv6 address.
    colon = orig.indexOf(":");
    if (colon >= 0 && orig.indexOf(":", colon + 1) >= 0) colon = -1;
    start = colon >= 0 ? orig.slice(0, colon) : orig;
  } else {
    // "[ADDR[-ADDR]]:PORT": what lies between "]" and the colon is ignored.
    const rb = orig.indexOf("]", lb + 1);
    if (rb < 0 || family === 4) throw paramProblem(prog, "Invalid address format");
    start = orig.slice(lb + 1, rb);
    colon = orig.indexOf(":", rb + 1);
  }
  if (colon >= 0) {
    parsePorts(prog, orig.slice(colon + 1), portok, r);
    // ":PORT" and "[]:PORT" carry no address. libxt_NAT tells them by the
    // colon's position alone, so any two characters before a lone colon
    // ("ab:80") are dropped the same way.
    if (colon === 0 || colon === 2) return;
  }
  r.flags |= NatRangeFlag.MAP_IPS;
  const dash = start.indexOf("-");
  const lo = dash >= 0 ? start.slice(0, dash) : start;
  const hi = dash >= 0 ? start.slice(dash + 1) : null;
  if (family === 4) {
    const a = parseIpv4(lo);
    if (a === undefined) throw paramProblem(prog, `Bad IP address "${lo}"`);
    const b = hi === null ? a : parseIpv4(hi);
    if (b === undefined) throw paramProblem(prog, `Bad IP address "${hi}"`);
    r.min4 = a;
    r.max4 = b;
  } else {
    const a = parseIpv6(lo);
    if (a === undefined) throw paramProblem(prog, `Bad IP address "${lo}"`);
    const b = hi === null ? a : parseIpv6(hi);
    if (b === undefined) throw paramProblem(prog, `Bad IP address "${hi}"`);
    r.min6 = a;
    r.max6 = b;
  }
}

/** sprint_range(): "1.2.3.4-1.2.3.10:1000-2000", "[2001:db8::1]:80". */
function sprintRange(family: 4 | 6, r: Range): string {
  const brackets = family === 6 && (r.flags & NatRangeFlag.PROTO_SPECIFIED) !== 0;
  let s = "";
  if ((r.flags & NatRangeFlag.MAP_IPS) !== 0) {
    const fmt = (v4: number, v6: Uint8Array | null) =>
      family === 4 ? formatIpv4(v4) : formatIpv6(v6 as Uint8Array);
    const lo = fmt(r.min4, r.min6);
    const hi = fmt(r.max4, r.max6);
    s = `${brackets ? "[" : ""}${lo}${hi !== lo ? `-${hi}` : ""}${brackets ? "]" : ""}`;
  }
  if ((r.flags & NatRangeFlag.PROTO_SPECIFIED) !== 0) {
    s += `:${r.minPort}${r.maxPort !== r.minPort ? `-${r.maxPort}` : ""}`;
  }
  return s;
}

export abstract class NatTargetBase extends Target {
  abstract readonly kind: NatKind;
  override readonly table = "nat";
  protected readonly range = new Range();
  /** "to:", "masq ports: ", "redir ports " */
  protected abstract readonly printPrefix: string;
  protected abstract readonly savePrefix: string;
  /** MASQUERADE/REDIRECT print their ports without the leading colon. */
  protected abstract readonly skipColon: boolean;

  constructor(protected readonly family: 4 | 6) {
    super();
  }

  get name(): string {
    return this.kind;
  }

  protected parse(id: number, arg: string, _invert: boolean, ctx: ParseContext): void {
    const portok = portOk(ctx.proto);
    switch (id) {
      case O_TO_DEST:
      case O_TO_SRC:
        parseTo(ctx.prog, this.family, arg, portok, this.range);
        break;
      case O_TO_PORTS:
        parsePorts(ctx.prog, arg, portok, this.range);
        break;
      case O_RANDOM:
        this.range.flags |= NatRangeFlag.PROTO_RANDOM;
        break;
      case O_RANDOM_FULLY:
        this.range.flags |= NatRangeFlag.PROTO_RANDOM_FULLY;
        break;
      case O_PERSISTENT:
        this.range.flags |= NatRangeFlag.PERSISTENT;
        break;
    }
  }

  private text(prefix: string, flagPrefix: string): string {
    let range = sprintRange(this.family, this.range);
    let s = "";
    if (range !== "") {
      if (range[0] === ":" && this.skipColon) range = range.slice(1);
      s += ` ${prefix}${range}`;
    }
    if ((this.range.flags & NatRangeFlag.PROTO_RANDOM) !== 0) s += ` ${flagPrefix}random`;
    if ((this.range.flags & NatRangeFlag.PROTO_RANDOM_FULLY) !== 0) {
      s += ` ${flagPrefix}random-fully`;
    }
    if ((this.range.flags & NatRangeFlag.PERSISTENT) !== 0) s += ` ${flagPrefix}persistent`;
    return s;
  }

  print(): string {
    return this.text(this.printPrefix, "");
  }

  save(): string {
    return this.text(this.savePrefix, "--");
  }

  /** The parsed target, for the NAT engine. */
  natTarget(): NatTarget {
    const r = this.range;
    return Object.freeze({
      kind: this.kind,
      family: this.family,
      flags: r.flags,
      minAddr4: r.min4,
      maxAddr4: r.max4,
      minAddr6: r.min6,
      maxAddr6: r.max6,
      minPort: r.minPort,
      maxPort: r.maxPort,
    });
  }
}

export class SnatTarget extends NatTargetBase {
  readonly kind = "SNAT";
  readonly opts = SNAT_OPTS;
  override readonly hooks = hookBit(Hook.INPUT) | hookBit(Hook.POSTROUTING);
  protected readonly printPrefix = "to:";
  protected readonly savePrefix = "--to-source ";
  protected readonly skipColon = false;
}

export class DnatTarget extends NatTargetBase {
  readonly kind = "DNAT";
  readonly opts = DNAT_OPTS;
  override readonly hooks = hookBit(Hook.PREROUTING) | hookBit(Hook.OUTPUT);
  protected readonly printPrefix = "to:";
  protected readonly savePrefix = "--to-destination ";
  protected readonly skipColon = false;
}

export class MasqueradeTarget extends NatTargetBase {
  readonly kind = "MASQUERADE";
  readonly opts = MASQUERADE_OPTS;
  override readonly hooks = hookBit(Hook.POSTROUTING);
  protected readonly printPrefix = "masq ports: ";
  protected readonly savePrefix = "--to-ports ";
  protected readonly skipColon = true;
}

export class RedirectTarget extends NatTargetBase {
  readonly kind = "REDIRECT";
  readonly opts = REDIRECT_OPTS;
  override readonly hooks = hookBit(Hook.PREROUTING) | hookBit(Hook.OUTPUT);
  protected readonly printPrefix = "redir ports ";
  protected readonly savePrefix = "--to-ports ";
  protected readonly skipColon = true;
}
