/**
 * Shared test plumbing: kernels over the fixture modules, the event log the
 * fixtures write to (globalThis.__ctkitEvents, which survives the fresh
 * import every load gets), and small helpers to capture errors.
 */
import { fileURLToPath } from "node:url";
import {
  emptyConfig,
  Kernel,
  type ModprobeConfig,
  type ModuleOrigin,
  parseConfigText,
} from "../dist/index.js";

export const FIXTURES = fileURLToPath(new URL("./fixtures/modules", import.meta.url));
export const INVALID = fileURLToPath(new URL("./fixtures/invalid", import.meta.url));

type EventHolder = { __ctkitEvents?: string[] };

/** What the fixture modules recorded (init/exit/param calls), in order. */
export function events(): string[] {
  return (globalThis as EventHolder).__ctkitEvents ?? [];
}

export function resetEvents(): void {
  (globalThis as EventHolder).__ctkitEvents = [];
}

export function config(text: string, file = "/etc/modprobe.d/test.conf"): ModprobeConfig {
  const cfg = emptyConfig();
  parseConfigText(cfg, text, file);
  return cfg;
}

export interface TestKernelOptions {
  /** modprobe.d text applied to the kernel. */
  config?: string;
  origin?: ModuleOrigin;
}

/** A kernel whose module path is the fixtures directory, with a virtual clock. */
export function makeKernel(opts: TestKernelOptions = {}): Kernel {
  let now = 1000;
  return new Kernel({
    modulePath: [{ path: FIXTURES, origin: opts.origin === "path" ? "path" : "workspace" }],
    config: opts.config === undefined ? undefined : config(opts.config),
    clock: () => now++,
  });
}

/** Kernel log lines as plain text. */
export function dmesg(k: Kernel): string[] {
  return k.log.all().map((l) => l.text);
}

/** Names of the loaded modules, newest first (lsmod order). */
export function lsmod(k: Kernel): string[] {
  return k.modules.list().map((m) => m.name);
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection<T = Error>(p: Promise<unknown>): Promise<T> {
  try {
    await p;
  } catch (e) {
    return e as T;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/** The error a function throws; fails the test if it returns. */
export function thrown<T = Error>(fn: () => unknown): T {
  try {
    fn();
  } catch (e) {
    return e as T;
  }
  throw new Error("expected the call to throw, but it returned");
}
