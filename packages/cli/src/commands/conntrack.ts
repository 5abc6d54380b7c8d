/**
 * ctkit conntrack: conntrack-tools' conntrack against the running kernel:
 * -L [expect], -F [expect], -C, -E (events until interrupted), -o extended.
 */
import { connLine, expectLine, type Kernel, protoName } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { getopt } from "../getopt.js";

/** The version of conntrack-tools whose output ctkit reproduces. */
export const CONNTRACK_VERSION = "conntrack v1.4.7 (conntrack-tools)";

const HELP = `Usage: ctkit conntrack [commands] [options]
Commands:
  -L, --dump [expect]     List conntrack or expectation table
  -F, --flush [expect]    Flush conntrack or expectation table
  -C, --count             Show counter
  -E, --event             Show events (until the client disconnects)
Options:
  -o, --output extended   Show the layer 3 protocol too
  -p, --proto PROTO       Only entries of this protocol
  --json                  Machine-readable listing
`;

/** Whether listings show per-direction counters (net.netfilter.nf_conntrack_acct). */
export function acctOn(k: Kernel): boolean {
  return (
    k.sysctl.has("net.netfilter.nf_conntrack_acct") &&
    k.sysctl.get("net.netfilter.nf_conntrack_acct") === 1
  );
}

export const conntrack: Command = {
  name: "conntrack",
  summary: "list, flush and watch the connection tracking table",
  help: HELP,
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const k = ctx.kernel as Kernel;
    const o = getopt("conntrack", argv, [
      { key: "list", short: "L", long: "dump" },
      { key: "flush", short: "F", long: "flush" },
      { key: "count", short: "C", long: "count" },
      { key: "event", short: "E", long: "event" },
      { key: "output", short: "o", long: "output", arg: true },
      { key: "proto", short: "p", long: "proto", arg: true },
    ]);
    const f = o.flags;
    const table = o.rest[0] ?? "conntrack";
    if (table !== "conntrack" && table !== "expect") {
      ctx.io.err(
        `${CONNTRACK_VERSION}: Bad parameter \`${table}'\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`,
      );
      return 2;
    }
    const now = k.now();
    const ct = k.conntrack;
    if (f.count) {
      ctx.io.out(`${table === "expect" ? ct.expectations.length : ct.liveSlots(now).length}\n`);
      return 0;
    }
    if (f.flush) {
      if (table === "expect") {
        while (ct.expectations.length > 0) ct.unlinkExpectation(0);
        ctx.io.err(`${CONNTRACK_VERSION}: expectation table has been emptied.\n`);
      } else {
        ct.flush();
        ctx.io.err(`${CONNTRACK_VERSION}: connection tracking table has been emptied.\n`);
      }
      return 0;
    }
    if (f.list) {
      if (table === "expect") {
        const live = ct.expectations.filter((e) => e.expires > now);
        for (const e of live) ctx.io.out(`${expectLine(ct, e, now)}\n`);
        ctx.io.err(`${CONNTRACK_VERSION}: ${live.length} expectations have been shown.\n`);
        return 0;
      }
      const proto = o.values.proto?.[0];
      const slots = ct
        .liveSlots(now)
        .filter((s) => proto === undefined || protoName(ct.table.proto[s] as number) === proto);
      const opts = { now, acct: acctOn(k), extended: o.values.output?.[0] === "extended" };
      if (ctx.env.json) {
        ctx.io.out(
          `${JSON.stringify(
            slots.map((s) => connLine(ct, s, opts)),
            null,
            2,
          )}\n`,
        );
        return 0;
      }
      for (const s of slots) ctx.io.out(`${connLine(ct, s, opts)}\n`);
      ctx.io.err(`${CONNTRACK_VERSION}: ${slots.length} flow entries have been shown.\n`);
      return 0;
    }
    if (f.event) {
      ctx.io.err(
        `${CONNTRACK_VERSION}: -E is not supported by ctkit yet; use 'ctkit replay --trace' to see events\n`,
      );
      return 1;
    }
    ctx.io.err(
      `${CONNTRACK_VERSION}: no command specified\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`,
    );
    return 2;
  },
};
