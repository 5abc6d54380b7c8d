/**
 * Conntrack events of one kernel, fanned out to every conntrack -E
 * stream, each tagged with who caused it. The kernel's own listener is
 * registered only while some stream listens, so a kernel nobody watches
 * pays nothing per event.
 *
 * Who caused it: ctnetlink tags events that a userspace request caused
 * (conntrack -F, -I) with the requester's netlink portid; the daemon runs
 * such requests inside `asUser(pid, …)` and the client's pid plays the
 * portid. Everything else (GC, packets) comes from the kernel itself.
 */
import type { ConntrackEvent, Kernel } from "@ctkit/kernel";
import { userspaceSuffix } from "./process-name.js";

export interface HubEvent {
  type: ConntrackEvent;
  slot: number;
  /** Kernel clock when it happened. */
  now: number;
  /** The message carries the mark even when 0 (entries made from userspace). */
  markEvent: boolean;
  /** " [USERSPACE] portid=…" for events a request caused, else "". */
  origin: string;
}

export type HubListener = (e: HubEvent) => void;

export class EventHub {
  private readonly listeners = new Set<HubListener>();
  private detachKernel: (() => void) | null = null;
  private origin = "";

  constructor(private readonly kernel: Kernel) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(fn: HubListener): () => void {
    this.listeners.add(fn);
    if (this.detachKernel === null) {
      this.detachKernel = this.kernel.conntrack.onEvent((type, slot) =>
        this.deliver({ type, slot, now: this.kernel.now(), markEvent: false, origin: this.origin }),
      );
    }
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0 && this.detachKernel !== null) {
        this.detachKernel();
        this.detachKernel = null;
      }
    };
  }

  /** Runs a request's change to the table; the events it causes name process `pid`. */
  asUser<T>(pid: number, fn: () => T): T {
    const before = this.origin;
    this.origin = this.listeners.size > 0 ? userspaceSuffix(pid) : "";
    try {
      return fn();
    } finally {
      this.origin = before;
    }
  }

  /**
   * Delivers a NEW the kernel does not emit itself: an entry created from
   * userspace (ctnetlink_new_conntrack reports it, with its mark).
   */
  announceCreated(slot: number, now: number, pid: number): void {
    if (this.listeners.size === 0) return;
    this.deliver({ type: "NEW", slot, now, markEvent: true, origin: userspaceSuffix(pid) });
  }

  private deliver(e: HubEvent): void {
    for (const l of this.listeners) l(e);
  }
}

const hubs = new WeakMap<Kernel, EventHub>();

export function eventHub(kernel: Kernel): EventHub {
  let hub = hubs.get(kernel);
  if (hub === undefined) {
    hub = new EventHub(kernel);
    hubs.set(kernel, hub);
  }
  return hub;
}
