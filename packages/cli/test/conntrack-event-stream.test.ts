/**
 * The event stream from inside: packet-driven events in Linux's format,
 * and the daemon giving up its subscriptions when clients go away or the
 * daemon stops. Uses the sources (not dist) so the test can look at the
 * same event hub the daemon's commands use.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hook, Kernel, resolveModulePath, Skb } from "@ctkit/kernel";
import { buildUdp } from "@ctkit/packet";
import { afterEach, describe, expect, it } from "vitest";
import { findCommand } from "../src/commands/index.js";
import { eventHub } from "../src/conntrack/event-hub.js";
import { type Daemon, startDaemon } from "../src/daemon/server.js";
import type { DaemonIo, StreamEnd } from "../src/daemon/stream.js";
import { executeInKernel } from "../src/run.js";
import { repoRoot } from "./harness.js";
import { RawClient, until } from "./stream-client.js";

/** Listeners the kernel itself holds (the hub registers one while anyone watches). */
function kernelListeners(k: Kernel): number {
  return (k.conntrack as unknown as { listeners: Set<unknown> }).listeners.size;
}

function command(name: string) {
  const c = findCommand(name);
  if (c === undefined) throw new Error(`no command ${name}`);
  return c;
}

function env(stateDir: string) {
  return {
    cwd: repoRoot,
    stateDir,
    moduleDirs: [],
    configPaths: [join(stateDir, "modprobe.d")],
    envModulePath: "",
    json: false,
  };
}

describe("packet-driven events", () => {
  it("print as Linux 6.18 prints them: no zero mark, no use count, counters only on DESTROY", async () => {
    let clock = 1_795_626_602.5;
    const k = new Kernel({ modulePath: resolveModulePath({ env: {} }), clock: () => clock });
    const dir = mkdtempSync(join(tmpdir(), "ctkit-ev-"));
    const run = (line: string, io: DaemonIo | undefined = undefined) => {
      const [name, ...args] = line.split(" ");
      const out = { stdout: "", stderr: "" };
      const sink = io ?? {
        out: (t: string) => {
          out.stdout += t;
        },
        err: (t: string) => {
          out.stderr += t;
        },
        isTTY: false,
      };
      return executeInKernel(k, command(name as string), args, env(dir), sink).then((code) => ({
        code,
        ...out,
      }));
    };
    await run("modprobe nf_conntrack acct=1");
    k.conntrack.netnsGet(4);
    k.conntrack.loadTimeouts();
    let lines = "";
    let end!: (why: StreamEnd) => void;
    const hooks: (() => void)[] = [];
    const io: DaemonIo = {
      out: (t) => {
        lines += t;
      },
      err: (t) => {
        lines += `ERR ${t}`;
      },
      isTTY: false,
      clientPid: 0,
      stream: {
        detach: () => undefined,
        ended: new Promise((r) => {
          end = r;
        }),
        backlog: () => 0,
      },
      exclusive: async (fn) => fn(),
      onShutdown: (fn) => hooks.push(fn),
    };
    const watching = run("conntrack -E", io);
    await until(() => kernelListeners(k) === 1, 2000, "the subscription");
    const skb = new Skb();
    for (const [src, dst, sport, dport] of [
      ["10.0.0.2", "192.0.2.1", 40000, 53],
      ["192.0.2.1", "10.0.0.2", 53, 40000],
    ] as const) {
      const p = buildUdp({ src, dst, sport, dport, payload: "x" });
      skb.parse(p, 0, p.length);
      skb.time = clock;
      k.hooks.run(4, Hook.PREROUTING, skb);
      k.hooks.run(4, Hook.POSTROUTING, skb);
    }
    clock += 1.5;
    expect((await run("conntrack -F")).code).toBe(0);
    end("interrupt");
    expect((await watching).code).toBe(0);
    for (const h of hooks) h();
    expect(lines.split("\n")).toEqual([
      "    [NEW] udp      17 30 src=10.0.0.2 dst=192.0.2.1 sport=40000 dport=53 [UNREPLIED] src=192.0.2.1 dst=10.0.0.2 sport=53 dport=40000",
      " [UPDATE] udp      17 30 src=10.0.0.2 dst=192.0.2.1 sport=40000 dport=53 src=192.0.2.1 dst=10.0.0.2 sport=53 dport=40000",
      "[DESTROY] udp      17 28 src=10.0.0.2 dst=192.0.2.1 sport=40000 dport=53 packets=1 bytes=29 src=192.0.2.1 dst=10.0.0.2 sport=53 dport=40000 packets=1 bytes=29",
      "ERR conntrack v1.4.7 (conntrack-tools): 3 flow events have been shown.",
      "",
    ]);
    expect(kernelListeners(k)).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("the daemon's streams", () => {
  let daemon: Daemon | null = null;
  let dir = "";
  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<Kernel> {
    dir = mkdtempSync(join(tmpdir(), "ctkit-stream-"));
    const k = new Kernel({ modulePath: resolveModulePath({ env: {} }) });
    daemon = await startDaemon(dir, (req, io) =>
      executeInKernel(k, command(req.command), req.args, req.env, io),
    );
    return k;
  }

  it("unsubscribes a client that disconnects or is interrupted, and keeps others", async () => {
    const k = await start();
    const hub = eventHub(k);
    const a = new RawClient(dir, "conntrack", ["-E"]);
    const b = new RawClient(dir, "conntrack", ["-E", "-p", "udp"]);
    await Promise.all([a.streaming(), b.streaming()]);
    expect(hub.listenerCount).toBe(2);
    expect(kernelListeners(k)).toBe(1);
    a.vanish();
    await until(() => hub.listenerCount === 1, 2000, "the vanished client's unsubscription");
    expect(kernelListeners(k)).toBe(1);
    // Requests still run while b streams.
    const lister = new RawClient(dir, "conntrack", ["-L"]);
    await lister.finished();
    expect(lister.exitCode()).toBe(0);
    b.interrupt();
    await b.finished();
    expect(b.exitCode()).toBe(0);
    expect(b.err()).toBe("conntrack v1.4.7 (conntrack-tools): 0 flow events have been shown.\n");
    expect(hub.listenerCount).toBe(0);
    expect(kernelListeners(k)).toBe(0);
  });

  it("ends open streams when it stops, instead of hanging", async () => {
    const k = await start();
    const c = new RawClient(dir, "conntrack", ["-E"]);
    await c.streaming();
    await daemon?.stop();
    daemon = null;
    await c.finished();
    expect(c.exitCode()).toBe(1);
    expect(c.err()).toBe("ctkit: the kernel stopped ('ctkit down'); 0 flow events were shown\n");
    expect(eventHub(k).listenerCount).toBe(0);
  });
});
