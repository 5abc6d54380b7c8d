/**
 * A getopt_long() work-alike for iptables' option string "-:A:C:D:..."
 * (RETURN_IN_ORDER: non-options come back one by one, missing arguments are
 * reported apart from unknown options) with GNU long-option abbreviations.
 * Extensions add long options while parsing runs (`-m tcp`, `-j SNAT`, or
 * the implicit protocol match), so the option table is passed on each call,
 * and a token can be read again after loading one (iptables' `optind--`).
 */

export type ArgMode = 0 | 1 | 2; // no_argument, required_argument, optional_argument

export interface LongOption {
  name: string;
  has: ArgMode;
  /** What the caller dispatches on. Options with the same key are one option. */
  key: string;
}

export type Token =
  /** An option: `arg` as getopt's optarg; `last` is argv[optind-1] after it (1.8.9 reads that). */
  | { kind: "option"; key: string; arg: string | null; last: string }
  | { kind: "nonoption"; value: string }
  /** getopt's '?': `text` is what iptables quotes in `unknown option "..."`. */
  | { kind: "unknown"; text: string }
  /** getopt's ':': the option lacking its argument, as iptables quotes it. */
  | { kind: "missing"; text: string };

interface State {
  optind: number;
  /** Position inside a cluster of short options ("-nvL"), 0 when between tokens. */
  nextchar: number;
}

export class Getopt {
  private state: State = { optind: 0, nextchar: 0 };
  private previous: State = { optind: 0, nextchar: 0 };
  /** Set once "--" was seen: the rest are not options. */
  private ended = false;

  constructor(readonly argv: readonly string[]) {}

  get optind(): number {
    return this.state.optind;
  }

  /** Remaining arguments after "--" (iptables: "unknown arguments found on commandline"). */
  get leftover(): number {
    return this.ended ? this.argv.length - this.state.optind : 0;
  }

  /** Makes the next call return the token the last call returned, re-read with new options. */
  unread(): void {
    this.state = { ...this.previous };
  }

  /** xs_has_arg(): the next argument exists and does not start with '-' or '!'. */
  hasArg(): boolean {
    const a = this.argv[this.state.optind];
    return a !== undefined && a[0] !== "-" && a[0] !== "!";
  }

  /** Consumes argv[optind] (iptables' `argv[optind++]`). */
  take(): string {
    const a = this.argv[this.state.optind] as string;
    this.state.optind++;
    return a;
  }

  next(longs: readonly LongOption[], shorts: ReadonlyMap<string, LongOption>): Token | null {
    this.previous = { ...this.state };
    const st = this.state;
    if (st.nextchar > 0) return this.short(shorts);
    if (this.ended || st.optind >= this.argv.length) return null;
    const tok = this.argv[st.optind] as string;
    if (tok === "--") {
      st.optind++;
      this.ended = true;
      return null;
    }
    if (tok.length < 2 || tok[0] !== "-") {
      st.optind++;
      return { kind: "nonoption", value: tok };
    }
    if (tok[1] === "-") return this.long(tok, longs);
    st.nextchar = 1;
    return this.short(shorts);
  }

  private long(tok: string, longs: readonly LongOption[]): Token {
    const st = this.state;
    st.optind++;
    const eq = tok.indexOf("=");
    const name = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
    let found = longs.find((o) => o.name === name);
    if (found === undefined) {
      const cands = longs.filter((o) => o.name.startsWith(name));
      const first = cands[0];
      // GNU getopt: several prefixes are fine when they are all the same option.
      if (first !== undefined && cands.every((o) => o.key === first.key && o.has === first.has)) {
        found = first;
      }
    }
    if (found === undefined) return { kind: "unknown", text: tok };
    if (eq >= 0) {
      if (found.has === 0) return { kind: "unknown", text: tok };
      return { kind: "option", key: found.key, arg: tok.slice(eq + 1), last: tok };
    }
    if (found.has === 1) {
      if (st.optind >= this.argv.length) return { kind: "missing", text: tok };
      const arg = this.argv[st.optind++] as string;
      return { kind: "option", key: found.key, arg, last: arg };
    }
    return { kind: "option", key: found.key, arg: null, last: tok };
  }

  private short(shorts: ReadonlyMap<string, LongOption>): Token {
    const st = this.state;
    const tok = this.argv[st.optind] as string;
    const c = tok[st.nextchar] as string;
    st.nextchar++;
    const atEnd = st.nextchar >= tok.length;
    const opt = shorts.get(c);
    if (opt === undefined) {
      if (atEnd) {
        st.nextchar = 0;
        st.optind++;
      }
      return { kind: "unknown", text: `-${c}` };
    }
    if (opt.has === 0) {
      if (atEnd) {
        st.nextchar = 0;
        st.optind++;
      }
      return { kind: "option", key: opt.key, arg: null, last: tok };
    }
    // Options with an argument end the cluster.
    const rest = tok.slice(st.nextchar);
    st.nextchar = 0;
    st.optind++;
    if (!atEnd) return { kind: "option", key: opt.key, arg: rest, last: tok };
    if (opt.has === 2) return { kind: "option", key: opt.key, arg: null, last: tok };
    if (st.optind >= this.argv.length) return { kind: "missing", text: tok };
    const arg = this.argv[st.optind++] as string;
    return { kind: "option", key: opt.key, arg, last: arg };
  }
}
