/**
 * The helper match (xt_helper): matches packets of connections expected by
 * a helper, by the helper name of the master connection. The kernel compares
 * only as many characters as the helper's name has, so "ftp-2121" in a rule
 * matches helper "ftp"; an empty name matches any helper.
 */
import type { OptDef, ParseContext } from "../ext.js";
import { saveString } from "../save-string.js";
import { CompiledMatch, MatchKind } from "./compiled.js";
import { Match } from "./match.js";

/** struct xt_helper_info: char name[30]. */
const NAME_MAX = 29;

const OPTS: readonly OptDef[] = [{ name: "helper", id: 0, hasArg: true, invert: true, mand: true }];

export class HelperMatch extends Match {
  readonly name = "helper";
  readonly opts = OPTS;
  override readonly needsConntrack = true;
  private helper = "";
  private invert = false;

  protected parse(_id: number, arg: string, invert: boolean, _ctx: ParseContext): void {
    this.helper = arg.slice(0, NAME_MAX);
    this.invert = invert;
  }

  print(): string {
    return ` helper match ${this.invert ? "! " : ""}"${this.helper}"`;
  }

  save(): string {
    return `${this.invert ? " !" : ""} --helper${saveString(this.helper)}`;
  }

  compile(): CompiledMatch {
    return new CompiledMatch(MatchKind.HELPER, this.invert ? 1 : 0, 0, 0, 0, 0, this.helper);
  }
}
