/**
 * Sends one command to the daemon and relays its output. When the reply
 * turns into a stream (conntrack -E), the user's Ctrl-C or a SIGTERM is
 * passed on to the daemon, which ends the command the way conntrack-tools
 * ends on that signal; a second signal gives up waiting.
 */
import { existsSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import type { CliEnv } from "../env.js";
import type { Io } from "../io.js";
import { PROTOCOL_VERSION, type Reply, socketPath, tokenPath } from "./protocol.js";

export class NoDaemonError extends Error {}

export function readToken(stateDir: string): string {
  try {
    return readFileSync(tokenPath(stateDir), "utf8").trim();
  } catch {
    return "";
  }
}

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * While a reply streams: the first signal asks the daemon to wrap up, a
 * second one drops the connection. A closed stdout (`| head`) ends the
 * stream quietly instead of crashing on EPIPE.
 */
function forwardInterrupts(sock: Socket, abandon: (exitCode: number) => void): () => void {
  let asked = false;
  const onSignal = () => {
    if (asked) {
      // As a shell reports a process killed by SIGINT.
      abandon(130);
      sock.destroy();
      return;
    }
    asked = true;
    if (sock.writable) sock.write(`${JSON.stringify({ t: "interrupt" })}\n`);
  };
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") return;
    // conntrack-tools would die of SIGPIPE here.
    abandon(141);
    sock.destroy();
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, onSignal);
  process.stdout.on("error", onStdoutError);
  return () => {
    for (const s of FORWARDED_SIGNALS) process.off(s, onSignal);
    process.stdout.off("error", onStdoutError);
  };
}

export function sendRequest(env: CliEnv, command: string, args: string[], io: Io): Promise<number> {
  const path = socketPath(env.stateDir);
  if (!existsSync(path)) {
    return Promise.reject(
      new NoDaemonError(
        `ctkit: no kernel is running for ${env.stateDir} (start one with 'ctkit up')`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = "";
    let exit: number | null = null;
    let stopForwarding: (() => void) | null = null;
    let abandoned: number | null = null;
    sock.setEncoding("utf8");
    sock.on("connect", () => {
      sock.write(
        `${JSON.stringify({ v: PROTOCOL_VERSION, token: readToken(env.stateDir), command, args, env, pid: process.pid })}\n`,
      );
    });
    sock.on("data", (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const reply = JSON.parse(buf.slice(0, nl)) as Reply;
        buf = buf.slice(nl + 1);
        if (reply.t === "out") io.out(reply.d);
        else if (reply.t === "err") io.err(reply.d);
        else if (reply.t === "stream")
          stopForwarding ??= forwardInterrupts(sock, (code) => {
            abandoned = code;
          });
        else exit = reply.code;
        nl = buf.indexOf("\n");
      }
    });
    sock.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNREFUSED" || e.code === "ENOENT") {
        reject(
          new NoDaemonError(
            `ctkit: stale socket ${path}: the kernel process is gone (run 'ctkit up')`,
          ),
        );
      } else reject(e);
    });
    sock.on("close", () => {
      stopForwarding?.();
      // A stream the user abandoned (second signal, closed stdout) ends without an exit code.
      if (exit === null && abandoned !== null) resolve(abandoned);
      else if (exit === null)
        reject(new Error("ctkit: the kernel closed the connection without an answer"));
      else resolve(exit);
    });
  });
}

/** True when a daemon answers on the socket. */
export function isAlive(stateDir: string): Promise<boolean> {
  const path = socketPath(stateDir);
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.on("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.on("error", () => resolve(false));
  });
}
