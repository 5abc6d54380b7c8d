/**
 * The sysctl table (/proc/sys/net/...). Entries are registered by the core
 * and by modules (and unregistered with them). Values are integers, as all
 * the net.* knobs ctkit models are.
 */
import { KernelError } from "./module/errors.js";

export interface SysctlSpec {
  /** Initial value. */
  value: number;
  min?: number;
  max?: number;
  /** 0644 by default; read-only entries (0444) refuse writes. */
  mode?: number;
  /** Computed entries (e.g. nf_conntrack_count) read through this. */
  get?: () => number;
  /** Runs after a successful write. */
  onChange?: (value: number) => void;
}

interface Entry {
  spec: SysctlSpec;
  value: number;
}

const NAME = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

export class SysctlTable {
  private readonly entries = new Map<string, Entry>();

  register(name: string, spec: SysctlSpec): () => void {
    if (!NAME.test(name)) throw new KernelError("EINVAL", `sysctl: invalid name ${name}`);
    if (this.entries.has(name))
      throw new KernelError("EEXIST", `sysctl: ${name} is already registered`);
    const entry = { spec, value: spec.value };
    this.entries.set(name, entry);
    return () => {
      if (this.entries.get(name) === entry) this.entries.delete(name);
    };
  }

  has(name: string): boolean {
    return this.entries.has(normalizeKey(name));
  }

  get(name: string): number {
    const e = this.lookup(name);
    return e.spec.get ? e.spec.get() : e.value;
  }

  /** Like writing the /proc/sys file: text in, errno-style errors out. */
  set(name: string, text: string): void {
    const key = normalizeKey(name);
    const e = this.lookup(key);
    if (((e.spec.mode ?? 0o644) & 0o200) === 0 || e.spec.get) {
      // Linux answers a write to a read-only net.* entry with EINVAL too.
      throw new KernelError("EINVAL", `sysctl: setting key "${key}": Invalid argument`);
    }
    const t = text.trim();
    if (!/^-?\d+$/.test(t))
      throw new KernelError("EINVAL", `sysctl: setting key "${key}": Invalid argument`);
    const v = Number(t);
    if (
      (e.spec.min !== undefined && v < e.spec.min) ||
      (e.spec.max !== undefined && v > e.spec.max) ||
      !Number.isSafeInteger(v)
    ) {
      throw new KernelError("EINVAL", `sysctl: setting key "${key}": Invalid argument`);
    }
    e.value = v;
    e.spec.onChange?.(v);
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  private lookup(name: string): Entry {
    const key = normalizeKey(name);
    const e = this.entries.get(key);
    if (!e)
      throw new KernelError(
        "ENOENT",
        `sysctl: cannot stat /proc/sys/${key.replaceAll(".", "/")}: No such file or directory`,
      );
    return e;
  }
}

/** sysctl(8) accepts both "net.ipv4.ip_forward" and "net/ipv4/ip_forward". */
export function normalizeKey(name: string): string {
  return name.replaceAll("/", ".");
}
