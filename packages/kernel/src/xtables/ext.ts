/**
 * What match and target extensions share: their long options and the
 * generic checks libxtables applies before an extension sees an option
 * (xtables_option_parse: "can only be used once", "cannot be inverted") and
 * after the command line (xtables_options_fcheck: "must be specified").
 * Extensions written in the old style (tcp) do their own checks.
 */
import { type Program, paramProblem } from "./errors.js";
import type { LongOption } from "./getopt.js";

export interface OptDef {
  name: string;
  /** Options sharing an id are spellings of one option (--dport, --destination-port). */
  id: number;
  hasArg: boolean;
  /** XTOPT_INVERT: "!" allowed. */
  invert?: boolean;
  /** XTOPT_MAND. */
  mand?: boolean;
}

/** What an extension knows about the rule while it is parsed. */
export interface ParseContext {
  prog: Program;
  family: 4 | 6;
  /** -p so far (0 = any) and whether it was inverted. */
  proto: number;
  invProto: boolean;
}

export abstract class Extension {
  /** Name in messages and in `-m NAME` / `-j NAME`. */
  abstract readonly name: string;
  abstract readonly opts: readonly OptDef[];
  /** Old-style extensions (tcp) check duplicates and inversion themselves. */
  protected readonly oldStyle: boolean = false;
  /** Bit per option id seen (xflags). */
  protected seen = 0;

  /** Long options for getopt, keyed so the parser can route them back here. */
  longOptions(): LongOption[] {
    return this.opts.map((o) => ({ name: o.name, has: o.hasArg ? 1 : 0, key: `${o.id}` }));
  }

  /** The first spelling of an option: what messages quote. */
  protected canonical(id: number): string {
    return (this.opts.find((o) => o.id === id) as OptDef).name;
  }

  handle(id: number, arg: string | null, invert: boolean, ctx: ParseContext): void {
    if (!this.oldStyle) {
      const def = this.opts.find((o) => o.id === id) as OptDef;
      const name = this.canonical(id);
      if ((this.seen & (1 << id)) !== 0) {
        throw paramProblem(ctx.prog, `${this.name}: option "--${name}" can only be used once.\n`);
      }
      if (invert && def.invert !== true) {
        throw paramProblem(ctx.prog, `${this.name}: option "--${name}" cannot be inverted.\n`);
      }
    }
    this.parse(id, arg ?? "", invert, ctx);
    this.seen |= 1 << id;
  }

  /** xtables_option_{m,t}fcall: the extension's own check, then mandatory options. */
  finalCheck(ctx: ParseContext): void {
    this.check(ctx);
    for (const o of this.opts) {
      if (o.mand === true && (this.seen & (1 << o.id)) === 0) {
        throw paramProblem(ctx.prog, `${this.name}: option "--${o.name}" must be specified\n`);
      }
    }
  }

  protected abstract parse(id: number, arg: string, invert: boolean, ctx: ParseContext): void;
  protected check(_ctx: ParseContext): void {}
}
