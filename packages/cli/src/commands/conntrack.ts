/**
 * ctkit conntrack: conntrack-tools' conntrack against the running kernel:
 * -L [expect], -F [expect], -C, -I (create), -E (events until interrupted),
 * with its filters (-s/-d/-r/-q, -p and the protocol's options, -f, -m,
 * -e) and outputs (-o extended, timestamp).
 */
import { childCounts, connLine, expectLine, type Kernel } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";
import { acctOn } from "../conntrack/acct.js";
import { CtkitLimit, createEntry } from "../conntrack/create.js";
import { eventHub } from "../conntrack/event-hub.js";
import { FlowFilter } from "../conntrack/filter.js";
import { type ConntrackArgs, NotSupported, parseConntrackArgs } from "../conntrack/options.js";
import { CONNTRACK_VERSION, ConntrackProblem } from "../conntrack/problem.js";
import { watchEvents } from "../conntrack/watch.js";
import { ensureGcWorker } from "../daemon/gc-worker.js";
import { daemonIoOf } from "../daemon/stream.js";

export { acctOn, CONNTRACK_VERSION };

const HELP = `Usage: ctkit conntrack [commands] [options]
Commands:
  -L, --dump [expect]       List conntrack or expectation table
  -I, --create              Create a conntrack entry (udp, icmp, icmpv6, other non-port protocols)
  -F, --flush [expect]      Flush conntrack or expectation table
  -C, --counter [expect]    Show counter
  -E, --event               Show events until interrupted (needs 'ctkit up')
Options:
  -s, --src, --orig-src IP[/N]   Source address from original direction
  -d, --dst, --orig-dst IP[/N]   Destination address from original direction
  -r, --reply-src IP             Source address from reply direction
  -q, --reply-dst IP             Destination address from reply direction
  -p, --protonum PROTO           Layer 4 protocol, eg. 'udp'; then its options:
      tcp/udp: --sport --dport --reply-port-src --reply-port-dst (tcp: --state)
      icmp/icmpv6: --icmp[v6]-type --icmp[v6]-code --icmp[v6]-id
  -f, --family ipv4|ipv6         Layer 3 protocol
  -t, --timeout SECONDS          Set timeout (-I)
  -u, --status STATUS            Set status, eg. ASSURED (-I)
  -m, --mark MARK[/MASK]         Set mark (-I) or match it
  -e, --event-mask MASK          Event mask, eg. NEW,DESTROY (-E)
  -o, --output TYPE[,...]        extended, timestamp (-E)
  --json                         Machine-readable listing
`;

function list(ctx: CommandContext, k: Kernel, a: ConntrackArgs): number {
  const now = k.now();
  const ct = k.conntrack;
  if (a.table === "expect") {
    const live = ct.expectations.filter((e) => e.expires > now);
    for (const e of live) ctx.io.out(`${expectLine(ct, e, now)}\n`);
    ctx.io.err(`${CONNTRACK_VERSION}: ${live.length} expectations have been shown.\n`);
    return 0;
  }
  const filter = new FlowFilter(a);
  const slots = ct.liveSlots(now).filter((s) => filter.matches(ct, s, true));
  const opts = { now, acct: acctOn(k), extended: a.extended, children: childCounts(ct) };
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

async function dispatch(ctx: CommandContext, k: Kernel, a: ConntrackArgs): Promise<number> {
  const ct = k.conntrack;
  const daemon = daemonIoOf(ctx.io);
  const pid = daemon?.clientPid ?? 0;
  switch (a.command) {
    case "help":
      ctx.io.out(HELP);
      return 0;
    case "list":
      return list(ctx, k, a);
    case "count":
      ctx.io.out(
        `${a.table === "expect" ? ct.expectations.length : ct.liveSlots(k.now()).length}\n`,
      );
      return 0;
    case "flush":
      if (a.table === "expect") {
        while (ct.expectations.length > 0) ct.unlinkExpectation(0);
        ctx.io.err(`${CONNTRACK_VERSION}: expectation table has been emptied.\n`);
      } else {
        eventHub(k).asUser(pid, () => ct.flush());
        ctx.io.err(`${CONNTRACK_VERSION}: connection tracking table has been emptied.\n`);
      }
      return 0;
    case "create":
      return createEntry(k, a, pid, ctx.io);
    case "event":
      if (a.table === "expect")
        throw new CtkitLimit(
          "conntrack -E expect: ctkit's kernel does not report expectation events yet",
        );
      if (daemon === null)
        throw new CtkitLimit(
          "conntrack -E streams from a running kernel: start one with 'ctkit up'",
        );
      return watchEvents(k, a, daemon);
  }
}

export const conntrack: Command = {
  name: "conntrack",
  summary: "list, create, flush and watch the connection tracking table",
  help: HELP,
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const k = ctx.kernel as Kernel;
    const daemon = daemonIoOf(ctx.io);
    if (daemon !== null) ensureGcWorker(k, daemon);
    try {
      const args = parseConntrackArgs(argv);
      for (const w of args.warnings) ctx.io.err(w);
      return await dispatch(ctx, k, args);
    } catch (e) {
      if (e instanceof ConntrackProblem) {
        ctx.io.err(e.text());
        return e.exitCode;
      }
      if (e instanceof NotSupported) {
        ctx.io.err(`ctkit: ${e.message} is not supported by ctkit yet\n`);
        return 1;
      }
      if (e instanceof CtkitLimit) {
        ctx.io.err(`ctkit: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};
