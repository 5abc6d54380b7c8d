/**
 * The iptables/ip6tables command line, parsed the way iptables 1.8.9's
 * do_parse() does: getopt order, which option errors come first, which
 * checks run after the loop (extension final checks, "no command
 * specified", addresses, the command/option table, chain name rules). The
 * result is a pure description of the command; nothing is changed here.
 */

import { type AddrMask, parseAddressList } from "./addr.js";
import {
  badArgument,
  type Program,
  paramProblem,
  programOf,
  tryHelpOnly,
  XTABLES_VARIANT,
  XTABLES_VERSION,
  type XtablesError,
} from "./errors.js";
import type { ParseContext } from "./ext.js";
import { createMatch, createTarget, isTargetName, isUnsupportedTarget } from "./extensions.js";
import { Getopt, type LongOption } from "./getopt.js";
import type { Match } from "./matches/match.js";
import { PortsMatch } from "./matches/ports.js";
import { protoByNameOrChainProto, protoName } from "./netdb.js";
import { strtoui } from "./strtoul.js";
import type { Target } from "./targets/target.js";

/** CMD_* of xshared.h. */
export const Cmd = {
  NONE: 0,
  INSERT: 1 << 0,
  DELETE: 1 << 1,
  DELETE_NUM: 1 << 2,
  REPLACE: 1 << 3,
  APPEND: 1 << 4,
  LIST: 1 << 5,
  FLUSH: 1 << 6,
  ZERO: 1 << 7,
  NEW_CHAIN: 1 << 8,
  DELETE_CHAIN: 1 << 9,
  SET_POLICY: 1 << 10,
  RENAME_CHAIN: 1 << 11,
  LIST_RULES: 1 << 12,
  ZERO_NUM: 1 << 13,
  CHECK: 1 << 14,
} as const;

const CMD_CHARS = "IDDRALFZNXPESZC";

/** OPT_* of xshared.h, in the order of optflags[]. */
export const Opt = {
  NUMERIC: 1 << 0,
  SOURCE: 1 << 1,
  DESTINATION: 1 << 2,
  PROTOCOL: 1 << 3,
  JUMP: 1 << 4,
  VERBOSE: 1 << 5,
  EXPANDED: 1 << 6,
  VIANAMEIN: 1 << 7,
  VIANAMEOUT: 1 << 8,
  LINENUMBERS: 1 << 9,
  COUNTERS: 1 << 10,
  FRAGMENT: 1 << 11,
} as const;

const OPT_CHARS = "nsdpjvxio0cf";

/** Which options may be inverted (inverse_for_options[]). */
const INVERTIBLE =
  Opt.SOURCE | Opt.DESTINATION | Opt.PROTOCOL | Opt.VIANAMEIN | Opt.VIANAMEOUT | Opt.FRAGMENT;

/**
 * commands_v_options[][]: per command, the options it forbids ('x').
 * Columns: n s d p j v x i o 0 c f.
 */
const ILLEGAL: ReadonlyArray<readonly [number, string]> = [
  [Cmd.INSERT, "x     x  x  "],
  [Cmd.DELETE, "x     x  xx "],
  [Cmd.DELETE_NUM, "xxxxx xxxxxx"],
  [Cmd.REPLACE, "x     x  x  "],
  [Cmd.APPEND, "x     x  x  "],
  [Cmd.LIST, " xxxx  xx xx"],
  [Cmd.FLUSH, "xxxxx xxxxxx"],
  [Cmd.ZERO, "xxxxx xxxxxx"],
  [Cmd.NEW_CHAIN, "xxxxx xxxxxx"],
  [Cmd.DELETE_CHAIN, "xxxxx xxxxxx"],
  [Cmd.SET_POLICY, "xxxxx xxxx x"],
  [Cmd.RENAME_CHAIN, "xxxxx xxxxxx"],
  [Cmd.LIST_RULES, "xxxxx xxxxxx"],
  [Cmd.ZERO_NUM, "xxxxx xxxxxx"],
  [Cmd.CHECK, "x     x  xx "],
];

