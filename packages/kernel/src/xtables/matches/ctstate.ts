/**
 * The conntrack match (--ctstate) and the state match (--state), which
 * iptables 1.8.9 implements as an alias of conntrack: both test the packet's
 * state bits (xt_conntrack) as ConntrackQuery computes them. Lists are
 * parsed like libxt_conntrack: comma separated, case-insensitive, each word
 * may be abbreviated ("est" is ESTABLISHED).
 */
import { CtStateBit } from "../../net/ct-query.js";
import { paramProblem } from "../errors.js";
import type { OptDef, ParseContext } from "../ext.js";
import { CompiledMatch, MatchKind } from "./compiled.js";
import { Match } from "./match.js";

/** Parse order of conntrack_ps_state(); the print order is the same. */
const CT_STATES: ReadonlyArray<readonly [string, number]> = [
  ["INVALID", CtStateBit.INVALID],
  ["NEW", CtStateBit.NEW],
  ["RELATED", CtStateBit.RELATED],
  ["ESTABLISHED", CtStateBit.ESTABLISHED],
  ["UNTRACKED", CtStateBit.UNTRACKED],
  ["SNAT", CtStateBit.SNAT],
  ["DNAT", CtStateBit.DNAT],
];

/** state_parse_state() knows no SNAT/DNAT and tries ESTABLISHED before RELATED. */
const STATE_STATES: ReadonlyArray<readonly [string, number]> = [
  ["INVALID", CtStateBit.INVALID],
  ["NEW", CtStateBit.NEW],
  ["ESTABLISHED", CtStateBit.ESTABLISHED],
  ["RELATED", CtStateBit.RELATED],
  ["UNTRACKED", CtStateBit.UNTRACKED],
];

/** strncasecmp(word, NAME, strlen(word)) == 0: a case-insensitive prefix. */
function lookup(table: ReadonlyArray<readonly [string, number]>, word: string): number {
  const up = word.toUpperCase();
  for (const [name, bit] of table) if (name.startsWith(up)) return bit;
  return 0;
}

function printStates(mask: number): string {
  const names: string[] = [];
  for (const [name, bit] of CT_STATES) if ((mask & bit) !== 0) names.push(name);
  return names.join(",");
}

abstract class StateBase extends Match {
  override readonly needsConntrack = true;
  protected mask = 0;
  protected invert = false;

  compile(): CompiledMatch {
    return new CompiledMatch(MatchKind.CTSTATE, this.invert ? 1 : 0, this.mask, 0, 0, 0, "");
  }
}

const CONNTRACK_OPTS: readonly OptDef[] = [{ name: "ctstate", id: 0, hasArg: true, invert: true }];

export class ConntrackMatch extends StateBase {
  readonly name = "conntrack";
  readonly opts = CONNTRACK_OPTS;

  protected parse(_id: number, arg: string, invert: boolean, ctx: ParseContext): void {
    let rest = arg;
    for (;;) {
      const comma = rest.indexOf(",");
      const word = comma < 0 ? rest : rest.slice(0, comma);
      const bit = word === "" ? 0 : lookup(CT_STATES, word);
      if (bit === 0) throw paramProblem(ctx.prog, `Bad ctstate "${rest}"`);
      this.mask |= bit;
      if (comma < 0) break;
      rest = rest.slice(comma + 1);
    }
    this.invert = invert;
  }

  protected override check(ctx: ParseContext): void {
    if (this.seen === 0) throw paramProblem(ctx.prog, "conntrack: At least one option is required");
  }

  print(): string {
    return `${this.invert ? " !" : ""} ctstate ${printStates(this.mask)}`;
  }

  save(): string {
    return `${this.invert ? " !" : ""} --ctstate ${printStates(this.mask)}`;
  }
}

const STATE_OPTS: readonly OptDef[] = [
  { name: "state", id: 0, hasArg: true, invert: true, mand: true },
];

export class StateMatch extends StateBase {
  readonly name = "state";
  readonly opts = STATE_OPTS;

  protected parse(_id: number, arg: string, invert: boolean, ctx: ParseContext): void {
    let rest = arg;
    for (;;) {
      const comma = rest.indexOf(",");
      if (comma < 0) break;
      const bit = comma === 0 ? 0 : lookup(STATE_STATES, rest.slice(0, comma));
      if (bit === 0) throw paramProblem(ctx.prog, `Bad state "${rest}"`);
      this.mask |= bit;
      rest = rest.slice(comma + 1);
    }
    if (rest === "") {
      throw paramProblem(
        ctx.prog,
        '"--state" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED',
      );
    }
    const bit = lookup(STATE_STATES, rest);
    if (bit === 0) throw paramProblem(ctx.prog, `Bad state "${rest}"`);
    this.mask |= bit;
    this.invert = invert;
  }

  print(): string {
    return `${this.invert ? " !" : ""} state ${printStates(this.mask)}`;
  }

  save(): string {
    return `${this.invert ? " !" : ""} --state ${printStates(this.mask)}`;
  }
}
