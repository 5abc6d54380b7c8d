/**
 * REJECT (ipt_REJECT / ip6t_REJECT): drop the packet and have the router
 * answer with an ICMP error or a TCP RST. Type names are matched as
 * case-insensitive prefixes of the name or its alias, first hit wins, as in
 * libipt_REJECT ("icmp" means icmp-net-unreachable, "tcp-rst" tcp-reset).
 */
import { Hook } from "../../net/hooks.js";
import { paramProblem } from "../errors.js";
import type { OptDef, ParseContext } from "../ext.js";
import { type CheckContext, hookBit, type KernelRefusal, Target } from "./target.js";

/** What the router must send back (the --reject-with names). */
export type RejectKind =
  | "icmp-net-unreachable"
  | "icmp-host-unreachable"
  | "icmp-proto-unreachable"
  | "icmp-port-unreachable"
  | "icmp-net-prohibited"
  | "icmp-host-prohibited"
  | "icmp-admin-prohibited"
  | "tcp-reset"
  | "icmp6-no-route"
  | "icmp6-adm-prohibited"
  | "icmp6-addr-unreachable"
  | "icmp6-port-unreachable"
  | "icmp6-policy-fail"
  | "icmp6-reject-route";

const V4: ReadonlyArray<readonly [RejectKind, string]> = [
  ["icmp-net-unreachable", "net-unreach"],
  ["icmp-host-unreachable", "host-unreach"],
  ["icmp-proto-unreachable", "proto-unreach"],
  ["icmp-port-unreachable", "port-unreach"],
  ["icmp-net-prohibited", "net-prohib"],
  ["icmp-host-prohibited", "host-prohib"],
  ["tcp-reset", "tcp-rst"],
  ["icmp-admin-prohibited", "admin-prohib"],
];

const V6: ReadonlyArray<readonly [RejectKind, string]> = [
  ["icmp6-no-route", "no-route"],
  ["icmp6-adm-prohibited", "adm-prohibited"],
  ["icmp6-addr-unreachable", "addr-unreach"],
  ["icmp6-port-unreachable", "port-unreach"],
  ["tcp-reset", "tcp-reset"],
  ["icmp6-policy-fail", "policy-fail"],
  ["icmp6-reject-route", "reject-route"],
];

const OPTS: readonly OptDef[] = [{ name: "reject-with", id: 0, hasArg: true }];

export class RejectTarget extends Target {
  readonly name = "REJECT";
  readonly opts = OPTS;
  override readonly table = "filter";
  override readonly hooks = hookBit(Hook.INPUT) | hookBit(Hook.FORWARD) | hookBit(Hook.OUTPUT);
  kind: RejectKind;

  constructor(private readonly family: 4 | 6) {
    super();
    this.kind = family === 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";
  }

  protected parse(_id: number, arg: string, _invert: boolean, ctx: ParseContext): void {
    const lower = arg.toLowerCase();
    const hit = (this.family === 4 ? V4 : V6).find(
      ([name, alias]) => name.startsWith(lower) || alias.startsWith(lower),
    );
    if (hit === undefined) throw paramProblem(ctx.prog, `unknown reject type "${arg}"`);
    this.kind = hit[0];
  }

  override checkEntry(ctx: CheckContext): KernelRefusal | null {
    if (this.kind === "tcp-reset" && (ctx.proto !== 6 || ctx.invProto)) {
      return {
        errno: "EINVAL",
        log:
          this.family === 4
            ? "ipt_REJECT: TCP_RESET invalid for non-tcp"
            : "ip6t_REJECT: TCP_RESET illegal for non-tcp",
      };
    }
    return null;
  }

  print(): string {
    return ` reject-with ${this.kind}`;
  }

  save(): string {
    return ` --reject-with ${this.kind}`;
  }
}
