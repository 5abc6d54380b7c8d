/**
 * conntrack-tools names the process behind a userspace-caused event
 * ("progname=") from /proc/PID/stat: the command name between the first
 * "(" and the next ")". Unknown when the process is gone.
 */
import { readFileSync } from "node:fs";

export function processName(pid: number): string | null {
  if (pid <= 0) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const open = stat.indexOf("(");
    const close = stat.indexOf(")", open + 1);
    return open >= 0 && close > open ? stat.slice(open + 1, close) : null;
  } catch {
    return null;
  }
}

/** The " [USERSPACE] portid=N progname=NAME" tail of an event a request caused. */
export function userspaceSuffix(pid: number): string {
  if (pid <= 0) return "";
  const name = processName(pid);
  return name === null
    ? ` [USERSPACE] portid=${pid}`
    : ` [USERSPACE] portid=${pid} progname=${name}`;
}
