/**
 * Runs an admin script — one Linux command per line, '#' comments — against
 * a kernel, through the same command implementations the CLI uses. This is
 * the SETUP format of `ctkit replay` and the format of `ctkit demo`.
 */
import { readFileSync } from "node:fs";
import { BufferIo, type Io } from "../io.js";

export interface ScriptOptions {
  /** Print "$ ctkit LINE", comments and output as a transcript (demo). */
  transcript: boolean;
  /** Stop at the first failing line (replay) instead of showing "(exit N)" (demo). */
  stopOnError: boolean;
}

/** Splits a line into words; double and single quotes group. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line))
    words.push(m[1] ?? m[2] ?? (m[3] as string));
  return words;
}

/** Commands a script may use (output of the others is kept out of replay reports). */
const ALLOWED = new Set([
  "ip",
  "sysctl",
  "modprobe",
  "rmmod",
  "iptables",
  "ip6tables",
  "lsmod",
  "modinfo",
  "param",
  "conntrack",
  "dmesg",
  "depmod",
]);

/** Runs one command; null when the command does not exist in this build. */
export type Runner = (name: string, args: string[], io: Io) => Promise<number | null>;

/**
 * Returns 0, or 1 after writing "FILE:LINE: message" for the first failing
 * line when stopOnError is set.
 */
export async function runScript(
  file: string,
  run: Runner,
  io: Io,
  opts: ScriptOptions,
): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    io.err(
      `ctkit: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
    );
    return 1;
  }
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) {
      if (opts.transcript) io.out(`${line}\n`);
      continue;
    }
    const [name, ...args] = shellWords(line);
    const where = `${file}:${i + 1}`;
    if (name === undefined || !ALLOWED.has(name)) {
      io.err(`ctkit: ${where}: unknown command '${name}' (expected ${[...ALLOWED].join(", ")})\n`);
      return 1;
    }
    if (opts.transcript) io.out(`$ ctkit ${line}\n`);
    const captured = new BufferIo();
    const code = await run(name, args, opts.transcript ? io : captured);
    if (code === null) {
      io.err(`ctkit: ${where}: '${name}' is not available yet\n`);
      return 1;
    }
    if (code !== 0) {
      if (opts.stopOnError) {
        const msg = captured.stderr.trim().split("\n")[0] || `exit status ${code}`;
        io.err(`ctkit: ${where}: ${msg}\n`);
        return 1;
      }
      io.out(`(exit ${code})\n`);
    }
  }
  return 0;
}
