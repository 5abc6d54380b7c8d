/**
 * Test harness: runs CLI commands against an in-process kernel (no daemon),
 * exactly as the daemon would run them, and collects their output.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kernel, resolveModulePath } from "@ctkit/kernel";
import { BufferIo, executeInKernel, findCommand, runCli } from "../dist/index.js";

export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
export const examplesDir = join(repoRoot, "examples");

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export class Session {
  readonly stateDir = mkdtempSync(join(tmpdir(), "ctkit-cli-test-"));
  readonly kernel: Kernel;

  constructor(readonly moduleDirs: string[] = [examplesDir]) {
    this.kernel = new Kernel({
      modulePath: [
        ...resolveModulePath({ env: {} }),
        ...moduleDirs.map((p) => ({ path: p, origin: "path" as const })),
      ],
    });
  }

  env(json = false) {
    return {
      cwd: repoRoot,
      stateDir: this.stateDir,
      moduleDirs: this.moduleDirs,
      configPaths: [join(this.stateDir, "modprobe.d")],
      envModulePath: "",
      json,
    };
  }

  async run(line: string, json = false): Promise<Result> {
    const [name, ...args] = line.split(" ").filter((w) => w !== "");
    const command = findCommand(name as string);
    if (!command) throw new Error(`no command ${name}`);
    const io = new BufferIo();
    const code = await executeInKernel(this.kernel, command, args, this.env(json), io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  }

  dispose(): void {
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** Runs `ctkit ARGV` in process, as the command line would, from the repository root. */
export async function ctkit(...argv: string[]): Promise<Result> {
  const io = new BufferIo();
  const code = await runCli(argv, io, { cwd: repoRoot, env: {} });
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** `replay` of a bundled example (DIR/setup, DIR/lan-in.pcap, DIR/wan-in.pcap) into `out`. */
export function replayExample(dir: string, out: string, ...flags: string[]): Promise<Result> {
  const input = (ifname: string) => `${ifname}=${join(dir, `${ifname}-in.pcap`)}`;
  return ctkit(
    "replay",
    join(dir, "setup"),
    "--in",
    input("lan"),
    "--in",
    input("wan"),
    "--out-dir",
    out,
    ...flags,
  );
}
