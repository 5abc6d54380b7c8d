/**
 * CT and NOTRACK (xt_CT), raw table only. CT --helper NAME attaches a
 * conntrack template naming the helper to the packet, so the connection it
 * creates gets that helper; the helper module is looked up (and loaded on
 * demand) when the rule is added, and the rule holds a reference on it.
 * --notrack (and NOTRACK) mark the packet untracked.
 */
import { Hook } from "../../net/hooks.js";
import type { OptDef, ParseContext } from "../ext.js";
import { type CheckContext, hookBit, type KernelRefusal, Target } from "./target.js";

/** struct xt_ct_target_info_v1: char helper[16]. */
const HELPER_MAX = 15;

const NOTRACK = 0;
const HELPER = 1;

const OPTS: readonly OptDef[] = [
  { name: "notrack", id: NOTRACK, hasArg: false },
  { name: "helper", id: HELPER, hasArg: true },
];

export class CtTarget extends Target {
  readonly name: string = "CT";
  readonly opts: readonly OptDef[] = OPTS;
  override readonly table = "raw";
  override readonly hooks = hookBit(Hook.PREROUTING) | hookBit(Hook.OUTPUT);
  notrack = false;
  helper = "";

  protected parse(id: number, arg: string, _invert: boolean, _ctx: ParseContext): void {
    if (id === NOTRACK) this.notrack = true;
    else this.helper = arg.slice(0, HELPER_MAX);
  }

  /**
   * xt_ct_set_helper()'s protocol test; the helper lookup itself is
   * asynchronous (it may load a module) and done by the rule engine.
   */
  override checkEntry(ctx: CheckContext): KernelRefusal | null {
    if (this.notrack || this.helper === "") return null;
    if (ctx.proto === 0 || ctx.invProto) {
      return {
        errno: "ENOENT",
        log: "xt_CT: You must specify a L4 protocol and not use inversions on it",
      };
    }
    return null;
  }

  print(): string {
    return ` CT${this.notrack ? " notrack" : ""}${this.helper !== "" ? ` helper ${this.helper}` : ""}`;
  }

  save(): string {
    return `${this.notrack ? " --notrack" : ""}${this.helper !== "" ? ` --helper ${this.helper}` : ""}`;
  }
}

/** NOTRACK: CT --notrack under its old name; listed as target CT with "NOTRACK". */
export class NotrackTarget extends CtTarget {
  override readonly name = "NOTRACK";
  override readonly opts: readonly OptDef[] = [];
  override notrack = true;

  override get listName(): string {
    return "CT";
  }

  override print(): string {
    return " NOTRACK";
  }

  override save(): string {
    return "";
  }
}
