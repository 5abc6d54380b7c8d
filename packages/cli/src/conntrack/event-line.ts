/**
 * `conntrack -E` lines come from the kernel's formatter (shared with
 * replay's events.txt); this adds the question the -E filters ask.
 */
import type { Conntrack } from "@ctkit/kernel";

export { eventLine } from "@ctkit/kernel";
export type EventType = "NEW" | "UPDATE" | "DESTROY";

/** Whether the entry in `slot` has the mark attribute in an event (ctnetlink's IPCT_MARK, or a non-zero mark). */
export function eventHasMark(ct: Conntrack, slot: number, markEvent: boolean): boolean {
  return markEvent || ct.table.mark[slot] !== 0;
}
