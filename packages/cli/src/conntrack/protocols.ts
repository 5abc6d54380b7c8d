/**
 * conntrack-tools' protocol handlers (extensions/libct_proto_*.c) for the
 * protocols ctkit tracks: their names, their own options (ports, ICMP
 * type/code/id, TCP state) and what -I requires of them. Any other
 * protocol, named as /etc/protocols names it or by number, gets the
 * generic handler with no options of its own.
 */
import { readFileSync } from "node:fs";
import { TCP_STATE_NAMES, TcpState } from "@ctkit/kernel";
import { leadingNumber } from "./numbers.js";
import type { ConntrackArgs } from "./options.js";
import { parameterProblem } from "./problem.js";

export interface ProtoOption {
  long: string;
  key: string;
}

export interface ProtoHandler {
  name: string;
  num: number;
  options: readonly ProtoOption[];
  parse(key: string, value: string, out: ConntrackArgs): void;
  /** The handler's final_check: what -I needs from it. */
  finalCheck(out: ConntrackArgs): void;
}

/**
 * TCP state names as conntrack-tools spells them (index = enum tcp_conntrack):
 * the kernel's, except slot 9, which conntrack-tools still calls LISTEN.
 */
export const TCP_STATE_ARGS: readonly string[] = TCP_STATE_NAMES.map((name, state) =>
  state === TcpState.SynSent2 ? "LISTEN" : name,
);

const PORT_OPTIONS: ProtoOption[] = [
  { long: "orig-port-src", key: "origSrc" },
  { long: "sport", key: "origSrc" },
  { long: "orig-port-dst", key: "origDst" },
  { long: "dport", key: "origDst" },
  { long: "reply-port-src", key: "replySrc" },
  { long: "reply-port-dst", key: "replyDst" },
];

function parsePort(key: string, value: string, out: ConntrackArgs): void {
  out.ports[key as keyof ConntrackArgs["ports"]] = leadingNumber(value) & 0xffff;
}

/** -I needs both original ports or both reply ports. */
function requirePortPair(out: ConntrackArgs): void {
  if (out.command !== "create") return;
  const p = out.ports;
  if (p.origSrc !== undefined && p.origDst !== undefined) return;
  if (p.replySrc !== undefined && p.replyDst !== undefined) return;
  const replyOnly = p.origSrc === undefined && p.origDst === undefined;
  throw parameterProblem(
    replyOnly && (p.replySrc !== undefined || p.replyDst !== undefined)
      ? "you have to specify `--reply-src-port' and `--reply-dst-port'"
      : "you have to specify `--sport' and `--dport'",
  );
}

const tcp: ProtoHandler = {
  name: "tcp",
  num: 6,
  options: [...PORT_OPTIONS, { long: "state", key: "state" }],
  parse(key, value, out) {
    if (key !== "state") return parsePort(key, value, out);
    const i = TCP_STATE_ARGS.indexOf(value);
    if (i < 0) throw parameterProblem(`unknown TCP state \`${value}'`);
    out.tcpState = i;
  },
  finalCheck(out) {
    if (out.command === "create" && out.tcpState === undefined)
      throw parameterProblem("You need to supply the `--state' option for this command");
    requirePortPair(out);
  },
};

const udp: ProtoHandler = {
  name: "udp",
  num: 17,
  options: PORT_OPTIONS,
  parse: parsePort,
  finalCheck: requirePortPair,
};

function icmpHandler(name: "icmp" | "icmpv6", num: number): ProtoHandler {
  const fields = ["type", "code", "id"] as const;
  return {
    name,
    num,
    options: fields.map((f) => ({ long: `${name}-${f}`, key: f })),
    parse(key, value, out) {
      const n = leadingNumber(value);
      out.icmp[key as (typeof fields)[number]] = key === "id" ? n & 0xffff : n & 0xff;
    },
    finalCheck(out) {
      if (out.command !== "create") return;
      for (const f of fields)
        if (out.icmp[f] === undefined)
          throw parameterProblem(
            `You need to supply the \`--${name}-${f}' option for this command`,
          );
    },
  };
}

function generic(name: string, num: number): ProtoHandler {
  return { name, num, options: [], parse: () => undefined, finalCheck: () => undefined };
}

const HANDLERS: ProtoHandler[] = [tcp, udp, icmpHandler("icmp", 1), icmpHandler("icmpv6", 58)];

/** Protocols conntrack-tools has handlers for that ctkit does not model (their options are not accepted). */
const UNMODELLED = [
  ["sctp", 132],
  ["dccp", 33],
  ["udplite", 136],
  ["gre", 47],
] as const;

/** getprotobyname: /etc/protocols, "name number aliases…" per line. */
function protocolByName(name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync("/etc/protocols", "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const words = line.replace(/#.*/, "").trim().split(/\s+/);
    if (words.length < 2) continue;
    if (words[0] === name || words.slice(2).includes(name)) {
      const n = Number(words[1]);
      return Number.isInteger(n) ? n : undefined;
    }
  }
  return undefined;
}

/** findproto: a handler by name (any case), then /etc/protocols, then a number 0-255. */
export function findProto(text: string): ProtoHandler | undefined {
  const lower = text.toLowerCase();
  const known = HANDLERS.find((h) => h.name === lower);
  if (known) return known;
  const other = UNMODELLED.find(([n]) => n === lower);
  if (other) return generic(other[0], other[1]);
  const named = protocolByName(text);
  const num =
    named ??
    (/^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(text) ? leadingNumber(text, true) : -1);
  if (num < 0 || num > 255) return undefined;
  return HANDLERS.find((h) => h.num === num) ?? generic(text, num);
}
