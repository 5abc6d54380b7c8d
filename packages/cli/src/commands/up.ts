/**
 * ctkit up / down: start and stop the long-lived kernel (the daemon).
 * `up` forks a detached process running `ctkit __daemon`, waits until it
 * answers on its socket, and reports; `down` asks it to stop.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command, CommandContext } from "../command.js";
import { isAlive } from "../daemon/client.js";
import { pidPath, socketPath } from "../daemon/protocol.js";
import { ensurePrivateDir } from "../env.js";
import { getopt } from "../getopt.js";

const READY_TIMEOUT_MS = 10_000;

function globalArgs(ctx: CommandContext): string[] {
  const a = ["--state-dir", ctx.env.stateDir];
  for (const d of ctx.env.moduleDirs) a.push("--module-dir", d);
  for (const c of ctx.env.configPaths) a.push("--config", c);
  return a;
}

export const up: Command = {
  name: "up",
  summary: "start a long-lived kernel (daemon) on a Unix socket in the state dir",
  help: "Usage:\n\tctkit up [--state-dir DIR] [--module-dir DIR] [--config DIR]\nStarts a kernel in the background; later commands act on it. 'ctkit down' stops it.\n",
  where: "client",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    getopt("up", argv, []);
    ensurePrivateDir(ctx.env.stateDir);
    if (await isAlive(ctx.env.stateDir)) {
      const pid = readFileSync(pidPath(ctx.env.stateDir), "utf8").trim();
      ctx.io.err(`ctkit: a kernel is already running for ${ctx.env.stateDir} (pid ${pid})\n`);
      return 1;
    }
    // A socket nobody answers on is left over from a killed daemon.
    if (existsSync(socketPath(ctx.env.stateDir))) unlinkSync(socketPath(ctx.env.stateDir));
    const main = join(fileURLToPath(new URL(".", import.meta.url)), "main.js");
    const logFile = join(ctx.env.stateDir, "ctkit.log");
    const log = openSync(logFile, "a", 0o600);
    const child = spawn(process.execPath, [main, "__daemon", ...globalArgs(ctx)], {
      detached: true,
      stdio: ["ignore", log, log],
      cwd: ctx.env.cwd,
      env: { ...process.env, CTKIT_MODULE_PATH: ctx.env.envModulePath },
    });
    closeSync(log);
    let exited: number | null = null;
    child.on("exit", (code) => {
      exited = code ?? 1;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (await isAlive(ctx.env.stateDir)) {
        child.unref();
        ctx.io.out(`ctkit: kernel up (pid ${child.pid}, socket ${socketPath(ctx.env.stateDir)})\n`);
        return 0;
      }
      if (exited !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    ctx.io.err(`ctkit: the kernel did not start (see ${logFile})\n`);
    if (exited === null) child.kill();
    return 1;
  },
};

export const down: Command = {
  name: "down",
  summary: "stop the running kernel",
  help: "Usage:\n\tctkit down\nStops the kernel started by 'ctkit up'. Its state is not kept.\n",
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    getopt("down", argv, []);
    ctx.io.out("ctkit: kernel stopped\n");
    return 0;
  },
};
