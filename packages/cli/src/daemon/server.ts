/**
 * The daemon: one Kernel behind a Unix socket. Requests run one at a time
 * (the kernel's module_mutex, in effect), so concurrent CLI calls are safe.
 * A streaming request (conntrack -E) gives the lock back once it has
 * subscribed and then only writes; it ends when its client interrupts it
 * or goes away. A malformed or unauthorised request gets an error reply
 * and never stops the daemon.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { Io } from "../io.js";
import {
  MAX_CLIENT_LINE,
  MAX_REQUEST_BYTES,
  parseClientMessage,
  parseRequest,
  pidPath,
  type Reply,
  type Request,
  socketPath,
  tokenPath,
} from "./protocol.js";
import type { DaemonIo } from "./stream.js";
import { StreamSession } from "./stream-session.js";

export type Executor = (req: Request, io: Io) => Promise<number>;

export interface Daemon {
  server: Server;
  /** Resolves when the daemon has shut down. */
  closed: Promise<void>;
  stop(): Promise<void>;
}

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startDaemon(stateDir: string, execute: Executor): Promise<Daemon> {
  const path = socketPath(stateDir);
  if (existsSync(path)) unlinkSync(path);
  const token = randomBytes(32).toString("hex");
  writeFileSync(tokenPath(stateDir), `${token}\n`, { mode: 0o600 });
  writeFileSync(pidPath(stateDir), `${process.pid}\n`, { mode: 0o600 });

  let queue: Promise<unknown> = Promise.resolve();
  let stopping = false;
  const sessions = new Set<StreamSession>();
  const shutdownHooks: (() => void)[] = [];
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });

  /** Work that must not interleave with a request (the conntrack GC). */
  const exclusive = (fn: () => void): Promise<void> => {
    const run = queue.then(() => {
      if (!stopping) fn();
    });
    queue = run.catch(() => undefined);
    return run;
  };

  const server = createServer((sock: Socket) => {
    let buf = Buffer.alloc(0);
    let handled = false;
    let session: StreamSession | null = null;
    let later = "";
    const send = (r: Reply) => {
      if (!sock.destroyed && sock.writable) sock.write(`${JSON.stringify(r)}\n`);
    };
    const refuse = (why: string) => {
      send({ t: "err", d: `ctkit: bad request: ${why}\n` });
      send({ t: "exit", code: 2 });
      sock.end();
    };
    /** Lines after the request: only a streaming client's interrupt means anything. */
    const readLater = (text: string) => {
      later += text;
      let nl = later.indexOf("\n");
      while (nl >= 0) {
        if (parseClientMessage(later.slice(0, nl))?.t === "interrupt" && session?.streaming)
          session.end("interrupt");
        later = later.slice(nl + 1);
        nl = later.indexOf("\n");
      }
      if (later.length > MAX_CLIENT_LINE) later = "";
    };
    sock.on("error", () => undefined);
    sock.on("close", () => session?.end("disconnect"));
    sock.on("data", (chunk: Buffer) => {
      if (handled) {
        readLater(chunk.toString("utf8"));
        return;
      }
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(10);
      if (nl < 0) {
        if (buf.length > MAX_REQUEST_BYTES) {
          handled = true;
          refuse(`larger than ${MAX_REQUEST_BYTES} bytes`);
        }
        return;
      }
      handled = true;
      const req = parseRequest(buf.subarray(0, nl).toString("utf8"));
      if (typeof req === "string") return refuse(req);
      if (!tokensEqual(req.token, token))
        return refuse(
          "not authorised (token mismatch: the kernel belongs to another user or state dir)",
        );
      const mine = new StreamSession(sock, send);
      session = mine;
      readLater(buf.subarray(nl + 1).toString("utf8"));
      const io: DaemonIo = {
        out: (d) => send({ t: "out", d }),
        err: (d) => send({ t: "err", d }),
        isTTY: false,
        clientPid: req.pid ?? 0,
        stream: mine,
        exclusive,
        onShutdown: (fn) => shutdownHooks.push(fn),
      };
      queue = queue.then(
        () =>
          new Promise<void>((release) => {
            sessions.add(mine);
            if (stopping) mine.end("shutdown");
            // A stream hands the lock on as soon as it has subscribed.
            mine.onDetach = release;
            void (async () => {
              let code: number;
              try {
                code = await execute(req, io);
              } catch (e) {
                io.err(`ctkit: internal error in '${req.command}': ${(e as Error).message}\n`);
                code = 70;
              }
              sessions.delete(mine);
              send({ t: "exit", code });
              sock.end();
              release();
              if (req.command === "down") await stop();
            })();
          }),
      );
    });
  });

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const hook of shutdownHooks.splice(0)) hook();
    // Streams would keep their sockets, and so the server, open forever.
    for (const s of sessions) s.end("shutdown");
    await new Promise<void>((r) => server.close(() => r()));
    for (const f of [path, tokenPath(stateDir), pidPath(stateDir)]) {
      try {
        unlinkSync(f);
      } catch {
        // already gone
      }
    }
    resolveClosed();
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  // The state dir is 0700 already; the socket itself is owner-only as well.
  chmodSync(path, 0o600);
  return { server, closed, stop };
}
