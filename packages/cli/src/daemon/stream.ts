/**
 * What a command running inside the daemon can know about its request
 * beyond plain output: which process asked (conntrack reports it as the
 * netlink portid of events the request causes), and, for commands that
 * keep answering until told to stop (conntrack -E), a stream mode that
 * gives up the request lock so other clients keep being served.
 */
import type { Io } from "../io.js";

/** Why a stream ended. */
export type StreamEnd =
  /** The client was interrupted (SIGINT/SIGTERM) and wants the closing summary. */
  | "interrupt"
  /** The client went away; nobody reads any more. */
  | "disconnect"
  /** The daemon is stopping ('ctkit down'). */
  | "shutdown";

export interface StreamControl {
  /**
   * Switches the reply to streaming: the client is told to forward its
   * interrupts, and the daemon runs other requests while this one goes on.
   */
  detach(): void;
  /** Settles once, when the stream has to end. */
  readonly ended: Promise<StreamEnd>;
  /** Bytes written to the client that it has not read yet. */
  backlog(): number;
}

export interface DaemonIo extends Io {
  /** Process id of the requesting client; 0 when unknown. */
  readonly clientPid: number;
  readonly stream: StreamControl;
  /** Runs `fn` under the request lock (with no request running). */
  exclusive(fn: () => void): Promise<void>;
  /** Registers work to undo when the daemon stops. */
  onShutdown(fn: () => void): void;
}

/** The daemon side of `io`, or null outside the daemon (tests, replay scripts). */
export function daemonIoOf(io: Io): DaemonIo | null {
  return "stream" in io && "clientPid" in io ? (io as DaemonIo) : null;
}
