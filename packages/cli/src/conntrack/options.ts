/**
 * conntrack-tools' command line (src/conntrack.c do_parse), for the
 * commands ctkit implements: -L, -I, -F, -E, -C on the conntrack and
 * expect tables. Options are parsed like getopt_long (values attached or
 * following, unambiguous long prefixes), then checked against the table
 * of which option each command requires, allows or forbids, in
 * conntrack-tools' order and with its words.
 */
import { type AddressArg, parseAddressArg } from "./address.js";
import { leadingNumber } from "./numbers.js";
import { parameterProblem } from "./problem.js";
import { findProto, type ProtoHandler } from "./protocols.js";

/** "help" is no command at all: conntrack-tools then prints its usage. */
export type CtCommand = "list" | "create" | "flush" | "event" | "count" | "help";

/** conntrack-tools' general options, in the bit order its checks walk them. */
const GENERAL = [
  "src",
  "dst",
  "reply-src",
  "reply-dst",
  "protonum",
  "timeout",
  "status",
  "zero",
  "event-mask",
  "mark",
  "family",
  "output",
] as const;
type General = (typeof GENERAL)[number];

/** 0 illegal, 1 compulsory, 2 optional, 3 decided by the src/dst pairing. */
type Legality = Record<General, 0 | 1 | 2 | 3>;
const row = (v: number[]): Legality =>
  Object.fromEntries(GENERAL.map((g, i) => [g, v[i]])) as Legality;