/** XT_EXTENSION_MAXNAMELEN: chain and target names are shorter than this. */
const MAXNAMELEN = 29;

/** An interface match: the name as given ("eth+") and how it compares. */
export interface IfaceSpec {
  /** As typed, "" for any. */
  text: string;
  /** Compared bytes: the whole name, or the prefix before '+'. */
  prefix: string;
  wildcard: boolean;
}

export interface RuleSpec {
  family: 4 | 6;
  proto: number;
  /** -p given at all (ip6tables' IP6T_F_PROTO). */
  protoSet: boolean;
  invProto: boolean;
  src: AddrMask;
  invSrc: boolean;
  dst: AddrMask;
  invDst: boolean;
  iniface: IfaceSpec;
  invIn: boolean;
  outiface: IfaceSpec;
  invOut: boolean;
  /** -f (IPv4 only). */
  fragment: boolean;
  invFragment: boolean;
  matches: Match[];
  target: Target | null;
  /** A user chain to jump to when `target` is null and -j named no extension. */
  jumpto: string | null;
}

export interface ParsedCommand {
  family: 4 | 6;
  prog: Program;
  table: string;
  command: number;
  chain: string | null;
  rulenum: number;
  policy: string | null;
  options: number;
  verbose: number;
  /** One rule per source × destination address. */
  rules: RuleSpec[];
  counters: [number, number];
  /** Lines iptables prints on stderr while parsing (warnings). */
  warnings: string;
  /** Set for -V: what to print, nothing else happens. */
  version: string | null;
}

const ANY_IFACE: IfaceSpec = { text: "", prefix: "", wildcard: false };

const CORE_LONGS: ReadonlyArray<readonly [string, 0 | 1 | 2, string]> = [
  ["append", 1, "A"],
  ["delete", 1, "D"],
  ["check", 1, "C"],
  ["insert", 1, "I"],
  ["replace", 1, "R"],
  ["list", 2, "L"],
  ["list-rules", 2, "S"],
  ["flush", 2, "F"],
  ["zero", 2, "Z"],
  ["new-chain", 1, "N"],
  ["delete-chain", 2, "X"],
  ["rename-chain", 1, "E"],
  ["policy", 1, "P"],
  ["source", 1, "s"],
  ["destination", 1, "d"],
  ["src", 1, "s"],
  ["dst", 1, "d"],
  ["protocol", 1, "p"],
  ["in-interface", 1, "i"],
  ["jump", 1, "j"],
  ["table", 1, "t"],
  ["match", 1, "m"],
  ["numeric", 0, "n"],
  ["out-interface", 1, "o"],
  ["verbose", 0, "v"],
  ["wait", 2, "w"],
  ["wait-interval", 2, "W"],
  ["exact", 0, "x"],
  ["fragments", 0, "f"],
  ["version", 0, "V"],
  ["help", 2, "h"],
  ["line-numbers", 0, "0"],
  ["modprobe", 1, "M"],
  ["set-counters", 1, "c"],
  ["goto", 1, "g"],
  ["ipv4", 0, "4"],
  ["ipv6", 0, "6"],
];

/** IPT_OPTSTRING "-:A:C:D:R:I:L::S::M:F::Z::N:X::E:P:Vh::o:p:s:d:j:i:fbvw::W::nt:m:xc:g:46". */
const SHORTS = new Map<string, LongOption>(
  (
    [
      ["A", 1],
      ["C", 1],
      ["D", 1],
      ["R", 1],
      ["I", 1],
      ["L", 2],
      ["S", 2],
      ["M", 1],
      ["F", 2],
      ["Z", 2],
      ["N", 1],
      ["X", 2],
      ["E", 1],
      ["P", 1],
      ["V", 0],
      ["h", 2],
      ["o", 1],
      ["p", 1],
      ["s", 1],
      ["d", 1],
      ["j", 1],
      ["i", 1],
      ["f", 0],
      ["b", 0],
      ["v", 0],
      ["w", 2],
      ["W", 2],
      ["n", 0],
      ["t", 1],
      ["m", 1],
      ["x", 0],
      ["c", 1],
      ["g", 1],
      ["4", 0],
      ["6", 0],
    ] as const
  ).map(([c, has]) => [c, { name: c, has, key: c }]),
);

