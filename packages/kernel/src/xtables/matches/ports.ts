/**
 * The tcp and udp matches (xt_tcpudp): source and destination port ranges.
 * Their parsers differ the way iptables 1.8.9's do: tcp is an old-style
 * extension (strtoul ports and service names, "invalid portrange (min >
 * max)", "Only one `--source-port' allowed"); udp uses the generic
 * port-range type, which resolves through getaddrinfo (decimal or any
 * service name, numbers wrap at 65536, no order check).
 */
import { type Program, paramProblem } from "../errors.js";
import type { OptDef, ParseContext } from "../ext.js";
import { getServByName, getServByNameAny, getServByPort } from "../netdb.js";
import { strtoui } from "../strtoul.js";
import { CompiledMatch, MatchKind } from "./compiled.js";
import { Match } from "./match.js";

const SPORT = 0;
const DPORT = 1;

const OPTS: readonly OptDef[] = [
  { name: "source-port", id: SPORT, hasArg: true, invert: true },
  { name: "sport", id: SPORT, hasArg: true, invert: true },
  { name: "destination-port", id: DPORT, hasArg: true, invert: true },
  { name: "dport", id: DPORT, hasArg: true, invert: true },
];

/** xtables_parse_port(): a number (strtoul, base 0) or a service of that protocol. */
function parsePortTcp(prog: Program, text: string): number {
  const n = strtoui(text, 0, 65535) ?? getServByName(text, "tcp");
  if (n === undefined) throw paramProblem(prog, `invalid port/service \`${text}' specified`);
  return n;
}

/** xtables_getportbyname(): getaddrinfo's decimal service numbers or any known service. */
function parsePortAny(prog: Program, text: string): number {
  if (/^[0-9]+$/.test(text)) {
    // getaddrinfo stores the number with htons(): only the low 16 bits remain.
    const big = text.length > 15 ? 0xffff : Number(text) % 65536;
    return big;
  }
  const n = getServByNameAny(text);
  if (n === undefined) {
    throw paramProblem(prog, `Port "${text}" does not resolve to anything.\n`);
  }
  return n;
}

export abstract class PortsMatch extends Match {
  readonly opts = OPTS;
  abstract readonly proto: "tcp" | "udp";
  /** Source then destination: [min, max]. */
  protected ports = [0, 0xffff, 0, 0xffff];
  protected invSrc = false;
  protected invDst = false;

  /** Port options given: iptables-nft turned them into nf_tables payload matches. */
  get translated(): boolean {
    return this.seen !== 0;
  }

  /**
   * Folds a later instance's ports into this one, as iptables-nft rebuilds a
   * single tcp/udp match from all of a rule's port payload matches.
   */
  absorb(other: PortsMatch): void {
    if ((other.seen & (1 << SPORT)) !== 0) {
      this.ports[0] = other.ports[0] as number;
      this.ports[1] = other.ports[1] as number;
      this.invSrc = other.invSrc;
    }
    if ((other.seen & (1 << DPORT)) !== 0) {
      this.ports[2] = other.ports[2] as number;
      this.ports[3] = other.ports[3] as number;
      this.invDst = other.invDst;
    }
    this.seen |= other.seen;
  }

  print(numeric: boolean): string {
    return ` ${this.proto}${this.printRange("spt", 0, this.invSrc, numeric)}${this.printRange("dpt", 2, this.invDst, numeric)}`;
  }

  private printRange(name: string, i: number, inv: boolean, numeric: boolean): string {
    const min = this.ports[i] as number;
    const max = this.ports[i + 1] as number;
    if (min === 0 && max === 0xffff && !inv) return "";
    const p = (port: number) =>
      (numeric ? undefined : getServByPort(port, this.proto)) ?? `${port}`;
    const bang = inv ? "!" : "";
    if (min === max) return ` ${name}:${bang}${p(min)}`;
    return ` ${name}s:${bang}${p(min)}:${p(max)}`;
  }

  save(): string {
    let s = "";
    for (const [i, opt, inv] of [
      [0, "sport", this.invSrc],
      [2, "dport", this.invDst],
    ] as const) {
      const min = this.ports[i] as number;
      const max = this.ports[i + 1] as number;
      if (min === 0 && max === 0xffff && !inv) continue;
      s += `${inv ? " !" : ""} --${opt} ${min === max ? min : `${min}:${max}`}`;
    }
    return s;
  }

  compile(): CompiledMatch {
    const [a, b, c, d] = this.ports as [number, number, number, number];
    return new CompiledMatch(
      MatchKind.PORTS,
      (this.invSrc ? 1 : 0) | (this.invDst ? 2 : 0),
      a,
      b,
      c,
      d,
      "",
    );
  }

  private get protoNumber(): number {
    return this.proto === "tcp" ? 6 : 17;
  }

  /**
   * iptables-nft turns port options into nf_tables payload matches, which
   * need -p (it checks the number, not the inversion); a bare `-m tcp` stays
   * an xt match and the kernel checks it instead.
   */
  override get kernelProto(): number {
    return this.seen === 0 ? this.protoNumber : 0;
  }

  protected override check(ctx: ParseContext): void {
    if (this.seen !== 0 && ctx.proto !== this.protoNumber) {
      throw paramProblem(ctx.prog, `${this.proto.toUpperCase()} match requires '-p ${this.proto}'`);
    }
  }
}

export class TcpMatch extends PortsMatch {
  readonly name = "tcp";
  readonly proto = "tcp";
  protected override readonly oldStyle = true;

  protected parse(id: number, arg: string, invert: boolean, ctx: ParseContext): void {
    if ((this.seen & (1 << id)) !== 0) {
      throw paramProblem(ctx.prog, `Only one \`--${this.canonical(id)}' allowed`);
    }
    const colon = arg.indexOf(":");
    let min: number;
    let max: number;
    if (colon < 0) {
      min = max = parsePortTcp(ctx.prog, arg);
    } else {
      const lo = arg.slice(0, colon);
      const hi = arg.slice(colon + 1);
      min = lo === "" ? 0 : parsePortTcp(ctx.prog, lo);
      max = hi === "" ? 0xffff : parsePortTcp(ctx.prog, hi);
      if (min > max) throw paramProblem(ctx.prog, "invalid portrange (min > max)");
    }
    const i = id === SPORT ? 0 : 2;
    this.ports[i] = min;
    this.ports[i + 1] = max;
    if (id === SPORT) this.invSrc = invert;
    else this.invDst = invert;
  }
}

export class UdpMatch extends PortsMatch {
  readonly name = "udp";
  readonly proto = "udp";

  protected parse(id: number, arg: string, invert: boolean, ctx: ParseContext): void {
    // xtopt_parse_mport(): components are resolved left to right, a third one is refused.
    const vals: number[] = [];
    for (const part of arg.split(":")) {
      if (vals.length === 2) {
        throw paramProblem(
          ctx.prog,
          `udp: Too many components for option "--${this.canonical(id)}" (max: 2)\n`,
        );
      }
      vals.push(part === "" ? (vals.length === 0 ? 0 : 0xffff) : parsePortAny(ctx.prog, part));
    }
    const min = vals[0] as number;
    const max = vals.length === 1 ? min : (vals[1] as number);
    const i = id === SPORT ? 0 : 2;
    this.ports[i] = min;
    this.ports[i + 1] = max;
    if (id === SPORT) this.invSrc = invert;
    else this.invDst = invert;
  }
}
