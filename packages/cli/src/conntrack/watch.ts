/**
 * conntrack -E: one line per event, as it happens, until the client is
 * interrupted (then conntrack-tools' closing count on stderr, exit 0) or
 * goes away. Runs as a daemon stream: it subscribes under the request
 * lock, then gives the lock back and only writes.
 */
import type { Kernel } from "@ctkit/kernel";
import type { DaemonIo } from "../daemon/stream.js";
import { acctOn } from "./acct.js";
import { eventHub } from "./event-hub.js";
import { eventHasMark, eventLine } from "./event-line.js";
import { FlowFilter } from "./filter.js";
import { type ConntrackArgs, EventBit } from "./options.js";
import { CONNTRACK_VERSION } from "./problem.js";

/**
 * Output a client has not read yet beyond which events are dropped, as a
 * full netlink socket buffer drops them in Linux.
 */
export const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

/** What conntrack-tools prints when its netlink socket overran (ENOBUFS). */
const ENOBUFS_WARNING =
  "WARNING: We have hit ENOBUFS! We are losing events.\n" +
  "This message means that the current netlink socket buffer size is too small.\n" +
  "Please, check --buffer-size in conntrack(8) manpage.\n";

/** -o timestamp: "[seconds.microseconds]" and a tab. */
export function timestampPrefix(now: number): string {
  const sec = Math.floor(now);
  const usec = Math.min(999999, Math.floor((now - sec) * 1e6));
  return `[${sec}.${String(usec).padStart(6, "0")}]\t`;
}

export async function watchEvents(k: Kernel, args: ConntrackArgs, io: DaemonIo): Promise<number> {
  const ct = k.conntrack;
  const filter = new FlowFilter(args);
  let shown = 0;
  let lost = false;
  const unsubscribe = eventHub(k).subscribe((e) => {
    if ((args.eventMask & EventBit[e.type]) === 0) return;
    if (!filter.matches(ct, e.slot, eventHasMark(ct, e.slot, e.markEvent))) return;
    if (io.stream.backlog() > MAX_UNREAD_BYTES) {
      lost = true;
      return;
    }
    if (lost) {
      lost = false;
      io.err(ENOBUFS_WARNING);
    }
    const line = eventLine(ct, e.type, e.slot, {
      now: e.now,
      acct: acctOn(k),
      extended: args.extended,
      markEvent: e.markEvent,
    });
    io.out(`${args.timestamp ? timestampPrefix(e.now) : ""}${line}${e.origin}\n`);
    shown++;
  });
  io.stream.detach();
  const why = await io.stream.ended;
  unsubscribe();
  if (why === "interrupt") {
    io.err(`${CONNTRACK_VERSION}: ${shown} flow events have been shown.\n`);
    return 0;
  }
  if (why === "shutdown") {
    io.err(`ctkit: the kernel stopped ('ctkit down'); ${shown} flow events were shown\n`);
    return 1;
  }
  return 0;
}
