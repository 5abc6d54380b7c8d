/**
 * The daemon's wire protocol over its Unix socket: one JSON request line,
 * then reply lines (stdout text, stderr text, and finally the exit code).
 * Requests carry the token from the private state dir: only a process that
 * can read the owner's files may talk to the kernel.
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
}

export type Reply = { t: "out"; d: string } | { t: "err"; d: string } | { t: "exit"; code: number };

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
