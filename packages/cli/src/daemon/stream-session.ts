/**
 * The daemon's side of one request's StreamControl: remembers whether the
 * command switched to streaming and settles `ended` exactly once, with
 * the first reason that comes (interrupt, disconnect or shutdown).
 */
import type { Socket } from "node:net";
import type { Reply } from "./protocol.js";
import type { StreamControl, StreamEnd } from "./stream.js";

export class StreamSession implements StreamControl {
  readonly ended: Promise<StreamEnd>;
  /** Called once when the command detaches: the server releases the request lock. */
  onDetach: () => void = () => undefined;
  private settle!: (why: StreamEnd) => void;
  private settled = false;
  private detached = false;

  constructor(
    private readonly sock: Socket,
    private readonly send: (r: Reply) => void,
  ) {
    this.ended = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get streaming(): boolean {
    return this.detached;
  }

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.send({ t: "stream" });
    this.onDetach();
  }

  end(why: StreamEnd): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(why);
  }

  backlog(): number {
    return this.sock.writableLength;
  }
}
