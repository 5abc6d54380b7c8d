/**
 * Test helpers for streaming requests: a raw protocol client (sees the
 * daemon's reply lines, can interrupt or vanish at a chosen moment) and a
 * runner for the real CLI as a child process (for signals and pids).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { repoRoot } from "./harness.js";

export const mainJs = join(repoRoot, "packages", "cli", "dist", "main.js");

export type Reply =
  | { t: "out"; d: string }
  | { t: "err"; d: string }
  | { t: "exit"; code: number }
  | { t: "stream" };

/** Polls `check` every 20 ms until it is true or `ms` pass. */
export async function until(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class RawClient {
  readonly replies: Reply[] = [];
  closed = false;
  private readonly sock: Socket;
  private buf = "";

  constructor(stateDir: string, command: string, args: string[]) {
    const token = readFileSync(join(stateDir, "token"), "utf8").trim();
    const env = {
      cwd: repoRoot,
      stateDir,
      moduleDirs: [],
      configPaths: [join(stateDir, "modprobe.d")],
      envModulePath: "",
      json: false,
    };
    this.sock = connect(join(stateDir, "ctkit.sock"));
    this.sock.setEncoding("utf8");
    this.sock.on("connect", () => {
      this.sock.write(`${JSON.stringify({ v: 1, token, command, args, env, pid: process.pid })}\n`);
    });
    this.sock.on("data", (d: string) => {
      this.buf += d;
      let nl = this.buf.indexOf("\n");
      while (nl >= 0) {
        this.replies.push(JSON.parse(this.buf.slice(0, nl)) as Reply);
        this.buf = this.buf.slice(nl + 1);
        nl = this.buf.indexOf("\n");
      }
    });
    this.sock.on("error", () => undefined);
    this.sock.on("close", () => {
      this.closed = true;
    });
  }

  /** Resolves once the daemon said the reply streams (the subscription is in place). */
  streaming(): Promise<void> {
    return until(() => this.replies.some((r) => r.t === "stream"), 5000, "the stream to start");
  }

  /** Everything written to stdout so far, split into lines. */
  outLines(): string[] {
    return this.replies
      .flatMap((r) => (r.t === "out" ? [r.d] : []))
      .join("")
      .split("\n")
      .filter((l) => l !== "");
  }

  err(): string {
    return this.replies.flatMap((r) => (r.t === "err" ? [r.d] : [])).join("");
  }

  exitCode(): number | undefined {
    for (const r of this.replies) if (r.t === "exit") return r.code;
    return undefined;
  }

  interrupt(): void {
    this.sock.write(`${JSON.stringify({ t: "interrupt" })}\n`);
  }

  async finished(): Promise<void> {
    await until(() => this.closed, 5000, "the daemon to close the stream");
  }

  vanish(): void {
    this.sock.destroy();
  }
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Runs `ctkit ARGS` as its own process, as a user would. */
export function ctkitProcess(
  stateDir: string,
  ...args: string[]
): { child: ChildProcess; done: Promise<CliRun>; stdout: () => string } {
  const child = spawn(process.execPath, [mainJs, "--state-dir", stateDir, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr, pid: child.pid as number }),
    );
  });
  return { child, done, stdout: () => stdout };
}

export async function ctkitRun(stateDir: string, ...args: string[]): Promise<CliRun> {
  return ctkitProcess(stateDir, ...args).done;
}
