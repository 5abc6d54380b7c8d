/**
 * Where a command writes. In the client process this is stdout/stderr; in
 * the daemon it is the reply stream to the client that sent the request.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when the user sees a terminal (for progress display). */
  readonly isTTY: boolean;
}

export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: process.stdout.isTTY === true,
  };
}

/** Collects output in memory (tests, daemon replies). */
export class BufferIo implements Io {
  stdout = "";
  stderr = "";
  constructor(readonly isTTY = false) {}
  out(t: string): void {
    this.stdout += t;
  }
  err(t: string): void {
    this.stderr += t;
  }
}
