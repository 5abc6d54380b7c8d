/**
 * The kernel log (dmesg): a bounded ring of lines, so a long-running daemon
 * never grows without limit. Subscribers see lines as they are written.
 */
export type LogLevel = "err" | "warn" | "notice" | "info" | "debug";

export interface LogLine {
  seq: number;
  /** Kernel clock (seconds) when logged. */
  time: number;
  level: LogLevel;
  text: string;
}

export class KernelLog {
  private readonly lines: LogLine[] = [];
  private seq = 0;
  private readonly listeners = new Set<(line: LogLine) => void>();
  private readonly onceKeys = new Set<string>();

  constructor(
    private readonly clock: () => number,
    private readonly capacity = 4096,
  ) {}

  write(level: LogLevel, text: string): void {
    const line: LogLine = { seq: ++this.seq, time: this.clock(), level, text };
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
    for (const l of this.listeners) l(line);
  }

  /** pr_*_once(): logs a given key only the first time. */
  once(key: string, level: LogLevel, text: string): void {
    if (this.onceKeys.has(key)) return;
    this.onceKeys.add(key);
    this.write(level, text);
  }

  all(): readonly LogLine[] {
    return this.lines;
  }

  since(seq: number): LogLine[] {
    return this.lines.filter((l) => l.seq > seq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  subscribe(fn: (line: LogLine) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
