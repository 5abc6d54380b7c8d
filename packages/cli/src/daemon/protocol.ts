/**
 * The daemon's wire protocol over its Unix socket: one JSON request line,
 * then reply lines (stdout text, stderr text, and finally the exit code).
 * Requests carry the token from the private state dir: only a process that
 * can read the owner's files may talk to the kernel.
 *
 * A command that streams (conntrack -E) first replies {"t":"stream"}: from
 * then on the client may send {"t":"interrupt"} when the user interrupts
 * it, and the command ends with its usual last lines and exit code. The
 * additions are optional on both sides, so the version stays 1.
 */
import type { CliEnv } from "../env.js";

export const PROTOCOL_VERSION = 1;
/** Requests larger than this are refused unread, so a bad client cannot make the daemon buffer without bound. */
export const MAX_REQUEST_BYTES = 1 << 20;

export interface Request {
  v: number;
  token: string;
  command: string;
  args: string[];
  env: CliEnv;
  /** The client's process id (events its request causes name it); absent means unknown. */
  pid?: number;
}

export type Reply =
  | { t: "out"; d: string }
  | { t: "err"; d: string }
  | { t: "exit"; code: number }
  | { t: "stream" };

/** What a client may send after its request, while its reply streams. */
export type ClientMessage = { t: "interrupt" };

/** Longest line a client may send after its request; longer ones are dropped. */
export const MAX_CLIENT_LINE = 1024;

export function parseClientMessage(line: string): ClientMessage | null {
  try {
    const v = JSON.parse(line) as { t?: unknown };
    return v !== null && typeof v === "object" && v.t === "interrupt" ? { t: "interrupt" } : null;
  } catch {
    return null;
  }
}

/** Validates an untrusted request; returns an error text or the request. */
export function parseRequest(line: string): Request | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return "request is not JSON";
  }
  if (typeof v !== "object" || v === null) return "request must be an object";
  const r = v as Record<string, unknown>;
  if (r.v !== PROTOCOL_VERSION) return `protocol version ${String(r.v)} is not ${PROTOCOL_VERSION}`;
  if (typeof r.token !== "string") return "missing token";
  if (typeof r.command !== "string") return "missing command";
  if (!Array.isArray(r.args) || !r.args.every((a) => typeof a === "string"))
    return "args must be strings";
  const e = r.env as Record<string, unknown> | undefined;
  if (
    typeof e !== "object" ||
    e === null ||
    typeof e.cwd !== "string" ||
    typeof e.stateDir !== "string" ||
    typeof e.envModulePath !== "string" ||
    typeof e.json !== "boolean" ||
    !Array.isArray(e.moduleDirs) ||
    !e.moduleDirs.every((d) => typeof d === "string") ||
    !Array.isArray(e.configPaths) ||
    !e.configPaths.every((d) => typeof d === "string")
  ) {
    return "env is malformed";
  }
  if (r.pid !== undefined && !(Number.isInteger(r.pid) && (r.pid as number) >= 0))
    return "pid must be a non-negative integer";
  return r as unknown as Request;
}

export function socketPath(stateDir: string): string {
  return `${stateDir}/ctkit.sock`;
}

export function tokenPath(stateDir: string): string {
  return `${stateDir}/token`;
}

export function pidPath(stateDir: string): string {
  return `${stateDir}/ctkit.pid`;
}
