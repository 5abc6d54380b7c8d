/**
 * Module names as kmod treats them: '-' and '_' are the same character, and
 * a name is never a path. Validating here keeps `modprobe ../x` from ever
 * reaching the file system.
 */
const MODULE_NAME = /^[A-Za-z0-9_-]{1,55}$/;

/** kmod's modname_normalize: every '-' becomes '_'. */
export function normalizeName(name: string): string {
  return name.replaceAll("-", "_");
}

/**
 * kmod's alias_normalize: like normalizeName, but a bracket expression is
 * copied as is, so the '-' of a range such as "[0-9]" stays a range.
 */
export function normalizeAlias(alias: string): string {
  let out = "";
  for (let i = 0; i < alias.length; i++) {
    const c = alias[i] as string;
    if (c === "[") {
      // Same bracket extent as compileGlob: a ']' right after '[' is literal.
      const close = alias.indexOf("]", i + 2);
      if (close >= 0) {
        out += alias.slice(i, close + 1);
        i = close;
        continue;
      }
    }
    out += c === "-" ? "_" : c;
  }
  return out;
}

export function isValidModuleName(name: string): boolean {
  return MODULE_NAME.test(name);
}

/**
 * Alias strings may contain wildcard characters and ':' (as in
 * "nfct-helper-ftp" or "pci:v*"), but never path separators or spaces.
 */
const ALIAS_TEXT = /^[A-Za-z0-9_\-:*?[\]!.]{1,200}$/;

export function isValidAliasText(alias: string): boolean {
  return ALIAS_TEXT.test(alias) && !alias.includes("..");
}

/**
 * fnmatch(3) without flags, as kmod uses for alias patterns: '*', '?' and
 * bracket expressions ([abc], [a-z], [!x]). Compiled patterns are cached
 * because alias tables are matched on every lookup.
 */
const compiled = new Map<string, RegExp>();

export function fnmatch(pattern: string, text: string): boolean {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = compileGlob(pattern);
    compiled.set(pattern, re);
  }
  return re.test(text);
}

function compileGlob(pattern: string): RegExp {
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, close);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      out += `[${body.replaceAll("\\", "\\\\")}]`;
      i = close;
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`${out}$`);
}

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}
