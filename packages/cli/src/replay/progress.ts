/**
 * A one-line progress display for long replays, on a terminal only:
 * percentage of input bytes read, redrawn at most ten times a second.
 */
import type { Io } from "../io.js";

export class Progress {
  private last = 0;
  private shown = false;

  constructor(
    private readonly io: Io,
    private readonly enabled: boolean,
    private readonly total: number,
  ) {}

  update(done: number): void {
    if (!this.enabled || this.total === 0) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.shown = true;
    this.io.err(`\rreplay: ${Math.min(100, Math.floor((done / this.total) * 100))}%`);
  }

  done(): void {
    if (this.shown) this.io.err("\r\x1b[K");
  }
}
