/**
 * GNU getopt_long-style parsing, as kmod and conntrack-tools use: short
 * options bundle (-nv), values attach or follow (-Cdir, -C dir, --config=dir,
 * --config dir), non-options may appear anywhere, "--" ends options.
 * Errors use glibc's words so messages match the original tools.
 */
export interface OptSpec {
  key: string;
  short?: string;
  long?: string;
  /** Takes a value. */
  arg?: boolean;
  /** May repeat; values collect in an array. */
  multi?: boolean;
}

export interface Parsed {
  flags: Record<string, boolean>;
  values: Record<string, string[]>;
  rest: string[];
}

export class UsageError extends Error {}

export function getopt(prog: string, argv: readonly string[], specs: readonly OptSpec[]): Parsed {
  const out: Parsed = { flags: {}, values: {}, rest: [] };
  const set = (spec: OptSpec, value?: string) => {
    if (spec.arg) {
      const list = out.values[spec.key] ?? [];
      if (spec.multi) list.push(value as string);
      else list.splice(0, list.length, value as string);
      out.values[spec.key] = list;
    } else out.flags[spec.key] = true;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      out.rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const matches = specs.filter((s) => s.long === name);
      const spec = matches[0] ?? uniquePrefix(specs, name, prog, a);
      if (spec.arg) {
        let v: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
        if (v === undefined) {
          v = argv[++i];
          if (v === undefined)
            throw new UsageError(`${prog}: option '--${spec.long}' requires an argument`);
        }
        set(spec, v);
      } else {
        if (eq >= 0)
          throw new UsageError(`${prog}: option '--${spec.long}' doesn't allow an argument`);
        set(spec);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        const spec = specs.find((s) => s.short === c);
        if (!spec) throw new UsageError(`${prog}: invalid option -- '${c}'`);
        if (spec.arg) {
          let v = a.slice(j + 1);
          if (v === "") {
            const next = argv[++i];
            if (next === undefined)
              throw new UsageError(`${prog}: option requires an argument -- '${c}'`);
            v = next;
          }
          set(spec, v);
          break;
        }
        set(spec);
      }
      continue;
    }
    out.rest.push(a);
  }
  return out;
}

function uniquePrefix(specs: readonly OptSpec[], name: string, prog: string, raw: string): OptSpec {
  const candidates = specs.filter((s) => s.long?.startsWith(name));
  if (candidates.length === 1) return candidates[0] as OptSpec;
  if (candidates.length > 1) throw new UsageError(`${prog}: option '${raw}' is ambiguous`);
  throw new UsageError(`${prog}: unrecognized option '${raw}'`);
}

/** Options every ctkit command accepts. */
export const GLOBAL_OPTS: OptSpec[] = [
  { key: "stateDir", long: "state-dir", arg: true },
  { key: "moduleDir", long: "module-dir", arg: true, multi: true },
  { key: "json", long: "json" },
  { key: "help", short: "h", long: "help" },
];
