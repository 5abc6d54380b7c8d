/**
 * The icmp (IPv4) and icmp6 (IPv6) matches: one type and a code range;
 * icmp type 255 ("any") matches every ICMP packet, as in the kernel.
 */
import type { OptDef, ParseContext } from "../ext.js";
import { type IcmpTypeRange, parseIcmpType, printIcmpType, saveIcmpType } from "../icmp-types.js";
import { CompiledMatch, MatchKind } from "./compiled.js";
import { Match } from "./match.js";

abstract class IcmpBase extends Match {
  protected abstract readonly v6: boolean;
  protected range: IcmpTypeRange = { type: 0xff, codeMin: 0, codeMax: 0xff };
  protected invert = false;

  protected parse(_id: number, arg: string, invert: boolean, ctx: ParseContext): void {
    this.range = parseIcmpType(ctx.prog, this.v6, arg);
    this.invert = invert;
  }

  print(numeric: boolean): string {
    return ` ${this.v6 ? "ipv6-icmp" : "icmp"}${printIcmpType(this.v6, this.range, this.invert, numeric)}`;
  }

  save(): string {
    const opt = this.v6 ? "icmpv6-type" : "icmp-type";
    return `${this.invert ? " !" : ""} --${opt} ${saveIcmpType(this.v6, this.range)}`;
  }

  compile(): CompiledMatch {
    return new CompiledMatch(
      this.v6 ? MatchKind.ICMP6 : MatchKind.ICMP,
      this.invert ? 1 : 0,
      this.range.type,
      this.range.codeMin,
      this.range.codeMax,
      0,
      "",
    );
  }
}

const ICMP_OPTS: readonly OptDef[] = [{ name: "icmp-type", id: 0, hasArg: true, invert: true }];
const ICMP6_OPTS: readonly OptDef[] = [{ name: "icmpv6-type", id: 0, hasArg: true, invert: true }];

export class IcmpMatch extends IcmpBase {
  readonly name = "icmp";
  readonly opts = ICMP_OPTS;
  protected readonly v6 = false;
  override get kernelProto(): number {
    return 1;
  }
}

export class Icmp6Match extends IcmpBase {
  readonly name = "icmp6";
  readonly opts = ICMP6_OPTS;
  protected readonly v6 = true;
  override get kernelProto(): number {
    return 58;
  }
}
