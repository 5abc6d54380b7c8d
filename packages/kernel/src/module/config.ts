/**
 * modprobe.d-style configuration: `alias`, `options`, `blacklist` and
 * `softdep`. `install` and `remove` run shell commands in kmod; ctkit never
 * runs commands from configuration, so those lines are rejected outright
 * rather than silently ignored.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./errors.js";
import { isValidAliasText, isValidModuleName, normalizeAlias, normalizeName } from "./names.js";

export interface ConfigAlias {
  pattern: string;
  target: string;
}

export interface ModprobeConfig {
  aliases: ConfigAlias[];
  /** Per module, option text in file order (joined with spaces when used). */
  options: Map<string, string[]>;
  blacklist: Set<string>;
  softdeps: Map<string, { pre: string[]; post: string[] }>;
  /** Files read, in order, for diagnostics. */
  files: string[];
}

export function emptyConfig(): ModprobeConfig {
  return { aliases: [], options: new Map(), blacklist: new Set(), softdeps: new Map(), files: [] };
}

/**
 * Reads every `*.conf` file of each path (a directory, or a single file) in
 * name order. A later directory's file replaces an earlier one of the same
 * name, as with /etc/modprobe.d overriding /lib/modprobe.d.
 */
export function loadConfig(paths: readonly string[]): ModprobeConfig {
  const byName = new Map<string, string>();
  const singles: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p)) if (f.endsWith(".conf")) byName.set(f, join(p, f));
    } else singles.push(p);
  }
  const files = [...[...byName.keys()].sort().map((k) => byName.get(k) as string), ...singles];
  const cfg = emptyConfig();
  for (const f of files) parseConfigText(cfg, readFileSync(f, "utf8"), f);
  return cfg;
}

/** Logical lines: '#' comments, trailing '\' joins the next line. */
function* logicalLines(text: string): Generator<[number, string]> {
  const raw = text.split("\n");
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let line = raw[i] as string;
    while (line.endsWith("\\") && i + 1 < raw.length)
      line = line.slice(0, -1) + (raw[++i] as string);
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    yield [start, trimmed];
  }
}

export function parseConfigText(cfg: ModprobeConfig, text: string, file: string): void {
  cfg.files.push(file);
  for (const [lineNo, line] of logicalLines(text)) {
    const words = line.split(/\s+/);
    const cmd = words[0] as string;
    const fail = (detail: string): never => {
      throw new ConfigError(file, lineNo, detail);
    };
    const moduleArg = (w: string | undefined): string => {
      if (w === undefined || !isValidModuleName(w))
        return fail(`'${cmd}' needs a module name, got ${w === undefined ? "nothing" : `'${w}'`}`);
      return normalizeName(w);
    };
    switch (cmd) {
      case "alias": {
        const [, pattern, target] = words;
        if (pattern === undefined || target === undefined || words.length !== 3)
          fail("usage: alias WILDCARD MODULE");
        if (!isValidAliasText(pattern as string)) fail(`'${pattern}' is not a valid alias`);
        cfg.aliases.push({ pattern: normalizeAlias(pattern as string), target: moduleArg(target) });
        break;
      }
      case "options": {
        const name = moduleArg(words[1]);
        // The text after the command and the module name (searching the whole
        // line for the name would find it inside "options" for names like "opt").
        const afterCmd = line.slice(cmd.length).trimStart();
        const rest = afterCmd.slice((words[1] as string).length).trim();
        const list = cfg.options.get(name) ?? [];
        if (rest !== "") list.push(rest);
        cfg.options.set(name, list);
        break;
      }
      case "blacklist":
        if (words.length !== 2) fail("usage: blacklist MODULE");
        cfg.blacklist.add(moduleArg(words[1]));
        break;
      case "softdep": {
        const name = moduleArg(words[1]);
        const dep = cfg.softdeps.get(name) ?? { pre: [], post: [] };
        let mode: "pre" | "post" | null = null;
        for (const w of words.slice(2)) {
          if (w === "pre:") mode = "pre";
          else if (w === "post:") mode = "post";
          else if (mode === null) fail("softdep: module names must follow 'pre:' or 'post:'");
          else dep[mode].push(moduleArg(w));
        }
        cfg.softdeps.set(name, dep);
        break;
      }
      case "install":
      case "remove":
        fail(
          `'${cmd}' lines run shell commands and are not supported by ctkit; use 'softdep' or remove the line`,
        );
        break;
      default:
        fail(`unknown command '${cmd}' (expected alias, options, blacklist or softdep)`);
    }
  }
}

/** Option text for a module from config, in file order. */
export function configOptions(cfg: ModprobeConfig, name: string): string {
  return (cfg.options.get(normalizeName(name)) ?? []).join(" ");
}
