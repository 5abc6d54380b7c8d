/**
 * Sends one command to the daemon and relays its output.
 */
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
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
    sock.setEncoding("utf8");
    sock.on("connect", () => {
      sock.write(
        `${JSON.stringify({ v: PROTOCOL_VERSION, token: readToken(env.stateDir), command, args, env })}\n`,
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
      if (exit === null)
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
