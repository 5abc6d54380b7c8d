/**
 * The daemon over its real Unix socket: a separate process started by
 * `ctkit up`, driven by the CLI, and abused by raw clients.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferIo, runCli } from "../dist/index.js";
import { examplesDir, repoRoot } from "./harness.js";

const stateDir = mkdtempSync(join(tmpdir(), "ctkit-daemon-test-"));
const sock = join(stateDir, "ctkit.sock");

async function ctkit(...argv: string[]) {
  const io = new BufferIo();
  const code = await runCli(["--state-dir", stateDir, ...argv], io, { cwd: repoRoot, env: {} });
  return { code, stdout: io.stdout, stderr: io.stderr };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends raw bytes to the socket and returns everything the daemon answers. */
function raw(payload: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(sock);
    let out = "";
    c.setEncoding("utf8");
    c.on("connect", () => c.write(payload));
    c.on("data", (d: string) => {
      out += d;
    });
    c.on("close", () => resolve(out));
    c.on("error", reject);
  });
}

beforeAll(async () => {
  const r = await ctkit("up", "--module-dir", examplesDir);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ctkit: kernel up \(pid \d+, socket .*ctkit\.sock\)\n$/);
});

afterAll(async () => {
  await ctkit("down");
  rmSync(stateDir, { recursive: true, force: true });
});

describe("ctkit daemon", () => {
  it("keeps its socket and token private", () => {
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, "token")).mode & 0o777).toBe(0o600);
  });

  it("refuses a second 'up' for the same state dir", async () => {
    const pid = readFileSync(join(stateDir, "ctkit.pid"), "utf8").trim();
    expect(await ctkit("up")).toEqual({
      code: 1,
      stdout: "",
      stderr: `ctkit: a kernel is already running for ${stateDir} (pid ${pid})\n`,
    });
  });

  it("loads modules and keeps state across CLI calls", async () => {
    expect((await ctkit("modprobe", "nf_conntrack", "hashsize=1024")).code).toBe(0);
    expect((await ctkit("sysctl", "net.netfilter.nf_conntrack_buckets")).stdout).toBe(
      "net.netfilter.nf_conntrack_buckets = 1024\n",
    );
    const l = await ctkit("lsmod");
    expect(l.stdout.split("\n")[1]).toMatch(/^nf_conntrack +\d+ {2}0$/);
  });

  it("serialises concurrent CLI calls", async () => {
    const results = await Promise.all([
      ctkit("modprobe", "nf_nat"),
      ctkit("modprobe", "nfct-helper-sample"),
      ctkit("modprobe", "nf_nat"),
      ctkit("modprobe", "nf_conntrack_proto_gre"),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const l = await ctkit("lsmod", "--json");
    const mods = JSON.parse(l.stdout).modules as { name: string; refcnt: number }[];
    expect(mods.map((m) => m.name).sort()).toEqual([
      "nf_conntrack",
      "nf_conntrack_proto_gre",
      "nf_conntrack_sample",
      "nf_nat",
    ]);
    expect(mods.find((m) => m.name === "nf_conntrack")?.refcnt).toBe(3);
  });

  it("answers a malformed request with an error and keeps running", async () => {
    const bad = await raw("this is not json\n");
    expect(bad).toBe(
      '{"t":"err","d":"ctkit: bad request: request is not JSON\\n"}\n{"t":"exit","code":2}\n',
    );
    const wrongToken = await raw(
      `${JSON.stringify({ v: 1, token: "0".repeat(64), command: "lsmod", args: [], env: { cwd: "/", stateDir, moduleDirs: [], configPaths: [], envModulePath: "", json: false } })}\n`,
    );
    expect(wrongToken).toContain("not authorised");
    const huge = await raw(Buffer.alloc(1.5 * 1024 * 1024, 0x61));
    expect(huge).toContain("larger than 1048576 bytes");
    expect((await ctkit("status")).code).toBe(0);
  });

  it("refuses commands that do not belong in the kernel", async () => {
    const token = readFileSync(join(stateDir, "token"), "utf8").trim();
    const env = {
      cwd: "/",
      stateDir,
      moduleDirs: [],
      configPaths: [],
      envModulePath: "",
      json: false,
    };
    const r = await raw(`${JSON.stringify({ v: 1, token, command: "up", args: [], env })}\n`);
    expect(r).toContain("cannot run in the kernel");
  });

  it("reports user errors as one line, never a stack trace", async () => {
    const r = await ctkit("modprobe", "nf_conntrack_sample", "ports=1,2,3,4,5,6,7,8,9");
    expect(r.code).toBe(0); // already loaded: kmod ignores the parameters
    const bad = await ctkit("sysctl", "net.nope");
    expect(bad.stderr).toBe("sysctl: cannot stat /proc/sys/net/nope: No such file or directory\n");
    expect((await ctkit("frobnicate")).stderr).toBe(
      "ctkit: unknown command 'frobnicate'. See 'ctkit --help'.\n",
    );
  });
});

describe("without a daemon", () => {
  it("says so, and detects a stale socket", async () => {
    const other = mkdtempSync(join(tmpdir(), "ctkit-nodaemon-"));
    const io = new BufferIo();
    expect(await runCli(["--state-dir", other, "lsmod"], io, { cwd: repoRoot, env: {} })).toBe(1);
    expect(io.stderr).toBe(
      `ctkit: no kernel is running for ${other} (start one with 'ctkit up')\n`,
    );
    // A daemon killed without a chance to clean up leaves its socket behind.
    expect(
      await runCli(["--state-dir", other, "up"], new BufferIo(), { cwd: repoRoot, env: {} }),
    ).toBe(0);
    const pid = Number(readFileSync(join(other, "ctkit.pid"), "utf8"));
    process.kill(pid, "SIGKILL");
    while (isRunning(pid)) await new Promise((r) => setTimeout(r, 10));
    const io2 = new BufferIo();
    expect(await runCli(["--state-dir", other, "lsmod"], io2, { cwd: repoRoot, env: {} })).toBe(1);
    expect(io2.stderr).toBe(
      `ctkit: stale socket ${join(other, "ctkit.sock")}: the kernel process is gone (run 'ctkit up')\n`,
    );
    // 'up' notices nobody answers, removes the socket and starts afresh.
    expect(
      await runCli(["--state-dir", other, "up"], new BufferIo(), { cwd: repoRoot, env: {} }),
    ).toBe(0);
    expect(
      await runCli(["--state-dir", other, "down"], new BufferIo(), { cwd: repoRoot, env: {} }),
    ).toBe(0);
    rmSync(other, { recursive: true, force: true });
  });
});