const LEGAL: Record<string, Legality> = {
  "list/conntrack": row([2, 2, 2, 2, 2, 0, 2, 2, 0, 2, 2, 2]),
  "create/conntrack": row([3, 3, 3, 3, 1, 1, 2, 0, 0, 2, 0, 0]),
  "flush/conntrack": row([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0]),
  "event/conntrack": row([2, 2, 2, 2, 2, 0, 0, 0, 2, 2, 2, 2]),
  "count/conntrack": row([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  "list/expect": row([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2]),
  "flush/expect": row([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  "event/expect": row([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]),
  "count/expect": row([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  "help/conntrack": row([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
};

const COMMANDS: Record<string, CtCommand> = {
  L: "list",
  I: "create",
  F: "flush",
  E: "event",
  C: "count",
};
const COMMAND_LONG: Record<string, string> = {
  dump: "L",
  create: "I",
  flush: "F",
  event: "E",
  counter: "C",
};
/** conntrack-tools commands ctkit does not implement. */
const OTHER_COMMANDS: Record<string, string> = {
  D: "delete",
  U: "update",
  G: "get",
  A: "add",
  S: "stats",
};

/** Event classes of -e (conntrack-tools' CT_EVENT_F_*). */
export const EventBit = { NEW: 1, UPDATE: 2, DESTROY: 4 } as const;

export interface PortArgs {
  origSrc?: number;
  origDst?: number;
  replySrc?: number;
  replyDst?: number;
}

export interface IcmpArgs {
  type?: number;
  code?: number;
  id?: number;
}

export interface ConntrackArgs {
  command: CtCommand;
  table: "conntrack" | "expect";
  /** General options given (conntrack-tools' option bits). */
  given: Set<string>;
  family?: 4 | 6;
  src?: AddressArg;
  dst?: AddressArg;
  replySrc?: AddressArg;
  replyDst?: AddressArg;
  proto?: { num: number; handler: ProtoHandler };
  ports: PortArgs;
  icmp: IcmpArgs;
  /** --state, as enum tcp_conntrack. */
  tcpState?: number;
  timeout?: number;
  /** -u bits (enum ip_conntrack_status). */
  status: number;
  mark?: { value: number; mask: number };
  /** EventBit set; all three unless -e narrowed it. */
  eventMask: number;
  extended: boolean;
  timestamp: boolean;
  /** Lines conntrack-tools writes to stderr while parsing (warnings). */
  warnings: string[];
}

/** Options ctkit knows but does not implement: said so plainly rather than "unknown". */
const UNSUPPORTED_LONG = new Set([
  "zero",
  "secmark",
  "id",
  "src-nat",
  "dst-nat",
  "any-nat",
  "zone",
  "label",
  "label-add",
  "label-del",
  "orig-zone",
  "reply-zone",
  "buffer-size",
  "tuple-src",
  "tuple-dst",
  "mask-src",
  "mask-dst",
  "nat-range",
]);
const UNSUPPORTED_SHORT: Record<string, string> = {
  z: "zero",
  c: "secmark",
  i: "id",
  n: "src-nat",
  g: "dst-nat",
  j: "any-nat",
  w: "zone",
  l: "label",
  b: "buffer-size",
  a: "nat-range",
};

const GENERAL_SHORT: Record<string, General> = {
  s: "src",
  d: "dst",
  r: "reply-src",
  q: "reply-dst",
  p: "protonum",
  t: "timeout",
  u: "status",
  e: "event-mask",
  m: "mark",
  f: "family",
  o: "output",
};
/** Long names (with their aliases) of the general options. */
const GENERAL_LONG: Record<string, General> = {
  "orig-src": "src",
  src: "src",
  "orig-dst": "dst",
  dst: "dst",
  "reply-src": "reply-src",
  "reply-dst": "reply-dst",
  protonum: "protonum",
  timeout: "timeout",
  status: "status",
  "event-mask": "event-mask",
  mark: "mark",
  family: "family",
  output: "output",
};

export class NotSupported extends Error {}

/** parse_parameter: comma-separated names, each matching a prefix of one of `names`. */
function parseNames(
  arg: string,
  names: readonly string[],
  warnings: string[],
  onMatch: (name: string) => void,
): void {
  const parts = arg.split(",");
  parts.forEach((part, i) => {
    const bad = () => parameterProblem(`Bad parameter \`${parts.slice(i).join(",")}'`);
    if (part === "") throw bad();
    const prefixOf = (word: string) =>
      part.length <= word.length && word.slice(0, part.length).toUpperCase() === part.toUpperCase();
    // conntrack-tools tries these two first, whatever list it is parsing.
    if (prefixOf("SRC_NAT")) {
      warnings.push("WARNING: ignoring SRC_NAT, use --src-nat instead\n");
      return;
    }
    if (prefixOf("DST_NAT")) {
      warnings.push("WARNING: ignoring DST_NAT, use --dst-nat instead\n");
      return;
    }
    const hit = names.find(prefixOf);
    if (hit === undefined) throw bad();
    onMatch(hit);
  });
}

const STATUS_BITS: Record<string, number> = {
  ASSURED: 1 << 2,
  SEEN_REPLY: 1 << 1,
  UNSET: 0,
  FIXED_TIMEOUT: 1 << 10,
  EXPECTED: 1 << 0,
};

interface RawOption {
  /** How the user spelled it (for messages). */
  spelled: string;
  name: string;
  value: string;
}

/**
 * Splits argv into the command, its table, and options, as getopt_long
 * with conntrack-tools' option list would.
 */
function scan(argv: readonly string[]) {
  // A protocol's own options exist only once -p has named it, as
  // conntrack-tools merges them into getopt's list at that point.
  let handler: ProtoHandler | undefined;
  let command: CtCommand | undefined;
  let table: "conntrack" | "expect" = "conntrack";
  const options: RawOption[] = [];
  const protoOptions: RawOption[] = [];
  const setCommand = (letter: string, i: number): number => {
    const other = OTHER_COMMANDS[letter];
    if (other !== undefined) throw new NotSupported(`conntrack --${other}`);
    if (command !== undefined) throw parameterProblem("Invalid commands combination");
    command = COMMANDS[letter];
    // check_type: the next word names the table unless it is an option.
    const next = argv[i + 1];
    if (next !== undefined && next !== "" && !next.startsWith("-") && !next.startsWith("!")) {
      if ("expect".startsWith(next)) table = "expect";
      else if ("conntrack".startsWith(next)) table = "conntrack";
      else throw parameterProblem(`unknown type \`${next}'`);
      return i + 1;
    }
    return i;
  };
  const needValue = (i: number, spelled: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw parameterProblem(`option \`${spelled}' requires an argument`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      const typed = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const longs = [
        ...Object.keys(COMMAND_LONG),
        ...Object.values(OTHER_COMMANDS),
        ...Object.keys(GENERAL_LONG),
        ...UNSUPPORTED_LONG,
        "version",
        "help",
        ...(handler?.options.map((o) => o.long) ?? []),
      ];
      const name = longs.includes(typed)
        ? typed
        : (() => {
            const c = [...new Set(longs.filter((l) => l.startsWith(typed)))];
            if (c.length !== 1) throw parameterProblem(`unknown option \`${a}'`);
            return c[0] as string;
          })();
      if (COMMAND_LONG[name] !== undefined) {
        i = setCommand(COMMAND_LONG[name] as string, i);
        continue;
      }
      const other = Object.entries(OTHER_COMMANDS).find(([, l]) => l === name);
      if (other) throw new NotSupported(`conntrack --${name}`);
      if (name === "version" || name === "help") throw new NotSupported(`conntrack --${name}`);
      if (UNSUPPORTED_LONG.has(name)) throw new NotSupported(`conntrack --${name}`);
      let value: string;
      if (eq >= 0) value = a.slice(eq + 1);
      else {
        value = needValue(i, a);
        i++;
      }
      const general = GENERAL_LONG[name];
      if (general !== undefined) {
        options.push({ spelled: a, name: general, value });
        if (general === "protonum") handler = findProto(value);
      } else protoOptions.push({ spelled: a, name, value });
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      const letter = a[1] as string;
      if (COMMANDS[letter] !== undefined || OTHER_COMMANDS[letter] !== undefined) {
        if (a.length > 2) throw parameterProblem(`unknown option \`${a}'`);
        i = setCommand(letter, i);
        continue;
      }
      if (letter === "V" || letter === "h") throw new NotSupported(`conntrack -${letter}`);
      if (UNSUPPORTED_SHORT[letter] !== undefined)
        throw new NotSupported(`conntrack --${UNSUPPORTED_SHORT[letter]}`);
      const general = GENERAL_SHORT[letter];
      if (general === undefined) throw parameterProblem(`unknown option \`${a}'`);
      let value: string;
      if (a.length > 2) value = a.slice(2);
      else {
        value = needValue(i, a);
        i++;
      }
      options.push({ spelled: a, name: general, value });
      if (general === "protonum") handler = findProto(value);
    }
    // A stray word: getopt_long leaves it, conntrack-tools ignores it.
  }
  return { command, table, options, protoOptions };
}

function setFamily(out: ConntrackArgs, family: 4 | 6): void {
  if (out.family === undefined) out.family = family;
  else if (out.family !== family) throw parameterProblem("mismatched address family");
}

export function parseConntrackArgs(argv: readonly string[]): ConntrackArgs {
  const scanned = scan(argv);
  const out: ConntrackArgs = {
    command: scanned.command ?? "help",
    table: scanned.table,
    given: new Set(),
    ports: {},
    icmp: {},
    status: 0,
    eventMask: EventBit.NEW | EventBit.UPDATE | EventBit.DESTROY,
    extended: false,
    timestamp: false,
    warnings: [],
  };
  for (const o of scanned.options) {
    out.given.add(o.name);
    switch (o.name as General) {
      case "src":
      case "dst":
      case "reply-src":
      case "reply-dst": {
        const addr = parseAddressArg(o.value, o.name, o.name === "src" || o.name === "dst");
        setFamily(out, addr.family);
        if (o.name === "src") out.src = addr;
        else if (o.name === "dst") out.dst = addr;
        else if (o.name === "reply-src") out.replySrc = addr;
        else out.replyDst = addr;
        break;
      }
      case "protonum": {
        const p = findProto(o.value);
        if (p === undefined) throw parameterProblem(`\`${o.value}' unsupported protocol`);
        out.proto = { num: p.num, handler: p };
        break;
      }
      case "timeout":
        out.timeout = leadingNumber(o.value) >>> 0;
        break;
      case "status":
        parseNames(o.value, Object.keys(STATUS_BITS), out.warnings, (n) => {
          out.status |= STATUS_BITS[n] as number;
        });
        break;
      case "event-mask":
        out.eventMask = 0;
        parseNames(o.value, ["ALL", "NEW", "UPDATES", "DESTROY"], out.warnings, (n) => {
          out.eventMask |=
            n === "ALL"
              ? EventBit.NEW | EventBit.UPDATE | EventBit.DESTROY
              : n === "NEW"
                ? EventBit.NEW
                : n === "UPDATES"
                  ? EventBit.UPDATE
                  : EventBit.DESTROY;
        });
        break;
      case "mark": {
        const [v, m] = o.value.split("/");
        out.mark = {
          value: leadingNumber(v as string, true) >>> 0,
          mask: m === undefined ? 0xffffffff : leadingNumber(m, true) >>> 0,
        };
        break;
      }
      case "family":
        if (o.value.startsWith("ipv4")) setFamily(out, 4);
        else if (o.value.startsWith("ipv6")) setFamily(out, 6);
        else throw parameterProblem(`\`${o.value}' unsupported protocol`);
        break;
      case "output":
        parseNames(
          o.value,
          ["xml", "extended", "timestamp", "id", "ktimestamp", "labels", "userspace", "save"],
          out.warnings,
          (n) => {
            if (n === "extended") out.extended = true;
            else if (n === "timestamp") out.timestamp = true;
            else if (n !== "userspace") throw new NotSupported(`conntrack -o ${n}`);
          },
        );
        break;
      default:
        break;
    }
  }
  const handler = out.proto?.handler;
  for (const o of scanned.protoOptions) {
    const spec = handler?.options.find((s) => s.long === o.name);
    if (!handler || !spec) throw parameterProblem(`unknown option \`${o.spelled}'`);
    handler.parse(spec.key, o.value, out);
  }
  checkLegality(out);
  if (handler && out.table === "conntrack") handler.finalCheck(out);
  return out;
}

/** generic_opt_check: compulsory and illegal options, then the src/dst pairing. */
function checkLegality(out: ConntrackArgs): void {
  const legal = LEGAL[`${out.command}/${out.table}`];
  if (legal === undefined) throw new NotSupported(`conntrack -${out.command} ${out.table}`);
  let paired = false;
  for (const g of GENERAL) {
    const has = out.given.has(g);
    if (!has && legal[g] === 1)
      throw parameterProblem(`You need to supply the \`--${g}' option for this command`);
    if (has && legal[g] === 0) throw parameterProblem(`Illegal option \`--${g}' with this command`);
    if (legal[g] === 3) paired = true;
  }
  if (!paired) return;
  const hasOrig = out.given.has("src") && out.given.has("dst");
  const hasReply = out.given.has("reply-src") && out.given.has("reply-dst");
  if (hasOrig || hasReply) return;
  const partialReply =
    !(out.given.has("src") || out.given.has("dst")) &&
    (out.given.has("reply-src") || out.given.has("reply-dst"));
  throw parameterProblem(
    partialReply
      ? "you have to specify `--reply-src' and `--reply-dst'"
      : "you have to specify `--src' and `--dst'",
  );
}