function cmdChar(cmd: number): string {
  let i = 0;
  for (let c = cmd; c > 1; c >>>= 1) i++;
  return CMD_CHARS[i] as string;
}

function optChar(opt: number): string {
  let i = 0;
  for (let o = opt; o > 1; o >>>= 1) i++;
  return OPT_CHARS[i] as string;
}

/** sscanf("%llu"): leading blanks, optional '+', decimal digits; the rest is ignored. */
function scanUnsigned(text: string): number | undefined {
  const m = /^\s*\+?([0-9]+)/.exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** xtables_parse_protocol(). */
function parseProtocol(prog: Program, text: string): number {
  const n = strtoui(text, 0, 255);
  if (n !== undefined) return n;
  if (text === "all") return 0;
  const p = protoByNameOrChainProto(text);
  if (p === undefined) throw paramProblem(prog, `unknown protocol "${text}" specified`);
  return p;
}

/** xtables_parse_interface(). */
function parseInterface(prog: Program, text: string, warn: (s: string) => void): IfaceSpec {
  if (text.length + 1 > 16) {
    throw paramProblem(prog, `interface name \`${text}' must be shorter than IFNAMSIZ (15)`);
  }
  if (text === "") return ANY_IFACE;
  if (text.endsWith("+")) return { text, prefix: text.slice(0, -1), wildcard: true };
  if (/[/ ]/.test(text)) {
    warn(
      `Warning: weird character in interface \`${text}' ('/' and ' ' are not allowed by the kernel).\n`,
    );
  }
  return { text, prefix: text, wildcard: false };
}

/** assert_valid_chain_name() of -N. */
function checkNewChainName(prog: Program, name: string): void {
  if (name.length >= MAXNAMELEN) {
    throw paramProblem(prog, `chain name \`${name}' too long (must be under ${MAXNAMELEN} chars)`);
  }
  if (name[0] === "-" || name[0] === "!") {
    throw paramProblem(prog, `chain name not allowed to start with \`${name[0]}'`);
  }
  if (isTargetName(name)) throw paramProblem(prog, "chain name may not clash with target name");
  if (/\s/.test(name)) throw paramProblem(prog, `Invalid chain name \`${name}'`);
}

/** xt_parse_target() of -j. */
function checkTargetName(prog: Program, name: string): void {
  if (name.length < 1) throw paramProblem(prog, "Invalid target name (too short)");
  if (name.length >= MAXNAMELEN) {
    throw paramProblem(prog, `Invalid target name \`${name}' (${MAXNAMELEN - 1} chars max)`);
  }
  if (/\s/.test(name)) throw paramProblem(prog, `Invalid target name \`${name}'`);
}

function unsupported(prog: Program, what: string): XtablesError {
  return paramProblem(prog, `${what} is not supported by ctkit`);
}

interface MatchEntry {
  match: Match;
  completed: boolean;
}

export function parseCommand(family: 4 | 6, argv: readonly string[]): ParsedCommand {
  const prog = programOf(family);
  const g = new Getopt(argv);
  let command = 0;
  let chain: string | null = null;
  let rulenum = 0;
  let policy: string | null = null;
  let table = "filter";
  let options = 0;
  let verbose = 0;
  let invert = false;
  let invflags = 0;
  let proto = 0;
  let protocolText: string | null = null;
  let protoUsed = false;
  let shost: string | null = null;
  let dhost: string | null = null;
  let iniface = ANY_IFACE;
  let outiface = ANY_IFACE;
  let fragment = false;
  let counters: [number, number] = [0, 0];
  let target: Target | null = null;
  let jumpto: string | null = null;
  let waitSet = false;
  let waitIntervalSet = false;
  let warnings = "";
  const matches: MatchEntry[] = [];
  /** Extension names in load order: later ones take shared option names first. */
  const loadOrder: string[] = [];
  const ctx: ParseContext = { prog, family, proto: 0, invProto: false };

  const addCommand = (newcmd: number, others: number) => {
    if (invert) throw paramProblem(prog, "unexpected '!' flag");
    if ((command & ~others) !== 0) {
      throw paramProblem(
        prog,
        `Cannot use -${cmdChar(newcmd)} with -${cmdChar(command & ~others)}`,
      );
    }
    command |= newcmd;
  };
  const setOption = (opt: number) => {
    if ((options & opt) !== 0)
      throw paramProblem(prog, `multiple -${optChar(opt)} flags not allowed`);
    options |= opt;
    if (invert) {
      if ((INVERTIBLE & opt) === 0)
        throw paramProblem(prog, `cannot have ! before -${optChar(opt)}`);
      invflags |= opt;
    }
  };
  const ruleNumber = (text: string) => {
    const n = strtoui(text, 1, 0x7fffffff);
    if (n === undefined) throw paramProblem(prog, `Invalid rule number \`${text}'`);
    return n;
  };
  const optionalChain = (arg: string | null) => {
    if (arg !== null) chain = arg;
    else if (g.hasArg()) chain = g.take();
  };
  const longOptions = (): LongOption[] => {
    const longs: LongOption[] = CORE_LONGS.map(([name, has, key]) => ({ name, has, key }));
    for (let i = loadOrder.length - 1; i >= 0; i--) {
      const name = loadOrder[i] as string;
      if (target !== null && name === `-j ${target.name}`) {
        longs.push(...target.longOptions().map((o) => ({ ...o, key: `t:${o.key}` })));
        continue;
      }
      const m = matches.find((e) => e.match.name === name);
      if (m !== undefined) {
        longs.push(...m.match.longOptions().map((o) => ({ ...o, key: `m:${name}:${o.key}` })));
      }
    }
    return longs;
  };
  const loadMatch = (m: Match) => {
    for (const e of matches) if (e.match.name === m.name) e.completed = true;
    matches.push({ match: m, completed: false });
    if (!loadOrder.includes(m.name)) loadOrder.push(m.name);
  };
  /** load_proto(): the match named by -p, loaded when an option is unknown. */
  const loadProto = (): boolean => {
    if (protocolText === null || protoUsed) return false;
    protoUsed = true;
    const n = strtoui(protocolText, 0, 255);
    const name = n !== undefined ? protoName(n) : protocolText;
    if (name === null) return false;
    const m = createMatch(name, family);
    if (m === null) return false;
    loadMatch(m);
    return true;
  };

  for (;;) {
    const tok = g.next(longOptions(), SHORTS);
    if (tok === null) break;
    if (tok.kind === "nonoption") {
      if (tok.value === "!") {
        if (invert) throw paramProblem(prog, "multiple consecutive ! not allowed");
        invert = true;
        continue;
      }
      throw badArgument(prog, tok.value);
    }
    if (tok.kind === "unknown" || tok.kind === "missing") {
      if (loadProto()) {
        g.unread();
        continue;
      }
      if (tok.kind === "missing") {
        throw paramProblem(prog, `option "${tok.text}" requires an argument`);
      }
      throw paramProblem(prog, `unknown option "${tok.text}"`);
    }
    const arg = tok.arg;
    switch (tok.key) {
      case "A":
        addCommand(Cmd.APPEND, Cmd.NONE);
        chain = arg;
        break;
      case "C":
        addCommand(Cmd.CHECK, Cmd.NONE);
        chain = arg;
        break;
      case "D":
        addCommand(Cmd.DELETE, Cmd.NONE);
        chain = arg;
        if (g.hasArg()) {
          rulenum = ruleNumber(g.take());
          command = Cmd.DELETE_NUM;
        }
        break;
      case "I":
        addCommand(Cmd.INSERT, Cmd.NONE);
        chain = arg;
        rulenum = g.hasArg() ? ruleNumber(g.take()) : 1;
        break;
      case "L":
        addCommand(Cmd.LIST, Cmd.ZERO | Cmd.ZERO_NUM);
        optionalChain(arg);
        if (g.hasArg()) rulenum = ruleNumber(g.take());
        break;
      case "S":
        addCommand(Cmd.LIST_RULES, Cmd.ZERO | Cmd.ZERO_NUM);
        optionalChain(arg);
        if (g.hasArg()) rulenum = ruleNumber(g.take());
        break;
      case "F":
        addCommand(Cmd.FLUSH, Cmd.NONE);
        optionalChain(arg);
        break;
      case "Z":
        addCommand(Cmd.ZERO, Cmd.LIST | Cmd.LIST_RULES);
        optionalChain(arg);
        if (g.hasArg()) {
          rulenum = ruleNumber(g.take());
          command = Cmd.ZERO_NUM;
        }
        break;
      case "N":
        checkNewChainName(prog, arg as string);
        addCommand(Cmd.NEW_CHAIN, Cmd.NONE);
        chain = arg;
        break;
      case "X":
        addCommand(Cmd.DELETE_CHAIN, Cmd.NONE);
        optionalChain(arg);
        break;
      case "P":
        addCommand(Cmd.SET_POLICY, Cmd.NONE);
        chain = arg;
        if (g.hasArg()) policy = g.take();
        else throw paramProblem(prog, "-P requires a chain and a policy");
        break;
      case "R":
        throw unsupported(prog, "-R (replace)");
      case "E":
        throw unsupported(prog, "-E (rename-chain)");
      case "h":
        throw unsupported(prog, "-h (help)");
      case "g":
        throw unsupported(prog, "-g (goto)");
      case "b":
        throw paramProblem(prog, `unknown option "${tok.last}"`);
      case "p": {
        setOption(Opt.PROTOCOL);
        // 1.8.9 reads argv[optind-1]: "-ptcp" is protocol "-ptcp".
        protocolText = tok.last.toLowerCase();
        proto = parseProtocol(prog, protocolText);
        if (proto === 0 && (invflags & Opt.PROTOCOL) !== 0) {
          throw paramProblem(prog, "rule would never match protocol");
        }
        ctx.proto = proto;
        ctx.invProto = (invflags & Opt.PROTOCOL) !== 0;
        // is_exthdr(): routing, fragment, AH and destination options headers.
        if (family === 6 && [43, 44, 51, 60].includes(proto) && !ctx.invProto) {
          warnings += `Warning: never matched protocol: ${protocolText}. use extension match instead.\n`;
        }
        break;
      }
      case "s":
        setOption(Opt.SOURCE);
        shost = tok.last;
        break;
      case "d":
        setOption(Opt.DESTINATION);
        dhost = tok.last;
        break;
      case "j": {
        setOption(Opt.JUMP);
        const name = tok.last;
        checkTargetName(prog, name);
        jumpto = name;
        const t = createTarget(name, family);
        if (t === null && isUnsupportedTarget(name)) {
          throw paramProblem(prog, `Couldn't load target \`${name}':No such file or directory\n`);
        }
        target = t;
        if (t !== null) loadOrder.push(`-j ${t.name}`);
        break;
      }
      case "i":
        if (arg === "") throw paramProblem(prog, "Empty interface is likely to be undesired");
        setOption(Opt.VIANAMEIN);
        iniface = parseInterface(prog, tok.last, (w) => {
          warnings += w;
        });
        break;
      case "o":
        if (arg === "") throw paramProblem(prog, "Empty interface is likely to be undesired");
        setOption(Opt.VIANAMEOUT);
        outiface = parseInterface(prog, tok.last, (w) => {
          warnings += w;
        });
        break;
      case "f":
        if (family === 6) {
          throw paramProblem(prog, "`-f' is not supported in IPv6, use -m frag instead");
        }
        setOption(Opt.FRAGMENT);
        fragment = true;
        break;
      case "v":
        if (verbose === 0) setOption(Opt.VERBOSE);
        verbose++;
        break;
      case "m": {
        if (invert) throw paramProblem(prog, "unexpected ! flag before --match");
        const m = createMatch(arg as string, family);
        if (m === null) {
          throw paramProblem(prog, `Couldn't load match \`${arg}':No such file or directory\n`);
        }
        loadMatch(m);
        break;
      }
      case "n":
        setOption(Opt.NUMERIC);
        break;
      case "t":
        if (invert) throw paramProblem(prog, "unexpected ! flag before --table");
        table = arg as string;
        break;
      case "x":
        setOption(Opt.EXPANDED);
        break;
      case "V": {
        const text = invert
          ? `Not ${XTABLES_VERSION} ;-)\n`
          : `${prog} v${XTABLES_VERSION} (${XTABLES_VARIANT})\n`;
        return versionOnly(family, prog, text);
      }
      case "w": {
        let text: string | null = arg;
        if (text === null && g.hasArg()) text = g.take();
        if (text !== null && !/^\s*[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)/.test(text)) {
          throw paramProblem(prog, "wait seconds not numeric");
        }
        waitSet = true;
        break;
      }
      case "W": {
        let text: string | null = arg;
        if (text === null) {
          if (g.hasArg()) text = g.take();
          else throw paramProblem(prog, "wait interval value required");
        }
        const usec = scanUnsigned(text);
        if (usec === undefined) throw paramProblem(prog, "wait interval not numeric");
        if (usec > 999999) {
          throw paramProblem(prog, `too long usec wait ${usec} > 999999 usec`);
        }
        warnings += "Ignoring deprecated --wait-interval option.\n";
        waitIntervalSet = true;
        break;
      }
      case "0":
        setOption(Opt.LINENUMBERS);
        break;
      case "M":
        break;
      case "c": {
        setOption(Opt.COUNTERS);
        const pText = arg as string;
        const comma = pText.indexOf(",", 1);
        let bText: string | null = comma >= 0 ? pText.slice(comma + 1) : null;
        if (bText === null && g.hasArg()) bText = g.take();
        if (bText === null) throw paramProblem(prog, "-c requires packet and byte counter");
        const pc = scanUnsigned(pText);
        if (pc === undefined) throw paramProblem(prog, "-c packet counter not numeric");
        const bc = scanUnsigned(bText);
        if (bc === undefined) throw paramProblem(prog, "-c byte counter not numeric");
        counters = [pc, bc];
        break;
      }
      case "4":
        if (family !== 4) throw tryHelpOnly(prog);
        break;
      case "6":
        if (family !== 6) throw tryHelpOnly(prog);
        break;
      default:
        // An extension's option: the target's first, else the newest instance of the match.
        if (tok.key.startsWith("t:")) {
          // Only offered once -j loaded the target.
          const t = target as Target | null;
          t?.handle(Number(tok.key.slice(2)), arg, invert, ctx);
        } else {
          const [, name, id] = tok.key.split(":") as [string, string, string];
          const entry = matches.find((e) => e.match.name === name && !e.completed) as MatchEntry;
          entry.match.handle(Number(id), arg, invert, ctx);
        }
        break;
    }
    invert = false;
  }

  if (
    table === "nat" &&
    ((policy !== null && policy === "DROP") || (jumpto !== null && jumpto === "DROP"))
  ) {
    throw paramProblem(
      prog,
      '\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n',
    );
  }
  if (!waitSet && waitIntervalSet) {
    throw paramProblem(prog, "--wait-interval only makes sense with --wait\n");
  }
  for (const e of matches) e.match.finalCheck(ctx);
  if (target !== null) (target as Target).finalCheck(ctx);
  if (g.leftover > 0) throw paramProblem(prog, "unknown arguments found on commandline");
  if (command === 0) throw paramProblem(prog, "no command specified");
  if (invert) throw paramProblem(prog, "nothing appropriate following !");

  // post_parse: addresses; rule commands default to "anywhere".
  const ruleCmd = Cmd.REPLACE | Cmd.INSERT | Cmd.DELETE | Cmd.APPEND | Cmd.CHECK;
  const anyText = family === 4 ? "0.0.0.0/0" : "::0/0";
  if ((command & ruleCmd) !== 0) {
    if (shost === null) shost = anyText;
    if (dhost === null) dhost = anyText;
  }
  const srcs = shost === null ? [] : parseAddressList(prog, family, shost);
  const dsts = dhost === null ? [] : parseAddressList(prog, family, dhost);
  if ((srcs.length > 1 || dsts.length > 1) && (invflags & (Opt.SOURCE | Opt.DESTINATION)) !== 0) {
    throw paramProblem(prog, "! not allowed with multiple source or destination IP addresses");
  }

  genericOptCheck(prog, command, options);

  if (chain !== null && (chain as string).length >= MAXNAMELEN) {
    throw paramProblem(prog, `chain name \`${chain}' too long (must be under ${MAXNAMELEN} chars)`);
  }
  const chainCmd = Cmd.APPEND | Cmd.DELETE | Cmd.DELETE_NUM | Cmd.CHECK | Cmd.INSERT | Cmd.REPLACE;
  if ((command & chainCmd) !== 0 && chain !== null) {
    if ((chain === "PREROUTING" || chain === "INPUT") && (options & Opt.VIANAMEOUT) !== 0) {
      throw paramProblem(prog, `Can't use -o with ${chain}\n`);
    }
    if ((chain === "POSTROUTING" || chain === "OUTPUT") && (options & Opt.VIANAMEIN) !== 0) {
      throw paramProblem(prog, `Can't use -i with ${chain}\n`);
    }
  }

  const ruleMatches = mergePortMatches(matches.map((e) => e.match));
  const rules: RuleSpec[] = [];
  for (const src of srcs) {
    for (const dst of dsts) {
      rules.push({
        family,
        proto,
        protoSet: protocolText !== null,
        invProto: (invflags & Opt.PROTOCOL) !== 0,
        src,
        invSrc: (invflags & Opt.SOURCE) !== 0,
        dst,
        invDst: (invflags & Opt.DESTINATION) !== 0,
        // A lone "+" matches any interface; nf_tables drops it unless inverted.
        iniface: iniface.text === "+" && (invflags & Opt.VIANAMEIN) === 0 ? ANY_IFACE : iniface,
        invIn: (invflags & Opt.VIANAMEIN) !== 0,
        outiface: outiface.text === "+" && (invflags & Opt.VIANAMEOUT) === 0 ? ANY_IFACE : outiface,
        invOut: (invflags & Opt.VIANAMEOUT) !== 0,
        fragment,
        invFragment: (invflags & Opt.FRAGMENT) !== 0,
        matches: ruleMatches,
        target,
        jumpto: target === null ? jumpto : null,
      });
    }
  }

  return {
    family,
    prog,
    table,
    command,
    chain,
    rulenum,
    policy,
    options,
    verbose,
    rules,
    // ip6tables-nft 1.8.9 never passes -c counters on (they stay 0).
    counters: family === 4 ? counters : [0, 0],
    warnings,
    version: null,
  };
}

/**
 * What nf_tables gives back: all tcp (or udp) matches with port options
 * become one, at the place of the first; bare `-m tcp` matches stay as they are.
 */
function mergePortMatches(list: Match[]): Match[] {
  const out: Match[] = [];
  const first = new Map<string, PortsMatch>();
  for (const m of list) {
    if (m instanceof PortsMatch && m.translated) {
      const f = first.get(m.name);
      if (f !== undefined) {
        f.absorb(m);
        continue;
      }
      first.set(m.name, m);
    }
    out.push(m);
  }
  return out;
}

function versionOnly(family: 4 | 6, prog: Program, text: string): ParsedCommand {
  return {
    family,
    prog,
    table: "filter",
    command: 0,
    chain: null,
    rulenum: 0,
    policy: null,
    options: 0,
    verbose: 0,
    rules: [],
    counters: [0, 0],
    warnings: "",
    version: text,
  };
}

/** generic_opt_check(): an option is legal if any given command allows it. */
function genericOptCheck(prog: Program, command: number, options: number): void {
  for (let i = 0; i < OPT_CHARS.length; i++) {
    if ((options & (1 << i)) === 0) continue;
    let legal = 0;
    for (const [cmd, row] of ILLEGAL) {
      if ((command & cmd) === 0) continue;
      if (row[i] !== "x") legal = 1;
      else if (legal === 0) legal = -1;
    }
    if (legal === -1) {
      throw paramProblem(prog, `Illegal option \`-${OPT_CHARS[i]}' with this command`);
    }
  }
}
